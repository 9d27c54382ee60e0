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

/// Every page of "shared with me", followed by its cursors, against the shares whose recipient
/// matches the principal (section 3), by id; and the total.
fn assert_reaching_agrees(store: &MemoryStore, principals: &[shareguard::Principal], when: &str) {
    use shareguard::store::{Page, ShareFilter};
    let all = pollster::block_on(store.list(&ShareFilter::default(), &Page::ALL)).unwrap().items;
    for principal in principals {
        for include_public in [false, true] {
            let expected: Vec<&str> = all
                .iter()
                .filter(|s| s.recipient().matches(principal))
                .filter(|s| include_public || *s.recipient() != shareguard::Recipient::Public)
                .map(|s| s.id().as_str())
                .collect();
            let what = format!("{when}: {} (public {include_public})", principal.id());
            for count in [1, 7, 1000] {
                let mut page = Page::first(count);
                let mut got: Vec<String> = Vec::new();
                loop {
                    let paged =
                        pollster::block_on(store.shares_reaching(principal, include_public, &page))
                            .unwrap();
                    assert_eq!(paged.total, expected.len(), "{what}: total");
                    assert!(paged.items.len() <= count, "{what}: page size");
                    got.extend(paged.items.iter().map(|s| s.id().as_str().to_owned()));
                    match paged.next {
                        Some(next) => page = Page::first(count).then(Some(next)),
                        None => break,
                    }
                }
                assert_eq!(got, expected, "{what}: pages of {count}");
            }
        }
    }
}

/// The recipient index keeps each recipient's shares in id order and holds no removed share:
/// loaded in an order unlike the ids', created with ids that fall between and before the
/// loaded ones (some alike in their first eight bytes), deleted until the store renumbers itself (more than 1 024 removed and more
/// removed than kept), "shared with me" pages and totals stay those of section 3 — links
/// whose audience refuses the principal and emails spelled in another case included.
#[test]
fn shared_with_stays_exact_through_load_creates_deletes_and_renumbering() {
    use shareguard::model::{Audience, LinkToken, ShareLink};
    use shareguard::{AccessLevel, Principal, PrincipalKind, Recipient, Share};
    let now = chrono::Utc::now();
    let token = LinkToken::generate().unwrap();
    let other_token = LinkToken::generate().unwrap();
    let recipients = [
        Recipient::User { id: "bob".parse().unwrap() },
        Recipient::User { id: "carol".parse().unwrap() },
        Recipient::Group { id: "eng".parse().unwrap() },
        Recipient::Group { id: "sales".parse().unwrap() },
        Recipient::Organization,
        Recipient::Public,
        Recipient::Email { email: "Bob@Example.com".parse().unwrap() },
        Recipient::Email { email: "bob@example.com".parse().unwrap() },
        Recipient::Link(ShareLink::new(&token, false)),
        Recipient::Link(
            ShareLink::new(&token, false)
                .with_audience(Audience::people(["x@y.example".parse().unwrap()]).unwrap()),
        ),
        Recipient::Link(ShareLink::new(&other_token, false)),
    ];
    let share = |id: String, i: usize| {
        Share::new(
            id.parse().unwrap(),
            format!("document:d{}", i % 37).parse().unwrap(),
            "alice".parse().unwrap(),
            recipients[i % recipients.len()].clone(),
            AccessLevel::Viewer,
            now,
        )
    };
    let bob = Principal::builder("bob", PrincipalKind::Internal)
        .group("eng")
        .email("bob@example.com")
        .link_token(&token)
        .build()
        .unwrap();
    let carol = Principal::builder("carol", PrincipalKind::Partner).group("sales").build().unwrap();
    let anonymous = Principal::builder("anon", PrincipalKind::Anonymous)
        .link_token(&other_token)
        .build()
        .unwrap();
    let principals = [bob, carol, anonymous];
    // Ids in an order unlike the load's (i * 7 919 mod 1 500); a third of them alike in their
    // first eight bytes and more, which the index must order by the whole id.
    let loaded_id = |i: usize| match i % 3 {
        0 => format!("alike-prefix-{}", i * 7919 % 1500),
        _ => format!("m{}", i * 7919 % 1500),
    };
    let loaded = (0..1500).map(|i| share(loaded_id(i), i));
    let store = MemoryStore::load(loaded).unwrap();
    assert_reaching_agrees(&store, &principals, "loaded");
    let alice: shareguard::model::PrincipalId = "alice".parse().unwrap();
    for i in (0..600).rev() {
        let id = match i % 3 {
            0 => format!("alike-prefix-{i}x"),
            1 => format!("a{i}"),
            _ => format!("m{i}x"),
        };
        pollster::block_on(store.create(share(id, i), &alice, now)).unwrap();
    }
    assert_reaching_agrees(&store, &principals, "created");
    for i in 0..1300 {
        let id = loaded_id(i).parse().unwrap();
        pollster::block_on(store.delete(&id, &alice, now)).unwrap();
        if i == 500 {
            assert_reaching_agrees(&store, &principals, "deleted 501");
        }
    }
    assert_eq!(store.len().unwrap(), 800);
    assert_reaching_agrees(&store, &principals, "renumbered");
    for i in 0..600 {
        let id = match i % 3 {
            0 => format!("alike-prefix-{i}x"),
            1 => format!("a{i}"),
            _ => format!("m{i}x"),
        };
        pollster::block_on(store.delete(&id.parse().unwrap(), &alice, now)).unwrap();
    }
    assert_reaching_agrees(&store, &principals, "all created deleted");
}
