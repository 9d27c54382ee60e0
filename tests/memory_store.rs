//! The conformance suite on `MemoryStore`: directly, through `Box<dyn ShareStore>` and
//! through `Arc<dyn ShareStore>`. The model-based property test is `store_model.rs`.
#![cfg(feature = "conformance")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use shareguard::store::conformance;
use shareguard::{MemoryStore, ShareStore};

fn boxed() -> Box<dyn ShareStore> {
    Box::new(MemoryStore::new())
}

macro_rules! each {
    ($($name:ident),* $(,)?) => {
        mod direct {
            use super::*;
            $(#[test] fn $name() { conformance::$name(&MemoryStore::new()); })*
        }
        mod through_box {
            use super::*;
            $(#[test] fn $name() { let store: Box<dyn ShareStore> = boxed(); conformance::$name(store.as_ref()); })*
        }
        mod through_arc {
            use super::*;
            $(#[test] fn $name() {
                let store: Arc<dyn ShareStore> = Arc::new(MemoryStore::new());
                conformance::$name(&*store);
            })*
        }
    };
}

shareguard::conformance_checks!(each);

#[test]
fn run_all_through_box() {
    conformance::run_all(&boxed);
}

#[test]
fn run_all_through_arc() {
    // An `Arc<dyn ShareStore>` shared by its holders is itself a store (`&*arc`); the factory
    // hands each check a fresh one.
    conformance::run_all(&|| {
        let shared: Arc<dyn ShareStore> = Arc::new(MemoryStore::new());
        Box::new(ArcStore(shared)) as Box<dyn ShareStore>
    });
}

/// A store reached through an `Arc<dyn ShareStore>`, to run `run_all` through it.
struct ArcStore(Arc<dyn ShareStore>);

macro_rules! forward {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        impl ShareStore for ArcStore {
            $(fn $name(&self, $($arg: $ty),*) -> $ret { self.0.$name($($arg),*) })*
        }
    };
}

use chrono::{DateTime, Utc};
use shareguard::{
    AccessEntry, BatchOutcome, GrantItem, LinkDigest, LogEntry, Page, Paged, Principal,
    PrincipalId, Recipient, ResourceRef, Share, ShareFilter, ShareId, SharePatch, StoreError,
};

forward! {
    create(share: Share, actor: &PrincipalId, at: DateTime<Utc>) -> Result<Share, StoreError>;
    get(id: &ShareId) -> Result<Option<Share>, StoreError>;
    update(id: &ShareId, expected_version: u64, patch: &SharePatch, actor: &PrincipalId, at: DateTime<Utc>) -> Result<Share, StoreError>;
    delete(id: &ShareId, actor: &PrincipalId, at: DateTime<Utc>) -> Result<Share, StoreError>;
    list(filter: &ShareFilter, page: Page) -> Result<Paged<Share>, StoreError>;
    shares_on(resources: &[ResourceRef]) -> Result<Vec<Vec<Share>>, StoreError>;
    shared_with(principal: &Principal, include_public: bool, page: Page) -> Result<Paged<Share>, StoreError>;
    who_has_access(resource: &ResourceRef, now: DateTime<Utc>) -> Result<Vec<AccessEntry>, StoreError>;
    grant_batch(resource: &ResourceRef, sharer: &PrincipalId, items: &[GrantItem], actor: &PrincipalId, at: DateTime<Utc>) -> Result<Vec<BatchOutcome>, StoreError>;
    revoke_batch(resource: &ResourceRef, recipients: &[Recipient], actor: &PrincipalId, at: DateTime<Utc>) -> Result<Vec<BatchOutcome>, StoreError>;
    record_visit(id: &ShareId, actor: &PrincipalId, at: DateTime<Utc>) -> Result<Share, StoreError>;
    record_link_retrieved(id: &ShareId, actor: &PrincipalId, at: DateTime<Utc>) -> Result<(), StoreError>;
    find_link(digest: &LinkDigest) -> Result<Option<Share>, StoreError>;
    sweep_expired(now: DateTime<Utc>, actor: &PrincipalId) -> Result<Vec<Share>, StoreError>;
    log_for_share(id: &ShareId, page: Page) -> Result<Paged<LogEntry>, StoreError>;
    log_for_resource(resource: &ResourceRef, page: Page) -> Result<Paged<LogEntry>, StoreError>;
}
