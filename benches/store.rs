//! `MemoryStore` at 1 000 000 shares: create, get, update with version, who-has-access,
//! "shared with me" (a page of 50 for a principal reached by 1 000 shares), and the admin
//! facade's create-with-log.
//!
//! Before the timed benches it bulk-loads the store once (`MemoryStore::load`) and prints to
//! stderr how long that took and how much resident memory (`VmRSS`) it added per share; then
//! it times loading the same shares one `ShareStore::create` at a time into a second store.
//!
//! Targets (issue 8): "shared with me" ≤ 20 µs; ≤ 300 bytes per share; load ≤ 2 s. See
//! BENCHMARKS.md. `SHARES` sets the store's size (default 1 000 000).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)]
#![allow(missing_docs)] // criterion's macros generate undocumented items

use pollster::block_on;
use std::cell::Cell;
use std::hint::black_box;
use std::time::{Duration, Instant};

mod common;

use common::{Rng, now};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use shareguard::admin::Hierarchy;
use shareguard::model::{Level, PrincipalId, SharePatch};
use shareguard::store::Page;
use shareguard::{
    AccessLevel, Admin, MemoryStore, NewShare, Policy, Principal, PrincipalKind, Recipient,
    ResourceRef, Share, ShareStore,
};

fn resident() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

const DOCUMENTS: u64 = 100_000;
const USERS: u64 = 100_000;
const GROUPS: u64 = 10_000;

/// `n` shares on 100 000 documents (10 a document on average) to 100 000 users and 10 000
/// groups; 1 in 1 000 reaches bob (half to him, half to his two groups); 30 % expire.
///
/// The documents, users and groups are made once and their ids cloned into the shares, as a
/// service holding its resources and directory does; so the resident memory measured after
/// the load is the store's, not the garbage of ids parsed once per share and dropped when
/// the store keeps one copy of each.
fn shares(n: u64) -> Vec<Share> {
    let mut rng = Rng(8);
    let owner: PrincipalId = "owner".parse().unwrap();
    let levels = [AccessLevel::Viewer, AccessLevel::Commenter, AccessLevel::Editor];
    let documents: Vec<ResourceRef> =
        (0..DOCUMENTS).map(|d| format!("document:d{d}").parse().unwrap()).collect();
    let users: Vec<Recipient> =
        (0..USERS).map(|u| Recipient::User { id: format!("u{u}").parse().unwrap() }).collect();
    let groups: Vec<Recipient> =
        (0..GROUPS).map(|g| Recipient::Group { id: format!("g{g}").parse().unwrap() }).collect();
    let bob = Recipient::User { id: "bob".parse().unwrap() };
    let bobs: Vec<Recipient> =
        (0..2).map(|g| Recipient::Group { id: format!("bobs{g}").parse().unwrap() }).collect();
    (0..n)
        .map(|i| {
            let recipient = match (i % 1000 == 0, rng.below(10)) {
                (true, 0..5) => bob.clone(),
                (true, _) => bobs[(i % 2) as usize].clone(),
                (false, 0..3) => groups[rng.below(GROUPS) as usize].clone(),
                (false, _) => users[rng.below(USERS) as usize].clone(),
            };
            let resource = documents[rng.below(DOCUMENTS) as usize].clone();
            let expires = (rng.below(10) < 3).then(|| {
                now() + chrono::Duration::seconds(rng.below(60 * 86_400) as i64 - 30 * 86_400)
            });
            Share::new(
                format!("s{i}").parse().unwrap(),
                resource,
                owner.clone(),
                recipient,
                levels[(i % 3) as usize],
                now() - chrono::Duration::days(60),
            )
            .with_expiry(expires)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let n: u64 = std::env::var("SHARES").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let owner: PrincipalId = "owner".parse().unwrap();
    // Bulk load (`MemoryStore::load`, no log entries): the store the benches use.
    // Resident memory is read before the shares are made, so that it counts them (`load`
    // keeps the values it is given, and their `Vec` is freed).
    let before = resident();
    let all = shares(n);
    let start = Instant::now();
    let store = MemoryStore::load(all).unwrap();
    let load = start.elapsed();
    let bytes = resident().saturating_sub(before);
    eprintln!(
        "store: MemoryStore::load of {n} shares in {load:.2?} ({:.0} ns a share), resident +{} MiB = {:.0} bytes a share (shares and indexes)",
        load.as_nanos() as f64 / n as f64,
        bytes >> 20,
        bytes as f64 / n as f64
    );
    // The same shares one `create` at a time (each logged), for comparison; then dropped.
    let all = shares(n);
    let one_by_one = MemoryStore::new();
    let start = Instant::now();
    for share in all {
        block_on(one_by_one.create(share, &owner, now())).unwrap();
    }
    eprintln!("store: {n} shares one `create` at a time (each logged) in {:.2?}", start.elapsed());
    drop(one_by_one);

    let bob = Principal::builder("bob", PrincipalKind::Internal)
        .group("bobs0")
        .group("bobs1")
        .group("all-staff")
        .build()
        .unwrap();
    let reach = block_on(store.shares_reaching(&bob, false, &Page::first(50))).unwrap();
    assert_eq!(reach.total as u64, n / 1000);
    assert_eq!(reach.items.len(), 50.min(reach.total));
    // The cursor after the 500th item, for a page in the middle.
    let middle = block_on(store.shares_reaching(&bob, false, &Page::first(500))).unwrap().next;
    let middle = Page::first(50).then(middle);

    let mut g = c.benchmark_group("store");
    g.sample_size(30)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));

    g.bench_function("shared_with, first page of 50 of 1000", |b| {
        b.iter(|| {
            block_on(store.shares_reaching(black_box(&bob), false, &Page::first(50))).unwrap()
        })
    });
    g.bench_function("shared_with, page of 50 at 500 of 1000", |b| {
        b.iter(|| block_on(store.shares_reaching(black_box(&bob), false, &middle)).unwrap())
    });

    let mut rng = Rng(9);
    g.bench_function("get", |b| {
        b.iter_batched(
            || format!("s{}", rng.below(n)).parse().unwrap(),
            |id| block_on(store.get(&id)).unwrap(),
            BatchSize::SmallInput,
        )
    });

    let fresh = Cell::new(0u64);
    g.bench_function("create", |b| {
        b.iter_batched(
            || {
                let i = fresh.get();
                fresh.set(i + 1);
                Share::new(
                    format!("new{i}").parse().unwrap(),
                    format!("document:d{}", i % DOCUMENTS).parse().unwrap(),
                    owner.clone(),
                    Recipient::User { id: format!("u{}", i % USERS).parse().unwrap() },
                    AccessLevel::Viewer,
                    now(),
                )
            },
            |share| block_on(store.create(share, &owner, now())).unwrap(),
            BatchSize::SmallInput,
        )
    });

    let target = "s12345".parse().unwrap();
    let version = Cell::new(block_on(store.get(&target)).unwrap().unwrap().version());
    let patches = [
        SharePatch { access: Some(Level::Editor), ..SharePatch::default() },
        SharePatch { access: Some(Level::Viewer), ..SharePatch::default() },
    ];
    g.bench_function("update with version", |b| {
        b.iter(|| {
            let v = version.get();
            let next =
                block_on(store.update(&target, v, &patches[(v % 2) as usize], &owner, now()))
                    .unwrap();
            version.set(next.share.version());
        })
    });

    let busy: ResourceRef = "document:d777".parse().unwrap();
    let on = block_on(store.who_has_access(&busy, now())).unwrap().len();
    g.bench_function(format!("who_has_access, {on} shares on the resource"), |b| {
        b.iter(|| block_on(store.who_has_access(black_box(&busy), now())).unwrap())
    });

    // The facade: authorise with the policy (alice owns the folders), create, log. Spread
    // over 1 000 folders so that no resource piles up shares while criterion iterates.
    let mut tree = Hierarchy::new();
    let folders: Vec<ResourceRef> =
        (0..1000).map(|f| format!("folder:f{f}").parse().unwrap()).collect();
    for folder in &folders {
        tree.add(folder.clone(), None, Some("alice".parse().unwrap())).unwrap();
    }
    let admin = Admin::new(&store, tree, Policy::default());
    let alice = Principal::builder("alice", PrincipalKind::Internal).build().unwrap();
    let next_user = Cell::new(0u64);
    g.bench_function("Admin::create (policy, store, log)", |b| {
        b.iter_batched(
            || {
                let i = next_user.get();
                next_user.set(i + 1);
                NewShare::new(
                    folders[(i % 1000) as usize].clone(),
                    Recipient::User { id: format!("u{i}").parse().unwrap() },
                    AccessLevel::Editor,
                )
            },
            |new| block_on(admin.create(&alice, new, now())).unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
