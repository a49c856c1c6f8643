//! `codacy`: Codacy's issue objects, `{"filename", "patternId", "message",
//! "line"}`, as hadolint writes them (`Codacy.hs`), one JSON object a line;
//! `patternId` is the `DL`/`SC` code (`DL1000` for a parse error).

use serde_json::json;

use crate::finding::Report;

pub fn render(reports: &[Report]) -> String {
    let mut out = String::new();
    for report in reports {
        for finding in &report.findings {
            let issue = json!({
                "filename": report.file,
                "patternId": finding.code(),
                "message": finding.message,
                "line": finding.line,
            });
            out.push_str(&super::to_json(&issue, false));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Finding, Source};
    use stagecraft::lint::{rule, Severity};

    #[test]
    fn an_issue_per_line() {
        let report = Report {
            file: "a/Dockerfile".to_owned(),
            source: String::new(),
            findings: vec![Finding {
                line: 4,
                source: Source::Rule(rule("SCR003").unwrap()),
                severity: Severity::Error,
                message: "lists left".to_owned(),
            }],
        };
        assert_eq!(
            render(&[report]),
            "{\"filename\":\"a/Dockerfile\",\"line\":4,\"message\":\"lists left\",\
             \"patternId\":\"DL3009\"}\n"
        );
    }
}
