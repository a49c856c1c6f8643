//! Linting hand-written Dockerfiles: the engine of `stagecraft lint`.
//!
//! The parsing and the rules live in [`stagecraft_rules::dockerfile`] (the
//! same rules `run!` checks at compile time); this module lints files and
//! formats the findings for people ([`human`]) and for tools ([`json`]).
//!
//! ```
//! use stagecraft::lint::{human, json, FileReport, Options};
//!
//! let report = FileReport::lint(
//!     "Dockerfile",
//!     "FROM debian:bookworm-slim\nRUN pip install flask==3.0.3\n",
//!     &Options::default(),
//!     &[],
//! )
//! .unwrap();
//! assert_eq!(report.findings[0].rule.id, "SCR009");
//! let text = human(std::slice::from_ref(&report));
//! assert!(text.starts_with("Dockerfile:2: error[SCR009/DL3042]: "));
//! assert!(text.contains("  2 | RUN pip install flask==3.0.3\n    | ^^^\n"));
//! let value: serde_json::Value = serde_json::from_str(&json(&[report])).unwrap();
//! assert_eq!(value[0]["hadolint"], "DL3042");
//!
//! // `--ignore` takes our id or the hadolint code.
//! let quiet = FileReport::lint(
//!     "Dockerfile",
//!     "FROM debian:bookworm-slim\nRUN pip install flask==3.0.3\n",
//!     &Options::default(),
//!     &["DL3042".to_owned()],
//! )
//! .unwrap();
//! assert!(quiet.findings.is_empty());
//! ```

use serde::Serialize;

pub use stagecraft_rules::catalogue::{by_hadolint, rule, Rule, Severity, CATALOGUE};
pub use stagecraft_rules::dockerfile::{
    check_dockerfile, parse, parse_bytes, rule_matches, stages, Dockerfile, DockerfileFinding,
    Options, ParseError, StageInfo,
};

/// The findings of one file, with its text (for showing the lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    /// The name shown for the file (`-` for standard input).
    pub file: String,
    /// The file's text.
    pub source: String,
    /// The findings, in line order, without the ignored ones.
    pub findings: Vec<DockerfileFinding>,
}

/// Why a file could not be linted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LintError {
    /// The file is not a Dockerfile stagecraft can read.
    #[error("{file}:{}: {}", .error.line, .error.kind)]
    Parse {
        /// The file's name.
        file: String,
        /// What is wrong, and where.
        error: ParseError,
    },
    /// `--target` names no stage of the file.
    #[error("{file}: no stage named `{target}` (the stages are named: {names})")]
    UnknownTarget {
        /// The file's name.
        file: String,
        /// The target asked for.
        target: String,
        /// The stage names of the file, comma separated.
        names: String,
    },
}

impl LintError {
    /// The line the problem is on, if it is on one.
    pub fn line(&self) -> Option<usize> {
        match self {
            LintError::Parse { error, .. } => Some(error.line),
            LintError::UnknownTarget { .. } => None,
        }
    }
}

impl FileReport {
    /// Parses and checks `source`, dropping findings whose rule `ignore`
    /// names (an `SC` id or a `DL` code).
    pub fn lint(
        file: &str,
        source: &str,
        options: &Options,
        ignore: &[String],
    ) -> Result<Self, LintError> {
        let df = parse(source).map_err(|error| LintError::Parse {
            file: file.to_owned(),
            error,
        })?;
        Self::check(file, source, &df, options, ignore)
    }

    /// Like [`FileReport::lint`], from bytes (which must be UTF-8).
    pub fn lint_bytes(
        file: &str,
        bytes: &[u8],
        options: &Options,
        ignore: &[String],
    ) -> Result<Self, LintError> {
        let df = parse_bytes(bytes).map_err(|error| LintError::Parse {
            file: file.to_owned(),
            error,
        })?;
        let source = String::from_utf8_lossy(bytes).into_owned();
        Self::check(file, &source, &df, options, ignore)
    }

    fn check(
        file: &str,
        source: &str,
        df: &Dockerfile,
        options: &Options,
        ignore: &[String],
    ) -> Result<Self, LintError> {
        if let Some(target) = &options.target {
            if df.stage_index(target).is_none() {
                let names: Vec<&str> = df
                    .stages
                    .iter()
                    .filter_map(|stage| stage.from.alias.as_deref())
                    .collect();
                return Err(LintError::UnknownTarget {
                    file: file.to_owned(),
                    target: target.clone(),
                    names: if names.is_empty() {
                        "none".to_owned()
                    } else {
                        names.join(", ")
                    },
                });
            }
        }
        let findings = check_dockerfile(df, options)
            .into_iter()
            .filter(|finding| !ignore.iter().any(|code| rule_matches(finding.rule, code)))
            .collect();
        Ok(Self {
            file: file.to_owned(),
            source: source.to_owned(),
            findings,
        })
    }

    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// `SCR003/DL3009`; `SCR022` for a rule hadolint lacks, and `DL3008` for a
/// rule whose id is its hadolint code (shown once).
///
/// ```
/// use stagecraft::lint::{rule, rule_label};
///
/// assert_eq!(rule_label(rule("SCR003").unwrap()), "SCR003/DL3009");
/// assert_eq!(rule_label(rule("SCR022").unwrap()), "SCR022");
/// assert_eq!(rule_label(rule("DL3008").unwrap()), "DL3008");
/// ```
pub fn rule_label(rule: &Rule) -> String {
    match rule.hadolint {
        Some(code) if code != rule.id => format!("{}/{code}", rule.id),
        _ => rule.id.to_owned(),
    }
}

/// The findings for people: per finding, `file:line: severity[SCnnn/DLnnnn]:
/// message`, the source line with a `^` marker under the instruction, and
/// the fix; then a summary line.
pub fn human(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for report in reports {
        let lines: Vec<&str> = report.source.lines().collect();
        for finding in &report.findings {
            out.push_str(&format!(
                "{}:{}: {}[{}]: {}\n",
                report.file,
                finding.line,
                finding.severity,
                rule_label(finding.rule),
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
            out.push_str(&format!("  fix: {}\n", finding.rule.fix));
        }
    }
    out.push_str(&summary(reports));
    out.push('\n');
    out
}

/// One line: how many errors, warnings, infos (and style findings, when
/// there are any) in how many files.
///
/// ```
/// assert_eq!(stagecraft::lint::summary(&[]), "no findings in 0 files");
/// ```
pub fn summary(reports: &[FileReport]) -> String {
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

/// One finding in the JSON output.
#[derive(Debug, Serialize)]
struct JsonFinding<'a> {
    file: &'a str,
    line: usize,
    rule: &'static str,
    hadolint: Option<&'static str>,
    severity: &'static str,
    message: &'a str,
}

/// The findings for tools: a JSON array of objects with exactly the keys
/// `file`, `line`, `rule`, `hadolint` (a `DL` code or `null`), `severity`
/// (`error`, `warning`, `info` or `style`) and `message`.
pub fn json(reports: &[FileReport]) -> String {
    let items: Vec<JsonFinding<'_>> = reports
        .iter()
        .flat_map(|report| {
            report.findings.iter().map(move |finding| JsonFinding {
                file: &report.file,
                line: finding.line,
                rule: finding.rule.id,
                hadolint: finding.rule.hadolint,
                severity: finding.severity.as_str(),
                message: &finding.message,
            })
        })
        .collect();
    match serde_json::to_string_pretty(&items) {
        Ok(text) => text,
        // Plain strings and numbers always serialize.
        Err(_) => "[]".to_owned(),
    }
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

    fn report(source: &str) -> FileReport {
        FileReport::lint("Dockerfile", source, &Options::default(), &[]).unwrap()
    }

    #[test]
    fn human_output_shows_line_marker_fix_and_summary() {
        let text = human(&[report(
            "FROM debian:bookworm-slim\n  workdir app\nRUN pip install --no-cache-dir x==1.0\n",
        )]);
        let expected_start = "Dockerfile:2: warning[SCR026/DL3000]: ";
        assert!(text.starts_with(expected_start), "{text}");
        assert!(text.contains("\n  2 |   workdir app\n    |   ^^^^^^^\n  fix: "));
        assert!(
            text.ends_with("0 errors, 1 warning, 0 infos in 1 file\n"),
            "{text}"
        );
    }

    #[test]
    fn a_code_that_is_its_hadolint_code_is_shown_once() {
        let text = human(&[report("FROM debian:12\nRUN pip install --no-cache-dir x\n")]);
        assert!(
            text.starts_with("Dockerfile:2: warning[DL3013]: "),
            "{text}"
        );
    }

    #[test]
    fn json_has_exactly_the_keys() {
        let value: serde_json::Value =
            serde_json::from_str(&json(&[report("FROM scratch\nRUN x\nCMD [\"/x\"]\n")])).unwrap();
        let object = value[0].as_object().unwrap();
        let mut keys: Vec<_> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["file", "hadolint", "line", "message", "rule", "severity"]
        );
        assert_eq!(object["hadolint"], serde_json::Value::Null);
        assert_eq!(object["severity"], "error");
        assert_eq!(object["line"], 2);
    }

    #[test]
    fn errors_name_file_and_line() {
        let error = FileReport::lint("x/Dockerfile", "FROM a\nNOPE\n", &Options::default(), &[])
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "x/Dockerfile:2: unknown instruction `NOPE`"
        );
        let options = Options {
            target: Some("zzz".to_owned()),
            ..Options::default()
        };
        let error = FileReport::lint("D", "FROM a AS b\nFROM c\n", &options, &[]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "D: no stage named `zzz` (the stages are named: b)"
        );
    }
}
