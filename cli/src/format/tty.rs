//! `tty` (and `human`): per finding `file:line: severity[SCR003/DL3009]:
//! message`, the source line with a `^` under the instruction, the fix; then
//! a summary line.

use stagecraft::lint::Severity;

use crate::finding::Report;

pub fn render(reports: &[Report], color: bool) -> String {
    let mut out = String::new();
    for report in reports {
        let lines: Vec<&str> = report.source.lines().collect();
        for finding in &report.findings {
            let severity = finding.severity.as_str();
            let severity = if color {
                let code = match finding.severity {
                    Severity::Error => "1;31",
                    Severity::Warning => "1;33",
                    Severity::Info => "1;36",
                    Severity::Style => "1;37",
                };
                format!("\x1b[{code}m{severity}\x1b[0m")
            } else {
                severity.to_owned()
            };
            out.push_str(&format!(
                "{}:{}: {severity}[{}]: {}\n",
                report.file,
                finding.line,
                finding.label(),
                finding.message
            ));
            if let Some(source_line) = lines.get(finding.line.wrapping_sub(1)) {
                let number = finding.line.to_string();
                let pad = " ".repeat(number.len());
                let shown = shorten(source_line, 120);
                // The leading whitespace as written, so tabs line up too.
                let lead: String = shown.chars().take_while(|c| c.is_whitespace()).collect();
                let keyword = shown[shown.len() - shown.trim_start().len()..]
                    .chars()
                    .take_while(|c| !c.is_whitespace())
                    .count()
                    .max(1);
                out.push_str(&format!("  {number} | {shown}\n"));
                out.push_str(&format!("  {pad} | {lead}{}\n", "^".repeat(keyword)));
            }
            match finding.fix() {
                Some(fix) => out.push_str(&format!("  fix: {fix}\n")),
                None => out.push_str(&format!(
                    "  see: https://www.shellcheck.net/wiki/{}\n",
                    finding.id()
                )),
            }
        }
    }
    out.push_str(&summary(reports));
    out.push('\n');
    out
}

/// One line: how many errors, warnings, infos (and style findings, when
/// there are any) in how many files.
pub fn summary(reports: &[Report]) -> String {
    let count = |severity| {
        reports
            .iter()
            .flat_map(|r| &r.findings)
            .filter(|f| f.severity == severity)
            .count()
    };
    let (errors, warnings, infos, styles) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
        count(Severity::Style),
    );
    let files = match reports.len() {
        1 => "1 file".to_owned(),
        n => format!("{n} files"),
    };
    if errors + warnings + infos + styles == 0 {
        return format!("no findings in {files}");
    }
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    let styles = match styles {
        0 => String::new(),
        n => format!(", {}", plural(n, "style finding")),
    };
    format!(
        "{}, {}, {}{styles} in {files}",
        plural(errors, "error"),
        plural(warnings, "warning"),
        plural(infos, "info")
    )
}

/// `text` cut to at most `max` characters (with `...`).
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(max - 3).collect();
        short.push_str("...");
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Finding, Source};

    fn report(source: &str) -> Report {
        let lib = stagecraft::lint::FileReport::lint(
            "Dockerfile",
            source,
            &stagecraft::lint::Options::default(),
            &[],
        )
        .unwrap();
        Report {
            file: lib.file,
            source: lib.source,
            findings: lib.findings.into_iter().map(Finding::from_rule).collect(),
        }
    }

    #[test]
    fn human_output_shows_line_marker_fix_and_summary() {
        let text = render(
            &[report(
                "FROM debian:bookworm-slim\n  workdir app\nRUN pip install --no-cache-dir x==1.0\n",
            )],
            false,
        );
        let expected_start = "Dockerfile:2: warning[SCR026/DL3000]: ";
        assert!(text.starts_with(expected_start), "{text}");
        assert!(text.contains("\n  2 |   workdir app\n    |   ^^^^^^^\n  fix: "));
        assert!(
            text.ends_with("0 errors, 1 warning, 0 infos in 1 file\n"),
            "{text}"
        );
        assert_eq!(summary(&[]), "no findings in 0 files");
    }

    #[test]
    fn a_code_that_is_its_hadolint_code_is_shown_once() {
        let text = render(
            &[report("FROM debian:12\nRUN pip install --no-cache-dir x\n")],
            false,
        );
        assert!(
            text.starts_with("Dockerfile:2: warning[DL3013]: "),
            "{text}"
        );
    }

    #[test]
    fn color_marks_only_the_severity_and_shellcheck_links_its_wiki() {
        let mut shown = report("FROM debian:bookworm-slim\nRUN echo $1\n");
        shown.findings.push(Finding {
            line: 2,
            source: Source::ShellCheck(2086),
            severity: Severity::Info,
            message: "Double quote to prevent globbing and word splitting.".to_owned(),
        });
        let text = render(&[shown], true);
        assert!(
            text.starts_with("Dockerfile:2: \x1b[1;36minfo\x1b[0m[SC2086]: Double quote"),
            "{text}"
        );
        assert!(text.contains("  see: https://www.shellcheck.net/wiki/SC2086\n"));
    }
}
