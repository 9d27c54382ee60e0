//! `SqliteStore`: the conformance suite and the model-based property test (in memory and on a
//! file), durability across reopening, crash safety (a child process killed mid-batch),
//! conditional writes across two stores on one file, the migration from schema version 1,
//! instants that round-trip, link tokens never in clear, threads and runtimes, and bad files
//! as typed errors.
#![cfg(feature = "sqlite")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use shareguard::model::{
    Level, LinkToken, LogEntry, LogEvent, PrincipalId, Revision, ShareId, ShareLink, SharePatch,
    Usage,
};
use shareguard::store::{Durability, GrantItem, OpenError, Page, Precondition, ShareFilter, Write};
use shareguard::{
    AccessLevel, Principal, PrincipalKind, Recipient, ResourceRef, Share, ShareStore, SqliteStore,
    StoreError,
};

/// A database path under the temporary directory, removed (with its WAL files) on drop.
struct TempDb(PathBuf);

impl TempDb {
    fn new() -> Self {
        Self(std::env::temp_dir().join(format!("shareguard-test-{}.db", uuid::Uuid::new_v4())))
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn sibling(&self, suffix: &str) -> PathBuf {
        PathBuf::from(format!("{}{suffix}", self.0.display()))
    }

    /// Every byte SQLite keeps for the database: the file and its write-ahead log.
    fn bytes(&self) -> Vec<u8> {
        let mut all = std::fs::read(&self.0).unwrap_or_default();
        all.extend(std::fs::read(self.sibling("-wal")).unwrap_or_default());
        all
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(self.sibling(suffix));
        }
    }
}

/// A store on a fresh temporary file, keeping the file alive as long as the store.
#[cfg_attr(not(feature = "conformance"), allow(dead_code))]
struct FileStore {
    store: SqliteStore,
    _file: TempDb,
}

#[cfg_attr(not(feature = "conformance"), allow(dead_code))]
impl FileStore {
    fn new() -> Self {
        let file = TempDb::new();
        Self { store: SqliteStore::open(file.path()).unwrap(), _file: file }
    }
}

fn b<T>(future: impl std::future::Future<Output = T>) -> T {
    pollster::block_on(future)
}

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

fn token(text: &str) -> LinkToken {
    LinkToken::presented(text).unwrap()
}

fn ids(shares: &[Share]) -> Vec<&str> {
    shares.iter().map(|s| s.id().as_str()).collect()
}

fn grant(recipient: Recipient, access: AccessLevel) -> GrantItem {
    GrantItem { recipient, access, view_log: false }
}

fn share(id: &str, resource: &str, recipient: Recipient) -> Share {
    Share::new(sid(id), res(resource), pid("alice"), recipient, AccessLevel::Viewer, t(0))
}

/// The revision of the shares on one resource.
fn revision_of(store: &dyn ShareStore, resource: &str) -> Revision {
    b(store.shares_on(&[res(resource)])).unwrap()[0].1
}

// ---------------------------------------------------------------------------------------------
// The conformance suite and the model-based property test, in memory and on a file.

#[cfg(feature = "conformance")]
mod conformance_suite {
    use super::*;
    use shareguard::store::conformance;

    macro_rules! each {
        ($($name:ident),* $(,)?) => {
            mod in_memory {
                use super::*;
                $(#[test] fn $name() { conformance::$name(&SqliteStore::in_memory().unwrap()); })*
            }
            mod on_file {
                use super::*;
                $(#[test] fn $name() { conformance::$name(&FileStore::new().store); })*
            }
        };
    }

    shareguard::conformance_checks!(each);

    #[test]
    fn run_all_in_memory_through_box() {
        conformance::run_all(&|| {
            Box::new(SqliteStore::in_memory().unwrap()) as Box<dyn ShareStore>
        });
    }

    #[test]
    fn run_all_on_file_through_arc() {
        conformance::run_all(&|| {
            let shared: Arc<SqliteStore> = Arc::new(FileStore::new().store);
            Box::new(shared) as Box<dyn ShareStore>
        });
    }

    /// The race checks across two connections to one file: two service instances.
    #[test]
    fn races_across_two_connections_to_one_file() {
        let dir = TempDb::new();
        let counter = std::sync::atomic::AtomicU64::new(0);
        conformance::races(&|| {
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let path = dir.sibling(&format!("-race-{n}.db"));
            let first = SqliteStore::open(&path).unwrap();
            let second = SqliteStore::open(&path).unwrap();
            (Box::new(first) as Box<dyn ShareStore>, Box::new(second) as Box<dyn ShareStore>)
        });
        let n = counter.load(std::sync::atomic::Ordering::Relaxed);
        for i in 0..n {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(dir.sibling(&format!("-race-{i}.db{suffix}")));
            }
        }
    }

    #[test]
    fn in_memory_agrees_with_the_model() {
        conformance::model_based(
            &|| Box::new(SqliteStore::in_memory().unwrap()) as Box<dyn ShareStore>,
            256,
        );
    }

    #[test]
    fn on_file_agrees_with_the_model() {
        // Fewer cases: every step commits to disk. The file is removed when the test ends
        // (each case's store holds it open until dropped).
        let dir = TempDb::new();
        let counter = std::sync::atomic::AtomicU64::new(0);
        conformance::model_based(
            &|| {
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let path = dir.sibling(&format!("-{n}.db"));
                Box::new(SqliteStore::open(&path).unwrap()) as Box<dyn ShareStore>
            },
            24,
        );
        let n = counter.load(std::sync::atomic::Ordering::Relaxed);
        for i in 0..n {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(dir.sibling(&format!("-{i}.db{suffix}")));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Durability

/// Everything a store shows about some resources: every share (with version and usage), the
/// log of each resource and of each share, and the revisions.
fn everything(
    store: &dyn ShareStore,
    resources: &[&str],
) -> (Vec<Share>, Vec<Vec<LogEntry>>, Vec<Revision>) {
    let shares = b(store.list(&ShareFilter::default(), &Page::ALL)).unwrap().items;
    let mut logs: Vec<Vec<LogEntry>> = resources
        .iter()
        .map(|r| b(store.log_for_resource(&res(r), &Page::ALL)).unwrap().items)
        .collect();
    logs.extend(shares.iter().map(|s| b(store.log_for_share(s.id(), &Page::ALL)).unwrap().items));
    let mut revisions: Vec<Revision> = resources.iter().map(|r| revision_of(store, r)).collect();
    revisions.push(b(store.revision()).unwrap());
    (shares, logs, revisions)
}

#[test]
fn everything_survives_reopening() {
    let file = TempDb::new();
    let resources = ["folder:f1", "document:d1", "document:d2"];
    let secret = LinkToken::generate().unwrap();
    let kept = LinkToken::generate().unwrap();
    let alice = pid("alice");
    let before = {
        let store = SqliteStore::open(file.path()).unwrap();
        let s1 = share("s1", "folder:f1", Recipient::Group { id: "eng".parse().unwrap() })
            .with_expiry(Some(t(3600) + Duration::nanoseconds(123_456_789)))
            .with_message(Some("for the review".into()));
        b(store.create(s1, &alice, t(0))).unwrap();
        for (id, recipient) in [
            ("link", Recipient::Link(ShareLink::new(&secret, false))),
            ("kept", Recipient::Link(ShareLink::new(&kept, true))),
            ("email", Recipient::Email { email: "Bob@Corp.Example".parse().unwrap() }),
        ] {
            let share = Share::new(
                sid(id),
                res("document:d1"),
                alice.clone(),
                recipient,
                AccessLevel::Commenter,
                t(1),
            );
            b(store.create(share, &alice, t(1))).unwrap();
        }
        let editor = SharePatch { access: Some(Level::Editor), ..SharePatch::default() };
        b(store.update(&sid("s1"), 1, &editor, &pid("bob"), t(2))).unwrap();
        let custom = SharePatch {
            access: Some(Level::Custom),
            permissions: Some(AccessLevel::Viewer.permissions()),
            expires: Some(None),
            ..SharePatch::default()
        };
        b(store.update(&sid("s1"), 2, &custom, &pid("bob"), t(3))).unwrap();
        for i in 0..3 {
            b(store.record_visit(&sid("link"), &pid("anonymous"), t(10 + i))).unwrap();
        }
        let retrieved = Write::LinkRetrieved { id: sid("kept") };
        b(store.apply(retrieved, &Precondition::none(), &alice, t(20))).unwrap();
        let items =
            [grant(user("carol"), AccessLevel::Viewer), grant(user("dan"), AccessLevel::Editor)];
        b(store.grant_batch(&res("document:d2"), &alice, &items, &pid("admin"), t(21))).unwrap();
        b(store.grant_batch(&res("document:d2"), &alice, &items[..1], &pid("admin"), t(22)))
            .unwrap();
        b(store.revoke_batch(&res("document:d2"), &[user("dan")], &pid("admin"), t(23))).unwrap();
        b(store.delete(&sid("email"), &alice, t(24))).unwrap();
        everything(&store, &resources)
    };
    assert_eq!(before.0.len(), 4, "s1, link, kept and carol's share");
    assert_eq!(before.2.last(), Some(&Revision::new(15)), "one revision per write");
    let reopened = SqliteStore::open(file.path()).unwrap();
    let after = everything(&reopened, &resources);
    assert_eq!(after, before, "shares, versions, usage, the log and revisions are all equal");
    let s1 = b(reopened.get(&sid("s1"))).unwrap().unwrap();
    assert_eq!((s1.version(), s1.expires()), (3, None));
    let link = b(reopened.find_link(&secret.digest())).unwrap().unwrap();
    assert_eq!((link.usage().visits, link.usage().last_visit), (3, Some(t(12))));
    let kept_share = b(reopened.find_link(&kept.digest())).unwrap().unwrap();
    match kept_share.recipient() {
        Recipient::Link(l) => assert_eq!(l.token().map(LinkToken::reveal), Some(kept.reveal())),
        other => panic!("a link, got {other}"),
    }

    // Writing goes on where it stopped: the next revision follows the last one.
    let visit = b(reopened.record_visit(&sid("s1"), &pid("bob"), t(30))).unwrap();
    assert_eq!(visit.revision, Revision::new(16));
    let feed = b(reopened.changes_since(Revision::new(14), 10)).unwrap();
    let revisions: Vec<u64> = feed.iter().map(|e| e.revision.get()).collect();
    assert_eq!(revisions, [15, 16]);
}

#[test]
fn process_durability_survives_reopening() {
    let file = TempDb::new();
    let s1 = share("s1", "folder:f1", user("bob"));
    {
        let store = SqliteStore::open_with(file.path(), Durability::Process).unwrap();
        b(store.create(s1.clone(), &pid("alice"), t(0))).unwrap();
    }
    let store = SqliteStore::open(file.path()).unwrap();
    assert_eq!(b(store.get(s1.id())).unwrap(), Some(s1));
    assert_eq!(b(store.log_for_share(&sid("s1"), &Page::ALL)).unwrap().total, 1);
}

/// Dropping the store ends its thread, which closes the database: SQLite folds the
/// write-ahead log back into the file and removes it when its last connection closes.
#[test]
fn dropping_the_store_closes_the_database() {
    let file = TempDb::new();
    let store = SqliteStore::open(file.path()).unwrap();
    b(store.create(share("s1", "folder:f1", user("bob")), &pid("alice"), t(0))).unwrap();
    assert!(file.sibling("-wal").exists(), "open: the write-ahead log is there");
    drop(store);
    assert!(!file.sibling("-wal").exists(), "dropped: the connection is closed");
}

#[test]
fn a_non_retrievable_token_never_reaches_the_file() {
    let file = TempDb::new();
    let store = SqliteStore::open(file.path()).unwrap();
    let secret = LinkToken::generate().unwrap();
    let kept = LinkToken::generate().unwrap();
    let a = pid("alice");
    for (id, link) in
        [("hidden", ShareLink::new(&secret, false)), ("kept", ShareLink::new(&kept, true))]
    {
        b(store.create(share(id, "document:d1", Recipient::Link(link)), &a, t(0))).unwrap();
    }
    // A revoke naming the retrievable link: the log keeps the digest, not the token.
    let retrievable = Recipient::Link(ShareLink::new(&kept, true));
    let outcomes = b(store.revoke_batch(&res("document:d1"), &[retrievable], &a, t(1))).unwrap();
    assert!(
        matches!(&outcomes[0], shareguard::store::BatchOutcome::Removed { shares, .. } if shares.len() == 1),
        "{outcomes:?}"
    );
    let bytes = file.bytes();
    let contains = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(contains(&secret.digest().to_hex()), "the digest is stored");
    assert!(!contains(secret.reveal()), "a non-retrievable token is never stored in clear");
    let log = b(store.log_for_resource(&res("document:d1"), &Page::ALL)).unwrap();
    let logged = serde_json::to_string(&log.items).unwrap();
    assert!(!logged.contains(kept.reveal()), "the log keeps link recipients by digest");
}

// ---------------------------------------------------------------------------------------------
// Instants

/// A share expiring after year 9999 was written into its JSON as `+10000-…`, which the
/// store could not read back: every read of its resource failed from then on.
#[test]
fn far_future_expiry_round_trips_in_sqlite() {
    let store = SqliteStore::in_memory().unwrap();
    let far = Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap();
    let s1 = share("s1", "folder:f1", user("bob")).with_expiry(Some(far));
    b(store.create(s1.clone(), &pid("alice"), t(0))).unwrap();
    assert_eq!(b(store.get(&sid("s1"))).unwrap(), Some(s1.clone()));
    let on = b(store.shares_on(&[res("folder:f1")])).unwrap();
    assert_eq!(on[0].0, [s1], "the resource's shares still read");
}

fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
    let (min, max) = (DateTime::<Utc>::MIN_UTC.timestamp(), DateTime::<Utc>::MAX_UTC.timestamp());
    let year_one = Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap().timestamp();
    let year_9999 = Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap().timestamp();
    // Years 1 to 9999 (what the model accepts), and the whole range chrono holds.
    let secs = prop_oneof![3 => year_one..=year_9999, 1 => min..=max];
    (secs, 0u32..1_000_000_000)
        .prop_filter_map("an instant chrono holds", |(s, n)| DateTime::from_timestamp(s, n))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    /// Every instant a share or a log entry carries comes back as it went in, and the
    /// expiry index compares instants as `chrono` does.
    #[test]
    fn instants_round_trip_in_sqlite(
        created in any_instant(),
        expires in any_instant(),
        visited in any_instant(),
        at in any_instant(),
    ) {
        let store = SqliteStore::in_memory().unwrap();
        let s1 = Share::new(sid("s1"), res("folder:f1"), pid("alice"), user("bob"),
            AccessLevel::Viewer, created)
            .with_expiry(Some(expires))
            .with_usage(Usage { last_visit: Some(visited), visits: 7 });
        b(store.create(s1.clone(), &pid("alice"), at)).unwrap();
        let stored = b(store.get(&sid("s1"))).unwrap().unwrap();
        prop_assert_eq!(stored, s1.with_version(1));
        let log = b(store.log_for_share(&sid("s1"), &Page::ALL)).unwrap();
        prop_assert_eq!(log.items[0].at, at);
        let expired = b(store.expired(at, 10)).unwrap();
        prop_assert_eq!(!expired.is_empty(), expires <= at);
    }
}

// ---------------------------------------------------------------------------------------------
// Conditional writes across processes: two stores, two connections, one file

#[test]
fn two_stores_on_one_file_refuse_a_stale_decision() {
    let file = TempDb::new();
    let (one, two) =
        (SqliteStore::open(file.path()).unwrap(), SqliteStore::open(file.path()).unwrap());
    let read = revision_of(&one, "folder:f1");
    assert_eq!(read, revision_of(&two, "folder:f1"));
    let pre = Precondition::from_iter([(res("folder:f1"), read)]);
    let create = |id: &str| Write::Create {
        share: share(id, "folder:f1", user(id)),
        event: LogEvent::Created,
    };
    let first = b(one.apply(create("s1"), &pre, &pid("alice"), t(1))).unwrap();
    let second = b(two.apply(create("s2"), &pre, &pid("alice"), t(1)));
    assert_eq!(
        second,
        Err(StoreError::Changed {
            resource: res("folder:f1"),
            expected: read,
            actual: first.revision
        })
    );
    assert_eq!(b(two.get(&sid("s2"))).unwrap(), None, "the refused write changed nothing");
    assert_eq!(b(two.revision()).unwrap(), first.revision);
    // Deciding again on what the other store wrote succeeds.
    let pre = Precondition::from_iter([(res("folder:f1"), revision_of(&two, "folder:f1"))]);
    let again = b(two.apply(create("s2"), &pre, &pid("alice"), t(2))).unwrap();
    assert_eq!(again.revision, first.revision.next());
}

/// Four stores on one file (four connections, as four processes would have) race to write
/// on one resource, each write conditional on the revision it read: no two writes succeed
/// A link's use limit holds across connections: four stores on one file (four processes,
/// as far as SQLite can tell), eight threads each, all recording a use of one link with
/// `max_uses: 7` at once — exactly 7 succeed, the rest are used up.
#[test]
fn stores_on_one_file_never_record_more_uses_than_the_limit() {
    let file = TempDb::new();
    let first = SqliteStore::open(file.path()).unwrap();
    let once = share("once", "document:d1", Recipient::Link(ShareLink::new(&token("tok"), false)))
        .with_max_uses(Some(7));
    b(first.create(once, &pid("alice"), t(0))).unwrap();
    let stores: Vec<SqliteStore> = std::iter::once(first)
        .chain((0..3).map(|_| SqliteStore::open_with(file.path(), Durability::Process).unwrap()))
        .collect();
    let start = std::sync::Barrier::new(32);
    let results: Vec<Result<u64, StoreError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..32)
            .map(|i| {
                let (store, start) = (&stores[i % 4], &start);
                scope.spawn(move || {
                    start.wait();
                    b(store.record_visit(&sid("once"), &pid("v"), t(1)))
                        .map(|a| a.share.usage().visits)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut counts: Vec<u64> = results.iter().filter_map(|r| r.as_ref().ok().copied()).collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=7).collect::<Vec<u64>>(), "{results:?}");
    assert!(
        results.iter().all(|r| r.is_ok() || matches!(r, Err(StoreError::UsedUp(_)))),
        "{results:?}"
    );
    let link = b(stores[3].get(&sid("once"))).unwrap().unwrap();
    assert_eq!((link.usage().visits, link.is_used_up()), (7, true));
}

/// on the same read, and the revisions of the writes that did follow one another.
#[test]
fn stores_on_one_file_apply_one_decision_at_a_time() {
    let file = TempDb::new();
    drop(SqliteStore::open(file.path()).unwrap());
    let path = file.path().to_owned();
    let handles: Vec<_> = (0..4)
        .map(|n| {
            let path = path.clone();
            std::thread::spawn(move || {
                let store = SqliteStore::open_with(&path, Durability::Process).unwrap();
                let mut won = Vec::new();
                for i in 0..30 {
                    let read = revision_of(&store, "folder:f1");
                    let pre = Precondition::from_iter([(res("folder:f1"), read)]);
                    let id = format!("t{n}-{i}");
                    let write = Write::Create {
                        share: share(&id, "folder:f1", user(&id)),
                        event: LogEvent::Created,
                    };
                    match b(store.apply(write, &pre, &pid("alice"), t(i))) {
                        Ok(applied) => won.push((read, applied.revision)),
                        Err(e) if e.is_conflict() => {}
                        Err(e) => panic!("{e}"),
                    }
                }
                won
            })
        })
        .collect();
    let mut won: Vec<(Revision, Revision)> =
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    won.sort();
    assert!(!won.is_empty());
    for (i, (read, written)) in won.iter().enumerate() {
        assert_eq!(read.get(), i as u64, "each write decided on the one before it");
        assert_eq!(written.get(), i as u64 + 1);
    }
    let store = SqliteStore::open(file.path()).unwrap();
    let total = b(store.list(&ShareFilter::default(), &Page::ALL)).unwrap().total;
    assert_eq!(total, won.len(), "one share per successful write, none for a refused one");
}

// ---------------------------------------------------------------------------------------------
// Migration from schema version 1

/// Schema version 1, as shareguard 0.2 wrote it.
const SCHEMA_V1: &str = "CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT;
     INSERT INTO schema_version (version) VALUES (1);
     CREATE TABLE shares (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
         resource TEXT NOT NULL, sharer TEXT NOT NULL, rtype TEXT NOT NULL,
         rkey TEXT NOT NULL, expires_s INTEGER, expires_ns INTEGER, body TEXT NOT NULL) STRICT;
     CREATE INDEX shares_by_resource ON shares (resource, seq);
     CREATE INDEX shares_by_sharer ON shares (sharer, seq);
     CREATE INDEX shares_by_recipient ON shares (rtype, rkey, seq);
     CREATE INDEX shares_by_expiry ON shares (expires_s, expires_ns);
     CREATE TABLE log (seq INTEGER PRIMARY KEY, share TEXT NOT NULL, resource TEXT NOT NULL,
         actor TEXT NOT NULL, at_s INTEGER NOT NULL, at_ns INTEGER NOT NULL,
         event TEXT NOT NULL) STRICT;
     CREATE INDEX log_by_share ON log (share, seq);
     CREATE INDEX log_by_resource ON log (resource, seq);
     PRAGMA application_id = 1397183044;";

/// A version 1 file holding data: `s1` on folder:f1 (created, changed), `s2` on folder:f2
/// created, deleted and created again under the same id, and `s3` on folder:f1 whose expiry
/// (year 10000) version 1 wrote into its JSON in a form it could not read back.
fn version_1_file(file: &TempDb) -> (Share, Share, Share) {
    let conn = rusqlite::Connection::open(file.path()).unwrap();
    conn.execute_batch(SCHEMA_V1).unwrap();
    let s1 = share("s1", "folder:f1", user("bob")).with_version(2).with_message(Some("hi".into()));
    let s2 = share("s2", "folder:f2", user("carol"));
    let far = Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap();
    let s3 = share("s3", "folder:f1", user("dan")).with_expiry(Some(far));
    for (seq, s) in [(1, &s1), (3, &s2), (4, &s3)] {
        let (es, ens) = s.expires().map(|e| (e.timestamp(), e.timestamp_subsec_nanos())).unzip();
        let rkey = match s.recipient() {
            Recipient::User { id } => id.as_str().to_owned(),
            _ => unreachable!(),
        };
        conn.execute(
            "INSERT INTO shares VALUES (?1, ?2, ?3, 'alice', 'user', ?4, ?5, ?6, ?7)",
            rusqlite::params![
                seq,
                s.id().as_str(),
                s.resource().as_str(),
                rkey,
                es,
                ens,
                serde_json::to_string(s).unwrap()
            ],
        )
        .unwrap();
    }
    let changed = LogEvent::Changed { changes: Vec::new() };
    for (seq, id, resource, at, event) in [
        (1, "s1", "folder:f1", 1, LogEvent::Created),
        (2, "s2", "folder:f2", 2, LogEvent::Created),
        (3, "s1", "folder:f1", 3, changed),
        (4, "s2", "folder:f2", 4, LogEvent::Deleted),
        (5, "s2", "folder:f2", 5, LogEvent::Created),
        (6, "s3", "folder:f1", 6, LogEvent::Created),
        (7, "s2", "folder:f2", 7, LogEvent::Visited),
    ] {
        conn.execute(
            "INSERT INTO log VALUES (?1, ?2, ?3, 'alice', ?4, 0, ?5)",
            rusqlite::params![
                seq * 10, // version 1 numbers need not be dense: the order is what counts
                id,
                resource,
                t(at).timestamp(),
                serde_json::to_string(&event).unwrap()
            ],
        )
        .unwrap();
    }
    (s1, s2, s3)
}

#[test]
fn a_version_1_file_migrates_with_its_data() {
    let file = TempDb::new();
    let (s1, s2, s3) = version_1_file(&file);
    let store = SqliteStore::open(file.path()).unwrap();
    assert_eq!(b(store.get(&sid("s1"))).unwrap(), Some(s1.clone()));
    assert_eq!(b(store.get(&sid("s2"))).unwrap(), Some(s2.clone()));
    assert_eq!(b(store.get(&sid("s3"))).unwrap(), Some(s3.clone()), "the far expiry is rescued");

    // The log in its old order, numbered 1 to 7; each resource at its newest entry.
    let feed = b(store.changes_since(Revision::ZERO, 100)).unwrap();
    let order: Vec<(u64, &str, &str)> = feed
        .iter()
        .map(|e| (e.revision.get(), e.share.as_ref().map_or("", |s| s.as_str()), e.event.name()))
        .collect();
    assert_eq!(
        order,
        [
            (1, "s1", "created"),
            (2, "s2", "created"),
            (3, "s1", "changed"),
            (4, "s2", "deleted"),
            (5, "s2", "created"),
            (6, "s3", "created"),
            (7, "s2", "visited"),
        ]
    );
    assert_eq!(feed[0].at, t(1));
    assert_eq!(b(store.revision()).unwrap(), Revision::new(7));
    assert_eq!(revision_of(&store, "folder:f1"), Revision::new(6));
    assert_eq!(revision_of(&store, "folder:f2"), Revision::new(7));
    let on_f1 = b(store.shares_on(&[res("folder:f1")])).unwrap();
    assert_eq!(on_f1[0].0, [s1, s3], "in the order they were created");

    // `s2` made again under its id: its log starts at its second creation.
    let log = b(store.log_for_share(&sid("s2"), &Page::ALL)).unwrap();
    let revisions: Vec<u64> = log.items.iter().map(|e| e.revision.get()).collect();
    assert_eq!((revisions, log.total), (vec![5, 7], 2));
    assert_eq!(b(store.log_for_share(&sid("s1"), &Page::ALL)).unwrap().total, 2);

    // Writing goes on at the next revision; the file is at the current version now.
    let next = b(store.record_visit(&sid("s1"), &pid("bob"), t(8))).unwrap();
    assert_eq!(next.revision, Revision::new(8));
    drop(store);
    let conn = rusqlite::Connection::open(file.path()).unwrap();
    let version: i64 =
        conn.query_row("SELECT version FROM schema_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SqliteStore::SCHEMA_VERSION);
}

// ---------------------------------------------------------------------------------------------
// Migration from schema version 2

/// Schema version 2 as shareguard 0.3 wrote it, indexes and all.
const SCHEMA_V2: &str = "CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT;
     INSERT INTO schema_version (version) VALUES (2);
     CREATE TABLE shares (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
         incarnation INTEGER NOT NULL, resource TEXT NOT NULL, sharer TEXT NOT NULL,
         rtype TEXT NOT NULL, rkey TEXT NOT NULL, recipient TEXT NOT NULL, access TEXT NOT NULL,
         reshare INTEGER NOT NULL, message TEXT, created_s INTEGER NOT NULL,
         created_ns INTEGER NOT NULL, expires_s INTEGER, expires_ns INTEGER,
         visits INTEGER NOT NULL, visited_s INTEGER, visited_ns INTEGER,
         version INTEGER NOT NULL) STRICT;
     CREATE TABLE log (revision INTEGER PRIMARY KEY, share TEXT NOT NULL,
         incarnation INTEGER NOT NULL, resource TEXT NOT NULL, actor TEXT NOT NULL,
         at_s INTEGER NOT NULL, at_ns INTEGER NOT NULL, event TEXT NOT NULL) STRICT;
     CREATE TABLE resources (resource TEXT PRIMARY KEY, revision INTEGER NOT NULL)
         STRICT, WITHOUT ROWID;
     CREATE INDEX shares_by_resource ON shares (resource, id);
     CREATE INDEX shares_by_sharer ON shares (sharer, id);
     CREATE INDEX shares_by_recipient ON shares (rtype, rkey, id);
     CREATE INDEX shares_by_expiry ON shares (expires_s, expires_ns);
     CREATE INDEX log_by_share ON log (share, incarnation, revision);
     CREATE INDEX log_by_resource ON log (resource, revision);
     PRAGMA application_id = 1397183044;";

/// A version 2 file holding data: `u1` (a user share, changed: a message, re-share rights,
/// an expiry, version 2), `l1` (a link visited twice, its token kept as version 2 kept it),
/// `l2` (a link by digest alone) and `gone` (created and deleted: only in the log). Returns
/// the shares and every log entry, in order.
fn version_2_file(file: &TempDb) -> (Vec<Share>, Vec<LogEntry>) {
    let conn = rusqlite::Connection::open(file.path()).unwrap();
    conn.execute_batch(SCHEMA_V2).unwrap();
    let u1 = share("u1", "folder:f1", user("bob"))
        .with_message(Some("for the review".into()))
        .with_reshare(shareguard::ReshareRights::INTERNAL)
        .with_expiry(Some(t(3600) + Duration::nanoseconds(7)))
        .with_version(2);
    let l1 = share("l1", "document:d1", Recipient::Link(ShareLink::new(&token("tok-1"), true)))
        .with_usage(Usage { last_visit: Some(t(6) + Duration::nanoseconds(5)), visits: 2 });
    let l2 = share("l2", "document:d1", Recipient::Link(ShareLink::new(&token("tok-2"), false)));
    // (id, incarnation, share, recipient as version 2 wrote it)
    let kept = r#"{"type":"link","token":"tok-1"}"#.to_owned();
    let rows = [
        ("u1", 1, &u1, serde_json::to_string(u1.recipient()).unwrap()),
        ("l1", 2, &l1, kept),
        ("l2", 5, &l2, serde_json::to_string(l2.recipient()).unwrap()),
    ];
    for (seq, (id, incarnation, s, recipient)) in rows.iter().enumerate() {
        let (rtype, rkey) = match s.recipient() {
            Recipient::User { id } => ("user", id.as_str().to_owned()),
            Recipient::Link(l) => ("link", l.digest().to_hex()),
            _ => unreachable!(),
        };
        let split = |at: Option<DateTime<Utc>>| {
            at.map(|at| (at.timestamp(), i64::from(at.timestamp_subsec_nanos()))).unzip()
        };
        let (es, ens) = split(s.expires());
        let (vs, vns) = split(s.usage().last_visit);
        conn.execute(
            "INSERT INTO shares VALUES (?1, ?2, ?3, ?4, 'alice', ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, \
             ?12, ?13, ?14, ?15, ?16, ?17)",
            rusqlite::params![
                seq + 1,
                id,
                incarnation,
                s.resource().as_str(),
                rtype,
                rkey,
                recipient,
                serde_json::to_string(&s.access()).unwrap(),
                i64::from(s.reshare().bits()),
                s.message(),
                s.created().timestamp(),
                es,
                ens,
                i64::try_from(s.usage().visits).unwrap(),
                vs,
                vns,
                i64::try_from(s.version()).unwrap(),
            ],
        )
        .unwrap();
    }
    let changed = LogEvent::Changed { changes: Vec::new() };
    let entries: Vec<LogEntry> = [
        (1, "u1", 1, "folder:f1", LogEvent::Created),
        (2, "l1", 2, "document:d1", LogEvent::Created),
        (3, "u1", 1, "folder:f1", changed),
        (4, "l1", 2, "document:d1", LogEvent::Visited),
        (5, "l2", 5, "document:d1", LogEvent::Created),
        (6, "gone", 6, "folder:f2", LogEvent::Created),
        (7, "l1", 2, "document:d1", LogEvent::Visited),
        (8, "gone", 6, "folder:f2", LogEvent::Deleted),
    ]
    .into_iter()
    .map(|(revision, id, incarnation, resource, event)| {
        let entry = LogEntry {
            revision: Revision::new(revision),
            share: Some(sid(id)),
            resource: res(resource),
            actor: pid("alice"),
            at: t(i64::try_from(revision).unwrap()) + Duration::nanoseconds(3),
            event,
        };
        conn.execute(
            "INSERT INTO log VALUES (?1, ?2, ?3, ?4, 'alice', ?5, 3, ?6)",
            rusqlite::params![
                i64::try_from(revision).unwrap(),
                id,
                incarnation,
                resource,
                entry.at.timestamp(),
                serde_json::to_string(&entry.event).unwrap()
            ],
        )
        .unwrap();
        entry
    })
    .collect();
    conn.execute_batch(
        "INSERT INTO resources VALUES ('folder:f1', 3), ('document:d1', 7), ('folder:f2', 8);",
    )
    .unwrap();
    (vec![l1, l2, u1], entries)
}

#[test]
fn a_version_2_file_migrates_to_version_3_with_its_data() {
    let file = TempDb::new();
    let (shares, entries) = version_2_file(&file);
    let store = SqliteStore::open(file.path()).unwrap();

    // Every share as it was, the new fields at their defaults.
    let all = b(store.list(&ShareFilter::default(), &Page::ALL)).unwrap().items;
    assert_eq!(all, shares);
    for share in &all {
        assert_eq!(b(store.get(share.id())).unwrap().as_ref(), Some(share));
        assert_eq!(
            (share.starts(), share.is_pending(), share.max_uses(), share.password()),
            (None, false, None, None),
            "{}: the new fields at their defaults",
            share.id()
        );
    }
    let kept = b(store.find_link(&token("tok-1").digest())).unwrap().unwrap();
    assert!(
        matches!(kept.recipient(), Recipient::Link(l) if l.token().map(LinkToken::reveal) == Some("tok-1")),
        "a retrievable link keeps its token"
    );

    // Every log entry and revision.
    assert_eq!(b(store.changes_since(Revision::ZERO, 100)).unwrap(), entries);
    assert_eq!(b(store.revision()).unwrap(), Revision::new(8));
    for (resource, revision) in [("folder:f1", 3), ("document:d1", 7), ("folder:f2", 8)] {
        assert_eq!(revision_of(&store, resource), Revision::new(revision), "{resource}");
    }
    let l1 = b(store.log_for_share(&sid("l1"), &Page::ALL)).unwrap();
    assert_eq!(l1.items.iter().map(|e| e.revision.get()).collect::<Vec<_>>(), [2, 4, 7]);
    assert_eq!(b(store.log_for_share(&sid("gone"), &Page::ALL)).unwrap().total, 2);

    // The new columns hold the defaults; the file is at version 3.
    assert!(b(store.expired(t(0), 10)).unwrap().is_empty(), "nothing expired or used up");
    drop(store);
    let conn = rusqlite::Connection::open(file.path()).unwrap();
    let version: i64 =
        conn.query_row("SELECT version FROM schema_version", [], |r| r.get(0)).unwrap();
    let defaults: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM shares WHERE starts_s IS NULL AND starts_ns IS NULL \
             AND pending = 0 AND max_uses IS NULL AND password IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!((version, defaults), (3, 3));
    drop(conn);

    // The migrated file takes the new fields.
    let store = SqliteStore::open(file.path()).unwrap();
    let patch = SharePatch { max_uses: Some(Some(3)), ..SharePatch::default() };
    let limited = b(store.update(&sid("l1"), 1, &patch, &pid("alice"), t(9))).unwrap();
    assert_eq!((limited.revision, limited.share.max_uses()), (Revision::new(9), Some(3)));
    let used = b(store.record_visit(&sid("l1"), &pid("bob"), t(10))).unwrap().share;
    assert!(used.is_used_up());
    assert_eq!(ids(&b(store.expired(t(0), 10)).unwrap()), ["l1"], "a used-up link is expired");
}

#[test]
fn a_newer_schema_is_refused() {
    let file = TempDb::new();
    drop(SqliteStore::open(file.path()).unwrap());
    {
        let conn = rusqlite::Connection::open(file.path()).unwrap();
        conn.execute("UPDATE schema_version SET version = ?1", [SqliteStore::SCHEMA_VERSION + 1])
            .unwrap();
    }
    let e = open_error(file.path());
    assert_eq!(
        e,
        OpenError::NewerSchema {
            path: file.path().display().to_string(),
            found: SqliteStore::SCHEMA_VERSION + 1,
            supported: SqliteStore::SCHEMA_VERSION,
        }
    );
    assert!(e.to_string().contains("upgrade shareguard"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Ids: reuse and order

#[test]
fn a_reused_id_starts_a_log_of_its_own() {
    let store = SqliteStore::in_memory().unwrap();
    let a = pid("alice");
    b(store.create(share("s1", "folder:f1", user("bob")), &a, t(0))).unwrap();
    b(store.delete(&sid("s1"), &a, t(1))).unwrap();
    let gone = b(store.log_for_share(&sid("s1"), &Page::ALL)).unwrap();
    assert_eq!(gone.total, 2, "a removed share's log is still there");
    b(store.create(share("s1", "folder:f2", user("carol")), &a, t(2))).unwrap();
    let log = b(store.log_for_share(&sid("s1"), &Page::ALL)).unwrap();
    assert_eq!(log.items.len(), 1);
    assert_eq!((log.total, log.items[0].revision), (1, Revision::new(3)));
}

#[test]
fn lists_page_by_share_id_in_byte_order() {
    let store = SqliteStore::in_memory().unwrap();
    let a = pid("alice");
    // Created out of order; `Z` sorts before `a` by bytes.
    for id in ["s10", "a", "Z", "s2", "s1"] {
        b(store.create(share(id, "folder:f1", user(id)), &a, t(0))).unwrap();
    }
    let mut page = Page::first(2);
    let mut seen = Vec::new();
    loop {
        let got = b(store.list(&ShareFilter::default(), &page)).unwrap();
        assert_eq!(got.total, 5);
        seen.extend(got.items.iter().map(|s| s.id().as_str().to_owned()));
        // A share added behind the cursor between two pages neither repeats nor shifts.
        if seen.len() == 2 {
            b(store.create(share("A", "folder:f1", user("x")), &a, t(1))).unwrap();
            b(store.delete(&sid("Z"), &a, t(1))).unwrap();
        }
        match got.next {
            Some(next) => page = page.then(Some(next)),
            None => break,
        }
    }
    assert_eq!(seen, ["Z", "a", "s1", "s10", "s2"]);
    let log = b(store.log_for_resource(&res("folder:f1"), &Page::first(3))).unwrap();
    let rest =
        b(store.log_for_resource(&res("folder:f1"), &Page::first(10).then(log.next))).unwrap();
    let revisions: Vec<u64> =
        log.items.iter().chain(&rest.items).map(|e| e.revision.get()).collect();
    assert_eq!(revisions, (1..=7).collect::<Vec<u64>>());
    assert_eq!((log.total, rest.next), (7, None));
}

#[test]
fn shares_reaching_at_a_glance() {
    // The keys of a principal reach shares through every kind of recipient at once.
    let store = SqliteStore::in_memory().unwrap();
    let a = pid("alice");
    let recipients = [
        user("bob"),
        Recipient::Group { id: "eng".parse().unwrap() },
        Recipient::Organization,
        Recipient::Email { email: "BOB@corp.example".parse().unwrap() },
        Recipient::Public,
        user("carol"),
    ];
    for (i, recipient) in recipients.iter().enumerate() {
        b(store.create(share(&format!("s{i}"), "document:d1", recipient.clone()), &a, t(0)))
            .unwrap();
    }
    let bob = Principal::builder("bob", PrincipalKind::Internal)
        .group("eng")
        .email("bob@corp.example")
        .build()
        .unwrap();
    let first = b(store.shares_reaching(&bob, false, &Page::first(2))).unwrap();
    assert_eq!(first.total, 4);
    let ids: Vec<&str> = first.items.iter().map(|s| s.id().as_str()).collect();
    assert_eq!(ids, ["s0", "s1"]);
    let rest = b(store.shares_reaching(&bob, true, &Page::first(10).then(first.next))).unwrap();
    let ids: Vec<&str> = rest.items.iter().map(|s| s.id().as_str()).collect();
    assert_eq!((ids, rest.total, rest.next), (vec!["s2", "s3", "s4"], 5, None));
}

// ---------------------------------------------------------------------------------------------
// Crash safety: a child process killed in the middle of batches

const CRASH_ENV: &str = "SHAREGUARD_SQLITE_CRASH_CHILD";

/// The child's side: when run with `CRASH_ENV` naming a file, writes batches forever (until
/// the parent kills it). Run normally, it does nothing.
#[test]
fn crash_child_writes_until_killed() {
    let Some(path) = std::env::var_os(CRASH_ENV) else { return };
    // The weaker durability: a commit must survive the death of the process all the same.
    let store = SqliteStore::open_with(PathBuf::from(path), Durability::Process).unwrap();
    let alice = pid("alice");
    for round in 0u32.. {
        let items: Vec<GrantItem> = (0..40)
            .map(|i| {
                let access =
                    if (round + i) % 2 == 0 { AccessLevel::Viewer } else { AccessLevel::Editor };
                grant(user(&format!("u{i}")), access)
            })
            .collect();
        let resource = res(&format!("folder:f{}", round % 3));
        b(store.grant_batch(&resource, &alice, &items, &alice, t(i64::from(round)))).unwrap();
    }
}

#[test]
fn a_killed_writer_leaves_no_half_written_item() {
    let file = TempDb::new();
    drop(SqliteStore::open(file.path()).unwrap());
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["crash_child_writes_until_killed", "--exact", "--test-threads=1", "--nocapture"])
        .env(CRASH_ENV, file.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Let it write a few hundred items, then kill it (SIGKILL on Unix) wherever it is.
    let started = std::time::Instant::now();
    loop {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let written = std::fs::metadata(file.sibling("-wal")).map(|m| m.len()).unwrap_or(0);
        if written > 512 * 1024 || started.elapsed() > std::time::Duration::from_secs(20) {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the child stopped on its own: {status}");
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let store = SqliteStore::open(file.path()).unwrap();
    let shares = b(store.list(&ShareFilter::default(), &Page::ALL)).unwrap().items;
    assert!(!shares.is_empty(), "the child wrote something before it was killed");
    let mut logged = 0;
    for share in &shares {
        let log = b(store.log_for_share(share.id(), &Page::ALL)).unwrap();
        assert_eq!(
            log.total as u64,
            share.version(),
            "{}: one `access_added` per version, no more, no less",
            share.id()
        );
        assert!(log.items.iter().all(|e| e.event.name() == "access_added"));
        logged += log.total;
    }
    let per_resource: usize = ["folder:f0", "folder:f1", "folder:f2"]
        .iter()
        .map(|r| b(store.log_for_resource(&res(r), &Page::first(0))).unwrap().total)
        .sum();
    assert_eq!(per_resource, logged, "no log entry without its share");
    let feed = b(store.changes_since(Revision::ZERO, usize::MAX)).unwrap();
    assert_eq!(feed.len(), logged, "one revision per entry");
    assert!(feed.iter().enumerate().all(|(i, e)| e.revision.get() == i as u64 + 1));
    // Each (resource, recipient) has exactly one share: no item ran twice or half.
    let mut keys: Vec<(String, String)> =
        shares.iter().map(|s| (s.resource().to_string(), s.recipient().to_string())).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), shares.len());
}

// ---------------------------------------------------------------------------------------------
// Threads and runtimes

#[test]
fn threads_lose_no_update() {
    let file = TempDb::new();
    let store = Arc::new(SqliteStore::open(file.path()).unwrap());
    let id = sid("s1");
    b(store.create(share("s1", "folder:f1", user("bob")), &pid("alice"), t(0))).unwrap();
    let per_thread = 25;
    let handles: Vec<_> = (0..4)
        .map(|n| {
            let store = Arc::clone(&store);
            let id = id.clone();
            std::thread::spawn(move || {
                let mut done = 0;
                while done < per_thread {
                    let current = b(store.get(&id)).unwrap().unwrap();
                    let message = SharePatch {
                        message: Some(Some(format!("thread {n} change {done}"))),
                        ..SharePatch::default()
                    };
                    match b(store.update(&id, current.version(), &message, &pid("bob"), t(1))) {
                        Ok(_) => done += 1,
                        Err(StoreError::Conflict { .. }) => {}
                        Err(e) => panic!("{e}"),
                    }
                    b(store.record_visit(&id, &pid("bob"), t(2))).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let share = b(store.get(&id)).unwrap().unwrap();
    assert_eq!(share.version(), 1 + 4 * per_thread, "every accepted update bumped once");
    let log = b(store.log_for_share(&id, &Page::ALL)).unwrap();
    let changed = log.items.iter().filter(|e| e.event.name() == "changed").count() as u64;
    let visited = log.items.iter().filter(|e| e.event.name() == "visited").count() as u64;
    assert_eq!(changed, 4 * per_thread);
    assert_eq!(visited, share.usage().visits);
}

/// On a multi-threaded runtime, tasks share one store; its futures are `Send`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_on_a_runtime_share_one_store() {
    let store: Arc<dyn ShareStore> = Arc::new(SqliteStore::in_memory().unwrap());
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let id = format!("s{n}");
                store.create(share(&id, "folder:f1", user(&id)), &pid("alice"), t(n)).await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(store.revision().await.unwrap(), Revision::new(8));
}

// ---------------------------------------------------------------------------------------------
// Bad files

fn open_error(path: impl AsRef<Path>) -> OpenError {
    match SqliteStore::open(path) {
        Err(StoreError::Open(e)) => e,
        Err(other) => panic!("expected an open error, got {other:?}"),
        Ok(store) => panic!("expected an open error, got a store: {store:?}"),
    }
}

#[test]
fn a_file_that_is_not_a_database() {
    let file = TempDb::new();
    let text = "this is a text file, not a database\n".repeat(200);
    std::fs::write(file.path(), &text).unwrap();
    let e = open_error(file.path());
    assert!(
        matches!(&e, OpenError::NotADatabase { path } if path.contains("shareguard-test")),
        "{e:?}"
    );
    assert!(e.to_string().contains("not a database"), "{e}");
    assert_eq!(std::fs::read_to_string(file.path()).unwrap(), text, "the file is untouched");
}

#[test]
fn an_empty_file_becomes_a_store() {
    let file = TempDb::new();
    std::fs::write(file.path(), b"").unwrap();
    let store = SqliteStore::open(file.path()).unwrap();
    assert_eq!(b(store.list(&ShareFilter::default(), &Page::ALL)).unwrap().total, 0);
}

#[test]
fn a_database_of_another_application() {
    let file = TempDb::new();
    {
        let conn = rusqlite::Connection::open(file.path()).unwrap();
        conn.execute_batch("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);").unwrap();
    }
    let e = open_error(file.path());
    assert!(matches!(&e, OpenError::ForeignSchema { tables, .. } if tables == "users"), "{e:?}");
    let conn = rusqlite::Connection::open(file.path()).unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "delete", "the foreign database was not switched to WAL");
    let tables: i64 =
        conn.query_row("SELECT COUNT(*) FROM sqlite_schema", [], |r| r.get(0)).unwrap();
    assert_eq!(tables, 1, "no table was added to it");

    // A database with another application id, even without tables, is not ours either.
    let other = TempDb::new();
    {
        let conn = rusqlite::Connection::open(other.path()).unwrap();
        conn.pragma_update(None, "application_id", 42).unwrap();
    }
    assert!(matches!(open_error(other.path()), OpenError::ForeignSchema { .. }));
}

#[test]
fn read_only_and_unreachable_paths() {
    // A database that can only be read (here opened read-only by URI, which works even as
    // root, who may write any file whatever its mode).
    let file = TempDb::new();
    drop(SqliteStore::open(file.path()).unwrap());
    let uri = format!("file:{}?mode=ro", file.path().display());
    assert!(matches!(open_error(&uri), OpenError::ReadOnly { .. }), "read-only URI");

    // A file whose mode forbids writing: read-only for anyone but root.
    let locked = TempDb::new();
    drop(SqliteStore::open(locked.path()).unwrap());
    let mut perms = std::fs::metadata(locked.path()).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(locked.path(), perms).unwrap();
    let probe = std::fs::OpenOptions::new().append(true).open(locked.path());
    match SqliteStore::open(locked.path()) {
        Err(StoreError::Open(OpenError::ReadOnly { .. } | OpenError::CannotOpen { .. })) => {}
        Ok(_) if probe.is_ok() => {} // root: the mode does not stop writes, the store works
        other => panic!("a read-only file: {other:?}"),
    }

    // A path in a directory that does not exist, and a directory where a file should be.
    let missing = std::env::temp_dir().join(format!("no-such-dir-{}", uuid::Uuid::new_v4()));
    assert!(matches!(open_error(missing.join("shares.db")), OpenError::CannotOpen { .. }));
    assert!(matches!(open_error(std::env::temp_dir()), OpenError::CannotOpen { .. }));
    // A directory nobody may create files in, whoever runs the tests.
    if Path::new("/proc/self").exists() {
        assert!(matches!(
            open_error("/proc/shareguard-test.db"),
            OpenError::CannotOpen { .. } | OpenError::ReadOnly { .. }
        ));
    }
}

/// A store file cut short (a partial copy, a full disk) is an open error naming the file,
/// not a backend error on some later read.
#[test]
fn a_truncated_file_is_an_open_error_with_its_path() {
    let file = TempDb::new();
    {
        let store = SqliteStore::open(file.path()).unwrap();
        let items: Vec<GrantItem> =
            (0..300).map(|i| grant(user(&format!("u{i}")), AccessLevel::Viewer)).collect();
        b(store.grant_batch(&res("folder:f1"), &pid("alice"), &items, &pid("alice"), t(0)))
            .unwrap();
    }
    let len = std::fs::metadata(file.path()).unwrap().len();
    assert!(len > 16 * 4096, "a file of many pages ({len} bytes)");
    let f = std::fs::OpenOptions::new().write(true).open(file.path()).unwrap();
    f.set_len(len / 2).unwrap();
    drop(f);
    let shown = file.path().display().to_string();
    match SqliteStore::open(file.path()) {
        Err(StoreError::Open(e)) => assert!(e.to_string().contains(&shown), "{e}"),
        Err(other) => panic!("expected an open error naming the file, got {other:?}"),
        Ok(_) => panic!("a truncated file opened as a store"),
    }
}

// ---------------------------------------------------------------------------------------------
// Opening a file this user may only read (issue "Hardening", SqliteStore edges).

/// Runs the named test of this binary again as the unprivileged user `nobody` (the check
/// means nothing to root, whom file modes do not stop), with `SHAREGUARD_AS_NOBODY` set to
/// `arg`; returns whether it passed, or `None` (saying so) where it cannot be run that way.
#[allow(clippy::print_stderr, reason = "a check that cannot run here says so")]
fn as_nobody(test: &str, arg: &str) -> Option<bool> {
    let exe = std::env::current_exe().ok()?;
    let status = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(exe)
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env("SHAREGUARD_AS_NOBODY", arg)
        .status();
    match status {
        Ok(status) => Some(status.success()),
        Err(e) => {
            eprintln!("SKIPPED {test} as nobody: cannot run setpriv: {e}");
            None
        }
    }
}

fn is_root() -> bool {
    // `/root` is readable only by root on Debian; no dependency needed to ask for the uid.
    std::fs::read_dir("/root").is_ok() && std::env::var("USER").map_or(true, |u| u == "root")
}

#[test]
fn a_refused_read_only_open_leaves_no_wal_or_shm_behind() {
    if let Some(path) = std::env::var_os("SHAREGUARD_AS_NOBODY") {
        // The child: the file is ours to read, not to write.
        let refused = SqliteStore::open(&path);
        assert!(
            matches!(refused, Err(StoreError::Open(OpenError::ReadOnly { .. }))),
            "{refused:?}"
        );
        return;
    }
    // A world-writable directory (as /tmp is), and a store file in it that only its owner
    // may write.
    let dir = std::env::temp_dir().join(format!("shareguard-ro-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("shares.db");
    {
        let store = SqliteStore::open(&path).unwrap();
        b(store.create(share("s1", "folder:f1", user("bob")), &pid("alice"), t(0))).unwrap();
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let leftovers = |path: &std::path::Path| {
        ["-wal", "-shm"]
            .iter()
            .filter(|s| std::path::Path::new(&format!("{}{s}", path.display())).exists())
            .count()
    };
    assert_eq!(leftovers(&path), 0, "a closed store leaves no -wal or -shm");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let passed = if is_root() {
        as_nobody(
            "a_refused_read_only_open_leaves_no_wal_or_shm_behind",
            &path.display().to_string(),
        )
    } else {
        let refused = SqliteStore::open(&path);
        Some(matches!(refused, Err(StoreError::Open(OpenError::ReadOnly { .. }))))
    };
    if let Some(passed) = passed {
        assert!(passed, "the read-only open is refused as ReadOnly");
        assert_eq!(leftovers(&path), 0, "the refused open left -wal/-shm behind");
        // Made writable again, the file opens and takes writes.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let store = SqliteStore::open(&path).unwrap();
        b(store.create(share("s2", "folder:f1", user("carol")), &pid("alice"), t(1))).unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_in_a_directory_this_user_cannot_write_is_read_only() {
    if let Some(path) = std::env::var_os("SHAREGUARD_AS_NOBODY") {
        let refused = SqliteStore::open(&path);
        assert!(
            matches!(refused, Err(StoreError::Open(OpenError::ReadOnly { .. }))),
            "{refused:?}"
        );
        return;
    }
    if !is_root() {
        eprintln!(
            "SKIPPED a_file_in_a_directory_this_user_cannot_write_is_read_only: needs root to hand the file to nobody"
        );
        return;
    }
    // The file is nobody's to write, but its directory is not: the write-ahead log has
    // nowhere to go, so the store can only read.
    let dir =
        std::env::temp_dir().join(format!("shareguard-rodir-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("shares.db");
    drop(SqliteStore::open(&path).unwrap());
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let passed = as_nobody(
        "a_file_in_a_directory_this_user_cannot_write_is_read_only",
        &path.display().to_string(),
    );
    if let Some(passed) = passed {
        assert!(passed, "a file whose directory cannot be written is refused as ReadOnly");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_read_only_mount_is_read_only_not_cannot_open() {
    if let Some(path) = std::env::var_os("SHAREGUARD_RO_MOUNT") {
        // Inside a mount namespace where the store's directory is mounted read-only.
        let refused = SqliteStore::open(&path);
        assert!(
            matches!(refused, Err(StoreError::Open(OpenError::ReadOnly { .. }))),
            "{refused:?}"
        );
        return;
    }
    let base =
        std::env::temp_dir().join(format!("shareguard-mount-{}", uuid::Uuid::new_v4().simple()));
    let (source, target) = (base.join("source"), base.join("target"));
    std::fs::create_dir_all(&source).unwrap();
    std::fs::create_dir_all(&target).unwrap();
    drop(SqliteStore::open(source.join("shares.db")).unwrap());
    // A private mount namespace (root, or a user namespace) binds the directory read-only
    // and runs this test again inside it.
    let exe = std::env::current_exe().unwrap();
    let script = format!(
        "mount --bind '{s}' '{t}' && mount -o remount,bind,ro '{t}' || exit 99; exec \"$0\" --exact a_read_only_mount_is_read_only_not_cannot_open --nocapture --test-threads=1",
        s = source.display(),
        t = target.display()
    );
    let status = std::process::Command::new("unshare")
        .args(["-m", "sh", "-c", &script])
        .arg(exe)
        .env("SHAREGUARD_RO_MOUNT", target.join("shares.db"))
        .status();
    match status.map(|s| s.code()) {
        Ok(Some(0)) => {}
        Ok(Some(99)) | Err(_) => {
            eprintln!(
                "SKIPPED a_read_only_mount_is_read_only_not_cannot_open: no mount namespace here"
            );
        }
        Ok(code) => {
            panic!("a read-only mount should be refused as ReadOnly (child exited {code:?})")
        }
    }
    let _ = std::fs::remove_dir_all(&base);
}
