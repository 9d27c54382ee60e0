//! A stress test: four threads run mixed operations (create, update with versions, delete,
//! batch grant and revoke, visit, sweep, list) on one `MemoryStore` for a bounded number of
//! iterations; afterwards no update was lost (each accepted update bumped the version exactly
//! once), the log has exactly one entry per successful mutation, recipients never changed, and
//! the revisions every thread got are strictly increasing per thread and unique across threads,
//! and are exactly the change feed's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::sync::Arc;
use std::thread;

use chrono::{DateTime, Duration, TimeZone, Utc};
use pollster::block_on;
use shareguard::model::{
    AccessLevel, Level, LogEvent, Principal, PrincipalId, PrincipalKind, Recipient, ResourceRef,
    Revision, Share, ShareId, SharePatch,
};
use shareguard::store::{BatchOutcome, GrantItem, Page, ShareFilter};
use shareguard::{MemoryStore, ShareStore, StoreError};

const THREADS: usize = 4;
const ITERATIONS: usize = 2_000;
const RESOURCES: [&str; 4] = ["folder:f1", "folder:f2", "document:d1", "document:d2"];
const USERS: [&str; 5] = ["u0", "u1", "u2", "u3", "u4"];

/// A small deterministic generator (xorshift64*), so that runs are reproducible per thread.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        usize::try_from(x >> 33).unwrap() % n
    }
}

fn t(secs: usize) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap() + Duration::seconds(secs as i64)
}

fn user(id: &str) -> Recipient {
    Recipient::User { id: id.parse().unwrap() }
}

/// What one thread saw succeed.
#[derive(Default)]
struct Tally {
    /// Successful mutations per resource: each must have exactly one log entry.
    mutations: HashMap<ResourceRef, usize>,
    /// The versions accepted updates (and batch updates) produced, per share.
    versions: HashMap<ShareId, Vec<u64>>,
    /// The recipient each share was created with.
    recipients: HashMap<ShareId, Recipient>,
    /// The revisions of this thread's writes, in the order it made them.
    revisions: Vec<Revision>,
}

impl Tally {
    fn mutated(&mut self, share: &Share, revision: Revision) {
        *self.mutations.entry(share.resource().clone()).or_default() += 1;
        if let Some(last) = self.revisions.last() {
            assert!(*last < revision, "revision {revision} after {last} on one thread");
        }
        self.revisions.push(revision);
    }

    fn merge(&mut self, other: Tally) {
        for (r, n) in other.mutations {
            *self.mutations.entry(r).or_default() += n;
        }
        for (id, mut v) in other.versions {
            self.versions.entry(id).or_default().append(&mut v);
        }
        for (id, r) in other.recipients {
            assert!(self.recipients.insert(id.clone(), r).is_none(), "{id} created twice");
        }
        self.revisions.extend(other.revisions);
    }
}

fn pick_id(rng: &mut Rng, i: usize) -> ShareId {
    let thread = rng.below(THREADS);
    let n = rng.below(i + 1);
    format!("t{thread}-{n}").parse().unwrap()
}

fn store_log(store: &MemoryStore, id: &ShareId) -> Vec<shareguard::model::LogEntry> {
    block_on(store.log_for_share(id, &Page::ALL)).unwrap().items
}

/// The revision of the last entry of a removed share's log, which its removal wrote after
/// `before`.
fn removal_revision(log: &[shareguard::model::LogEntry], before: Revision) -> Revision {
    let last = log.last().expect("a removed share has a log");
    assert!(last.revision > before, "the removal's entry is the share's last");
    last.revision
}

fn run(store: &MemoryStore, thread: usize) -> Tally {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (thread as u64 + 1).wrapping_mul(0x1234_5678_9abc));
    let mut tally = Tally::default();
    let actor: PrincipalId = format!("t{thread}").parse().unwrap();
    for i in 0..ITERATIONS {
        let now = t(i);
        let resource: ResourceRef = RESOURCES[rng.below(RESOURCES.len())].parse().unwrap();
        match rng.below(10) {
            0 | 1 => {
                let id: ShareId = format!("t{thread}-{i}").parse().unwrap();
                let recipient = user(USERS[rng.below(USERS.len())]);
                let expires = (rng.below(3) == 0).then(|| t(i + rng.below(200)));
                let share = Share::new(
                    id.clone(),
                    resource,
                    actor.clone(),
                    recipient.clone(),
                    AccessLevel::Viewer,
                    now,
                )
                .with_expiry(expires);
                let created = block_on(store.create(share, &actor, now)).unwrap();
                tally.mutated(&created.share, created.revision);
                tally.recipients.insert(id, recipient);
            }
            2 | 3 => {
                let id = pick_id(&mut rng, i);
                let Some(current) = block_on(store.get(&id)).unwrap() else { continue };
                let stale = rng.below(5) == 0;
                let expected = if stale { current.version() - 1 } else { current.version() };
                let level = [Level::Viewer, Level::Editor, Level::Commenter][rng.below(3)];
                let patch = SharePatch { access: Some(level), ..SharePatch::default() };
                match block_on(store.update(&id, expected, &patch, &actor, now)) {
                    Ok(applied) => {
                        let updated = &applied.share;
                        assert!(!stale, "a stale version was accepted for {id}");
                        assert_eq!(updated.version(), expected + 1, "an update bumps once");
                        tally.versions.entry(id).or_default().push(updated.version());
                        tally.mutated(updated, applied.revision);
                    }
                    Err(StoreError::Conflict { actual, .. }) => assert!(actual > expected || stale),
                    Err(StoreError::NotFound(_)) => {}
                    Err(e) => panic!("update {id}: {e}"),
                }
            }
            4 => {
                let id = pick_id(&mut rng, i);
                match block_on(store.delete(&id, &actor, now)) {
                    Ok(gone) => tally.mutated(&gone.share, gone.revision),
                    Err(StoreError::NotFound(_)) => {}
                    Err(e) => panic!("delete {id}: {e}"),
                }
            }
            5 => {
                let items: Vec<GrantItem> = (0..rng.below(3) + 1)
                    .map(|_| GrantItem {
                        recipient: user(USERS[rng.below(USERS.len())]),
                        access: [AccessLevel::Viewer, AccessLevel::Editor, AccessLevel::Restrict]
                            [rng.below(3)],
                        view_log: rng.below(2) == 0,
                    })
                    .collect();
                let outcomes =
                    block_on(store.grant_batch(&resource, &actor, &items, &actor, now)).unwrap();
                for (item, outcome) in items.iter().zip(outcomes) {
                    match outcome {
                        BatchOutcome::Created { share, revision } => {
                            assert_eq!(share.version(), 1);
                            tally.recipients.insert(share.id().clone(), item.recipient.clone());
                            tally.mutated(&share, revision);
                        }
                        BatchOutcome::Updated { share, revision } => {
                            tally
                                .versions
                                .entry(share.id().clone())
                                .or_default()
                                .push(share.version());
                            tally.mutated(&share, revision);
                        }
                        BatchOutcome::Error { .. } => {
                            assert_eq!(item.access, AccessLevel::Restrict, "only restrict fails");
                        }
                        other => panic!("a grant only creates or updates: {other:?}"),
                    }
                }
            }
            6 => {
                let recipients = [user(USERS[rng.below(USERS.len())])];
                let before = block_on(store.revision()).unwrap();
                for outcome in
                    block_on(store.revoke_batch(&resource, &recipients, &actor, now)).unwrap()
                {
                    if let BatchOutcome::Removed { shares, revision } = outcome {
                        // Each removal is a write of its own: the ones before the last got
                        // revisions between the call's start and the last one.
                        let (last, earlier) = shares.split_last().expect("a removal removes");
                        for share in earlier {
                            let mine = removal_revision(&store_log(store, share.id()), before);
                            tally.mutated(share, mine);
                        }
                        tally.mutated(last, revision);
                    }
                }
            }
            7 => {
                let id = pick_id(&mut rng, i);
                match block_on(store.record_visit(&id, &actor, now)) {
                    Ok(visited) => tally.mutated(&visited.share, visited.revision),
                    Err(StoreError::NotFound(_)) => {}
                    Err(e) => panic!("visit {id}: {e}"),
                }
            }
            8 => {
                if rng.below(4) == 0 {
                    let before = block_on(store.revision()).unwrap();
                    for swept in block_on(store.sweep_expired(now, &actor)).unwrap() {
                        assert!(!swept.is_active(now));
                        let mine = removal_revision(&store_log(store, swept.id()), before);
                        tally.mutated(&swept, mine);
                    }
                }
            }
            _ => {
                let filter = ShareFilter { resource: Some(resource), ..ShareFilter::default() };
                let page = block_on(store.list(&filter, &Page::first(rng.below(5) + 1))).unwrap();
                assert!(page.items.len() <= 5 && page.total >= page.items.len());
                assert!(page.items.windows(2).all(|w| w[0].id() < w[1].id()), "by id");
                let who =
                    Principal::builder(USERS[rng.below(USERS.len())], PrincipalKind::Internal)
                        .build()
                        .unwrap();
                let mine = block_on(store.shares_reaching(&who, false, &Page::ALL)).unwrap();
                assert!(mine.items.iter().all(|s| s.recipient().matches(&who)));
            }
        }
    }
    tally
}

#[test]
fn concurrent_mixed_operations_keep_every_invariant() {
    let store = Arc::new(MemoryStore::new());
    let handles: Vec<_> = (0..THREADS)
        .map(|thread| {
            let store = Arc::clone(&store);
            thread::spawn(move || run(&store, thread))
        })
        .collect();
    let mut tally = Tally::default();
    for handle in handles {
        tally.merge(handle.join().expect("a worker thread panicked"));
    }

    // The log has exactly one entry per successful mutation, in increasing order.
    for r in RESOURCES {
        let resource: ResourceRef = r.parse().unwrap();
        let log = block_on(store.log_for_resource(&resource, &Page::ALL)).unwrap();
        let expected = tally.mutations.get(&resource).copied().unwrap_or(0);
        assert_eq!(log.total, expected, "log entries of {r}");
        assert!(log.items.windows(2).all(|w| w[0].revision < w[1].revision), "log order of {r}");
        assert!(
            log.items
                .iter()
                .all(|e| e.share.as_ref().is_some_and(|s| tally.recipients.contains_key(s)))
        );
    }

    // No update was lost: the versions accepted updates produced for a share are exactly
    // 2, 3, …, each once, and the share (if it is still there) is at the last of them.
    for (id, versions) in &mut tally.versions {
        versions.sort_unstable();
        let contiguous: Vec<u64> = (2..versions.len() as u64 + 2).collect();
        assert_eq!(*versions, contiguous, "versions produced for {id}");
        let log = store_log(&store, id);
        let updates = log
            .iter()
            .filter(|e| matches!(e.event, LogEvent::Changed { .. } | LogEvent::AccessAdded { .. }))
            .count();
        let created_by_grant =
            matches!(log.first().map(|e| &e.event), Some(LogEvent::AccessAdded { .. }));
        assert_eq!(
            updates - usize::from(created_by_grant),
            versions.len(),
            "logged updates of {id}"
        );
    }

    // Every share left has its original recipient and the version its updates gave it.
    // Revisions: unique across threads, and exactly the change feed's, which has no gap.
    let mut revisions = tally.revisions.clone();
    revisions.sort_unstable();
    let count = revisions.len();
    revisions.dedup();
    assert_eq!(revisions.len(), count, "a revision handed to two writes");
    let feed = block_on(store.changes_since(Revision::ZERO, usize::MAX)).unwrap();
    let fed: Vec<Revision> = feed.iter().map(|e| e.revision).collect();
    assert_eq!(fed, revisions, "the change feed holds exactly the writes made");
    assert_eq!(block_on(store.revision()).unwrap(), *revisions.last().unwrap());

    let all = block_on(store.list(&ShareFilter::default(), &Page::ALL)).unwrap().items;
    assert_eq!(all.len(), store.len().unwrap());
    for share in &all {
        assert_eq!(
            Some(share.recipient()),
            tally.recipients.get(share.id()),
            "recipient of {}",
            share.id()
        );
        let updates = tally.versions.get(share.id()).map_or(0, Vec::len) as u64;
        assert_eq!(share.version(), 1 + updates, "version of {}", share.id());
    }
    assert!(!tally.mutations.is_empty(), "the threads did something");
}
