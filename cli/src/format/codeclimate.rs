//! `codeclimate` and `gitlab_codeclimate`, as hadolint writes them
//! (`Codeclimate.hs`): an issue per finding with `type`, `check_name`,
//! `description`, `categories`, `location` (`path`, `lines`) and `severity`
//! (`blocker`, `major`, `info`, `minor`). Code Climate's engine format ends
//! each issue with a NUL byte; GitLab's is one JSON array, each issue with a
//! `fingerprint` (the SHA-1 of the issue's JSON, as hadolint's).

use serde::Serialize;
use stagecraft::lint::Severity;

use crate::finding::Report;

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint: Option<String>,
    check_name: String,
    description: &'a str,
    categories: [&'static str; 1],
    location: Location<'a>,
    severity: &'static str,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

fn issues(reports: &[Report]) -> Vec<Issue<'_>> {
    reports
        .iter()
        .flat_map(|report| {
            report.findings.iter().map(move |finding| Issue {
                kind: "issue",
                fingerprint: None,
                check_name: finding.code(),
                description: &finding.message,
                categories: ["Bug Risk"],
                location: Location {
                    path: &report.file,
                    lines: Lines {
                        begin: finding.line,
                        end: finding.line,
                    },
                },
                severity: match finding.severity {
                    Severity::Error => "blocker",
                    Severity::Warning => "major",
                    Severity::Info => "info",
                    Severity::Style => "minor",
                },
            })
        })
        .collect()
}

pub fn render(reports: &[Report]) -> String {
    let mut out = String::new();
    for issue in issues(reports) {
        out.push_str(&super::to_json(&issue, false));
        out.push('\0');
    }
    out
}

pub fn render_gitlab(reports: &[Report]) -> String {
    let issues: Vec<Issue<'_>> = issues(reports)
        .into_iter()
        .map(|mut issue| {
            let digest = sha1_smol::Sha1::from(super::to_json(&issue, false))
                .digest()
                .to_string();
            issue.fingerprint = Some(digest);
            issue
        })
        .collect();
    let mut text = super::to_json(&issues, false);
    text.push('\n');
    text
}
