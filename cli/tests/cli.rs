#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The built `shareguard` binary, run as CI and a support engineer run it: on the shipped
//! scenarios, the failing and the bad ones, a world, a vendor fixture.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    // The package sits in `cli/` of the workspace; the scenarios and fixtures are the library's.
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

fn shareguard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shareguard")).current_dir(root()).args(args).output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

#[test]
fn test_passes_on_the_shipped_scenarios() {
    let out = shareguard(&["test", "tests/scenarios"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    let last = text.lines().last().unwrap();
    let (passed, rest) = last.split_once(" passed, ").unwrap();
    assert!(passed.parse::<usize>().unwrap() > 100, "{last}");
    assert_eq!(rest, "0 failed");
    // One line per check, each naming its file; the subfolders are not run.
    assert!(text.lines().filter(|l| l.starts_with("ok   #")).count() > 100);
    assert!(!text.contains("failing/") && !text.contains("bad/"));
}

#[test]
fn test_fails_with_1_on_a_wrong_expectation() {
    let out = shareguard(&["test", "tests/scenarios/failing/wrong_expectation.json"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL #1 bob edit folder:f1 -> deny insufficient"), "{text}");
    assert!(text.contains("(expected allow share)"), "{text}");
    assert_eq!(text.lines().last(), Some("1 passed, 1 failed"));
}

#[test]
fn test_refuses_with_2_naming_the_file_and_json_path() {
    let out = shareguard(&["test", "tests/scenarios/bad/unknown_level.json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("tests/scenarios/bad/unknown_level.json"), "{err}");
    assert!(err.contains("$.shares[0].access"), "{err}");
    // A file that cannot be used outweighs a failing one.
    let out = shareguard(&[
        "test",
        "tests/scenarios/failing/wrong_expectation.json",
        "tests/scenarios/bad/unknown_level.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    // Every bad file is refused, none panics.
    let out = shareguard(&["test", "tests/scenarios/bad"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"));
}

#[test]
fn test_refuses_a_missing_path_or_an_empty_folder() {
    let out = shareguard(&["test", "tests/scenarios/no_such.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("tests/scenarios/no_such.json: cannot read"), "{}", stderr(&out));
    let out = shareguard(&["test", "cli/src"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no `*.json` file"), "{}", stderr(&out));
}

#[test]
fn junit_has_a_suite_per_file_and_a_failure_with_expected_and_actual() {
    let out = shareguard(&[
        "test",
        "--format",
        "junit",
        "tests/scenarios/section2_levels.json",
        "tests/scenarios/failing/wrong_expectation.json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let xml = stdout(&out);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "), "{xml}");
    assert!(xml.trim_end().ends_with("</testsuites>"));
    assert_eq!(xml.matches("<testsuite ").count(), 2);
    assert_eq!(xml.matches("<testsuite ").count(), xml.matches("</testsuite>").count());
    assert!(xml.contains("<testsuite name=\"wrong_expectation\""), "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 1);
    assert!(xml.contains("expected: allow share\nactual: deny insufficient"), "{xml}");
    assert!(xml.contains("name=\"#1 bob edit folder:f1\""), "{xml}");
    // The passing suite counts every check as a testcase.
    let cases = xml.matches("<testcase ").count();
    assert!(cases > 3, "{xml}");
    assert!(xml.contains(&format!("tests=\"{cases}\" failures=\"1\" errors=\"0\">")), "{xml}");
}

#[test]
fn junit_shows_an_unusable_file_as_an_error() {
    let out = shareguard(&["test", "--format", "junit", "tests/scenarios/bad/unknown_level.json"]);
    assert_eq!(out.status.code(), Some(2));
    let xml = stdout(&out);
    assert!(xml.contains("<error type=\"unusable\" message=\""), "{xml}");
    assert!(xml.contains("$.shares[0].access"), "{xml}");
    // Backticks and quotes of the message are escaped, not left to break the attribute.
    assert!(!xml.contains("message=\"tests/scenarios/bad/unknown_level.json: $.shares[0].access: unknown variant `varies`\""));
}

#[test]
fn junit_passes_on_the_shipped_scenarios() {
    let out = shareguard(&["test", "--format", "junit", "tests/scenarios"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let xml = stdout(&out);
    assert!(!xml.contains("<failure") && !xml.contains("<error"));
    assert!(xml.matches("<testsuite ").count() >= 12);
}

#[test]
fn json_format_reports_totals_and_each_check() {
    let out =
        shareguard(&["test", "--format", "json", "tests/scenarios/failing/wrong_expectation.json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((report["passed"].as_u64(), report["failed"].as_u64()), (Some(1), Some(1)));
    let failed = &report["files"][0]["checks"][1];
    assert_eq!(failed["passed"], false);
    assert_eq!(failed["expected"]["expect"], "allow");
    assert_eq!(failed["actual"]["decision"]["reason"], "insufficient");
}

#[test]
fn check_explains_a_decision_with_reason_and_evidence() {
    let world = "tests/scenarios/semantics_section7_example.json";
    let out = shareguard(&[
        "check",
        "--world",
        world,
        "--principal",
        "bob",
        "--action",
        "edit",
        "--resource",
        "document:d1",
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(text.contains("decision: allow\nreason:   share\n"), "{text}");
    assert!(text.contains("  share:       s1\n  resource:    folder:f1\n"), "{text}");

    let out = shareguard(&[
        "check",
        "--world",
        world,
        "--principal",
        "bob",
        "--share-action",
        "delete",
        "--share",
        "s1",
    ]);
    assert_eq!(out.status.code(), Some(1), "a denial exits 1");
    assert!(stdout(&out).contains("decision: deny\nreason:   not_permitted\n"), "{}", stdout(&out));

    let out = shareguard(&[
        "check",
        "--world",
        world,
        "--principal",
        "bob",
        "--json",
        "--permissions-on",
        "document:d1",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(answer["answer"]["permissions"].as_array().unwrap().iter().any(|p| p == "edit"));
}

#[test]
fn check_refuses_an_unknown_resource_or_a_half_question() {
    let world = "tests/scenarios/semantics_section7_example.json";
    let out = shareguard(&[
        "check",
        "--world",
        world,
        "--principal",
        "bob",
        "--action",
        "edit",
        "--resource",
        "document:nope",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--resource: unknown resource `document:nope`"),
        "{}",
        stderr(&out)
    );
    // `--action` without `--resource`: clap's usage error, exit 2.
    let out = shareguard(&["check", "--world", world, "--principal", "bob", "--action", "edit"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--resource"), "{}", stderr(&out));
    // A bad world names the file and the JSON path.
    let out = shareguard(&[
        "check",
        "--world",
        "tests/scenarios/bad/unknown_level.json",
        "--principal",
        "bob",
        "--permissions-on",
        "room:r1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown_level.json: $.shares[0].access"), "{}", stderr(&out));
}

#[test]
fn convert_reads_a_seed_fixture_into_the_model_and_out_to_a_vendor() {
    let out = shareguard(&[
        "convert",
        "--from",
        "filr",
        "--to",
        "model",
        "tests/fixtures/filr_share_list.json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let shares: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shares[0]["resource"], "folderEntry:10");
    assert_eq!(shares[0]["recipient"]["email"], "siguat@gmail.com");

    let context =
        ["--resource", "room:2330", "--sharer", "005admin", "--created", "2026-03-01T12:00:00Z"];
    let mut args = vec!["convert", "--from", "salesforce", "--to", "onlyoffice"];
    args.extend(context);
    args.push("tests/fixtures/salesforce_folder_share.json");
    let out = shareguard(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let request: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(request["invitations"][0]["access"], "RoomManager");
}

#[test]
fn convert_says_what_the_target_cannot_express() {
    // Filr's share is with an outside email address; Salesforce shares with users and groups.
    let out = shareguard(&[
        "convert",
        "--from",
        "filr",
        "--to",
        "salesforce",
        "tests/fixtures/filr_share_list.json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("share `1` left out: salesforce:"), "{err}");
    assert!(err.contains("cannot be expressed (recipient)"), "{err}");
}

#[test]
fn convert_to_liquidfiles_leaves_out_a_share_it_would_write_without_its_start_or_pending() {
    // Two shares of a model file: one ordinary, one scheduled; a third pending.
    let shares = r#"[
      {"id": "s1", "resource": "folder:f1", "sharer": "alice", "recipient": {"type": "user", "id": "bob"},
       "access": "viewer", "created": "2026-03-01T12:00:00Z"},
      {"id": "s2", "resource": "folder:f1", "sharer": "alice", "recipient": {"type": "user", "id": "carol"},
       "access": "viewer", "created": "2026-03-01T12:00:00Z", "starts": "2026-04-01T00:00:00Z"},
      {"id": "s3", "resource": "folder:f1", "sharer": "alice", "recipient": {"type": "user", "id": "dan"},
       "access": "editor", "created": "2026-03-01T12:00:00Z", "pending": true}
    ]"#;
    let file =
        std::env::temp_dir().join(format!("shareguard-cli-terms-{}.json", std::process::id()));
    std::fs::write(&file, shares).unwrap();
    let out =
        shareguard(&["convert", "--from", "model", "--to", "liquidfiles", file.to_str().unwrap()]);
    std::fs::remove_file(&file).unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("share `s2` left out: liquidfiles cannot express its scheduled start"),
        "{err}"
    );
    assert!(
        err.contains("share `s3` left out: liquidfiles cannot express a pending invitation"),
        "{err}"
    );
    let request: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(request["accesses"].as_array().unwrap().len(), 1, "{request}");
    assert_eq!(request["accesses"][0]["user"], "bob");
}

#[test]
fn convert_asks_for_the_context_a_form_lacks() {
    let out = shareguard(&[
        "convert",
        "--from",
        "salesforce",
        "--to",
        "model",
        "tests/fixtures/salesforce_folder_share.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("salesforce_folder_share.json: "), "{err}");
    assert!(err.contains("give it with `--resource`"), "{err}");
    // A malformed vendor document names its JSON path.
    let out = shareguard(&[
        "convert",
        "--from",
        "salesforce",
        "--to",
        "model",
        "--resource",
        "folder:f",
        "--sharer",
        "a",
        "--created",
        "2026-03-01T12:00:00Z",
        "tests/fixtures/salesforce_folder_share.txt",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("salesforce_folder_share.txt: salesforce: "), "{}", stderr(&out));
}

#[test]
fn validate_builds_worlds_without_running_checks() {
    let out = shareguard(&["validate", "tests/scenarios/failing/wrong_expectation.json"]);
    assert_eq!(out.status.code(), Some(0), "a failing check is not a fault of the world");
    assert_eq!(stdout(&out), "ok tests/scenarios/failing/wrong_expectation.json (2 checks)\n");
    let out =
        shareguard(&["validate", "tests/scenarios", "tests/scenarios/bad/unknown_share.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown_share.json: $.checks["), "{}", stderr(&out));
}

#[test]
fn every_command_has_help_with_an_example() {
    for command in ["test", "check", "convert", "validate", "completions"] {
        let out = shareguard(&[command, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{command}");
        let help = stdout(&out);
        assert!(help.contains(&format!("shareguard {command} ")), "{command}: {help}");
    }
    let out = shareguard(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("Examples:"));
}

#[test]
fn completions_are_printed_for_a_shell() {
    let out = shareguard(&["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("shareguard"));
    assert!(stdout(&out).contains("validate"));
}
