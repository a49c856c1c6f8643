//! `sonarqube`: SonarQube's generic external issues report, as hadolint
//! writes it (`SonarQube.hs`): `{"issues": [...]}`, one issue per finding
//! with `engineId`, `ruleId` (the `DL`/`SC` code when there is one),
//! `severity` and `type` from the finding's severity (a parse error is a
//! `BLOCKER` bug, an error a `CRITICAL` bug, a warning a `MAJOR` code
//! smell, an info `MINOR`, a style `INFO`), and the finding's line as the
//! text range (columns 0 to 1).

use serde::Serialize;
use stagecraft::lint::Severity;

use crate::finding::{Finding, Report, Source};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Issue<'a> {
    engine_id: &'static str,
    primary_location: Location<'a>,
    rule_id: String,
    severity: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    file_path: &'a str,
    message: &'a str,
    text_range: TextRange,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TextRange {
    end_column: usize,
    end_line: usize,
    start_column: usize,
    start_line: usize,
}

#[derive(Serialize)]
struct Issues<'a> {
    issues: Vec<Issue<'a>>,
}

/// SonarQube's severity and issue type for a finding.
fn severity_and_type(finding: &Finding) -> (&'static str, &'static str) {
    match (finding.source, finding.severity) {
        (Source::Parse, _) => ("BLOCKER", "BUG"),
        (_, Severity::Error) => ("CRITICAL", "BUG"),
        (_, Severity::Warning) => ("MAJOR", "CODE_SMELL"),
        (_, Severity::Info) => ("MINOR", "CODE_SMELL"),
        (_, Severity::Style) => ("INFO", "CODE_SMELL"),
    }
}

pub fn render(reports: &[Report]) -> String {
    let issues = reports
        .iter()
        .flat_map(|report| {
            report.findings.iter().map(move |finding| {
                let (severity, kind) = severity_and_type(finding);
                Issue {
                    engine_id: "stagecraft",
                    primary_location: Location {
                        file_path: &report.file,
                        message: &finding.message,
                        text_range: TextRange {
                            end_column: 1,
                            end_line: finding.line,
                            start_column: 0,
                            start_line: finding.line,
                        },
                    },
                    rule_id: finding.code(),
                    severity,
                    kind,
                }
            })
        })
        .collect();
    let mut text = super::to_json(&Issues { issues }, false);
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issue_per_finding_in_hadolints_shape() {
        let finding = |source, severity, line| Finding {
            line,
            source,
            severity,
            message: "m \"q\"".to_owned(),
        };
        let report = Report {
            file: "Dockerfile".to_owned(),
            source: String::new(),
            findings: vec![
                finding(Source::ShellCheck(2086), Severity::Info, 3),
                finding(Source::Parse, Severity::Error, 4),
                finding(Source::ShellCheck(2164), Severity::Warning, 5),
            ],
        };
        assert_eq!(
            render(&[report]),
            "{\"issues\":[\
             {\"engineId\":\"stagecraft\",\"primaryLocation\":{\"filePath\":\"Dockerfile\",\
             \"message\":\"m \\\"q\\\"\",\"textRange\":{\"endColumn\":1,\"endLine\":3,\
             \"startColumn\":0,\"startLine\":3}},\"ruleId\":\"SC2086\",\"severity\":\"MINOR\",\
             \"type\":\"CODE_SMELL\"},\
             {\"engineId\":\"stagecraft\",\"primaryLocation\":{\"filePath\":\"Dockerfile\",\
             \"message\":\"m \\\"q\\\"\",\"textRange\":{\"endColumn\":1,\"endLine\":4,\
             \"startColumn\":0,\"startLine\":4}},\"ruleId\":\"DL1000\",\"severity\":\"BLOCKER\",\
             \"type\":\"BUG\"},\
             {\"engineId\":\"stagecraft\",\"primaryLocation\":{\"filePath\":\"Dockerfile\",\
             \"message\":\"m \\\"q\\\"\",\"textRange\":{\"endColumn\":1,\"endLine\":5,\
             \"startColumn\":0,\"startLine\":5}},\"ruleId\":\"SC2164\",\"severity\":\"MAJOR\",\
             \"type\":\"CODE_SMELL\"}]}\n"
        );
    }
}
