//! The conformance suite every [`ShareStore`] adapter can run against itself (feature
//! `conformance`), in the style of object_store's `integration.rs`.
//!
//! Each check is a synchronous function that takes a fresh, empty store, drives the async
//! port with `pollster::block_on`, and checks one part of the contract written in the
//! [store module docs](super), panicking with a message that names the broken promise.
//! [`run_all`] runs every one of them, each on a new store from a factory, and then
//! [`races`]; [`model_based`] applies random operation sequences to a store and to a plain
//! model and compares them after every step.
//!
//! An adapter's tests run it like this:
//!
//! ```
//! use shareguard::{MemoryStore, ShareStore, store::conformance};
//!
//! conformance::run_all(&|| Box::new(MemoryStore::new()) as Box<dyn ShareStore>);
//! conformance::model_based(&|| Box::new(MemoryStore::new()) as Box<dyn ShareStore>, 8);
//! ```
//!
//! An adapter whose handles can be separate connections to one database should also run
//! [`races`] with a factory that opens two of them.

// This module is a test suite that other crates call from their tests: a broken promise must
// fail the calling test with a message, which is what `assert!`, `unwrap` and `expect` do.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::admin::{Admin, AdminError, Hierarchy};
use crate::model::{
    AccessLevel, Audience, Email, Level, LinkDigest, LinkPassword, LinkToken, LogEntry, LogEvent,
    NewShare, Password, Permission, Permissions, Principal, PrincipalId, PrincipalKind, Recipient,
    ReshareRights, ResourceRef, Revision, Share, ShareId, ShareLink, SharePatch, ShareType,
};
use crate::policy::{Node, Policy};

use super::{
    AccessEntry, Applied, BatchOutcome, Cursor, GrantItem, Page, Paged, PathReader, Precondition,
    ShareFilter, ShareState, ShareStore, StoreError, Write,
};

// ---------------------------------------------------------------------------------------------
// Helpers

/// Drives one call of the async port to completion on this thread.
fn b<F: Future>(future: F) -> F::Output {
    pollster::block_on(future)
}

/// The suite's reference instant, plus `secs` seconds.
fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap() + Duration::seconds(secs)
}

fn pid(id: &str) -> PrincipalId {
    id.parse().unwrap()
}

fn sid(id: &str) -> ShareId {
    id.parse().unwrap()
}

fn res(r: &str) -> ResourceRef {
    r.parse().unwrap()
}

fn user(id: &str) -> Recipient {
    Recipient::User { id: id.parse().unwrap() }
}

fn group(id: &str) -> Recipient {
    Recipient::Group { id: id.parse().unwrap() }
}

fn email(address: &str) -> Recipient {
    Recipient::Email { email: address.parse::<Email>().unwrap() }
}

fn token(text: &str) -> LinkToken {
    LinkToken::presented(text).unwrap()
}

fn link(text: &str, retrievable: bool) -> Recipient {
    Recipient::Link(ShareLink::new(&token(text), retrievable))
}

fn internal(id: &str) -> Principal {
    Principal::builder(id, PrincipalKind::Internal).build().unwrap()
}

/// A share made at `t(0)` with nothing but its essentials.
fn share(
    id: &str,
    resource: &str,
    sharer: &str,
    recipient: Recipient,
    access: AccessLevel,
) -> Share {
    Share::new(sid(id), res(resource), pid(sharer), recipient, access, t(0))
}

fn create(store: &dyn ShareStore, share: Share) -> Share {
    let id = share.id().clone();
    b(store.create(share, &pid("alice"), t(0)))
        .unwrap_or_else(|e| panic!("create `{id}` should succeed: {e}"))
        .share
}

fn ids(shares: &[Share]) -> Vec<String> {
    shares.iter().map(|s| s.id().to_string()).collect()
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    names.sort();
    names
}

fn everything(store: &dyn ShareStore) -> Vec<Share> {
    b(store.list(&ShareFilter::default(), &Page::ALL)).unwrap().items
}

fn listed(store: &dyn ShareStore, filter: &ShareFilter) -> Vec<String> {
    let page = b(store.list(filter, &Page::ALL)).unwrap();
    assert_eq!(page.total, page.items.len(), "list {filter:?}: total of a whole list");
    assert_eq!(page.next, None, "list {filter:?}: a whole list has no next page");
    ids(&page.items)
}

fn share_log(store: &dyn ShareStore, id: &str) -> Vec<LogEntry> {
    b(store.log_for_share(&sid(id), &Page::ALL)).unwrap().items
}

fn resource_log(store: &dyn ShareStore, r: &str) -> Paged<LogEntry> {
    b(store.log_for_resource(&res(r), &Page::ALL)).unwrap()
}

fn events(entries: &[LogEntry]) -> Vec<&'static str> {
    entries.iter().map(|e| e.event.name()).collect()
}

fn revision(store: &dyn ShareStore) -> Revision {
    b(store.revision()).unwrap()
}

/// The revision of the shares on each resource.
fn revisions_of(store: &dyn ShareStore, resources: &[&str]) -> Vec<Revision> {
    let refs: Vec<ResourceRef> = resources.iter().map(|r| res(r)).collect();
    b(store.shares_on(&refs)).unwrap().into_iter().map(|(_, rev)| rev).collect()
}

/// The whole observable state of a store over the given resources: every share, every log
/// entry of those resources, their revisions and the store's.
type Snapshot = (Vec<Share>, Vec<Vec<LogEntry>>, Vec<Revision>, Revision);

fn snapshot(store: &dyn ShareStore, resources: &[&str]) -> Snapshot {
    let logs = resources.iter().map(|r| resource_log(store, r).items).collect();
    (everything(store), logs, revisions_of(store, resources), revision(store))
}

fn created(outcome: &BatchOutcome) -> (&Share, Revision) {
    match outcome {
        BatchOutcome::Created { share, revision } => (share, *revision),
        other => panic!("expected a created outcome, got {other:?}"),
    }
}

fn updated(outcome: &BatchOutcome) -> (&Share, Revision) {
    match outcome {
        BatchOutcome::Updated { share, revision } => (share, *revision),
        other => panic!("expected an updated outcome, got {other:?}"),
    }
}

fn removed(outcome: &BatchOutcome) -> (&[Share], Revision) {
    match outcome {
        BatchOutcome::Removed { shares, revision } => (shares, *revision),
        other => panic!("expected a removed outcome, got {other:?}"),
    }
}

fn error(outcome: &BatchOutcome) -> &str {
    match outcome {
        BatchOutcome::Error { message } => message,
        other => panic!("expected an error outcome, got {other:?}"),
    }
}

fn grant(recipient: Recipient, access: AccessLevel) -> GrantItem {
    GrantItem { recipient, access, view_log: false }
}

fn applies(
    store: &dyn ShareStore,
    write: Write,
    pre: &Precondition,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<Applied, StoreError> {
    b(store.apply(write, pre, &pid(actor), at))
}

fn to_level(level: Level) -> SharePatch {
    SharePatch { access: Some(level), ..SharePatch::default() }
}

// ---------------------------------------------------------------------------------------------
// The suite

/// One check of the suite.
type Check = fn(&dyn ShareStore);

/// A call expected to fail, by name.
type Failure<'a> = (&'static str, Box<dyn Fn() -> bool + 'a>);

/// Calls the macro named `$callback` with the names of every check of the suite that takes
/// one store, so that an adapter's tests can make one `#[test]` of each (and a check added
/// here reaches them all):
///
/// ```
/// use shareguard::{MemoryStore, store::conformance};
///
/// macro_rules! each {
///     ($($check:ident),* $(,)?) => {
///         $( conformance::$check(&MemoryStore::new()); )*  // in a test file: `#[test] fn $check() { … }`
///     };
/// }
/// shareguard::conformance_checks!(each);
/// ```
#[macro_export]
macro_rules! conformance_checks {
    ($callback:ident) => {
        $callback! {
            create_get_delete,
            update_versions_and_conflicts,
            recipient_is_immutable,
            list_filters,
            paging_edges,
            shares_on_path,
            path_reaching_decides_as_the_whole_path,
            shares_reaching,
            who_has_access,
            batch_grant_per_item,
            batch_revoke,
            visits,
            sweep_at_exact_expiry,
            expired_listed_by_share_id,
            find_link,
            link_retrieved,
            log_completeness,
            log_paging,
            failed_operations_change_nothing,
            revision_monotonicity,
            change_feed_completeness,
            conditional_writes,
            paging_under_concurrent_changes,
            id_reuse_starts_a_fresh_log,
            no_token_in_any_log_entry,
            times_round_trip_across_the_model_range,
            new_fields_round_trip,
            accept_and_decline,
            note_logs_about_a_resource,
            use_limit_under_races,
            expired_includes_used_up_links,
            state_filter_each_state,
        }
    };
}

/// Runs every check of the suite, each on a fresh store from `make`, then [`races`] over
/// two handles of one fresh store (an `Arc` of it shared by both).
///
/// ```
/// use std::sync::Arc;
/// use shareguard::{MemoryStore, ShareStore, store::conformance};
///
/// conformance::run_all(&|| Box::new(MemoryStore::new()) as Box<dyn ShareStore>);
///
/// // Each check needs an empty store: a factory handing out the same store every time fails.
/// let one = Arc::new(MemoryStore::new());
/// let reused = std::panic::catch_unwind(|| {
///     conformance::run_all(&|| Box::new(Arc::clone(&one)) as Box<dyn ShareStore>)
/// });
/// assert!(reused.is_err());
/// ```
pub fn run_all(make: &dyn Fn() -> Box<dyn ShareStore>) {
    macro_rules! suite {
        ($($check:ident),* $(,)?) => {
            [$($check as Check),*]
        };
    }
    let suite = conformance_checks!(suite);
    for check in suite {
        let store = make();
        check(store.as_ref());
    }
    races(&|| {
        let one: Arc<dyn ShareStore> = Arc::from(make());
        (Box::new(Arc::clone(&one)) as Box<dyn ShareStore>, Box::new(one) as Box<dyn ShareStore>)
    });
}

/// Create stores a share at version 1 and logs `created`; get finds it; a taken id is
/// refused with [`StoreError::AlreadyExists`]; delete returns the share, logs `deleted`, and
/// the share is gone; deleting or getting it again finds nothing.
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::{conformance, Page}};
///
/// let store = MemoryStore::new();
/// conformance::create_get_delete(&store);
/// // The share it made is gone; the two entries about it stay in the log.
/// assert!(store.is_empty()?);
/// let log = pollster::block_on(store.log_for_resource(&"folder:f1".parse()?, &Page::ALL))?;
/// assert_eq!(log.total, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn create_get_delete(store: &dyn ShareStore) {
    assert_eq!(b(store.get(&sid("s1"))).unwrap(), None, "an empty store holds no share");
    assert_eq!(revision(store), Revision::ZERO, "an empty store is at revision zero");
    let s1 = share("s1", "folder:f1", "alice", group("eng"), AccessLevel::Viewer)
        .with_expiry(Some(t(3600)))
        .with_message(Some("for the review".into()))
        .with_reshare(ReshareRights::INTERNAL);
    let stored = b(store.create(s1.clone(), &pid("alice"), t(1))).unwrap();
    assert_eq!(stored.share, s1, "create returns the share as given, at version 1");
    assert_eq!(stored.share.version(), 1, "a share is created at version 1");
    assert!(stored.revision > Revision::ZERO, "a write gets a revision after zero");
    assert_eq!(b(store.get(&sid("s1"))).unwrap(), Some(s1.clone()), "get returns it");

    let again = share("s1", "document:d9", "bob", user("carol"), AccessLevel::Editor);
    match b(store.create(again, &pid("bob"), t(2))) {
        Err(StoreError::AlreadyExists(id)) => assert_eq!(id, sid("s1")),
        other => panic!("creating a taken id must fail with AlreadyExists, got {other:?}"),
    }
    assert_eq!(
        b(store.get(&sid("s1"))).unwrap(),
        Some(s1.clone()),
        "a refused create changes nothing"
    );

    let deleted = b(store.delete(&sid("s1"), &pid("bob"), t(3))).unwrap();
    assert_eq!(deleted.share, s1, "delete returns the share it removed");
    assert_eq!(b(store.get(&sid("s1"))).unwrap(), None, "a deleted share is gone");
    assert!(
        matches!(b(store.delete(&sid("s1"), &pid("bob"), t(4))), Err(StoreError::NotFound(_))),
        "deleting a missing share fails with NotFound"
    );
    let log = share_log(store, "s1");
    assert_eq!(events(&log), ["created", "deleted"], "one entry per successful write");
    assert_eq!((log[0].actor.as_str(), log[0].at), ("alice", t(1)), "created: actor and time");
    assert_eq!((log[1].actor.as_str(), log[1].at), ("bob", t(3)), "deleted: actor and time");
    assert_eq!((log[0].revision, log[1].revision), (stored.revision, deleted.revision));
    assert!(log.iter().all(|e| e.resource == res("folder:f1") && e.share == Some(sid("s1"))));
}

/// Every update bumps the version by one and logs `changed` with the fields that changed;
/// a stale or future version fails with [`StoreError::Conflict`] naming both versions; an
/// unknown share with [`StoreError::NotFound`]; `expires: Some(None)` removes the expiry.
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::conformance};
///
/// let store = MemoryStore::new();
/// conformance::update_versions_and_conflicts(&store);
/// // Four accepted updates (one of them an empty patch) took its share to version 5.
/// let share = pollster::block_on(store.get(&"s1".parse()?))?.ok_or("s1 is kept")?;
/// assert_eq!((share.version(), share.expires()), (5, None));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn update_versions_and_conflicts(store: &dyn ShareStore) {
    create(store, share("s1", "document:d1", "alice", user("bob"), AccessLevel::Viewer));
    let editor = to_level(Level::Editor);
    let v2 = b(store.update(&sid("s1"), 1, &editor, &pid("alice"), t(10))).unwrap().share;
    assert_eq!((v2.version(), v2.access()), (2, AccessLevel::Editor), "update applies and bumps");
    let log = share_log(store, "s1");
    match &log.last().unwrap().event {
        LogEvent::Changed { changes } => {
            assert_eq!(changes.len(), 1, "only the access changed: {changes:?}");
            assert_eq!(changes[0].field, "access");
            assert_eq!(changes[0].old.as_deref(), Some("viewer"));
            assert_eq!(changes[0].new.as_deref(), Some("editor"));
        }
        other => panic!("an update logs `changed`, got {other:?}"),
    }

    for stale in [0, 1, 3] {
        match b(store.update(&sid("s1"), stale, &editor, &pid("alice"), t(11))) {
            Err(StoreError::Conflict { id, expected, actual }) => {
                assert_eq!((id, expected, actual), (sid("s1"), stale, 2), "conflict fields");
            }
            other => panic!("version {stale} is not current: expected Conflict, got {other:?}"),
        }
    }
    assert_eq!(b(store.get(&sid("s1"))).unwrap(), Some(v2.clone()), "a conflict changes nothing");
    assert!(
        matches!(
            b(store.update(&sid("nope"), 1, &editor, &pid("alice"), t(11))),
            Err(StoreError::NotFound(_))
        ),
        "updating a missing share fails with NotFound"
    );

    let expiring = SharePatch { expires: Some(Some(t(100))), ..SharePatch::default() };
    let v3 = b(store.update(&sid("s1"), 2, &expiring, &pid("bob"), t(12))).unwrap().share;
    assert_eq!((v3.version(), v3.expires()), (3, Some(t(100))));
    let forever = SharePatch { expires: Some(None), ..SharePatch::default() };
    let v4 = b(store.update(&sid("s1"), 3, &forever, &pid("bob"), t(13))).unwrap().share;
    assert_eq!((v4.version(), v4.expires()), (4, None), "Some(None) removes the expiry");
    let v5 = b(store.update(&sid("s1"), 4, &SharePatch::default(), &pid("bob"), t(14))).unwrap();
    assert_eq!(v5.share.version(), 5, "an empty patch is still an update: it bumps the version");
    assert_eq!(v5.share.access(), AccessLevel::Editor);
    assert_eq!(b(store.get(&sid("s1"))).unwrap(), Some(v5.share));
    assert_eq!(
        events(&share_log(store, "s1")),
        ["created", "changed", "changed", "changed", "changed"],
        "one `changed` per accepted update, none for refused ones"
    );
}

/// A patch naming a different recipient is refused with [`StoreError::Invalid`] (field
/// `recipient`) and changes nothing; naming the same recipient (an email in another case)
/// is accepted.
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::conformance};
///
/// let store = MemoryStore::new();
/// conformance::recipient_is_immutable(&store);
/// // The patch naming the same address in another case was applied; the address is kept as
/// // first written.
/// let share = pollster::block_on(store.get(&"s1".parse()?))?.ok_or("s1 is kept")?;
/// assert_eq!((share.version(), share.recipient().to_string()), (2, "email:Bob@Corp.Example".to_owned()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn recipient_is_immutable(store: &dyn ShareStore) {
    let original = create(
        store,
        share("s1", "document:d1", "alice", email("Bob@Corp.Example"), AccessLevel::Viewer),
    );
    for other in [email("carol@corp.example"), user("bob"), Recipient::Public, link("tok-1", false)]
    {
        let patch = SharePatch { recipient: Some(other.clone()), ..SharePatch::default() };
        match b(store.update(&sid("s1"), 1, &patch, &pid("alice"), t(1))) {
            Err(StoreError::Invalid(e)) => assert_eq!(e.field(), "recipient"),
            result => panic!("changing the recipient to {other} must be refused, got {result:?}"),
        }
        assert_eq!(b(store.get(&sid("s1"))).unwrap(), Some(original.clone()), "refused: unchanged");
    }
    let same = SharePatch {
        recipient: Some(email("bob@corp.example")),
        access: Some(Level::Commenter),
        ..SharePatch::default()
    };
    let changed = b(store.update(&sid("s1"), 1, &same, &pid("alice"), t(2))).unwrap().share;
    assert_eq!(changed.recipient(), original.recipient());
    assert_eq!(changed.recipient().to_string(), "email:Bob@Corp.Example", "kept as written");
    assert_eq!(events(&share_log(store, "s1")), ["created", "changed"]);
}

/// Every filter of [`ShareFilter`], alone and combined, returns exactly the shares that pass
/// it, by share id: shared by, recipient (emails ignoring case, links by digest), resource,
/// share type, public only (public and link), active and expired at an exact instant.
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::{conformance, Page, ShareFilter}};
///
/// let store = MemoryStore::new();
/// conformance::list_filters(&store);
/// // Of the seven shares it made, a public and a link share pass `public_only`.
/// let filter = ShareFilter { public_only: true, ..ShareFilter::default() };
/// let public = pollster::block_on(store.list(&filter, &Page::ALL))?;
/// assert_eq!((store.len()?, public.total), (7, 2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn list_filters(store: &dyn ShareStore) {
    // Created out of id order: listings are by id, not by creation.
    let shares = [
        share("f", "folder:f1", "alice", user("carol"), AccessLevel::Restrict),
        share("a", "folder:f1", "alice", group("eng"), AccessLevel::Viewer),
        share("b", "folder:f1", "bob", user("carol"), AccessLevel::Editor).with_expiry(Some(t(10))),
        share("c", "document:d1", "alice", Recipient::Public, AccessLevel::Viewer),
        share("g", "document:d2", "carol", Recipient::Organization, AccessLevel::Viewer),
        share("d", "document:d1", "bob", link("tok-1", false), AccessLevel::Viewer)
            .with_expiry(Some(t(20))),
        share("e", "document:d2", "alice", email("Dan@Ext.Example"), AccessLevel::Commenter),
    ];
    for s in &shares {
        create(store, s.clone());
    }
    let all = ["a", "b", "c", "d", "e", "f", "g"];
    let active = |at| Some((ShareState::Active, t(at)));
    let expired = |at| Some((ShareState::Expired, t(at)));
    let cases: Vec<(ShareFilter, Vec<&str>)> = vec![
        (ShareFilter::default(), all.to_vec()),
        (
            ShareFilter { shared_by: Some(pid("alice")), ..Default::default() },
            vec!["a", "c", "e", "f"],
        ),
        (ShareFilter { shared_by: Some(pid("nobody")), ..Default::default() }, vec![]),
        (
            ShareFilter { resource: Some(res("folder:f1")), ..Default::default() },
            vec!["a", "b", "f"],
        ),
        (ShareFilter { resource: Some(res("folder:none")), ..Default::default() }, vec![]),
        (ShareFilter { recipient: Some(user("carol")), ..Default::default() }, vec!["b", "f"]),
        (
            ShareFilter { recipient: Some(email("dan@ext.example")), ..Default::default() },
            vec!["e"],
        ),
        (ShareFilter { recipient: Some(link("tok-1", true)), ..Default::default() }, vec!["d"]),
        (ShareFilter { recipient: Some(link("tok-2", false)), ..Default::default() }, vec![]),
        (ShareFilter { share_type: Some(ShareType::User), ..Default::default() }, vec!["b", "f"]),
        (ShareFilter { share_type: Some(ShareType::Role), ..Default::default() }, vec![]),
        (ShareFilter { public_only: true, ..Default::default() }, vec!["c", "d"]),
        (
            ShareFilter { state: active(10), ..Default::default() },
            vec!["a", "c", "d", "e", "f", "g"],
        ),
        (ShareFilter { state: active(9), ..Default::default() }, all.to_vec()),
        (ShareFilter { state: expired(10), ..Default::default() }, vec!["b"]),
        (ShareFilter { state: expired(20), ..Default::default() }, vec!["b", "d"]),
        (
            ShareFilter {
                shared_by: Some(pid("alice")),
                resource: Some(res("folder:f1")),
                ..Default::default()
            },
            vec!["a", "f"],
        ),
        (
            ShareFilter {
                resource: Some(res("document:d1")),
                public_only: true,
                state: active(20),
                ..Default::default()
            },
            vec!["c"],
        ),
        (
            ShareFilter {
                shared_by: Some(pid("bob")),
                share_type: Some(ShareType::Link),
                public_only: true,
                ..Default::default()
            },
            vec!["d"],
        ),
        (
            ShareFilter {
                recipient: Some(user("carol")),
                share_type: Some(ShareType::Group),
                ..Default::default()
            },
            vec![],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(listed(store, &filter), expected, "list with {filter:?}");
        let mut reference: Vec<&str> =
            shares.iter().filter(|s| filter.accepts(s)).map(|s| s.id().as_str()).collect();
        reference.sort_unstable();
        assert_eq!(reference, expected, "the suite's own expectation agrees with accepts()");
    }
}

/// Pages by cursor: the pages a listing hands out concatenate to the whole list, by id; the
/// last one has no `next`, even when it ends exactly at the end; `count` 0 gives an empty
/// page with the true total; a cursor survives a round trip through its text.
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::{conformance, Page, ShareFilter}};
///
/// let store = MemoryStore::new();
/// conformance::paging_edges(&store);
/// // Five shares: pages of two, two and one.
/// let first = pollster::block_on(store.list(&ShareFilter::default(), &Page::first(2)))?;
/// assert_eq!((first.items.len(), first.total, first.next.is_some()), (2, 5, true));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn paging_edges(store: &dyn ShareStore) {
    for i in [3, 0, 4, 1, 2] {
        create(
            store,
            share(
                &format!("s{i}"),
                "folder:f1",
                "alice",
                user(&format!("u{i}")),
                AccessLevel::Viewer,
            ),
        );
    }
    for filter in [
        ShareFilter::default(),
        ShareFilter { resource: Some(res("folder:f1")), ..ShareFilter::default() },
        ShareFilter { shared_by: Some(pid("alice")), ..ShareFilter::default() },
    ] {
        let get = |page: &Page| b(store.list(&filter, page)).unwrap();
        let p1 = get(&Page::first(2));
        assert_eq!((ids(&p1.items), p1.total), (sorted(&["s0", "s1"]), 5), "{filter:?}: page 1");
        let cursor = p1.next.clone().expect("a first page of five has a next page");
        let round: Cursor = cursor.to_string().parse().expect("a cursor parses from its text");
        assert_eq!(round, cursor, "a cursor survives a round trip through its text");
        let p2 = get(&Page::first(2).then(Some(round)));
        assert_eq!((ids(&p2.items), p2.total), (sorted(&["s2", "s3"]), 5), "{filter:?}: page 2");
        let p3 = get(&Page::first(2).then(p2.next.clone()));
        assert_eq!(ids(&p3.items), ["s4"], "{filter:?}: the last page");
        assert_eq!(p3.next, None, "{filter:?}: the last page has no next");
        let exact = get(&Page::first(2).then(p1.next.clone()));
        let exact = get(&Page { after: exact.next, count: 3 });
        assert_eq!((ids(&exact.items), exact.next), (vec!["s4".to_owned()], None));
        let whole = get(&Page::first(5));
        assert_eq!((whole.items.len(), whole.next), (5, None), "a page ending at the end");
        let none = get(&Page::first(0));
        assert_eq!((none.items.len(), none.total), (0, 5), "{filter:?}: count 0");
        let rest = get(&Page { after: p1.next.clone(), count: usize::MAX });
        assert_eq!(ids(&rest.items), ["s2", "s3", "s4"], "{filter:?}: the rest at once");
    }
    let u3 = internal("u3");
    let mine = b(store.shares_reaching(&u3, false, &Page::first(1))).unwrap();
    assert_eq!((ids(&mine.items), mine.total, mine.next), (vec!["s3".to_owned()], 1, None));
    let mine = b(store.shares_reaching(&u3, false, &Page::first(0))).unwrap();
    assert_eq!((mine.total, mine.items.len()), (1, 0), "shares_reaching with count 0");
    assert!(
        "not a cursor".parse::<Cursor>().is_err(),
        "text that is no cursor does not parse as one"
    );
}

/// `shares_on` (through `read_path`) returns one list per resource, in the order given, each
/// in creation order, with the revision of that resource's shares (the last write to one of
/// them; zero for a resource with none), all read at one instant.
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::conformance};
///
/// let store = MemoryStore::new();
/// conformance::shares_on_path(&store);
/// // Two shares on the document, none on a folder nobody shared.
/// let lists = pollster::block_on(store.shares_on(&["document:d1".parse()?, "folder:empty".parse()?]))?;
/// assert_eq!(lists.iter().map(|(l, _)| l.len()).collect::<Vec<_>>(), [2, 0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn shares_on_path(store: &dyn ShareStore) {
    let mut rev = HashMap::new();
    let mut put = |s: Share| {
        let resource = s.resource().to_string();
        let applied = b(store.create(s, &pid("alice"), t(0))).unwrap();
        rev.insert(resource, applied.revision);
    };
    put(share("root1", "folder:root", "alice", Recipient::Organization, AccessLevel::Viewer));
    put(share("doc2", "document:d1", "alice", user("bob"), AccessLevel::Editor));
    put(share("f1", "folder:f1", "alice", group("eng"), AccessLevel::Commenter));
    put(share("doc1", "document:d1", "bob", user("carol"), AccessLevel::Viewer));
    put(share("other", "document:d2", "alice", user("bob"), AccessLevel::Viewer));
    let path = [res("document:d1"), res("folder:f1"), res("folder:empty"), res("folder:root")];
    let lists = b(store.shares_on(&path)).unwrap();
    let got: Vec<(Vec<String>, Revision)> = lists.iter().map(|(l, r)| (ids(l), *r)).collect();
    let expected = [
        (vec!["doc2".to_owned(), "doc1".to_owned()], rev["document:d1"]),
        (vec!["f1".to_owned()], rev["folder:f1"]),
        (vec![], Revision::ZERO),
        (vec!["root1".to_owned()], rev["folder:root"]),
    ];
    assert_eq!(got, expected, "shares on the path, in creation order, with their revisions");
    assert!(b(store.shares_on(&[])).unwrap().is_empty(), "no resources, no lists");
    let twice = b(store.shares_on(&[res("folder:f1"), res("folder:f1")])).unwrap();
    assert_eq!(twice.len(), 2, "a resource named twice gets two lists");
    let mut calls = 0;
    let mut count: Box<PathReader<'_>> = Box::new(|views| {
        calls += 1;
        assert_eq!(views.len(), 2, "one view per resource");
    });
    b(store.read_path(&[res("folder:f1"), res("folder:root")], Revision::ZERO, &mut *count))
        .unwrap();
    drop(count);
    assert_eq!(calls, 1, "read_path calls its reader once");
    let ahead = revision(store).next();
    let mut never: Box<PathReader<'_>> = Box::new(|_| panic!("no read of a state not reached"));
    match b(store.read_path(&[res("folder:f1")], ahead, &mut *never)) {
        Err(StoreError::NotYet { wanted, .. }) => assert_eq!(wanted, ahead),
        other => panic!("a revision the store has not reached is NotYet, got {other:?}"),
    }
}

/// What one path read gave: each resource's shares and revision.
type PathRead = Vec<(ResourceRef, Vec<Share>, Revision)>;

fn path_read(
    store: &dyn ShareStore,
    resources: &[ResourceRef],
    reaching: Option<&Principal>,
) -> PathRead {
    let mut got = Vec::new();
    let mut keep: Box<PathReader<'_>> = Box::new(|views| {
        got = views.iter().map(|v| (v.resource.clone(), v.shares.to_vec(), v.revision)).collect();
    });
    match reaching {
        Some(p) => b(store.read_path_reaching(resources, p, Revision::ZERO, &mut *keep)),
        None => b(store.read_path(resources, Revision::ZERO, &mut *keep)),
    }
    .unwrap();
    drop(keep);
    got
}

/// Whether a share's recipient may be the principal: every kind but a user other than it and
/// a group it is not in (what [`ShareStore::read_path_reaching`] must give at least).
fn may_reach(share: &Share, principal: &Principal) -> bool {
    match share.recipient() {
        Recipient::User { id } => id == principal.id(),
        Recipient::Group { id } => principal.in_group(id),
        _ => true,
    }
}

/// `read_path_reaching` gives, on each resource, every share `read_path` gives that may
/// reach the principal (all but those to other users and to groups it is not in), in the
/// same order, nothing that is not on the resource, and the same revisions (those of the
/// whole resource, so a write carrying them covers every share); `at_least` is as for
/// `read_path`. So [`Policy::check`] (with its evidence) and [`Policy::permissions`] over it
/// answer as over the whole path, for principals of every kind (a user id that is also a
/// group's, a group that is also a user's id, groups, none, a partner, an anonymous link
/// holder) and every permission.
///
/// ```
/// use shareguard::{MemoryStore, store::conformance};
///
/// conformance::path_reaching_decides_as_the_whole_path(&MemoryStore::new());
/// ```
pub fn path_reaching_decides_as_the_whole_path(store: &dyn ShareStore) {
    let role = |id: &str| Recipient::Role { id: id.parse().unwrap() };
    let world = [
        ("a-root-org", "folder:root", Recipient::Organization, AccessLevel::Viewer),
        ("b-root-eng", "folder:root", group("eng"), AccessLevel::Editor),
        ("c-f1-bob", "folder:f1", user("bob"), AccessLevel::Commenter),
        ("d-f1-carol", "folder:f1", user("carol"), AccessLevel::Manager),
        ("e-f1-sales", "folder:f1", group("sales"), AccessLevel::Editor),
        ("f-d1-user-eng", "document:d1", user("eng"), AccessLevel::Editor),
        ("g-d1-group-carol", "document:d1", group("carol"), AccessLevel::Manager),
        ("h-d1-bob", "document:d1", user("bob"), AccessLevel::Viewer),
        ("i-d1-staff", "document:d1", group("staff"), AccessLevel::Restrict),
        ("j-d1-role", "document:d1", role("rep"), AccessLevel::Commenter),
        ("k-d1-email", "document:d1", email("bob@corp.example"), AccessLevel::Editor),
        ("l-d1-link", "document:d1", link("tok-1", false), AccessLevel::Viewer),
        ("m-d1-partners", "document:d1", Recipient::PartnerUsers, AccessLevel::Commenter),
        ("n-d1-public", "document:d1", Recipient::Public, AccessLevel::Viewer),
        ("o-d1-dave", "document:d1", user("dave"), AccessLevel::Restrict),
        ("p-d1-ops", "document:d1", group("ops"), AccessLevel::Manager),
    ];
    for (id, resource, recipient, access) in world {
        create(store, share(id, resource, "alice", recipient, access));
    }
    // Not active, but cited: an expired share and a pending one.
    create(
        store,
        share("q-d1-bob-expired", "document:d1", "alice", user("bob"), AccessLevel::Manager)
            .with_expiry(Some(t(10))),
    );
    create(
        store,
        share("r-f1-carol-pending", "folder:f1", "alice", user("carol"), AccessLevel::Editor)
            .with_pending(true),
    );
    // Many shares to others on the document, before and after the ones that reach.
    for i in 0..40 {
        let recipient = if i % 2 == 0 { user(&format!("u{i}")) } else { group(&format!("g{i}")) };
        create(
            store,
            share(&format!("z{i:02}"), "document:d1", "alice", recipient, AccessLevel::Manager),
        );
    }
    create(
        store,
        share("zz-d1-ops-late", "document:d1", "alice", group("ops"), AccessLevel::Viewer),
    );

    let who = |id: &str, kind: PrincipalKind, groups: &[&str]| {
        let mut builder = Principal::builder(id, kind);
        for g in groups {
            builder = builder.group(*g);
        }
        builder
    };
    let principals = [
        who("bob", PrincipalKind::Internal, &["eng", "staff"])
            .role("rep")
            .email("Bob@Corp.Example")
            .link_token(&token("tok-1"))
            .build()
            .unwrap(),
        who("bob", PrincipalKind::Internal, &["eng"]).build().unwrap(),
        who("carol", PrincipalKind::Internal, &[]).build().unwrap(),
        who("eng", PrincipalKind::Internal, &["carol"]).build().unwrap(),
        who("erin", PrincipalKind::Internal, &["ops", "sales", "u2"]).build().unwrap(),
        who("dave", PrincipalKind::Partner, &["ops"]).build().unwrap(),
        who("u4", PrincipalKind::External, &["g5", "g7"]).build().unwrap(),
        who("anon", PrincipalKind::Anonymous, &[]).link_token(&token("tok-1")).build().unwrap(),
    ];
    let paths = [
        vec![res("document:d1"), res("folder:f1"), res("folder:root")],
        vec![res("folder:f1"), res("folder:root")],
        vec![res("document:d1")],
        vec![res("folder:none"), res("document:d1")],
    ];
    let policy = Policy::default();
    for path in &paths {
        let whole = path_read(store, path, None);
        for p in &principals {
            let part = path_read(store, path, Some(p));
            let names: Vec<&ResourceRef> = part.iter().map(|(r, _, _)| r).collect();
            assert_eq!(names, path.iter().collect::<Vec<_>>(), "one list per resource, in order");
            for ((resource, all, revision), (_, some, rev)) in whole.iter().zip(&part) {
                let who = format!("{} ({:?}, groups {:?})", p.id(), p.kind(), p.groups());
                assert_eq!(rev, revision, "{resource} for {who}: the whole resource's revision");
                let mut rest = all.iter();
                for s in some {
                    assert!(
                        rest.any(|a| a == s),
                        "{resource} for {who}: `{}` is not on the resource, or out of order",
                        s.id()
                    );
                }
                let missing: Vec<&str> = all
                    .iter()
                    .filter(|s| may_reach(s, p) && !some.contains(s))
                    .map(|s| s.id().as_str())
                    .collect();
                assert!(
                    missing.is_empty(),
                    "{resource} for {who}: dropped {missing:?}, which may reach"
                );
            }
            let nodes = |read: &PathRead| -> Vec<(ResourceRef, Vec<Share>)> {
                read.iter().map(|(r, s, _)| (r.clone(), s.clone())).collect()
            };
            let (all, some) = (nodes(&whole), nodes(&part));
            let all: Vec<Node<'_>> = all.iter().map(|(r, s)| Node::new(r, None, s)).collect();
            let some: Vec<Node<'_>> = some.iter().map(|(r, s)| Node::new(r, None, s)).collect();
            for now in [t(0), t(60)] {
                for permission in Permission::ALL {
                    assert_eq!(
                        policy.check(p, permission, &some, now),
                        policy.check(p, permission, &all, now),
                        "{} {permission:?} on {}: the decision over the shares that may reach it",
                        p.id(),
                        path[0]
                    );
                }
                assert_eq!(policy.permissions(p, &some, now), policy.permissions(p, &all, now));
            }
        }
    }
    let ahead = revision(store).next();
    let mut never: Box<PathReader<'_>> = Box::new(|_| panic!("no read of a state not reached"));
    match b(store.read_path_reaching(&[res("folder:f1")], &principals[0], ahead, &mut *never)) {
        Err(StoreError::NotYet { wanted, .. }) => assert_eq!(wanted, ahead),
        other => panic!("a revision the store has not reached is NotYet, got {other:?}"),
    }
}

/// "Shared with me" reads: `shares_reaching` finds every share whose recipient matches the
/// principal, by share id: the user, transitive groups, the exact role, role chains (the
/// internal-only variant only for internal principals), the organisation for internal
/// principals, the partner and customer audiences by kind, emails ignoring case, presented
/// link tokens, and public shares only when asked. An anonymous principal is matched only by
/// public and link shares, whatever id, groups or role it carries.
///
/// ```
/// use shareguard::{MemoryStore, Principal, PrincipalKind, ShareStore, store::{conformance, Page}};
///
/// let store = MemoryStore::new();
/// conformance::shares_reaching(&store);
/// // Of its eighteen shares, one to every partner-portal user reaches a partner.
/// let partner = Principal::builder("p1", PrincipalKind::Partner).build()?;
/// let mine = pollster::block_on(store.shares_reaching(&partner, false, &Page::ALL))?;
/// assert_eq!(mine.items.iter().map(|s| s.id().as_str()).collect::<Vec<_>>(), ["partners"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn shares_reaching(store: &dyn ShareStore) {
    let r = "document:d1";
    let role = |id: &str| Recipient::Role { id: id.parse().unwrap() };
    let chain = |id: &str| Recipient::RoleAndSubordinates { id: id.parse().unwrap() };
    let internal_chain =
        |id: &str| Recipient::RoleAndInternalSubordinates { id: id.parse().unwrap() };
    let world = [
        ("user", user("bob")),
        ("user_other", user("carol")),
        ("group", group("staff")),
        ("group_other", group("sales")),
        ("role", role("rep")),
        ("role_boss", role("vp")),
        ("chain_top", chain("ceo")),
        ("chain_own", chain("rep")),
        ("chain_other", chain("cto")),
        ("ichain", internal_chain("vp")),
        ("org", Recipient::Organization),
        ("partners", Recipient::PartnerUsers),
        ("customers", Recipient::CustomerUsers),
        ("email", email("bob@corp.example")),
        ("email_other", email("carol@corp.example")),
        ("public", Recipient::Public),
        ("link", link("tok-1", false)),
        ("link_other", link("tok-2", true)),
    ];
    for (id, recipient) in &world {
        create(store, share(id, r, "alice", recipient.clone(), AccessLevel::Viewer));
    }
    let mine = |p: &Principal, public: bool| {
        ids(&b(store.shares_reaching(p, public, &Page::ALL)).unwrap().items)
    };

    let bob = Principal::builder("bob", PrincipalKind::Internal)
        .group("eng")
        .group("staff")
        .role("rep")
        .reports_to("vp")
        .reports_to("ceo")
        .email("Bob@Corp.Example")
        .link_token(&token("tok-1"))
        .build()
        .unwrap();
    let bob_expected =
        ["user", "group", "role", "chain_top", "chain_own", "ichain", "org", "email", "link"];
    assert_eq!(mine(&bob, false), sorted(&bob_expected), "internal bob, public not asked");
    let mut with_public = bob_expected.to_vec();
    with_public.push("public");
    assert_eq!(mine(&bob, true), sorted(&with_public), "internal bob, public asked");

    let ext = Principal::builder("ext", PrincipalKind::External)
        .role("rep")
        .reports_to("vp")
        .reports_to("ceo")
        .email("BOB@corp.example")
        .build()
        .unwrap();
    assert_eq!(
        mine(&ext, false),
        sorted(&["role", "chain_top", "chain_own", "email"]),
        "an external principal: no organisation, no internal-only chain"
    );

    let partner = Principal::builder("p1", PrincipalKind::Partner).build().unwrap();
    assert_eq!(mine(&partner, false), ["partners"], "a partner-portal user");
    let customer = Principal::builder("c1", PrincipalKind::Customer).build().unwrap();
    assert_eq!(mine(&customer, true), ["customers", "public"], "a customer-portal user");

    let anonymous = Principal::builder("bob", PrincipalKind::Anonymous)
        .group("staff")
        .role("rep")
        .email("bob@corp.example")
        .link_token(&token("tok-1"))
        .link_token(&token("tok-2"))
        .build()
        .unwrap();
    assert_eq!(mine(&anonymous, false), ["link", "link_other"], "anonymous: links only");
    assert_eq!(mine(&anonymous, true), ["link", "link_other", "public"], "anonymous: and public");

    let nobody = Principal::builder("zed", PrincipalKind::External).build().unwrap();
    assert_eq!(mine(&nobody, false), Vec::<String>::new(), "nothing reaches a stranger");

    let first = b(store.shares_reaching(&bob, true, &Page::first(3))).unwrap();
    let second = b(store.shares_reaching(&bob, true, &Page::first(3).then(first.next))).unwrap();
    let all = sorted(&with_public);
    assert_eq!((second.total, ids(&second.items)), (10, all[3..6].to_vec()), "a second page");
    for (id, recipient) in &world {
        let reached = mine(&bob, true).contains(&(*id).to_string());
        assert_eq!(reached, recipient.matches(&bob), "{id}: shares_reaching agrees with matches()");
    }
}

/// "Who has access" lists every share on the resource, in creation order, each with its
/// state at `now`: a share expiring exactly at `now` is expired.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::{MemoryStore, ShareStore, store::{conformance, ShareState}};
///
/// let store = MemoryStore::new();
/// conformance::who_has_access(&store);
/// // At the instant one share expires (the suite's clock starts at 12:00:00), that share and
/// // an earlier one are expired.
/// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 10).unwrap();
/// let entries = pollster::block_on(store.who_has_access(&"folder:f1".parse()?, now))?;
/// let active: Vec<bool> = entries.iter().map(|e| e.state == ShareState::Active).collect();
/// assert_eq!(active, [true, false, false, true]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn who_has_access(store: &dyn ShareStore) {
    let r = "folder:f1";
    let shares = [
        share("forever", r, "alice", user("bob"), AccessLevel::Viewer),
        share("past", r, "alice", user("carol"), AccessLevel::Editor).with_expiry(Some(t(5))),
        share("now", r, "bob", group("eng"), AccessLevel::Viewer).with_expiry(Some(t(10))),
        share("later", r, "alice", Recipient::Public, AccessLevel::Viewer).with_expiry(Some(t(11))),
        share("elsewhere", "folder:f2", "alice", user("bob"), AccessLevel::Viewer),
    ];
    for s in &shares {
        create(store, s.clone());
    }
    let got = b(store.who_has_access(&res(r), t(10))).unwrap();
    let expected: Vec<AccessEntry> = shares[..4]
        .iter()
        .map(|s| AccessEntry {
            share: s.clone(),
            state: if ["past", "now"].contains(&s.id().as_str()) {
                ShareState::Expired
            } else {
                ShareState::Active
            },
        })
        .collect();
    assert_eq!(got, expected, "who has access at the instant `now` expires");
    assert!(b(store.who_has_access(&res("folder:none"), t(0))).unwrap().is_empty());
}

/// A batch grant gives each item its own outcome with its write's revision: an item whose
/// recipient already has a share from this sharer on this resource updates it (version
/// bumped, access set, log `access_added`); another creates a share (fresh id, version 1);
/// an item with `restrict`, an empty `custom` set or a link recipient fails and changes
/// nothing, without stopping the others. A share to the same recipient from another sharer
/// is not touched.
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::{conformance, Page}};
///
/// let store = MemoryStore::new();
/// conformance::batch_grant_per_item(&store);
/// // Three shares made first, two created by the batch, none by its three failing items.
/// assert_eq!(store.len()?, 5);
/// let log = pollster::block_on(store.log_for_resource(&"folder:f1".parse()?, &Page::ALL))?;
/// assert_eq!(log.total, 2 + 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn batch_grant_per_item(store: &dyn ShareStore) {
    let r = "folder:f1";
    let dave1 = create(store, share("dave1", r, "carol", user("dave"), AccessLevel::Viewer));
    create(store, share("bob1", r, "alice", user("bob"), AccessLevel::Viewer));
    let bob_other =
        create(store, share("bob_other", "folder:f2", "alice", user("bob"), AccessLevel::Viewer));
    let items = [
        grant(user("bob"), AccessLevel::Editor),
        GrantItem {
            recipient: email("Erin@Ext.Example"),
            access: AccessLevel::Viewer,
            view_log: true,
        },
        grant(link("tok-1", false), AccessLevel::Viewer),
        grant(user("frank"), AccessLevel::Restrict),
        grant(user("gina"), AccessLevel::Custom(Permissions::empty())),
        grant(user("dave"), AccessLevel::Commenter),
        grant(email("erin@ext.example"), AccessLevel::Manager),
    ];
    let before = revision(store);
    let outcomes =
        b(store.grant_batch(&res(r), &pid("alice"), &items, &pid("admin"), t(50))).unwrap();
    assert_eq!(outcomes.len(), items.len(), "one outcome per item");

    let (bob, r0) = updated(&outcomes[0]);
    assert_eq!((bob.id().as_str(), bob.version(), bob.access()), ("bob1", 2, AccessLevel::Editor));
    let (erin, r1) = created(&outcomes[1]);
    let viewer_log = AccessLevel::Viewer.permissions() | Permissions::VIEW_LOG;
    assert_eq!(erin.access(), AccessLevel::Custom(viewer_log), "view_log adds to the level");
    assert_eq!((erin.version(), erin.sharer().as_str(), erin.resource()), (1, "alice", &res(r)));
    assert_eq!(erin.created(), t(50));
    assert!(error(&outcomes[2]).contains("link"), "a link item fails: {:?}", outcomes[2]);
    assert!(!error(&outcomes[3]).is_empty(), "a restrict item fails");
    assert!(!error(&outcomes[4]).is_empty(), "an empty custom item fails");
    let (dave, r5) = created(&outcomes[5]);
    assert_ne!(dave.id().as_str(), "dave1", "carol's share to dave is not alice's");
    let (erin_again, r6) = updated(&outcomes[6]);
    assert_eq!(erin_again.id(), erin.id(), "a later item updates the share an earlier one made");
    assert_eq!((erin_again.version(), erin_again.access()), (2, AccessLevel::Manager));
    assert!(before < r0 && r0 < r1 && r1 < r5 && r5 < r6, "each item its own, later revision");
    assert_eq!(revision(store), r6, "the store is at the last item's revision");

    assert_eq!(b(store.get(&sid("dave1"))).unwrap(), Some(dave1), "other sharer's share untouched");
    assert_eq!(
        b(store.get(&sid("bob_other"))).unwrap(),
        Some(bob_other),
        "other resource untouched"
    );
    assert_eq!(b(store.get(&sid("bob1"))).unwrap().as_ref(), Some(bob));
    assert_eq!(b(store.get(erin.id())).unwrap().as_ref(), Some(erin_again));
    assert_eq!(b(store.get(dave.id())).unwrap().as_ref(), Some(dave));
    for nobody in [user("frank"), user("gina"), link("tok-1", false)] {
        let filter = ShareFilter { recipient: Some(nobody.clone()), ..ShareFilter::default() };
        assert!(listed(store, &filter).is_empty(), "a failed item created no share for {nobody}");
    }
    assert_eq!(everything(store).len(), 5, "three before, two created");

    let added = |entries: &[LogEntry], who: &Recipient| {
        entries.iter().all(|e| match &e.event {
            LogEvent::AccessAdded { recipient } => {
                recipient == who && e.actor.as_str() == "admin" && e.at == t(50)
            }
            _ => false,
        })
    };
    let bob_log = share_log(store, "bob1");
    assert_eq!(events(&bob_log), ["created", "access_added"]);
    assert!(added(&bob_log[1..], &user("bob")));
    assert_eq!(bob_log[1].revision, r0, "the entry carries the outcome's revision");
    let erin_log = b(store.log_for_share(erin.id(), &Page::ALL)).unwrap().items;
    assert_eq!(events(&erin_log), ["access_added", "access_added"]);
    assert!(added(&erin_log, &email("erin@ext.example")));
    assert_eq!(events(&share_log(store, "dave1")), ["created"]);
    assert_eq!(resource_log(store, r).total, 2 + 4, "2 created, 4 added");

    let empty = b(store.grant_batch(&res(r), &pid("alice"), &[], &pid("admin"), t(51))).unwrap();
    assert!(empty.is_empty(), "an empty batch has no outcomes");
}

/// A batch revoke removes every share on the resource to each recipient, from any sharer,
/// in creation order, logging `access_removed` for each (the outcome carries the revision of
/// the last), and reports an error for a recipient with none there; shares on other
/// resources stay.
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::{conformance, Page, ShareFilter}};
///
/// let store = MemoryStore::new();
/// conformance::batch_revoke(&store);
/// // Of five shares, the two left are one on another resource and one to another recipient.
/// let left = pollster::block_on(store.list(&ShareFilter::default(), &Page::ALL))?;
/// assert_eq!(left.items.iter().map(|s| s.id().as_str()).collect::<Vec<_>>(), ["d", "e"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn batch_revoke(store: &dyn ShareStore) {
    let r = "folder:f1";
    create(store, share("b", r, "carol", user("bob"), AccessLevel::Editor));
    create(store, share("a", r, "alice", user("bob"), AccessLevel::Viewer));
    create(store, share("c", r, "alice", email("Erin@Ext.Example"), AccessLevel::Viewer));
    create(store, share("d", "folder:f2", "alice", user("bob"), AccessLevel::Viewer));
    create(store, share("e", r, "alice", user("carol"), AccessLevel::Viewer));
    let recipients = [user("bob"), user("zed"), email("erin@ext.example"), user("bob")];
    let outcomes = b(store.revoke_batch(&res(r), &recipients, &pid("admin"), t(5))).unwrap();
    assert_eq!(outcomes.len(), 4, "one outcome per recipient");
    let (bobs, r0) = removed(&outcomes[0]);
    assert_eq!(ids(bobs), ["b", "a"], "every sharer's share to bob, in creation order");
    assert!(error(&outcomes[1]).contains("no share"), "zed: {:?}", outcomes[1]);
    let (erins, r2) = removed(&outcomes[2]);
    assert_eq!(ids(erins), ["c"], "emails ignore case");
    assert!(r0 < r2 && revision(store) == r2, "the outcome carries the last removal's revision");
    assert!(error(&outcomes[3]).contains("no share"), "bob again: nothing left");
    assert_eq!(ids(&everything(store)), ["d", "e"], "what is left");
    for id in ["a", "b", "c"] {
        let log = share_log(store, id);
        assert_eq!(events(&log), ["created", "access_removed"], "{id}");
        assert_eq!((log[1].actor.as_str(), log[1].at), ("admin", t(5)));
    }
    assert_eq!(share_log(store, "a")[1].revision, r0, "bob's last removal is `a`");
    assert_eq!(events(&share_log(store, "d")), ["created"]);
    assert_eq!(events(&share_log(store, "e")), ["created"]);
}

/// A visit sets the last visit time, adds one to the count and logs `visited`, without
/// changing the version (an update naming the old version still succeeds afterwards), but
/// moves the resource's revision on.
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::{conformance, Page}};
///
/// let store = MemoryStore::new();
/// conformance::visits(&store);
/// // Two visits, then an update naming version 1: the visits did not make it stale.
/// let log = pollster::block_on(store.log_for_share(&"s1".parse()?, &Page::ALL))?;
/// let events: Vec<_> = log.items.iter().map(|e| e.event.name()).collect();
/// assert_eq!(events, ["created", "visited", "visited", "changed"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn visits(store: &dyn ShareStore) {
    create(store, share("s1", "document:d1", "alice", link("tok-1", false), AccessLevel::Viewer));
    let once = b(store.record_visit(&sid("s1"), &pid("anonymous"), t(5))).unwrap();
    assert_eq!((once.share.usage().visits, once.share.usage().last_visit), (1, Some(t(5))));
    assert_eq!(revisions_of(store, &["document:d1"]), [once.revision], "a visit is a write");
    let twice = b(store.record_visit(&sid("s1"), &pid("bob"), t(7))).unwrap().share;
    assert_eq!((twice.usage().visits, twice.usage().last_visit), (2, Some(t(7))));
    assert_eq!(twice.version(), 1, "a visit does not change the version");
    assert_eq!(b(store.get(&sid("s1"))).unwrap(), Some(twice.clone()));
    assert!(
        matches!(
            b(store.record_visit(&sid("nope"), &pid("bob"), t(8))),
            Err(StoreError::NotFound(_))
        ),
        "visiting a missing share fails with NotFound"
    );
    let patch = to_level(Level::Commenter);
    let changed = b(store.update(&sid("s1"), 1, &patch, &pid("alice"), t(9))).unwrap().share;
    assert_eq!(changed.usage(), twice.usage(), "an update keeps the usage");
    let log = share_log(store, "s1");
    assert_eq!(events(&log), ["created", "visited", "visited", "changed"]);
    assert_eq!((log[1].actor.as_str(), log[1].at), ("anonymous", t(5)));
    assert!(b(store.log_for_share(&sid("nope"), &Page::ALL)).unwrap().items.is_empty());
}

fn sweep_world(store: &dyn ShareStore) -> DateTime<Utc> {
    let at = t(100);
    let r = "folder:f1";
    create(store, share("exact", r, "alice", user("a"), AccessLevel::Viewer).with_expiry(Some(at)));
    create(
        store,
        share("later", r, "alice", user("b"), AccessLevel::Viewer)
            .with_expiry(Some(at + Duration::nanoseconds(1))),
    );
    create(store, share("never", r, "alice", user("c"), AccessLevel::Viewer));
    create(
        store,
        share("earlier", "folder:f2", "alice", user("d"), AccessLevel::Viewer)
            .with_expiry(Some(t(1))),
    );
    let patch = SharePatch { expires: Some(Some(t(50))), ..SharePatch::default() };
    b(store.update(&sid("never"), 1, &patch, &pid("alice"), t(2))).unwrap();
    create(
        store,
        share("moved", r, "alice", user("e"), AccessLevel::Viewer).with_expiry(Some(t(10))),
    );
    let patch = SharePatch { expires: Some(None), ..SharePatch::default() };
    b(store.update(&sid("moved"), 1, &patch, &pid("alice"), t(3))).unwrap();
    at
}

/// The sweep removes exactly the shares whose expiry is at or before `now` (a share expiring
/// at `now` is swept, one expiring a nanosecond later is not), returns them by share id, and
/// logs `expired` for each with the sweep's actor and `now`.
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::{conformance, Page, ShareFilter}};
///
/// let store = MemoryStore::new();
/// conformance::sweep_at_exact_expiry(&store);
/// // Every share with an expiry was swept; the one whose expiry was removed stays.
/// let left = pollster::block_on(store.list(&ShareFilter::default(), &Page::ALL))?;
/// assert_eq!(left.items.iter().map(|s| s.id().as_str()).collect::<Vec<_>>(), ["moved"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sweep_at_exact_expiry(store: &dyn ShareStore) {
    let at = sweep_world(store);
    let sweeper = pid("sweeper");
    assert!(b(store.sweep_expired(t(0), &sweeper)).unwrap().is_empty(), "nothing expired yet");
    let swept = b(store.sweep_expired(at, &sweeper)).unwrap();
    assert_eq!(ids(&swept), ["earlier", "exact", "never"], "expired at or before now, by id");
    assert_eq!(ids(&everything(store)), ["later", "moved"]);
    for id in ["exact", "never", "earlier"] {
        let log = share_log(store, id);
        let last = log.last().unwrap();
        assert_eq!(
            (last.event.name(), last.actor.as_str(), last.at),
            ("expired", "sweeper", at),
            "{id}"
        );
    }
    assert!(
        b(store.sweep_expired(at, &sweeper)).unwrap().is_empty(),
        "a second sweep finds nothing"
    );
    let swept = b(store.sweep_expired(at + Duration::nanoseconds(1), &sweeper)).unwrap();
    assert_eq!(ids(&swept), ["later"], "one nanosecond later");
    assert_eq!(ids(&everything(store)), ["moved"], "a share whose expiry was removed stays");
}

/// `expired` lists the shares expired at `now` by share id (not by expiry), at most `limit`
/// of them: the first ones by id.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::{MemoryStore, ShareStore, store::conformance};
///
/// let store = MemoryStore::new();
/// conformance::expired_listed_by_share_id(&store);
/// let at = Utc.with_ymd_and_hms(2026, 3, 1, 12, 1, 40).unwrap();
/// assert_eq!(pollster::block_on(store.expired(at, 10))?.len(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn expired_listed_by_share_id(store: &dyn ShareStore) {
    let at = sweep_world(store);
    let all = b(store.expired(at, 10)).unwrap();
    assert_eq!(ids(&all), ["earlier", "exact", "never"], "expired shares, by share id");
    let two = b(store.expired(at, 2)).unwrap();
    assert_eq!(ids(&two), ["earlier", "exact"], "the first `limit` by share id");
    assert!(b(store.expired(at, 0)).unwrap().is_empty(), "limit 0");
}

/// `find_link` finds the link share whose token has the digest, whether or not the link is
/// retrievable, and nothing for another digest or after the share is deleted.
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::conformance};
/// use shareguard::model::LinkToken;
///
/// let store = MemoryStore::new();
/// conformance::find_link(&store);
/// // The suite's retrievable link (token `tok-2`) is still found by its token's digest.
/// let found = pollster::block_on(store.find_link(&LinkToken::presented("tok-2")?.digest()))?;
/// assert_eq!(found.map(|s| s.id().to_string()).as_deref(), Some("kept"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn find_link(store: &dyn ShareStore) {
    create(
        store,
        share("hidden", "document:d1", "alice", link("tok-1", false), AccessLevel::Viewer),
    );
    create(store, share("kept", "document:d2", "alice", link("tok-2", true), AccessLevel::Editor));
    create(store, share("public", "document:d2", "alice", Recipient::Public, AccessLevel::Viewer));
    let found =
        |text: &str| b(store.find_link(&token(text).digest())).unwrap().map(|s| s.id().to_string());
    assert_eq!(found("tok-1").as_deref(), Some("hidden"));
    assert_eq!(found("tok-2").as_deref(), Some("kept"));
    assert_eq!(found("tok-3"), None);
    let kept = b(store.find_link(&token("tok-2").digest())).unwrap().unwrap();
    match kept.recipient() {
        Recipient::Link(l) => {
            assert_eq!(l.token().map(LinkToken::reveal), Some("tok-2"), "retrievable kept")
        }
        other => panic!("a link share, got {other}"),
    }
    b(store.delete(&sid("hidden"), &pid("alice"), t(1))).unwrap();
    assert_eq!(found("tok-1"), None, "a deleted link is not found");
}

/// [`Write::LinkRetrieved`] logs `link_retrieved` for a retrievable link share, and fails
/// without logging for a missing share ([`StoreError::NotFound`]) and for a share that is not
/// a retrievable link ([`StoreError::Invalid`]).
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::{conformance, Page}};
///
/// let store = MemoryStore::new();
/// conformance::link_retrieved(&store);
/// // One read-back logged; the refused calls logged nothing.
/// let log = pollster::block_on(store.log_for_share(&"kept".parse()?, &Page::ALL))?;
/// assert_eq!(log.items.iter().map(|e| e.event.name()).collect::<Vec<_>>(), ["created", "link_retrieved"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn link_retrieved(store: &dyn ShareStore) {
    let retrieve = |id: &str, at| {
        applies(store, Write::LinkRetrieved { id: sid(id) }, &Precondition::none(), "alice", at)
    };
    create(store, share("kept", "document:d2", "alice", link("tok-2", true), AccessLevel::Editor));
    retrieve("kept", t(3)).unwrap();
    assert!(matches!(retrieve("nope", t(4)), Err(StoreError::NotFound(_))));
    create(
        store,
        share("hidden", "document:d2", "alice", link("tok-3", false), AccessLevel::Viewer),
    );
    create(store, share("user", "document:d2", "alice", user("bob"), AccessLevel::Viewer));
    for id in ["hidden", "user"] {
        assert!(
            matches!(retrieve(id, t(5)), Err(StoreError::Invalid(_))),
            "{id}: not a retrievable link"
        );
        assert_eq!(events(&share_log(store, id)), ["created"], "{id}: a refused call logs nothing");
    }
    let log = share_log(store, "kept");
    assert_eq!(events(&log), ["created", "link_retrieved"]);
    assert_eq!((log[1].actor.as_str(), log[1].at), ("alice", t(3)));
    assert_eq!(
        b(store.get(&sid("kept"))).unwrap().unwrap().version(),
        1,
        "reading a link is no change"
    );
}

/// Every successful write (create, update, delete, grant, revoke, visit, link retrieval,
/// sweep) has exactly one log entry per share it touched, with the actor and time given, in
/// the order written with increasing revisions; failed calls and reads have none; entries
/// outlive their shares.
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::{conformance, Page}};
///
/// let store = MemoryStore::new();
/// conformance::log_completeness(&store);
/// // Every kind of write, one entry each, in order; the entries outlive the deleted share.
/// let log = pollster::block_on(store.log_for_share(&"s1".parse()?, &Page::ALL))?;
/// let events: Vec<_> = log.items.iter().map(|e| e.event.name()).collect();
/// assert_eq!(events, ["created", "changed", "visited", "access_added", "deleted"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn log_completeness(store: &dyn ShareStore) {
    let r = "folder:f1";
    let a = pid("alice");
    let mut expected: Vec<(&str, &str, i64)> = Vec::new(); // (event, actor, time)
    b(store.create(share("s1", r, "alice", user("bob"), AccessLevel::Viewer), &a, t(1))).unwrap();
    expected.push(("created", "alice", 1));
    assert!(
        b(store.create(share("s1", r, "alice", user("bob"), AccessLevel::Viewer), &a, t(2)))
            .is_err()
    );
    let editor = to_level(Level::Editor);
    b(store.update(&sid("s1"), 1, &editor, &pid("bob"), t(3))).unwrap();
    expected.push(("changed", "bob", 3));
    assert!(b(store.update(&sid("s1"), 1, &editor, &pid("bob"), t(4))).is_err());
    b(store.record_visit(&sid("s1"), &pid("bob"), t(5))).unwrap();
    expected.push(("visited", "bob", 5));
    let items = [
        grant(user("bob"), AccessLevel::Viewer),
        grant(user("carol"), AccessLevel::Viewer),
        grant(user("x"), AccessLevel::Restrict),
    ];
    let outcomes = b(store.grant_batch(&res(r), &a, &items, &pid("admin"), t(6))).unwrap();
    expected.push(("access_added", "admin", 6));
    expected.push(("access_added", "admin", 6));
    let carol_share = created(&outcomes[1]).0.id().clone();
    let link_share = share("link", r, "alice", link("tok-9", true), AccessLevel::Viewer)
        .with_expiry(Some(t(20)));
    b(store.create(link_share, &a, t(7))).unwrap();
    expected.push(("created", "alice", 7));
    applies(store, Write::LinkRetrieved { id: sid("link") }, &Precondition::none(), "alice", t(8))
        .unwrap();
    expected.push(("link_retrieved", "alice", 8));
    let outcomes =
        b(store.revoke_batch(&res(r), &[user("carol"), user("nobody")], &pid("admin"), t(9)))
            .unwrap();
    assert_eq!(outcomes.len(), 2);
    expected.push(("access_removed", "admin", 9));
    b(store.delete(&sid("s1"), &pid("bob"), t(10))).unwrap();
    expected.push(("deleted", "bob", 10));
    assert!(b(store.delete(&sid("s1"), &pid("bob"), t(11))).is_err());
    assert!(b(store.record_visit(&sid("s1"), &pid("bob"), t(11))).is_err());
    b(store.sweep_expired(t(20), &pid("sweeper"))).unwrap();
    expected.push(("expired", "sweeper", 20));
    // Reads log nothing.
    let _ = b(store.get(&sid("link"))).unwrap();
    let _ = b(store.list(&ShareFilter::default(), &Page::ALL)).unwrap();
    let _ = b(store.who_has_access(&res(r), t(0))).unwrap();
    let _ = b(store.find_link(&token("tok-9").digest())).unwrap();
    let _ = b(store.shares_reaching(&internal("bob"), true, &Page::ALL)).unwrap();

    let log = resource_log(store, r);
    let got: Vec<(&str, &str, i64)> = log
        .items
        .iter()
        .map(|e| (e.event.name(), e.actor.as_str(), (e.at - t(0)).num_seconds()))
        .collect();
    assert_eq!(got, expected, "exactly one entry per successful write, in order");
    assert_eq!(log.total, expected.len());
    assert!(log.items.windows(2).all(|w| w[0].revision < w[1].revision), "revisions increase");
    assert!(log.items.iter().all(|e| e.resource == res(r)));
    assert_eq!(
        events(&share_log(store, "s1")),
        ["created", "changed", "visited", "access_added", "deleted"]
    );
    assert_eq!(
        events(&b(store.log_for_share(&carol_share, &Page::ALL)).unwrap().items),
        ["access_added", "access_removed"]
    );
    assert_eq!(events(&share_log(store, "link")), ["created", "link_retrieved", "expired"]);
    assert!(resource_log(store, "folder:none").items.is_empty());
}

/// The share log pages by cursor, per share and per resource: pages concatenate to the
/// whole log, the last one has no `next`, `count` 0 gives an empty page with the true total.
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::{conformance, Page}};
///
/// let store = MemoryStore::new();
/// conformance::log_paging(&store);
/// // Four entries about `s1`.
/// let page = pollster::block_on(store.log_for_share(&"s1".parse()?, &Page::first(3)))?;
/// assert_eq!((page.items.len(), page.total, page.next.is_some()), (3, 4, true));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn log_paging(store: &dyn ShareStore) {
    create(store, share("s1", "folder:f1", "alice", user("bob"), AccessLevel::Viewer));
    create(store, share("s2", "folder:f1", "alice", user("carol"), AccessLevel::Viewer));
    for i in 0..3 {
        b(store.record_visit(&sid("s1"), &pid("bob"), t(i + 1))).unwrap();
    }
    let whole = b(store.log_for_share(&sid("s1"), &Page::ALL)).unwrap();
    assert_eq!((whole.total, whole.items.len(), whole.next), (4, 4, None));
    let p1 = b(store.log_for_share(&sid("s1"), &Page::first(2))).unwrap();
    assert_eq!((p1.total, p1.items.as_slice()), (4, &whole.items[..2]));
    let p2 = b(store.log_for_share(&sid("s1"), &Page::first(2).then(p1.next))).unwrap();
    assert_eq!(p2.items, whole.items[2..], "the second page ends at the end");
    assert_eq!(p2.next, None, "a page ending exactly at the end has no next");
    let none = b(store.log_for_share(&sid("s1"), &Page::first(0))).unwrap();
    assert_eq!((none.items.len(), none.total), (0, 4), "count 0");
    let resource = resource_log(store, "folder:f1");
    assert_eq!(resource.total, 5);
    let mut joined = Vec::new();
    let mut page = Page::first(2);
    loop {
        let got = b(store.log_for_resource(&res("folder:f1"), &page)).unwrap();
        assert_eq!(got.total, 5);
        joined.extend(got.items);
        match got.next {
            Some(next) => page = Page::first(2).then(Some(next)),
            None => break,
        }
    }
    assert_eq!(joined, resource.items, "log pages concatenate");
}

/// Every failing call leaves the store exactly as it was: no share, version, usage counter,
/// log entry or revision changes.
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::{conformance, Page}};
///
/// let store = MemoryStore::new();
/// conformance::failed_operations_change_nothing(&store);
/// // After the failing calls, the log holds only its setup: two creations and a visit.
/// let log = pollster::block_on(store.log_for_resource(&"folder:f1".parse()?, &Page::ALL))?;
/// assert_eq!(log.items.iter().map(|e| e.event.name()).collect::<Vec<_>>(), ["created", "created", "visited"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn failed_operations_change_nothing(store: &dyn ShareStore) {
    let r = "folder:f1";
    create(store, share("s1", r, "alice", user("bob"), AccessLevel::Viewer));
    create(store, share("s2", r, "alice", user("carol"), AccessLevel::Custom(Permissions::VIEW)));
    b(store.record_visit(&sid("s1"), &pid("bob"), t(1))).unwrap();
    let resources = [r, "folder:f2"];
    let before = snapshot(store, &resources);
    let a = pid("alice");
    let at = t(9);
    let update = |id: &str, version, patch: SharePatch| {
        b(store.update(&sid(id), version, &patch, &a, at)).is_err()
    };
    let stale = Precondition::from_iter([(res(r), Revision::ZERO)]);
    let failures: Vec<Failure<'_>> = vec![
        (
            "duplicate create",
            Box::new(|| {
                let again = share("s1", "folder:f2", "bob", user("x"), AccessLevel::Editor);
                b(store.create(again, &a, at)).is_err()
            }),
        ),
        (
            "create with an empty custom set",
            Box::new(|| {
                let empty = AccessLevel::Custom(Permissions::empty());
                b(store.create(share("s3", r, "alice", user("x"), empty), &a, at)).is_err()
            }),
        ),
        ("stale update", Box::new(|| update("s1", 2, to_level(Level::Editor)))),
        ("custom without a set", Box::new(|| update("s1", 1, to_level(Level::Custom)))),
        (
            "a set with a named level",
            Box::new(|| {
                let patch = SharePatch {
                    access: Some(Level::Viewer),
                    permissions: Some(Permissions::VIEW),
                    ..SharePatch::default()
                };
                update("s2", 1, patch)
            }),
        ),
        (
            "restrict with re-share rights",
            Box::new(|| {
                let patch = SharePatch {
                    access: Some(Level::Restrict),
                    reshare: Some(ReshareRights::INTERNAL),
                    ..SharePatch::default()
                };
                update("s1", 1, patch)
            }),
        ),
        (
            "another recipient",
            Box::new(|| {
                let patch = SharePatch {
                    recipient: Some(user("mallory")),
                    expires: Some(Some(t(99))),
                    ..SharePatch::default()
                };
                update("s1", 1, patch)
            }),
        ),
        ("update a missing share", Box::new(|| update("nope", 1, SharePatch::default()))),
        ("delete a missing share", Box::new(|| b(store.delete(&sid("nope"), &a, at)).is_err())),
        (
            "delete at a stale version",
            Box::new(|| {
                let write =
                    Write::Delete { id: sid("s1"), version: Some(7), event: LogEvent::Deleted };
                matches!(
                    applies(store, write, &Precondition::none(), "alice", at),
                    Err(StoreError::Conflict { .. })
                )
            }),
        ),
        (
            "visit a missing share",
            Box::new(|| b(store.record_visit(&sid("nope"), &a, at)).is_err()),
        ),
        (
            "retrieve a missing link",
            Box::new(|| {
                let write = Write::LinkRetrieved { id: sid("nope") };
                applies(store, write, &Precondition::none(), "alice", at).is_err()
            }),
        ),
        (
            "a visit under a stale precondition",
            Box::new(|| {
                let write = Write::Visit { id: sid("s1") };
                matches!(applies(store, write, &stale, "bob", at), Err(StoreError::Changed { .. }))
            }),
        ),
        (
            "a create under a stale precondition",
            Box::new(|| {
                let write = Write::Create {
                    share: share("s9", r, "alice", user("x"), AccessLevel::Viewer),
                    event: LogEvent::Created,
                };
                matches!(applies(store, write, &stale, "bob", at), Err(StoreError::Changed { .. }))
            }),
        ),
        (
            "a batch grant of failing items",
            Box::new(|| {
                let items = [
                    grant(user("x"), AccessLevel::Restrict),
                    grant(link("tok-1", true), AccessLevel::Viewer),
                    grant(user("bob"), AccessLevel::Custom(Permissions::empty())),
                    grant(user("carol"), AccessLevel::Restrict),
                ];
                let outcomes = b(store.grant_batch(&res(r), &a, &items, &a, at)).unwrap();
                outcomes.iter().all(|o| matches!(o, BatchOutcome::Error { .. }))
            }),
        ),
        (
            "a batch revoke of absent recipients",
            Box::new(|| {
                let gone = [user("bob"), user("carol")];
                let outcomes = b(store.revoke_batch(&res("folder:f2"), &gone, &a, at)).unwrap();
                outcomes.iter().all(|o| matches!(o, BatchOutcome::Error { .. }))
            }),
        ),
        (
            "a sweep with nothing expired",
            Box::new(|| b(store.sweep_expired(at, &a)).unwrap().is_empty()),
        ),
    ];
    for (what, fail) in failures {
        assert!(fail(), "{what}: the call should fail");
        assert_eq!(snapshot(store, &resources), before, "{what}: a failed call changed the store");
    }
    assert!(
        b(store.changes_since(before.3, 10)).unwrap().is_empty(),
        "failed calls add nothing to the change feed"
    );
}

// ---------------------------------------------------------------------------------------------
// Revisions, the change feed, conditional writes, cursors under change

/// Every successful write returns a revision greater than every earlier one, and the next
/// one: failed writes neither consume nor move it; `revision()` reports the last; each log
/// entry carries its write's revision; a batch's outcomes carry theirs.
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::conformance};
///
/// let store = MemoryStore::new();
/// conformance::revision_monotonicity(&store);
/// assert!(pollster::block_on(store.revision())?.get() > 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn revision_monotonicity(store: &dyn ShareStore) {
    assert_eq!(revision(store), Revision::ZERO, "a fresh store is at revision zero");
    let mut last = Revision::ZERO;
    let mut written: Vec<(ShareId, Revision)> = Vec::new();
    let mut next = |what: &str, applied: Applied, written: &mut Vec<(ShareId, Revision)>| {
        assert_eq!(applied.revision, last.next(), "{what}: the next revision after {last}");
        last = applied.revision;
        assert_eq!(revision(store), last, "{what}: revision() reports the last write");
        written.push((applied.share.id().clone(), applied.revision));
    };
    let r = "folder:f1";
    let s = |id: &str| share(id, r, "alice", user(id), AccessLevel::Viewer);
    next("create", b(store.create(s("s1"), &pid("alice"), t(1))).unwrap(), &mut written);
    next("create", b(store.create(s("s2"), &pid("alice"), t(1))).unwrap(), &mut written);
    assert!(b(store.create(s("s1"), &pid("alice"), t(2))).is_err());
    assert!(b(store.update(&sid("s1"), 9, &SharePatch::default(), &pid("alice"), t(2))).is_err());
    let stale = Precondition::from_iter([(res(r), Revision::ZERO)]);
    assert!(applies(store, Write::Visit { id: sid("s1") }, &stale, "bob", t(2)).is_err());
    assert_eq!(revision(store), written[1].1, "failed writes do not move the revision");
    let editor = to_level(Level::Editor);
    next(
        "update",
        b(store.update(&sid("s1"), 1, &editor, &pid("alice"), t(3))).unwrap(),
        &mut written,
    );
    next("visit", b(store.record_visit(&sid("s2"), &pid("bob"), t(4))).unwrap(), &mut written);
    next("delete", b(store.delete(&sid("s2"), &pid("alice"), t(5))).unwrap(), &mut written);
    assert!(b(store.delete(&sid("s2"), &pid("alice"), t(5))).is_err());
    let items = [grant(user("bob"), AccessLevel::Viewer), grant(user("x"), AccessLevel::Restrict)];
    let outcomes =
        b(store.grant_batch(&res(r), &pid("alice"), &items, &pid("alice"), t(6))).unwrap();
    let (bob, rev) = created(&outcomes[0]);
    next("grant", Applied { share: bob.clone(), revision: rev }, &mut written);
    let outcomes = b(store.revoke_batch(&res(r), &[user("s1")], &pid("alice"), t(7))).unwrap();
    let (gone, rev) = removed(&outcomes[0]);
    next("revoke", Applied { share: gone[0].clone(), revision: rev }, &mut written);
    for (id, rev) in &written {
        let log = b(store.log_for_share(id, &Page::ALL)).unwrap().items;
        assert!(log.iter().any(|e| e.revision == *rev), "{id}: an entry carries revision {rev}");
    }
    let feed = b(store.changes_since(Revision::ZERO, 100)).unwrap();
    let revs: Vec<Revision> = feed.iter().map(|e| e.revision).collect();
    let want: Vec<Revision> = written.iter().map(|(_, r)| *r).collect();
    assert_eq!(revs, want, "one entry per write, at its revision");
}

/// After a mixed sequence of writes (creates, updates, deletes, visits, batches, sweeps),
/// reading `changes_since` in small pages from [`Revision::ZERO`] yields every write exactly
/// once, in revision order; `changes_since(last)` is empty.
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::conformance};
/// use shareguard::model::Revision;
///
/// let store = MemoryStore::new();
/// conformance::change_feed_completeness(&store);
/// let last = pollster::block_on(store.revision())?;
/// assert!(pollster::block_on(store.changes_since(last, 10))?.is_empty());
/// assert_eq!(pollster::block_on(store.changes_since(Revision::ZERO, 1000))?.len() as u64, last.get());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn change_feed_completeness(store: &dyn ShareStore) {
    let mut expected: Vec<(String, &'static str)> = Vec::new();
    let mut push = |id: &ShareId, event: &'static str| expected.push((id.to_string(), event));
    let r = "folder:f1";
    for i in 0..7 {
        let s = share(&format!("s{i}"), r, "alice", user(&format!("u{i}")), AccessLevel::Viewer)
            .with_expiry((i % 3 == 0).then(|| t(50)));
        let applied = b(store.create(s, &pid("alice"), t(1))).unwrap();
        push(applied.share.id(), "created");
    }
    let on_d1 = share("d", "document:d1", "bob", group("eng"), AccessLevel::Editor);
    push(b(store.create(on_d1, &pid("bob"), t(1))).unwrap().share.id(), "created");
    push(
        b(store.update(&sid("s1"), 1, &to_level(Level::Editor), &pid("a"), t(2)))
            .unwrap()
            .share
            .id(),
        "changed",
    );
    assert!(b(store.update(&sid("s1"), 1, &to_level(Level::Editor), &pid("a"), t(2))).is_err());
    push(b(store.record_visit(&sid("s2"), &pid("u2"), t(3))).unwrap().share.id(), "visited");
    push(b(store.delete(&sid("s4"), &pid("alice"), t(4))).unwrap().share.id(), "deleted");
    let items = [grant(user("u5"), AccessLevel::Editor), grant(user("new"), AccessLevel::Viewer)];
    for outcome in b(store.grant_batch(&res(r), &pid("alice"), &items, &pid("a"), t(5))).unwrap() {
        match &outcome {
            BatchOutcome::Created { share, .. } | BatchOutcome::Updated { share, .. } => {
                push(share.id(), "access_added");
            }
            other => panic!("both items apply, got {other:?}"),
        }
    }
    let outcomes =
        b(store.revoke_batch(&res(r), &[user("u1"), user("u5")], &pid("a"), t(6))).unwrap();
    for outcome in &outcomes {
        for share in removed(outcome).0 {
            push(share.id(), "access_removed");
        }
    }
    for share in b(store.sweep_expired(t(50), &pid("sweeper"))).unwrap() {
        push(share.id(), "expired");
    }
    let last = revision(store);
    for size in [1, 2, 3, 100] {
        let mut feed: Vec<LogEntry> = Vec::new();
        let mut after = Revision::ZERO;
        loop {
            let chunk = b(store.changes_since(after, size)).unwrap();
            assert!(chunk.len() <= size, "changes_since returns at most `limit` entries");
            let Some(tail) = chunk.last() else { break };
            after = tail.revision;
            feed.extend(chunk);
        }
        assert!(feed.windows(2).all(|w| w[0].revision < w[1].revision), "in revision order");
        let got: Vec<(String, &str)> = feed
            .iter()
            .map(|e| {
                (e.share.as_ref().map(ToString::to_string).unwrap_or_default(), e.event.name())
            })
            .collect();
        assert_eq!(got, expected, "pages of {size}: every write exactly once, in order");
        assert_eq!(after, last, "the feed ends at the store's revision");
    }
    assert!(b(store.changes_since(last, 10)).unwrap().is_empty(), "nothing after the last");
    assert!(b(store.changes_since(Revision::ZERO, 0)).unwrap().is_empty(), "limit 0");
}

/// A write whose [`Precondition`] names a stale revision of any resource is
/// [`StoreError::Changed`] and changes nothing; a stale version is [`StoreError::Conflict`];
/// [`Precondition::none`] applies; a resource's revision moves on with every write to a share
/// on it, and only then.
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::conformance};
///
/// let store = MemoryStore::new();
/// conformance::conditional_writes(&store);
/// assert_eq!(store.len()?, 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn conditional_writes(store: &dyn ShareStore) {
    let (f1, d1) = ("folder:f1", "document:d1");
    assert_eq!(revisions_of(store, &[f1, d1]), [Revision::ZERO; 2], "no shares: revision zero");
    let r1 = b(store.create(
        share("s1", f1, "alice", user("bob"), AccessLevel::Viewer),
        &pid("alice"),
        t(0),
    ))
    .unwrap()
    .revision;
    let r2 = b(store.create(
        share("s2", d1, "alice", user("bob"), AccessLevel::Viewer),
        &pid("alice"),
        t(0),
    ))
    .unwrap()
    .revision;
    assert_eq!(revisions_of(store, &[f1, d1]), [r1, r2], "each resource at its last write");
    let resources = [f1, d1, "folder:empty"];
    let editor = |version| Write::Update {
        id: sid("s1"),
        version,
        patch: to_level(Level::Editor),
        event: None,
    };

    let before = snapshot(store, &resources);
    let cases = [
        Precondition::from_iter([(res(f1), Revision::ZERO)]),
        Precondition::from_iter([(res(f1), r2)]),
        Precondition::from_iter([(res(f1), r1), (res(d1), r1)]),
        Precondition::from_iter([(res(d1), r2), (res("folder:empty"), r1)]),
    ];
    for pre in &cases {
        match applies(store, editor(1), pre, "alice", t(1)) {
            Err(StoreError::Changed { resource, expected, actual }) => {
                let (stale, read) = pre
                    .entries()
                    .iter()
                    .find(|(r, rev)| revisions_of(store, &[&r.to_string()])[0] != *rev)
                    .unwrap();
                assert_eq!((&resource, expected), (stale, *read), "Changed names the stale one");
                assert_eq!(actual, revisions_of(store, &[&resource.to_string()])[0]);
            }
            other => panic!("a stale precondition {pre:?} must be Changed, got {other:?}"),
        }
        assert_eq!(snapshot(store, &resources), before, "a Changed write changes nothing");
    }
    let fresh = Precondition::from_iter([(res(f1), r1), (res(d1), r2)]);
    match applies(store, editor(7), &fresh, "alice", t(1)) {
        Err(StoreError::Conflict { expected: 7, actual: 1, .. }) => {}
        other => panic!("a stale version under a fresh precondition is Conflict, got {other:?}"),
    }
    assert_eq!(snapshot(store, &resources), before, "a Conflict changes nothing");

    let r3 = applies(store, editor(1), &fresh, "alice", t(1)).unwrap().revision;
    assert_eq!(revisions_of(store, &[f1, d1]), [r3, r2], "only the written resource moves on");
    assert!(
        matches!(applies(store, editor(2), &fresh, "alice", t(2)), Err(StoreError::Changed { .. })),
        "the precondition read before the write is stale after it"
    );
    let r4 = applies(store, editor(2), &Precondition::none(), "alice", t(2)).unwrap().revision;
    assert_eq!(revisions_of(store, &[f1, d1]), [r4, r2], "Precondition::none() applies");

    let empty = Precondition::from_iter([(res("folder:empty"), Revision::ZERO)]);
    let new = |id: &str| Write::Create {
        share: share(id, "folder:empty", "alice", user("carol"), AccessLevel::Viewer),
        event: LogEvent::Created,
    };
    let r5 = applies(store, new("s3"), &empty, "alice", t(3)).unwrap().revision;
    assert!(
        matches!(applies(store, new("s4"), &empty, "alice", t(3)), Err(StoreError::Changed { .. })),
        "a resource that had no shares is no longer at revision zero"
    );
    assert_eq!(b(store.get(&sid("s4"))).unwrap(), None, "the refused create stored nothing");
    let r6 = b(store.record_visit(&sid("s2"), &pid("bob"), t(4))).unwrap().revision;
    assert_eq!(revisions_of(store, &resources), [r4, r6, r5], "a visit moves its resource on");
    let r7 = b(store.delete(&sid("s3"), &pid("alice"), t(5))).unwrap().revision;
    assert_eq!(revisions_of(store, &resources), [r4, r6, r7], "a delete moves its resource on");
    create(store, share("s5", "folder:empty", "alice", user("dan"), AccessLevel::Viewer));
}

fn page_through<T>(
    mut fetch: impl FnMut(&Page) -> Paged<T>,
    count: usize,
    mut between: impl FnMut(usize, &[T]),
) -> Vec<T> {
    let mut all = Vec::new();
    let mut page = Page::first(count);
    for round in 0.. {
        let got = fetch(&page);
        assert!(got.items.len() <= count, "a page holds at most `count` items");
        let Some(next) = got.next else {
            all.extend(got.items);
            break;
        };
        between(round, &got.items);
        all.extend(got.items);
        let text = next.to_string();
        let parsed: Cursor = text.parse().expect("a cursor parses from its text");
        page = Page::first(count).then(Some(parsed));
    }
    all
}

/// Paging through `list`, `shares_reaching` and `log_for_resource` while other shares are
/// created and deleted between pages: no item that survives is repeated or skipped, items
/// come in order (shares by id, entries by revision); items created after the cursor may
/// appear, deleted ones may vanish; cursors go through `to_string`/`parse` between pages.
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::conformance};
///
/// let store = MemoryStore::new();
/// conformance::paging_under_concurrent_changes(&store);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn paging_under_concurrent_changes(store: &dyn ShareStore) {
    let r = "folder:f1";
    for i in 0..20 {
        let recipient = if i % 2 == 0 { user("bob") } else { group("eng") };
        create(store, share(&format!("p{i:02}"), r, "alice", recipient, AccessLevel::Viewer));
    }
    let bob = Principal::builder("bob", PrincipalKind::Internal).group("eng").build().unwrap();
    let mut made = 0;
    let mut churn = |seen: &[Share], live: &BTreeSet<String>| -> (Vec<String>, Vec<String>) {
        // Delete one item already returned and one not yet returned; create one before the
        // cursor and one after it.
        let last = seen.last().map(|s| s.id().to_string()).unwrap_or_default();
        let behind = seen.first().map(|s| s.id().to_string());
        let ahead = live.iter().find(|id| **id > last).cloned();
        let mut deleted = Vec::new();
        for id in behind.into_iter().chain(ahead) {
            if b(store.delete(&sid(&id), &pid("alice"), t(1))).is_ok() {
                deleted.push(id);
            }
        }
        made += 1;
        let mut fresh = Vec::new();
        for id in [format!("p00x{made}"), format!("p99x{made}")] {
            let recipient = if made % 2 == 0 { user("bob") } else { group("eng") };
            create(store, share(&id, r, "alice", recipient, AccessLevel::Viewer));
            fresh.push(id);
        }
        (deleted, fresh)
    };

    type Lister<'a> = Box<dyn Fn(&Page) -> Paged<Share> + 'a>;
    let listers: Vec<(&str, Lister<'_>)> = vec![
        ("list", Box::new(|p| b(store.list(&ShareFilter::default(), p)).unwrap())),
        (
            "list by resource",
            Box::new(|p| {
                let filter = ShareFilter { resource: Some(res(r)), ..ShareFilter::default() };
                b(store.list(&filter, p)).unwrap()
            }),
        ),
        ("shares_reaching", Box::new(|p| b(store.shares_reaching(&bob, false, p)).unwrap())),
    ];
    for (what, lister) in listers {
        let at_start: BTreeSet<String> = ids(&lister(&Page::ALL).items).into_iter().collect();
        let mut deleted = BTreeSet::new();
        let mut live = at_start.clone();
        let got = page_through(&*lister, 3, |_, items| {
            let (gone, fresh) = churn(items, &live);
            for id in gone {
                live.remove(&id);
                deleted.insert(id);
            }
            live.extend(fresh);
        });
        let got = ids(&got);
        assert!(got.windows(2).all(|w| w[0] < w[1]), "{what}: by id, none repeated: {got:?}");
        for id in at_start.difference(&deleted) {
            assert!(got.contains(id), "{what}: `{id}` survived but was skipped: {got:?}");
        }
        for id in &got {
            assert!(
                at_start.contains(id) || live.contains(id) || deleted.contains(id),
                "{what}: `{id}` was never stored"
            );
        }
    }

    let whole_before = resource_log(store, r).items;
    let mut round = 0;
    let got = page_through(
        |p| b(store.log_for_resource(&res(r), p)).unwrap(),
        4,
        |_, _| {
            round += 1;
            let id = format!("log{round}");
            create(store, share(&id, r, "alice", user("zed"), AccessLevel::Viewer));
            b(store.delete(&sid(&id), &pid("alice"), t(2))).unwrap();
        },
    );
    assert!(got.windows(2).all(|w| w[0].revision < w[1].revision), "log: by revision, no repeat");
    assert_eq!(got[..whole_before.len()], whole_before[..], "log: nothing skipped");
    assert_eq!(got, resource_log(store, r).items, "log: entries written meanwhile come at the end");
}

/// A share created under an id that was used and deleted before starts a log of its own:
/// `log_for_share` does not show the earlier share's entries (which stay in the resource's
/// log).
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::{conformance, Page}};
///
/// let store = MemoryStore::new();
/// conformance::id_reuse_starts_a_fresh_log(&store);
/// let log = pollster::block_on(store.log_for_share(&"s1".parse()?, &Page::ALL))?;
/// assert_eq!(log.total, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn id_reuse_starts_a_fresh_log(store: &dyn ShareStore) {
    create(store, share("s1", "folder:f1", "alice", user("bob"), AccessLevel::Viewer));
    b(store.update(&sid("s1"), 1, &to_level(Level::Editor), &pid("alice"), t(1))).unwrap();
    b(store.delete(&sid("s1"), &pid("alice"), t(2))).unwrap();
    assert_eq!(
        events(&share_log(store, "s1")),
        ["created", "changed", "deleted"],
        "a deleted share's log"
    );
    let again = b(store.create(
        share("s1", "document:d1", "bob", user("carol"), AccessLevel::Viewer),
        &pid("bob"),
        t(3),
    ))
    .unwrap();
    let log = share_log(store, "s1");
    assert_eq!(events(&log), ["created"], "the new share's log starts afresh");
    assert_eq!((log[0].revision, &log[0].resource), (again.revision, &res("document:d1")));
    assert_eq!(resource_log(store, "folder:f1").total, 3, "the old entries stay");
    b(store.delete(&sid("s1"), &pid("bob"), t(4))).unwrap();
    create(store, share("s1", "folder:f1", "alice", user("bob"), AccessLevel::Viewer));
    assert_eq!(events(&share_log(store, "s1")), ["created"], "and again on the first resource");
    assert_eq!(resource_log(store, "folder:f1").total, 4);
}

/// Every time the model accepts ([`EARLIEST_TIME`](crate::model::EARLIEST_TIME) to
/// [`LATEST_TIME`](crate::model::LATEST_TIME), to the nanosecond) is stored and read back as
/// it was — created, expiry, last visit and log times — and a share expiring at the far end
/// leaves its resource's reads working (a store once wrote year 10000 in a form it could not
/// read back). A property: cases drawn over the whole range, bounds included.
///
/// ```
/// use shareguard::{MemoryStore, store::conformance};
///
/// conformance::times_round_trip_across_the_model_range(&MemoryStore::new());
/// ```
pub fn times_round_trip_across_the_model_range(store: &dyn ShareStore) {
    use crate::model::{EARLIEST_TIME, LATEST_TIME};
    let span = (LATEST_TIME - EARLIEST_TIME).num_seconds();
    let instant = (0..=span, 0u32..1_000_000_000).prop_map(move |(secs, nanos)| {
        let t = EARLIEST_TIME + Duration::seconds(secs) + Duration::nanoseconds(i64::from(nanos));
        t.min(LATEST_TIME)
    });
    let edges = prop_oneof![
        Just(EARLIEST_TIME),
        Just(LATEST_TIME),
        Just(LATEST_TIME - Duration::nanoseconds(1)),
        Just(EARLIEST_TIME + Duration::nanoseconds(1)),
        instant,
    ];
    let counter = std::sync::atomic::AtomicU64::new(0);
    let mut runner = TestRunner::new(Config { cases: 24, ..Config::default() });
    let result = runner.run(&(edges.clone(), edges.clone(), edges), |(a, b2, c)| {
        let mut times = [a, b2, c];
        times.sort();
        let [created, visited, expires] = times;
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let id = format!("t{n}");
        let resource = format!("folder:t{n}");
        let made = share(&id, &resource, "alice", user("bob"), AccessLevel::Viewer);
        let made = crate::model::Share::new(
            made.id().clone(),
            made.resource().clone(),
            made.sharer().clone(),
            made.recipient().clone(),
            made.access(),
            created,
        )
        .with_expiry(Some(expires));
        let applied = b(store.create(made.clone(), &pid("alice"), created)).unwrap();
        prop_assert_eq!(applied.share.created(), created);
        let visited_share = b(store.record_visit(&sid(&id), &pid("bob"), visited)).unwrap();
        prop_assert_eq!(visited_share.share.usage().last_visit, Some(visited));
        let back = b(store.get(&sid(&id))).unwrap().unwrap();
        prop_assert_eq!((back.created(), back.expires()), (created, Some(expires)));
        prop_assert_eq!(back.usage().last_visit, Some(visited));
        let on = b(store.shares_on(&[res(&resource)])).unwrap();
        prop_assert_eq!(on[0].0.len(), 1, "the resource's reads work");
        let log = resource_log(store, &resource).items;
        prop_assert_eq!(log.iter().map(|e| e.at).collect::<Vec<_>>(), vec![created, visited]);
        Ok(())
    });
    if let Err(e) = result {
        panic!("times round trip: {e}");
    }
}

/// No log entry carries a link's token: a link recipient granted (`access_added`) or revoked
/// (`access_removed`) is logged by its digest alone, even when the share keeps the token.
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::conformance};
///
/// let store = MemoryStore::new();
/// conformance::no_token_in_any_log_entry(&store);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn no_token_in_any_log_entry(store: &dyn ShareStore) {
    let secret = "tok-secret-4f7a";
    let recipient = link(secret, true);
    let r = "document:d1";
    let added = Write::Create {
        share: share("l1", r, "alice", recipient.clone(), AccessLevel::Viewer),
        event: LogEvent::AccessAdded { recipient: recipient.clone() },
    };
    applies(store, added, &Precondition::none(), "alice", t(1)).unwrap();
    let readded = Write::Update {
        id: sid("l1"),
        version: 1,
        patch: to_level(Level::Editor),
        event: Some(LogEvent::AccessAdded { recipient: recipient.clone() }),
    };
    applies(store, readded, &Precondition::none(), "alice", t(2)).unwrap();
    let kept = b(store.get(&sid("l1"))).unwrap().unwrap();
    assert!(
        matches!(kept.recipient(), Recipient::Link(l) if l.token().is_some()),
        "a retrievable link keeps its token in the share"
    );
    let outcomes =
        b(store.revoke_batch(&res(r), std::slice::from_ref(&recipient), &pid("alice"), t(3)))
            .unwrap();
    removed(&outcomes[0]);
    let digest: LinkDigest = token(secret).digest();
    let mut entries = resource_log(store, r).items;
    entries.extend(b(store.changes_since(Revision::ZERO, 100)).unwrap());
    assert_eq!(events(&entries[..3]), ["access_added", "access_added", "access_removed"]);
    for entry in &entries {
        if let LogEvent::AccessAdded { recipient } | LogEvent::AccessRemoved { recipient } =
            &entry.event
        {
            match recipient {
                Recipient::Link(l) => {
                    assert!(l.token().is_none(), "{}: a token in the log", entry.event.name());
                    assert_eq!(l.digest(), &digest, "the link is logged by its digest");
                }
                other => panic!("the link recipient is logged as a link, got {other}"),
            }
        }
        assert!(!format!("{entry} {entry:?}").contains(secret), "the token in a log entry");
    }
}

// ---------------------------------------------------------------------------------------------
// Links, invitations, scheduled shares, inheritance cuts (SEMANTICS.md sections 8-10)

fn link_to(text: &str, retrievable: bool, audience: Audience) -> Recipient {
    Recipient::Link(ShareLink::new(&token(text), retrievable).with_audience(audience))
}

fn people(addresses: &[&str]) -> Audience {
    Audience::people(addresses.iter().map(|a| a.parse::<Email>().unwrap())).unwrap()
}

fn password(text: &str) -> LinkPassword {
    LinkPassword::hash(&Password::new(text).unwrap()).unwrap()
}

/// The shares of the new fields' checks: every new field set, and a link of each audience,
/// retrievable or not.
fn new_field_shares() -> Vec<Share> {
    let starts = t(100) + Duration::nanoseconds(7);
    vec![
        share("a-invite", "folder:f1", "alice", user("bob"), AccessLevel::Editor)
            .with_start(Some(starts))
            .with_pending(true)
            .with_expiry(Some(t(200))),
        share("b-limited", "document:d1", "alice", link("tok-b", false), AccessLevel::Viewer)
            .with_max_uses(Some(3))
            .with_password(Some(password("s3cret"))),
        share(
            "c-org-kept",
            "document:d1",
            "alice",
            link_to("tok-c", true, Audience::Organization),
            AccessLevel::Viewer,
        ),
        share(
            "d-people",
            "document:d2",
            "alice",
            link_to("tok-d", false, people(&["ann@partner.example", "Bob@Corp.example"])),
            AccessLevel::Viewer,
        ),
        share(
            "e-people-kept",
            "document:d2",
            "alice",
            link_to("tok-e", true, people(&["carol@partner.example"])),
            AccessLevel::Viewer,
        )
        .with_max_uses(Some(1)),
        share(
            "f-org",
            "document:d2",
            "alice",
            link_to("tok-f", false, Audience::Organization),
            AccessLevel::Viewer,
        ),
    ]
}

/// The fields of sections 8 and 9 round-trip through create, get, list, `shares_on` and
/// update: `starts` (to the nanosecond), `pending`, `max_uses`, `password` (compared by its
/// hash), a link's audience of each kind, and a retrievable link's token with its audience
/// (found again by `find_link`). An update sets, changes and removes the start, the limit and
/// the password, and keeps what it does not name.
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::conformance};
///
/// let store = MemoryStore::new();
/// conformance::new_fields_round_trip(&store);
/// let invite = pollster::block_on(store.get(&"a-invite".parse()?))?.ok_or("stored")?;
/// assert!(invite.is_pending());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn new_fields_round_trip(store: &dyn ShareStore) {
    let made = new_field_shares();
    for share in &made {
        let stored = b(store.create(share.clone(), &pid("alice"), t(1))).unwrap().share;
        assert_eq!(&stored, share, "{}: create returns the share as given", share.id());
        let back = b(store.get(share.id())).unwrap().unwrap();
        assert_eq!(&back, share, "{}: get returns it, every new field included", share.id());
        assert_eq!(
            (back.starts(), back.is_pending(), back.max_uses(), back.password()),
            (share.starts(), share.is_pending(), share.max_uses(), share.password()),
            "{}: start, pending, use limit, password",
            share.id()
        );
        match (back.recipient(), share.recipient()) {
            (Recipient::Link(got), Recipient::Link(given)) => {
                assert_eq!(got.audience(), given.audience(), "{}: the audience", share.id());
                assert_eq!(
                    got.token().map(LinkToken::reveal),
                    given.token().map(LinkToken::reveal),
                    "{}: a retrievable link keeps its token, another none",
                    share.id()
                );
            }
            (got, given) => assert_eq!(got, given),
        }
    }
    assert_eq!(everything(store), made, "list returns them all as made");
    let on = b(store.shares_on(&[res("document:d1"), res("document:d2")])).unwrap();
    let mut on: Vec<Share> = on.into_iter().flat_map(|(shares, _)| shares).collect();
    on.sort_by(|a, b| a.id().cmp(b.id()));
    assert_eq!(on, made[1..], "shares_on returns them as made");
    for (text, id, audience) in [
        ("tok-c", "c-org-kept", Audience::Organization),
        ("tok-e", "e-people-kept", people(&["carol@partner.example"])),
        ("tok-d", "d-people", people(&["ann@partner.example", "Bob@Corp.example"])),
    ] {
        let found = b(store.find_link(&token(text).digest())).unwrap().unwrap();
        assert_eq!(found.id().as_str(), id);
        match found.recipient() {
            Recipient::Link(l) => {
                assert_eq!(l.audience(), &audience, "{id}: find_link keeps the audience");
                let kept = id.ends_with("kept").then_some(text);
                assert_eq!(l.token().map(LinkToken::reveal), kept, "{id}: the token as kept");
            }
            other => panic!("{id}: a link, got {other}"),
        }
    }

    // Updates set, change and remove the new fields.
    let other = password("other");
    let patch = SharePatch {
        starts: Some(Some(t(50))),
        max_uses: Some(Some(5)),
        password: Some(Some(other.clone())),
        ..SharePatch::default()
    };
    let changed = b(store.update(&sid("b-limited"), 1, &patch, &pid("alice"), t(2))).unwrap().share;
    assert_eq!(
        (changed.starts(), changed.max_uses(), changed.password()),
        (Some(t(50)), Some(5), Some(&other)),
        "an update sets the start, the limit and the password"
    );
    assert_ne!(changed.password(), made[1].password(), "a new hash is another password");
    assert_eq!(b(store.get(&sid("b-limited"))).unwrap(), Some(changed.clone()), "and keeps them");
    let patch = SharePatch {
        starts: Some(None),
        max_uses: Some(None),
        password: Some(None),
        ..SharePatch::default()
    };
    let cleared = b(store.update(&sid("b-limited"), 2, &patch, &pid("alice"), t(3))).unwrap().share;
    assert_eq!((cleared.starts(), cleared.max_uses(), cleared.password()), (None, None, None));
    assert_eq!(b(store.get(&sid("b-limited"))).unwrap(), Some(cleared), "removed for good");
    let invite =
        b(store.update(&sid("a-invite"), 1, &to_level(Level::Viewer), &pid("alice"), t(4)))
            .unwrap()
            .share;
    assert_eq!(
        (invite.starts(), invite.is_pending(), invite.expires()),
        (made[0].starts(), true, Some(t(200))),
        "an update keeps the fields it does not name"
    );
    assert_eq!(b(store.get(&sid("a-invite"))).unwrap(), Some(invite));
}

/// [`Write::Accept`] ends a pending share: not pending any more, version bumped, `accepted`
/// logged with the actor and time, the resource's revision moved. It is refused — with
/// nothing changed or logged — for a share that is not pending, a pending share that has
/// expired (or expires at that very instant), and a missing share ([`StoreError::NotFound`]).
/// Declining is [`Write::Delete`] with [`LogEvent::Declined`]: the share is gone, `declined`
/// logged.
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::{conformance, Page}};
///
/// let store = MemoryStore::new();
/// conformance::accept_and_decline(&store);
/// let log = pollster::block_on(store.log_for_share(&"p1".parse()?, &Page::ALL))?;
/// let events: Vec<_> = log.items.iter().map(|e| e.event.name()).collect();
/// assert_eq!(events, ["created", "accepted"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn accept_and_decline(store: &dyn ShareStore) {
    let r = "folder:f1";
    let accept = |id: &str, at| {
        applies(store, Write::Accept { id: sid(id) }, &Precondition::none(), "bob", at)
    };
    create(store, share("p1", r, "alice", user("bob"), AccessLevel::Editor).with_pending(true));
    create(
        store,
        share("p2", r, "alice", user("bob"), AccessLevel::Viewer)
            .with_pending(true)
            .with_expiry(Some(t(5))),
    );
    create(store, share("plain", r, "alice", user("bob"), AccessLevel::Viewer));
    create(
        store,
        share("p3", r, "alice", email("bob@corp.example"), AccessLevel::Viewer).with_pending(true),
    );

    let accepted = accept("p1", t(3)).unwrap();
    assert!(!accepted.share.is_pending(), "accepted: no longer pending");
    assert_eq!(accepted.share.version(), 2, "accepting bumps the version");
    assert_eq!(b(store.get(&sid("p1"))).unwrap(), Some(accepted.share.clone()));
    assert_eq!(revisions_of(store, &[r]), [accepted.revision], "accepting is a write");
    let log = share_log(store, "p1");
    assert_eq!(events(&log), ["created", "accepted"]);
    assert_eq!(
        (log[1].actor.as_str(), log[1].at, log[1].revision),
        ("bob", t(3), accepted.revision)
    );

    let before = snapshot(store, &[r]);
    for (id, at, why) in [
        ("p1", t(4), "an accepted share is not pending"),
        ("plain", t(4), "a share that never was pending"),
        ("p2", t(5), "a pending share expiring at that instant"),
        ("p2", t(6), "a pending share that has expired"),
    ] {
        assert!(matches!(accept(id, at), Err(StoreError::Invalid(_))), "{why}: refused");
        assert_eq!(snapshot(store, &[r]), before, "{why}: nothing changed or logged");
    }
    assert!(matches!(accept("nope", t(4)), Err(StoreError::NotFound(_))));
    assert_eq!(snapshot(store, &[r]), before, "a missing share: nothing changed");

    let decline = Write::Delete { id: sid("p3"), version: Some(1), event: LogEvent::Declined };
    let declined = applies(store, decline, &Precondition::none(), "bob", t(7)).unwrap();
    assert_eq!(b(store.get(&sid("p3"))).unwrap(), None, "declining deletes the share");
    let log = share_log(store, "p3");
    assert_eq!(events(&log), ["created", "declined"]);
    assert_eq!((log[1].actor.as_str(), log[1].revision), ("bob", declined.revision));
}

/// [`ShareStore::note`] logs an entry about a resource, naming no share, if its precondition
/// holds: at the next store revision, in the resource's log and the change feed, in no
/// share's log; it moves the resource's revision on, so a decision read before it is refused
/// with [`StoreError::Changed`] — a write or another note. A stale note logs nothing. A
/// resource with no shares can be noted.
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::{conformance, Page}};
///
/// let store = MemoryStore::new();
/// conformance::note_logs_about_a_resource(&store);
/// let log = pollster::block_on(store.log_for_resource(&"folder:f1".parse()?, &Page::ALL))?;
/// assert!(log.items.iter().any(|e| e.share.is_none()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn note_logs_about_a_resource(store: &dyn ShareStore) {
    let r = "folder:f1";
    create(store, share("s1", r, "alice", user("bob"), AccessLevel::Viewer));
    let read = revisions_of(store, &[r])[0];
    let pre = Precondition::from_iter([(res(r), read)]);
    let noted =
        b(store.note(&res(r), LogEvent::InheritanceCut, &pre, &pid("alice"), t(2))).unwrap();
    assert!(noted > read, "a note is a write at the next revision");
    assert_eq!((revision(store), revisions_of(store, &[r])[0]), (noted, noted));
    let log = resource_log(store, r).items;
    assert_eq!(events(&log), ["created", "inheritance_cut"]);
    let entry = &log[1];
    assert_eq!(
        (&entry.share, &entry.resource, entry.actor.as_str(), entry.at, entry.revision),
        (&None, &res(r), "alice", t(2), noted),
        "the entry names no share"
    );
    let feed = b(store.changes_since(read, 10)).unwrap();
    assert_eq!(feed, std::slice::from_ref(entry), "the change feed has it");
    assert_eq!(events(&share_log(store, "s1")), ["created"], "no share's log has it");

    // A decision read before the note is stale.
    let new = Write::Create {
        share: share("s2", r, "alice", user("carol"), AccessLevel::Viewer),
        event: LogEvent::Created,
    };
    assert!(
        matches!(applies(store, new, &pre, "alice", t(3)), Err(StoreError::Changed { .. })),
        "a write read before the note is refused"
    );
    let before = snapshot(store, &[r]);
    assert!(
        matches!(
            b(store.note(&res(r), LogEvent::InheritanceRestored, &pre, &pid("alice"), t(3))),
            Err(StoreError::Changed { .. })
        ),
        "a stale note is refused"
    );
    assert_eq!(snapshot(store, &[r]), before, "and logs nothing");
    let fresh = Precondition::from_iter([(res(r), noted)]);
    let restored =
        b(store.note(&res(r), LogEvent::InheritanceRestored, &fresh, &pid("alice"), t(4))).unwrap();
    assert_eq!(revisions_of(store, &[r])[0], restored);

    // A resource without shares.
    let empty = Precondition::from_iter([(res("folder:bare"), Revision::ZERO)]);
    let bare =
        b(store.note(&res("folder:bare"), LogEvent::InheritanceCut, &empty, &pid("alice"), t(5)))
            .unwrap();
    assert_eq!(revisions_of(store, &["folder:bare"]), [bare]);
    assert_eq!(events(&resource_log(store, "folder:bare").items), ["inheritance_cut"]);
}

/// How many uses a raced link allows, and how many tasks race for them.
const LIMIT: u64 = 5;
const RACERS: usize = 48;

/// Use limits under races: a link with `max_uses: 5` and 48 threads, released together,
/// each recording one use ([`Write::Visit`]). Exactly 5 succeed, the other 43 get
/// [`StoreError::UsedUp`], and the link ends with 5 visits and 5 `visited` entries, used up. A
/// store that reads, checks and writes a use without holding its write lock across the three
/// lets more through and fails this check.
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::conformance};
///
/// let store = MemoryStore::new();
/// conformance::use_limit_under_races(&store);
/// let link = pollster::block_on(store.get(&"once".parse()?))?.ok_or("stored")?;
/// assert_eq!(link.usage().visits, 5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn use_limit_under_races(store: &dyn ShareStore) {
    create(
        store,
        share("once", "document:d1", "alice", link("tok-race", false), AccessLevel::Viewer)
            .with_max_uses(Some(LIMIT)),
    );
    let start = std::sync::Barrier::new(RACERS);
    let results: Vec<Result<Applied, StoreError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..RACERS)
            .map(|i| {
                let start = &start;
                scope.spawn(move || {
                    start.wait();
                    let at = t(10) + Duration::milliseconds(i64::try_from(i).unwrap_or(0));
                    b(store.apply(
                        Write::Visit { id: sid("once") },
                        &Precondition::none(),
                        &pid(&format!("v{i}")),
                        at,
                    ))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a racing task panicked")).collect()
    });
    let won = results.iter().filter(|r| r.is_ok()).count();
    let refused = results.iter().filter(|r| matches!(r, Err(StoreError::UsedUp(_)))).count();
    let other: Vec<String> = results
        .iter()
        .filter_map(|r| match r {
            Ok(_) | Err(StoreError::UsedUp(_)) => None,
            Err(e) => Some(e.to_string()),
        })
        .collect();
    assert!(other.is_empty(), "a raced use fails only as used up: {other:?}");
    assert_eq!(
        (won, refused),
        (LIMIT as usize, RACERS - LIMIT as usize),
        "exactly `max_uses` of {RACERS} racing uses succeed, the rest are used up"
    );
    let mut counts: Vec<u64> =
        results.iter().filter_map(|r| r.as_ref().ok()).map(|a| a.share.usage().visits).collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=LIMIT).collect::<Vec<_>>(), "each use saw the count before it");
    let link = b(store.get(&sid("once"))).unwrap().unwrap();
    assert_eq!(link.usage().visits, LIMIT, "the link ends with `max_uses` visits");
    assert!(link.is_used_up());
    let log = share_log(store, "once");
    assert_eq!(
        log.iter().filter(|e| e.event == LogEvent::Visited).count(),
        LIMIT as usize,
        "one `visited` entry per use that succeeded"
    );
    assert!(
        matches!(
            b(store.record_visit(&sid("once"), &pid("late"), t(20))),
            Err(StoreError::UsedUp(_))
        ),
        "a used-up link refuses a later use"
    );
}

/// A used-up link counts as expired: [`ShareStore::expired`] lists it (with the shares whose
/// expiry has passed, by share id, a share both expired and used up once, within `limit`),
/// whatever its expiry, and [`ShareStore::sweep_expired`] removes it, logging `expired`. A
/// link below its limit is not listed.
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::conformance};
///
/// let store = MemoryStore::new();
/// conformance::expired_includes_used_up_links(&store);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn expired_includes_used_up_links(store: &dyn ShareStore) {
    let r = "document:d1";
    let limited = |id: &str, text: &str, max| {
        share(id, r, "alice", link(text, false), AccessLevel::Viewer).with_max_uses(Some(max))
    };
    create(store, limited("b-used", "tok-1", 1));
    create(store, limited("d-left", "tok-2", 2));
    create(store, limited("a-both", "tok-3", 1).with_expiry(Some(t(5))));
    create(store, limited("e-later", "tok-4", 1).with_expiry(Some(t(500))));
    create(
        store,
        share("c-time", r, "alice", user("bob"), AccessLevel::Viewer).with_expiry(Some(t(5))),
    );
    for id in ["b-used", "d-left", "a-both", "e-later"] {
        b(store.record_visit(&sid(id), &pid("v"), t(1))).unwrap();
    }
    let at = t(10);
    assert_eq!(
        ids(&b(store.expired(at, 10)).unwrap()),
        ["a-both", "b-used", "c-time", "e-later"],
        "expired by time or used up, by share id, each once"
    );
    assert_eq!(ids(&b(store.expired(at, 2)).unwrap()), ["a-both", "b-used"], "within the limit");
    assert_eq!(
        ids(&b(store.expired(t(0), 10)).unwrap()),
        ["a-both", "b-used", "e-later"],
        "used up before any expiry"
    );
    let swept = b(store.sweep_expired(at, &pid("sweeper"))).unwrap();
    assert_eq!(ids(&swept), ["a-both", "b-used", "c-time", "e-later"]);
    assert_eq!(ids(&everything(store)), ["d-left"], "the sweep removes used-up links");
    assert_eq!(events(&share_log(store, "b-used")), ["created", "visited", "expired"]);
}

/// The state filter ([`ShareFilter::state`]) lists, for each of the four states, exactly the
/// shares in that state at the instant given — the first of expired (used up included),
/// pending, scheduled, active that holds: a pending share that has expired is expired, a
/// pending share not yet started is pending, a used-up link not yet started is expired; a
/// start or an expiry at exactly that instant has started or expired. With another filter
/// too, and the same as the model's [`Share::state`].
///
/// ```
/// use shareguard::{MemoryStore, ShareStore, store::conformance};
///
/// conformance::state_filter_each_state(&MemoryStore::new());
/// ```
pub fn state_filter_each_state(store: &dyn ShareStore) {
    let at = t(100);
    let (r1, r2) = ("folder:f1", "folder:f2");
    let plain = |id: &str, r: &str| share(id, r, "alice", user(id), AccessLevel::Viewer);
    let limited = |id: &str, max| {
        share(id, r2, "alice", link(&format!("tok-{id}"), false), AccessLevel::Viewer)
            .with_max_uses(Some(max))
    };
    let made = [
        plain("active", r1),
        plain("started-now", r1).with_start(Some(at)),
        plain("started-before", r2).with_start(Some(t(50))).with_expiry(Some(t(101))),
        limited("limit-left", 2),
        plain("expired", r1).with_expiry(Some(t(50))),
        plain("expires-now", r2).with_expiry(Some(at)),
        limited("used-up", 1),
        limited("used-up-later", 1).with_start(Some(t(200))),
        plain("pending-expired", r1).with_pending(true).with_expiry(Some(t(99))),
        plain("pending", r1).with_pending(true),
        plain("pending-later", r2).with_pending(true).with_start(Some(t(200))),
        plain("scheduled", r1).with_start(Some(at + Duration::nanoseconds(1))),
        plain("scheduled-far", r2).with_start(Some(t(900))).with_expiry(Some(t(1000))),
    ];
    for share in made {
        create(store, share);
    }
    for id in ["limit-left", "used-up", "used-up-later"] {
        b(store.record_visit(&sid(id), &pid("v"), t(1))).unwrap();
    }
    let expected = [
        (
            ShareState::Expired,
            vec!["expired", "expires-now", "pending-expired", "used-up", "used-up-later"],
        ),
        (ShareState::Pending, vec!["pending", "pending-later"]),
        (ShareState::Scheduled, vec!["scheduled", "scheduled-far"]),
        (ShareState::Active, vec!["active", "limit-left", "started-before", "started-now"]),
    ];
    let all = everything(store);
    for (state, names) in expected {
        let want = sorted(&names);
        let model: Vec<String> =
            ids(&all.iter().filter(|s| s.state(at) == state).cloned().collect::<Vec<_>>());
        assert_eq!(model, want, "{state:?}: the model's own view (the check's premise)");
        let filter = ShareFilter { state: Some((state, at)), ..ShareFilter::default() };
        assert_eq!(listed(store, &filter), want, "the shares {state:?} at the instant");
        let on_r2 = ShareFilter { resource: Some(res(r2)), ..filter.clone() };
        let want_r2: Vec<String> = all
            .iter()
            .filter(|s| s.resource() == &res(r2) && s.state(at) == state)
            .map(|s| s.id().to_string())
            .collect();
        assert_eq!(listed(store, &on_r2), want_r2, "{state:?} on one resource");
        let first = b(store.list(&filter, &Page::first(1))).unwrap();
        assert_eq!(first.total, want.len(), "{state:?}: a page's total counts them all");
    }
}

// ---------------------------------------------------------------------------------------------
// Races through the facade

/// How long a race waits for the other side before it gives up (never reached by a store
/// that keeps its promises; it bounds a broken one).
const WAIT: std::time::Duration = std::time::Duration::from_secs(30);

enum Signal {
    /// The paused request reached its write.
    Paused,
    /// The paused request finished.
    Done,
}

/// A store that forwards every call to another, except that its first `apply` first says so
/// and waits to be released: the facade over it is held between its decision and its write.
struct Pausing {
    inner: Box<dyn ShareStore>,
    gate: Mutex<Option<(mpsc::Sender<Signal>, mpsc::Receiver<()>)>>,
}

#[async_trait]
impl ShareStore for Pausing {
    async fn apply(
        &self,
        write: Write,
        pre: &Precondition,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Applied, StoreError> {
        let gate = self.gate.lock().map(|mut g| g.take()).unwrap_or_default();
        if let Some((paused, release)) = gate {
            let _ = paused.send(Signal::Paused);
            if release.recv_timeout(WAIT).is_err() {
                return Err(StoreError::Backend(
                    "conformance: the paused write was never released".into(),
                ));
            }
        }
        self.inner.apply(write, pre, actor, at).await
    }
    async fn note(
        &self,
        resource: &ResourceRef,
        event: LogEvent,
        pre: &Precondition,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Revision, StoreError> {
        self.inner.note(resource, event, pre, actor, at).await
    }
    async fn get(&self, id: &ShareId) -> Result<Option<Share>, StoreError> {
        self.inner.get(id).await
    }
    async fn read_path(
        &self,
        resources: &[ResourceRef],
        at_least: Revision,
        read: &mut PathReader<'_>,
    ) -> Result<(), StoreError> {
        self.inner.read_path(resources, at_least, read).await
    }
    async fn shares_reaching(
        &self,
        principal: &Principal,
        include_public: bool,
        page: &Page,
    ) -> Result<Paged<Share>, StoreError> {
        self.inner.shares_reaching(principal, include_public, page).await
    }
    async fn list(&self, filter: &ShareFilter, page: &Page) -> Result<Paged<Share>, StoreError> {
        self.inner.list(filter, page).await
    }
    async fn find_link(&self, digest: &LinkDigest) -> Result<Option<Share>, StoreError> {
        self.inner.find_link(digest).await
    }
    async fn log_for_share(
        &self,
        id: &ShareId,
        page: &Page,
    ) -> Result<Paged<LogEntry>, StoreError> {
        self.inner.log_for_share(id, page).await
    }
    async fn log_for_resource(
        &self,
        resource: &ResourceRef,
        page: &Page,
    ) -> Result<Paged<LogEntry>, StoreError> {
        self.inner.log_for_resource(resource, page).await
    }
    async fn changes_since(
        &self,
        after: Revision,
        limit: usize,
    ) -> Result<Vec<LogEntry>, StoreError> {
        self.inner.changes_since(after, limit).await
    }
    async fn revision(&self) -> Result<Revision, StoreError> {
        self.inner.revision().await
    }
    async fn expired(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Share>, StoreError> {
        self.inner.expired(now, limit).await
    }
}

type Facade = Admin<Box<dyn ShareStore>, Hierarchy>;

/// One race: shares stored first, then request `a` (held between its decision and its
/// write) and request `b` (run meanwhile); each request says what it got, as text.
struct Race {
    name: &'static str,
    setup: fn(&dyn ShareStore),
    a: fn(&Facade) -> String,
    b: fn(&Facade) -> String,
}

/// What a race ended with: A's result, B's result, and every share (without ids, which a
/// create draws at random).
type Ending = (String, String, Vec<String>);

fn tree() -> Hierarchy {
    let mut tree = Hierarchy::new();
    tree.add(res("folder:f1"), None, Some(pid("alice"))).unwrap();
    tree.add(res("document:d1"), Some(res("folder:f1")), None).unwrap();
    tree
}

fn facade(store: Box<dyn ShareStore>) -> Facade {
    Admin::new(store, tree(), Policy::default())
}

fn outcome<T>(result: Result<T, AdminError>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(AdminError::Denied(d)) => format!("denied ({})", d.reason().code()),
        Err(AdminError::Busy) => "busy".into(),
        Err(AdminError::Store(e)) => format!("store: {}", error_kind(&Err::<(), _>(e))),
        Err(other) => format!("error: {other}"),
    }
}

fn batch(result: Result<Vec<BatchOutcome>, AdminError>) -> String {
    let outcomes = match result {
        Ok(outcomes) => outcomes,
        Err(e) => return outcome::<()>(Err(e)),
    };
    let kinds: Vec<String> = outcomes
        .iter()
        .map(|o| match o {
            BatchOutcome::Created { .. } => "created".into(),
            BatchOutcome::Updated { .. } => "updated".into(),
            BatchOutcome::Removed { shares, .. } => format!("removed {}", shares.len()),
            BatchOutcome::Denied { decision } => format!("denied ({})", decision.reason().code()),
            BatchOutcome::Error { message } if message.starts_with("busy") => "busy".into(),
            BatchOutcome::Error { .. } => "error".into(),
        })
        .collect();
    format!("[{}]", kinds.join(", "))
}

fn shares_as_text(store: &dyn ShareStore) -> Vec<String> {
    let mut all: Vec<String> = everything(store)
        .iter()
        .map(|s| {
            format!(
                "{} {} -> {} {:?} reshare {:?} expires {:?} v{}",
                s.resource(),
                s.sharer(),
                s.recipient(),
                s.access(),
                s.reshare(),
                s.expires(),
                s.version()
            )
        })
        .collect();
    all.sort();
    all
}

/// The requests one after the other on one handle: `a` first, or `b` first, or `b` alone.
fn serially(make_pair: &PairFactory<'_>, race: &Race, order: &str) -> Ending {
    let (one, _other) = make_pair();
    (race.setup)(one.as_ref());
    let admin = facade(one);
    let (a, b) = match order {
        "a, b" => {
            let a = (race.a)(&admin);
            (a, (race.b)(&admin))
        }
        "b, a" => {
            let b = (race.b)(&admin);
            ((race.a)(&admin), b)
        }
        _ => ("not run".into(), (race.b)(&admin)),
    };
    (a, b, shares_as_text(admin.store().as_ref()))
}

/// Request `a` on its own thread over the first handle, held after its decision; `b` run to
/// completion over the second; then `a` released.
fn raced(make_pair: &PairFactory<'_>, race: &Race) -> Ending {
    let (first, second) = make_pair();
    (race.setup)(first.as_ref());
    let (signal, signals) = mpsc::channel();
    let (release, released) = mpsc::channel();
    let done = signal.clone();
    let paused: Box<dyn ShareStore> =
        Box::new(Pausing { inner: first, gate: Mutex::new(Some((signal, released))) });
    let admin_a = facade(paused);
    let admin_b = facade(second);
    let name = race.name;
    std::thread::scope(|scope| {
        let admin_a = &admin_a;
        let a = race.a;
        let handle = scope.spawn(move || {
            let got = a(admin_a);
            let _ = done.send(Signal::Done);
            got
        });
        match signals.recv_timeout(WAIT) {
            Ok(Signal::Paused) => {}
            Ok(Signal::Done) => panic!("race `{name}`: request A finished without writing"),
            Err(_) => {
                let _ = release.send(());
                panic!("race `{name}`: request A never reached its write");
            }
        }
        let b = (race.b)(&admin_b);
        let _ = release.send(());
        let a = handle.join().unwrap_or_else(|_| panic!("race `{name}`: request A panicked"));
        (a, b, shares_as_text(admin_b.store().as_ref()))
    })
}

type PairFactory<'a> = dyn Fn() -> (Box<dyn ShareStore>, Box<dyn ShareStore>) + 'a;

fn at() -> DateTime<Utc> {
    t(10)
}

fn races_list() -> Vec<Race> {
    let managers = |store: &dyn ShareStore| {
        let d1 = "document:d1";
        b(store.create(
            share("mb", d1, "alice", user("bob"), AccessLevel::Manager),
            &pid("alice"),
            t(0),
        ))
        .unwrap();
        b(store.create(
            share("mc", d1, "alice", user("carol"), AccessLevel::Manager),
            &pid("alice"),
            t(0),
        ))
        .unwrap();
    };
    vec![
        Race {
            // bob removes the expiry of his re-share to carol (allowed while his own hold
            // on the folder has none) while alice gives his hold an expiry: carol's share
            // must not end up outliving bob's hold unless bob's change came first.
            name: "update: a re-sharer widens while his hold is narrowed",
            setup: |store| {
                let hold = share("h", "folder:f1", "alice", user("bob"), AccessLevel::Editor)
                    .with_reshare(ReshareRights::INTERNAL);
                b(store.create(hold, &pid("alice"), t(0))).unwrap();
                let c = share("c", "document:d1", "bob", user("carol"), AccessLevel::Viewer)
                    .with_expiry(Some(t(50)));
                b(store.create(c, &pid("bob"), t(0))).unwrap();
            },
            a: |admin| {
                let forever = SharePatch { expires: Some(None), ..SharePatch::default() };
                outcome(b(admin.update(&internal("bob"), &sid("c"), 1, &forever, at())))
            },
            b: |admin| {
                let shorter = SharePatch { expires: Some(Some(t(60))), ..SharePatch::default() };
                outcome(b(admin.update(&internal("alice"), &sid("h"), 1, &shorter, at())))
            },
        },
        Race {
            // bob, a manager, turns the restrict on carol back into an editor share while
            // alice takes his management away.
            name: "update: a restricted recipient's share turned back into an editor share",
            setup: |store| {
                b(store.create(
                    share("mb", "document:d1", "alice", user("bob"), AccessLevel::Manager),
                    &pid("alice"),
                    t(0),
                ))
                .unwrap();
                b(store.create(
                    share("r", "document:d1", "alice", user("carol"), AccessLevel::Restrict),
                    &pid("alice"),
                    t(0),
                ))
                .unwrap();
            },
            a: |admin| {
                outcome(b(admin.update(
                    &internal("bob"),
                    &sid("r"),
                    1,
                    &to_level(Level::Editor),
                    at(),
                )))
            },
            b: |admin| {
                outcome(b(admin.update(
                    &internal("alice"),
                    &sid("mb"),
                    1,
                    &to_level(Level::Viewer),
                    at(),
                )))
            },
        },
        Race {
            // Two managers each delete the other's share: only one of them may.
            name: "delete: two managers delete each other's share",
            setup: managers,
            a: |admin| outcome(b(admin.delete(&internal("bob"), &sid("mc"), at()))),
            b: |admin| outcome(b(admin.delete(&internal("carol"), &sid("mb"), at()))),
        },
        Race {
            // bob leaves his share while alice turns it into a restrict on him.
            name: "leave: a share that has just become a restrict",
            setup: |store| {
                b(store.create(
                    share("l", "document:d1", "alice", user("bob"), AccessLevel::Viewer),
                    &pid("alice"),
                    t(0),
                ))
                .unwrap();
            },
            a: |admin| outcome(b(admin.leave(&internal("bob"), &sid("l"), at()))),
            b: |admin| {
                outcome(b(admin.update(
                    &internal("alice"),
                    &sid("l"),
                    1,
                    &to_level(Level::Restrict),
                    at(),
                )))
            },
        },
        Race {
            // bob re-grants carol the access his existing share gives her (an update, which
            // his being its sharer allows) while alice deletes that share: a grant that now
            // creates must pass the create checks, which bob (a plain viewer) fails.
            name: "grant_batch: the actor's existing share deleted meanwhile",
            setup: |store| {
                b(store.create(
                    share("hb", "document:d1", "alice", user("bob"), AccessLevel::Viewer),
                    &pid("alice"),
                    t(0),
                ))
                .unwrap();
                b(store.create(
                    share("x", "document:d1", "bob", user("carol"), AccessLevel::Viewer),
                    &pid("bob"),
                    t(0),
                ))
                .unwrap();
            },
            a: |admin| {
                let items = [grant(user("carol"), AccessLevel::Viewer)];
                batch(b(admin.grant_batch(&internal("bob"), &res("document:d1"), &items, at())))
            },
            b: |admin| outcome(b(admin.delete(&internal("alice"), &sid("x"), at()))),
        },
        Race {
            // Two managers each revoke the other: only one of them may.
            name: "revoke_batch: two managers revoke each other",
            setup: managers,
            a: |admin| {
                batch(b(admin.revoke_batch(
                    &internal("bob"),
                    &res("document:d1"),
                    &[user("carol")],
                    at(),
                )))
            },
            b: |admin| {
                batch(b(admin.revoke_batch(
                    &internal("carol"),
                    &res("document:d1"),
                    &[user("bob")],
                    at(),
                )))
            },
        },
        Race {
            // bob shares on with dave while alice revokes both bob and dave.
            name: "create: under a revoke of the actor's access",
            setup: |store| {
                let hold = share("h", "document:d1", "alice", user("bob"), AccessLevel::Editor)
                    .with_reshare(ReshareRights::INTERNAL);
                b(store.create(hold, &pid("alice"), t(0))).unwrap();
            },
            a: |admin| {
                let new = NewShare::new(res("document:d1"), user("dave"), AccessLevel::Viewer);
                outcome(b(admin.create(&internal("bob"), new, at())))
            },
            b: |admin| {
                let gone = [user("bob"), user("dave")];
                batch(b(admin.revoke_batch(&internal("alice"), &res("document:d1"), &gone, at())))
            },
        },
    ]
}

/// Races through the facade ([`Admin`] over a [`Hierarchy`]), over two handles of one store
/// (`make_pair` opens both over the same, fresh, empty data). For each scenario, request A
/// runs on its own thread over the first handle and is held after its decision, before its
/// write; request B runs to completion over the second; then A is released. The result is
/// accepted only if it is what the two requests give in some serial order (A then B, or B
/// then A — which is where a fresh decision's denial after a retry lands), or A gave up
/// ([`AdminError::Busy`]) leaving what B alone gives. Deterministic: channels order the
/// steps, every wait is bounded.
///
/// Scenarios: `update` (a re-sharer widening his re-share while his own hold is narrowed;
/// a restrict turned back into an editor share while the manager doing it is demoted),
/// `delete` and `revoke_batch` (two managers removing each other), `leave` (a share that has
/// just become a `restrict` on the one leaving), `grant_batch` (the actor's existing share
/// deleted meanwhile: the create checks apply), `create` (under a revoke of the actor).
///
/// ```
/// use std::sync::Arc;
/// use shareguard::{MemoryStore, ShareStore, store::conformance};
///
/// conformance::races(&|| {
///     let one = Arc::new(MemoryStore::new());
///     (Box::new(Arc::clone(&one)) as Box<dyn ShareStore>, Box::new(one) as Box<dyn ShareStore>)
/// });
/// ```
pub fn races(make_pair: &dyn Fn() -> (Box<dyn ShareStore>, Box<dyn ShareStore>)) {
    let mut broken = Vec::new();
    for race in races_list() {
        let a_then_b = serially(make_pair, &race, "a, b");
        let b_then_a = serially(make_pair, &race, "b, a");
        assert_ne!(
            a_then_b, b_then_a,
            "race `{}`: the scenario must tell the two orders apart",
            race.name
        );
        let b_alone = serially(make_pair, &race, "b");
        let got = raced(make_pair, &race);
        let gave_up = got.0.contains("busy") && (&got.1, &got.2) == (&b_alone.1, &b_alone.2);
        if !(got == a_then_b || got == b_then_a || gave_up) {
            broken.push(format!(
                "race `{}`: A held between its decision and its write while B ran gave {got:#?}, \
                 which no serial order gives: A then B {a_then_b:#?}, B then A {b_then_a:#?}",
                race.name
            ));
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// The model-based property test

/// One step of a random operation sequence. Indexes choose from the small universes below.
#[derive(Debug, Clone)]
enum Op {
    Create {
        resource: usize,
        sharer: usize,
        recipient: usize,
        access: usize,
        expires: Option<i64>,
    },
    Update {
        pick: usize,
        stale: bool,
        access: Option<usize>,
        expires: Option<Option<i64>>,
        other_recipient: bool,
    },
    Delete {
        pick: usize,
    },
    Grant {
        resource: usize,
        sharer: usize,
        items: Vec<(usize, usize, bool)>,
    },
    Revoke {
        resource: usize,
        recipients: Vec<usize>,
    },
    Visit {
        pick: usize,
    },
    Sweep {
        at: i64,
    },
    List {
        filter: FilterPick,
        count: usize,
        pages: usize,
    },
    SharedWith {
        principal: usize,
        include_public: bool,
        count: usize,
        pages: usize,
    },
}

#[derive(Debug, Clone)]
struct FilterPick {
    resource: Option<usize>,
    sharer: Option<usize>,
    recipient: Option<usize>,
    share_type: Option<usize>,
    public_only: bool,
    state: Option<(bool, i64)>,
}

const RESOURCES: [&str; 3] = ["folder:f1", "document:d1", "document:d2"];
const SHARERS: [&str; 3] = ["alice", "bob", "carol"];
const SHARE_TYPES: [ShareType; 5] =
    [ShareType::User, ShareType::Group, ShareType::Email, ShareType::Public, ShareType::Link];

fn recipients() -> Vec<Recipient> {
    vec![
        user("bob"),
        user("carol"),
        group("eng"),
        Recipient::Role { id: "rep".parse().unwrap() },
        Recipient::RoleAndSubordinates { id: "ceo".parse().unwrap() },
        Recipient::RoleAndInternalSubordinates { id: "ceo".parse().unwrap() },
        Recipient::Organization,
        Recipient::PartnerUsers,
        Recipient::CustomerUsers,
        email("Dan@Ext.Example"),
        email("dan@ext.example"),
        Recipient::Public,
        link("tok-1", false),
    ]
}

fn accesses() -> [AccessLevel; 7] {
    [
        AccessLevel::None,
        AccessLevel::Viewer,
        AccessLevel::Editor,
        AccessLevel::Manager,
        AccessLevel::Custom(Permissions::VIEW | Permissions::COMMENT),
        AccessLevel::Restrict,
        AccessLevel::Custom(Permissions::empty()),
    ]
}

fn patch_levels() -> [(Level, Option<Permissions>); 6] {
    [
        (Level::Viewer, None),
        (Level::Editor, None),
        (Level::Custom, None),
        (Level::Custom, Some(Permissions::VIEW | Permissions::EDIT)),
        (Level::Restrict, None),
        (Level::None, None),
    ]
}

fn principals() -> Vec<Principal> {
    vec![
        Principal::builder("bob", PrincipalKind::Internal)
            .group("eng")
            .role("rep")
            .reports_to("vp")
            .reports_to("ceo")
            .email("DAN@ext.example")
            .build()
            .unwrap(),
        Principal::builder("carol", PrincipalKind::External)
            .role("rep")
            .reports_to("ceo")
            .email("dan@ext.example")
            .build()
            .unwrap(),
        Principal::builder("pat", PrincipalKind::Partner).build().unwrap(),
        Principal::builder("cus", PrincipalKind::Customer).role("rep").build().unwrap(),
        Principal::builder("bob", PrincipalKind::Anonymous)
            .group("eng")
            .link_token(&token("tok-1"))
            .build()
            .unwrap(),
    ]
}

fn op_strategy() -> impl Strategy<Value = Op> {
    let time = 0i64..40;
    prop_oneof![
        4 => (0..RESOURCES.len(), 0..SHARERS.len(), 0..13usize, 0..7usize, proptest::option::of(time.clone()))
            .prop_map(|(resource, sharer, recipient, access, expires)| Op::Create { resource, sharer, recipient, access, expires }),
        3 => (any::<usize>(), proptest::bool::weighted(0.2), proptest::option::of(0..6usize),
              proptest::option::of(proptest::option::of(time.clone())), proptest::bool::weighted(0.1))
            .prop_map(|(pick, stale, access, expires, other_recipient)| Op::Update { pick, stale, access, expires, other_recipient }),
        1 => any::<usize>().prop_map(|pick| Op::Delete { pick }),
        2 => (0..RESOURCES.len(), 0..SHARERS.len(), proptest::collection::vec((0..13usize, 0..7usize, any::<bool>()), 0..4))
            .prop_map(|(resource, sharer, items)| Op::Grant { resource, sharer, items }),
        1 => (0..RESOURCES.len(), proptest::collection::vec(0..13usize, 0..3))
            .prop_map(|(resource, recipients)| Op::Revoke { resource, recipients }),
        2 => any::<usize>().prop_map(|pick| Op::Visit { pick }),
        1 => time.clone().prop_map(|at| Op::Sweep { at }),
        2 => (
                (proptest::option::of(0..RESOURCES.len()), proptest::option::of(0..SHARERS.len()),
                 proptest::option::of(0..13usize), proptest::option::of(0..SHARE_TYPES.len()),
                 proptest::bool::weighted(0.2), proptest::option::of((any::<bool>(), time))),
                0..6usize, 0..6usize,
            )
            .prop_map(|((resource, sharer, recipient, share_type, public_only, state), count, pages)| Op::List {
                filter: FilterPick { resource, sharer, recipient, share_type, public_only, state },
                count,
                pages,
            }),
        2 => (0..5usize, any::<bool>(), 0..6usize, 0..8usize)
            .prop_map(|(principal, include_public, count, pages)| Op::SharedWith { principal, include_public, count, pages }),
    ]
}

/// The plain model: every share in creation order, how many log entries each share has, the
/// store's revision and each resource's.
#[derive(Default)]
struct Model {
    shares: Vec<Share>,
    log: HashMap<ShareId, usize>,
    next_id: usize,
    revision: Revision,
    revisions: HashMap<ResourceRef, Revision>,
}

impl Model {
    /// Records one write to the share: a log entry, and the next revision, which the
    /// share's resource moves to. Returns that revision.
    fn log(&mut self, share: &Share) -> Revision {
        *self.log.entry(share.id().clone()).or_default() += 1;
        self.revision = self.revision.next();
        self.revisions.insert(share.resource().clone(), self.revision);
        self.revision
    }

    /// The shares by id.
    fn by_id(&self) -> Vec<Share> {
        let mut all = self.shares.clone();
        all.sort_by(|a, b| a.id().cmp(b.id()));
        all
    }

    /// The index of a share picked at random, or `None` for "an unknown id" (one pick in
    /// `len + 1`).
    fn pick(&self, pick: usize) -> Option<usize> {
        let i = pick % (self.shares.len() + 1);
        (i < self.shares.len()).then_some(i)
    }

    fn id_of(&self, pick: Option<usize>) -> ShareId {
        pick.and_then(|i| self.shares.get(i)).map_or_else(|| sid("unknown"), |s| s.id().clone())
    }
}

fn error_kind(result: &Result<impl std::fmt::Debug, StoreError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(StoreError::NotFound(_)) => "not_found",
        Err(StoreError::UsedUp(_)) => "used_up",
        Err(StoreError::AlreadyExists(_)) => "already_exists",
        Err(StoreError::Conflict { .. }) => "conflict",
        Err(StoreError::Changed { .. }) => "changed",
        Err(StoreError::NotYet { .. }) => "not_yet",
        Err(StoreError::Invalid(_)) => "invalid",
        Err(StoreError::Backend(_)) => "backend",
        Err(StoreError::Open(_)) => "open",
    }
}

/// Whether a batch grant item is refused before touching anything (the contract's rules).
fn item_fails(item: &GrantItem) -> bool {
    matches!(item.recipient, Recipient::Link(_))
        || matches!(item.resolved_access(), AccessLevel::Restrict)
        || matches!(item.resolved_access(), AccessLevel::Custom(set) if set.is_empty())
}

fn fail(e: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

/// Pages through a listing as the store hands it out, `count` at a time, at most `pages`
/// pages, and compares every page with the model's whole list (`expected`, by id).
fn compare_pages(
    what: &str,
    expected: &[Share],
    count: usize,
    pages: usize,
    mut fetch: impl FnMut(&Page) -> Result<Paged<Share>, StoreError>,
) -> Result<(), TestCaseError> {
    let mut page = Page::first(count);
    let mut at: usize = 0;
    for _ in 0..=pages {
        let got = fetch(&page).map_err(fail)?;
        let end = expected.len().min(at.saturating_add(count));
        let want = expected.get(at..end).unwrap_or_default();
        prop_assert_eq!(got.total, expected.len(), "{}: total", what);
        prop_assert_eq!(got.items.as_slice(), want, "{}: the page after {} items", what, at);
        if count == 0 {
            return Ok(());
        }
        prop_assert_eq!(got.next.is_some(), end < expected.len(), "{}: next after {}", what, end);
        let Some(next) = got.next else { return Ok(()) };
        at = end;
        page = Page::first(count).then(Some(next));
    }
    Ok(())
}

fn step(
    store: &dyn ShareStore,
    model: &mut Model,
    op: &Op,
    now: DateTime<Utc>,
) -> Result<(), TestCaseError> {
    let recipients = recipients();
    let actor = pid("actor");
    match op {
        Op::Create { resource, sharer, recipient, access, expires } => {
            let id = sid(&format!("m{}", model.next_id));
            model.next_id += 1;
            let new = Share::new(
                id,
                res(RESOURCES[*resource]),
                pid(SHARERS[*sharer]),
                recipients[*recipient].clone(),
                accesses()[*access],
                now,
            )
            .with_expiry(expires.map(t));
            let result = b(store.create(new.clone(), &actor, now));
            if matches!(new.access(), AccessLevel::Custom(set) if set.is_empty()) {
                prop_assert_eq!(error_kind(&result), "invalid", "create with an empty custom set");
            } else {
                let revision = model.log(&new);
                prop_assert_eq!(
                    result.ok(),
                    Some(Applied { share: new.clone(), revision }),
                    "create"
                );
                model.shares.push(new);
            }
        }
        Op::Update { pick, stale, access, expires, other_recipient } => {
            let pick = model.pick(*pick);
            let id = model.id_of(pick);
            let current = pick.and_then(|i| model.shares.get(i)).cloned();
            let version =
                current.as_ref().map_or(1, |s| if *stale { s.version() + 1 } else { s.version() });
            let (level, permissions) = match access {
                Some(i) => {
                    let (level, set) = patch_levels()[*i];
                    (Some(level), set)
                }
                None => (None, None),
            };
            let patch = SharePatch {
                access: level,
                permissions,
                expires: expires.map(|e| e.map(t)),
                recipient: other_recipient.then(|| user("mallory")),
                ..SharePatch::default()
            };
            let result = b(store.update(&id, version, &patch, &actor, now));
            match (pick, current) {
                (Some(i), Some(current)) if !*stale => match current.patched(&patch) {
                    Ok((next, _)) => {
                        let next = next.with_version(current.version() + 1);
                        let revision = model.log(&next);
                        let want = Applied { share: next.clone(), revision };
                        prop_assert_eq!(result.ok(), Some(want), "update {}", id);
                        model.shares[i] = next;
                    }
                    Err(_) => prop_assert_eq!(error_kind(&result), "invalid", "update {}", id),
                },
                (Some(_), _) => {
                    prop_assert_eq!(error_kind(&result), "conflict", "stale update {}", id)
                }
                (None, _) => prop_assert_eq!(error_kind(&result), "not_found", "update unknown"),
            }
        }
        Op::Delete { pick } => {
            let pick = model.pick(*pick);
            let id = model.id_of(pick);
            let result = b(store.delete(&id, &actor, now));
            match pick {
                Some(i) => {
                    let gone = model.shares.remove(i);
                    let revision = model.log(&gone);
                    prop_assert_eq!(
                        result.ok(),
                        Some(Applied { share: gone, revision }),
                        "delete {}",
                        id
                    );
                }
                None => prop_assert_eq!(error_kind(&result), "not_found", "delete unknown"),
            }
        }
        Op::Grant { resource, sharer, items } => {
            let resource = res(RESOURCES[*resource]);
            let sharer = pid(SHARERS[*sharer]);
            let items: Vec<GrantItem> = items
                .iter()
                .map(|(r, a, v)| GrantItem {
                    recipient: recipients[*r].clone(),
                    access: accesses()[*a],
                    view_log: *v,
                })
                .collect();
            let outcomes =
                b(store.grant_batch(&resource, &sharer, &items, &actor, now)).map_err(fail)?;
            prop_assert_eq!(outcomes.len(), items.len());
            for (item, outcome) in items.iter().zip(&outcomes) {
                if item_fails(item) {
                    prop_assert!(
                        matches!(outcome, BatchOutcome::Error { .. }),
                        "{:?} should fail: {:?}",
                        item,
                        outcome
                    );
                    continue;
                }
                let access = item.resolved_access();
                let existing = model.shares.iter().position(|s| {
                    s.resource() == &resource
                        && s.sharer() == &sharer
                        && s.recipient() == &item.recipient
                });
                match existing {
                    Some(i) => {
                        let current = &model.shares[i];
                        let patch = SharePatch::to_access(access);
                        let (next, _) = current.patched(&patch).map_err(fail)?;
                        let next = next.with_version(current.version() + 1);
                        let revision = model.log(&next);
                        let want = BatchOutcome::Updated { share: next.clone(), revision };
                        prop_assert_eq!(outcome, &want);
                        model.shares[i] = next;
                    }
                    None => {
                        let BatchOutcome::Created { share, revision } = outcome else {
                            return Err(fail(format!("{item:?} should create: {outcome:?}")));
                        };
                        let expected = Share::new(
                            share.id().clone(),
                            resource.clone(),
                            sharer.clone(),
                            item.recipient.clone(),
                            access,
                            now,
                        );
                        prop_assert_eq!(share, &expected);
                        prop_assert!(model.shares.iter().all(|s| s.id() != share.id()), "fresh id");
                        prop_assert_eq!(*revision, model.log(&expected), "grant revision");
                        model.shares.push(expected);
                    }
                }
            }
        }
        Op::Revoke { resource, recipients: picks } => {
            let resource = res(RESOURCES[*resource]);
            let revoked: Vec<Recipient> = picks.iter().map(|i| recipients[*i].clone()).collect();
            let outcomes = b(store.revoke_batch(&resource, &revoked, &actor, now)).map_err(fail)?;
            prop_assert_eq!(outcomes.len(), revoked.len());
            for (recipient, outcome) in revoked.iter().zip(&outcomes) {
                let (gone, kept): (Vec<Share>, Vec<Share>) = std::mem::take(&mut model.shares)
                    .into_iter()
                    .partition(|s| s.resource() == &resource && s.recipient() == recipient);
                model.shares = kept;
                if gone.is_empty() {
                    prop_assert!(
                        matches!(outcome, BatchOutcome::Error { .. }),
                        "revoke {}: {:?}",
                        recipient,
                        outcome
                    );
                } else {
                    let mut revision = Revision::ZERO;
                    for s in &gone {
                        revision = model.log(s);
                    }
                    prop_assert_eq!(outcome, &BatchOutcome::Removed { shares: gone, revision });
                }
            }
        }
        Op::Visit { pick } => {
            let pick = model.pick(*pick);
            let id = model.id_of(pick);
            let result = b(store.record_visit(&id, &actor, now));
            match pick {
                Some(i) => {
                    model.shares[i].record_visit(now);
                    let share = model.shares[i].clone();
                    let revision = model.log(&share);
                    prop_assert_eq!(result.ok(), Some(Applied { share, revision }), "visit {}", id);
                }
                None => prop_assert_eq!(error_kind(&result), "not_found", "visit unknown"),
            }
        }
        Op::Sweep { at } => {
            let at = t(*at);
            let swept = b(store.sweep_expired(at, &actor)).map_err(fail)?;
            let (mut gone, kept): (Vec<Share>, Vec<Share>) =
                std::mem::take(&mut model.shares).into_iter().partition(|s| !s.is_active(at));
            model.shares = kept;
            gone.sort_by(|a, b| a.id().cmp(b.id()));
            for s in &gone {
                model.log(s);
            }
            prop_assert_eq!(swept, gone, "sweep at {}", at);
        }
        Op::List { filter, count, pages } => {
            let filter = ShareFilter {
                shared_by: filter.sharer.map(|i| pid(SHARERS[i])),
                recipient: filter.recipient.map(|i| recipients[i].clone()),
                resource: filter.resource.map(|i| res(RESOURCES[i])),
                share_type: filter.share_type.map(|i| SHARE_TYPES[i]),
                public_only: filter.public_only,
                state: filter.state.map(|(active, at)| {
                    (if active { ShareState::Active } else { ShareState::Expired }, t(at))
                }),
            };
            let expected: Vec<Share> =
                model.by_id().into_iter().filter(|s| filter.accepts(s)).collect();
            compare_pages(&format!("list {filter:?}"), &expected, *count, *pages, |page| {
                b(store.list(&filter, page))
            })?;
        }
        Op::SharedWith { principal, include_public, count, pages } => {
            let principal = &principals()[*principal];
            let expected: Vec<Share> = model
                .by_id()
                .into_iter()
                .filter(|s| s.recipient().matches(principal))
                .filter(|s| *include_public || *s.recipient() != Recipient::Public)
                .collect();
            let what = format!("shares_reaching {}", principal.id());
            compare_pages(&what, &expected, *count, *pages, |page| {
                b(store.shares_reaching(principal, *include_public, page))
            })?;
        }
    }
    Ok(())
}

/// Compares the whole store with the model: every share (with its version and usage), by
/// id; the number of log entries of every share ever made and of every resource; the
/// store's revision, each resource's, and the change feed's length.
fn compare(store: &dyn ShareStore, model: &Model) -> Result<(), TestCaseError> {
    let all = b(store.list(&ShareFilter::default(), &Page::ALL)).map_err(fail)?;
    prop_assert_eq!(&all.items, &model.by_id(), "every share, by id");
    let mut per_resource: HashMap<ResourceRef, usize> = HashMap::new();
    for (id, count) in &model.log {
        let entries = b(store.log_for_share(id, &Page::first(1))).map_err(fail)?;
        prop_assert_eq!(entries.total, *count, "log entries of {}", id);
        if let Some(entry) = entries.items.first() {
            *per_resource.entry(entry.resource.clone()).or_default() += count;
        }
    }
    let refs: Vec<ResourceRef> = RESOURCES.iter().map(|r| res(r)).collect();
    let on = b(store.shares_on(&refs)).map_err(fail)?;
    for (r, (_, revision)) in refs.iter().zip(&on) {
        let got = b(store.log_for_resource(r, &Page::first(0))).map_err(fail)?.total;
        prop_assert_eq!(got, per_resource.get(r).copied().unwrap_or(0), "log entries of {}", r);
        let want = model.revisions.get(r).copied().unwrap_or(Revision::ZERO);
        prop_assert_eq!(*revision, want, "revision of {}", r);
    }
    prop_assert_eq!(b(store.revision()).map_err(fail)?, model.revision, "the store's revision");
    let feed = b(store.changes_since(Revision::ZERO, usize::MAX)).map_err(fail)?;
    let total: usize = model.log.values().sum();
    prop_assert_eq!(feed.len(), total, "the change feed holds every write");
    Ok(())
}

/// A model-based property test: `cases` random sequences of up to 39 operations (create,
/// update with the right or a stale version, delete, batch grant and revoke, visit, sweep,
/// list with random filters paged by cursor, "shared with me" reads), each applied to a
/// fresh store from `make` and to a plain model, compared after every step: results with
/// their revisions, every share with its version and usage, the number of log entries per
/// share and per resource, the store's and each resource's revision.
///
/// Panics with the shrunk failing sequence when the store and the model disagree.
///
/// ```
/// use std::sync::Arc;
/// use chrono::Utc;
/// use shareguard::{AccessLevel, MemoryStore, Recipient, Share, ShareStore, store::conformance};
///
/// conformance::model_based(&|| Box::new(MemoryStore::new()) as Box<dyn ShareStore>, 16);
///
/// // A store that holds a share the model does not know of disagrees with it at once.
/// let stray = Share::new("stray".parse()?, "folder:elsewhere".parse()?, "zed".parse()?,
///     Recipient::Public, AccessLevel::Viewer, Utc::now());
/// let stale = Arc::new(MemoryStore::load([stray])?);
/// let failed = std::panic::catch_unwind(|| {
///     conformance::model_based(&|| Box::new(Arc::clone(&stale)) as Box<dyn ShareStore>, 1)
/// });
/// let message = failed.unwrap_err().downcast::<String>().map(|m| *m).unwrap_or_default();
/// assert!(message.contains("the store and the model disagree"), "{message}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn model_based(make: &dyn Fn() -> Box<dyn ShareStore>, cases: u32) {
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let strategy = proptest::collection::vec(op_strategy(), 1..40);
    let result = runner.run(&strategy, |ops| {
        let store = make();
        let mut model = Model::default();
        for (i, op) in ops.iter().enumerate() {
            let now = t(i64::try_from(i).unwrap_or(0));
            step(store.as_ref(), &mut model, op, now)?;
            compare(store.as_ref(), &model)?;
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("model-based test: the store and the model disagree: {e}");
    }
}
