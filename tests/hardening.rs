#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! DESIGN.md invariant 10 for the model and the policy: bad or large input gets a typed error
//! naming the field, never a panic, a hang or an abort, and work grows with the input.

use shareguard::{Directory, GroupId, Principal, PrincipalKind, RoleId};

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

/// `levels` levels of two groups, `a{i}` and `b{i}`, each a member of both groups of the
/// level above: 2^levels paths from the bottom to the top.
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

#[test]
fn sixty_thousand_nested_groups_resolve_without_overflowing_the_stack() {
    let n = 60_000;
    let dir = nested_groups(n);
    dir.check().unwrap();
    let all = dir.groups_of(&[group(0)]).unwrap();
    assert_eq!(all, (0..n).map(group).collect::<Vec<_>>());
    let bob =
        dir.resolve(Principal::builder("bob", PrincipalKind::Internal).group(group(0))).unwrap();
    assert!(bob.in_group(&group(n - 1)));
}

#[test]
fn a_chain_of_one_hundred_thousand_groups_resolves_and_checks() {
    let n = 100_000;
    let dir = nested_groups(n);
    dir.check().unwrap();
    // From the middle: only the groups above.
    let all = dir.groups_of(&[group(n / 2)]).unwrap();
    assert_eq!(all.len(), n / 2);
    assert_eq!(all.last(), Some(&group(n - 1)));
}

#[test]
fn a_forty_level_two_wide_ladder_resolves_to_every_group_above_once() {
    let dir = ladder(40);
    dir.check().unwrap();
    let names: Vec<String> =
        dir.groups_of(&["a0".parse().unwrap()]).unwrap().iter().map(ToString::to_string).collect();
    // Depth first, each group the first time it is reached: down the `a` side, then the
    // `b` group of each level from the top back down.
    let mut expected: Vec<String> = (0..40).map(|i| format!("a{i}")).collect();
    expected.extend((1..40).rev().map(|i| format!("b{i}")));
    assert_eq!(names, expected);
}

#[test]
fn a_ladder_with_a_cycle_at_the_top_is_refused_naming_it() {
    let mut dir = ladder(40);
    dir.add_group("b39".parse().unwrap(), ["a38".parse().unwrap()]);
    let err = dir.check().unwrap_err();
    assert_eq!(err.field(), "groups");
    assert_eq!(err.to_string(), "groups: cycle a38 -> b39 -> a38");
}

#[test]
fn a_sixty_thousand_role_chain_resolves_and_checks() {
    let n = 60_000;
    let dir = role_chain(n);
    dir.check().unwrap();
    let chain = dir.role_chain(&role(0)).unwrap();
    assert_eq!(chain, (1..n).map(role).collect::<Vec<_>>());
    let rita =
        dir.resolve(Principal::builder("rita", PrincipalKind::Internal).role(role(0))).unwrap();
    assert!(rita.has_role_or_reports_to(&role(n - 1)));
    assert_eq!(rita.reports_to().len(), n - 1);
}

#[test]
fn a_cycle_closing_a_long_group_chain_is_named_exactly() {
    let n = 60_000;
    let mut dir = nested_groups(n);
    dir.add_group(group(n - 1), [group(n - 3)]);
    let err = dir.check().unwrap_err();
    let closing = format!("g{} -> g{} -> g{} -> g{}", n - 3, n - 2, n - 1, n - 3);
    assert_eq!(err.to_string(), format!("groups: cycle {closing}"));
    // The same cycle from the bottom of the chain, and the whole chain round.
    assert_eq!(dir.groups_of(&[group(0)]).unwrap_err().to_string(), err.to_string());
    let mut round = nested_groups(n);
    round.add_group(group(n - 1), [group(0)]);
    let err = round.check().unwrap_err();
    let ids: Vec<String> = (0..n).chain([0]).map(|i| format!("g{i}")).collect();
    assert_eq!(err.to_string(), format!("groups: cycle {}", ids.join(" -> ")));
}

#[test]
fn a_cycle_closing_a_long_role_chain_is_named_exactly() {
    let n = 60_000;
    let mut dir = role_chain(n);
    dir.add_role(role(n - 1), Some(role(n - 2)));
    let err = dir.check().unwrap_err();
    assert_eq!(err.to_string(), format!("roles: cycle r{} -> r{} -> r{}", n - 2, n - 1, n - 2));
    assert_eq!(dir.role_chain(&role(0)).unwrap_err().to_string(), err.to_string());
}

#[test]
fn cycles_are_named_as_before_whatever_the_declaration_order() {
    // The first cycle met walking groups in declaration order, each from its own start.
    let mut dir = Directory::new();
    dir.add_group("eng".parse().unwrap(), ["staff".parse().unwrap()]);
    dir.add_group("staff".parse().unwrap(), ["everyone".parse().unwrap()]);
    dir.add_group("everyone".parse().unwrap(), ["eng".parse().unwrap()]);
    assert_eq!(
        dir.check().unwrap_err().to_string(),
        "groups: cycle eng -> staff -> everyone -> eng"
    );
    let mut dir = Directory::new();
    dir.add_group("x".parse().unwrap(), ["ok".parse().unwrap(), "loop1".parse().unwrap()]);
    dir.add_group("ok".parse().unwrap(), ["top".parse().unwrap()]);
    dir.add_group("loop1".parse().unwrap(), ["top".parse().unwrap(), "loop2".parse().unwrap()]);
    dir.add_group("loop2".parse().unwrap(), ["loop1".parse().unwrap()]);
    assert_eq!(dir.check().unwrap_err().to_string(), "groups: cycle loop1 -> loop2 -> loop1");
    // Roles: the chain of the first declared role that meets a cycle.
    let mut dir = Directory::new();
    dir.add_role("a".parse().unwrap(), Some("b".parse().unwrap()));
    dir.add_role("b".parse().unwrap(), Some("c".parse().unwrap()));
    dir.add_role("c".parse().unwrap(), Some("b".parse().unwrap()));
    assert_eq!(dir.check().unwrap_err().to_string(), "roles: cycle b -> c -> b");
}
