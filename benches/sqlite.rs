//! `SqliteStore` beside `MemoryStore` at 100 000 shares: create, get, update with version,
//! "shared with me" (the page of 50 after the first 100 for a principal reached by 500
//! shares), and who-has-access on a resource. Each call is driven by `pollster::block_on`, so
//! a `SqliteStore` figure includes the hop to its connection's thread and back.
//!
//! Before the timed benches it loads each store once, share by share through
//! `ShareStore::create` (for SQLite: one transaction per share, on a file under the temporary
//! directory, with `Durability::Process`), and prints to stderr how long that took. SQLite is
//! then measured with each durability: `sqlite-process` (no disk flush per commit) and
//! `sqlite-full` (a flush per commit, the default). `SHARES` sets the size.
//!
//! ```sh
//! cargo bench --features sqlite --bench sqlite
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)]
#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::cell::Cell;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

mod common;

use common::{Rng, now};
use criterion::{Criterion, criterion_group, criterion_main};
use pollster::block_on;
use shareguard::model::{Level, PrincipalId, ShareId, SharePatch};
use shareguard::store::{Durability, Page};
use shareguard::{
    AccessLevel, MemoryStore, Principal, PrincipalKind, Recipient, ResourceRef, Share, ShareStore,
    SqliteStore,
};

const DOCUMENTS: u64 = 10_000;
const USERS: u64 = 20_000;
const GROUPS: u64 = 2_000;

fn size() -> u64 {
    std::env::var("SHARES").ok().and_then(|s| s.parse().ok()).unwrap_or(100_000)
}

/// `n` shares on 10 000 documents (10 a document on average) to 20 000 users and 2 000
/// groups; 1 in 200 reaches bob (half to him, half to his two groups); 30 % expire.
fn shares(n: u64) -> Vec<Share> {
    let mut rng = Rng(8);
    let owner: PrincipalId = "owner".parse().unwrap();
    let levels = [AccessLevel::Viewer, AccessLevel::Commenter, AccessLevel::Editor];
    (0..n)
        .map(|i| {
            let recipient = match (i % 200 == 0, rng.below(10)) {
                (true, 0..5) => Recipient::User { id: "bob".parse().unwrap() },
                (true, _) => Recipient::Group { id: format!("bobs{}", i % 2).parse().unwrap() },
                (false, 0..3) => {
                    Recipient::Group { id: format!("g{}", rng.below(GROUPS)).parse().unwrap() }
                }
                (false, _) => {
                    Recipient::User { id: format!("u{}", rng.below(USERS)).parse().unwrap() }
                }
            };
            let resource: ResourceRef =
                format!("document:d{}", rng.below(DOCUMENTS)).parse().unwrap();
            let expires = (rng.below(10) < 3).then(|| {
                now() + chrono::Duration::seconds(rng.below(60 * 86_400) as i64 - 30 * 86_400)
            });
            Share::new(
                format!("s{i}").parse().unwrap(),
                resource,
                owner.clone(),
                recipient,
                levels[(i % 3) as usize],
                now(),
            )
            .with_expiry(expires)
        })
        .collect()
}

fn load(name: &str, store: &dyn ShareStore, all: &[Share]) {
    let actor: PrincipalId = "owner".parse().unwrap();
    let started = Instant::now();
    for share in all {
        block_on(store.create(share.clone(), &actor, now())).unwrap();
    }
    let took = started.elapsed();
    eprintln!(
        "{name}: loaded {} shares in {:.2?} ({:.1} µs a create)",
        all.len(),
        took,
        took.as_secs_f64() * 1e6 / all.len() as f64
    );
}

fn bench_store(c: &mut Criterion, name: &str, store: &dyn ShareStore, n: u64) {
    let actor: PrincipalId = "owner".parse().unwrap();
    let bob = Principal::builder("bob", PrincipalKind::Internal)
        .group("bobs0")
        .group("bobs1")
        .group("eng")
        .build()
        .unwrap();
    let reached = block_on(store.shares_reaching(&bob, false, &Page::first(100))).unwrap();
    let after_100 = Page::first(50).then(reached.next);
    let reached = reached.total;
    eprintln!("{name}: bob is reached by {reached} shares");

    let mut group = c.benchmark_group(format!("{name}/{n}"));
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));

    let next = Cell::new(0u64);
    group.bench_function("create", |b| {
        b.iter(|| {
            let i = next.get();
            next.set(i + 1);
            let share = Share::new(
                format!("{name}-new{i}").parse().unwrap(),
                // Resources of their own, so the other benches see the same data in every store.
                format!("document:{name}-new{}", i % 1000).parse().unwrap(),
                actor.clone(),
                Recipient::User { id: format!("u{}", i % USERS).parse().unwrap() },
                AccessLevel::Viewer,
                now(),
            );
            black_box(block_on(store.create(share, &actor, now())).unwrap())
        });
    });

    let mut rng = Rng(21);
    group.bench_function("get", |b| {
        b.iter(|| {
            let id: ShareId = format!("s{}", rng.below(n)).parse().unwrap();
            black_box(block_on(store.get(&id)).unwrap())
        });
    });

    let target: ShareId = "s1".parse().unwrap();
    let version = Cell::new(block_on(store.get(&target)).unwrap().unwrap().version());
    let levels = [Level::Viewer, Level::Editor];
    group.bench_function("update", |b| {
        b.iter(|| {
            let v = version.get();
            let patch =
                SharePatch { access: Some(levels[(v % 2) as usize]), ..SharePatch::default() };
            let updated = block_on(store.update(&target, v, &patch, &actor, now())).unwrap();
            version.set(updated.share.version());
            black_box(updated)
        });
    });

    group.bench_function("shares_reaching_page_50", |b| {
        b.iter(|| black_box(block_on(store.shares_reaching(&bob, false, &after_100)).unwrap()));
    });

    let mut rng = Rng(34);
    group.bench_function("who_has_access", |b| {
        b.iter(|| {
            let resource: ResourceRef =
                format!("document:d{}", rng.below(DOCUMENTS)).parse().unwrap();
            black_box(block_on(store.who_has_access(&resource, now())).unwrap())
        });
    });
    group.finish();
}

fn stores(c: &mut Criterion) {
    let n = size();
    let all = shares(n);

    let memory = MemoryStore::new();
    load("memory", &memory, &all);
    bench_store(c, "memory", &memory, n);
    drop(memory);

    let path: PathBuf =
        std::env::temp_dir().join(format!("shareguard-bench-{}.db", uuid::Uuid::new_v4()));
    {
        // Loaded without a disk flush per commit (a million flushes would take minutes), then
        // measured in each durability.
        let sqlite = SqliteStore::open_with(&path, Durability::Process).unwrap();
        load("sqlite (durability: process)", &sqlite, &all);
        bench_store(c, "sqlite-process", &sqlite, n);
    }
    {
        let sqlite = SqliteStore::open(&path).unwrap();
        bench_store(c, "sqlite-full", &sqlite, n);
    }
    let mut bytes = 0;
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{}{suffix}", path.display());
        bytes += std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        let _ = std::fs::remove_file(&file);
    }
    eprintln!("sqlite: the file and its WAL took {:.1} MiB", bytes as f64 / (1024.0 * 1024.0));
}

/// One store (one connection on its worker thread) shared by two threads against one store
/// per thread (what a pool of two would give): two threads reading shares at random, time per
/// read.
fn threads(c: &mut Criterion) {
    let n = size();
    let path: PathBuf =
        std::env::temp_dir().join(format!("shareguard-bench-{}.db", uuid::Uuid::new_v4()));
    {
        let sqlite = SqliteStore::open_with(&path, Durability::Process).unwrap();
        load("sqlite (for the threads bench)", &sqlite, &shares(n));
    }
    let shared = std::sync::Arc::new(SqliteStore::open(&path).unwrap());
    let own: Vec<std::sync::Arc<SqliteStore>> =
        (0..2).map(|_| std::sync::Arc::new(SqliteStore::open(&path).unwrap())).collect();
    let mut group = c.benchmark_group(format!("sqlite-2-threads-get/{n}"));
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let run = |stores: [std::sync::Arc<SqliteStore>; 2], iters: u64| {
        let started = Instant::now();
        let handles: Vec<_> = stores
            .into_iter()
            .enumerate()
            .map(|(t, store)| {
                std::thread::spawn(move || {
                    let mut rng = Rng(t as u64 + 1);
                    for _ in 0..iters.div_ceil(2) {
                        let id: ShareId = format!("s{}", rng.below(n)).parse().unwrap();
                        black_box(block_on(store.get(&id)).unwrap());
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        started.elapsed()
    };
    group.bench_function("one_store_shared", |b| {
        b.iter_custom(|iters| run([shared.clone(), shared.clone()], iters));
    });
    group.bench_function("one_store_per_thread", |b| {
        b.iter_custom(|iters| run([own[0].clone(), own[1].clone()], iters));
    });
    group.finish();
    drop((shared, own));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

criterion_group!(benches, stores, threads);
criterion_main!(benches);
