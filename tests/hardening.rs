#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! DESIGN.md invariant 10 for the model and the policy: bad or large input gets a typed error
//! naming the field, never a panic, a hang or an abort, and work grows with the input.

use shareguard::model::{Directory, GroupId, RoleId};
use shareguard::{Principal, PrincipalKind};

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

// ------------------------------------------------- the model's time range (0001 to 9999)

mod times {
    use chrono::{DateTime, Duration, SecondsFormat, TimeZone, Utc};
    use shareguard::model::{EARLIEST_TIME, LATEST_TIME, check_time};
    use shareguard::model::{LogEntry, LogEvent, ShareLink, SharePatch};
    use shareguard::policy::Node;
    use shareguard::{
        AccessLevel, NewShare, Policy, Principal, PrincipalKind, Reason, Recipient, Settings, Share,
    };

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    fn ns(n: i64) -> Duration {
        Duration::nanoseconds(n)
    }

    fn share() -> Share {
        Share::new(
            "s1".parse().unwrap(),
            "folder:f1".parse().unwrap(),
            "alice".parse().unwrap(),
            Recipient::User { id: "bob".parse().unwrap() },
            AccessLevel::Viewer,
            t0(),
        )
    }

    fn new_share(expires: DateTime<Utc>) -> NewShare {
        NewShare::new(
            "folder:f1".parse().unwrap(),
            Recipient::User { id: "bob".parse().unwrap() },
            AccessLevel::Viewer,
        )
        .expires(expires)
    }

    /// One instant past each end of the range: year 10000 and year 0.
    fn outside() -> [DateTime<Utc>; 2] {
        [LATEST_TIME + ns(1), EARLIEST_TIME - ns(1)]
    }

    #[test]
    fn the_range_is_year_1_to_year_9999_to_the_nanosecond() {
        let text = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        assert_eq!(text(EARLIEST_TIME), "0001-01-01T00:00:00Z");
        assert_eq!(text(LATEST_TIME), "9999-12-31T23:59:59.999999999Z");
        assert_eq!(check_time("expires", EARLIEST_TIME), Ok(EARLIEST_TIME));
        assert_eq!(check_time("expires", LATEST_TIME), Ok(LATEST_TIME));
        for t in outside() {
            assert_eq!(check_time("expires", t).unwrap_err().field(), "expires");
        }
    }

    #[test]
    fn a_new_share_expiring_outside_the_range_is_refused_naming_expires() {
        for t in outside() {
            let err = Share::from_new(
                "s1".parse().unwrap(),
                "alice".parse().unwrap(),
                &new_share(t),
                t0(),
            )
            .unwrap_err();
            assert_eq!(err.field(), "expires", "{err}");
        }
        let at_the_end = new_share(LATEST_TIME);
        let made =
            Share::from_new("s1".parse().unwrap(), "alice".parse().unwrap(), &at_the_end, t0());
        assert_eq!(made.unwrap().expires(), Some(LATEST_TIME));
        // Created at either end of the range, and no further.
        let plain = NewShare::new(
            "folder:f1".parse().unwrap(),
            Recipient::Organization,
            AccessLevel::Viewer,
        );
        for created in [EARLIEST_TIME, LATEST_TIME] {
            assert!(
                Share::from_new("s1".parse().unwrap(), "alice".parse().unwrap(), &plain, created)
                    .is_ok()
            );
        }
        for created in outside() {
            let err =
                Share::from_new("s1".parse().unwrap(), "alice".parse().unwrap(), &plain, created)
                    .unwrap_err();
            assert_eq!(err.field(), "created");
        }
    }

    #[test]
    fn creating_a_share_expiring_after_year_9999_is_invalid_naming_expires() {
        let doc = "folder:f1".parse().unwrap();
        let alice: shareguard::model::PrincipalId = "alice".parse().unwrap();
        let path = [Node::new(&doc, Some(&alice), &[])];
        let owner = Principal::builder("alice", PrincipalKind::Internal).build().unwrap();
        let policy = Policy::default();
        let d = policy.check_create(&owner, &new_share(LATEST_TIME + ns(1)), &path, t0());
        assert_eq!(d.reason(), Reason::Invalid);
        assert!(d.evidence().detail.as_deref().unwrap_or("").starts_with("expires: "), "{d:?}");
        assert!(policy.check_create(&owner, &new_share(LATEST_TIME), &path, t0()).is_allowed());
    }

    #[test]
    fn a_patch_expiring_outside_the_range_is_refused_naming_expires() {
        for t in outside() {
            let patch = SharePatch { expires: Some(Some(t)), ..SharePatch::default() };
            assert_eq!(share().patched(&patch).unwrap_err().field(), "expires");
        }
        for t in [EARLIEST_TIME, LATEST_TIME] {
            let patch = SharePatch { expires: Some(Some(t)), ..SharePatch::default() };
            assert_eq!(share().patched(&patch).unwrap().0.expires(), Some(t));
        }
    }

    #[test]
    fn a_json_share_with_a_time_outside_the_range_is_refused_naming_the_field() {
        let json = |created: &str, expires: &str| {
            format!(
                r#"{{"id":"s1","resource":"folder:f1","sharer":"alice","recipient":{{"type":"public"}},
                "access":"viewer","created":"{created}","expires":"{expires}"}}"#
            )
        };
        // RFC 3339 writes four-digit years, but an offset carries a time past either end.
        let late = "9999-12-31T23:59:59-01:00"; // 10000-01-01T00:59:59Z
        let early = "0001-01-01T00:00:00+01:00"; // 0000-12-31T23:00:00Z
        for bad in [late, early] {
            let err =
                serde_json::from_str::<Share>(&json("2026-03-01T12:00:00Z", bad)).unwrap_err();
            assert!(err.to_string().starts_with("expires: "), "{err}");
            let err =
                serde_json::from_str::<Share>(&json(bad, "2026-04-01T12:00:00Z")).unwrap_err();
            assert!(err.to_string().starts_with("created: "), "{err}");
        }
        let edges = json("0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z");
        let share: Share = serde_json::from_str(&edges).unwrap();
        assert_eq!((share.created(), share.expires()), (EARLIEST_TIME, Some(LATEST_TIME)));
        let visited = r#"{"id":"s1","resource":"folder:f1","sharer":"alice","recipient":{"type":"public"},
            "access":"viewer","created":"2026-03-01T12:00:00Z","usage":{"last_visit":"9999-12-31T23:00:00-01:00"}}"#;
        let err = serde_json::from_str::<Share>(visited).unwrap_err();
        assert!(err.to_string().starts_with("last_visit: "), "{err}");
    }

    #[test]
    fn a_log_entry_with_a_time_outside_the_range_is_refused_naming_at() {
        let entry = LogEntry {
            revision: shareguard::model::Revision::new(1),
            share: Some("s1".parse().unwrap()),
            resource: "folder:f1".parse().unwrap(),
            actor: "alice".parse().unwrap(),
            at: LATEST_TIME,
            event: LogEvent::Created,
        };
        let json = serde_json::to_value(&entry).unwrap();
        assert_eq!(serde_json::from_value::<LogEntry>(json.clone()).unwrap(), entry);
        let mut late = json;
        late["at"] = "9999-12-31T23:59:59-01:00".into();
        let err = serde_json::from_value::<LogEntry>(late).unwrap_err();
        assert!(err.to_string().starts_with("at: "), "{err}");
    }

    fn link_settings(days: u32) -> Policy {
        Policy::new(Settings { max_link_lifetime_days: Some(days), ..Settings::default() })
    }

    #[test]
    fn a_link_lifetime_near_u32_max_does_not_panic_and_still_needs_an_expiry() {
        let doc = "folder:f1".parse().unwrap();
        let alice: shareguard::model::PrincipalId = "alice".parse().unwrap();
        let path = [Node::new(&doc, Some(&alice), &[])];
        let owner = Principal::builder("alice", PrincipalKind::Internal).build().unwrap();
        let token = shareguard::model::LinkToken::generate().unwrap();
        let link = |expires: Option<DateTime<Utc>>| {
            let new = NewShare::new(
                doc.clone(),
                Recipient::Link(ShareLink::new(&token, false)),
                AccessLevel::Viewer,
            );
            match expires {
                Some(t) => new.expires(t),
                None => new,
            }
        };
        // 3 000 000 days from 2026 ends after year 9999 but is representable; u32::MAX days is not.
        for days in [u32::MAX, u32::MAX - 1, 3_000_000] {
            let policy = link_settings(days);
            let none = policy.check_create(&owner, &link(None), &path, t0());
            assert_eq!(none.reason(), Reason::Setting, "{days}: {none:?}");
            assert_eq!(none.evidence().setting.as_deref(), Some("max_link_lifetime_days"));
            assert!(
                none.evidence()
                    .detail
                    .as_deref()
                    .unwrap_or("")
                    .contains("9999-12-31T23:59:59.999999999")
            );
            for t in [t0() + Duration::days(1), LATEST_TIME] {
                assert!(
                    policy.check_create(&owner, &link(Some(t)), &path, t0()).is_allowed(),
                    "{days}, {t}"
                );
            }
            // Changing a link share goes through the same limit.
            let current = Share::from_new(
                "s1".parse().unwrap(),
                alice.clone(),
                &link(Some(t0() + Duration::days(1))),
                t0(),
            )
            .unwrap();
            let lift = SharePatch { expires: Some(None), ..SharePatch::default() };
            let d = policy.check_update(&owner, &current, &lift, &path, t0());
            assert_eq!(d.reason(), Reason::Setting, "{days}: {d:?}");
            let later = SharePatch { expires: Some(Some(LATEST_TIME)), ..SharePatch::default() };
            assert!(policy.check_update(&owner, &current, &later, &path, t0()).is_allowed());
        }
        // A small lifetime still limits as before.
        let d = link_settings(30).check_create(
            &owner,
            &link(Some(t0() + Duration::days(31))),
            &path,
            t0(),
        );
        assert_eq!(d.reason(), Reason::Setting);
        assert!(
            link_settings(30)
                .check_create(&owner, &link(Some(t0() + Duration::days(30))), &path, t0())
                .is_allowed()
        );
    }

    #[cfg(feature = "interop")]
    #[test]
    fn a_scenario_with_a_time_outside_the_range_is_refused_at_its_place() {
        use shareguard::scenario::Scenario;
        let doc = |now: &str, expires: &str| {
            format!(
                r#"{{"now": "{now}",
                  "resources": [ {{ "id": "folder:f1", "owner": "alice" }} ],
                  "shares": [ {{ "id": "s1", "resource": "folder:f1", "sharer": "alice",
                    "recipient": {{ "type": "public" }}, "access": "viewer", "expires": "{expires}" }} ]}}"#
            )
        };
        let late = "9999-12-31T23:59:59-01:00";
        let err = Scenario::from_json(&doc(late, "2026-04-01T00:00:00Z")).unwrap_err();
        assert_eq!(err.path, "$.now", "{err}");
        assert!(err.message.starts_with("now: "), "{err}");
        let err = Scenario::from_json(&doc("2026-03-01T12:00:00Z", late)).unwrap_err();
        assert_eq!(err.path, "$.shares[0].expires", "{err}");
        assert!(err.message.starts_with("expires: "), "{err}");
        assert!(
            Scenario::from_json(&doc("2026-03-01T12:00:00Z", "9999-12-31T23:59:59.999999999Z"))
                .is_ok()
        );
    }

    #[cfg(feature = "proptest")]
    mod props {
        use proptest::prelude::*;
        use shareguard::{Share, arbitrary};

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]
            #[test]
            fn a_share_anywhere_in_the_time_range_reads_back_from_json_as_it_was(share in arbitrary::share_in_range()) {
                let json = serde_json::to_string(&share).unwrap();
                let back: Share = serde_json::from_str(&json).unwrap();
                prop_assert_eq!(back, share);
            }
        }
    }
}
