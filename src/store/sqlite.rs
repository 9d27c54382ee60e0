//! [`SqliteStore`]: the durable adapter, over SQLite (feature `sqlite`, bundled SQLite).

use std::collections::HashMap;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::pin::Pin;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread::JoinHandle;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{
    Connection, ErrorCode, OptionalExtension, Row, Transaction, TransactionBehavior, params,
    params_from_iter,
};

use crate::model::{
    AccessLevel, LinkDigest, LinkPassword, LogEntry, LogEvent, Principal, PrincipalId, Recipient,
    ReshareRights, ResourceRef, Revision, Share, ShareId, ShareType, Usage,
};
use crate::policy::ShareList;

use super::plan::{self, Effect};
use super::sql::{
    from_instant, from_optional_instant, from_sql_u64, instant, optional_instant,
    recipient_from_key, recipient_key, to_sql_u64,
};
use super::{
    Applied, Cursor, OpenError, Page, Paged, PathReader, Precondition, ShareFilter, ShareState,
    ShareStore, StoreError, Write,
};

/// The `application_id` in the header of every database this crate makes ("SGRD"): how
/// [`SqliteStore::open`] tells its own files from other applications' databases.
const APPLICATION_ID: i64 = 0x5347_5244;

/// The schema version this crate writes, and the newest it can open.
const SCHEMA_VERSION: i64 = 3;

/// Schema version 1 (shareguard 0.2): shares as JSON bodies, the log numbered by `seq`.
const SCHEMA_V1: &str = "CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT;
     INSERT INTO schema_version (version) VALUES (0);
     CREATE TABLE shares (
         seq        INTEGER PRIMARY KEY,
         id         TEXT NOT NULL UNIQUE,
         resource   TEXT NOT NULL,
         sharer     TEXT NOT NULL,
         rtype      TEXT NOT NULL,
         rkey       TEXT NOT NULL,
         expires_s  INTEGER,
         expires_ns INTEGER,
         body       TEXT NOT NULL
     ) STRICT;
     CREATE INDEX shares_by_resource ON shares (resource, seq);
     CREATE INDEX shares_by_sharer ON shares (sharer, seq);
     CREATE INDEX shares_by_recipient ON shares (rtype, rkey, seq);
     CREATE INDEX shares_by_expiry ON shares (expires_s, expires_ns);
     CREATE TABLE log (
         seq      INTEGER PRIMARY KEY,
         share    TEXT NOT NULL,
         resource TEXT NOT NULL,
         actor    TEXT NOT NULL,
         at_s     INTEGER NOT NULL,
         at_ns    INTEGER NOT NULL,
         event    TEXT NOT NULL
     ) STRICT;
     CREATE INDEX log_by_share ON log (share, seq);
     CREATE INDEX log_by_resource ON log (resource, seq);";

/// Schema version 2, before the data of version 1 is copied in (the old tables renamed
/// `*_v1` first). Every text column compares by bytes (SQLite's `BINARY`), as ids order.
const SCHEMA_V2_TABLES: &str = "DROP INDEX shares_by_resource;
     DROP INDEX shares_by_sharer;
     DROP INDEX shares_by_recipient;
     DROP INDEX shares_by_expiry;
     DROP INDEX log_by_share;
     DROP INDEX log_by_resource;
     ALTER TABLE shares RENAME TO shares_v1;
     ALTER TABLE log RENAME TO log_v1;
     CREATE TABLE shares (
         seq         INTEGER PRIMARY KEY,
         id          TEXT NOT NULL UNIQUE,
         incarnation INTEGER NOT NULL,
         resource    TEXT NOT NULL,
         sharer      TEXT NOT NULL,
         rtype       TEXT NOT NULL,
         rkey        TEXT NOT NULL,
         recipient   TEXT NOT NULL,
         access      TEXT NOT NULL,
         reshare     INTEGER NOT NULL,
         message     TEXT,
         created_s   INTEGER NOT NULL,
         created_ns  INTEGER NOT NULL,
         expires_s   INTEGER,
         expires_ns  INTEGER,
         visits      INTEGER NOT NULL,
         visited_s   INTEGER,
         visited_ns  INTEGER,
         version     INTEGER NOT NULL
     ) STRICT;
     CREATE TABLE log (
         revision    INTEGER PRIMARY KEY,
         share       TEXT NOT NULL,
         incarnation INTEGER NOT NULL,
         resource    TEXT NOT NULL,
         actor       TEXT NOT NULL,
         at_s        INTEGER NOT NULL,
         at_ns       INTEGER NOT NULL,
         event       TEXT NOT NULL
     ) STRICT;
     CREATE TABLE resources (
         resource TEXT PRIMARY KEY,
         revision INTEGER NOT NULL
     ) STRICT, WITHOUT ROWID;";

/// Schema version 2, once the data is in.
const SCHEMA_V2_INDEXES: &str = "DROP TABLE shares_v1;
     DROP TABLE log_v1;
     INSERT INTO resources (resource, revision)
         SELECT resource, MAX(revision) FROM log GROUP BY resource;
     CREATE INDEX shares_by_resource ON shares (resource, id);
     CREATE INDEX shares_by_sharer ON shares (sharer, id);
     CREATE INDEX shares_by_recipient ON shares (rtype, rkey, id);
     CREATE INDEX shares_by_expiry ON shares (expires_s, expires_ns);
     CREATE INDEX log_by_share ON log (share, incarnation, revision);
     CREATE INDEX log_by_resource ON log (resource, revision);";

/// Schema version 3 (SEMANTICS.md sections 8 and 9): a share's start (seconds and nanoseconds,
/// as its expiry), whether it is pending, a link's use limit and its password (the PHC string
/// of its hash). A version 2 row keeps its data and takes the defaults: no start, not pending,
/// no limit, no password. Partial indexes find the used-up links (for [`SQL_USED_UP`] and the
/// `expired` state), the pending shares and the scheduled ones, each as rare as it is small.
const SCHEMA_V3: &str = "ALTER TABLE shares ADD COLUMN starts_s INTEGER;
     ALTER TABLE shares ADD COLUMN starts_ns INTEGER;
     ALTER TABLE shares ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE shares ADD COLUMN max_uses INTEGER;
     ALTER TABLE shares ADD COLUMN password TEXT;
     CREATE INDEX shares_used_up ON shares (id) WHERE max_uses IS NOT NULL AND visits >= max_uses;
     CREATE INDEX shares_pending ON shares (id) WHERE pending = 1;
     CREATE INDEX shares_by_start ON shares (starts_s, starts_ns) WHERE starts_s IS NOT NULL;";

/// The tables of the current schema, to tell a database of ours from a foreign one.
const OUR_TABLES: [&str; 4] = ["log", "resources", "schema_version", "shares"];

/// How long a write waits for another connection's lock before failing with
/// [`StoreError::Backend`].
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

// The statements, named so that the query-plan tests check the very text the store runs.
const SHARE_COLUMNS: &str = "seq, incarnation, id, resource, sharer, recipient, access, \
     reshare, message, created_s, created_ns, expires_s, expires_ns, visits, visited_s, \
     visited_ns, version, starts_s, starts_ns, pending, max_uses, password";
pub(crate) const SQL_BY_ID: &str = "SELECT seq, incarnation, id, resource, sharer, recipient, \
     access, reshare, message, created_s, created_ns, expires_s, expires_ns, visits, visited_s, \
     visited_ns, version, starts_s, starts_ns, pending, max_uses, password FROM shares \
     WHERE id = ?1";
pub(crate) const SQL_ON_RESOURCE: &str = "SELECT seq, incarnation, id, resource, sharer, \
     recipient, access, reshare, message, created_s, created_ns, expires_s, expires_ns, visits, \
     visited_s, visited_ns, version, starts_s, starts_ns, pending, max_uses, password \
     FROM shares WHERE resource = ?1 ORDER BY seq";
pub(crate) const SQL_KEY_CANDIDATES: &str =
    "SELECT id FROM shares WHERE rtype = ?1 AND rkey = ?2 ORDER BY id";
pub(crate) const SQL_EXPIRED: &str = "SELECT seq, incarnation, id, resource, sharer, \
     recipient, access, reshare, message, created_s, created_ns, expires_s, expires_ns, visits, \
     visited_s, visited_ns, version, starts_s, starts_ns, pending, max_uses, password \
     FROM shares \
     WHERE expires_s IS NOT NULL AND (expires_s, expires_ns) <= (?1, ?2) ORDER BY id LIMIT ?3";
/// The used-up links (uses at their limit), by `shares_used_up`: the other half of
/// [`SQL_EXPIRED`]. The condition is the partial index's own, so that SQLite can use it.
pub(crate) const SQL_USED_UP: &str = "SELECT seq, incarnation, id, resource, sharer, \
     recipient, access, reshare, message, created_s, created_ns, expires_s, expires_ns, visits, \
     visited_s, visited_ns, version, starts_s, starts_ns, pending, max_uses, password \
     FROM shares WHERE max_uses IS NOT NULL AND visits >= max_uses ORDER BY id LIMIT ?1";
pub(crate) const SQL_LINK: &str = "SELECT seq, incarnation, id, resource, sharer, recipient, \
     access, reshare, message, created_s, created_ns, expires_s, expires_ns, visits, visited_s, \
     visited_ns, version, starts_s, starts_ns, pending, max_uses, password FROM shares \
     WHERE rtype = 'link' AND rkey = ?1 ORDER BY id LIMIT 1";
pub(crate) const SQL_RESOURCE_REVISION: &str = "SELECT revision FROM resources WHERE resource = ?1";
pub(crate) const SQL_REVISION: &str = "SELECT MAX(revision) FROM log";
pub(crate) const SQL_LAST_INCARNATION: &str = "SELECT MAX(incarnation) FROM log WHERE share = ?1";
pub(crate) const SQL_LOG_COUNT_SHARE: &str =
    "SELECT COUNT(*) FROM log WHERE share = ?1 AND incarnation = ?2";
pub(crate) const SQL_LOG_SHARE: &str = "SELECT revision, share, resource, actor, at_s, at_ns, \
     event FROM log WHERE share = ?1 AND incarnation = ?2 AND revision > ?3 \
     ORDER BY revision LIMIT ?4";
pub(crate) const SQL_LOG_COUNT_RESOURCE: &str = "SELECT COUNT(*) FROM log WHERE resource = ?1";
pub(crate) const SQL_LOG_RESOURCE: &str = "SELECT revision, share, resource, actor, at_s, \
     at_ns, event FROM log WHERE resource = ?1 AND revision > ?2 ORDER BY revision LIMIT ?3";
pub(crate) const SQL_CHANGES: &str = "SELECT revision, share, resource, actor, at_s, at_ns, \
     event FROM log WHERE revision > ?1 ORDER BY revision LIMIT ?2";
/// The insert of schema version 2, which the migration from version 1 copies shares with.
const SQL_INSERT_SHARE_V2: &str = "INSERT INTO shares (seq, incarnation, id, resource, sharer, \
     rtype, rkey, recipient, access, reshare, message, created_s, created_ns, expires_s, \
     expires_ns, visits, visited_s, visited_ns, version) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)";
const SQL_INSERT_SHARE: &str = "INSERT INTO shares (seq, incarnation, id, resource, sharer, \
     rtype, rkey, recipient, access, reshare, message, created_s, created_ns, expires_s, \
     expires_ns, visits, visited_s, visited_ns, version, starts_s, starts_ns, pending, max_uses, \
     password) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, \
     ?20, ?21, ?22, ?23, ?24)";
const SQL_UPDATE_SHARE: &str = "UPDATE shares SET access = ?2, reshare = ?3, message = ?4, \
     expires_s = ?5, expires_ns = ?6, visits = ?7, visited_s = ?8, visited_ns = ?9, \
     version = ?10, starts_s = ?11, starts_ns = ?12, pending = ?13, max_uses = ?14, \
     password = ?15 WHERE seq = ?1";
const SQL_DELETE_SHARE: &str = "DELETE FROM shares WHERE seq = ?1";
const SQL_INSERT_LOG: &str = "INSERT INTO log \
     (revision, share, incarnation, resource, actor, at_s, at_ns, event) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
const SQL_SET_REVISION: &str = "INSERT INTO resources (resource, revision) VALUES (?1, ?2) \
     ON CONFLICT (resource) DO UPDATE SET revision = excluded.revision";

/// The durable [`ShareStore`]: shares and the share log in one SQLite database, created and
/// migrated by the crate itself.
///
/// # Schema (version 3)
///
/// A `shares` table holds each share in columns: `resource`, `sharer`, the recipient as its
/// type (`rtype`) and key (`rkey`: the user, group or role id, the email in ASCII lower case,
/// a link's digest in hex, empty for the audiences and the public) beside the recipient
/// itself, and every instant (created, expires, last visit) as whole seconds and nanoseconds
/// since the epoch — exact for every instant `chrono` can hold, and ordered as a row value,
/// so the expiry index answers "expired at `now`". A share's start is kept the same way, with
/// whether it is pending, a link's use limit (its uses are the visit count) and a link's
/// password as the PHC string of its hash (never the password; NULL without one); partial
/// indexes find the used-up links, the pending and the scheduled shares. The `log` table holds the share log, one
/// row per write keyed by its [`Revision`], with the `incarnation` of its share (the
/// revision that created it, so that a share made again under a used id starts a log of its
/// own). The `resources` table holds each resource's revision. Every text compares by bytes,
/// so lists come out by share id, as ids order. A `schema_version` table and the
/// `application_id` in the file header ("SGRD") mark the file as ours; [`SqliteStore::open`]
/// refuses a database of another application and one written by a newer version of the
/// crate ([`OpenError`]), and migrates an older one (version 1: its log entries get
/// revisions in their old order, each resource the revision of its newest entry; version 2:
/// its shares get no start, no use limit and no password, and are not pending).
///
/// A link's token never reaches the file in clear unless the link was made retrievable
/// (iconik's pre-generated link): the recipient column holds only its digest, and the log
/// records link recipients by digest alone ([`plan::prepare`] redacts them).
///
/// # Atomicity
///
/// Every [`ShareStore::apply`] is one `BEGIN IMMEDIATE` transaction: it checks the
/// [`Precondition`] against the `resources` table, reads the share, plans the write with
/// [`plan::prepare`], and writes the share, its log entry at the next revision and the
/// resource's revision. `BEGIN IMMEDIATE` takes SQLite's write lock first, so no other
/// writer — a thread, or another process with its own `SqliteStore` on the same file — can
/// slip in between the check and the write. A process killed mid-write leaves the database
/// at its last commit (the write-ahead log, WAL mode).
///
/// # Threads
///
/// The store owns **one connection, on a worker thread of its own**: every method sends the
/// work to it over a channel and awaits the answer, so an async runtime's threads never wait
/// on the disk, and the crate needs no runtime. Calls are served one at a time, in the
/// order they arrive (SQLite has one writer at a time anyway). Dropping the store closes
/// the channel; the worker finishes the call it is running and closes the database, and the
/// drop waits for that. A call whose work panics answers [`StoreError::Backend`] (its
/// transaction rolled back); the worker goes on serving. Other processes may open the same
/// file: WAL lets them read while one writes, and a writer waits up to 5 s (the busy
/// timeout) for another's lock.
///
/// Opening ([`SqliteStore::open`]) reads and may migrate the file on the caller's thread:
/// open stores when a service starts, or in a blocking task.
///
/// By default commits are fully durable ([`Durability::Full`]): a share a call reported is
/// there after a crash of the process, the system or the power. That costs a disk flush per
/// commit; [`SqliteStore::open_with`] and [`Durability::Process`] trade the last commits
/// before a system crash for writes without a flush.
///
/// # Complexity
///
/// `n` is the number of shares, `k` the number of rows an index yields for the query, `p`
/// the page size; an index lookup is O(log n). Every query is answered by an index.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::{AccessLevel, Principal, PrincipalKind, Recipient, Share, ShareStore, SqliteStore};
/// use shareguard::store::Page;
///
/// # pollster::block_on(async {
/// let store = SqliteStore::in_memory()?;
/// let at = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
///     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer, at);
/// let created = store.create(share, &"alice".parse()?, at).await?;
/// assert_eq!(created.revision.get(), 1);
///
/// let bob = Principal::builder("bob", PrincipalKind::Internal).group("eng").build()?;
/// let mine = store.shares_reaching(&bob, false, &Page::ALL).await?;
/// assert_eq!(mine.total, 1);
/// assert_eq!(mine.items[0].id().as_str(), "s1");
/// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SqliteStore {
    jobs: Option<mpsc::Sender<Job>>,
    worker: Option<JoinHandle<()>>,
    path: Option<String>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path.as_deref().unwrap_or(":memory:"))
            .finish()
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        // Closing the channel ends the worker's loop once it has finished its current job.
        drop(self.jobs.take());
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

/// How durable a [`SqliteStore`]'s commits are. Either way a commit is atomic and the file
/// is never left torn: what may be lost is only the newest commits, never part of one.
///
/// ```
/// use shareguard::store::Durability;
///
/// assert_eq!(Durability::default(), Durability::Full);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Durability {
    /// Every commit is on disk before the call returns (SQLite `synchronous = FULL`): it
    /// survives a crash of the process, of the system and a power cut. The default.
    #[default]
    Full,
    /// Every commit survives a crash of the process (it is in the write-ahead log); the
    /// newest commits may be lost if the system crashes or the power fails before the next
    /// checkpoint (SQLite `synchronous = NORMAL` in WAL mode). Writes cost no disk flush.
    Process,
}

// ---------------------------------------------------------------------------------------------
// The worker and its answers

/// A piece of work for the connection's thread.
type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// The one answer a job sends back, and who waits for it.
struct Slot<T> {
    value: Option<T>,
    closed: bool,
    waker: Option<Waker>,
}

/// The sending half of a one-answer channel: sends at most once; dropped (sent or not, as
/// when the job panicked), it closes the channel and wakes the receiver.
struct Answer<T>(Arc<Mutex<Slot<T>>>);

/// The receiving half: a future of the answer, `None` if the job ended without one.
struct Awaited<T>(Arc<Mutex<Slot<T>>>);

fn oneshot<T>() -> (Answer<T>, Awaited<T>) {
    let slot = Arc::new(Mutex::new(Slot { value: None, closed: false, waker: None }));
    (Answer(Arc::clone(&slot)), Awaited(slot))
}

impl<T> Answer<T> {
    fn send(self, value: T) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).value = Some(value);
    }
}

impl<T> Drop for Answer<T> {
    fn drop(&mut self) {
        let waker = {
            let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            slot.closed = true;
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Future for Awaited<T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(value) = slot.value.take() {
            return Poll::Ready(Some(value));
        }
        if slot.closed {
            return Poll::Ready(None);
        }
        slot.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// The worker's loop: runs each job on the connection until the store closes the channel.
/// A job that panics is caught (the caller gets an error, not a hang) and any transaction it
/// left open is rolled back.
fn serve(mut conn: Connection, jobs: mpsc::Receiver<Job>) {
    while let Ok(job) = jobs.recv() {
        if catch_unwind(AssertUnwindSafe(|| job(&mut conn))).is_err() && !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
}

fn stopped() -> StoreError {
    StoreError::Backend("sqlite store: the connection's worker thread has stopped".into())
}

fn panicked() -> StoreError {
    StoreError::Backend(
        "sqlite store: the operation panicked on the connection's thread; its transaction was \
         rolled back"
            .into(),
    )
}

// ---------------------------------------------------------------------------------------------
// Errors

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(format!("sqlite: {e}"))
}

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("sqlite store: unreadable {what} in the database: {detail}"))
}

fn too_large(what: &str) -> StoreError {
    StoreError::Backend(format!("sqlite store: {what} too large for the database"))
}

/// Whether an existing file can only be read here: the file itself not writable (its mode,
/// or a read-only mount), or its directory, where the write-ahead log must go. A path that
/// does not exist, or a `file:` URI, is left to SQLite.
fn cannot_write(path: &Path) -> bool {
    use std::io::ErrorKind;
    if !path.is_file() {
        return false;
    }
    let read_only = |e: &std::io::Error| {
        matches!(e.kind(), ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem)
    };
    if let Err(e) = std::fs::OpenOptions::new().read(true).write(true).open(path) {
        return read_only(&e);
    }
    let Some(dir) =
        path.parent().map(|d| if d.as_os_str().is_empty() { Path::new(".") } else { d })
    else {
        return false;
    };
    let probe = dir.join(format!(".shareguard-probe-{}", uuid::Uuid::new_v4().simple()));
    match std::fs::OpenOptions::new().write(true).create_new(true).open(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            false
        }
        Err(e) => read_only(&e),
    }
}

/// Classifies an error met while opening or checking a file: always an [`OpenError`] that
/// names the path (a file cut short or otherwise damaged cannot be opened, with SQLite's
/// reason).
fn open_error(path: &str, e: &rusqlite::Error) -> StoreError {
    let path = path.to_owned();
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => OpenError::NotADatabase { path }.into(),
        Some(ErrorCode::ReadOnly) => OpenError::ReadOnly { path }.into(),
        _ => OpenError::CannotOpen { path, reason: e.to_string() }.into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding

/// A `usize` as an SQL integer, saturating (a page reaching past `i64::MAX` is a page to the
/// end).
fn sql_int(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn from_count(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

fn to_json<T: serde::Serialize>(value: &T, what: &str) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Backend(format!("sqlite store: cannot encode {what}: {e}")))
}

/// The `(rtype, rkey)` index keys a principal could match ([`Principal::recipient_keys`]).
fn keys_for(principal: &Principal, include_public: bool) -> Vec<(&'static str, String)> {
    let mut keys: Vec<(&'static str, String)> =
        principal.recipient_keys(include_public).iter().map(recipient_key).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

// ---------------------------------------------------------------------------------------------
// Rows

/// A share row as read: its place, its log's incarnation and the share.
struct Stored {
    seq: i64,
    incarnation: i64,
    share: Share,
}

/// The raw columns of a share row ([`SHARE_COLUMNS`], in order).
struct ShareRow {
    seq: i64,
    incarnation: i64,
    id: String,
    resource: String,
    sharer: String,
    recipient: String,
    access: String,
    reshare: i64,
    message: Option<String>,
    created: (i64, i64),
    expires: (Option<i64>, Option<i64>),
    visits: i64,
    visited: (Option<i64>, Option<i64>),
    version: i64,
    starts: (Option<i64>, Option<i64>),
    pending: i64,
    max_uses: Option<i64>,
    password: Option<String>,
}

fn share_row(row: &Row<'_>) -> rusqlite::Result<ShareRow> {
    Ok(ShareRow {
        seq: row.get(0)?,
        incarnation: row.get(1)?,
        id: row.get(2)?,
        resource: row.get(3)?,
        sharer: row.get(4)?,
        recipient: row.get(5)?,
        access: row.get(6)?,
        reshare: row.get(7)?,
        message: row.get(8)?,
        created: (row.get(9)?, row.get(10)?),
        expires: (row.get(11)?, row.get(12)?),
        visits: row.get(13)?,
        visited: (row.get(14)?, row.get(15)?),
        version: row.get(16)?,
        starts: (row.get(17)?, row.get(18)?),
        pending: row.get(19)?,
        max_uses: row.get(20)?,
        password: row.get(21)?,
    })
}

impl ShareRow {
    fn decode(self) -> Result<Stored, StoreError> {
        let access: AccessLevel =
            serde_json::from_str(&self.access).map_err(|e| corrupt("share access", e))?;
        let reshare = u8::try_from(self.reshare)
            .ok()
            .and_then(ReshareRights::from_bits)
            .ok_or_else(|| corrupt("share reshare rights", self.reshare))?;
        let pending = match self.pending {
            0 => false,
            1 => true,
            other => return Err(corrupt("share pending flag", other)),
        };
        let max_uses = self.max_uses.map(|n| from_sql_u64(n, "share use limit")).transpose()?;
        let password = self
            .password
            .as_deref()
            .map(LinkPassword::from_stored)
            .transpose()
            .map_err(|e| corrupt("share password", e))?;
        let usage = Usage {
            last_visit: from_optional_instant(self.visited.0, self.visited.1)?,
            visits: from_sql_u64(self.visits, "share visit count")?,
        };
        let share = Share::new(
            self.id.parse().map_err(|e| corrupt("share id", e))?,
            self.resource.parse().map_err(|e| corrupt("share resource", e))?,
            self.sharer.parse().map_err(|e| corrupt("share sharer", e))?,
            serde_json::from_str(&self.recipient).map_err(|e| corrupt("share recipient", e))?,
            access.validated().map_err(|e| corrupt("share access", e))?,
            from_instant(self.created.0, self.created.1)?,
        )
        .with_reshare(reshare)
        .with_expiry(from_optional_instant(self.expires.0, self.expires.1)?)
        .with_message(self.message)
        .with_usage(usage)
        .with_start(from_optional_instant(self.starts.0, self.starts.1)?)
        .with_pending(pending)
        .with_max_uses(max_uses)
        .with_password(password)
        .with_version(from_sql_u64(self.version, "share version")?);
        Ok(Stored { seq: self.seq, incarnation: self.incarnation, share })
    }
}

/// Reads the share rows a statement yields.
fn stored_of(
    tx: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Stored>, StoreError> {
    let mut stmt = tx.prepare_cached(sql).map_err(backend)?;
    let rows = stmt
        .query_map(params, share_row)
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    rows.into_iter().map(ShareRow::decode).collect()
}

fn shares_of(
    tx: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Share>, StoreError> {
    Ok(stored_of(tx, sql, params)?.into_iter().map(|s| s.share).collect())
}

/// The share stored under this id, if any.
fn find(tx: &Connection, id: &ShareId) -> Result<Option<Stored>, StoreError> {
    Ok(stored_of(tx, SQL_BY_ID, [id.as_str()])?.pop())
}

/// The columns of a share that can change, in the order of [`SQL_UPDATE_SHARE`] (from `?2`):
/// access, reshare, message, expiry, visits, last visit, version, then those of schema
/// version 3 (start, pending, use limit, password).
fn mutable_columns(share: &Share) -> Result<Vec<Value>, StoreError> {
    let (expires_s, expires_ns) = optional_instant(share.expires());
    let usage = share.usage();
    let (visited_s, visited_ns) = optional_instant(usage.last_visit);
    let (starts_s, starts_ns) = optional_instant(share.starts());
    let max_uses = share.max_uses().map(|n| to_sql_u64(n, "a link's use limit")).transpose()?;
    Ok(vec![
        Value::Text(to_json(&share.access(), "a share's access")?),
        Value::Integer(i64::from(share.reshare().bits())),
        share.message().map_or(Value::Null, |m| Value::Text(m.to_owned())),
        expires_s.into(),
        expires_ns.into(),
        Value::Integer(to_sql_u64(usage.visits, "a share's visit count")?),
        visited_s.into(),
        visited_ns.into(),
        Value::Integer(to_sql_u64(share.version(), "a share's version")?),
        starts_s.into(),
        starts_ns.into(),
        Value::Integer(i64::from(share.is_pending())),
        max_uses.into(),
        share.password().map_or(Value::Null, |p| Value::Text(p.stored_form().to_owned())),
    ])
}

/// How many of [`mutable_columns`] schema version 2 has.
const V2_MUTABLE_COLUMNS: usize = 9;

fn insert_share(
    tx: &Connection,
    seq: Option<i64>,
    incarnation: i64,
    share: &Share,
) -> Result<(), StoreError> {
    insert_share_as(tx, SQL_INSERT_SHARE, usize::MAX, seq, incarnation, share)
}

/// Inserts a share with `sql`, binding the first `mutable` of its [`mutable_columns`] (an
/// older schema has fewer).
fn insert_share_as(
    tx: &Connection,
    sql: &str,
    mutable: usize,
    seq: Option<i64>,
    incarnation: i64,
    share: &Share,
) -> Result<(), StoreError> {
    let (rtype, rkey) = recipient_key(share.recipient());
    let (created_s, created_ns) = instant(share.created());
    let mut columns = mutable_columns(share)?;
    let rest = columns.split_off(V2_MUTABLE_COLUMNS.min(columns.len()));
    let mut values: Vec<Value> = vec![
        seq.into(),
        Value::Integer(incarnation),
        Value::Text(share.id().as_str().to_owned()),
        Value::Text(share.resource().as_str().to_owned()),
        Value::Text(share.sharer().as_str().to_owned()),
        Value::Text(rtype.to_owned()),
        Value::Text(rkey),
        Value::Text(super::sql::recipient_json(share.recipient())?),
    ];
    // The insert's order: access, reshare, message, created, then the rest.
    let mut columns = columns.into_iter();
    values.extend(columns.by_ref().take(3));
    values.push(Value::Integer(created_s));
    values.push(Value::Integer(created_ns));
    values.extend(columns);
    values.extend(rest.into_iter().take(mutable.saturating_sub(V2_MUTABLE_COLUMNS)));
    tx.prepare_cached(sql).map_err(backend)?.execute(params_from_iter(values)).map_err(backend)?;
    Ok(())
}

fn replace_share(tx: &Connection, seq: i64, share: &Share) -> Result<(), StoreError> {
    let mut values = vec![Value::Integer(seq)];
    values.extend(mutable_columns(share)?);
    tx.prepare_cached(SQL_UPDATE_SHARE)
        .map_err(backend)?
        .execute(params_from_iter(values))
        .map_err(backend)?;
    Ok(())
}

fn append_log(tx: &Connection, entry: &LogEntry, incarnation: i64) -> Result<(), StoreError> {
    let (at_s, at_ns) = instant(entry.at);
    tx.prepare_cached(SQL_INSERT_LOG)
        .map_err(backend)?
        .execute(params![
            to_sql_u64(entry.revision.get(), "a revision")?,
            super::sql::log_share(entry.share.as_ref()),
            incarnation,
            entry.resource.as_str(),
            entry.actor.as_str(),
            at_s,
            at_ns,
            to_json(&entry.event, "a log entry")?,
        ])
        .map_err(backend)?;
    Ok(())
}

/// The store's revision: that of its newest log entry (log entries are never removed).
fn store_revision(tx: &Connection) -> Result<Revision, StoreError> {
    let max: Option<i64> = tx
        .prepare_cached(SQL_REVISION)
        .map_err(backend)?
        .query_row([], |row| row.get(0))
        .map_err(backend)?;
    Ok(Revision::new(from_sql_u64(max.unwrap_or(0), "revision")?))
}

fn resource_revision(tx: &Connection, resource: &ResourceRef) -> Result<Revision, StoreError> {
    let found: Option<i64> = tx
        .prepare_cached(SQL_RESOURCE_REVISION)
        .map_err(backend)?
        .query_row([resource.as_str()], |row| row.get(0))
        .optional()
        .map_err(backend)?;
    Ok(Revision::new(from_sql_u64(found.unwrap_or(0), "resource revision")?))
}

type LogRow = (i64, String, String, String, i64, i64, String);

fn log_row(row: &Row<'_>) -> rusqlite::Result<LogRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?))
}

fn decode_log(
    (revision, share, resource, actor, at_s, at_ns, event): LogRow,
) -> Result<LogEntry, StoreError> {
    Ok(LogEntry {
        revision: Revision::new(from_sql_u64(revision, "log revision")?),
        share: super::sql::parse_log_share(&share).map_err(|e| corrupt("log share id", e))?,
        resource: resource.parse().map_err(|e| corrupt("log resource", e))?,
        actor: actor.parse().map_err(|e| corrupt("log actor", e))?,
        at: from_instant(at_s, at_ns)?,
        event: serde_json::from_str(&event).map_err(|e| corrupt("log event", e))?,
    })
}

fn log_of(
    tx: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<LogEntry>, StoreError> {
    let mut stmt = tx.prepare_cached(sql).map_err(backend)?;
    let rows = stmt
        .query_map(params, log_row)
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    rows.into_iter().map(decode_log).collect()
}

fn count(tx: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<usize, StoreError> {
    let n: i64 = tx
        .prepare_cached(sql)
        .map_err(backend)?
        .query_row(params, |row| row.get(0))
        .map_err(backend)?;
    Ok(from_count(n))
}

/// Where a log page starts: after the revision its cursor names (from the start if none).
fn log_after(page: &Page) -> Result<i64, StoreError> {
    let after = page.after.as_ref().and_then(Cursor::revision).unwrap_or(Revision::ZERO);
    // A cursor past every revision this database can hold starts after the end.
    Ok(i64::try_from(after.get()).unwrap_or(i64::MAX))
}

/// The page of `count` items out of `rows` (read with one more than `count`), and its cursor.
fn cut<T>(mut rows: Vec<T>, count: usize, total: usize, key: impl Fn(&T) -> String) -> Paged<T> {
    let more = rows.len() > count;
    rows.truncate(count);
    let next = if more { rows.last().map(|last| Cursor::after(key(last))) } else { None };
    Paged { items: rows, total, next }
}

/// Runs `work` in one immediate (write) transaction: committed if it returns `Ok`, rolled
/// back otherwise (and on unwinding).
fn in_write<T>(
    conn: &mut Connection,
    work: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(backend)?;
    let out = work(&tx)?;
    tx.commit().map_err(backend)?;
    Ok(out)
}

/// Runs `work` in one read transaction, so that its statements see one snapshot.
fn in_read<T>(
    conn: &mut Connection,
    work: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred).map_err(backend)?;
    let out = work(&tx)?;
    tx.finish().map_err(backend)?;
    Ok(out)
}

/// One write, in the transaction: the precondition, the plan, the share, its log entry and
/// the resource's revision.
fn apply_in(
    tx: &Transaction<'_>,
    write: Write,
    pre: &Precondition,
    actor: &PrincipalId,
    at: DateTime<Utc>,
) -> Result<Applied, StoreError> {
    check_in(tx, pre)?;
    let current = match write.share_id() {
        Some(id) => find(tx, id)?,
        None => None,
    };
    let effect = plan::prepare(write, current.as_ref().map(|c| &c.share), at)?;
    let revision = store_revision(tx)?.next();
    if revision.get() > i64::MAX as u64 {
        return Err(too_large("the next revision"));
    }
    let rev = to_sql_u64(revision.get(), "a revision")?;
    let entry = effect.log_entry(revision, actor, at);
    let (incarnation, share) = match (effect, current) {
        (Effect::Insert { share, .. }, _) => {
            insert_share(tx, None, rev, &share)?;
            (rev, share)
        }
        (Effect::Replace { share, .. }, Some(current)) => {
            replace_share(tx, current.seq, &share)?;
            (current.incarnation, share)
        }
        (Effect::Remove { share, .. }, Some(current)) => {
            tx.prepare_cached(SQL_DELETE_SHARE)
                .map_err(backend)?
                .execute([current.seq])
                .map_err(backend)?;
            (current.incarnation, share)
        }
        (effect, None) => return Err(StoreError::NotFound(effect.share().id().clone())),
    };
    append_log(tx, &entry, incarnation)?;
    tx.prepare_cached(SQL_SET_REVISION)
        .map_err(backend)?
        .execute(params![share.resource().as_str(), rev])
        .map_err(backend)?;
    Ok(Applied { share, revision })
}

/// Refuses with [`StoreError::Changed`] unless every resource of `pre` is still at the
/// revision read.
fn check_in(tx: &Transaction<'_>, pre: &Precondition) -> Result<(), StoreError> {
    let revisions = pre
        .entries()
        .iter()
        .map(|(resource, _)| resource_revision(tx, resource))
        .collect::<Result<Vec<Revision>, StoreError>>()?;
    let mut current_of = revisions.into_iter();
    pre.check(|_| current_of.next().unwrap_or(Revision::ZERO))
}

/// An entry about a resource (no share), in the transaction: the precondition, the entry and
/// the resource's revision.
fn note_in(
    tx: &Transaction<'_>,
    resource: &ResourceRef,
    event: LogEvent,
    pre: &Precondition,
    actor: &PrincipalId,
    at: DateTime<Utc>,
) -> Result<Revision, StoreError> {
    check_in(tx, pre)?;
    let revision = store_revision(tx)?.next();
    let rev = to_sql_u64(revision.get(), "a revision")?;
    let entry = LogEntry {
        revision,
        share: None,
        resource: resource.clone(),
        actor: actor.clone(),
        at,
        event,
    };
    append_log(tx, &entry, 0)?;
    tx.prepare_cached(SQL_SET_REVISION)
        .map_err(backend)?
        .execute(params![resource.as_str(), rev])
        .map_err(backend)?;
    Ok(revision)
}

// ---------------------------------------------------------------------------------------------
// Opening

impl SqliteStore {
    /// Opens the store in the file at `path`, creating the file and the schema if absent and
    /// migrating an older schema, and starts the store's connection thread. Blocks the
    /// calling thread while it reads (and perhaps migrates) the file.
    ///
    /// Fails with [`StoreError::Open`], naming the path, when the file cannot be used:
    /// [`OpenError::CannotOpen`] (a missing or unwritable directory, a file cut short or
    /// otherwise damaged, with SQLite's reason), [`OpenError::NotADatabase`],
    /// [`OpenError::ForeignSchema`] (another application's database, left untouched),
    /// [`OpenError::NewerSchema`] (written by a newer shareguard, left untouched) or
    /// [`OpenError::ReadOnly`]. A `file:` URI is accepted as SQLite reads it.
    ///
    /// ```
    /// use shareguard::{SqliteStore, StoreError};
    /// use shareguard::store::OpenError;
    ///
    /// let path = std::env::temp_dir().join(format!("shareguard-doc-{}.db", uuid::Uuid::new_v4()));
    /// let store = SqliteStore::open(&path)?;
    /// drop(store);
    /// let again = SqliteStore::open(&path)?; // the same shares, the same log
    /// # drop(again);
    /// # for suffix in ["", "-wal", "-shm"] { let _ = std::fs::remove_file(format!("{}{suffix}", path.display())); }
    ///
    /// let nowhere = std::env::temp_dir().join("no-such-dir").join("shares.db");
    /// assert!(matches!(SqliteStore::open(&nowhere), Err(StoreError::Open(OpenError::CannotOpen { .. }))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, Durability::Full)
    }

    /// As [`SqliteStore::open`], with the durability of commits chosen.
    ///
    /// ```
    /// use shareguard::SqliteStore;
    /// use shareguard::store::Durability;
    ///
    /// let path = std::env::temp_dir().join(format!("shareguard-doc-{}.db", uuid::Uuid::new_v4()));
    /// let store = SqliteStore::open_with(&path, Durability::Process)?;
    /// # drop(store);
    /// # for suffix in ["", "-wal", "-shm"] { let _ = std::fs::remove_file(format!("{}{suffix}", path.display())); }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open_with(path: impl AsRef<Path>, durability: Durability) -> Result<Self, StoreError> {
        let shown = path.as_ref().display().to_string();
        if cannot_write(path.as_ref()) {
            // Refused before SQLite opens it: a read-only open of a WAL file would leave
            // `-wal`/`-shm` files behind, owned by this user, in the way of a later open.
            return Err(OpenError::ReadOnly { path: shown }.into());
        }
        let conn = Connection::open(path.as_ref()).map_err(|e| open_error(&shown, &e))?;
        Self::setup(conn, Some(shown), durability)
    }

    /// A store in memory, gone when dropped: the SQLite engine without a file, for tests.
    ///
    /// ```
    /// use shareguard::{ShareStore, SqliteStore};
    /// use shareguard::store::{Page, ShareFilter};
    ///
    /// let store = SqliteStore::in_memory()?;
    /// let all = pollster::block_on(store.list(&ShareFilter::default(), &Page::ALL))?;
    /// assert_eq!(all.total, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().map_err(backend)?;
        Self::setup(conn, None, Durability::Full)
    }

    /// The path the store was opened at, or `None` in memory.
    ///
    /// ```
    /// use shareguard::SqliteStore;
    ///
    /// assert_eq!(SqliteStore::in_memory()?.path(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// The schema version this version of the crate writes and can open.
    ///
    /// ```
    /// assert_eq!(shareguard::SqliteStore::SCHEMA_VERSION, 3);
    /// ```
    pub const SCHEMA_VERSION: i64 = SCHEMA_VERSION;

    fn setup(
        mut conn: Connection,
        path: Option<String>,
        durability: Durability,
    ) -> Result<Self, StoreError> {
        let shown = path.clone().unwrap_or_else(|| ":memory:".to_owned());
        let fail = |e: rusqlite::Error| open_error(&shown, &e);
        conn.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
        // The first read of the header: where a file that is not a database shows itself.
        let app_id: i64 =
            conn.pragma_query_value(None, "application_id", |row| row.get(0)).map_err(fail)?;
        let tables = user_tables(&conn).map_err(fail)?;
        let version = if app_id == APPLICATION_ID {
            if !tables.iter().any(|t| t == "schema_version") {
                return Err(foreign(&shown, &tables));
            }
            conn.query_row("SELECT MAX(version) FROM schema_version", [], |row| {
                row.get::<_, Option<i64>>(0)
            })
            .map_err(fail)?
            .unwrap_or(0)
        } else if app_id == 0 && tables.is_empty() {
            0
        } else if app_id == 0 {
            return Err(foreign(&shown, &tables));
        } else {
            return Err(OpenError::ForeignSchema {
                path: shown,
                tables: format!("application id {app_id:#x}: {}", tables.join(", ")),
            }
            .into());
        };
        if version > SCHEMA_VERSION {
            return Err(OpenError::NewerSchema {
                path: shown,
                found: version,
                supported: SCHEMA_VERSION,
            }
            .into());
        }
        if path.is_some() && conn.is_readonly(rusqlite::MAIN_DB).map_err(fail)? {
            return Err(OpenError::ReadOnly { path: shown }.into());
        }
        // WAL only once the file is known to be ours: never convert another's database.
        let _mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(fail)?;
        let synchronous = match durability {
            Durability::Full => "FULL",
            Durability::Process => "NORMAL",
        };
        conn.pragma_update(None, "synchronous", synchronous).map_err(fail)?;
        if version < SCHEMA_VERSION {
            migrate(&mut conn, version, &shown)?;
            let tables = user_tables(&conn).map_err(fail)?;
            if tables != OUR_TABLES {
                return Err(foreign(&shown, &tables));
            }
        }
        conn.set_prepared_statement_cache_capacity(64);
        let (jobs, inbox) = mpsc::channel::<Job>();
        let worker = std::thread::Builder::new()
            .name("shareguard-sqlite".into())
            .spawn(move || serve(conn, inbox))
            .map_err(|e| {
                StoreError::Backend(format!("sqlite store: cannot start its thread: {e}"))
            })?;
        Ok(Self { jobs: Some(jobs), worker: Some(worker), path })
    }

    /// Runs `work` on the connection's thread and awaits its answer.
    async fn call<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (answer, awaited) = oneshot();
        let job: Job = Box::new(move |conn| answer.send(work(conn)));
        self.jobs.as_ref().ok_or_else(stopped)?.send(job).map_err(|_| stopped())?;
        awaited.await.unwrap_or_else(|| Err(panicked()))
    }

    /// Runs `work` on the connection, for tests that look under the store.
    #[cfg(test)]
    pub(crate) async fn with_connection<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.call(work).await
    }
}

fn foreign(path: &str, tables: &[String]) -> StoreError {
    OpenError::ForeignSchema { path: path.to_owned(), tables: tables.join(", ") }.into()
}

/// The tables of a database, sorted, without SQLite's own.
fn user_tables(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         ORDER BY name",
    )?;
    stmt.query_map([], |row| row.get(0))?.collect()
}

/// Brings the schema from `from` to [`SCHEMA_VERSION`], each step in one transaction with its
/// version bump.
fn migrate(conn: &mut Connection, from: i64, path: &str) -> Result<(), StoreError> {
    let fail = |e: rusqlite::Error| open_error(path, &e);
    for version in from..SCHEMA_VERSION {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(fail)?;
        match version {
            0 => tx.execute_batch(SCHEMA_V1).map_err(fail)?,
            1 => {
                tx.execute_batch(SCHEMA_V2_TABLES).map_err(fail)?;
                copy_v1(&tx)?;
                tx.execute_batch(SCHEMA_V2_INDEXES).map_err(fail)?;
            }
            _ => tx.execute_batch(SCHEMA_V3).map_err(fail)?,
        }
        tx.execute("UPDATE schema_version SET version = ?1", [version + 1]).map_err(fail)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID).map_err(fail)?;
        tx.commit().map_err(fail)?;
    }
    Ok(())
}

/// Copies the data of schema version 1 (in `shares_v1` and `log_v1`) into the tables of
/// version 2: log entries numbered 1, 2, … in their old order; each entry given the
/// incarnation of its share (a new one wherever a share id's entry follows its removal, or
/// starts its log).
fn copy_v1(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let mut live: HashMap<String, i64> = HashMap::new();
    {
        let mut read = tx
            .prepare("SELECT share, resource, actor, at_s, at_ns, event FROM log_v1 ORDER BY seq")
            .map_err(backend)?;
        let mut rows = read.query([]).map_err(backend)?;
        let mut write = tx.prepare(SQL_INSERT_LOG).map_err(backend)?;
        let mut revision: i64 = 0;
        while let Some(row) = rows.next().map_err(backend)? {
            revision += 1;
            let share: String = row.get(0).map_err(backend)?;
            let event: String = row.get(5).map_err(backend)?;
            let name = serde_json::from_str::<serde_json::Value>(&event)
                .ok()
                .and_then(|v| v.get("event").and_then(|n| n.as_str()).map(str::to_owned))
                .unwrap_or_default();
            let incarnation = *live.entry(share.clone()).or_insert(revision);
            if matches!(name.as_str(), "deleted" | "expired" | "access_removed") {
                live.remove(&share);
            }
            write
                .execute(params![
                    revision,
                    share,
                    incarnation,
                    row.get::<_, String>(1).map_err(backend)?,
                    row.get::<_, String>(2).map_err(backend)?,
                    row.get::<_, i64>(3).map_err(backend)?,
                    row.get::<_, i64>(4).map_err(backend)?,
                    event,
                ])
                .map_err(backend)?;
        }
    }
    let mut read = tx
        .prepare("SELECT seq, body, expires_s, expires_ns FROM shares_v1 ORDER BY seq")
        .map_err(backend)?;
    let rows = read
        .query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, Option<i64>>(2)?,
                row.get::<_, Option<i64>>(3)?,
            ))
        })
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    for (seq, body, expires_s, expires_ns) in rows {
        // The expiry from its exact columns: version 1 wrote years past 9999 into the JSON
        // in a form it could not read back.
        let mut json: serde_json::Value =
            serde_json::from_str(&body).map_err(|e| corrupt("version 1 share", e))?;
        if let Some(fields) = json.as_object_mut() {
            fields.remove("expires");
        }
        let share: Share =
            serde_json::from_value(json).map_err(|e| corrupt("version 1 share", e))?;
        let share = share.with_expiry(from_optional_instant(expires_s, expires_ns)?);
        let incarnation = live.get(share.id().as_str()).copied().unwrap_or(0);
        insert_share_as(
            tx,
            SQL_INSERT_SHARE_V2,
            V2_MUTABLE_COLUMNS,
            Some(seq),
            incarnation,
            &share,
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The port

#[async_trait]
impl ShareStore for SqliteStore {
    /// One `BEGIN IMMEDIATE` transaction, O(log n + r log n) for `r` resources in `pre`.
    async fn apply(
        &self,
        write: Write,
        pre: &Precondition,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Applied, StoreError> {
        let (pre, actor) = (pre.clone(), actor.clone());
        self.call(move |conn| in_write(conn, |tx| apply_in(tx, write, &pre, &actor, at))).await
    }

    async fn note(
        &self,
        resource: &ResourceRef,
        event: LogEvent,
        pre: &Precondition,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Revision, StoreError> {
        let (resource, pre, actor) = (resource.clone(), pre.clone(), actor.clone());
        self.call(move |conn| in_write(conn, |tx| note_in(tx, &resource, event, &pre, &actor, at)))
            .await
    }

    /// O(log n) by the unique index on `id`.
    async fn get(&self, id: &ShareId) -> Result<Option<Share>, StoreError> {
        let id = id.clone();
        self.call(move |conn| Ok(find(conn, &id)?.map(|s| s.share))).await
    }

    /// One read transaction, O(Σ (log n + k log k)) by `shares_by_resource` and the
    /// `resources` table; `read` runs on the caller's thread, once the rows are in.
    async fn read_path(
        &self,
        resources: &[ResourceRef],
        at_least: Revision,
        read: &mut PathReader<'_>,
    ) -> Result<(), StoreError> {
        let asked = resources.to_vec();
        let lists = self
            .call(move |conn| {
                in_read(conn, |tx| {
                    let actual = store_revision(tx)?;
                    if actual < at_least {
                        return Err(StoreError::NotYet { wanted: at_least, actual });
                    }
                    asked
                        .iter()
                        .map(|resource| {
                            let shares = shares_of(tx, SQL_ON_RESOURCE, [resource.as_str()])?;
                            Ok((ShareList::from(shares), resource_revision(tx, resource)?))
                        })
                        .collect::<Result<Vec<_>, StoreError>>()
                })
            })
            .await?;
        super::sql::hand_over(resources, &lists, read);
        Ok(())
    }

    /// O(m (log n + k) + p log n): one range of `shares_by_recipient` per index key the
    /// principal could match (each key checked once with [`Recipient::matches`]), reading
    /// only the index for the ids and `total`; only the page's shares are read (and checked
    /// again).
    async fn shares_reaching(
        &self,
        principal: &Principal,
        include_public: bool,
        page: &Page,
    ) -> Result<Paged<Share>, StoreError> {
        let (principal, page) = (principal.clone(), page.clone());
        self.call(move |conn| {
            in_read(conn, |tx| {
                let mut ids: Vec<String> = Vec::new();
                let mut stmt = tx.prepare_cached(SQL_KEY_CANDIDATES).map_err(backend)?;
                for (rtype, rkey) in keys_for(&principal, include_public) {
                    // Every row of a key has that very key (SQL equality), so the key is
                    // checked once against the model's matching rule.
                    if !recipient_from_key(rtype, &rkey)?.matches(&principal) {
                        continue;
                    }
                    let rows =
                        stmt.query_map(params![rtype, rkey], |row| row.get(0)).map_err(backend)?;
                    for id in rows {
                        ids.push(id.map_err(backend)?);
                    }
                }
                ids.sort_unstable();
                ids.dedup();
                let total = ids.len();
                let after = page.after.as_ref().map(Cursor::key);
                let start = after.map_or(0, |a| ids.partition_point(|id| id.as_str() <= a));
                let mut rows = Vec::new();
                for id in ids.iter().skip(start).take(page.count.saturating_add(1)) {
                    if let Some(share) = shares_of(tx, SQL_BY_ID, [id])?.pop() {
                        if share.recipient().matches(&principal) {
                            rows.push(share);
                        }
                    }
                }
                Ok(cut(rows, page.count, total, |s| s.id().as_str().to_owned()))
            })
        })
        .await
    }

    /// O(log n + k + p): one `COUNT` and one page query, each over the index SQLite finds
    /// narrowest among the filter's resource (`shares_by_resource`), sharer
    /// (`shares_by_sharer`), recipient or share type (`shares_by_recipient`), every
    /// condition in SQL, the page by `id > cursor`. Only a filter naming none of them (state
    /// alone, or nothing) walks the ids, O(n) for the count.
    async fn list(&self, filter: &ShareFilter, page: &Page) -> Result<Paged<Share>, StoreError> {
        let (clause, values) = where_clause(filter);
        let page = page.clone();
        self.call(move |conn| {
            in_read(conn, |tx| {
                let count_sql = format!("SELECT COUNT(*) FROM shares{clause}");
                let total = count(tx, &count_sql, params_from_iter(values.iter()))?;
                let (page_sql, paged_values) = page_query(&clause, values, &page);
                let rows = shares_of(tx, &page_sql, params_from_iter(paged_values.iter()))?;
                Ok(cut(rows, page.count, total, |s| s.id().as_str().to_owned()))
            })
        })
        .await
    }

    /// O(log n) by `shares_by_recipient` on the digest; the share found is checked against
    /// the digest in constant time.
    async fn find_link(&self, digest: &LinkDigest) -> Result<Option<Share>, StoreError> {
        let digest = *digest;
        self.call(move |conn| {
            let mut found = shares_of(conn, SQL_LINK, [digest.to_hex()])?;
            Ok(found.pop().filter(
                |share| matches!(share.recipient(), Recipient::Link(link) if link.accepts(&digest)),
            ))
        })
        .await
    }

    /// O(log n + k + p) by `log_by_share` (`k` the entries of the share's incarnation).
    async fn log_for_share(
        &self,
        id: &ShareId,
        page: &Page,
    ) -> Result<Paged<LogEntry>, StoreError> {
        let (id, page) = (id.clone(), page.clone());
        self.call(move |conn| {
            in_read(conn, |tx| {
                let incarnation = match find(tx, &id)? {
                    Some(stored) => Some(stored.incarnation),
                    None => tx
                        .prepare_cached(SQL_LAST_INCARNATION)
                        .map_err(backend)?
                        .query_row([id.as_str()], |row| row.get::<_, Option<i64>>(0))
                        .map_err(backend)?,
                };
                let Some(incarnation) = incarnation else {
                    return Ok(Paged { items: Vec::new(), total: 0, next: None });
                };
                let total = count(tx, SQL_LOG_COUNT_SHARE, params![id.as_str(), incarnation])?;
                let limit = sql_int(page.count.saturating_add(1));
                let rows = log_of(
                    tx,
                    SQL_LOG_SHARE,
                    params![id.as_str(), incarnation, log_after(&page)?, limit],
                )?;
                Ok(cut(rows, page.count, total, |e| e.revision.to_string()))
            })
        })
        .await
    }

    /// O(log n + k + p) by `log_by_resource`.
    async fn log_for_resource(
        &self,
        resource: &ResourceRef,
        page: &Page,
    ) -> Result<Paged<LogEntry>, StoreError> {
        let (resource, page) = (resource.clone(), page.clone());
        self.call(move |conn| {
            in_read(conn, |tx| {
                let total = count(tx, SQL_LOG_COUNT_RESOURCE, [resource.as_str()])?;
                let limit = sql_int(page.count.saturating_add(1));
                let rows = log_of(
                    tx,
                    SQL_LOG_RESOURCE,
                    params![resource.as_str(), log_after(&page)?, limit],
                )?;
                Ok(cut(rows, page.count, total, |e| e.revision.to_string()))
            })
        })
        .await
    }

    /// O(log n + limit) on the log's primary key.
    async fn changes_since(
        &self,
        after: Revision,
        limit: usize,
    ) -> Result<Vec<LogEntry>, StoreError> {
        let after = i64::try_from(after.get()).unwrap_or(i64::MAX);
        self.call(move |conn| log_of(conn, SQL_CHANGES, params![after, sql_int(limit)])).await
    }

    /// O(log n) on the log's primary key.
    async fn revision(&self) -> Result<Revision, StoreError> {
        self.call(|conn| store_revision(conn)).await
    }

    /// O(e log e + u) by `shares_by_expiry` for the `e` shares expired at `now` (sorted by
    /// id), and by the partial index `shares_used_up` for the `u` used-up links (at most
    /// `limit` of them, in id order), in one snapshot.
    async fn expired(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Share>, StoreError> {
        let (secs, nanos) = instant(now);
        let most = sql_int(limit);
        self.call(move |conn| {
            in_read(conn, |tx| {
                let mut expired = shares_of(tx, SQL_EXPIRED, params![secs, nanos, most])?;
                expired.extend(shares_of(tx, SQL_USED_UP, params![most])?);
                expired.sort_unstable_by(|a, b| a.id().cmp(b.id()));
                expired.dedup_by(|a, b| a.id() == b.id());
                expired.truncate(limit);
                Ok(expired)
            })
        })
        .await
    }
}

/// A share expired at `?` (seconds, nanoseconds): its expiry at or before it, or used up.
/// (Each half by its own index: SQLite cannot use a partial index for a term of an `OR`.)
const STATE_EXPIRED: &str = "id IN (SELECT id FROM shares \
     WHERE expires_s IS NOT NULL AND (expires_s, expires_ns) <= (?, ?) \
     UNION ALL SELECT id FROM shares WHERE max_uses IS NOT NULL AND visits >= max_uses)";
/// A share not expired at `?` (seconds, nanoseconds). Most shares are: the unary `+` keeps
/// SQLite from walking the expiry index for it, so that the pending or start index, or the
/// ids in order, lead.
const STATE_LIVE: &str = "(+expires_s IS NULL OR (+expires_s, +expires_ns) > (?, ?)) \
     AND (+max_uses IS NULL OR +visits < +max_uses)";
/// A share, not pending, that has not started at `?` (seconds, nanoseconds).
const STATE_SCHEDULED: &str =
    "pending = 0 AND starts_s IS NOT NULL AND (starts_s, starts_ns) > (?, ?)";
/// A share, not pending, that has started at `?` (seconds, nanoseconds).
const STATE_STARTED: &str = "pending = 0 AND (starts_s IS NULL OR (starts_s, starts_ns) <= (?, ?))";

/// The page query of a list: the filter, the cursor, one row more than the page (to tell
/// whether another page follows).
pub(crate) fn page_query(
    clause: &str,
    mut values: Vec<Value>,
    page: &Page,
) -> (String, Vec<Value>) {
    let mut sql = format!("SELECT {SHARE_COLUMNS} FROM shares{clause}");
    if let Some(after) = &page.after {
        sql.push_str(if clause.is_empty() { " WHERE id > ?" } else { " AND id > ?" });
        values.push(Value::Text(after.key().to_owned()));
    }
    sql.push_str(" ORDER BY id LIMIT ?");
    values.push(Value::Integer(sql_int(page.count.saturating_add(1))));
    (sql, values)
}

/// The `WHERE` clause of a list filter and its values, every condition exact in SQL.
pub(crate) fn where_clause(filter: &ShareFilter) -> (String, Vec<Value>) {
    let mut clauses: Vec<&str> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    if let Some(resource) = &filter.resource {
        clauses.push("resource = ?");
        values.push(Value::Text(resource.as_str().to_owned()));
    }
    if let Some(sharer) = &filter.shared_by {
        clauses.push("sharer = ?");
        values.push(Value::Text(sharer.as_str().to_owned()));
    }
    if let Some(recipient) = &filter.recipient {
        let (rtype, rkey) = recipient_key(recipient);
        clauses.push("rtype = ? AND rkey = ?");
        values.push(Value::Text(rtype.to_owned()));
        values.push(Value::Text(rkey));
    }
    if let Some(share_type) = filter.share_type {
        clauses.push("rtype = ?");
        values.push(Value::Text(share_type.name().to_owned()));
    }
    if filter.public_only {
        clauses.push("rtype IN (?, ?)");
        values.push(Value::Text(ShareType::Public.name().to_owned()));
        values.push(Value::Text(ShareType::Link.name().to_owned()));
    }
    if let Some((state, at)) = filter.state {
        // The first of expired (used up included), pending, scheduled, active that holds.
        let (s, n) = instant(at);
        let now = [Value::Integer(s), Value::Integer(n)];
        let (first, then) = match state {
            ShareState::Expired => (STATE_EXPIRED, None),
            ShareState::Pending => (STATE_LIVE, Some(("pending = 1", false))),
            ShareState::Scheduled => (STATE_LIVE, Some((STATE_SCHEDULED, true))),
            ShareState::Active => (STATE_LIVE, Some((STATE_STARTED, true))),
        };
        clauses.push(first);
        values.extend(now.clone());
        if let Some((clause, at_now)) = then {
            clauses.push(clause);
            if at_now {
                values.extend(now);
            }
        }
    }
    if clauses.is_empty() {
        (String::new(), values)
    } else {
        (format!(" WHERE {}", clauses.join(" AND ")), values)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::model::LogEvent;

    fn t(secs: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap() + chrono::Duration::seconds(secs)
    }

    /// The query plan of a statement, one line per step.
    fn plan(store: &SqliteStore, sql: &str, params: &[Value]) -> Vec<String> {
        let (sql, params) = (format!("EXPLAIN QUERY PLAN {sql}"), params.to_vec());
        pollster::block_on(store.with_connection(move |conn| {
            let mut stmt = conn.prepare(&sql).map_err(backend)?;
            let steps = stmt
                .query_map(params_from_iter(params.iter()), |row| row.get::<_, String>(3))
                .map_err(backend)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(backend)?;
            Ok(steps)
        }))
        .unwrap()
    }

    fn assert_indexed(store: &SqliteStore, what: &str, sql: &str, params: &[Value], index: &str) {
        let steps = plan(store, sql, params);
        assert!(
            steps.iter().any(|s| s.contains(index)),
            "{what}: expected the plan to use `{index}`, got {steps:?}"
        );
        for step in &steps {
            // A partial index holds only the rows its condition picks: walking it is the
            // lookup (the used-up links, the pending shares), not a scan of the table.
            let partial = ["shares_used_up", "shares_pending"];
            let walks_partial = partial.iter().any(|i| step.ends_with(&format!("INDEX {i}")));
            assert!(
                !step.starts_with("SCAN") || walks_partial,
                "{what}: the plan walks a table or index: {steps:?}"
            );
        }
    }

    fn text(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    fn int(n: i64) -> Value {
        Value::Integer(n)
    }

    fn seeded() -> SqliteStore {
        let store = SqliteStore::in_memory().unwrap();
        let alice: PrincipalId = "alice".parse().unwrap();
        // Enough rows that a plan would show a scan if it chose one.
        pollster::block_on(async {
            for i in 0..200 {
                let share = Share::new(
                    format!("s{i}").parse().unwrap(),
                    format!("folder:f{}", i % 4).parse().unwrap(),
                    alice.clone(),
                    Recipient::User { id: format!("u{}", i % 50).parse().unwrap() },
                    AccessLevel::Viewer,
                    t(0),
                )
                .with_expiry((i % 3 == 0).then(|| t(i)));
                store.create(share, &alice, t(0)).await.unwrap();
            }
        });
        store
    }

    #[test]
    fn indexed_queries_do_not_scan() {
        let store = seeded();
        let after = Page::first(10).then(Some(Cursor::after("s5")));
        for (what, filter, index) in [
            (
                "list by resource",
                ShareFilter {
                    resource: Some("folder:f1".parse().unwrap()),
                    ..ShareFilter::default()
                },
                "shares_by_resource",
            ),
            (
                "list by sharer",
                ShareFilter { shared_by: Some("alice".parse().unwrap()), ..ShareFilter::default() },
                "shares_by_sharer",
            ),
            (
                "list by recipient",
                ShareFilter {
                    recipient: Some(Recipient::User { id: "u3".parse().unwrap() }),
                    ..ShareFilter::default()
                },
                "shares_by_recipient",
            ),
            (
                "list by type",
                ShareFilter { share_type: Some(ShareType::Email), ..ShareFilter::default() },
                "shares_by_recipient",
            ),
            (
                "list of the expired",
                ShareFilter { state: Some((ShareState::Expired, t(50))), ..ShareFilter::default() },
                "shares_by_expiry",
            ),
            (
                "list of the pending",
                ShareFilter { state: Some((ShareState::Pending, t(50))), ..ShareFilter::default() },
                "shares_pending",
            ),
            (
                "list of the scheduled",
                ShareFilter {
                    state: Some((ShareState::Scheduled, t(50))),
                    ..ShareFilter::default()
                },
                "shares_by_start",
            ),
        ] {
            let (clause, values) = where_clause(&filter);
            let count = format!("SELECT COUNT(*) FROM shares{clause}");
            assert_indexed(&store, &format!("count {what}"), &count, &values, index);
            let (sql, first) = page_query(&clause, values.clone(), &Page::first(10));
            assert_indexed(&store, what, &sql, &first, index);
            // After a cursor, SQLite may walk the ids from it instead: a search either way.
            let (sql, later) = page_query(&clause, values, &after);
            assert_indexed(&store, what, &sql, &later, "INDEX");
        }
        // No filter: the page walks the unique index on `id` from the cursor.
        let (sql, values) = page_query("", Vec::new(), &after);
        assert_indexed(&store, "list all", &sql, &values, "sqlite_autoindex_shares");

        let one = [
            ("share by id", SQL_BY_ID, vec![text("s1")], "sqlite_autoindex_shares"),
            (
                "shares on a resource",
                SQL_ON_RESOURCE,
                vec![text("folder:f1")],
                "shares_by_resource",
            ),
            (
                "shares reaching, one key",
                SQL_KEY_CANDIDATES,
                vec![text("user"), text("u3")],
                "COVERING INDEX shares_by_recipient",
            ),
            ("expired", SQL_EXPIRED, vec![int(0), int(0), int(256)], "shares_by_expiry"),
            ("used up", SQL_USED_UP, vec![int(256)], "shares_used_up"),
            ("find link", SQL_LINK, vec![text("ab")], "shares_by_recipient"),
            ("resource revision", SQL_RESOURCE_REVISION, vec![text("folder:f1")], "PRIMARY KEY"),
            ("last incarnation", SQL_LAST_INCARNATION, vec![text("s1")], "log_by_share"),
            ("log count by share", SQL_LOG_COUNT_SHARE, vec![text("s1"), int(1)], "log_by_share"),
            (
                "log page by share",
                SQL_LOG_SHARE,
                vec![text("s1"), int(1), int(0), int(10)],
                "log_by_share",
            ),
            (
                "log count by resource",
                SQL_LOG_COUNT_RESOURCE,
                vec![text("folder:f1")],
                "log_by_resource",
            ),
            (
                "log page by resource",
                SQL_LOG_RESOURCE,
                vec![text("folder:f1"), int(0), int(10)],
                "log_by_resource",
            ),
            ("changes since", SQL_CHANGES, vec![int(5), int(10)], "INTEGER PRIMARY KEY"),
        ];
        for (what, sql, values, index) in one {
            assert_indexed(&store, what, sql, &values, index);
        }
        // The store's revision is the log's largest key: one step down the table's b-tree.
        let steps = plan(&store, SQL_REVISION, &[]);
        assert!(steps.iter().all(|s| s.contains("SEARCH log")), "{steps:?}");
    }

    /// A job that panics inside its transaction, halfway through a write, answers an error
    /// (not a hang, not a dead thread), leaves nothing behind, and the worker goes on.
    #[test]
    fn a_panicking_job_answers_backend_and_the_worker_goes_on() {
        let store = SqliteStore::in_memory().unwrap();
        let alice: PrincipalId = "alice".parse().unwrap();
        let share = |id: &str| {
            Share::new(
                id.parse().unwrap(),
                "folder:f1".parse().unwrap(),
                "alice".parse().unwrap(),
                Recipient::Public,
                AccessLevel::Viewer,
                t(0),
            )
        };
        pollster::block_on(async {
            store.create(share("s1"), &alice, t(1)).await.unwrap();
            let (a, s2) = (alice.clone(), share("s2"));
            let crashed = store
                .with_connection(move |conn| {
                    let tx =
                        conn.transaction_with_behavior(TransactionBehavior::Immediate).unwrap();
                    let write = Write::Create { share: s2, event: LogEvent::Created };
                    apply_in(&tx, write, &Precondition::none(), &a, t(2)).unwrap();
                    panic!("crash in the middle of a write");
                    #[allow(unreachable_code)]
                    Ok(())
                })
                .await;
            assert!(
                matches!(&crashed, Err(StoreError::Backend(m)) if m.contains("panicked")),
                "{crashed:?}"
            );
            assert_eq!(store.get(&"s2".parse().unwrap()).await.unwrap(), None, "rolled back");
            assert_eq!(store.revision().await.unwrap(), Revision::new(1));
            let again = store.create(share("s2"), &alice, t(3)).await.unwrap();
            assert_eq!(again.revision, Revision::new(2), "the worker still serves");
        });
    }
}
