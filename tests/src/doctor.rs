//! What the `doctor_*` tests share: one connection's checks read from `bridge doctor --json`.

use std::process::Output;

use serde_json::Value;

/// One check as the doctor prints it: (capability, ok, message).
pub type CheckLine = (String, bool, String);

/// The checks of the report of `system` ("ninox", "novi"…) in a `bridge doctor --json`
/// output, and whether the doctor succeeded.
pub fn checks_of(output: &Output, system: &str) -> (bool, Vec<CheckLine>) {
    let reports: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    let report = reports
        .as_array()
        .and_then(|all| all.iter().find(|r| r["system"] == system))
        .unwrap_or_else(|| panic!("no {system} report: {reports}"));
    let checks = report["checks"]
        .as_array()
        .map(|checks| {
            checks
                .iter()
                .map(|c| {
                    (
                        c["capability"].as_str().unwrap_or_default().to_string(),
                        c["ok"].as_bool().unwrap_or(false),
                        c["message"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (output.status.success(), checks)
}

/// The failed checks.
pub fn failing(checks: &[CheckLine]) -> Vec<&CheckLine> {
    checks.iter().filter(|(_, ok, _)| !ok).collect()
}

/// Asserts `sentence` is one sentence (no ". " inside it).
pub fn assert_one_sentence(sentence: &str) {
    assert_eq!(
        sentence.matches(". ").count(),
        0,
        "one sentence: {sentence}"
    );
}
