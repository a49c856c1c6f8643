//! `gnu`: one line per finding in the GNU coding standards' error format
//! (`PROGRAM:FILE:LINE: MESSAGE`), as hadolint writes it (`Gnu.hs`):
//! `stagecraft:Dockerfile:3: DL3008 warning: ...`. Editors and `compile`
//! modes jump to the line.

use crate::finding::Report;

pub fn render(reports: &[Report]) -> String {
    let mut out = String::new();
    for report in reports {
        for finding in &report.findings {
            out.push_str(&format!(
                "stagecraft:{}:{}: {} {}: {}\n",
                report.file,
                finding.line,
                finding.code(),
                finding.severity.as_str(),
                finding.message.replace('\n', " "),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Finding, Source};
    use stagecraft::lint::Severity;

    #[test]
    fn one_line_per_finding_with_the_hadolint_code() {
        let report = Report {
            file: "Dockerfile".to_owned(),
            source: String::new(),
            findings: vec![Finding {
                line: 2,
                source: Source::Parse,
                severity: Severity::Error,
                message: "cannot parse\nthe line".to_owned(),
            }],
        };
        assert_eq!(
            render(&[report]),
            "stagecraft:Dockerfile:2: DL1000 error: cannot parse the line\n"
        );
    }
}
