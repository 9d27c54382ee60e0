#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(feature = "interop")]
//! The scenario files of `tests/scenarios/` (SEMANTICS.md section 7), run through
//! `Scenario`; and the runner's refusal of malformed documents.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use shareguard::scenario::{Scenario, ScenarioError};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios")
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_scenario_passes() {
    let files = json_files(&dir());
    assert!(files.len() >= 12, "expected the seed and section scenarios, found {files:?}");
    let mut failures = Vec::new();
    let mut total = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let scenario =
            Scenario::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let report = scenario.run().unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(!report.results.is_empty(), "{}: no checks", file.display());
        total += report.results.len();
        failures.extend(
            report
                .results
                .iter()
                .filter(|r| !r.passed)
                .map(|r| format!("{r} [{}]", file.display())),
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {total} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_wrong_expectation_fails() {
    let text = std::fs::read_to_string(dir().join("section2_levels.json")).unwrap();
    let right = Scenario::from_json(&text).unwrap().run().unwrap();
    assert_eq!(right.failed(), 0);
    // the first check of the file expects exactly nothing for the `none` level: expect `view`
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["checks"][0]["expect_permissions"] = serde_json::json!(["view"]);
    let wrong = Scenario::from_json(&doc.to_string()).unwrap().run().unwrap();
    assert_eq!(wrong.failed(), 1);
    assert!(!wrong.results[0].passed);
    assert_eq!(wrong.passed(), right.passed() - 1);
    // and a decision check expecting the wrong reason
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let first_decision =
        doc["checks"].as_array().unwrap().iter().position(|c| c.get("reason").is_some()).unwrap();
    doc["checks"][first_decision]["reason"] = serde_json::json!("owner");
    let wrong = Scenario::from_json(&doc.to_string()).unwrap().run().unwrap();
    assert_eq!(wrong.failed(), 1);
    assert!(!wrong.results[first_decision].passed);
}

#[test]
fn the_failing_folder_fails() {
    for file in json_files(&dir().join("failing")) {
        let text = std::fs::read_to_string(&file).unwrap();
        let report = Scenario::from_json(&text).unwrap().run().unwrap();
        assert!(report.failed() > 0, "{} should fail", file.display());
    }
}

#[test]
fn the_bad_folder_is_refused() {
    let files = json_files(&dir().join("bad"));
    assert!(!files.is_empty());
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let e = Scenario::from_json(&text)
            .and_then(|s| s.run())
            .expect_err(&file.display().to_string());
        assert!(e.path.starts_with('$'), "{}: {e}", file.display());
    }
}

const BASE: &str = r#"{
  "now": "2026-03-01T12:00:00Z",
  "groups": [ { "id": "eng", "member_of": ["staff"] } ],
  "roles": [ { "id": "vp", "reports_to": "ceo" } ],
  "principals": [ { "id": "bob", "groups": ["eng"], "role": "vp" } ],
  "resources": [ { "id": "folder:f1", "owner": "alice" }, { "id": "document:d1", "parent": "folder:f1" } ],
  "shares": [ { "id": "s1", "resource": "folder:f1", "sharer": "alice",
                "recipient": { "type": "group", "id": "eng" }, "access": "viewer" } ],
  "checks": [ { "principal": "bob", "action": "view", "resource": "document:d1", "expect": "allow", "reason": "share" } ]
}"#;

/// The base document with `f` applied to it.
fn edited(f: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut doc: serde_json::Value = serde_json::from_str(BASE).unwrap();
    f(&mut doc);
    doc.to_string()
}

fn refused(text: &str) -> ScenarioError {
    match Scenario::from_json(text) {
        Ok(s) => panic!("accepted, ran to {:?}", s.run().map(|r| r.failed())),
        Err(e) => e,
    }
}

#[track_caller]
fn refused_at(text: &str, path: &str, words: &str) {
    let e = refused(text);
    assert_eq!(e.path, path, "{e}");
    assert!(e.message.contains(words), "{e}: should say {words:?}");
    assert!(e.to_string().starts_with(path), "{e}");
}

#[test]
fn the_base_document_is_good() {
    let report = Scenario::from_json(BASE).unwrap().run().unwrap();
    assert_eq!((report.passed(), report.failed()), (1, 0));
}

#[test]
fn an_unknown_field_is_named() {
    refused_at(&edited(|d| d["colour"] = "blue".into()), "$.colour", "colour");
    refused_at(
        &edited(|d| d["shares"][0]["colour"] = "blue".into()),
        "$.shares[0].colour",
        "colour",
    );
    refused_at(
        &edited(|d| d["principals"][0]["group"] = serde_json::json!(["eng"])),
        "$.principals[0].group",
        "group",
    );
    refused_at(
        &edited(|d| d["checks"][0]["expected"] = "allow".into()),
        "$.checks[0].expected",
        "expected",
    );
}

#[test]
fn an_unknown_access_level_is_named() {
    refused_at(
        &edited(|d| d["shares"][0]["access"] = "varies".into()),
        "$.shares[0].access",
        "varies",
    );
    refused_at(
        &edited(|d| {
            d["checks"][0] = serde_json::json!({ "principal": "bob", "update": { "share": "s1", "access": "owner" }, "expect": "deny" });
        }),
        "$.checks[0].update.access",
        "owner",
    );
}

#[test]
fn an_unknown_recipient_type_is_named() {
    refused_at(
        &edited(|d| {
            d["shares"][0]["recipient"] = serde_json::json!({ "type": "team", "id": "eng" })
        }),
        "$.shares[0].recipient.type",
        "team",
    );
    refused_at(
        &edited(|d| d["shares"][0]["recipient"] = serde_json::json!({ "type": "group" })),
        "$.shares[0].recipient",
        "id",
    );
}

#[test]
fn unknown_names_elsewhere_are_named() {
    refused_at(&edited(|d| d["checks"][0]["action"] = "own".into()), "$.checks[0].action", "own");
    refused_at(
        &edited(|d| d["checks"][0]["reason"] = "because".into()),
        "$.checks[0].reason",
        "because",
    );
    refused_at(
        &edited(|d| d["principals"][0]["kind"] = "robot".into()),
        "$.principals[0].kind",
        "robot",
    );
    refused_at(
        &edited(|d| d["shares"][0]["reshare"] = serde_json::json!(["everyone"])),
        "$.shares[0].reshare",
        "everyone",
    );
}

#[test]
fn a_reference_to_an_unknown_share_is_named() {
    refused_at(
        &edited(|d| {
            d["checks"][0] = serde_json::json!({ "principal": "bob", "share_action": "read", "share": "s9", "expect": "allow" });
        }),
        "$.checks[0].share",
        "s9",
    );
    refused_at(
        &edited(|d| {
            d["checks"][0] = serde_json::json!({ "principal": "bob", "update": { "share": "s9", "access": "viewer" }, "expect": "deny" });
        }),
        "$.checks[0].update.share",
        "s9",
    );
}

#[test]
fn a_reference_to_an_unknown_resource_is_named() {
    refused_at(
        &edited(|d| d["checks"][0]["resource"] = "document:d9".into()),
        "$.checks[0].resource",
        "document:d9",
    );
    refused_at(
        &edited(|d| d["shares"][0]["resource"] = "folder:f9".into()),
        "$.shares[0].resource",
        "folder:f9",
    );
    refused_at(
        &edited(|d| d["resources"][1]["parent"] = "folder:f9".into()),
        "$.resources[1].parent",
        "folder:f9",
    );
    refused_at(
        &edited(|d| {
            d["checks"][0] = serde_json::json!({ "principal": "bob", "permissions_on": "folder:f9", "expect_permissions": [] });
        }),
        "$.checks[0].permissions_on",
        "folder:f9",
    );
    refused_at(
        &edited(|d| {
            d["checks"][0] = serde_json::json!({ "principal": "bob", "create": { "resource": "folder:f9",
                "recipient": { "type": "user", "id": "carol" }, "access": "viewer" }, "expect": "deny" });
        }),
        "$.checks[0].create.resource",
        "folder:f9",
    );
}

#[test]
fn a_resource_parent_cycle_is_named() {
    let e = refused(&edited(|d| {
        d["resources"] = serde_json::json!([
            { "id": "folder:a", "parent": "folder:b" },
            { "id": "folder:b", "parent": "folder:a" },
            { "id": "folder:f1", "owner": "alice" },
            { "id": "document:d1", "parent": "folder:f1" }
        ]);
    }));
    assert!(e.path.starts_with("$.resources["), "{e}");
    assert!(e.message.contains("cycle"), "{e}");
    let e = refused(&edited(|d| d["resources"][0]["parent"] = "folder:f1".into()));
    assert!(e.path.starts_with("$.resources[0]"), "{e}");
    assert!(e.message.contains("cycle"), "{e}");
}

#[test]
fn a_group_cycle_is_named() {
    let e = refused(&edited(|d| {
        d["groups"] = serde_json::json!([
            { "id": "eng", "member_of": ["staff"] }, { "id": "staff", "member_of": ["eng"] }
        ]);
    }));
    assert_eq!(e.path, "$.groups[0].member_of", "{e}");
    assert!(e.message.contains("cycle eng -> staff -> eng"), "{e}");
}

#[test]
fn a_role_cycle_is_named() {
    let e = refused(&edited(|d| {
        d["roles"] = serde_json::json!([
            { "id": "vp", "reports_to": "ceo" }, { "id": "ceo", "reports_to": "vp" }
        ]);
    }));
    assert_eq!(e.path, "$.roles[0].reports_to", "{e}");
    assert!(e.message.contains("cycle vp -> ceo -> vp"), "{e}");
    let e =
        refused(&edited(|d| d["roles"] = serde_json::json!([{ "id": "vp", "reports_to": "vp" }])));
    assert_eq!(e.path, "$.roles[0].reports_to", "{e}");
}

#[test]
fn a_malformed_time_is_named() {
    refused_at(&edited(|d| d["now"] = "yesterday".into()), "$.now", "expected an RFC 3339 time");
    refused_at(&edited(|d| d["now"] = "2026-02-30T12:00:00Z".into()), "$.now", "RFC 3339");
    refused_at(
        &edited(|d| d["shares"][0]["expires"] = "2026-04-01 00:00".into()),
        "$.shares[0].expires",
        "expected an RFC 3339 time",
    );
    refused_at(
        &edited(|d| {
            d["checks"][0] = serde_json::json!({ "principal": "bob", "update": { "share": "s1", "expires": "soon" }, "expect": "deny" });
        }),
        "$.checks[0].update.expires",
        "RFC 3339",
    );
}

#[test]
fn wrong_json_types_are_named() {
    refused_at(&edited(|d| d["now"] = 1_767_225_600.into()), "$.now", "");
    refused_at(
        &edited(|d| d["shares"] = serde_json::json!({ "id": "s1" })),
        "$.shares",
        "sequence",
    );
    refused_at(
        &edited(|d| d["principals"][0]["groups"] = "eng".into()),
        "$.principals[0].groups",
        "sequence",
    );
    refused_at(&edited(|d| d["checks"][0]["expect"] = true.into()), "$.checks[0].expect", "");
    refused_at(
        &edited(|d| d["settings"] = serde_json::json!({ "allow_links": "yes" })),
        "$.settings.allow_links",
        "boolean",
    );
    refused("[]");
    refused("null");
    refused("\"scenario\"");
}

#[test]
fn truncated_json_is_refused() {
    for cut in [1, 10, BASE.len() / 2, BASE.len() - 1] {
        let e = refused(&BASE[..cut]);
        assert!(e.path.starts_with('$'), "{e}");
        assert!(e.message.contains("EOF") || e.message.contains("line"), "{e}");
    }
    refused("");
}

#[test]
fn a_malformed_world_share_is_an_error_of_the_file() {
    let e = refused(&edited(|d| d["shares"][0]["access"] = "custom".into()));
    assert!(e.path.starts_with("$.shares[0]"), "{e}");
    let e = refused(&edited(|d| {
        let first = d["shares"][0].clone();
        d["shares"].as_array_mut().unwrap().push(first);
    }));
    assert!(e.path.starts_with("$.shares[1]"), "{e}");
}

#[test]
fn a_check_must_ask_one_question() {
    refused_at(&edited(|d| d["checks"][0]["share"] = "s1".into()), "$.checks[0]", "exactly one");
    refused_at(
        &edited(|d| d["checks"][0].as_object_mut().unwrap().remove("expect").map(|_| ()).unwrap()),
        "$.checks[0].expect",
        "missing",
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in ".*") {
        let _ = Scenario::from_json(&text).map(|s| s.run());
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_value()) {
        let _ = Scenario::from_json(&value.to_string()).map(|s| s.run());
    }

    #[test]
    fn arbitrary_edits_of_a_scenario_never_panic(path in prop::collection::vec(0usize..8, 1..4), value in json_value()) {
        let mut doc: serde_json::Value = serde_json::from_str(BASE).unwrap();
        replace_at(&mut doc, &path, value);
        let _ = Scenario::from_json(&doc.to_string()).map(|s| s.run());
    }
}

/// Replaces the node reached by following `path` (each step an index into an object's
/// fields or an array's items, modulo its length) with `value`.
fn replace_at(doc: &mut serde_json::Value, path: &[usize], value: serde_json::Value) {
    let Some((step, rest)) = path.split_first() else {
        *doc = value;
        return;
    };
    let child = match doc {
        serde_json::Value::Object(map) if !map.is_empty() => {
            let n = map.len();
            map.values_mut().nth(step % n)
        }
        serde_json::Value::Array(items) if !items.is_empty() => {
            let n = items.len();
            items.get_mut(step % n)
        }
        _ => None,
    };
    match child {
        Some(child) => replace_at(child, rest, value),
        None => *doc = value,
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let names = prop::sample::select(vec![
        "now",
        "checks",
        "shares",
        "principals",
        "resources",
        "groups",
        "roles",
        "settings",
        "id",
        "access",
        "recipient",
        "type",
        "principal",
        "action",
        "resource",
        "expect",
        "custom",
        "restrict",
        "link",
        "folder:f1",
        "2026-03-01T12:00:00Z",
        "s1",
        "user",
        "parent",
    ])
    .prop_map(str::to_owned);
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        names.clone().prop_map(serde_json::Value::from),
        ".{0,12}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map(names.clone(), inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}
