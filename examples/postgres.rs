#![allow(clippy::print_stdout, clippy::print_stderr)] // an example prints what it finds
//! A service wiring its own connection pool into `PgStore`: the pool the service already has
//! (its size, its timeouts), the store opened on it at start-up, then used through the port.
//!
//! Run with a server: `eval "$(bash .ci/postgres.sh start)"` then
//! `cargo run --example postgres --features postgres`.

use chrono::Utc;
use shareguard::store::{Page, PgStore};
use shareguard::{AccessLevel, Principal, PrincipalKind, Recipient, Share, ShareStore};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Ok(url) = std::env::var("SHAREGUARD_PG_URL") else {
        eprintln!("set SHAREGUARD_PG_URL (e.g. `eval \"$(bash .ci/postgres.sh start)\"`)");
        return Ok(());
    };
    // The service's own pool: its settings, a statement timeout for every connection.
    let mut config: tokio_postgres::Config = url.parse()?;
    config.options("-c statement_timeout=5000");
    let manager = deadpool_postgres::Manager::from_config(
        config,
        tokio_postgres::NoTls,
        deadpool_postgres::ManagerConfig {
            recycling_method: deadpool_postgres::RecyclingMethod::Fast,
        },
    );
    let pool = deadpool_postgres::Pool::builder(manager).max_size(8).build()?;
    // A schema of its own, so the example leaves the default one alone.
    let store = PgStore::open_in(pool, "shareguard_example").await?;

    let now = Utc::now();
    let id = format!("example-{}", uuid::Uuid::new_v4().simple());
    let share = Share::new(
        id.parse()?,
        "folder:reports".parse()?,
        "alice".parse()?,
        Recipient::Group { id: "eng".parse()? },
        AccessLevel::Viewer,
        now,
    );
    let created = store.create(share, &"alice".parse()?, now).await?;
    let bob = Principal::builder("bob", PrincipalKind::Internal).group("eng").build()?;
    let mine = store.shares_reaching(&bob, false, &Page::first(50)).await?;
    println!("created {id} at revision {}; bob reaches {} share(s)", created.revision, mine.total);
    store.delete(&id.parse()?, &"alice".parse()?, now).await?;
    Ok(())
}
