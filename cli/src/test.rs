//! `shareguard test`: scenario files run, reported as text, JSON or JUnit XML.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};
use shareguard::scenario::{Actual, CheckResult, Expectation, Report};

use crate::{FileError, Status, expand, load, unusable};

/// Runs scenario files (SEMANTICS.md section 7) and reports every check.
///
/// A directory stands for every `*.json` file directly in it (not in its subfolders).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  shareguard test tests/scenarios
  shareguard test --format junit tests/scenarios > junit.xml
  shareguard test --format json world.json | jq '.failed'

The text format prints one line per check and, last, `N passed, N failed`. On a terminal a
progress bar shows on stderr while the files run.
Exit status: 0 every check passed, 1 any failed, 2 a file cannot be used (named on stderr
with the JSON path of the fault).")]
pub(crate) struct Args {
    /// How to report: one line per check, one JSON document, or JUnit XML for CI.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Scenario files, or directories of them.
    #[arg(required = true, value_name = "FILE|DIR")]
    paths: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// One line per check, then `N passed, N failed`.
    Text,
    /// One JSON document: totals, and each file's checks with what was got and expected.
    Json,
    /// JUnit XML: a `<testsuite>` per file, a `<testcase>` per check.
    Junit,
}

/// One file's outcome.
struct Outcome {
    file: PathBuf,
    report: Result<Report, FileError>,
}

pub(crate) fn run(args: &Args) -> ExitCode {
    let files = match expand(&args.paths) {
        Ok(files) => files,
        Err(e) => return unusable(e),
    };
    let bar = std::io::stderr().is_terminal().then(|| progress(files.len()));
    let mut outcomes = Vec::with_capacity(files.len());
    for file in files {
        if let Some(bar) = &bar {
            bar.set_message(file.display().to_string());
        }
        let report =
            load(&file).and_then(|world| world.run().map_err(|e| FileError::scenario(&file, e)));
        let outcome = Outcome { file, report };
        if args.format == Format::Text {
            // Plain lines as the files run; above the bar when there is one.
            let lines = text_lines(&outcome);
            match &bar {
                Some(bar) => bar.suspend(|| emit(&lines)),
                None => emit(&lines),
            }
        }
        if let Some(bar) = &bar {
            bar.inc(1);
        }
        outcomes.push(outcome);
    }
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }

    let passed: usize =
        outcomes.iter().filter_map(|o| o.report.as_ref().ok()).map(Report::passed).sum();
    let failed: usize =
        outcomes.iter().filter_map(|o| o.report.as_ref().ok()).map(Report::failed).sum();
    let errors = outcomes.iter().filter(|o| o.report.is_err()).count();
    match args.format {
        Format::Text => println!("{passed} passed, {failed} failed"),
        Format::Json => println!("{}", to_json(&outcomes, passed, failed, errors)),
        Format::Junit => print!("{}", to_junit(&outcomes, passed + failed, failed, errors)),
    }
    if args.format != Format::Text {
        // The machine-readable report is on stdout; the files that cannot be used are also
        // said where a person looks.
        for outcome in &outcomes {
            if let Err(e) = &outcome.report {
                eprintln!("shareguard: {e}");
            }
        }
    }
    if errors > 0 {
        Status::Unusable.into()
    } else if failed > 0 {
        Status::Negative.into()
    } else {
        Status::Success.into()
    }
}

fn progress(files: usize) -> ProgressBar {
    let bar = ProgressBar::new(files as u64);
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} files {wide_msg}") {
        bar.set_style(style);
    }
    bar
}

/// The lines a file's outcome prints: each check on stdout, or why the file cannot be used
/// on stderr.
enum Line {
    Out(String),
    Err(String),
}

fn emit(lines: &[Line]) {
    for line in lines {
        match line {
            Line::Out(text) => println!("{text}"),
            Line::Err(text) => eprintln!("{text}"),
        }
    }
}

fn text_lines(outcome: &Outcome) -> Vec<Line> {
    match &outcome.report {
        Ok(report) => report
            .results
            .iter()
            .map(|r| Line::Out(format!("{r} [{}]", outcome.file.display())))
            .collect(),
        Err(e) => vec![Line::Err(format!("shareguard: {e}"))],
    }
}

/// What a check expected, as the text report writes it: `allow share`, `deny`, `[view]`.
fn expected(expectation: &Expectation) -> String {
    expectation.to_string()
}

fn expected_json(expectation: &Expectation) -> Value {
    match expectation {
        Expectation::Decision { expect, reason } => {
            json!({ "expect": expect, "reason": reason.map(|r| r.to_string()) })
        }
        Expectation::Permissions(set) => json!({ "expect_permissions": set }),
        Expectation::Resources(listed) => json!({ "expect_resources": listed }),
        Expectation::Shares(ids) => json!({ "expect_shares": ids }),
    }
}

fn actual_json(actual: &Actual) -> Value {
    match actual {
        Actual::Decision(decision) => json!({ "decision": decision, "text": decision.to_string() }),
        Actual::Permissions(set) => json!({ "permissions": set }),
        Actual::Resources(listed) => json!({ "resources": listed }),
        Actual::Shares(ids) => json!({ "shares": ids }),
    }
}

fn check_json(result: &CheckResult) -> Value {
    json!({
        "index": result.check.index,
        "check": result.check.to_string(),
        "principal": result.check.principal,
        "passed": result.passed,
        "actual": actual_json(&result.actual),
        "expected": expected_json(&result.check.expectation),
    })
}

fn to_json(outcomes: &[Outcome], passed: usize, failed: usize, errors: usize) -> Value {
    let files: Vec<Value> = outcomes
        .iter()
        .map(|o| match &o.report {
            Ok(report) => json!({
                "file": o.file.display().to_string(),
                "passed": report.passed(),
                "failed": report.failed(),
                "checks": report.results.iter().map(check_json).collect::<Vec<_>>(),
            }),
            Err(e) => json!({
                "file": o.file.display().to_string(),
                "error": { "path": e.path, "message": e.message },
            }),
        })
        .collect();
    json!({ "passed": passed, "failed": failed, "errors": errors, "files": files })
}

/// Text made safe for an XML attribute or element: the five entities escaped, and the
/// characters XML 1.0 cannot hold at all (control characters) written as `?`.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if u32::from(c) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

/// The suite's name: the file's name without `.json`, as CI lists it.
fn suite_name(file: &Path) -> String {
    file.file_stem()
        .map_or_else(|| file.display().to_string(), |s| s.to_string_lossy().into_owned())
}

fn to_junit(outcomes: &[Outcome], tests: usize, failures: usize, errors: usize) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    // `write!` to a String cannot fail.
    let _ = writeln!(
        out,
        "<testsuites name=\"shareguard\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\">",
        tests + errors
    );
    for outcome in outcomes {
        let name = xml(&suite_name(&outcome.file));
        let file = xml(&outcome.file.display().to_string());
        match &outcome.report {
            Ok(report) => {
                let _ = writeln!(
                    out,
                    "  <testsuite name=\"{name}\" file=\"{file}\" tests=\"{}\" failures=\"{}\" errors=\"0\">",
                    report.results.len(),
                    report.failed()
                );
                for result in &report.results {
                    let case = xml(&result.check.to_string());
                    if result.passed {
                        let _ = writeln!(
                            out,
                            "    <testcase classname=\"{name}\" name=\"{case}\" file=\"{file}\"/>"
                        );
                    } else {
                        let expected = expected(&result.check.expectation);
                        let actual = result.actual.to_string();
                        let _ = writeln!(
                            out,
                            "    <testcase classname=\"{name}\" name=\"{case}\" file=\"{file}\">\n      \
                             <failure type=\"mismatch\" message=\"expected {}, got {}\">expected: {}\nactual: {}</failure>\n    \
                             </testcase>",
                            xml(&expected),
                            xml(&actual),
                            xml(&expected),
                            xml(&actual),
                        );
                    }
                }
            }
            Err(e) => {
                // A file that cannot be used is one errored case, so CI shows it.
                let _ = writeln!(
                    out,
                    "  <testsuite name=\"{name}\" file=\"{file}\" tests=\"1\" failures=\"0\" errors=\"1\">\n    \
                     <testcase classname=\"{name}\" name=\"read {name}\" file=\"{file}\">\n      \
                     <error type=\"unusable\" message=\"{}\">{}</error>\n    </testcase>",
                    xml(&e.to_string()),
                    xml(&e.to_string()),
                );
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::xml;

    #[test]
    fn xml_escapes_markup_and_drops_control_characters() {
        assert_eq!(xml("a<b & \"c\" 'd'>\u{1}"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;?");
    }
}
