//! The conformance suite every [`ShareStore`] adapter can run against itself (feature
//! `conformance`), in the style of object_store's `integration.rs`.
//!
//! Each function takes a fresh, empty store and checks one part of the contract written in
//! the [store module docs](super), panicking with a message that names the broken promise.
//! [`run_all`] runs every one of them, each on a new store from a factory; [`model_based`]
//! applies random operation sequences to a store and to a plain `Vec` model and compares
//! them after every step.
//!
//! An adapter's tests run it like this:
//!
//! ```
//! use shareguard::{store::conformance, MemoryStore, ShareStore};
//!
//! conformance::run_all(&|| Box::new(MemoryStore::new()) as Box<dyn ShareStore>);
//! conformance::model_based(&|| Box::new(MemoryStore::new()) as Box<dyn ShareStore>, 8);
//! ```

// This module is a test suite that other crates call from their tests: a broken promise must
// fail the calling test with a message, which is what `assert!`, `unwrap` and `expect` do.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::model::{
    AccessLevel, Email, Level, LinkToken, LogEntry, LogEvent, Permissions, Principal, PrincipalId,
    PrincipalKind, Recipient, ReshareRights, ResourceRef, Share, ShareId, ShareLink, SharePatch,
    ShareType,
};

use super::{
    AccessEntry, BatchOutcome, GrantItem, Page, Paged, ShareFilter, ShareStore, Status, StoreError,
};

// ---------------------------------------------------------------------------------------------
// Helpers

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
    store
        .create(share, &pid("alice"), t(0))
        .unwrap_or_else(|e| panic!("create `{id}` should succeed: {e}"))
}

fn ids(shares: &[Share]) -> Vec<String> {
    shares.iter().map(|s| s.id().to_string()).collect()
}

fn everything(store: &dyn ShareStore) -> Vec<Share> {
    store.list(&ShareFilter::default(), Page::ALL).unwrap().items
}

fn listed(store: &dyn ShareStore, filter: &ShareFilter) -> Vec<String> {
    let page = store.list(filter, Page::ALL).unwrap();
    assert_eq!(page.total, page.items.len(), "list {filter:?}: total of a whole list");
    ids(&page.items)
}

fn share_log(store: &dyn ShareStore, id: &str) -> Vec<LogEntry> {
    store.log_for_share(&sid(id), Page::ALL).unwrap().items
}

fn events(entries: &[LogEntry]) -> Vec<&'static str> {
    entries.iter().map(|e| e.event.name()).collect()
}

/// The whole observable state of a store over the given resources: every share, and every
/// log entry of those resources.
fn snapshot(store: &dyn ShareStore, resources: &[&str]) -> (Vec<Share>, Vec<Vec<LogEntry>>) {
    let logs = resources
        .iter()
        .map(|r| store.log_for_resource(&res(r), Page::ALL).unwrap().items)
        .collect();
    (everything(store), logs)
}

fn created(outcome: &BatchOutcome) -> &Share {
    match outcome {
        BatchOutcome::Created { share } => share,
        other => panic!("expected a created outcome, got {other:?}"),
    }
}

fn updated(outcome: &BatchOutcome) -> &Share {
    match outcome {
        BatchOutcome::Updated { share } => share,
        other => panic!("expected an updated outcome, got {other:?}"),
    }
}

fn removed(outcome: &BatchOutcome) -> &[Share] {
    match outcome {
        BatchOutcome::Removed { shares } => shares,
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

// ---------------------------------------------------------------------------------------------
// The suite

/// One check of the suite.
type Check = fn(&dyn ShareStore);

/// A call expected to fail, by name.
type Failure<'a> = (&'static str, Box<dyn Fn() -> bool + 'a>);

/// Calls the macro named `$callback` with the names of every check of the suite, so that an
/// adapter's tests can make one `#[test]` of each (and a check added here reaches them all):
///
/// ```
/// use shareguard::{store::conformance, MemoryStore};
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
            shared_with_me,
            who_has_access,
            batch_grant_per_item,
            batch_revoke,
            visits,
            sweep_at_exact_expiry,
            find_link,
            link_retrieved,
            log_completeness,
            log_paging,
            failed_operations_change_nothing,
        }
    };
}

/// Runs every function of the suite, each on a fresh store from `make`.
///
/// ```
/// use std::sync::Arc;
/// use shareguard::{store::conformance, MemoryStore, ShareStore};
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
}

/// Create stores a share at version 1 and logs `created`; get finds it; a taken id is
/// refused with [`StoreError::AlreadyExists`]; delete returns the share, logs `deleted`, and
/// the share is gone; deleting or getting it again finds nothing.
///
/// ```
/// use shareguard::{store::conformance, MemoryStore, Page, ShareStore};
///
/// let store = MemoryStore::new();
/// conformance::create_get_delete(&store);
/// // The share it made is gone; the two entries about it stay in the log.
/// assert!(store.is_empty()?);
/// assert_eq!(store.log_for_resource(&"folder:f1".parse()?, Page::ALL)?.total, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn create_get_delete(store: &dyn ShareStore) {
    assert_eq!(store.get(&sid("s1")).unwrap(), None, "an empty store holds no share");
    let s1 = share("s1", "folder:f1", "alice", group("eng"), AccessLevel::Viewer)
        .with_expiry(Some(t(3600)))
        .with_message(Some("for the review".into()))
        .with_reshare(ReshareRights::INTERNAL);
    let stored = store.create(s1.clone(), &pid("alice"), t(1)).unwrap();
    assert_eq!(stored, s1, "create returns the share as given, at version 1");
    assert_eq!(stored.version(), 1, "a share is created at version 1");
    assert_eq!(store.get(&sid("s1")).unwrap(), Some(s1.clone()), "get returns the stored share");

    let again = share("s1", "document:d9", "bob", user("carol"), AccessLevel::Editor);
    match store.create(again, &pid("bob"), t(2)) {
        Err(StoreError::AlreadyExists(id)) => assert_eq!(id, sid("s1")),
        other => panic!("creating a taken id must fail with AlreadyExists, got {other:?}"),
    }
    assert_eq!(
        store.get(&sid("s1")).unwrap(),
        Some(s1.clone()),
        "a refused create changes nothing"
    );

    let deleted = store.delete(&sid("s1"), &pid("bob"), t(3)).unwrap();
    assert_eq!(deleted, s1, "delete returns the share it removed");
    assert_eq!(store.get(&sid("s1")).unwrap(), None, "a deleted share is gone");
    assert!(
        matches!(store.delete(&sid("s1"), &pid("bob"), t(4)), Err(StoreError::NotFound(_))),
        "deleting a missing share fails with NotFound"
    );
    let log = share_log(store, "s1");
    assert_eq!(events(&log), ["created", "deleted"], "one entry per successful mutation");
    assert_eq!((log[0].actor.as_str(), log[0].at), ("alice", t(1)), "created: actor and time");
    assert_eq!((log[1].actor.as_str(), log[1].at), ("bob", t(3)), "deleted: actor and time");
    assert!(log.iter().all(|e| e.resource == res("folder:f1") && e.share == sid("s1")));
}

/// Every update bumps the version by one and logs `changed` with the fields that changed;
/// a stale or future version fails with [`StoreError::Conflict`] naming both versions; an
/// unknown share with [`StoreError::NotFound`]; `expires: Some(None)` removes the expiry.
///
/// ```
/// use shareguard::{store::conformance, MemoryStore, ShareStore};
///
/// let store = MemoryStore::new();
/// conformance::update_versions_and_conflicts(&store);
/// // Four accepted updates (one of them an empty patch) took its share to version 5.
/// let share = store.get(&"s1".parse()?)?.ok_or("s1 is kept")?;
/// assert_eq!((share.version(), share.expires()), (5, None));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn update_versions_and_conflicts(store: &dyn ShareStore) {
    create(store, share("s1", "document:d1", "alice", user("bob"), AccessLevel::Viewer));
    let editor = SharePatch { access: Some(Level::Editor), ..SharePatch::default() };
    let v2 = store.update(&sid("s1"), 1, &editor, &pid("alice"), t(10)).unwrap();
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
        match store.update(&sid("s1"), stale, &editor, &pid("alice"), t(11)) {
            Err(StoreError::Conflict { id, expected, actual }) => {
                assert_eq!((id, expected, actual), (sid("s1"), stale, 2), "conflict fields");
            }
            other => panic!("version {stale} is not current: expected Conflict, got {other:?}"),
        }
    }
    assert_eq!(store.get(&sid("s1")).unwrap(), Some(v2.clone()), "a conflict changes nothing");
    assert!(
        matches!(
            store.update(&sid("nope"), 1, &editor, &pid("alice"), t(11)),
            Err(StoreError::NotFound(_))
        ),
        "updating a missing share fails with NotFound"
    );

    let expiring = SharePatch { expires: Some(Some(t(100))), ..SharePatch::default() };
    let v3 = store.update(&sid("s1"), 2, &expiring, &pid("bob"), t(12)).unwrap();
    assert_eq!((v3.version(), v3.expires()), (3, Some(t(100))));
    let forever = SharePatch { expires: Some(None), ..SharePatch::default() };
    let v4 = store.update(&sid("s1"), 3, &forever, &pid("bob"), t(13)).unwrap();
    assert_eq!((v4.version(), v4.expires()), (4, None), "Some(None) removes the expiry");
    let v5 = store.update(&sid("s1"), 4, &SharePatch::default(), &pid("bob"), t(14)).unwrap();
    assert_eq!(v5.version(), 5, "an empty patch is still an update: it bumps the version");
    assert_eq!(v5.access(), AccessLevel::Editor);
    assert_eq!(store.get(&sid("s1")).unwrap(), Some(v5));
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
/// use shareguard::{store::conformance, MemoryStore, ShareStore};
///
/// let store = MemoryStore::new();
/// conformance::recipient_is_immutable(&store);
/// // Four patches naming another recipient were refused; the one naming the same address in
/// // another case was applied, and the address is kept as first written.
/// let share = store.get(&"s1".parse()?)?.ok_or("s1 is kept")?;
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
        match store.update(&sid("s1"), 1, &patch, &pid("alice"), t(1)) {
            Err(StoreError::Invalid(e)) => assert_eq!(e.field(), "recipient"),
            result => panic!("changing the recipient to {other} must be refused, got {result:?}"),
        }
        assert_eq!(store.get(&sid("s1")).unwrap(), Some(original.clone()), "refused: unchanged");
    }
    let same = SharePatch {
        recipient: Some(email("bob@corp.example")),
        access: Some(Level::Commenter),
        ..SharePatch::default()
    };
    let changed = store.update(&sid("s1"), 1, &same, &pid("alice"), t(2)).unwrap();
    assert_eq!(changed.recipient(), original.recipient());
    assert_eq!(changed.recipient().to_string(), "email:Bob@Corp.Example", "kept as written");
    assert_eq!(events(&share_log(store, "s1")), ["created", "changed"]);
}

/// Every filter of [`ShareFilter`], alone and combined, returns exactly the shares that pass
/// it, oldest first: shared by, recipient (emails ignoring case, links by digest), resource,
/// share type, public only (public and link), active and expired at an exact instant.
///
/// ```
/// use shareguard::{store::conformance, MemoryStore, Page, ShareFilter, ShareStore};
///
/// let store = MemoryStore::new();
/// conformance::list_filters(&store);
/// // Of the seven shares it made, a public and a link share pass `public_only`.
/// let public = store.list(&ShareFilter { public_only: true, ..ShareFilter::default() }, Page::ALL)?;
/// assert_eq!((store.len()?, public.total), (7, 2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn list_filters(store: &dyn ShareStore) {
    let shares = [
        share("a", "folder:f1", "alice", group("eng"), AccessLevel::Viewer),
        share("b", "folder:f1", "bob", user("carol"), AccessLevel::Editor).with_expiry(Some(t(10))),
        share("c", "document:d1", "alice", Recipient::Public, AccessLevel::Viewer),
        share("d", "document:d1", "bob", link("tok-1", false), AccessLevel::Viewer)
            .with_expiry(Some(t(20))),
        share("e", "document:d2", "alice", email("Dan@Ext.Example"), AccessLevel::Commenter),
        share("f", "folder:f1", "alice", user("carol"), AccessLevel::Restrict),
        share("g", "document:d2", "carol", Recipient::Organization, AccessLevel::Viewer),
    ];
    for s in &shares {
        create(store, s.clone());
    }
    let all = ["a", "b", "c", "d", "e", "f", "g"];
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
            ShareFilter { status: Some(Status::Active(t(10))), ..Default::default() },
            vec!["a", "c", "d", "e", "f", "g"],
        ),
        (ShareFilter { status: Some(Status::Active(t(9))), ..Default::default() }, all.to_vec()),
        (ShareFilter { status: Some(Status::Expired(t(10))), ..Default::default() }, vec!["b"]),
        (
            ShareFilter { status: Some(Status::Expired(t(20))), ..Default::default() },
            vec!["b", "d"],
        ),
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
                status: Some(Status::Active(t(20))),
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
        let reference: Vec<&str> =
            shares.iter().filter(|s| filter.accepts(s)).map(|s| s.id().as_str()).collect();
        assert_eq!(reference, expected, "the suite's own expectation agrees with accepts()");
    }
}

/// Paging: `first` past the end gives an empty page with the true total, `count` 0 gives an
/// empty page, a page ending exactly at the end is full, and consecutive pages concatenate
/// to the whole list.
///
/// ```
/// use shareguard::{store::conformance, MemoryStore, Page, ShareFilter, ShareStore};
///
/// let store = MemoryStore::new();
/// conformance::paging_edges(&store);
/// // Five shares: a page from the last one holds one, and knows the total.
/// let last = store.list(&ShareFilter::default(), Page::new(4, 2))?;
/// assert_eq!((last.count, last.total), (1, 5));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn paging_edges(store: &dyn ShareStore) {
    for i in 0..5 {
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
    let filter = ShareFilter::default();
    let get = |first, count| store.list(&filter, Page::new(first, count)).unwrap();
    let check = |page: Paged<Share>, first: usize, expected: &[&str]| {
        assert_eq!(page.total, 5, "total is the whole list's length at first={first}");
        assert_eq!(page.first, first, "first is echoed");
        assert_eq!(page.count, expected.len(), "count is the number returned at first={first}");
        assert_eq!(ids(&page.items), expected, "page at first={first}");
    };
    check(get(0, 2), 0, &["s0", "s1"]);
    check(get(2, 2), 2, &["s2", "s3"]);
    check(get(4, 2), 4, &["s4"]);
    check(get(3, 2), 3, &["s3", "s4"]);
    check(get(5, 2), 5, &[]);
    check(get(6, 1), 6, &[]);
    check(get(usize::MAX, usize::MAX), usize::MAX, &[]);
    check(get(0, 0), 0, &[]);
    check(get(2, 0), 2, &[]);
    check(get(0, 5), 0, &["s0", "s1", "s2", "s3", "s4"]);
    check(store.list(&filter, Page::ALL).unwrap(), 0, &["s0", "s1", "s2", "s3", "s4"]);
    let mut joined = Vec::new();
    for first in (0..5).step_by(2) {
        joined.extend(get(first, 2).items);
    }
    assert_eq!(ids(&joined), ids(&everything(store)), "pages concatenate to the list");

    let filtered = ShareFilter { resource: Some(res("folder:f1")), ..ShareFilter::default() };
    let page = store.list(&filtered, Page::new(10, 10)).unwrap();
    assert_eq!((page.total, page.items.len()), (5, 0), "filtered list past the end");
    let bob = Principal::builder("u3", PrincipalKind::Internal).build().unwrap();
    let mine = store.shared_with(&bob, false, Page::new(1, 1)).unwrap();
    assert_eq!((mine.total, mine.items.len()), (1, 0), "shared_with past the end");
    let mine = store.shared_with(&bob, false, Page::new(0, 0)).unwrap();
    assert_eq!((mine.total, mine.items.len()), (1, 0), "shared_with with count 0");
}

/// `shares_on` returns one list per resource, in the order given, each oldest first, and an
/// empty list for a resource with no shares.
///
/// ```
/// use shareguard::{store::conformance, MemoryStore, ShareStore};
///
/// let store = MemoryStore::new();
/// conformance::shares_on_path(&store);
/// // Two shares on the document, none on a folder nobody shared.
/// let lists = store.shares_on(&["document:d1".parse()?, "folder:empty".parse()?])?;
/// assert_eq!(lists.iter().map(Vec::len).collect::<Vec<_>>(), [2, 0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn shares_on_path(store: &dyn ShareStore) {
    create(
        store,
        share("root1", "folder:root", "alice", Recipient::Organization, AccessLevel::Viewer),
    );
    create(store, share("doc1", "document:d1", "alice", user("bob"), AccessLevel::Editor));
    create(store, share("f1", "folder:f1", "alice", group("eng"), AccessLevel::Commenter));
    create(store, share("doc2", "document:d1", "bob", user("carol"), AccessLevel::Viewer));
    create(store, share("other", "document:d2", "alice", user("bob"), AccessLevel::Viewer));
    let path = [res("document:d1"), res("folder:f1"), res("folder:empty"), res("folder:root")];
    let lists = store.shares_on(&path).unwrap();
    let got: Vec<Vec<String>> = lists.iter().map(|l| ids(l)).collect();
    assert_eq!(
        got,
        [vec!["doc1", "doc2"], vec!["f1"], vec![], vec!["root1"]],
        "shares on the path"
    );
    assert_eq!(store.shares_on(&[]).unwrap(), Vec::<Vec<Share>>::new(), "no resources, no lists");
    let twice = store.shares_on(&[res("folder:f1"), res("folder:f1")]).unwrap();
    assert_eq!(twice.len(), 2, "a resource named twice gets two lists");
}

/// "Shared with me" finds every share whose recipient matches the principal, oldest first:
/// the user, transitive groups, the exact role, role chains (the internal-only variant only
/// for internal principals), the organisation for internal principals, the partner and
/// customer audiences by kind, emails ignoring case, presented link tokens, and public
/// shares only when asked. An anonymous principal is matched only by public and link shares,
/// whatever id, groups or role it carries.
///
/// ```
/// use shareguard::{store::conformance, MemoryStore, Page, Principal, PrincipalKind, ShareStore};
///
/// let store = MemoryStore::new();
/// conformance::shared_with_me(&store);
/// // Of its eighteen shares, one to every partner-portal user reaches a partner.
/// let partner = Principal::builder("p1", PrincipalKind::Partner).build()?;
/// let mine = store.shared_with(&partner, false, Page::ALL)?;
/// assert_eq!(mine.items.iter().map(|s| s.id().as_str()).collect::<Vec<_>>(), ["partners"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn shared_with_me(store: &dyn ShareStore) {
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
    let mine =
        |p: &Principal, public: bool| ids(&store.shared_with(p, public, Page::ALL).unwrap().items);

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
    assert_eq!(mine(&bob, false), bob_expected, "internal bob, public not asked");
    let mut with_public = bob_expected.to_vec();
    with_public.insert(8, "public");
    assert_eq!(mine(&bob, true), with_public, "internal bob, public asked");

    let ext = Principal::builder("ext", PrincipalKind::External)
        .role("rep")
        .reports_to("vp")
        .reports_to("ceo")
        .email("BOB@corp.example")
        .build()
        .unwrap();
    assert_eq!(
        mine(&ext, false),
        ["role", "chain_top", "chain_own", "email"],
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
    assert_eq!(mine(&anonymous, true), ["public", "link", "link_other"], "anonymous: and public");

    let nobody = Principal::builder("zed", PrincipalKind::External).build().unwrap();
    assert_eq!(mine(&nobody, false), Vec::<String>::new(), "nothing reaches a stranger");

    let page = store.shared_with(&bob, true, Page::new(2, 3)).unwrap();
    assert_eq!(
        (page.total, ids(&page.items)),
        (10, vec!["role".into(), "chain_top".into(), "chain_own".into()])
    );
    for (id, recipient) in &world {
        let reached = mine(&bob, true).contains(&(*id).to_string());
        assert_eq!(reached, recipient.matches(&bob), "{id}: shared_with agrees with matches()");
    }
}

/// "Who has access" lists every share on the resource, oldest first, each with whether it is
/// active at `now`: a share expiring exactly at `now` is not.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::{store::conformance, MemoryStore, ShareStore};
///
/// let store = MemoryStore::new();
/// conformance::who_has_access(&store);
/// // It asks at the instant one share expires (the suite's clock starts at 12:00:00):
/// // that share and an earlier one are inactive.
/// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 10).unwrap();
/// let entries = store.who_has_access(&"folder:f1".parse()?, now)?;
/// assert_eq!(entries.iter().map(|e| e.active).collect::<Vec<_>>(), [true, false, false, true]);
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
    let got = store.who_has_access(&res(r), t(10)).unwrap();
    let expected: Vec<AccessEntry> = shares[..4]
        .iter()
        .map(|s| AccessEntry {
            share: s.clone(),
            active: s.id().as_str() != "past" && s.id().as_str() != "now",
        })
        .collect();
    assert_eq!(got, expected, "who has access at the instant `now` expires");
    assert!(store.who_has_access(&res("folder:none"), t(0)).unwrap().is_empty());
}

/// A batch grant gives each item its own outcome: an item whose recipient already has a
/// share from this sharer on this resource updates it (version bumped, access set, log
/// `access_added`); another creates a share (fresh id, version 1); an item with `restrict`,
/// an empty `custom` set or a link recipient fails and changes nothing, without stopping the
/// others. A share to the same recipient from another sharer is not touched.
///
/// ```
/// use shareguard::{store::conformance, MemoryStore, Page, ShareStore};
///
/// let store = MemoryStore::new();
/// conformance::batch_grant_per_item(&store);
/// // Three shares made first, two created by the batch, none by its three failing items; each
/// // created or updated share logged `access_added`.
/// assert_eq!(store.len()?, 5);
/// assert_eq!(store.log_for_resource(&"folder:f1".parse()?, Page::ALL)?.total, 2 + 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn batch_grant_per_item(store: &dyn ShareStore) {
    let r = "folder:f1";
    create(store, share("bob1", r, "alice", user("bob"), AccessLevel::Viewer));
    create(store, share("dave1", r, "carol", user("dave"), AccessLevel::Viewer));
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
    let before = everything(store);
    let outcomes = store.grant_batch(&res(r), &pid("alice"), &items, &pid("admin"), t(50)).unwrap();
    assert_eq!(outcomes.len(), items.len(), "one outcome per item");

    let bob = updated(&outcomes[0]);
    assert_eq!((bob.id().as_str(), bob.version(), bob.access()), ("bob1", 2, AccessLevel::Editor));
    let erin = created(&outcomes[1]);
    let viewer_log = AccessLevel::Viewer.permissions() | Permissions::VIEW_LOG;
    assert_eq!(erin.access(), AccessLevel::Custom(viewer_log), "view_log adds to the level");
    assert_eq!((erin.version(), erin.sharer().as_str(), erin.resource()), (1, "alice", &res(r)));
    assert_eq!(erin.created(), t(50));
    assert!(error(&outcomes[2]).contains("link"), "a link item fails: {:?}", outcomes[2]);
    assert!(!error(&outcomes[3]).is_empty(), "a restrict item fails");
    assert!(!error(&outcomes[4]).is_empty(), "an empty custom item fails");
    let dave = created(&outcomes[5]);
    assert_ne!(dave.id().as_str(), "dave1", "carol's share to dave is not alice's");
    let erin_again = updated(&outcomes[6]);
    assert_eq!(erin_again.id(), erin.id(), "a later item updates the share an earlier one made");
    assert_eq!((erin_again.version(), erin_again.access()), (2, AccessLevel::Manager));

    assert_eq!(
        store.get(&sid("dave1")).unwrap().as_ref(),
        before.get(1),
        "other sharer's share untouched"
    );
    assert_eq!(
        store.get(&sid("bob_other")).unwrap().as_ref(),
        before.get(2),
        "other resource untouched"
    );
    assert_eq!(store.get(&sid("bob1")).unwrap().as_ref(), Some(bob));
    assert_eq!(store.get(erin.id()).unwrap().as_ref(), Some(erin_again));
    assert_eq!(store.get(dave.id()).unwrap().as_ref(), Some(dave));
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
    let erin_log = store.log_for_share(erin.id(), Page::ALL).unwrap().items;
    assert_eq!(events(&erin_log), ["access_added", "access_added"]);
    assert!(added(&erin_log, &email("erin@ext.example")));
    assert_eq!(events(&share_log(store, "dave1")), ["created"]);
    assert_eq!(
        store.log_for_resource(&res(r), Page::ALL).unwrap().total,
        2 + 4,
        "2 created, 4 added"
    );

    let empty = store.grant_batch(&res(r), &pid("alice"), &[], &pid("admin"), t(51)).unwrap();
    assert!(empty.is_empty(), "an empty batch has no outcomes");
}

/// A batch revoke removes every share on the resource to each recipient, from any sharer,
/// logging `access_removed` for each, and reports an error for a recipient with none there;
/// shares on other resources stay.
///
/// ```
/// use shareguard::{store::conformance, MemoryStore, Page, ShareFilter, ShareStore};
///
/// let store = MemoryStore::new();
/// conformance::batch_revoke(&store);
/// // Of five shares, the two left are one on another resource and one to another recipient.
/// let left = store.list(&ShareFilter::default(), Page::ALL)?;
/// assert_eq!(left.items.iter().map(|s| s.id().as_str()).collect::<Vec<_>>(), ["d", "e"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn batch_revoke(store: &dyn ShareStore) {
    let r = "folder:f1";
    create(store, share("a", r, "alice", user("bob"), AccessLevel::Viewer));
    create(store, share("b", r, "carol", user("bob"), AccessLevel::Editor));
    create(store, share("c", r, "alice", email("Erin@Ext.Example"), AccessLevel::Viewer));
    create(store, share("d", "folder:f2", "alice", user("bob"), AccessLevel::Viewer));
    create(store, share("e", r, "alice", user("carol"), AccessLevel::Viewer));
    let recipients = [user("bob"), user("zed"), email("erin@ext.example"), user("bob")];
    let outcomes = store.revoke_batch(&res(r), &recipients, &pid("admin"), t(5)).unwrap();
    assert_eq!(outcomes.len(), 4, "one outcome per recipient");
    assert_eq!(ids(removed(&outcomes[0])), ["a", "b"], "every sharer's share to bob, oldest first");
    assert!(error(&outcomes[1]).contains("no share for"), "zed: {:?}", outcomes[1]);
    assert_eq!(ids(removed(&outcomes[2])), ["c"], "emails ignore case");
    assert!(error(&outcomes[3]).contains("no share for"), "bob again: nothing left");
    assert_eq!(ids(&everything(store)), ["d", "e"], "what is left");
    for id in ["a", "b", "c"] {
        let log = share_log(store, id);
        assert_eq!(events(&log), ["created", "access_removed"], "{id}");
        assert_eq!((log[1].actor.as_str(), log[1].at), ("admin", t(5)));
    }
    assert_eq!(events(&share_log(store, "d")), ["created"]);
    assert_eq!(events(&share_log(store, "e")), ["created"]);
}

/// A visit sets the last visit time, adds one to the count and logs `visited`, without
/// changing the version (an update naming the old version still succeeds afterwards).
///
/// ```
/// use shareguard::{store::conformance, MemoryStore, Page, ShareStore};
///
/// let store = MemoryStore::new();
/// conformance::visits(&store);
/// // Two visits, then an update naming version 1: the visits did not make it stale.
/// let log = store.log_for_share(&"s1".parse()?, Page::ALL)?;
/// let events: Vec<_> = log.items.iter().map(|e| e.event.name()).collect();
/// assert_eq!(events, ["created", "visited", "visited", "changed"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn visits(store: &dyn ShareStore) {
    create(store, share("s1", "document:d1", "alice", link("tok-1", false), AccessLevel::Viewer));
    let once = store.record_visit(&sid("s1"), &pid("anonymous"), t(5)).unwrap();
    assert_eq!((once.usage().visits, once.usage().last_visit), (1, Some(t(5))));
    let twice = store.record_visit(&sid("s1"), &pid("bob"), t(7)).unwrap();
    assert_eq!((twice.usage().visits, twice.usage().last_visit), (2, Some(t(7))));
    assert_eq!(twice.version(), 1, "a visit does not change the version");
    assert_eq!(store.get(&sid("s1")).unwrap(), Some(twice.clone()));
    assert!(
        matches!(store.record_visit(&sid("nope"), &pid("bob"), t(8)), Err(StoreError::NotFound(_))),
        "visiting a missing share fails with NotFound"
    );
    let patch = SharePatch { access: Some(Level::Commenter), ..SharePatch::default() };
    let changed = store.update(&sid("s1"), 1, &patch, &pid("alice"), t(9)).unwrap();
    assert_eq!(changed.usage(), twice.usage(), "an update keeps the usage");
    let log = share_log(store, "s1");
    assert_eq!(events(&log), ["created", "visited", "visited", "changed"]);
    assert_eq!((log[1].actor.as_str(), log[1].at), ("anonymous", t(5)));
    assert!(store.log_for_share(&sid("nope"), Page::ALL).unwrap().items.is_empty());
}

/// The sweep removes exactly the shares whose expiry is at or before `now` (a share expiring
/// at `now` is swept, one expiring a nanosecond later is not), returns them oldest first,
/// and logs `expired` for each with the sweep's actor and `now`.
///
/// ```
/// use shareguard::{store::conformance, MemoryStore, Page, ShareFilter, ShareStore};
///
/// let store = MemoryStore::new();
/// conformance::sweep_at_exact_expiry(&store);
/// // Every share with an expiry was swept; the one whose expiry was removed stays.
/// let left = store.list(&ShareFilter::default(), Page::ALL)?;
/// assert_eq!(left.items.iter().map(|s| s.id().as_str()).collect::<Vec<_>>(), ["moved"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sweep_at_exact_expiry(store: &dyn ShareStore) {
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
    store.update(&sid("never"), 1, &patch, &pid("alice"), t(2)).unwrap();
    create(
        store,
        share("moved", r, "alice", user("e"), AccessLevel::Viewer).with_expiry(Some(t(10))),
    );
    let patch = SharePatch { expires: Some(None), ..SharePatch::default() };
    store.update(&sid("moved"), 1, &patch, &pid("alice"), t(3)).unwrap();

    assert!(store.sweep_expired(t(0), &pid("sweeper")).unwrap().is_empty(), "nothing expired yet");
    let swept = store.sweep_expired(at, &pid("sweeper")).unwrap();
    assert_eq!(
        ids(&swept),
        ["exact", "never", "earlier"],
        "expired at or before now, oldest first"
    );
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
        store.sweep_expired(at, &pid("sweeper")).unwrap().is_empty(),
        "a second sweep finds nothing"
    );
    let swept = store.sweep_expired(at + Duration::nanoseconds(1), &pid("sweeper")).unwrap();
    assert_eq!(ids(&swept), ["later"], "one nanosecond later");
    assert_eq!(ids(&everything(store)), ["moved"], "a share whose expiry was removed stays");
}

/// `find_link` finds the link share whose token has the digest, whether or not the link is
/// retrievable, and nothing for another digest or after the share is deleted.
///
/// ```
/// use shareguard::{store::conformance, MemoryStore, LinkToken, ShareStore};
///
/// let store = MemoryStore::new();
/// conformance::find_link(&store);
/// // The suite's retrievable link (token `tok-2`) is still found by its token's digest.
/// let found = store.find_link(&LinkToken::presented("tok-2")?.digest())?;
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
        |text: &str| store.find_link(&token(text).digest()).unwrap().map(|s| s.id().to_string());
    assert_eq!(found("tok-1").as_deref(), Some("hidden"));
    assert_eq!(found("tok-2").as_deref(), Some("kept"));
    assert_eq!(found("tok-3"), None);
    let kept = store.find_link(&token("tok-2").digest()).unwrap().unwrap();
    match kept.recipient() {
        Recipient::Link(l) => {
            assert_eq!(l.token().map(LinkToken::reveal), Some("tok-2"), "retrievable kept")
        }
        other => panic!("a link share, got {other}"),
    }
    store.delete(&sid("hidden"), &pid("alice"), t(1)).unwrap();
    assert_eq!(found("tok-1"), None, "a deleted link is not found");
}

/// `record_link_retrieved` logs `link_retrieved` for a retrievable link share, and fails
/// without logging for a missing share ([`StoreError::NotFound`]) and for a share that is not
/// a retrievable link ([`StoreError::Invalid`]).
///
/// ```
/// use shareguard::{store::conformance, MemoryStore, Page, ShareStore};
///
/// let store = MemoryStore::new();
/// conformance::link_retrieved(&store);
/// // One read-back logged; the refused calls logged nothing.
/// let log = store.log_for_share(&"kept".parse()?, Page::ALL)?;
/// assert_eq!(log.items.iter().map(|e| e.event.name()).collect::<Vec<_>>(), ["created", "link_retrieved"]);
/// assert_eq!(store.log_for_resource(&"document:d2".parse()?, Page::ALL)?.total, 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn link_retrieved(store: &dyn ShareStore) {
    create(store, share("kept", "document:d2", "alice", link("tok-2", true), AccessLevel::Editor));
    store.record_link_retrieved(&sid("kept"), &pid("alice"), t(3)).unwrap();
    assert!(store.record_link_retrieved(&sid("nope"), &pid("alice"), t(4)).is_err());
    create(
        store,
        share("hidden", "document:d2", "alice", link("tok-3", false), AccessLevel::Viewer),
    );
    create(store, share("user", "document:d2", "alice", user("bob"), AccessLevel::Viewer));
    for id in ["hidden", "user"] {
        assert!(
            matches!(
                store.record_link_retrieved(&sid(id), &pid("alice"), t(5)),
                Err(StoreError::Invalid(_))
            ),
            "{id}: not a retrievable link"
        );
        assert_eq!(events(&share_log(store, id)), ["created"], "{id}: a refused call logs nothing");
    }
    let log = share_log(store, "kept");
    assert_eq!(events(&log), ["created", "link_retrieved"]);
    assert_eq!((log[1].actor.as_str(), log[1].at), ("alice", t(3)));
    assert_eq!(
        store.get(&sid("kept")).unwrap().unwrap().version(),
        1,
        "reading a link is no change"
    );
}

/// Every successful mutation (create, update, delete, grant, revoke, visit, link retrieval,
/// sweep) has exactly one log entry per share it touched, with the actor and time given, in
/// the order written with increasing `seq`; failed calls and reads have none; entries outlive
/// their shares.
///
/// ```
/// use shareguard::{store::conformance, MemoryStore, Page, ShareStore};
///
/// let store = MemoryStore::new();
/// conformance::log_completeness(&store);
/// // Every kind of mutation, one entry each, in order; the entries outlive the deleted share.
/// let log = store.log_for_share(&"s1".parse()?, Page::ALL)?;
/// let events: Vec<_> = log.items.iter().map(|e| e.event.name()).collect();
/// assert_eq!(events, ["created", "changed", "visited", "access_added", "deleted"]);
/// assert_eq!(store.log_for_resource(&"folder:f1".parse()?, Page::ALL)?.total, 10);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn log_completeness(store: &dyn ShareStore) {
    let r = "folder:f1";
    let a = pid("alice");
    let mut expected: Vec<(&str, &str, i64)> = Vec::new(); // (event, actor, time)
    store.create(share("s1", r, "alice", user("bob"), AccessLevel::Viewer), &a, t(1)).unwrap();
    expected.push(("created", "alice", 1));
    assert!(
        store.create(share("s1", r, "alice", user("bob"), AccessLevel::Viewer), &a, t(2)).is_err()
    );
    let editor = SharePatch { access: Some(Level::Editor), ..SharePatch::default() };
    store.update(&sid("s1"), 1, &editor, &pid("bob"), t(3)).unwrap();
    expected.push(("changed", "bob", 3));
    assert!(store.update(&sid("s1"), 1, &editor, &pid("bob"), t(4)).is_err());
    store.record_visit(&sid("s1"), &pid("bob"), t(5)).unwrap();
    expected.push(("visited", "bob", 5));
    let items = [
        grant(user("bob"), AccessLevel::Viewer),
        grant(user("carol"), AccessLevel::Viewer),
        grant(user("x"), AccessLevel::Restrict),
    ];
    let outcomes = store.grant_batch(&res(r), &a, &items, &pid("admin"), t(6)).unwrap();
    expected.push(("access_added", "admin", 6));
    expected.push(("access_added", "admin", 6));
    let carol_share = created(&outcomes[1]).id().clone();
    store
        .create(
            share("link", r, "alice", link("tok-9", true), AccessLevel::Viewer)
                .with_expiry(Some(t(20))),
            &a,
            t(7),
        )
        .unwrap();
    expected.push(("created", "alice", 7));
    store.record_link_retrieved(&sid("link"), &a, t(8)).unwrap();
    expected.push(("link_retrieved", "alice", 8));
    let outcomes =
        store.revoke_batch(&res(r), &[user("carol"), user("nobody")], &pid("admin"), t(9)).unwrap();
    assert_eq!(outcomes.len(), 2);
    expected.push(("access_removed", "admin", 9));
    store.delete(&sid("s1"), &pid("bob"), t(10)).unwrap();
    expected.push(("deleted", "bob", 10));
    assert!(store.delete(&sid("s1"), &pid("bob"), t(11)).is_err());
    assert!(store.record_visit(&sid("s1"), &pid("bob"), t(11)).is_err());
    store.sweep_expired(t(20), &pid("sweeper")).unwrap();
    expected.push(("expired", "sweeper", 20));
    // Reads log nothing.
    let _ = store.get(&sid("link")).unwrap();
    let _ = store.list(&ShareFilter::default(), Page::ALL).unwrap();
    let _ = store.who_has_access(&res(r), t(0)).unwrap();
    let _ = store.find_link(&token("tok-9").digest()).unwrap();

    let log = store.log_for_resource(&res(r), Page::ALL).unwrap();
    let got: Vec<(&str, &str, i64)> = log
        .items
        .iter()
        .map(|e| (e.event.name(), e.actor.as_str(), (e.at - t(0)).num_seconds()))
        .collect();
    assert_eq!(got, expected, "exactly one entry per successful mutation, in order");
    assert_eq!(log.total, expected.len());
    assert!(log.items.windows(2).all(|w| w[0].seq < w[1].seq), "seq increases");
    assert!(log.items.iter().all(|e| e.resource == res(r)));
    assert_eq!(
        events(&share_log(store, "s1")),
        ["created", "changed", "visited", "access_added", "deleted"]
    );
    assert_eq!(
        events(&store.log_for_share(&carol_share, Page::ALL).unwrap().items),
        ["access_added", "access_removed"]
    );
    assert_eq!(events(&share_log(store, "link")), ["created", "link_retrieved", "expired"]);
    assert!(store.log_for_resource(&res("folder:none"), Page::ALL).unwrap().items.is_empty());
}

/// The share log pages like lists do: per share and per resource, `first` past the end
/// gives an empty page with the true total, `count` 0 an empty page, and pages concatenate.
///
/// ```
/// use shareguard::{store::conformance, MemoryStore, Page, ShareStore};
///
/// let store = MemoryStore::new();
/// conformance::log_paging(&store);
/// // Four entries about `s1`: a page from the last one holds one.
/// let page = store.log_for_share(&"s1".parse()?, Page::new(3, 5))?;
/// assert_eq!((page.count, page.total), (1, 4));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn log_paging(store: &dyn ShareStore) {
    create(store, share("s1", "folder:f1", "alice", user("bob"), AccessLevel::Viewer));
    create(store, share("s2", "folder:f1", "alice", user("carol"), AccessLevel::Viewer));
    for i in 0..3 {
        store.record_visit(&sid("s1"), &pid("bob"), t(i + 1)).unwrap();
    }
    let whole = store.log_for_share(&sid("s1"), Page::ALL).unwrap();
    assert_eq!((whole.total, whole.items.len()), (4, 4));
    let page = store.log_for_share(&sid("s1"), Page::new(1, 2)).unwrap();
    assert_eq!((page.first, page.count, page.total), (1, 2, 4));
    assert_eq!(page.items, whole.items[1..3]);
    let page = store.log_for_share(&sid("s1"), Page::new(3, 5)).unwrap();
    assert_eq!((page.count, page.total), (1, 4), "exact end");
    let page = store.log_for_share(&sid("s1"), Page::new(4, 5)).unwrap();
    assert_eq!((page.count, page.total, page.items.len()), (0, 4, 0), "first at total");
    let page = store.log_for_share(&sid("s1"), Page::new(40, 5)).unwrap();
    assert_eq!((page.count, page.total), (0, 4), "first beyond total");
    let page = store.log_for_share(&sid("s1"), Page::new(0, 0)).unwrap();
    assert_eq!((page.count, page.total), (0, 4), "count 0");
    let resource = store.log_for_resource(&res("folder:f1"), Page::ALL).unwrap();
    assert_eq!(resource.total, 5);
    let mut joined = Vec::new();
    for first in (0..5).step_by(2) {
        joined
            .extend(store.log_for_resource(&res("folder:f1"), Page::new(first, 2)).unwrap().items);
    }
    assert_eq!(joined, resource.items, "log pages concatenate");
    assert_eq!(
        store.log_for_resource(&res("folder:f1"), Page::new(usize::MAX, 1)).unwrap().total,
        5
    );
}

/// Every failing call leaves the store exactly as it was: no share, version, usage counter
/// or log entry changes.
///
/// ```
/// use shareguard::{store::conformance, MemoryStore, Page, ShareStore};
///
/// let store = MemoryStore::new();
/// conformance::failed_operations_change_nothing(&store);
/// // After fourteen failing calls, the log holds only its setup: two creations and a visit.
/// let log = store.log_for_resource(&"folder:f1".parse()?, Page::ALL)?;
/// assert_eq!(log.items.iter().map(|e| e.event.name()).collect::<Vec<_>>(), ["created", "created", "visited"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn failed_operations_change_nothing(store: &dyn ShareStore) {
    let r = "folder:f1";
    create(store, share("s1", r, "alice", user("bob"), AccessLevel::Viewer));
    create(store, share("s2", r, "alice", user("carol"), AccessLevel::Custom(Permissions::VIEW)));
    store.record_visit(&sid("s1"), &pid("bob"), t(1)).unwrap();
    let resources = [r, "folder:f2"];
    let before = snapshot(store, &resources);
    let a = pid("alice");
    let at = t(9);
    let failures: Vec<Failure<'_>> = vec![
        (
            "duplicate create",
            Box::new(|| {
                store
                    .create(share("s1", "folder:f2", "bob", user("x"), AccessLevel::Editor), &a, at)
                    .is_err()
            }),
        ),
        (
            "create with an empty custom set",
            Box::new(|| {
                store
                    .create(
                        share(
                            "s3",
                            r,
                            "alice",
                            user("x"),
                            AccessLevel::Custom(Permissions::empty()),
                        ),
                        &a,
                        at,
                    )
                    .is_err()
            }),
        ),
        (
            "stale update",
            Box::new(|| {
                let patch = SharePatch { access: Some(Level::Editor), ..SharePatch::default() };
                store.update(&sid("s1"), 2, &patch, &a, at).is_err()
            }),
        ),
        (
            "custom without a set",
            Box::new(|| {
                let patch = SharePatch { access: Some(Level::Custom), ..SharePatch::default() };
                store.update(&sid("s1"), 1, &patch, &a, at).is_err()
            }),
        ),
        (
            "a set with a named level",
            Box::new(|| {
                let patch = SharePatch {
                    access: Some(Level::Viewer),
                    permissions: Some(Permissions::VIEW),
                    ..SharePatch::default()
                };
                store.update(&sid("s2"), 1, &patch, &a, at).is_err()
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
                store.update(&sid("s1"), 1, &patch, &a, at).is_err()
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
                store.update(&sid("s1"), 1, &patch, &a, at).is_err()
            }),
        ),
        (
            "update a missing share",
            Box::new(|| store.update(&sid("nope"), 1, &SharePatch::default(), &a, at).is_err()),
        ),
        ("delete a missing share", Box::new(|| store.delete(&sid("nope"), &a, at).is_err())),
        ("visit a missing share", Box::new(|| store.record_visit(&sid("nope"), &a, at).is_err())),
        (
            "retrieve a missing link",
            Box::new(|| store.record_link_retrieved(&sid("nope"), &a, at).is_err()),
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
                let outcomes = store.grant_batch(&res(r), &a, &items, &a, at).unwrap();
                outcomes.iter().all(|o| matches!(o, BatchOutcome::Error { .. }))
            }),
        ),
        (
            "a batch revoke of absent recipients",
            Box::new(|| {
                let outcomes = store
                    .revoke_batch(&res("folder:f2"), &[user("bob"), user("carol")], &a, at)
                    .unwrap();
                outcomes.iter().all(|o| matches!(o, BatchOutcome::Error { .. }))
            }),
        ),
        (
            "a sweep with nothing expired",
            Box::new(|| store.sweep_expired(at, &a).unwrap().is_empty()),
        ),
    ];
    for (what, fail) in failures {
        assert!(fail(), "{what}: the call should fail");
        assert_eq!(snapshot(store, &resources), before, "{what}: a failed call changed the store");
    }
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
        first: usize,
        count: usize,
    },
    SharedWith {
        principal: usize,
        include_public: bool,
        first: usize,
        count: usize,
    },
}

#[derive(Debug, Clone)]
struct FilterPick {
    resource: Option<usize>,
    sharer: Option<usize>,
    recipient: Option<usize>,
    share_type: Option<usize>,
    public_only: bool,
    status: Option<(bool, i64)>,
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
            .prop_map(|((resource, sharer, recipient, share_type, public_only, status), first, count)| Op::List {
                filter: FilterPick { resource, sharer, recipient, share_type, public_only, status },
                first,
                count,
            }),
        2 => (0..5usize, any::<bool>(), 0..6usize, 0..8usize)
            .prop_map(|(principal, include_public, first, count)| Op::SharedWith { principal, include_public, first, count }),
    ]
}

/// The plain model: every share in creation order, and how many log entries each share has.
#[derive(Default)]
struct Model {
    shares: Vec<Share>,
    log: HashMap<ShareId, usize>,
    next_id: usize,
}

impl Model {
    fn log(&mut self, id: &ShareId) {
        *self.log.entry(id.clone()).or_default() += 1;
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
        Err(StoreError::AlreadyExists(_)) => "already_exists",
        Err(StoreError::Conflict { .. }) => "conflict",
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
            let result = store.create(new.clone(), &actor, now);
            if matches!(new.access(), AccessLevel::Custom(set) if set.is_empty()) {
                prop_assert_eq!(error_kind(&result), "invalid", "create with an empty custom set");
            } else {
                prop_assert_eq!(result.ok(), Some(new.clone()), "create");
                model.log(new.id());
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
            let result = store.update(&id, version, &patch, &actor, now);
            match (pick, current) {
                (Some(i), Some(current)) if !*stale => match current.patched(&patch) {
                    Ok((next, _)) => {
                        let next = next.with_version(current.version() + 1);
                        prop_assert_eq!(result.ok(), Some(next.clone()), "update {}", id);
                        model.log(&id);
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
            let result = store.delete(&id, &actor, now);
            match pick {
                Some(i) => {
                    let gone = model.shares.remove(i);
                    prop_assert_eq!(result.ok(), Some(gone.clone()), "delete {}", id);
                    model.log(&id);
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
            let outcomes = store
                .grant_batch(&resource, &sharer, &items, &actor, now)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
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
                        let (next, _) = current
                            .patched(&patch)
                            .map_err(|e| TestCaseError::fail(e.to_string()))?;
                        let next = next.with_version(current.version() + 1);
                        prop_assert_eq!(outcome, &BatchOutcome::Updated { share: next.clone() });
                        model.log(next.id());
                        model.shares[i] = next;
                    }
                    None => {
                        let BatchOutcome::Created { share } = outcome else {
                            return Err(TestCaseError::fail(format!(
                                "{item:?} should create: {outcome:?}"
                            )));
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
                        model.log(share.id());
                        model.shares.push(expected);
                    }
                }
            }
        }
        Op::Revoke { resource, recipients: picks } => {
            let resource = res(RESOURCES[*resource]);
            let revoked: Vec<Recipient> = picks.iter().map(|i| recipients[*i].clone()).collect();
            let outcomes = store
                .revoke_batch(&resource, &revoked, &actor, now)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
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
                    for s in &gone {
                        model.log(s.id());
                    }
                    prop_assert_eq!(outcome, &BatchOutcome::Removed { shares: gone });
                }
            }
        }
        Op::Visit { pick } => {
            let pick = model.pick(*pick);
            let id = model.id_of(pick);
            let result = store.record_visit(&id, &actor, now);
            match pick {
                Some(i) => {
                    model.shares[i].record_visit(now);
                    prop_assert_eq!(result.ok(), Some(model.shares[i].clone()), "visit {}", id);
                    model.log(&id);
                }
                None => prop_assert_eq!(error_kind(&result), "not_found", "visit unknown"),
            }
        }
        Op::Sweep { at } => {
            let at = t(*at);
            let swept =
                store.sweep_expired(at, &actor).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let (gone, kept): (Vec<Share>, Vec<Share>) =
                std::mem::take(&mut model.shares).into_iter().partition(|s| !s.is_active(at));
            model.shares = kept;
            for s in &gone {
                model.log(s.id());
            }
            prop_assert_eq!(swept, gone, "sweep at {}", at);
        }
        Op::List { filter, first, count } => {
            let filter = ShareFilter {
                shared_by: filter.sharer.map(|i| pid(SHARERS[i])),
                recipient: filter.recipient.map(|i| recipients[i].clone()),
                resource: filter.resource.map(|i| res(RESOURCES[i])),
                share_type: filter.share_type.map(|i| SHARE_TYPES[i]),
                public_only: filter.public_only,
                status: filter.status.map(|(active, at)| {
                    if active { Status::Active(t(at)) } else { Status::Expired(t(at)) }
                }),
            };
            let page = Page::new(*first, *count);
            let got = store.list(&filter, page).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let expected: Vec<Share> =
                model.shares.iter().filter(|s| filter.accepts(s)).cloned().collect();
            prop_assert_eq!(got, Paged::from_all(expected, page), "list {:?}", filter);
        }
        Op::SharedWith { principal, include_public, first, count } => {
            let principal = &principals()[*principal];
            let page = Page::new(*first, *count);
            let got = store
                .shared_with(principal, *include_public, page)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let expected: Vec<Share> = model
                .shares
                .iter()
                .filter(|s| s.recipient().matches(principal))
                .filter(|s| *include_public || *s.recipient() != Recipient::Public)
                .cloned()
                .collect();
            prop_assert_eq!(
                got,
                Paged::from_all(expected, page),
                "shared_with {:?}",
                principal.id()
            );
        }
    }
    Ok(())
}

/// Compares the whole store with the model: every share (with its version and usage), in
/// order, and the number of log entries of every share ever made and of every resource.
fn compare(store: &dyn ShareStore, model: &Model) -> Result<(), TestCaseError> {
    let all = store
        .list(&ShareFilter::default(), Page::ALL)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&all.items, &model.shares, "every share, in creation order");
    let mut per_resource: HashMap<ResourceRef, usize> = HashMap::new();
    for (id, count) in &model.log {
        let got = store
            .log_for_share(id, Page::new(0, 0))
            .map_err(|e| TestCaseError::fail(e.to_string()))?
            .total;
        prop_assert_eq!(got, *count, "log entries of {}", id);
        let entries = store
            .log_for_share(id, Page::new(0, 1))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        if let Some(entry) = entries.items.first() {
            *per_resource.entry(entry.resource.clone()).or_default() += count;
        }
    }
    for r in RESOURCES {
        let got = store
            .log_for_resource(&res(r), Page::new(0, 0))
            .map_err(|e| TestCaseError::fail(e.to_string()))?
            .total;
        prop_assert_eq!(
            got,
            per_resource.get(&res(r)).copied().unwrap_or(0),
            "log entries of {}",
            r
        );
    }
    Ok(())
}

/// A model-based property test: `cases` random sequences of up to 39 operations (create,
/// update with the right or a stale version, delete, batch grant and revoke, visit, sweep,
/// list with random filters and pages, "shared with me"), each applied to a fresh store from
/// `make` and to a plain `Vec` model, compared after every step: results, every share with
/// its version and usage, and the number of log entries per share and per resource.
///
/// Panics with the shrunk failing sequence when the store and the model disagree.
///
/// ```
/// use std::sync::Arc;
/// use chrono::Utc;
/// use shareguard::{store::conformance, AccessLevel, MemoryStore, Recipient, Share, ShareStore};
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
