//! `sarif`: SARIF 2.1.0 (OASIS), the shape hadolint emits (`Sarif.hs`) plus
//! the driver's `rules`, so that code scanning shows each rule's help.
//! Severities: `error`, `warning`, and `note` for info and style (SARIF has
//! no more levels).

use serde_json::{json, Value};
use stagecraft::lint::Severity;

use crate::finding::{Report, Source};

pub fn render(reports: &[Report]) -> String {
    let mut rules: Vec<Value> = Vec::new();
    let mut rule_ids: Vec<String> = Vec::new();
    let mut results = Vec::new();
    for report in reports {
        for finding in &report.findings {
            let id = finding.code();
            let index = match rule_ids.iter().position(|known| *known == id) {
                Some(index) => index,
                None => {
                    rules.push(rule_descriptor(&id, finding.source));
                    rule_ids.push(id.clone());
                    rule_ids.len() - 1
                }
            };
            let language = match finding.source {
                Source::Rule(_) | Source::Parse => "dockerfile",
                Source::ShellCheck(_) => "sh",
            };
            results.push(json!({
                "ruleId": id,
                "ruleIndex": index,
                "level": level(finding.severity),
                "message": { "text": finding.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&report.file) },
                        "region": {
                            "startLine": finding.line,
                            "endLine": finding.line,
                            "startColumn": 1,
                            "endColumn": 1,
                            "sourceLanguage": language,
                        }
                    }
                }],
                "properties": { "stagecraft": finding.id() },
            }));
        }
    }
    let log = json!({
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "stagecraft",
                    "fullName": "stagecraft lint: a stage-aware Dockerfile linter",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://example.invalid/stagecraft",
                    "rules": rules,
                }
            },
            "results": results,
            "defaultSourceLanguage": "dockerfile",
        }]
    });
    let mut text = super::to_json(&log, true);
    text.push('\n');
    text
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "note",
    }
}

fn rule_descriptor(id: &str, source: Source) -> Value {
    match source {
        Source::Rule(rule) => json!({
            "id": id,
            "name": rule.id,
            "shortDescription": { "text": rule.summary },
            "fullDescription": { "text": rule.why },
            "help": { "text": rule.fix },
        }),
        Source::Parse => json!({
            "id": id,
            "name": "parse-error",
            "shortDescription": { "text": "the instruction cannot be parsed" },
            "help": { "text": "Fix the instruction as the message says: Docker refuses it too." },
        }),
        Source::ShellCheck(_) => json!({
            "id": id,
            "shortDescription": { "text": format!("ShellCheck {id}") },
            "helpUri": format!("https://www.shellcheck.net/wiki/{id}"),
        }),
    }
}

/// A file name as a URI reference: relative paths stay relative, the
/// characters a URI cannot hold are percent-encoded; standard input is
/// `stdin`.
fn uri(file: &str) -> String {
    if file == "-" {
        return "stdin".to_owned();
    }
    let mut out = String::new();
    for byte in file.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("docker/Dockerfile"), "docker/Dockerfile");
        assert_eq!(uri("my file#1"), "my%20file%231");
        assert_eq!(uri("-"), "stdin");
    }
}
