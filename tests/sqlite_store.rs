//! `SqliteStore`: the conformance suite and the model-based property test (in memory and on a
//! file), durability across reopening, crash safety (a child process killed mid-batch), link
//! tokens never in clear, several threads, and bad files as typed errors.
#![cfg(all(feature = "sqlite", feature = "conformance"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use shareguard::store::conformance;
use shareguard::{
    AccessLevel, BatchOutcome, Durability, GrantItem, Level, LinkToken, LogEntry, OpenError, Page,
    Principal, PrincipalId, PrincipalKind, Recipient, ResourceRef, Share, ShareFilter, ShareLink,
    SharePatch, ShareStore, SqliteStore, StoreError,
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

    /// Every byte SQLite keeps for the database: the file and its write-ahead log.
    fn bytes(&self) -> Vec<u8> {
        let mut all = std::fs::read(&self.0).unwrap_or_default();
        all.extend(std::fs::read(format!("{}-wal", self.0.display())).unwrap_or_default());
        all
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

/// A store on a fresh temporary file, keeping the file alive as long as the store.
struct FileStore {
    store: SqliteStore,
    _file: TempDb,
}

impl FileStore {
    fn new() -> Self {
        let file = TempDb::new();
        Self { store: SqliteStore::open(file.path()).unwrap(), _file: file }
    }
}

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap() + Duration::seconds(secs)
}

fn pid(id: &str) -> PrincipalId {
    id.parse().unwrap()
}

fn res(r: &str) -> ResourceRef {
    r.parse().unwrap()
}

fn user(id: &str) -> Recipient {
    Recipient::User { id: id.parse().unwrap() }
}

fn grant(recipient: Recipient, access: AccessLevel) -> GrantItem {
    GrantItem { recipient, access, view_log: false }
}

// ---------------------------------------------------------------------------------------------
// The conformance suite, each check on its own, in memory and on a file

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

/// A file store as a `Box<dyn ShareStore>` that deletes its file when dropped.
struct BoxedFile(FileStore);

macro_rules! forward {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        impl ShareStore for BoxedFile {
            $(fn $name(&self, $($arg: $ty),*) -> $ret { self.0.store.$name($($arg),*) })*
        }
    };
}

use shareguard::{AccessEntry, LinkDigest, Paged, ShareId};

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

#[test]
fn run_all_in_memory_through_box() {
    conformance::run_all(&|| Box::new(SqliteStore::in_memory().unwrap()) as Box<dyn ShareStore>);
}

#[test]
fn run_all_on_file_through_arc() {
    conformance::run_all(&|| {
        let shared: Arc<dyn ShareStore> = Arc::new(BoxedFile(FileStore::new()));
        Box::new(shared) as Box<dyn ShareStore>
    });
}

// ---------------------------------------------------------------------------------------------
// The model-based property test of the store issue

#[test]
fn in_memory_agrees_with_the_model() {
    conformance::model_based(
        &|| Box::new(SqliteStore::in_memory().unwrap()) as Box<dyn ShareStore>,
        256,
    );
}

#[test]
fn on_file_agrees_with_the_model() {
    // Fewer cases: every step commits to disk.
    conformance::model_based(&|| Box::new(BoxedFile(FileStore::new())) as Box<dyn ShareStore>, 24);
}

// ---------------------------------------------------------------------------------------------
// Durability

/// Everything a store shows about some resources: every share (with version and usage), the
/// log of each resource and of each share.
fn everything(store: &dyn ShareStore, resources: &[&str]) -> (Vec<Share>, Vec<Vec<LogEntry>>) {
    let shares = store.list(&ShareFilter::default(), Page::ALL).unwrap().items;
    let mut logs: Vec<Vec<LogEntry>> = resources
        .iter()
        .map(|r| store.log_for_resource(&res(r), Page::ALL).unwrap().items)
        .collect();
    logs.extend(shares.iter().map(|s| store.log_for_share(s.id(), Page::ALL).unwrap().items));
    (shares, logs)
}

#[test]
fn everything_survives_reopening() {
    let file = TempDb::new();
    let resources = ["folder:f1", "document:d1", "document:d2"];
    let secret = LinkToken::generate().unwrap();
    let kept = LinkToken::generate().unwrap();
    let before = {
        let store = SqliteStore::open(file.path()).unwrap();
        let alice = pid("alice");
        let s1 = Share::new(
            "s1".parse().unwrap(),
            res("folder:f1"),
            alice.clone(),
            Recipient::Group { id: "eng".parse().unwrap() },
            AccessLevel::Viewer,
            t(0),
        )
        .with_expiry(Some(t(3600) + Duration::nanoseconds(123_456_789)))
        .with_message(Some("for the review".into()));
        store.create(s1, &alice, t(0)).unwrap();
        for (id, recipient) in [
            ("link", Recipient::Link(ShareLink::new(&secret, false))),
            ("kept", Recipient::Link(ShareLink::new(&kept, true))),
            ("email", Recipient::Email { email: "Bob@Corp.Example".parse().unwrap() }),
        ] {
            let share = Share::new(
                id.parse().unwrap(),
                res("document:d1"),
                alice.clone(),
                recipient,
                AccessLevel::Commenter,
                t(1),
            );
            store.create(share, &alice, t(1)).unwrap();
        }
        let editor = SharePatch { access: Some(Level::Editor), ..SharePatch::default() };
        store.update(&"s1".parse().unwrap(), 1, &editor, &pid("bob"), t(2)).unwrap();
        let custom = SharePatch {
            access: Some(Level::Custom),
            permissions: Some(AccessLevel::Viewer.permissions()),
            expires: Some(None),
            ..SharePatch::default()
        };
        store.update(&"s1".parse().unwrap(), 2, &custom, &pid("bob"), t(3)).unwrap();
        for i in 0..3 {
            store.record_visit(&"link".parse().unwrap(), &pid("anonymous"), t(10 + i)).unwrap();
        }
        store.record_link_retrieved(&"kept".parse().unwrap(), &alice, t(20)).unwrap();
        let items =
            [grant(user("carol"), AccessLevel::Viewer), grant(user("dan"), AccessLevel::Editor)];
        store.grant_batch(&res("document:d2"), &alice, &items, &pid("admin"), t(21)).unwrap();
        store.grant_batch(&res("document:d2"), &alice, &items[..1], &pid("admin"), t(22)).unwrap();
        store.revoke_batch(&res("document:d2"), &[user("dan")], &pid("admin"), t(23)).unwrap();
        store.delete(&"email".parse().unwrap(), &alice, t(24)).unwrap();
        everything(&store, &resources)
    };
    assert_eq!(before.0.len(), 4, "s1, link, kept and carol's share");
    let reopened = SqliteStore::open(file.path()).unwrap();
    let after = everything(&reopened, &resources);
    assert_eq!(after, before, "shares, versions, usage and the log are all there and equal");
    let s1 = reopened.get(&"s1".parse().unwrap()).unwrap().unwrap();
    assert_eq!((s1.version(), s1.expires()), (3, None));
    let link = reopened.find_link(&secret.digest()).unwrap().unwrap();
    assert_eq!((link.usage().visits, link.usage().last_visit), (3, Some(t(12))));
    let kept_share = reopened.find_link(&kept.digest()).unwrap().unwrap();
    match kept_share.recipient() {
        Recipient::Link(l) => assert_eq!(l.token().map(LinkToken::reveal), Some(kept.reveal())),
        other => panic!("a link, got {other}"),
    }

    // Writing goes on where it stopped: the log's numbering keeps increasing.
    let last_seq = after.1.iter().flatten().map(|e| e.seq).max().unwrap();
    reopened.record_visit(&"s1".parse().unwrap(), &pid("bob"), t(30)).unwrap();
    let log = reopened.log_for_share(&"s1".parse().unwrap(), Page::ALL).unwrap();
    assert!(log.items.last().unwrap().seq > last_seq);
}

#[test]
fn process_durability_survives_reopening() {
    let file = TempDb::new();
    let share = Share::new(
        "s1".parse().unwrap(),
        res("folder:f1"),
        pid("alice"),
        user("bob"),
        AccessLevel::Viewer,
        t(0),
    );
    {
        let store = SqliteStore::open_with(file.path(), Durability::Process).unwrap();
        store.create(share.clone(), &pid("alice"), t(0)).unwrap();
    }
    let store = SqliteStore::open(file.path()).unwrap();
    assert_eq!(store.get(share.id()).unwrap(), Some(share));
    assert_eq!(store.log_for_share(&"s1".parse().unwrap(), Page::ALL).unwrap().total, 1);
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
        let share = Share::new(
            id.parse().unwrap(),
            res("document:d1"),
            a.clone(),
            Recipient::Link(link),
            AccessLevel::Viewer,
            t(0),
        );
        store.create(share, &a, t(0)).unwrap();
    }
    // A revoke naming the retrievable link: the log keeps the digest, not the token.
    let retrievable = Recipient::Link(ShareLink::new(&kept, true));
    let outcomes = store.revoke_batch(&res("document:d1"), &[retrievable], &a, t(1)).unwrap();
    assert!(matches!(&outcomes[0], BatchOutcome::Removed { shares } if shares.len() == 1));
    let bytes = file.bytes();
    let contains = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(contains(&secret.digest().to_hex()), "the digest is stored");
    assert!(!contains(secret.reveal()), "a non-retrievable token is never stored in clear");
    let log = store.log_for_resource(&res("document:d1"), Page::ALL).unwrap();
    let logged = serde_json::to_string(&log.items).unwrap();
    assert!(!logged.contains(kept.reveal()), "the log keeps link recipients by digest");
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
        store.grant_batch(&resource, &alice, &items, &alice, t(i64::from(round))).unwrap();
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
        let written = std::fs::metadata(format!("{}-wal", file.path().display()))
            .map(|m| m.len())
            .unwrap_or(0);
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
    let shares = store.list(&ShareFilter::default(), Page::ALL).unwrap().items;
    assert!(!shares.is_empty(), "the child wrote something before it was killed");
    let mut logged = 0;
    for share in &shares {
        let log = store.log_for_share(share.id(), Page::ALL).unwrap();
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
        .map(|r| store.log_for_resource(&res(r), Page::new(0, 0)).unwrap().total)
        .sum();
    assert_eq!(per_resource, logged, "no log entry without its share");
    // Each (resource, recipient) has exactly one share: no item ran twice or half.
    let mut keys: Vec<(String, String)> =
        shares.iter().map(|s| (s.resource().to_string(), s.recipient().to_string())).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), shares.len());
}

// ---------------------------------------------------------------------------------------------
// Threads

#[test]
fn threads_lose_no_update() {
    let file = TempDb::new();
    let store = Arc::new(SqliteStore::open(file.path()).unwrap());
    let id: ShareId = "s1".parse().unwrap();
    let share = Share::new(
        id.clone(),
        res("folder:f1"),
        pid("alice"),
        user("bob"),
        AccessLevel::Viewer,
        t(0),
    );
    store.create(share, &pid("alice"), t(0)).unwrap();
    let per_thread = 25;
    let handles: Vec<_> = (0..4)
        .map(|n| {
            let store = Arc::clone(&store);
            let id = id.clone();
            std::thread::spawn(move || {
                let mut done = 0;
                while done < per_thread {
                    let current = store.get(&id).unwrap().unwrap();
                    let message = SharePatch {
                        message: Some(Some(format!("thread {n} change {done}"))),
                        ..SharePatch::default()
                    };
                    match store.update(&id, current.version(), &message, &pid("bob"), t(1)) {
                        Ok(_) => done += 1,
                        Err(StoreError::Conflict { .. }) => {}
                        Err(e) => panic!("{e}"),
                    }
                    store.record_visit(&id, &pid("bob"), t(2)).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let share = store.get(&id).unwrap().unwrap();
    assert_eq!(share.version(), 1 + 4 * per_thread, "every accepted update bumped once");
    let log = store.log_for_share(&id, Page::ALL).unwrap();
    let changed = log.items.iter().filter(|e| e.event.name() == "changed").count() as u64;
    let visited = log.items.iter().filter(|e| e.event.name() == "visited").count() as u64;
    assert_eq!(changed, 4 * per_thread);
    assert_eq!(visited, share.usage().visits);
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
    assert_eq!(store.list(&ShareFilter::default(), Page::ALL).unwrap().total, 0);
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

#[test]
fn shared_with_me_at_a_glance() {
    // The keys of a principal reach shares through every kind of recipient at once.
    let store = SqliteStore::in_memory().unwrap();
    let a = pid("alice");
    let recipients = [
        user("bob"),
        Recipient::Group { id: "eng".parse().unwrap() },
        Recipient::Organization,
        Recipient::Email { email: "BOB@corp.example".parse().unwrap() },
        Recipient::Public,
    ];
    for (i, recipient) in recipients.iter().enumerate() {
        let share = Share::new(
            format!("s{i}").parse().unwrap(),
            res("document:d1"),
            a.clone(),
            recipient.clone(),
            AccessLevel::Viewer,
            t(0),
        );
        store.create(share, &a, t(0)).unwrap();
    }
    let bob = Principal::builder("bob", PrincipalKind::Internal)
        .group("eng")
        .email("bob@corp.example")
        .build()
        .unwrap();
    let page = store.shared_with(&bob, false, Page::new(1, 2)).unwrap();
    assert_eq!(page.total, 4);
    let ids: Vec<&str> = page.items.iter().map(|s| s.id().as_str()).collect();
    assert_eq!(ids, ["s1", "s2"]);
}
