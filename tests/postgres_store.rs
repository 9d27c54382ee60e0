//! `PgStore` on a real PostgreSQL server (`SHAREGUARD_PG_URL`; `.ci/postgres.sh` starts one):
//! the conformance suite, the model-based test and the race checks across two pools (two
//! service instances), the exact change feed, schema migration and refusal, bulk import, and
//! faults as typed errors with nothing half-written.
//!
//! Without `SHAREGUARD_PG_URL` each test says it was skipped and passes; with `CI=true` an
//! unset URL fails.
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
    let manager = deadpool_postgres::Manager::new(config, tokio_postgres::NoTls);
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
