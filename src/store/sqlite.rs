//! [`SqliteStore`]: the durable adapter, over SQLite (feature `sqlite`, bundled SQLite).

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{
    Connection, ErrorCode, OptionalExtension, Transaction, TransactionBehavior, params,
    params_from_iter,
};

use crate::model::{
    AccessLevel, LinkDigest, LogEntry, LogEvent, ModelError, Principal, PrincipalId, Recipient,
    ResourceRef, Share, ShareId, ShareLink, SharePatch, ShareType,
};

use super::{
    AccessEntry, BatchOutcome, GrantItem, OpenError, Page, Paged, ShareFilter, ShareStore, Status,
    StoreError,
};

/// The `application_id` in the header of every database this crate makes ("SGRD"): how
/// [`SqliteStore::open`] tells its own files from other applications' databases.
const APPLICATION_ID: i64 = 0x5347_5244;

/// The schema version this crate writes, and the newest it can open.
const SCHEMA_VERSION: i64 = 1;

/// The migrations: `MIGRATIONS[v]` takes a database from schema version `v` to `v + 1`
/// (version 0 is an empty file). Each runs in one transaction with the version bump.
const MIGRATIONS: [&str; SCHEMA_VERSION as usize] = [
    // 0 -> 1: the first schema.
    "CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT;
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
     CREATE INDEX log_by_resource ON log (resource, seq);",
];

/// The tables of the current schema, to tell a database of ours from a foreign one.
const OUR_TABLES: [&str; 3] = ["log", "schema_version", "shares"];

/// How long a write waits for another connection's lock before failing with
/// [`StoreError::Backend`].
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

// The statements, named so that the query-plan tests check the very text the store runs.
pub(crate) const SQL_BY_ID: &str = "SELECT seq, body FROM shares WHERE id = ?1";
pub(crate) const SQL_BY_SEQ: &str = "SELECT body FROM shares WHERE seq = ?1";
pub(crate) const SQL_ON_RESOURCE: &str = "SELECT body FROM shares WHERE resource = ?1 ORDER BY seq";
pub(crate) const SQL_KEY_CANDIDATES: &str = "SELECT seq FROM shares WHERE rtype = ?1 AND rkey = ?2";
pub(crate) const SQL_EXPIRED: &str = "SELECT seq, body FROM shares \
     WHERE expires_s IS NOT NULL AND (expires_s, expires_ns) <= (?1, ?2) ORDER BY seq";
pub(crate) const SQL_ON_RESOURCE_TO: &str = "SELECT seq, body FROM shares \
     WHERE resource = ?1 AND rtype = ?2 AND rkey = ?3 ORDER BY seq";
pub(crate) const SQL_LINK: &str =
    "SELECT body FROM shares WHERE rtype = 'link' AND rkey = ?1 ORDER BY seq LIMIT 1";
pub(crate) const SQL_LOG_COUNT_SHARE: &str = "SELECT COUNT(*) FROM log WHERE share = ?1";
pub(crate) const SQL_LOG_SHARE: &str = "SELECT seq, share, resource, actor, at_s, at_ns, event \
     FROM log WHERE share = ?1 ORDER BY seq LIMIT ?2 OFFSET ?3";
pub(crate) const SQL_LOG_COUNT_RESOURCE: &str = "SELECT COUNT(*) FROM log WHERE resource = ?1";
pub(crate) const SQL_LOG_RESOURCE: &str = "SELECT seq, share, resource, actor, at_s, at_ns, \
     event FROM log WHERE resource = ?1 ORDER BY seq LIMIT ?2 OFFSET ?3";
const SQL_INSERT_SHARE: &str = "INSERT INTO shares \
     (id, resource, sharer, rtype, rkey, expires_s, expires_ns, body) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
const SQL_UPDATE_SHARE: &str =
    "UPDATE shares SET body = ?2, expires_s = ?3, expires_ns = ?4 WHERE seq = ?1";
const SQL_DELETE_SHARE: &str = "DELETE FROM shares WHERE seq = ?1";
const SQL_INSERT_LOG: &str = "INSERT INTO log (share, resource, actor, at_s, at_ns, event) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/// The durable [`ShareStore`]: shares and the share log in one SQLite database, created and
/// migrated by the crate itself.
///
/// # Schema
///
/// A `shares` table holds each share as JSON (`body`, read back as is) beside the columns
/// every filter needs, each indexed with the creation sequence `seq` so that lists come out
/// oldest first without sorting: `resource`, `sharer`, the recipient as its type (`rtype`)
/// and key (`rkey`: the user, group or role id, the email in ASCII lower case, a link's
/// digest in hex, empty for the audiences and the public), and the expiry as seconds and
/// nanoseconds (exact for every instant `chrono` can hold). The `log` table holds the share
/// log, indexed by share and by resource. A `schema_version` table and the `application_id`
/// in the file header ("SGRD") mark the file as ours; [`SqliteStore::open`] refuses a
/// database of another application and one written by a newer version of the crate
/// ([`OpenError`]), and migrates an older one.
///
/// A link's token never reaches the file in clear unless the link was made retrievable
/// (iconik's pre-generated link): the share's JSON holds only its digest, and the log records
/// link recipients by digest alone.
///
/// # Atomicity and threads
///
/// Every mutation is one `BEGIN IMMEDIATE` transaction holding the share's change and its
/// log entry, so a mutation never lands without its entry (or the reverse), and the version
/// check of [`ShareStore::update`] happens inside the transaction that writes. A batch grant
/// or revoke runs one transaction per item; a failed item rolls back alone. A process killed
/// mid-write leaves the database at its last commit (the write-ahead log, WAL mode).
///
/// The store holds **one connection behind a [`Mutex`]**: operations from several threads
/// are serialised. One connection keeps one statement cache, makes every call's isolation
/// trivial and needs no pool dependency; reads take microseconds, so the lock is held
/// briefly, and writes serialise anyway (SQLite has one writer at a time). Measured against
/// one connection per thread (what a pool would give), two threads reading at random were
/// no faster on the 2-core machine of `BENCHMARKS.md`, so the simpler design stays. Other processes may open the same file: WAL lets them read
/// while one writes, and a writer waits up to 5 s (the busy timeout) for another's lock. A
/// panic in another thread while it held the connection (which rolls its transaction back)
/// leaves the mutex poisoned; later calls then fail with [`StoreError::Backend`] rather
/// than panic: reopen the store.
///
/// By default commits are fully durable ([`Durability::Full`]): a share a call reported is
/// there after a crash of the process, the system or the power. That costs a disk flush per
/// commit (from a few hundred microseconds to milliseconds on a busy virtual disk, see
/// `BENCHMARKS.md`); [`SqliteStore::open_with`] and [`Durability::Process`] trade the last
/// commits before a system crash for writes without a flush.
///
/// # Complexity
///
/// `n` is the number of shares, `k` the number of rows an index yields for the query, `p`
/// the page size, `m` the number of index keys a principal could match, `f` the page's
/// `first`; an index lookup is O(log n). Each method's docs name the index it uses.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::{AccessLevel, Page, Principal, PrincipalKind, Recipient, Share, ShareStore, SqliteStore};
///
/// let store = SqliteStore::in_memory()?;
/// let at = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
///     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer, at);
/// store.create(share, &"alice".parse()?, at)?;
///
/// let bob = Principal::builder("bob", PrincipalKind::Internal).group("eng").build()?;
/// let mine = store.shared_with(&bob, false, Page::ALL)?;
/// assert_eq!(mine.total, 1);
/// assert_eq!(mine.items[0].id().as_str(), "s1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SqliteStore {
    conn: Mutex<Connection>,
    path: Option<String>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path.as_deref().unwrap_or(":memory:"))
            .finish()
    }
}

/// How durable a [`SqliteStore`]'s commits are. Either way a commit is atomic and the file
/// is never left torn: what may be lost is only the newest commits, never part of one.
///
/// ```
/// use shareguard::Durability;
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
// Errors

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(format!("sqlite: {e}"))
}

fn poisoned() -> StoreError {
    StoreError::Backend(
        "sqlite store: the connection's lock was poisoned by a panic in another thread (its \
         transaction was rolled back); reopen the store"
            .into(),
    )
}

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("sqlite store: unreadable {what} in the database: {detail}"))
}

/// Classifies an error met while opening or checking a file.
fn open_error(path: &str, e: &rusqlite::Error) -> StoreError {
    let path = path.to_owned();
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => OpenError::NotADatabase { path }.into(),
        Some(ErrorCode::ReadOnly) => OpenError::ReadOnly { path }.into(),
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            OpenError::CannotOpen { path, reason: e.to_string() }.into()
        }
        _ => backend_ref(e),
    }
}

fn backend_ref(e: &rusqlite::Error) -> StoreError {
    StoreError::Backend(format!("sqlite: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Encoding

/// An instant as (seconds, nanoseconds) since the epoch: exact, and ordered as a row value.
fn instant(at: DateTime<Utc>) -> (i64, i64) {
    (at.timestamp(), i64::from(at.timestamp_subsec_nanos()))
}

fn from_instant(secs: i64, nanos: i64) -> Result<DateTime<Utc>, StoreError> {
    u32::try_from(nanos)
        .ok()
        .and_then(|nanos| DateTime::from_timestamp(secs, nanos))
        .ok_or_else(|| corrupt("instant", format!("{secs}.{nanos}")))
}

fn expiry_columns(share: &Share) -> (Option<i64>, Option<i64>) {
    share.expires().map(instant).map_or((None, None), |(s, n)| (Some(s), Some(n)))
}

/// A recipient's index key: its type and, for the kinds that have one, its id, its email in
/// ASCII lower case or its link's digest in hex.
fn recipient_key(recipient: &Recipient) -> (&'static str, String) {
    let key = match recipient {
        Recipient::User { id } => id.as_str().to_owned(),
        Recipient::Group { id } => id.as_str().to_owned(),
        Recipient::Role { id }
        | Recipient::RoleAndSubordinates { id }
        | Recipient::RoleAndInternalSubordinates { id } => id.as_str().to_owned(),
        Recipient::Email { email } => email.normalized(),
        Recipient::Link(link) => link.digest().to_hex(),
        Recipient::Organization
        | Recipient::PartnerUsers
        | Recipient::CustomerUsers
        | Recipient::Public => String::new(),
    };
    (recipient.share_type().name(), key)
}

/// The recipient an index key stands for, as far as matching goes (an email in lower case, a
/// link by its digest).
fn recipient_from_key(rtype: &str, rkey: &str) -> Result<Recipient, StoreError> {
    let bad = |e: ModelError| corrupt("recipient key", format!("{rtype} `{rkey}`: {e}"));
    Ok(match rtype {
        "user" => Recipient::User { id: rkey.parse().map_err(bad)? },
        "group" => Recipient::Group { id: rkey.parse().map_err(bad)? },
        "role" => Recipient::Role { id: rkey.parse().map_err(bad)? },
        "role_and_subordinates" => {
            Recipient::RoleAndSubordinates { id: rkey.parse().map_err(bad)? }
        }
        "role_and_internal_subordinates" => {
            Recipient::RoleAndInternalSubordinates { id: rkey.parse().map_err(bad)? }
        }
        "organization" => Recipient::Organization,
        "partner_users" => Recipient::PartnerUsers,
        "customer_users" => Recipient::CustomerUsers,
        "email" => Recipient::Email { email: rkey.parse().map_err(bad)? },
        "public" => Recipient::Public,
        "link" => Recipient::Link(ShareLink::from_digest(rkey.parse().map_err(bad)?)),
        other => return Err(corrupt("recipient type", other)),
    })
}

/// The recipient as the log keeps it: a link by its digest alone, so that a retrievable
/// link's token does not outlive its share in the append-only log.
fn logged(recipient: &Recipient) -> Recipient {
    match recipient {
        Recipient::Link(link) => Recipient::Link(ShareLink::from_digest(*link.digest())),
        other => other.clone(),
    }
}

fn encode_share(share: &Share) -> Result<String, StoreError> {
    serde_json::to_string(share)
        .map_err(|e| StoreError::Backend(format!("sqlite store: cannot encode a share: {e}")))
}

fn decode_share(body: &str) -> Result<Share, StoreError> {
    serde_json::from_str(body).map_err(|e| corrupt("share", e))
}

/// The `(rtype, rkey)` index keys a principal could match ([`Principal::recipient_keys`]).
fn keys_for(principal: &Principal, include_public: bool) -> Vec<(&'static str, String)> {
    let mut keys: Vec<(&'static str, String)> =
        principal.recipient_keys(include_public).iter().map(recipient_key).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// A `usize` as an SQL integer, saturating (a page reaching past `i64::MAX` is a page to the
/// end).
fn sql_int(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn from_count(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// Rows

/// Reads the share bodies a statement yields.
fn shares_of(
    tx: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Share>, StoreError> {
    let mut stmt = tx.prepare_cached(sql).map_err(backend)?;
    let bodies = stmt
        .query_map(params, |row| row.get::<_, String>(0))
        .map_err(backend)?
        .collect::<Result<Vec<String>, _>>()
        .map_err(backend)?;
    bodies.iter().map(|b| decode_share(b)).collect()
}

/// Reads `(seq, share)` rows.
fn seq_shares_of(
    tx: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<(i64, Share)>, StoreError> {
    let mut stmt = tx.prepare_cached(sql).map_err(backend)?;
    let rows = stmt
        .query_map(params, |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)))
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    rows.into_iter().map(|(seq, body)| Ok((seq, decode_share(&body)?))).collect()
}

/// The share with this id and its sequence number, or [`StoreError::NotFound`].
fn find(tx: &Connection, id: &ShareId) -> Result<(i64, Share), StoreError> {
    let row = tx
        .prepare_cached(SQL_BY_ID)
        .map_err(backend)?
        .query_row([id.as_str()], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)))
        .optional()
        .map_err(backend)?;
    match row {
        Some((seq, body)) => Ok((seq, decode_share(&body)?)),
        None => Err(StoreError::NotFound(id.clone())),
    }
}

fn exists(tx: &Connection, id: &ShareId) -> Result<bool, StoreError> {
    tx.prepare_cached("SELECT 1 FROM shares WHERE id = ?1")
        .map_err(backend)?
        .exists([id.as_str()])
        .map_err(backend)
}

fn insert_share(tx: &Connection, share: &Share) -> Result<(), StoreError> {
    let (rtype, rkey) = recipient_key(share.recipient());
    let (expires_s, expires_ns) = expiry_columns(share);
    tx.prepare_cached(SQL_INSERT_SHARE)
        .map_err(backend)?
        .execute(params![
            share.id().as_str(),
            share.resource().as_str(),
            share.sharer().as_str(),
            rtype,
            rkey,
            expires_s,
            expires_ns,
            encode_share(share)?,
        ])
        .map_err(backend)?;
    Ok(())
}

fn replace_share(tx: &Connection, seq: i64, share: &Share) -> Result<(), StoreError> {
    let (expires_s, expires_ns) = expiry_columns(share);
    tx.prepare_cached(SQL_UPDATE_SHARE)
        .map_err(backend)?
        .execute(params![seq, encode_share(share)?, expires_s, expires_ns])
        .map_err(backend)?;
    Ok(())
}

fn delete_share(tx: &Connection, seq: i64) -> Result<(), StoreError> {
    tx.prepare_cached(SQL_DELETE_SHARE).map_err(backend)?.execute([seq]).map_err(backend)?;
    Ok(())
}

fn append_log(
    tx: &Connection,
    share: &Share,
    actor: &PrincipalId,
    at: DateTime<Utc>,
    event: &LogEvent,
) -> Result<(), StoreError> {
    let (at_s, at_ns) = instant(at);
    let event = serde_json::to_string(event).map_err(|e| {
        StoreError::Backend(format!("sqlite store: cannot encode a log entry: {e}"))
    })?;
    tx.prepare_cached(SQL_INSERT_LOG)
        .map_err(backend)?
        .execute(params![
            share.id().as_str(),
            share.resource().as_str(),
            actor.as_str(),
            at_s,
            at_ns,
            event
        ])
        .map_err(backend)?;
    Ok(())
}

fn log_page(
    tx: &Connection,
    count_sql: &str,
    page_sql: &str,
    key: &str,
    page: Page,
) -> Result<Paged<LogEntry>, StoreError> {
    let total: i64 = tx
        .prepare_cached(count_sql)
        .map_err(backend)?
        .query_row([key], |row| row.get(0))
        .map_err(backend)?;
    let mut stmt = tx.prepare_cached(page_sql).map_err(backend)?;
    let rows = stmt
        .query_map(params![key, sql_int(page.count), sql_int(page.first)], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, i64>(4)?,
                row.get::<_, i64>(5)?,
                row.get::<_, String>(6)?,
            ))
        })
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    let items = rows
        .into_iter()
        .map(|(seq, share, resource, actor, at_s, at_ns, event)| {
            Ok(LogEntry {
                seq: u64::try_from(seq).map_err(|e| corrupt("log sequence", e))?,
                share: share.parse().map_err(|e| corrupt("log share id", e))?,
                resource: resource.parse().map_err(|e| corrupt("log resource", e))?,
                actor: actor.parse().map_err(|e| corrupt("log actor", e))?,
                at: from_instant(at_s, at_ns)?,
                event: serde_json::from_str(&event).map_err(|e| corrupt("log event", e))?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Paged { first: page.first, count: items.len(), total: from_count(total), items })
}

// ---------------------------------------------------------------------------------------------
// Batch items

/// One batch grant item, inside its own transaction.
pub(crate) fn grant_one(
    tx: &Connection,
    resource: &ResourceRef,
    sharer: &PrincipalId,
    item: &GrantItem,
    access: AccessLevel,
    actor: &PrincipalId,
    at: DateTime<Utc>,
) -> Result<BatchOutcome, StoreError> {
    let (rtype, rkey) = recipient_key(&item.recipient);
    let existing = seq_shares_of(tx, SQL_ON_RESOURCE_TO, params![resource.as_str(), rtype, rkey])?
        .into_iter()
        .find(|(_, s)| s.sharer() == sharer);
    let event = LogEvent::AccessAdded { recipient: logged(&item.recipient) };
    if let Some((seq, current)) = existing {
        let patch = SharePatch::to_access(access);
        let (next, _) = current.patched(&patch)?;
        let next = next.with_version(current.version().saturating_add(1));
        replace_share(tx, seq, &next)?;
        append_log(tx, &next, actor, at, &event)?;
        Ok(BatchOutcome::Updated { share: next })
    } else {
        let id = ShareId::random();
        if exists(tx, &id)? {
            return Err(StoreError::AlreadyExists(id));
        }
        let share =
            Share::new(id, resource.clone(), sharer.clone(), item.recipient.clone(), access, at);
        insert_share(tx, &share)?;
        append_log(tx, &share, actor, at, &event)?;
        Ok(BatchOutcome::Created { share })
    }
}

/// One batch revoke item, inside its own transaction.
fn revoke_one(
    tx: &Connection,
    resource: &ResourceRef,
    recipient: &Recipient,
    actor: &PrincipalId,
    at: DateTime<Utc>,
) -> Result<BatchOutcome, StoreError> {
    let (rtype, rkey) = recipient_key(recipient);
    let found = seq_shares_of(tx, SQL_ON_RESOURCE_TO, params![resource.as_str(), rtype, rkey])?;
    if found.is_empty() {
        return Ok(BatchOutcome::Error {
            message: format!("no share for {recipient} on {resource}"),
        });
    }
    let event = LogEvent::AccessRemoved { recipient: logged(recipient) };
    let mut removed = Vec::with_capacity(found.len());
    for (seq, share) in found {
        delete_share(tx, seq)?;
        append_log(tx, &share, actor, at, &event)?;
        removed.push(share);
    }
    Ok(BatchOutcome::Removed { shares: removed })
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

// ---------------------------------------------------------------------------------------------
// Opening

impl SqliteStore {
    /// Opens the store in the file at `path`, creating the file and the schema if absent and
    /// migrating an older schema.
    ///
    /// Fails with [`StoreError::Open`] when the file cannot be used: [`OpenError::CannotOpen`]
    /// (a missing or unwritable directory), [`OpenError::NotADatabase`],
    /// [`OpenError::ForeignSchema`] (another application's database, left untouched),
    /// [`OpenError::NewerSchema`] (written by a newer shareguard, left untouched) or
    /// [`OpenError::ReadOnly`]. A `file:` URI is accepted as SQLite reads it.
    ///
    /// ```
    /// use shareguard::{OpenError, SqliteStore, StoreError};
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
    /// use shareguard::{Durability, SqliteStore};
    ///
    /// let path = std::env::temp_dir().join(format!("shareguard-doc-{}.db", uuid::Uuid::new_v4()));
    /// let store = SqliteStore::open_with(&path, Durability::Process)?;
    /// # drop(store);
    /// # for suffix in ["", "-wal", "-shm"] { let _ = std::fs::remove_file(format!("{}{suffix}", path.display())); }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open_with(path: impl AsRef<Path>, durability: Durability) -> Result<Self, StoreError> {
        let shown = path.as_ref().display().to_string();
        let conn = Connection::open(path.as_ref()).map_err(|e| open_error(&shown, &e))?;
        Self::setup(conn, Some(shown), durability)
    }

    /// A store in memory, gone when dropped: the SQLite engine without a file, for tests.
    ///
    /// ```
    /// use shareguard::{Page, ShareFilter, ShareStore, SqliteStore};
    ///
    /// let store = SqliteStore::in_memory()?;
    /// assert_eq!(store.list(&ShareFilter::default(), Page::ALL)?.total, 0);
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
    /// assert_eq!(shareguard::SqliteStore::SCHEMA_VERSION, 1);
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
            migrate(&mut conn, version).map_err(fail)?;
            let tables = user_tables(&conn).map_err(fail)?;
            if tables != OUR_TABLES {
                return Err(foreign(&shown, &tables));
            }
        }
        conn.set_prepared_statement_cache_capacity(64);
        Ok(Self { conn: Mutex::new(conn), path })
    }

    fn lock(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        self.conn.lock().map_err(|_| poisoned())
    }

    #[cfg(test)]
    pub(crate) fn connection(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        self.lock()
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
fn migrate(conn: &mut Connection, from: i64) -> rusqlite::Result<()> {
    for version in from..SCHEMA_VERSION {
        let step = usize::try_from(version).ok().and_then(|v| MIGRATIONS.get(v));
        let Some(step) = step else { break };
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(step)?;
        tx.execute("UPDATE schema_version SET version = ?1", [version + 1])?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.commit()?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The port

impl ShareStore for SqliteStore {
    /// One transaction: an insert into `shares` (its four indexes) and one into `log`,
    /// O(log n). The share is stored at version 1 whatever version it carries; a `custom`
    /// level with an empty set is refused as [`StoreError::Invalid`].
    fn create(
        &self,
        share: Share,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Share, StoreError> {
        share.access().validated()?;
        let share = share.with_version(1);
        let mut conn = self.lock()?;
        in_write(&mut conn, |tx| {
            if exists(tx, share.id())? {
                return Err(StoreError::AlreadyExists(share.id().clone()));
            }
            insert_share(tx, &share)?;
            append_log(tx, &share, actor, at, &LogEvent::Created)?;
            Ok(share)
        })
    }

    /// O(log n) by the unique index on `id`.
    fn get(&self, id: &ShareId) -> Result<Option<Share>, StoreError> {
        let conn = self.lock()?;
        match find(&conn, id) {
            Ok((_, share)) => Ok(Some(share)),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// One transaction, O(log n): reads the share by `id`, checks the version, writes the
    /// patched share and its `changed` entry. The check and the write are in the same
    /// `BEGIN IMMEDIATE` transaction, so no other writer (thread or process) can slip in
    /// between.
    fn update(
        &self,
        id: &ShareId,
        expected_version: u64,
        patch: &SharePatch,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Share, StoreError> {
        let mut conn = self.lock()?;
        in_write(&mut conn, |tx| {
            let (seq, current) = find(tx, id)?;
            if current.version() != expected_version {
                return Err(StoreError::Conflict {
                    id: id.clone(),
                    expected: expected_version,
                    actual: current.version(),
                });
            }
            let (next, changes) = current.patched(patch)?;
            let next = next.with_version(current.version().saturating_add(1));
            replace_share(tx, seq, &next)?;
            append_log(tx, &next, actor, at, &LogEvent::Changed { changes })?;
            Ok(next)
        })
    }

    /// One transaction, O(log n).
    fn delete(
        &self,
        id: &ShareId,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Share, StoreError> {
        let mut conn = self.lock()?;
        in_write(&mut conn, |tx| {
            let (seq, share) = find(tx, id)?;
            delete_share(tx, seq)?;
            append_log(tx, &share, actor, at, &LogEvent::Deleted)?;
            Ok(share)
        })
    }

    /// O(log n + k + p): one `COUNT` and one page query, each over the index SQLite finds
    /// narrowest among the filter's resource (`shares_by_resource`), sharer
    /// (`shares_by_sharer`), recipient or share type (`shares_by_recipient`), every
    /// condition in SQL. Only a filter naming none of them (status alone, or nothing) reads
    /// every share, O(n).
    fn list(&self, filter: &ShareFilter, page: Page) -> Result<Paged<Share>, StoreError> {
        let (clause, values) = where_clause(filter);
        let count_sql = format!("SELECT COUNT(*) FROM shares{clause}");
        let page_sql = format!("SELECT body FROM shares{clause} ORDER BY seq LIMIT ? OFFSET ?");
        let mut conn = self.lock()?;
        in_read(&mut conn, |tx| {
            let total: i64 = tx
                .prepare_cached(&count_sql)
                .map_err(backend)?
                .query_row(params_from_iter(values.iter()), |row| row.get(0))
                .map_err(backend)?;
            let mut paged_values = values.clone();
            paged_values.push(Value::Integer(sql_int(page.count)));
            paged_values.push(Value::Integer(sql_int(page.first)));
            let items = shares_of(tx, &page_sql, params_from_iter(paged_values.iter()))?;
            Ok(Paged { first: page.first, count: items.len(), total: from_count(total), items })
        })
    }

    /// O(Σ (log n + k)) over the resources given, by `shares_by_resource`, in one read
    /// transaction.
    fn shares_on(&self, resources: &[ResourceRef]) -> Result<Vec<Vec<Share>>, StoreError> {
        let mut conn = self.lock()?;
        in_read(&mut conn, |tx| {
            resources.iter().map(|r| shares_of(tx, SQL_ON_RESOURCE, [r.as_str()])).collect()
        })
    }

    /// O(m log n + k log k + p log n): one lookup of `shares_by_recipient` per index key the
    /// principal could match (its id, groups, role and role chain, organisation or portal
    /// audience, emails, presented link digests, and the public when asked), each key checked
    /// with [`Recipient::matches`], reading only the index (no share bodies); the `k`
    /// candidates are merged in creation order for `total`, and only the page's shares are
    /// read (and checked again with [`Recipient::matches`]).
    fn shared_with(
        &self,
        principal: &Principal,
        include_public: bool,
        page: Page,
    ) -> Result<Paged<Share>, StoreError> {
        let keys = keys_for(principal, include_public);
        let mut conn = self.lock()?;
        in_read(&mut conn, |tx| {
            let mut seqs: Vec<i64> = Vec::new();
            let mut stmt = tx.prepare_cached(SQL_KEY_CANDIDATES).map_err(backend)?;
            for (rtype, rkey) in &keys {
                // A safety net: every row of a key has that very key (SQL equality), so the
                // key is checked once against the model's matching rule.
                if !recipient_from_key(rtype, rkey)?.matches(principal) {
                    continue;
                }
                let rows = stmt
                    .query_map(params![rtype, rkey], |row| row.get::<_, i64>(0))
                    .map_err(backend)?;
                for seq in rows {
                    seqs.push(seq.map_err(backend)?);
                }
            }
            seqs.sort_unstable();
            seqs.dedup();
            let mut items = Vec::new();
            for seq in seqs.iter().skip(page.first).take(page.count) {
                let mut found = shares_of(tx, SQL_BY_SEQ, [seq])?;
                if let Some(share) = found.pop() {
                    if share.recipient().matches(principal) {
                        items.push(share);
                    }
                }
            }
            Ok(Paged { first: page.first, count: items.len(), total: seqs.len(), items })
        })
    }

    /// O(log n + k) by `shares_by_resource`.
    fn who_has_access(
        &self,
        resource: &ResourceRef,
        now: DateTime<Utc>,
    ) -> Result<Vec<AccessEntry>, StoreError> {
        let conn = self.lock()?;
        Ok(shares_of(&conn, SQL_ON_RESOURCE, [resource.as_str()])?
            .into_iter()
            .map(|share| AccessEntry { active: share.is_active(now), share })
            .collect())
    }

    /// One transaction per item, O(log n + k) each (`k` the shares on the resource to the
    /// item's recipient, by `shares_by_recipient` or `shares_by_resource`). An item fails,
    /// and its transaction rolls back alone, when its resolved access is `restrict` or an
    /// empty `custom` set, its recipient is a link (links are made through the admin facade,
    /// which hands out their token), or the database fails while writing it.
    fn grant_batch(
        &self,
        resource: &ResourceRef,
        sharer: &PrincipalId,
        items: &[GrantItem],
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Vec<BatchOutcome>, StoreError> {
        let mut conn = self.lock()?;
        let mut outcomes = Vec::with_capacity(items.len());
        for item in items {
            let outcome = match item.checked_access().map_err(|e| e.to_string()) {
                Err(message) => BatchOutcome::Error { message },
                Ok(access) => in_write(&mut conn, |tx| {
                    grant_one(tx, resource, sharer, item, access, actor, at)
                })
                .unwrap_or_else(|e| BatchOutcome::Error { message: e.to_string() }),
            };
            outcomes.push(outcome);
        }
        Ok(outcomes)
    }

    /// One transaction per recipient, O(log n + k) each.
    fn revoke_batch(
        &self,
        resource: &ResourceRef,
        recipients: &[Recipient],
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Vec<BatchOutcome>, StoreError> {
        let mut conn = self.lock()?;
        let mut outcomes = Vec::with_capacity(recipients.len());
        for recipient in recipients {
            let outcome = in_write(&mut conn, |tx| revoke_one(tx, resource, recipient, actor, at))
                .unwrap_or_else(|e| BatchOutcome::Error { message: e.to_string() });
            outcomes.push(outcome);
        }
        Ok(outcomes)
    }

    /// One transaction, O(log n). The version does not change.
    fn record_visit(
        &self,
        id: &ShareId,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Share, StoreError> {
        let mut conn = self.lock()?;
        in_write(&mut conn, |tx| {
            let (seq, mut share) = find(tx, id)?;
            share.record_visit(at);
            replace_share(tx, seq, &share)?;
            append_log(tx, &share, actor, at, &LogEvent::Visited)?;
            Ok(share)
        })
    }

    /// One transaction, O(log n). Fails with [`StoreError::Invalid`] (field `share`) unless
    /// the share is a retrievable link.
    fn record_link_retrieved(
        &self,
        id: &ShareId,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut conn = self.lock()?;
        in_write(&mut conn, |tx| {
            let (_, share) = find(tx, id)?;
            share.retrievable_token()?;
            append_log(tx, &share, actor, at, &LogEvent::LinkRetrieved)
        })
    }

    /// O(log n) by `shares_by_recipient` on the digest; the share found is checked against
    /// the digest in constant time.
    fn find_link(&self, digest: &LinkDigest) -> Result<Option<Share>, StoreError> {
        let conn = self.lock()?;
        let mut found = shares_of(&conn, SQL_LINK, [digest.to_hex()])?;
        Ok(found.pop().filter(
            |share| matches!(share.recipient(), Recipient::Link(link) if link.accepts(digest)),
        ))
    }

    /// One transaction, O(e log n) for the `e` shares expired, by `shares_by_expiry` up to
    /// `now`.
    fn sweep_expired(
        &self,
        now: DateTime<Utc>,
        actor: &PrincipalId,
    ) -> Result<Vec<Share>, StoreError> {
        let (secs, nanos) = instant(now);
        let mut conn = self.lock()?;
        in_write(&mut conn, |tx| {
            let expired = seq_shares_of(tx, SQL_EXPIRED, params![secs, nanos])?;
            let mut swept = Vec::with_capacity(expired.len());
            for (seq, share) in expired {
                delete_share(tx, seq)?;
                append_log(tx, &share, actor, now, &LogEvent::Expired)?;
                swept.push(share);
            }
            Ok(swept)
        })
    }

    /// O(log n + k + f + p) by `log_by_share` (the count reads the share's `k` entries in the
    /// index).
    fn log_for_share(&self, id: &ShareId, page: Page) -> Result<Paged<LogEntry>, StoreError> {
        let mut conn = self.lock()?;
        in_read(&mut conn, |tx| log_page(tx, SQL_LOG_COUNT_SHARE, SQL_LOG_SHARE, id.as_str(), page))
    }

    /// O(log n + k + f + p) by `log_by_resource`.
    fn log_for_resource(
        &self,
        resource: &ResourceRef,
        page: Page,
    ) -> Result<Paged<LogEntry>, StoreError> {
        let mut conn = self.lock()?;
        in_read(&mut conn, |tx| {
            log_page(tx, SQL_LOG_COUNT_RESOURCE, SQL_LOG_RESOURCE, resource.as_str(), page)
        })
    }
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
    match filter.status {
        Some(Status::Active(at)) => {
            let (s, n) = instant(at);
            clauses.push("(expires_s IS NULL OR (expires_s, expires_ns) > (?, ?))");
            values.push(Value::Integer(s));
            values.push(Value::Integer(n));
        }
        Some(Status::Expired(at)) => {
            let (s, n) = instant(at);
            clauses.push("expires_s IS NOT NULL AND (expires_s, expires_ns) <= (?, ?)");
            values.push(Value::Integer(s));
            values.push(Value::Integer(n));
        }
        None => {}
    }
    if clauses.is_empty() {
        (String::new(), values)
    } else {
        (format!(" WHERE {}", clauses.join(" AND ")), values)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::TimeZone;

    use super::*;

    fn t(secs: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap() + chrono::Duration::seconds(secs)
    }

    struct TempDb(std::path::PathBuf);

    impl TempDb {
        fn new() -> Self {
            Self(std::env::temp_dir().join(format!("shareguard-unit-{}.db", uuid::Uuid::new_v4())))
        }
    }

    impl Drop for TempDb {
        fn drop(&mut self) {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
            }
        }
    }

    /// The query plan of a statement, one line per step.
    fn plan(store: &SqliteStore, sql: &str, params: &[Value]) -> Vec<String> {
        let conn = store.connection().unwrap();
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        stmt.query_map(params_from_iter(params.iter()), |row| row.get::<_, String>(3))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
    }

    fn assert_indexed(store: &SqliteStore, what: &str, sql: &str, params: &[Value], index: &str) {
        let steps = plan(store, sql, params);
        assert!(
            steps.iter().any(|s| s.contains(index)),
            "{what}: expected the plan to use `{index}`, got {steps:?}"
        );
        for step in &steps {
            let scans_table = step.starts_with("SCAN shares") && !step.contains("INDEX")
                || step.starts_with("SCAN log") && !step.contains("INDEX");
            assert!(!scans_table, "{what}: the plan scans the table: {steps:?}");
            assert!(!step.starts_with("SCAN"), "{what}: the plan walks a whole index: {steps:?}");
        }
    }

    fn text(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    fn seeded() -> SqliteStore {
        let store = SqliteStore::in_memory().unwrap();
        // Enough rows that a plan would show a scan if it chose one.
        let items: Vec<GrantItem> = (0..50)
            .map(|i| GrantItem {
                recipient: Recipient::User { id: format!("u{i}").parse().unwrap() },
                access: AccessLevel::Viewer,
                view_log: false,
            })
            .collect();
        for r in 0..4 {
            let resource: ResourceRef = format!("folder:f{r}").parse().unwrap();
            let sharer: PrincipalId = "alice".parse().unwrap();
            store.grant_batch(&resource, &sharer, &items, &sharer, t(0)).unwrap();
        }
        store
    }

    #[test]
    fn indexed_queries_do_not_scan() {
        let store = seeded();
        let by_resource =
            ShareFilter { resource: Some("folder:f1".parse().unwrap()), ..ShareFilter::default() };
        let (clause, mut values) = where_clause(&by_resource);
        values.extend([Value::Integer(50), Value::Integer(0)]);
        let list = format!("SELECT body FROM shares{clause} ORDER BY seq LIMIT ? OFFSET ?");
        assert_indexed(&store, "list by resource", &list, &values, "shares_by_resource");

        let by_sharer =
            ShareFilter { shared_by: Some("alice".parse().unwrap()), ..ShareFilter::default() };
        let (clause, mut values) = where_clause(&by_sharer);
        values.extend([Value::Integer(50), Value::Integer(0)]);
        let list = format!("SELECT body FROM shares{clause} ORDER BY seq LIMIT ? OFFSET ?");
        assert_indexed(&store, "list by sharer", &list, &values, "shares_by_sharer");
        let count = format!("SELECT COUNT(*) FROM shares{}", where_clause(&by_sharer).0);
        assert_indexed(&store, "count by sharer", &count, &[text("alice")], "shares_by_sharer");

        let by_recipient = ShareFilter {
            recipient: Some(Recipient::User { id: "u3".parse().unwrap() }),
            ..ShareFilter::default()
        };
        let (clause, values) = where_clause(&by_recipient);
        let count = format!("SELECT COUNT(*) FROM shares{clause}");
        assert_indexed(&store, "list by recipient", &count, &values, "shares_by_recipient");

        assert_indexed(
            &store,
            "shared with me (one key)",
            SQL_KEY_CANDIDATES,
            &[text("group"), text("eng")],
            "COVERING INDEX shares_by_recipient",
        );
        assert_indexed(&store, "share by seq", SQL_BY_SEQ, &[Value::Integer(3)], "PRIMARY KEY");
        assert_indexed(&store, "share by id", SQL_BY_ID, &[text("x")], "sqlite_autoindex_shares");
        assert_indexed(
            &store,
            "who has access / shares on",
            SQL_ON_RESOURCE,
            &[text("folder:f1")],
            "shares_by_resource",
        );
        assert_indexed(
            &store,
            "sweep",
            SQL_EXPIRED,
            &[Value::Integer(0), Value::Integer(0)],
            "shares_by_expiry",
        );
        assert_indexed(
            &store,
            "batch item lookup",
            SQL_ON_RESOURCE_TO,
            &[text("folder:f1"), text("user"), text("u3")],
            "shares_by_",
        );
        assert_indexed(&store, "find link", SQL_LINK, &[text("ab")], "shares_by_recipient");
        for (what, sql, index) in [
            ("log count by share", SQL_LOG_COUNT_SHARE, "log_by_share"),
            ("log count by resource", SQL_LOG_COUNT_RESOURCE, "log_by_resource"),
        ] {
            assert_indexed(&store, what, sql, &[text("x")], index);
        }
        for (what, sql, index) in [
            ("log page by share", SQL_LOG_SHARE, "log_by_share"),
            ("log page by resource", SQL_LOG_RESOURCE, "log_by_resource"),
        ] {
            let values = [text("x"), Value::Integer(10), Value::Integer(0)];
            assert_indexed(&store, what, sql, &values, index);
        }
    }

    /// A thread that panics inside a transaction, halfway through writing a batch, leaves
    /// nothing of it behind; the poisoned lock then fails calls with an error, and the file
    /// reopens at its last commit.
    #[test]
    fn a_panic_inside_a_transaction_leaves_nothing() {
        let file = TempDb::new();
        let store = Arc::new(SqliteStore::open(&file.0).unwrap());
        let resource: ResourceRef = "folder:f1".parse().unwrap();
        let alice: PrincipalId = "alice".parse().unwrap();
        let item = |who: &str| GrantItem {
            recipient: Recipient::User { id: who.parse().unwrap() },
            access: AccessLevel::Viewer,
            view_log: false,
        };
        let first = store.grant_batch(&resource, &alice, &[item("bob")], &alice, t(1)).unwrap();
        assert!(matches!(first[0], BatchOutcome::Created { .. }));

        let inner = Arc::clone(&store);
        let (r, a) = (resource.clone(), alice.clone());
        let crashed = std::thread::spawn(move || {
            let mut conn = inner.connection().unwrap();
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).unwrap();
            for who in ["carol", "dave"] {
                grant_one(&tx, &r, &a, &item(who), AccessLevel::Viewer, &a, t(2)).unwrap();
            }
            grant_one(&tx, &r, &a, &item("bob"), AccessLevel::Editor, &a, t(2)).unwrap();
            panic!("crash in the middle of a batch");
        })
        .join();
        assert!(crashed.is_err(), "the thread panicked");
        assert!(
            matches!(store.get(&"x".parse().unwrap()), Err(StoreError::Backend(m)) if m.contains("poisoned")),
            "a poisoned lock is an error, not a panic"
        );
        drop(store);

        let reopened = SqliteStore::open(&file.0).unwrap();
        let all = reopened.list(&ShareFilter::default(), Page::ALL).unwrap();
        assert_eq!(all.total, 1, "only the committed item is there");
        assert_eq!(all.items[0].version(), 1, "bob's share was not updated");
        assert_eq!(reopened.log_for_resource(&resource, Page::ALL).unwrap().total, 1);
    }
}
