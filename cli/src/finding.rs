//! What the formats print: the findings of stagecraft's rules and of
//! ShellCheck in one shape, per file.

use stagecraft::lint::{DockerfileFinding, Rule, Severity};

/// Who found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A rule of stagecraft's catalogue.
    Rule(&'static Rule),
    /// ShellCheck, with its code (`2086` for `SC2086`).
    ShellCheck(u32),
    /// An instruction that cannot be parsed: hadolint's `DL1000`, reported
    /// in every format (the rest of the file is still linted).
    Parse,
}

/// hadolint's code for a parse error.
pub const PARSE_CODE: &str = "DL1000";

/// One finding, at a line of a Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The 1-based line.
    pub line: usize,
    /// The rule or ShellCheck code.
    pub source: Source,
    /// The severity after the configuration's overrides.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
}

impl Finding {
    /// A finding of stagecraft's rules.
    pub fn from_rule(finding: DockerfileFinding) -> Self {
        Self {
            line: finding.line,
            source: Source::Rule(finding.rule),
            severity: finding.severity,
            message: finding.message,
        }
    }

    /// Our id (`SCR003`) or ShellCheck's code (`SC2086`).
    pub fn id(&self) -> String {
        match self.source {
            Source::Rule(rule) => rule.id.to_owned(),
            Source::ShellCheck(code) => format!("SC{code}"),
            Source::Parse => PARSE_CODE.to_owned(),
        }
    }

    /// The code hadolint reports for the same finding: a rule's `DL` code,
    /// ShellCheck's `SC` code (hadolint passes those through).
    pub fn hadolint(&self) -> Option<String> {
        match self.source {
            Source::Rule(rule) => rule.hadolint.map(str::to_owned),
            Source::ShellCheck(code) => Some(format!("SC{code}")),
            Source::Parse => Some(PARSE_CODE.to_owned()),
        }
    }

    /// The code a tool that knows hadolint expects: the `DL`/`SC` code when
    /// there is one, else our id.
    pub fn code(&self) -> String {
        self.hadolint().unwrap_or_else(|| self.id())
    }

    /// `SCR003/DL3009`, `SCR022` (a rule hadolint lacks), `DL3008` (a rule
    /// whose id is its hadolint code, shown once), or `SC2086`.
    pub fn label(&self) -> String {
        match self.source {
            Source::Rule(rule) => match rule.hadolint {
                Some(code) if code != rule.id => format!("{}/{code}", rule.id),
                _ => rule.id.to_owned(),
            },
            Source::ShellCheck(code) => format!("SC{code}"),
            Source::Parse => PARSE_CODE.to_owned(),
        }
    }

    /// How to fix it, when the rule says.
    pub fn fix(&self) -> Option<&'static str> {
        match self.source {
            Source::Rule(rule) => Some(rule.fix),
            Source::ShellCheck(_) | Source::Parse => None,
        }
    }

    /// Whether `code` (as in `ignored`, `override` or a pragma) names this
    /// finding: our id, its legacy alias, the `DL` code, or the `SC` code.
    pub fn is_named(&self, code: &str) -> bool {
        match self.source {
            Source::Rule(rule) => stagecraft::lint::rule_matches(rule, code),
            Source::ShellCheck(number) => code
                .strip_prefix("SC")
                .or_else(|| code.strip_prefix("sc"))
                .and_then(|digits| digits.parse::<u32>().ok())
                .is_some_and(|digits| digits == number && code.len() >= 6),
            Source::Parse => code.eq_ignore_ascii_case(PARSE_CODE),
        }
    }
}

/// The findings of one file, with its text (for showing the lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The name shown for the file (`-` for standard input).
    pub file: String,
    /// The file's text.
    pub source: String,
    /// The findings, in line order.
    pub findings: Vec<Finding>,
}

/// hadolint's `--failure-threshold`: the least severity that fails the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threshold {
    /// Findings of this severity or worse fail.
    AtLeast(Severity),
    /// Nothing fails (`none`, `ignore`).
    Never,
}

impl Threshold {
    /// `error`, `warning`, `info`, `style`, `ignore` or `none`, as hadolint
    /// reads them.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "error" => Self::AtLeast(Severity::Error),
            "warning" => Self::AtLeast(Severity::Warning),
            "info" => Self::AtLeast(Severity::Info),
            "style" => Self::AtLeast(Severity::Style),
            "ignore" | "none" => Self::Never,
            _ => return None,
        })
    }

    /// Whether `severity` fails the run.
    pub fn fails(self, severity: Severity) -> bool {
        match self {
            Self::AtLeast(least) => severity >= least,
            Self::Never => false,
        }
    }
}

/// `error`, `warning`, `info` or `style`, as hadolint reads an override's
/// severity.
pub fn parse_severity(text: &str) -> Option<Severity> {
    match Threshold::parse(text)? {
        Threshold::AtLeast(severity) => Some(severity),
        Threshold::Never => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shellcheck_codes_match_only_their_own_number() {
        let finding = Finding {
            line: 1,
            source: Source::ShellCheck(2086),
            severity: Severity::Info,
            message: String::new(),
        };
        assert!(finding.is_named("SC2086"));
        assert!(finding.is_named("sc2086"));
        assert!(!finding.is_named("SC2087"));
        assert!(!finding.is_named("DL2086"));
        assert_eq!(finding.label(), "SC2086");
        assert_eq!(finding.hadolint().as_deref(), Some("SC2086"));
    }

    #[test]
    fn thresholds_read_as_hadolint_reads_them() {
        let warning = Threshold::parse("Warning").unwrap();
        assert!(warning.fails(Severity::Error));
        assert!(warning.fails(Severity::Warning));
        assert!(!warning.fails(Severity::Info));
        assert!(!Threshold::parse("none").unwrap().fails(Severity::Error));
        assert_eq!(Threshold::parse("fatal"), None);
        assert_eq!(parse_severity("style"), Some(Severity::Style));
        assert_eq!(parse_severity("ignore"), None);
    }
}
