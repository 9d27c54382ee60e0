//! `Scenario::from_json` on arbitrary input: a typed error or a scenario, never a panic.
//! Bytes that are not UTF-8 are read lossily, so every input reaches the JSON reader.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shareguard::scenario::Scenario;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match Scenario::from_json(&text) {
        Ok(scenario) => {
            // Each resolved check writes itself (the runner's report uses this).
            for check in scenario.checks() {
                let _ = check.to_string();
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
