//! The conformance suite on `MemoryStore`: directly, through `Box<dyn ShareStore>` and
//! through `Arc<dyn ShareStore>`; the races through the facade over two handles of one
//! store. The model-based property test is `store_model.rs`.
#![cfg(feature = "conformance")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use shareguard::store::conformance;
use shareguard::{MemoryStore, ShareStore};

fn boxed() -> Box<dyn ShareStore> {
    Box::new(MemoryStore::new())
}

/// The store as the trait object of its own type: for a `Box` or an `Arc`, the crate's
/// forwarding impl, not the store inside.
fn itself<S: ShareStore>(store: &S) -> &dyn ShareStore {
    store
}

/// Two handles over one store, as two connections to one database would be.
fn pair() -> (Box<dyn ShareStore>, Box<dyn ShareStore>) {
    let one = Arc::new(MemoryStore::new());
    (Box::new(Arc::clone(&one)), Box::new(one))
}

macro_rules! each {
    ($($name:ident),* $(,)?) => {
        mod direct {
            use super::*;
            $(#[test] fn $name() { conformance::$name(&MemoryStore::new()); })*
        }
        mod through_box {
            use super::*;
            $(#[test] fn $name() { let store: Box<dyn ShareStore> = boxed(); conformance::$name(itself(&store)); })*
        }
        mod through_arc {
            use super::*;
            $(#[test] fn $name() {
                let store: Arc<dyn ShareStore> = Arc::new(MemoryStore::new());
                conformance::$name(itself(&store));
            })*
        }
    };
}

shareguard::conformance_checks!(each);

#[test]
fn races_over_two_handles_of_one_store() {
    conformance::races(&pair);
}

#[test]
fn races_over_two_arc_dyn_handles() {
    conformance::races(&|| {
        let one: Arc<dyn ShareStore> = Arc::new(MemoryStore::new());
        (Box::new(Arc::clone(&one)) as Box<dyn ShareStore>, Box::new(one) as Box<dyn ShareStore>)
    });
}

#[test]
fn run_all_through_box() {
    conformance::run_all(&boxed);
}

#[test]
fn run_all_through_arc() {
    // An `Arc<dyn ShareStore>` shared by its holders is itself a store (the crate forwards
    // the trait through `Arc`); the factory hands each check a fresh one.
    conformance::run_all(&|| {
        let shared: Arc<dyn ShareStore> = Arc::new(MemoryStore::new());
        Box::new(shared) as Box<dyn ShareStore>
    });
}

/// A store whose first write first deletes share `b` behind the caller's back, as another
/// writer would between the batch's read and its writes.
struct Vanishing {
    inner: MemoryStore,
    armed: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl ShareStore for Vanishing {
    async fn apply(
        &self,
        write: shareguard::store::Write,
        pre: &shareguard::store::Precondition,
        actor: &shareguard::model::PrincipalId,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<shareguard::store::Applied, shareguard::StoreError> {
        if self.armed.swap(false, std::sync::atomic::Ordering::SeqCst) {
            self.inner.delete(&"b".parse().unwrap(), actor, at).await?;
        }
        self.inner.apply(write, pre, actor, at).await
    }
    async fn note(
        &self,
        resource: &shareguard::model::ResourceRef,
        event: shareguard::model::LogEvent,
        pre: &shareguard::store::Precondition,
        actor: &shareguard::model::PrincipalId,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<shareguard::model::Revision, shareguard::StoreError> {
        self.inner.note(resource, event, pre, actor, at).await
    }
    async fn get(
        &self,
        id: &shareguard::model::ShareId,
    ) -> Result<Option<shareguard::model::Share>, shareguard::StoreError> {
        self.inner.get(id).await
    }
    async fn read_path(
        &self,
        resources: &[shareguard::model::ResourceRef],
        at_least: shareguard::model::Revision,
        read: &mut shareguard::store::PathReader<'_>,
    ) -> Result<(), shareguard::StoreError> {
        self.inner.read_path(resources, at_least, read).await
    }
    async fn shares_reaching(
        &self,
        principal: &shareguard::model::Principal,
        include_public: bool,
        page: &shareguard::store::Page,
    ) -> Result<shareguard::store::Paged<shareguard::model::Share>, shareguard::StoreError> {
        self.inner.shares_reaching(principal, include_public, page).await
    }
    async fn list(
        &self,
        filter: &shareguard::store::ShareFilter,
        page: &shareguard::store::Page,
    ) -> Result<shareguard::store::Paged<shareguard::model::Share>, shareguard::StoreError> {
        self.inner.list(filter, page).await
    }
    async fn find_link(
        &self,
        digest: &shareguard::model::LinkDigest,
    ) -> Result<Option<shareguard::model::Share>, shareguard::StoreError> {
        self.inner.find_link(digest).await
    }
    async fn log_for_share(
        &self,
        id: &shareguard::model::ShareId,
        page: &shareguard::store::Page,
    ) -> Result<shareguard::store::Paged<shareguard::model::LogEntry>, shareguard::StoreError> {
        self.inner.log_for_share(id, page).await
    }
    async fn log_for_resource(
        &self,
        resource: &shareguard::model::ResourceRef,
        page: &shareguard::store::Page,
    ) -> Result<shareguard::store::Paged<shareguard::model::LogEntry>, shareguard::StoreError> {
        self.inner.log_for_resource(resource, page).await
    }
    async fn changes_since(
        &self,
        after: shareguard::model::Revision,
        limit: usize,
    ) -> Result<Vec<shareguard::model::LogEntry>, shareguard::StoreError> {
        self.inner.changes_since(after, limit).await
    }
    async fn revision(&self) -> Result<shareguard::model::Revision, shareguard::StoreError> {
        self.inner.revision().await
    }
    async fn expired(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<Vec<shareguard::model::Share>, shareguard::StoreError> {
        self.inner.expired(now, limit).await
    }
}

#[test]
fn revoke_batch_skips_a_target_another_writer_removed_instead_of_failing_half_done() {
    use shareguard::model::{AccessLevel, Recipient, Share};
    use shareguard::store::BatchOutcome;
    let now = chrono::Utc::now();
    let bob = Recipient::User { id: "bob".parse().unwrap() };
    let store = Vanishing { inner: MemoryStore::new(), armed: false.into() };
    for id in ["a", "b"] {
        let share = Share::new(
            id.parse().unwrap(),
            "folder:f1".parse().unwrap(),
            "alice".parse().unwrap(),
            bob.clone(),
            AccessLevel::Viewer,
            now,
        );
        pollster::block_on(store.create(share, &"alice".parse().unwrap(), now)).unwrap();
    }
    store.armed.store(true, std::sync::atomic::Ordering::SeqCst);
    let outcomes = pollster::block_on(store.revoke_batch(
        &"folder:f1".parse().unwrap(),
        &[bob],
        &"admin".parse().unwrap(),
        now,
    ))
    .unwrap();
    match &outcomes[..] {
        [BatchOutcome::Removed { shares, .. }] => {
            assert_eq!(shares.iter().map(|s| s.id().as_str()).collect::<Vec<_>>(), ["a"]);
        }
        other => panic!("the share still there is removed and reported, got {other:?}"),
    }
    assert!(store.inner.is_empty().unwrap());
}

/// A store that records a use the wrong way: it reads the share, checks the limit, and
/// writes the share back, without holding its lock across the three (a read-modify-write
/// an adapter must not do). Everything else is the memory store's.
struct Lockless {
    inner: MemoryStore,
}

#[async_trait::async_trait]
impl ShareStore for Lockless {
    async fn apply(
        &self,
        write: shareguard::store::Write,
        pre: &shareguard::store::Precondition,
        actor: &shareguard::model::PrincipalId,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<shareguard::store::Applied, shareguard::StoreError> {
        let shareguard::store::Write::Visit { id } = &write else {
            return self.inner.apply(write, pre, actor, at).await;
        };
        let current =
            self.inner.get(id).await?.ok_or(shareguard::StoreError::NotFound(id.clone()))?;
        let next = shareguard::store::plan::visit(&current, at)?;
        // Meanwhile other tasks read the same count.
        std::thread::sleep(std::time::Duration::from_millis(20));
        let gone = shareguard::store::Write::Delete {
            id: id.clone(),
            version: None,
            event: shareguard::model::LogEvent::Visited,
        };
        let _ = self.inner.apply(gone, pre, actor, at).await;
        let revision = match self.inner.create(next.clone(), actor, at).await {
            Ok(applied) => applied.revision,
            Err(_) => self.inner.revision().await?,
        };
        Ok(shareguard::store::Applied { share: next, revision })
    }
    async fn note(
        &self,
        resource: &shareguard::model::ResourceRef,
        event: shareguard::model::LogEvent,
        pre: &shareguard::store::Precondition,
        actor: &shareguard::model::PrincipalId,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<shareguard::model::Revision, shareguard::StoreError> {
        self.inner.note(resource, event, pre, actor, at).await
    }
    async fn get(
        &self,
        id: &shareguard::model::ShareId,
    ) -> Result<Option<shareguard::model::Share>, shareguard::StoreError> {
        self.inner.get(id).await
    }
    async fn read_path(
        &self,
        resources: &[shareguard::model::ResourceRef],
        at_least: shareguard::model::Revision,
        read: &mut shareguard::store::PathReader<'_>,
    ) -> Result<(), shareguard::StoreError> {
        self.inner.read_path(resources, at_least, read).await
    }
    async fn shares_reaching(
        &self,
        principal: &shareguard::model::Principal,
        include_public: bool,
        page: &shareguard::store::Page,
    ) -> Result<shareguard::store::Paged<shareguard::model::Share>, shareguard::StoreError> {
        self.inner.shares_reaching(principal, include_public, page).await
    }
    async fn list(
        &self,
        filter: &shareguard::store::ShareFilter,
        page: &shareguard::store::Page,
    ) -> Result<shareguard::store::Paged<shareguard::model::Share>, shareguard::StoreError> {
        self.inner.list(filter, page).await
    }
    async fn find_link(
        &self,
        digest: &shareguard::model::LinkDigest,
    ) -> Result<Option<shareguard::model::Share>, shareguard::StoreError> {
        self.inner.find_link(digest).await
    }
    async fn log_for_share(
        &self,
        id: &shareguard::model::ShareId,
        page: &shareguard::store::Page,
    ) -> Result<shareguard::store::Paged<shareguard::model::LogEntry>, shareguard::StoreError> {
        self.inner.log_for_share(id, page).await
    }
    async fn log_for_resource(
        &self,
        resource: &shareguard::model::ResourceRef,
        page: &shareguard::store::Page,
    ) -> Result<shareguard::store::Paged<shareguard::model::LogEntry>, shareguard::StoreError> {
        self.inner.log_for_resource(resource, page).await
    }
    async fn changes_since(
        &self,
        after: shareguard::model::Revision,
        limit: usize,
    ) -> Result<Vec<shareguard::model::LogEntry>, shareguard::StoreError> {
        self.inner.changes_since(after, limit).await
    }
    async fn revision(&self) -> Result<shareguard::model::Revision, shareguard::StoreError> {
        self.inner.revision().await
    }
    async fn expired(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<Vec<shareguard::model::Share>, shareguard::StoreError> {
        self.inner.expired(now, limit).await
    }
}

/// The use-limit check can fail: over a store that records a use by an unlocked
/// read-modify-write, more racing uses than the limit succeed, and the check says so.
#[test]
fn the_use_limit_check_fails_on_a_store_without_its_lock() {
    let broken = Lockless { inner: MemoryStore::new() };
    let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        conformance::use_limit_under_races(&broken);
    }));
    let message = failed.expect_err("the check must fail on a lockless store");
    let text = message
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| message.downcast_ref::<&str>().copied())
        .unwrap_or_default();
    assert!(text.contains("racing uses succeed"), "{text}");
}
