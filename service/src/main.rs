//! `shareguard-service`: an example HTTP service over shareguard that answers the seed
//! products' own share-administration requests (LiquidFiles, Filr, ONLYOFFICE DocSpace,
//! Salesforce folder shares) on one store, every request decided and applied by the
//! `Admin` facade. See `service/README.md`.
//!
//! ```text
//! shareguard-service --config service/example.json [--db FILE] [--listen 127.0.0.1:8080]
//! shareguard-service --config service/example.json --postgres postgres://…   (feature `postgres`)
//! ```
//!
//! It prints one line when it is ready, `listening on http://ADDR`, and stops on Ctrl-C or
//! SIGTERM.

mod app;
mod auth;
mod config;
mod filr;
mod liquidfiles;
mod onlyoffice;
mod salesforce;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use shareguard::model::{Revision, Share};
use shareguard::{Admin, Policy, ShareStore, SqliteStore};

use crate::app::{App, Store};
use crate::config::Config;

const USAGE: &str =
    "usage: shareguard-service --config FILE [--db FILE | --postgres URL] [--listen ADDR]

  --config FILE    principals, API key digests, resources, settings and seed shares (JSON)
  --db FILE        the SQLite store (default: shareguard-service.db)
  --postgres URL   a PostgreSQL store instead (built with the `postgres` feature)
  --listen ADDR    where to listen (default 127.0.0.1:8080; port 0 picks a free one)";

/// The command line.
#[derive(Debug)]
struct Args {
    config: String,
    db: String,
    postgres: Option<String>,
    listen: SocketAddr,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut config = None;
    let mut db = "shareguard-service.db".to_owned();
    let mut postgres = None;
    let mut listen = SocketAddr::from(([127, 0, 0, 1], 8080));
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag}: missing its value"));
        match flag.as_str() {
            "--config" => config = Some(value()?),
            "--db" => db = value()?,
            "--postgres" => postgres = Some(value()?),
            "--listen" => {
                let text = value()?;
                listen = text.parse().map_err(|_| {
                    format!("--listen: invalid address `{text}` (e.g. 127.0.0.1:0)")
                })?;
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let config = config.ok_or("--config: missing (the principals and keys file)")?;
    Ok(Args { config, db, postgres, listen })
}

async fn open_store(args: &Args) -> Result<Store, String> {
    match &args.postgres {
        #[cfg(feature = "postgres")]
        Some(url) => Ok(Arc::new(
            shareguard::store::PgStore::connect(url)
                .await
                .map_err(|e| format!("--postgres: {e}"))?,
        )),
        #[cfg(not(feature = "postgres"))]
        Some(_) => {
            Err("--postgres: this build has no PostgreSQL store (build with `--features postgres`)"
                .into())
        }
        None => Ok(Arc::new(
            SqliteStore::open(&args.db).map_err(|e| format!("--db `{}`: {e}", args.db))?,
        )),
    }
}

/// Seeds a store that has never been written (no history) with the configured shares; a
/// store with history is left as it is, so a restarted service keeps every change, and a
/// seed share deleted through the API does not come back.
async fn seed(store: &Store, config: &Config) -> Result<usize, String> {
    let history = store.changes_since(Revision::ZERO, 1).await.map_err(|e| e.to_string())?;
    if !history.is_empty() {
        return Ok(0);
    }
    let now = chrono::Utc::now();
    let mut created = 0;
    for (i, s) in config.seeds.iter().enumerate() {
        let at = |e: &dyn std::fmt::Display| format!("$.shares[{i}]: {e}");
        let share =
            Share::from_new(s.id.clone(), s.sharer.clone(), &s.new, now).map_err(|e| at(&e))?;
        store.create(share, &s.sharer, now).await.map_err(|e| at(&e))?;
        created += 1;
    }
    Ok(created)
}

async fn run(args: Args) -> Result<(), String> {
    let text = std::fs::read_to_string(&args.config)
        .map_err(|e| format!("--config `{}`: {e}", args.config))?;
    let config = Config::from_json(&text).map_err(|e| format!("{}: {e}", args.config))?;
    let store = open_store(&args).await?;
    let seeded = seed(&store, &config).await.map_err(|e| format!("{}: {e}", args.config))?;
    let Config { settings, principals, keys, tree, .. } = config;
    let state =
        Arc::new(App { admin: Admin::new(store, tree, Policy::new(settings)), principals, keys });

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("--listen {}: {e}", args.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    // The one line a client (or the client test) waits for.
    #[allow(clippy::print_stdout)]
    {
        println!("listening on http://{addr} ({seeded} share(s) seeded)");
    }
    axum::serve(listener, app::router(state))
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| e.to_string())
}

/// Ctrl-C or SIGTERM.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

#[allow(clippy::print_stderr)] // a command-line program says what is wrong on stderr
fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("shareguard-service: {message}");
            }
            eprintln!("{USAGE}");
            return if message.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) };
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("shareguard-service: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("shareguard-service: {message}");
            ExitCode::FAILURE
        }
    }
}
