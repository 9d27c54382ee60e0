//! `PgStore` on a real PostgreSQL server (`SHAREGUARD_PG_URL`; `.ci/postgres.sh` starts one):
//! the conformance suite, the model-based test and the race checks across two pools (two
//! service instances), the exact change feed, schema migration and refusal, bulk import, and
//! faults as typed errors with nothing half-written.
//!
//! Without `SHAREGUARD_PG_URL` each test says it was skipped and passes; with `CI=true` an
//! unset URL fails. The tests that stop a server mid-batch start a server of their own
//! (`OwnServer`, on the binaries `.ci/postgres.sh` uses) and skip or fail the same way
//! without one.
#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)]

use std::sync::LazyLock;

use chrono::{DateTime, Duration, TimeZone, Utc};
use shareguard::model::{PrincipalId, Revision, ShareId};
use shareguard::store::{OpenError, Page, PgStore, Precondition, ShareFilter, Write};
use shareguard::{AccessLevel, Recipient, ResourceRef, Share, ShareStore, StoreError};

/// The runtime every store of these tests runs its work on; the tests await the stores from
/// plain threads with `pollster`, as the conformance suite does.
static RT: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
});

/// The server's URL, or `None` (after saying so) when the tests must be skipped.
fn url(test: &str) -> Option<String> {
    match std::env::var("SHAREGUARD_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{test}: SHAREGUARD_PG_URL is unset, and in CI the PostgreSQL tests must run \
                 (.ci/postgres.sh starts a server)"
            );
            eprintln!(
                "SKIPPED {test}: SHAREGUARD_PG_URL is unset (start a server with \
                 `eval \"$(bash .ci/postgres.sh start)\"`)"
            );
            None
        }
    }
}

fn pool(url: &str, size: usize) -> deadpool_postgres::Pool {
    let config: tokio_postgres::Config = url.parse().unwrap();
    // Verified: a connection the server ended (the fault tests end some) is not handed out again.
    let manager = deadpool_postgres::Manager::from_config(
        config,
        tokio_postgres::NoTls,
        deadpool_postgres::ManagerConfig {
            recycling_method: deadpool_postgres::RecyclingMethod::Verified,
        },
    );
    deadpool_postgres::Pool::builder(manager).max_size(size).build().unwrap()
}

fn fresh_schema() -> String {
    format!("t_{}", uuid::Uuid::new_v4().simple())
}

/// A store in a schema of its own, on a pool of its own.
fn store_in(url: &str, schema: &str) -> PgStore {
    RT.block_on(PgStore::open_in(pool(url, 4), schema)).unwrap()
}

fn fresh(url: &str) -> PgStore {
    store_in(url, &fresh_schema())
}

/// A plain connection, for looking under the store (its connection task on the runtime).
fn raw(url: &str) -> tokio_postgres::Client {
    RT.block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        client
    })
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

fn share(id: &str, resource: &str) -> Share {
    Share::new(
        sid(id),
        res(resource),
        pid("alice"),
        Recipient::User { id: "bob".parse().unwrap() },
        AccessLevel::Viewer,
        t(0),
    )
}

// ---------------------------------------------------------------------------------------------
// The conformance suite, the model-based test and the races.

#[cfg(feature = "conformance")]
mod conformance_suite {
    use super::*;
    use shareguard::store::conformance;

    macro_rules! each {
        ($($name:ident),* $(,)?) => {
            $(#[test] fn $name() {
                let Some(url) = url(stringify!($name)) else { return };
                conformance::$name(&fresh(&url));
            })*
        };
    }

    shareguard::conformance_checks!(each);

    #[test]
    fn run_all_through_box() {
        let Some(url) = url("run_all_through_box") else { return };
        conformance::run_all(&|| Box::new(fresh(&url)) as Box<dyn ShareStore>);
    }

    /// The race checks across two stores on two pools over one schema: two service
    /// instances on one database.
    #[test]
    fn races_across_two_pools() {
        let Some(url) = url("races_across_two_pools") else { return };
        conformance::races(&|| {
            let schema = fresh_schema();
            let first = store_in(&url, &schema);
            let second = store_in(&url, &schema);
            (Box::new(first) as Box<dyn ShareStore>, Box::new(second) as Box<dyn ShareStore>)
        });
    }

    #[test]
    fn agrees_with_the_model() {
        let Some(url) = url("agrees_with_the_model") else { return };
        conformance::model_based(&|| Box::new(fresh(&url)) as Box<dyn ShareStore>, 32);
    }
}

// ---------------------------------------------------------------------------------------------
// The change feed is exact

/// A writer holds its transaction open after taking revision 1 (as `apply` does first);
/// another store's write cannot take revision 2 until it commits, and a reader meanwhile
/// sees neither: it never reads revision 2 while 1 may still commit, so it skips nothing.
#[test]
fn change_feed_never_skips_a_revision_still_committing() {
    let Some(url) = url("change_feed_never_skips_a_revision_still_committing") else { return };
    let schema = fresh_schema();
    let (writer, reader) = (store_in(&url, &schema), store_in(&url, &schema));
    let held = raw(&url);
    RT.block_on(async {
        held.batch_execute("BEGIN").await.unwrap();
        let row = held
            .query_one(
                &format!(
                    "UPDATE \"{schema}\".state SET revision = revision + 1 WHERE id = 1 \
                     RETURNING revision"
                ),
                &[],
            )
            .await
            .unwrap();
        assert_eq!(row.get::<_, i64>(0), 1);
        held.execute(
            &format!(
                "INSERT INTO \"{schema}\".log (revision, share, incarnation, resource, actor, \
                 at_s, at_ns, event) VALUES (1, 'held', 1, 'folder:f1', 'alice', 0, 0, \
                 '{{\"event\":\"created\"}}')"
            ),
            &[],
        )
        .await
        .unwrap();
    });
    let second = std::thread::spawn(move || {
        b(writer.create(share("s2", "folder:f2"), &pid("alice"), t(1))).unwrap().revision
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(!second.is_finished(), "a second write took a revision while the first was open");
    assert_eq!(b(reader.changes_since(Revision::ZERO, 10)).unwrap(), vec![]);
    RT.block_on(held.batch_execute("COMMIT")).unwrap();
    assert_eq!(second.join().unwrap(), Revision::new(2));
    let feed = b(reader.changes_since(Revision::ZERO, 10)).unwrap();
    let revisions: Vec<u64> = feed.iter().map(|e| e.revision.get()).collect();
    assert_eq!(revisions, [1, 2], "every revision, in order, once both committed");
}

// ---------------------------------------------------------------------------------------------
// Schema: migration, refusal

/// Schema version 1 as shareguard wrote it, frozen here: the test migrates a database an
/// older version left, with data in it.
const V1: &str = include_str!("fixtures/postgres_schema_v1.sql");

#[test]
fn migrates_a_version_1_schema_with_data() {
    let Some(url) = url("migrates_a_version_1_schema_with_data") else { return };
    let schema = fresh_schema();
    let client = raw(&url);
    RT.block_on(client.batch_execute(&V1.replace("{s}", &format!("\"{schema}\"")))).unwrap();
    let store = store_in(&url, &schema);
    let old = b(store.get(&sid("old"))).unwrap().unwrap();
    assert_eq!((old.resource().as_str(), old.version()), ("folder:f1", 1));
    assert_eq!(b(store.revision()).unwrap(), Revision::new(1));
    assert_eq!(b(store.log_for_share(&sid("old"), &Page::ALL)).unwrap().total, 1);
    let next = b(store.create(share("new", "folder:f1"), &pid("alice"), t(5))).unwrap();
    assert_eq!(next.revision, Revision::new(2));
    let version: i64 = RT
        .block_on(client.query_one(
            &format!("SELECT version FROM \"{schema}\".schema_version WHERE id = 1"),
            &[],
        ))
        .unwrap()
        .get(0);
    assert_eq!(version, PgStore::SCHEMA_VERSION);
    let indexes: i64 = RT
        .block_on(client.query_one(
            "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = $1 AND indexname IN \
             ('shares_by_expiry', 'shares_by_type')",
            &[&schema],
        ))
        .unwrap()
        .get(0);
    assert_eq!(indexes, 2, "version 2's indexes");
    // The expired listing (version 2's index) works on the migrated data.
    assert_eq!(b(store.expired(t(100), 10)).unwrap().len(), 1);
}

/// Schema version 2 with data: the version 1 fixture, version 2's indexes, and a retrievable
/// link visited twice plus a share created and deleted (only in the log), written as
/// version 2 wrote them.
fn version_2_schema(schema: &str, digest: &str) -> String {
    let s = format!("\"{schema}\"");
    let (t0, t4) = (t(0).timestamp(), t(4).timestamp());
    let log = |revision: i64, share: &str, incarnation: i64, resource: &str, event: &str| {
        format!(
            "INSERT INTO {s}.log VALUES ({revision}, '{share}', {incarnation}, '{resource}', \
             'alice', {}, 3, '{{\"event\":\"{event}\"}}');",
            t(revision).timestamp()
        )
    };
    [
        V1.replace("{s}", &s),
        format!("CREATE INDEX shares_by_expiry ON {s}.shares (expires_s, expires_ns);"),
        format!("CREATE INDEX shares_by_type ON {s}.shares (rtype, id);"),
        format!("UPDATE {s}.schema_version SET version = 2;"),
        format!("UPDATE {s}.state SET revision = 5;"),
        format!(
            "INSERT INTO {s}.shares (id, incarnation, resource, sharer, rtype, rkey, recipient, \
             access, reshare, message, created_s, created_ns, expires_s, expires_ns, visits, \
             visited_s, visited_ns, version) VALUES ('link1', 2, 'document:d1', 'alice', 'link', \
             '{digest}', '{{\"type\":\"link\",\"token\":\"tok-1\"}}', '\"viewer\"', 0, 'hi', \
             {t0}, 0, NULL, NULL, 2, {t4}, 5, 1);"
        ),
        log(2, "link1", 2, "document:d1", "created"),
        log(3, "gone", 3, "folder:f2", "created"),
        log(4, "link1", 2, "document:d1", "visited"),
        log(5, "gone", 3, "folder:f2", "deleted"),
        format!("INSERT INTO {s}.resources VALUES ('document:d1', 4), ('folder:f2', 5);"),
    ]
    .join("\n")
}

#[test]
fn migrates_a_version_2_schema_with_data_to_version_3() {
    use shareguard::model::{LinkToken, ShareLink, SharePatch, Usage};
    let Some(url) = url("migrates_a_version_2_schema_with_data_to_version_3") else { return };
    let schema = fresh_schema();
    let client = raw(&url);
    let token = LinkToken::presented("tok-1").unwrap();
    RT.block_on(client.batch_execute(&version_2_schema(&schema, &token.digest().to_hex())))
        .unwrap();
    let store = store_in(&url, &schema);

    // Every share as it was, the new fields at their defaults.
    let old = share("old", "folder:f1").with_expiry(Some(t(60)));
    let link = Share::new(
        sid("link1"),
        res("document:d1"),
        pid("alice"),
        Recipient::Link(ShareLink::new(&token, true)),
        AccessLevel::Viewer,
        t(0),
    )
    .with_message(Some("hi".into()))
    .with_usage(Usage { last_visit: Some(t(4) + Duration::nanoseconds(5)), visits: 2 });
    let all = b(store.list(&ShareFilter::default(), &Page::ALL)).unwrap().items;
    assert_eq!(all, [link.clone(), old.clone()]);
    for share in &all {
        assert_eq!(
            (share.starts(), share.is_pending(), share.max_uses(), share.password()),
            (None, false, None, None),
            "{}: the new fields at their defaults",
            share.id()
        );
    }
    let kept = b(store.find_link(&token.digest())).unwrap().unwrap();
    assert!(
        matches!(kept.recipient(), Recipient::Link(l) if l.token().map(LinkToken::reveal) == Some("tok-1")),
        "a retrievable link keeps its token"
    );

    // Every log entry and revision.
    let feed = b(store.changes_since(Revision::ZERO, 100)).unwrap();
    let got: Vec<(u64, String, &str, &str)> = feed
        .iter()
        .map(|e| {
            let share = e.share.as_ref().map(ToString::to_string).unwrap_or_default();
            (e.revision.get(), share, e.resource.as_str(), e.event.name())
        })
        .collect();
    let want: Vec<(u64, String, &str, &str)> = [
        (1, "old", "folder:f1", "created"),
        (2, "link1", "document:d1", "created"),
        (3, "gone", "folder:f2", "created"),
        (4, "link1", "document:d1", "visited"),
        (5, "gone", "folder:f2", "deleted"),
    ]
    .into_iter()
    .map(|(r, s, res, e)| (r, s.to_owned(), res, e))
    .collect();
    assert_eq!(got, want);
    assert_eq!(feed[3].at, t(4) + Duration::nanoseconds(3));
    assert_eq!(b(store.revision()).unwrap(), Revision::new(5));
    let revisions = b(store.shares_on(&[res("folder:f1"), res("document:d1"), res("folder:f2")]))
        .unwrap()
        .into_iter()
        .map(|(_, r)| r.get())
        .collect::<Vec<_>>();
    assert_eq!(revisions, [1, 4, 5]);
    assert_eq!(b(store.log_for_share(&sid("gone"), &Page::ALL)).unwrap().total, 2);

    // The new columns hold the defaults; the schema is at version 3 with its indexes.
    let q = |text: &str| -> i64 {
        RT.block_on(client.query_one(&text.replace("{s}", &format!("\"{schema}\"")), &[]))
            .unwrap()
            .get(0)
    };
    assert_eq!(q("SELECT version FROM {s}.schema_version WHERE id = 1"), PgStore::SCHEMA_VERSION);
    assert_eq!(
        q("SELECT COUNT(*) FROM {s}.shares WHERE starts_s IS NULL AND starts_ns IS NULL \
           AND NOT pending AND max_uses IS NULL AND password IS NULL"),
        2
    );
    let indexes: i64 = RT
        .block_on(client.query_one(
            "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = $1 AND indexname IN \
             ('shares_used_up', 'shares_pending', 'shares_by_start')",
            &[&schema],
        ))
        .unwrap()
        .get(0);
    assert_eq!(indexes, 3, "version 3's indexes");

    // The migrated schema takes the new fields.
    let patch = SharePatch { max_uses: Some(Some(3)), ..SharePatch::default() };
    let limited = b(store.update(&sid("link1"), 1, &patch, &pid("alice"), t(9))).unwrap();
    assert_eq!((limited.revision, limited.share.max_uses()), (Revision::new(6), Some(3)));
    let used = b(store.record_visit(&sid("link1"), &pid("bob"), t(10))).unwrap().share;
    assert!(used.is_used_up());
    let expired = b(store.expired(t(0), 10)).unwrap();
    assert_eq!(expired.iter().map(|s| s.id().as_str()).collect::<Vec<_>>(), ["link1"]);
    RT.block_on(client.batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE"))).unwrap();
}

/// Version 3's step as shareguard wrote it, frozen here.
const V3_STEP: &str = "ALTER TABLE {s}.shares ADD COLUMN starts_s INT8, ADD COLUMN starts_ns INT8, \
    ADD COLUMN pending BOOLEAN NOT NULL DEFAULT false, ADD COLUMN max_uses INT8, \
    ADD COLUMN password TEXT; \
    CREATE INDEX shares_used_up ON {s}.shares (id) WHERE max_uses IS NOT NULL AND visits >= max_uses; \
    CREATE INDEX shares_pending ON {s}.shares (id) WHERE pending; \
    CREATE INDEX shares_by_start ON {s}.shares (starts_s, starts_ns) WHERE starts_s IS NOT NULL; \
    UPDATE {s}.schema_version SET version = 3;";

#[test]
fn migrates_a_version_3_schema_with_data_to_version_4() {
    use shareguard::{Principal, PrincipalKind};
    let Some(url) = url("migrates_a_version_3_schema_with_data_to_version_4") else { return };
    let schema = fresh_schema();
    let client = raw(&url);
    let digest = shareguard::model::LinkToken::presented("tok-1").unwrap().digest().to_hex();
    let v3 = format!(
        "{}\n{}\nINSERT INTO \"{schema}\".shares (id, incarnation, resource, sharer, rtype, rkey, \
         recipient, access, reshare, created_s, created_ns, visits, version, pending) VALUES \
         ('grp', 6, 'document:d1', 'alice', 'group', 'eng', '{{\"type\":\"group\",\"id\":\"eng\"}}', \
         '\"editor\"', 0, {}, 0, 0, 1, true);",
        version_2_schema(&schema, &digest),
        V3_STEP.replace("{s}", &format!("\"{schema}\"")),
        t(0).timestamp()
    );
    RT.block_on(client.batch_execute(&v3)).unwrap();
    let store = store_in(&url, &schema);
    let q = |text: &str| -> i64 {
        RT.block_on(client.query_one(&text.replace("{s}", &format!("\"{schema}\"")), &[]))
            .unwrap()
            .get(0)
    };
    assert_eq!(q("SELECT version FROM {s}.schema_version WHERE id = 1"), 4);
    let index = |name: &str| -> i64 {
        RT.block_on(client.query_one(
            "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = $1 AND indexname = $2",
            &[&schema, &name],
        ))
        .unwrap()
        .get(0)
    };
    assert_eq!(index("shares_by_path"), 1, "version 4's path index");
    assert_eq!(index("shares_by_resource"), 0, "the index it replaces is gone");

    // The old rows read through the new index: all of them on the path, or those that may
    // reach a principal, with the revisions as they were.
    let path = [res("document:d1"), res("folder:f1")];
    let read = |reaching: Option<&Principal>| -> Vec<(Vec<String>, u64)> {
        let mut got = Vec::new();
        let mut keep = |views: &[shareguard::store::PathShares<'_>]| {
            got = views
                .iter()
                .map(|v| {
                    let ids = v.shares.iter().map(|s| s.id().to_string()).collect();
                    (ids, v.revision.get())
                })
                .collect();
        };
        match reaching {
            Some(p) => b(store.read_path_reaching(&path, p, Revision::ZERO, &mut keep)),
            None => b(store.read_path(&path, Revision::ZERO, &mut keep)),
        }
        .unwrap();
        got
    };
    let owned = |ids: &[&str], rev: u64| (ids.iter().map(|s| (*s).to_owned()).collect(), rev);
    assert_eq!(read(None), [owned(&["link1", "grp"], 4), owned(&["old"], 1)]);
    let carol = Principal::builder("carol", PrincipalKind::Internal).build().unwrap();
    assert_eq!(read(Some(&carol)), [owned(&["link1"], 4), owned(&[], 1)]);
    let eng = Principal::builder("bob", PrincipalKind::Internal).group("eng").build().unwrap();
    assert_eq!(read(Some(&eng)), [owned(&["link1", "grp"], 4), owned(&["old"], 1)]);
    RT.block_on(client.batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE"))).unwrap();
}

#[test]
fn a_newer_schema_is_refused_and_left_alone() {
    let Some(url) = url("a_newer_schema_is_refused_and_left_alone") else { return };
    let schema = fresh_schema();
    drop(store_in(&url, &schema));
    let client = raw(&url);
    RT.block_on(
        client.batch_execute(&format!("UPDATE \"{schema}\".schema_version SET version = 99")),
    )
    .unwrap();
    let opened = RT.block_on(PgStore::open_in(pool(&url, 2), &schema));
    assert!(
        matches!(
            &opened,
            Err(StoreError::Open(OpenError::NewerSchema { found: 99, supported: 4, .. }))
        ),
        "{opened:?}"
    );
    let version: i64 = RT
        .block_on(
            client.query_one(&format!("SELECT version FROM \"{schema}\".schema_version"), &[]),
        )
        .unwrap()
        .get(0);
    assert_eq!(version, 99);
}

#[test]
fn a_schema_of_another_application_is_refused() {
    let Some(url) = url("a_schema_of_another_application_is_refused") else { return };
    let schema = fresh_schema();
    let client = raw(&url);
    RT.block_on(client.batch_execute(&format!(
        "CREATE SCHEMA \"{schema}\"; CREATE TABLE \"{schema}\".invoices (id INT8)"
    )))
    .unwrap();
    let opened = RT.block_on(PgStore::open_in(pool(&url, 2), &schema));
    assert!(
        matches!(&opened, Err(StoreError::Open(OpenError::ForeignSchema { tables, .. })) if tables == "invoices"),
        "{opened:?}"
    );
    let bad = RT.block_on(PgStore::open_in(pool(&url, 2), "Robert'); DROP TABLE x; --"));
    assert!(matches!(bad, Err(StoreError::Invalid(_))), "{bad:?}");
}

#[test]
fn opening_outside_a_runtime_is_a_typed_error() {
    let Some(url) = url("opening_outside_a_runtime_is_a_typed_error") else { return };
    let opened = b(PgStore::open_in(pool(&url, 2), &fresh_schema()));
    assert!(
        matches!(&opened, Err(StoreError::Open(OpenError::CannotOpen { reason, .. })) if reason.contains("Tokio runtime")),
        "{opened:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Bulk import

#[test]
fn import_is_all_or_nothing() {
    let Some(url) = url("import_is_all_or_nothing") else { return };
    let store = fresh(&url);
    let shares: Vec<Share> =
        (0..1000).map(|i| share(&format!("s{i:04}"), &format!("folder:f{}", i % 7))).collect();
    let last = b(store.import(shares, &pid("importer"), t(1))).unwrap();
    assert_eq!(last, Revision::new(1000));
    let all = b(store.list(&ShareFilter::default(), &Page::first(5))).unwrap();
    assert_eq!((all.total, all.items[0].id().as_str(), all.items[0].version()), (1000, "s0000", 1));
    assert_eq!(b(store.changes_since(Revision::new(998), 10)).unwrap().len(), 2);
    let on = b(store.shares_on(&[res("folder:f3")])).unwrap();
    assert_eq!(on[0].0.len(), 143);
    assert_eq!(on[0].1, Revision::new(998), "that of the resource's newest share (s0997)");
    // A taken id: nothing of the batch is stored, no revision used.
    let again = vec![share("fresh", "folder:f1"), share("s0500", "folder:f1")];
    let refused = b(store.import(again, &pid("importer"), t(2)));
    assert_eq!(refused, Err(StoreError::AlreadyExists(sid("s0500"))));
    assert_eq!(b(store.get(&sid("fresh"))).unwrap(), None);
    assert_eq!(b(store.revision()).unwrap(), Revision::new(1000));
    let next = b(store.create(share("after", "folder:f1"), &pid("alice"), t(3))).unwrap();
    assert_eq!(next.revision, Revision::new(1001));
}

// ---------------------------------------------------------------------------------------------
// Faults

/// Everything a store shows, to compare before and after a failed write.
fn snapshot(store: &PgStore) -> (Vec<Share>, Vec<shareguard::model::LogEntry>, Revision) {
    (
        b(store.list(&ShareFilter::default(), &Page::ALL)).unwrap().items,
        b(store.changes_since(Revision::ZERO, 1000)).unwrap(),
        b(store.revision()).unwrap(),
    )
}

/// Holds the store's write lock from another connection, as a slow writer would.
fn hold_write_lock(url: &str, schema: &str) -> tokio_postgres::Client {
    let client = raw(url);
    RT.block_on(client.batch_execute(&format!(
        "BEGIN; SELECT revision FROM \"{schema}\".state WHERE id = 1 FOR UPDATE"
    )))
    .unwrap();
    client
}

#[test]
fn a_statement_timeout_is_a_typed_error_and_writes_nothing() {
    let Some(url) = url("a_statement_timeout_is_a_typed_error_and_writes_nothing") else { return };
    let schema = fresh_schema();
    let setup = store_in(&url, &schema);
    b(setup.create(share("s1", "folder:f1"), &pid("alice"), t(0))).unwrap();
    let before = snapshot(&setup);
    let sep = if url.contains('?') { '&' } else { '?' };
    let timed = format!("{url}{sep}options=-c%20statement_timeout%3D200");
    let store = store_in(&timed, &schema);
    let lock = hold_write_lock(&url, &schema);
    let failed = b(store.create(share("s2", "folder:f1"), &pid("alice"), t(1)));
    assert!(
        matches!(&failed, Err(StoreError::Backend(m)) if m.contains("statement timeout")),
        "{failed:?}"
    );
    RT.block_on(lock.batch_execute("ROLLBACK")).unwrap();
    assert_eq!(snapshot(&setup), before, "nothing half-written");
    // The pooled connection is usable again.
    assert_eq!(
        b(store.create(share("s3", "folder:f1"), &pid("alice"), t(2))).unwrap().revision,
        Revision::new(2)
    );
}

#[test]
fn a_connection_dropped_mid_transaction_is_a_typed_error_and_writes_nothing() {
    let Some(url) = url("a_connection_dropped_mid_transaction_is_a_typed_error_and_writes_nothing")
    else {
        return;
    };
    let schema = fresh_schema();
    let store = store_in(&url, &schema);
    b(store.create(share("s1", "folder:f1"), &pid("alice"), t(0))).unwrap();
    let before = snapshot(&store);
    let lock = hold_write_lock(&url, &schema);
    let writer = store.clone();
    let blocked = std::thread::spawn(move || {
        let grant = Write::Create {
            share: share("s2", "folder:f1"),
            event: shareguard::model::LogEvent::Created,
        };
        b(writer.apply(grant, &Precondition::none(), &pid("alice"), t(1)))
    });
    // The write waits on the lock, inside its transaction: end its connection there (from
    // a third connection: one inside a transaction sees the activity of its first look).
    let killer = raw(&url);
    let killed = RT.block_on(async {
        for _ in 0..100 {
            let n = killer
                .query_one(
                    "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
                     WHERE wait_event_type = 'Lock' AND query LIKE '%state SET revision%' \
                     AND pid <> pg_backend_pid()",
                    &[],
                )
                .await
                .unwrap()
                .get::<_, i64>(0);
            if n > 0 {
                return n;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        0
    });
    assert_eq!(killed, 1, "the write was waiting on the lock");
    let failed = blocked.join().unwrap();
    assert!(matches!(&failed, Err(StoreError::Backend(m)) if m.contains("postgres")), "{failed:?}");
    RT.block_on(lock.batch_execute("ROLLBACK")).unwrap();
    assert_eq!(snapshot(&store), before, "nothing half-written");
    // The pool replaces the broken connection.
    let next = b(store.create(share("s3", "folder:f1"), &pid("alice"), t(2))).unwrap();
    assert_eq!(next.revision, Revision::new(2));
}

// ---------------------------------------------------------------------------------------------
// The server stopped in the middle of a batch

/// A PostgreSQL server of the test's own, which it may stop (`pg_ctl stop -m immediate`)
/// and start again: on the binaries `.ci/postgres.sh` uses (`SHAREGUARD_PG_BIN`, else the
/// newest `/usr/lib/postgresql/*/bin`), owned by an unprivileged user when the tests run as
/// root (`SHAREGUARD_PG_OWNER`, else `postgres`), in a temporary directory, on a free local
/// port; stopped and removed when dropped. `fsync` stays on: recovery after the stop is what
/// is tested.
struct OwnServer {
    bin: std::path::PathBuf,
    dir: std::path::PathBuf,
    port: u16,
    owner: Option<String>,
}

impl OwnServer {
    /// Starts one, or says why it cannot (skipped outside CI, failed in CI).
    fn start(test: &str) -> Option<OwnServer> {
        match OwnServer::try_start() {
            Ok(server) => Some(server),
            Err(why) => {
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "{test}: cannot start a PostgreSQL server of its own in CI: {why}"
                );
                eprintln!("SKIPPED {test}: cannot start a PostgreSQL server of its own: {why}");
                None
            }
        }
    }

    fn try_start() -> Result<OwnServer, String> {
        let bin = pg_bindir().ok_or("no PostgreSQL server binaries (initdb, pg_ctl) found")?;
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .map_err(|e| format!("`id -u`: {e}"))?;
        let owner = if root {
            let user = std::env::var("SHAREGUARD_PG_OWNER").unwrap_or_else(|_| "postgres".into());
            let known = std::process::Command::new("id").arg(&user).output();
            if !known.is_ok_and(|o| o.status.success()) {
                return Err(format!(
                    "running as root, and no user `{user}` to own the cluster (source \
                     .ci/postgres.sh once to make it)"
                ));
            }
            Some(user)
        } else {
            None
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let dir = std::env::temp_dir().join(format!("shareguard-pg-own.{}", uuid::Uuid::new_v4()));
        std::fs::create_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let server = OwnServer { bin, dir, port, owner };
        if let Some(user) = &server.owner {
            server.run_plain("chown", &[user.as_str(), server.path("").as_str()])?;
        }
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&server.dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| e.to_string())?;
        let data = server.path("data");
        server.pg(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "shareguard",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
        )?;
        server.up()?;
        Ok(server)
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    fn url(&self) -> String {
        format!("postgres://shareguard@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the server (again: after a stop, PostgreSQL recovers from its log first).
    fn up(&self) -> Result<(), String> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=50",
            self.port,
            self.path("")
        );
        let (data, log) = (self.path("data"), self.path("server.log"));
        self.pg("pg_ctl", &["-D", &data, "-l", &log, "-w", "-t", "60", "-o", &options, "start"])
    }

    /// Stops the server at once, as a crash would: no checkpoint, every backend ended.
    fn stop_immediately(&self) -> Result<(), String> {
        self.pg("pg_ctl", &["-D", &self.path("data"), "-m", "immediate", "-w", "stop"])
    }

    fn pg(&self, tool: &str, args: &[&str]) -> Result<(), String> {
        let program = self.bin.join(tool).display().to_string();
        match &self.owner {
            Some(user) => {
                let mut all = vec!["-u", user.as_str(), "--", program.as_str()];
                all.extend_from_slice(args);
                self.run_plain("runuser", &all)
            }
            None => self.run_plain(&program, args),
        }
    }

    fn run_plain(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let out = std::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| format!("{program}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
            Err(format!(
                "{program} {args:?} failed: {}{}\nserver log:\n{log}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let _ = self.stop_immediately();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The directory of the server binaries, found as `.ci/postgres.sh` finds them.
fn pg_bindir() -> Option<std::path::PathBuf> {
    let usable =
        |dir: &std::path::Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = std::env::var_os("SHAREGUARD_PG_BIN").map(std::path::PathBuf::from) {
        if usable(&dir) {
            return Some(dir);
        }
    }
    let version =
        |name: &str| -> Vec<u32> { name.split('.').filter_map(|p| p.parse().ok()).collect() };
    std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| usable(&e.path().join("bin")))
        .max_by_key(|e| version(&e.file_name().to_string_lossy()))
        .map(|e| e.path().join("bin"))
}

/// Stops the server once a write of the store waits for the lock [`block_log_writes`] took:
/// inside its transaction, its revision taken and its share written, its log entry not.
/// Waits for that on a connection of its own, not for a time.
fn stop_when_a_write_waits(server: &OwnServer, watcher: &tokio_postgres::Client) {
    let waiting = RT.block_on(async {
        for _ in 0..1500 {
            let n: i64 = watcher
                .query_one(
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
                     AND query LIKE 'INSERT INTO %.log %'",
                    &[],
                )
                .await
                .unwrap()
                .get(0);
            if n > 0 {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        false
    });
    assert!(waiting, "no write came to wait on the lock within 30 s");
    server.stop_immediately().unwrap();
}

/// Blocks the writes to the log (schema `shareguard`) from a connection of its own until it
/// ends: a write then stops half-way, its share written and its log entry not.
fn block_log_writes(client: &tokio_postgres::Client) {
    RT.block_on(client.batch_execute("BEGIN; LOCK TABLE shareguard.log IN SHARE MODE")).unwrap();
}

/// After the server came back: the store's revision is that of its last log entry, the
/// log's revisions run 1, 2, … without a gap, and each share holds the version its own log
/// entries add up to. Returns the log.
fn consistent_after_restart(store: &PgStore) -> Vec<shareguard::model::LogEntry> {
    let log = b(store.changes_since(Revision::ZERO, 100_000)).unwrap();
    let revisions: Vec<u64> = log.iter().map(|e| e.revision.get()).collect();
    let expected: Vec<u64> = (1..=log.len() as u64).collect();
    assert_eq!(revisions, expected, "the log runs without a gap");
    assert_eq!(b(store.revision()).unwrap(), Revision::new(log.len() as u64));
    for share in b(store.list(&ShareFilter::default(), &Page::ALL)).unwrap().items {
        let own = b(store.log_for_share(share.id(), &Page::ALL)).unwrap();
        assert_eq!(own.total as u64, share.version(), "{share:?}: one log entry a version");
    }
    log
}

/// Hands the batch's resource path out, and at the path of item `at` (1-based) blocks the
/// log's writes and has the server stopped once that item's write waits for it: the batch
/// is stopped inside the transaction of item `at`, its share written and not its log entry,
/// every time.
struct StopAtItem {
    tree: shareguard::admin::Hierarchy,
    calls: std::sync::atomic::AtomicUsize,
    at: usize,
    server: std::sync::Arc<OwnServer>,
    stopper: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
}

#[async_trait::async_trait]
impl shareguard::admin::ResourceTree for StopAtItem {
    async fn path(
        &self,
        resource: &ResourceRef,
    ) -> Result<Vec<shareguard::admin::PathItem>, shareguard::admin::TreeError> {
        let call = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        if call == self.at {
            let url = self.server.url();
            let locker = raw(&url);
            block_log_writes(&locker);
            let server = std::sync::Arc::clone(&self.server);
            *self.stopper.lock().unwrap() = Some(std::thread::spawn(move || {
                let watcher = raw(&url);
                stop_when_a_write_waits(&server, &watcher);
                drop(locker);
            }));
        }
        self.tree.path(resource).await
    }
}

/// `Admin::grant_batch` of six items (one an update of an existing share) on a server
/// stopped in the transaction of the fourth, between its share and its log entry: the caller gets a typed error; after a
/// restart, the three items before are there, each with its log entry, and nothing of the
/// fourth or after — no share, no log entry, no revision; the store writes again.
#[test]
fn a_server_stopped_mid_batch_keeps_each_committed_item_with_its_log_entry() {
    use shareguard::admin::Hierarchy;
    use shareguard::model::LogEvent;
    use shareguard::store::{BatchOutcome, GrantItem};
    use shareguard::{Admin, AdminError, Policy, Principal, PrincipalKind};

    let test = "a_server_stopped_mid_batch_keeps_each_committed_item_with_its_log_entry";
    let Some(server) = OwnServer::start(test) else { return };
    let server = std::sync::Arc::new(server);
    let store = RT.block_on(PgStore::open(pool(&server.url(), 4))).unwrap();
    let mut tree = Hierarchy::new();
    tree.add(res("folder:f1"), None, Some(pid("alice"))).unwrap();
    let existing = b(store.create(share("s-bob", "folder:f1"), &pid("alice"), t(0))).unwrap();
    assert_eq!(existing.revision, Revision::new(1));
    let hook = StopAtItem {
        tree,
        calls: 0.into(),
        at: 4,
        server: std::sync::Arc::clone(&server),
        stopper: std::sync::Mutex::new(None),
    };
    let admin = Admin::new(store.clone(), hook, Policy::default());
    let alice = Principal::builder("alice", PrincipalKind::Internal).build().unwrap();
    let user = |id: &str| Recipient::User { id: id.parse().unwrap() };
    let items: Vec<GrantItem> = ["u1", "bob", "u2", "u3", "u4", "u5"]
        .iter()
        .map(|id| GrantItem { recipient: user(id), access: AccessLevel::Editor, view_log: false })
        .collect();

    let outcome = b(admin.grant_batch(&alice, &res("folder:f1"), &items, t(10)));
    let stopper = admin.tree().stopper.lock().unwrap().take();
    stopper.expect("the batch reached its fourth item").join().unwrap();
    assert!(
        matches!(&outcome, Err(AdminError::Store(StoreError::Backend(m))) if m.starts_with("postgres")),
        "{outcome:?}"
    );

    server.up().unwrap();
    let after = RT.block_on(PgStore::open(pool(&server.url(), 2))).unwrap();
    let log = consistent_after_restart(&after);
    assert_eq!(log.len(), 4, "the share made before, and the batch's first three items");
    for (entry, who) in log[1..].iter().zip(["u1", "bob", "u2"]) {
        assert_eq!(entry.event, LogEvent::AccessAdded { recipient: user(who) });
        let id = entry.share.clone().expect("a share's entry");
        let share = b(after.get(&id)).unwrap().expect("the item's share");
        assert_eq!((share.recipient(), share.access()), (&user(who), AccessLevel::Editor));
    }
    assert_eq!(log[2].share, Some(sid("s-bob")), "bob's share was updated, not made again");
    let on = b(after.shares_on(&[res("folder:f1")])).unwrap();
    let holders: Vec<&Recipient> = on[0].0.iter().map(Share::recipient).collect();
    assert_eq!(holders.len(), 3, "bob, u1 and u2 only: {holders:?}");
    assert!(!holders.contains(&&user("u3")), "nothing of the item in flight");
    assert_eq!(on[0].1, Revision::new(4), "the resource's revision is its last commit's");

    // The batch's own store, on its own pool, writes again (its dead connections are not
    // handed out), at the next revision.
    let again = b(admin.grant_batch(&alice, &res("folder:f1"), &items[3..4], t(20))).unwrap();
    assert!(
        matches!(&again[0], BatchOutcome::Created { revision, .. } if *revision == Revision::new(5)),
        "{again:?}"
    );
}

/// `PgStore::revoke_batch` (the store's own batch, no policy) of 300 recipients, the server
/// stopped once the 20th removal is logged and a later one waits inside its transaction,
/// its share deleted and its log entry not:
/// a typed error; after a restart, a prefix of the recipients is removed, each removal with
/// its `access_removed` entry, every other share untouched.
#[test]
fn a_server_stopped_mid_revoke_batch_leaves_a_logged_prefix() {
    use shareguard::model::LogEvent;

    let test = "a_server_stopped_mid_revoke_batch_leaves_a_logged_prefix";
    let Some(server) = OwnServer::start(test) else { return };
    let store = RT.block_on(PgStore::open(pool(&server.url(), 4))).unwrap();
    let recipient = |i: usize| Recipient::User { id: format!("r{i:03}").parse().unwrap() };
    let shares: Vec<Share> = (0..300)
        .map(|i| {
            Share::new(
                sid(&format!("s{i:03}")),
                res("folder:f2"),
                pid("alice"),
                recipient(i),
                AccessLevel::Viewer,
                t(0),
            )
        })
        .collect();
    assert_eq!(b(store.import(shares, &pid("importer"), t(0))).unwrap(), Revision::new(300));
    let recipients: Vec<Recipient> = (0..300).map(recipient).collect();

    let url = server.url();
    let stopper = std::thread::scope(|scope| {
        let stopper = scope.spawn(|| {
            let watcher = raw(&url);
            let mut logged = 0;
            for _ in 0..3000 {
                logged = RT
                    .block_on(watcher.query_one("SELECT MAX(revision) FROM shareguard.log", &[]))
                    .unwrap()
                    .get::<_, Option<i64>>(0)
                    .unwrap_or(0);
                if logged >= 320 {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            assert!(logged >= 320, "the batch did not log 20 removals within 15 s");
            let locker = raw(&url);
            block_log_writes(&locker);
            stop_when_a_write_waits(&server, &watcher);
        });
        let outcome = b(store.revoke_batch(&res("folder:f2"), &recipients, &pid("alice"), t(10)));
        (stopper.join(), outcome)
    });
    let (stopped, outcome) = stopper;
    stopped.unwrap();
    assert!(
        matches!(&outcome, Err(StoreError::Backend(m)) if m.starts_with("postgres")),
        "{outcome:?}"
    );

    server.up().unwrap();
    let after = RT.block_on(PgStore::open(pool(&server.url(), 2))).unwrap();
    let log = consistent_after_restart(&after);
    let removed = log.len() - 300;
    assert!((20..300).contains(&removed), "stopped mid-way: {removed} removed");
    for (i, entry) in log[300..].iter().enumerate() {
        let id = sid(&format!("s{i:03}"));
        assert_eq!(entry.share.as_ref(), Some(&id));
        assert_eq!(entry.event, LogEvent::AccessRemoved { recipient: recipient(i) });
        assert_eq!(b(after.get(&id)).unwrap(), None, "removed with its entry");
    }
    let left = b(after.list(&ShareFilter::default(), &Page::ALL)).unwrap();
    assert_eq!(left.total, 300 - removed, "the rest untouched");
    assert_eq!(left.items[0].id(), &sid(&format!("s{removed:03}")));
}
