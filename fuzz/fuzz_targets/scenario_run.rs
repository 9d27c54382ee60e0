//! Reads arbitrary input as a scenario and runs whatever reads: a report or a typed error,
//! never a panic or a hang. Inputs over `MAX_LEN` bytes are skipped so that one input cannot
//! build a world large enough to take seconds (the shipped scenarios are under 24 KiB).
#![no_main]

use libfuzzer_sys::fuzz_target;
use shareguard::scenario::Scenario;

const MAX_LEN: usize = 24 * 1024;

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_LEN {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(scenario) = Scenario::from_json(text) else {
        return;
    };
    if let Ok(report) = scenario.run() {
        let _ = (report.passed(), report.failed());
        for result in &report.results {
            let _ = result.to_string();
        }
    }
});
