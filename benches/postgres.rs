//! `PgStore` on the local server (`SHAREGUARD_PG_URL`) at 1 000 000 shares (`SHARES` sets
//! the size): the bulk import (timed once, printed), `Admin::check` (median by criterion; p50
//! and p99 of 2 000 single calls printed), create-with-log, a shared-with-me page of 50, a
//! `changes_since` page of 1 000, and checks per second with 1, 4 and 16 concurrent tasks
//! (printed). Calls are awaited from the bench thread with `pollster`, as a synchronous
//! caller would; the store runs its work on a Tokio runtime, on a pool of 4 connections (two
//! per core of the 2-core machine that runs server and bench; `POOL` sets another size).
//!
//! ```sh
//! eval "$(bash .ci/postgres.sh start)"
//! cargo bench --features postgres --bench postgres
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)]
#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::cell::Cell;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

use common::{Rng, now};
use criterion::{Criterion, criterion_group, criterion_main};
use pollster::block_on;
use shareguard::admin::Hierarchy;
use shareguard::model::Revision;
use shareguard::store::{Page, PgStore};
use shareguard::{
    AccessLevel, Admin, Permission, Policy, Principal, PrincipalKind, Recipient, ResourceRef,
    Share, ShareStore,
};

const DOCUMENTS: u64 = 10_000;
const USERS: u64 = 20_000;
const GROUPS: u64 = 2_000;

fn size() -> u64 {
    std::env::var("SHARES").ok().and_then(|s| s.parse().ok()).unwrap_or(1_000_000)
}

/// The pool's connections (`POOL`; 4 unless told: with 16 on 2 cores, 16 tasks checked less
/// per second than 4 in three runs of four, BENCHMARKS.md).
fn pool_size() -> usize {
    std::env::var("POOL").ok().and_then(|s| s.parse().ok()).unwrap_or(4)
}

/// `n` shares on 10 000 documents to 20 000 users and 2 000 groups; 1 in 20 000 reaches bob.
fn shares(n: u64) -> Vec<Share> {
    let mut rng = Rng(8);
    (0..n)
        .map(|i| {
            let recipient = match (i % 20_000 == 0, rng.below(10)) {
                (true, _) => Recipient::User { id: "bob".parse().unwrap() },
                (false, 0..3) => {
                    Recipient::Group { id: format!("g{}", rng.below(GROUPS)).parse().unwrap() }
                }
                (false, _) => {
                    Recipient::User { id: format!("u{}", rng.below(USERS)).parse().unwrap() }
                }
            };
            Share::new(
                format!("s{i:08}").parse().unwrap(),
                format!("document:d{}", rng.below(DOCUMENTS)).parse().unwrap(),
                "owner".parse().unwrap(),
                recipient,
                AccessLevel::Viewer,
                now(),
            )
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn postgres(c: &mut Criterion) {
    let Ok(url) = std::env::var("SHAREGUARD_PG_URL") else {
        eprintln!("SKIPPED the postgres bench: SHAREGUARD_PG_URL is unset");
        return;
    };
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
    let config: tokio_postgres::Config = url.parse().unwrap();
    let manager = deadpool_postgres::Manager::new(config, tokio_postgres::NoTls);
    let pool = deadpool_postgres::Pool::builder(manager).max_size(pool_size()).build().unwrap();
    let store = rt.block_on(PgStore::open_in(pool, &schema)).unwrap();

    let n = size();
    let all = shares(n);
    let started = Instant::now();
    block_on(store.import(all, &"importer".parse().unwrap(), now())).unwrap();
    eprintln!("postgres: bulk import of {n} shares in one call: {:.1?}", started.elapsed());
    rt.block_on(async {
        let client = store.pool().get().await.unwrap();
        client
            .batch_execute(&format!("ANALYZE \"{schema}\".shares; ANALYZE \"{schema}\".log"))
            .await
            .unwrap();
    });

    let mut tree = Hierarchy::new();
    let docs: Vec<ResourceRef> =
        (0..DOCUMENTS).map(|d| format!("document:d{d}").parse().unwrap()).collect();
    for doc in &docs {
        tree.add(doc.clone(), None, Some("owner".parse().unwrap())).unwrap();
    }
    let admin = Arc::new(Admin::new(store.clone(), tree, Policy::default()));
    let user = |i: u64| {
        Principal::builder(format!("u{i}"), PrincipalKind::Internal)
            .group(format!("g{}", i % GROUPS))
            .build()
            .unwrap()
    };

    // p50 and p99 of single checks.
    let mut rng = Rng(3);
    let mut times: Vec<Duration> = (0..2000)
        .map(|_| {
            let (who, doc) = (user(rng.below(USERS)), &docs[rng.below(DOCUMENTS) as usize]);
            let t = Instant::now();
            block_on(admin.check(&who, Permission::View, doc, now())).unwrap();
            t.elapsed()
        })
        .collect();
    times.sort();
    eprintln!(
        "postgres: Admin::check over 2000 calls: p50 {:.2?}, p99 {:.2?}",
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );

    // Throughput with 1, 4 and 16 concurrent tasks, 2 s each.
    for tasks in [1u64, 4, 16] {
        let done = rt.block_on(async {
            let stop = Instant::now() + Duration::from_secs(2);
            let handles: Vec<_> = (0..tasks)
                .map(|k| {
                    let admin = Arc::clone(&admin);
                    let docs = docs.clone();
                    tokio::spawn(async move {
                        let mut rng = Rng(100 + k);
                        let mut n = 0u64;
                        while Instant::now() < stop {
                            let who = user(rng.below(USERS));
                            let doc = &docs[rng.below(DOCUMENTS) as usize];
                            admin.check(&who, Permission::View, doc, now()).await.unwrap();
                            n += 1;
                        }
                        n
                    })
                })
                .collect();
            let mut total = 0;
            for h in handles {
                total += h.await.unwrap();
            }
            total
        });
        eprintln!("postgres: {tasks} concurrent tasks: {} checks/s", done / 2);
    }

    let mut g = c.benchmark_group(format!("postgres, {n} shares"));
    g.sample_size(50).measurement_time(Duration::from_secs(4));
    let mut rng = Rng(5);
    g.bench_function("Admin::check", |b| {
        b.iter(|| {
            let (who, doc) = (user(rng.below(USERS)), &docs[rng.below(DOCUMENTS) as usize]);
            block_on(admin.check(black_box(&who), Permission::View, doc, now())).unwrap()
        })
    });
    let next = Cell::new(0u64);
    g.bench_function("create with log", |b| {
        b.iter(|| {
            let i = next.get();
            next.set(i + 1);
            let share = Share::new(
                format!("new{i}").parse().unwrap(),
                docs[(i % DOCUMENTS) as usize].clone(),
                "owner".parse().unwrap(),
                Recipient::User { id: format!("u{i}").parse().unwrap() },
                AccessLevel::Viewer,
                now(),
            );
            block_on(store.create(share, &"owner".parse().unwrap(), now())).unwrap()
        })
    });
    let reached =
        Principal::builder("u7", PrincipalKind::Internal).group("g7").group("g8").build().unwrap();
    let total = block_on(store.shares_reaching(&reached, false, &Page::first(50))).unwrap().total;
    g.bench_function(format!("shared with me, page of 50 of {total}"), |b| {
        b.iter(|| {
            block_on(store.shares_reaching(black_box(&reached), false, &Page::first(50))).unwrap()
        })
    });
    let mut from = Rng(9);
    g.bench_function("changes_since, page of 1000", |b| {
        b.iter(|| {
            let after = Revision::new(from.below(n.saturating_sub(1000).max(1)));
            block_on(store.changes_since(after, 1000)).unwrap()
        })
    });
    g.finish();
    rt.block_on(async {
        let client = store.pool().get().await.unwrap();
        client.batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE")).await.unwrap();
    });
}

criterion_group!(benches, postgres);
criterion_main!(benches);
