//! `json`: an array of objects with exactly the keys `file`, `line`, `rule`,
//! `hadolint` (the code hadolint reports, or `null`), `severity` and
//! `message` (unchanged since the first CLI).

use serde::Serialize;

use crate::finding::Report;

#[derive(Serialize)]
struct JsonFinding<'a> {
    file: &'a str,
    line: usize,
    rule: String,
    hadolint: Option<String>,
    severity: &'static str,
    message: &'a str,
}

pub fn render(reports: &[Report]) -> String {
    let items: Vec<JsonFinding<'_>> = reports
        .iter()
        .flat_map(|report| {
            report.findings.iter().map(move |finding| JsonFinding {
                file: &report.file,
                line: finding.line,
                rule: finding.id(),
                hadolint: finding.hadolint(),
                severity: finding.severity.as_str(),
                message: &finding.message,
            })
        })
        .collect();
    let mut text = super::to_json(&items, true);
    text.push('\n');
    text
}
