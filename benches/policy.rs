//! One access check over a realistic path: a document in a folder, with ~10 shares on the
//! path (users, groups, roles, the organisation, an expired one, a restrict for someone
//! else), and the same with 1 000 shares on the folder.
//!
//! Targets (issue 8): median ≤ 1 µs at 10 shares, ≤ 20 µs at 1 000. See BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::hint::black_box;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use shareguard::policy::{Node, ShareList};
use shareguard::{
    AccessLevel, Permission, Policy, Principal, PrincipalKind, Recipient, ResourceRef, Share,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
}

fn share(id: usize, resource: &str, recipient: Recipient, access: AccessLevel) -> Share {
    Share::new(
        format!("s{id}").parse().unwrap(),
        resource.parse().unwrap(),
        "owner".parse().unwrap(),
        recipient,
        access,
        now() - chrono::Duration::days(30),
    )
}

fn user(id: &str) -> Recipient {
    Recipient::User { id: id.parse().unwrap() }
}
fn group(id: &str) -> Recipient {
    Recipient::Group { id: id.parse().unwrap() }
}
fn role(id: &str) -> Recipient {
    Recipient::Role { id: id.parse().unwrap() }
}

/// bob: internal, in four groups (two through nesting), with a role reporting to two others.
fn bob() -> Principal {
    Principal::builder("bob", PrincipalKind::Internal)
        .group("eng")
        .group("backend")
        .group("all-staff")
        .group("berlin")
        .role("engineer")
        .reports_to("eng-lead")
        .reports_to("cto")
        .email("bob@corp.example")
        .build()
        .unwrap()
}

/// The document's shares (3) and the folder's (7): bob edits through the folder's group share.
fn realistic() -> (Vec<Share>, Vec<Share>) {
    let d = "document:d1";
    let f = "folder:f1";
    let doc = vec![
        share(1, d, user("carol"), AccessLevel::Commenter),
        share(2, d, group("sales"), AccessLevel::Viewer),
        share(3, d, role("designer"), AccessLevel::Viewer),
    ];
    let mut expired = share(4, f, user("bob"), AccessLevel::Manager);
    expired = expired.with_expiry(Some(now() - chrono::Duration::days(1)));
    let folder = vec![
        expired,
        share(5, f, user("dave"), AccessLevel::Manager),
        share(
            6,
            f,
            Recipient::RoleAndSubordinates { id: "cfo".parse().unwrap() },
            AccessLevel::Viewer,
        ),
        share(7, f, group("marketing"), AccessLevel::Commenter),
        share(8, f, user("erin"), AccessLevel::Restrict),
        share(9, f, group("eng"), AccessLevel::Editor)
            .with_expiry(Some(now() + chrono::Duration::days(7))),
        share(10, f, Recipient::Organization, AccessLevel::Viewer),
    ];
    (doc, folder)
}

/// 1 000 shares on the folder, to other users and groups; bob's group share is the last.
fn crowded() -> Vec<Share> {
    let f = "folder:f1";
    let levels = [AccessLevel::Viewer, AccessLevel::Commenter, AccessLevel::Editor];
    let mut shares: Vec<Share> = (0..999)
        .map(|i| {
            let recipient =
                if i % 3 == 0 { group(&format!("team{i}")) } else { user(&format!("user{i}")) };
            share(100 + i, f, recipient, levels[i % 3])
        })
        .collect();
    shares.push(share(2000, f, group("eng"), AccessLevel::Editor));
    shares
}

fn bench(c: &mut Criterion) {
    let policy = Policy::default();
    let bob = bob();
    let (doc_res, folder_res): (ResourceRef, ResourceRef) =
        ("document:d1".parse().unwrap(), "folder:f1".parse().unwrap());
    let alice = "alice".parse().unwrap();
    let (doc, folder) = realistic();
    let path = [Node::new(&doc_res, None, &doc), Node::new(&folder_res, Some(&alice), &folder)];
    assert!(policy.check(&bob, Permission::Edit, &path, now()).is_allowed());
    assert!(!policy.check(&bob, Permission::Delete, &path, now()).is_allowed());

    let mut g = c.benchmark_group("policy");
    g.sample_size(50)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    g.bench_function("check allowed, 10 shares on the path", |b| {
        b.iter(|| policy.check(black_box(&bob), Permission::Edit, black_box(&path), now()))
    });
    g.bench_function("check denied, 10 shares on the path", |b| {
        b.iter(|| policy.check(black_box(&bob), Permission::Delete, black_box(&path), now()))
    });
    g.bench_function("permissions, 10 shares on the path", |b| {
        b.iter(|| policy.permissions(black_box(&bob), black_box(&path), now()))
    });

    let many = crowded();
    let crowded_path =
        [Node::new(&doc_res, None, &doc), Node::new(&folder_res, Some(&alice), &many)];
    assert!(policy.check(&bob, Permission::Edit, &crowded_path, now()).is_allowed());
    g.bench_function("check allowed, 1000 shares on the folder", |b| {
        b.iter(|| policy.check(black_box(&bob), Permission::Edit, black_box(&crowded_path), now()))
    });
    g.bench_function("check denied, 1000 shares on the folder", |b| {
        b.iter(|| {
            policy.check(black_box(&bob), Permission::Delete, black_box(&crowded_path), now())
        })
    });

    // The same shares kept in `ShareList`s: the index rules out the shares to other users
    // and groups without reading them.
    let (doc_list, many_list): (ShareList, ShareList) =
        (doc.iter().cloned().collect(), many.iter().cloned().collect());
    let listed_path = [
        Node::listed(&doc_res, None, &doc_list),
        Node::listed(&folder_res, Some(&alice), &many_list),
    ];
    assert!(policy.check(&bob, Permission::Edit, &listed_path, now()).is_allowed());
    g.bench_function("check allowed, 1000 shares on the folder, listed", |b| {
        b.iter(|| policy.check(black_box(&bob), Permission::Edit, black_box(&listed_path), now()))
    });
    g.bench_function("check denied, 1000 shares on the folder, listed", |b| {
        b.iter(|| policy.check(black_box(&bob), Permission::Delete, black_box(&listed_path), now()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
