//! Runs scenario files (SEMANTICS.md section 7) and prints one line per check.
//!
//! ```text
//! cargo run --example scenario -- tests/scenarios/*.json
//! ```
//!
//! Exit status: 0 when every check passes, 1 when any fails, 2 when a file cannot be used.
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line program prints

use std::process::ExitCode;

use shareguard::scenario::Scenario;

fn main() -> ExitCode {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: scenario FILE...");
        return ExitCode::from(2);
    }
    let (mut passed, mut failed, mut unusable) = (0usize, 0usize, false);
    for file in &files {
        let report = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|text| Scenario::from_json(&text).map_err(|e| e.to_string()))
            .and_then(|scenario| scenario.run().map_err(|e| e.to_string()));
        match report {
            Ok(report) => {
                for result in &report.results {
                    println!("{result} [{file}]");
                }
                passed += report.passed();
                failed += report.failed();
            }
            Err(e) => {
                eprintln!("{file}: {e}");
                unusable = true;
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if unusable {
        ExitCode::from(2)
    } else if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
