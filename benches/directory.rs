//! Group and role resolution at sizes that used to abort or never finish (DESIGN.md
//! invariant 10: work grows with the input): 100 000 nested groups, a 40-level 2-wide ladder
//! (2^40 paths from bottom to top), and a 100 000 role chain. See BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use shareguard::model::{Directory, GroupId, RoleId};
use shareguard::{Principal, PrincipalKind};

const CHAIN: usize = 100_000;
const LADDER: usize = 40;

fn group(i: usize) -> GroupId {
    format!("g{i}").parse().unwrap()
}

fn role(i: usize) -> RoleId {
    format!("r{i}").parse().unwrap()
}

/// g0 member_of g1 member_of … g{n-1}.
fn nested_groups(n: usize) -> Directory {
    let mut dir = Directory::new();
    for i in 0..n {
        dir.add_group(group(i), (i + 1 < n).then(|| group(i + 1)));
    }
    dir
}

/// `levels` levels of two groups, each a member of both groups of the level above.
fn ladder(levels: usize) -> Directory {
    let name = |side: &str, i: usize| -> GroupId { format!("{side}{i}").parse().unwrap() };
    let mut dir = Directory::new();
    for i in 0..levels {
        let up: Vec<GroupId> =
            if i + 1 < levels { vec![name("a", i + 1), name("b", i + 1)] } else { vec![] };
        dir.add_group(name("a", i), up.clone());
        dir.add_group(name("b", i), up);
    }
    dir
}

/// r0 reports to r1 … reports to r{n-1}.
fn role_chain(n: usize) -> Directory {
    let mut dir = Directory::new();
    for i in 0..n {
        dir.add_role(role(i), (i + 1 < n).then(|| role(i + 1)));
    }
    dir
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("directory");
    g.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));

    let chain = nested_groups(CHAIN);
    let bottom = [group(0)];
    g.bench_function("groups_of, 100000 nested groups", |b| {
        b.iter(|| chain.groups_of(black_box(&bottom)).unwrap().len());
    });
    g.bench_function("check, 100000 nested groups", |b| b.iter(|| chain.check().unwrap()));
    g.bench_function("resolve, 100000 nested groups", |b| {
        b.iter(|| {
            chain
                .resolve(Principal::builder("bob", PrincipalKind::Internal).group(group(0)))
                .unwrap()
        });
    });

    let ladder = ladder(LADDER);
    let rung: [GroupId; 1] = ["a0".parse().unwrap()];
    g.bench_function("groups_of, 40-level 2-wide ladder", |b| {
        b.iter(|| ladder.groups_of(black_box(&rung)).unwrap().len());
    });
    g.bench_function("check, 40-level 2-wide ladder", |b| b.iter(|| ladder.check().unwrap()));

    let roles = role_chain(CHAIN);
    let r0 = role(0);
    g.bench_function("role_chain, 100000 roles", |b| {
        b.iter(|| roles.role_chain(black_box(&r0)).unwrap().len());
    });
    g.bench_function("check, 100000 roles", |b| b.iter(|| roles.check().unwrap()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
