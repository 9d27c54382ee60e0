#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
#![cfg(feature = "proptest")]
//! DESIGN.md's invariants 12–14 as properties over random input: an authorisation and the
//! write it allows are one step (12); a listing agrees with the decisions and shows no secret
//! (13); the change feed misses no mutation and repeats none (14).

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use async_trait::async_trait;
use chrono::{DateTime, Duration, TimeZone, Utc};
use pollster::block_on;
use proptest::prelude::*;
use shareguard::admin::Hierarchy;
use shareguard::arbitrary;
use shareguard::model::{
    Level, LogEntry, LogEvent, PrincipalId, ResourceRef, Revision, ShareId, SharePatch,
};
use shareguard::store::{
    Applied, Page, Paged, PathReader, Precondition, ShareFilter, ShareStore, Write,
};
use shareguard::{
    AccessLevel, Admin, AdminError, MemoryStore, Policy, Principal, PrincipalKind, Recipient,
    ReshareRights, Share, ShareAction, StoreError,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn user(id: &str) -> Principal {
    Principal::builder(id, PrincipalKind::Internal).build().unwrap()
}

// ------------------------------------------------------------------------------ invariant 12

/// A store whose next `apply`, once armed, tells the test and waits to be released: the
/// facade over it is held between its decision and its write.
struct Pausing {
    inner: MemoryStore,
    gate: Mutex<Option<(Sender<Signal>, Receiver<()>)>>,
}

/// What the held request tells the test: it waits at its write, or it finished without one.
#[derive(Debug, PartialEq)]
enum Signal {
    Held,
    Done,
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
        let gate = self.gate.lock().unwrap().take();
        if let Some((paused, release)) = gate {
            paused.send(Signal::Held).unwrap();
            release.recv_timeout(StdDuration::from_secs(30)).unwrap();
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
    async fn find_link(
        &self,
        digest: &shareguard::model::LinkDigest,
    ) -> Result<Option<Share>, StoreError> {
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

/// A request of the facade, on fixed share ids.
#[derive(Debug, Clone)]
enum Request {
    Update { actor: &'static str, share: &'static str, patch: SharePatch },
    Delete { actor: &'static str, share: &'static str },
}

type Facade<S> = Admin<S, Hierarchy>;

impl Request {
    /// What the request did: `ok`, or the reason or error that refused it.
    fn run<S: ShareStore>(&self, admin: &Facade<S>) -> String {
        let outcome = match self {
            // Each client read the share at version 1, before either request ran.
            Request::Update { actor, share, patch } => {
                block_on(admin.update(&user(actor), &share.parse().unwrap(), 1, patch, now()))
                    .map(drop)
            }
            Request::Delete { actor, share } => {
                block_on(admin.delete(&user(actor), &share.parse().unwrap(), now())).map(drop)
            }
        };
        match outcome {
            Ok(()) => "ok".to_owned(),
            Err(AdminError::Denied(d)) => d.reason().to_string(),
            Err(AdminError::Store(StoreError::NotFound(_))) => "gone".to_owned(),
            Err(AdminError::Store(StoreError::Conflict { .. })) => "stale".to_owned(),
            Err(e) => format!("error: {e}"),
        }
    }
}

fn patch() -> impl Strategy<Value = SharePatch> {
    (
        proptest::option::of(prop_oneof![
            Just(Level::Viewer),
            Just(Level::Commenter),
            Just(Level::Editor),
            Just(Level::Restrict),
        ]),
        proptest::option::of(proptest::option::of(prop_oneof![Just(5i64), Just(20), Just(40)])),
    )
        .prop_map(|(access, days)| SharePatch {
            access,
            expires: days.map(|d| d.map(|d| now() + Duration::days(d))),
            ..SharePatch::default()
        })
}

/// bob re-shares (`s-carol`, on the document) what alice gave him (`s-bob`, on the folder).
fn initial(bob: Level, bob_days: Option<i64>, carol: Level, carol_days: Option<i64>) -> Vec<Share> {
    let at = now() - Duration::days(1);
    let days = |d: Option<i64>| d.map(|d| now() + Duration::days(d));
    let access = |l: Level| AccessLevel::from_parts(l, None).unwrap();
    vec![
        Share::new(
            "s-bob".parse().unwrap(),
            "folder:f1".parse().unwrap(),
            "alice".parse().unwrap(),
            Recipient::User { id: "bob".parse().unwrap() },
            access(bob),
            at,
        )
        .with_reshare(ReshareRights::INTERNAL)
        .with_expiry(days(bob_days)),
        Share::new(
            "s-carol".parse().unwrap(),
            "document:d1".parse().unwrap(),
            "bob".parse().unwrap(),
            Recipient::User { id: "carol".parse().unwrap() },
            access(carol),
            at,
        )
        .with_expiry(days(carol_days)),
    ]
}

fn tree() -> Hierarchy {
    let mut tree = Hierarchy::new();
    tree.add("folder:f1".parse().unwrap(), None, Some("alice".parse().unwrap())).unwrap();
    tree.add("document:d1".parse().unwrap(), Some("folder:f1".parse().unwrap()), None).unwrap();
    tree
}

/// Mostly changes that need bob's hold (more access, a longer life), so that what alice does
/// to his hold in between matters.
fn first_request() -> impl Strategy<Value = Request> {
    let widening = (prop_oneof![Just(Level::Commenter), Just(Level::Editor)], days()).prop_map(
        |(level, days)| SharePatch {
            access: Some(level),
            expires: Some(days.map(|d| now() + Duration::days(d))),
            ..SharePatch::default()
        },
    );
    prop_oneof![
        3 => widening.prop_map(|patch| Request::Update { actor: "bob", share: "s-carol", patch }),
        1 => patch().prop_map(|patch| Request::Update { actor: "bob", share: "s-carol", patch }),
        1 => Just(Request::Delete { actor: "bob", share: "s-carol" }),
        1 => Just(Request::Delete { actor: "carol", share: "s-carol" }),
    ]
}

fn second_request() -> impl Strategy<Value = Request> {
    prop_oneof![
        3 => patch().prop_map(|patch| Request::Update { actor: "alice", share: "s-bob", patch }),
        1 => patch().prop_map(|patch| Request::Update { actor: "alice", share: "s-carol", patch }),
        1 => Just(Request::Delete { actor: "alice", share: "s-bob" }),
    ]
}

fn level() -> impl Strategy<Value = Level> {
    prop_oneof![Just(Level::Viewer), Just(Level::Commenter), Just(Level::Editor)]
}

fn days() -> impl Strategy<Value = Option<i64>> {
    proptest::option::of(prop_oneof![Just(10i64), Just(30)])
}

/// The shares as they are, without their log-only parts, for comparing two stores.
fn state<S: ShareStore>(admin: &Facade<S>) -> Vec<(String, AccessLevel, Option<DateTime<Utc>>)> {
    let all = block_on(admin.store().list(&ShareFilter::default(), &Page::ALL)).unwrap();
    all.items.iter().map(|s| (s.id().to_string(), s.access(), s.expires())).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Invariant 12: a request held between its decision and its write while another request
    /// runs ends as if it had run after that request: same answer, same shares.
    #[test]
    fn an_interleaving_ends_as_a_serial_order(
        (bob, bob_days, carol, carol_days) in (level(), days(), level(), days()),
        first in first_request(),
        second in second_request(),
    ) {
        let shares = initial(bob, bob_days, carol, carol_days);
        let (paused_tx, paused) = channel();
        let (release, release_rx) = channel();
        let store = Pausing {
            inner: MemoryStore::load(shares.clone()).unwrap(),
            gate: Mutex::new(Some((paused_tx.clone(), release_rx))),
        };
        let admin = Arc::new(Admin::new(store, tree(), Policy::default()));
        let held = {
            let (admin, first, done) = (admin.clone(), first.clone(), paused_tx.clone());
            std::thread::spawn(move || {
                let got = first.run(&*admin);
                let _ = done.send(Signal::Done);
                got
            })
        };
        // The first request decided and waits at its write; if it never reaches a write (it
        // was refused), nothing is held and the second simply runs after it.
        let was_held = paused.recv_timeout(StdDuration::from_secs(30)).unwrap() == Signal::Held;
        if !was_held {
            admin.store().gate.lock().unwrap().take();
        }
        let second_got = second.run(&*admin);
        let _ = release.send(());
        let first_got = held.join().unwrap();

        let serial = Admin::new(MemoryStore::load(shares).unwrap(), tree(), Policy::default());
        if was_held {
            prop_assert_eq!(&second.run(&serial), &second_got);
            prop_assert_eq!(&first.run(&serial), &first_got, "{:?} after {:?}", first, second);
        } else {
            prop_assert_eq!(&first.run(&serial), &first_got);
            prop_assert_eq!(&second.run(&serial), &second_got);
        }
        prop_assert_eq!(state(&serial), state(&*admin));
    }
}

// ------------------------------------------------------------------------------ invariant 13

/// An arbitrary world, some of its shares made pending or scheduled, and the document's
/// inheritance perhaps cut: the facade over it.
fn facade() -> impl Strategy<Value = (arbitrary::World, Vec<Share>, bool)> {
    (arbitrary::world(), proptest::collection::vec(0u8..4, 12), any::<bool>()).prop_map(
        |(world, terms, cut)| {
            let shares = world
                .shares()
                .zip(terms.into_iter().cycle())
                .map(|(s, term)| match term {
                    1 if !s.is_restrict()
                        && matches!(
                            s.recipient(),
                            Recipient::User { .. } | Recipient::Email { .. }
                        ) =>
                    {
                        s.clone().with_pending(true)
                    }
                    2 if s.expires().is_none_or(|e| e > world.now + Duration::days(1)) => {
                        s.clone().with_start(Some(world.now + Duration::days(1)))
                    }
                    _ => s.clone(),
                })
                .collect();
            (world, shares, cut)
        },
    )
}

fn admin_over(world: &arbitrary::World, shares: Vec<Share>, cut: bool) -> Facade<MemoryStore> {
    let mut tree = Hierarchy::new();
    for (i, node) in world.path.iter().enumerate().rev() {
        let parent = world.path.get(i + 1).map(|p| p.resource.clone());
        tree.add(node.resource.clone(), parent, node.owner.clone()).unwrap();
    }
    if cut {
        tree.set_inherits(&world.path[0].resource, false).unwrap();
    }
    Admin::new(MemoryStore::load(shares).unwrap(), tree, Policy::new(world.settings.clone()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Invariant 13: "shared with me" lists exactly what the decisions give (each resource
    /// with the principal's whole answer there, none it holds nothing on), and "who has
    /// access" lists only shares the asker may read, never with a token, and every such share
    /// that reaches the resource.
    #[test]
    fn listings_agree_with_decisions((world, shares, cut) in facade(), include_public in any::<bool>()) {
        let admin = admin_over(&world, shares.clone(), cut);
        let at = world.now;
        for p in &world.principals {
            let listed = block_on(admin.shared_with_me(p, include_public, &Page::ALL, at)).unwrap();
            for item in &listed.items {
                let held = block_on(admin.permissions(p, &item.resource, at)).unwrap();
                prop_assert!(!held.is_empty());
                prop_assert_eq!(held, item.permissions);
            }
            // Complete: every resource with a grant that counts for the principal is listed,
            // unless it owns it (itself or through an ancestor) or holds nothing there.
            for (i, node) in world.path.iter().enumerate() {
                let counts = shares.iter().any(|s| {
                    s.resource() == &node.resource
                        && !s.is_restrict()
                        && s.is_active(at)
                        && !s.is_pending()
                        && s.is_unlocked_for(p)
                        && !s.permissions().is_empty()
                        && s.recipient().matches(p)
                        && admin.policy().enables(s, p)
                        && (include_public
                            || !matches!(s.recipient(), Recipient::Public | Recipient::Link(_)))
                });
                let owned = p.kind() != PrincipalKind::Anonymous
                    && world.path[i..].iter().any(|n| n.owner.as_ref() == Some(p.id()));
                let held = block_on(admin.permissions(p, &node.resource, at)).unwrap();
                if counts && !owned && !held.is_empty() {
                    prop_assert!(listed.items.iter().any(|r| r.resource == node.resource),
                        "{} not listed for {}", node.resource, p.id());
                }
            }
            let doc = &world.path[0].resource;
            let entries = block_on(admin.who_has_access(p, doc, at)).unwrap();
            for entry in &entries {
                prop_assert!(entry.share.retrievable_token().is_err(), "a token in a listing");
                prop_assert_eq!(entry.state, entry.share.state(at));
                let read = block_on(admin.authorize_share(p, ShareAction::Read, &entry.share, at)).unwrap();
                prop_assert!(read.is_allowed(), "{} listed for {}", entry.share.id(), p.id());
            }
            // Complete: the document's own shares that the asker may read are all there.
            for s in shares.iter().filter(|s| s.resource() == doc) {
                let read = block_on(admin.authorize_share(p, ShareAction::Read, s, at)).unwrap();
                if read.is_allowed() {
                    prop_assert!(entries.iter().any(|e| e.share.id() == s.id()));
                }
            }
        }
    }
}

// ------------------------------------------------------------------------------ invariant 14

#[derive(Debug, Clone)]
enum Op {
    Create(usize),
    Update(usize),
    Delete(usize),
    Visit(usize),
    Note,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..6).prop_map(Op::Create),
        (0usize..6).prop_map(Op::Update),
        (0usize..6).prop_map(Op::Delete),
        (0usize..6).prop_map(Op::Visit),
        Just(Op::Note),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Invariant 14: every mutation has a revision, strictly increasing; read in pages of any
    /// size from any point, the change feed gives each mutation once, in order, and nothing
    /// for a failed one.
    #[test]
    fn the_change_feed_misses_none_and_repeats_none(
        ops in proptest::collection::vec(op(), 0..40),
        page in 1usize..7,
        start in 0u64..5,
    ) {
        let store = MemoryStore::new();
        let actor: PrincipalId = "alice".parse().unwrap();
        let doc: ResourceRef = "document:d1".parse().unwrap();
        let id = |i: usize| -> ShareId { format!("s{i}").parse().unwrap() };
        let mut written = Vec::new();
        for op in &ops {
            let applied = match op {
                Op::Create(i) => block_on(store.create(
                    Share::new(id(*i), doc.clone(), actor.clone(),
                        Recipient::User { id: format!("u{i}").parse().unwrap() },
                        AccessLevel::Viewer, now()),
                    &actor, now())).map(|a| a.revision),
                Op::Update(i) => match block_on(store.get(&id(*i))).unwrap() {
                    Some(s) => block_on(store.update(s.id(), s.version(),
                        &SharePatch::to_access(AccessLevel::Editor), &actor, now())).map(|a| a.revision),
                    None => continue,
                },
                Op::Delete(i) => block_on(store.delete(&id(*i), &actor, now())).map(|a| a.revision),
                Op::Visit(i) => block_on(store.record_visit(&id(*i), &actor, now())).map(|a| a.revision),
                Op::Note => block_on(store.note(&doc, LogEvent::InheritanceCut,
                    &Precondition::none(), &actor, now())),
            };
            if let Ok(revision) = applied {
                written.push(revision);
            }
        }
        prop_assert!(written.windows(2).all(|w| w[0] < w[1]), "revisions strictly increase");
        let from = Revision::new(start.min(written.len() as u64));
        let mut after = from;
        let mut seen = Vec::new();
        loop {
            let chunk = block_on(store.changes_since(after, page)).unwrap();
            prop_assert!(chunk.len() <= page);
            let Some(last) = chunk.last() else { break };
            after = last.revision;
            seen.extend(chunk.iter().map(|e| e.revision));
        }
        let expected: Vec<Revision> = written.into_iter().filter(|r| *r > from).collect();
        prop_assert_eq!(seen, expected);
    }
}
