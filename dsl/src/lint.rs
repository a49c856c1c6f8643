//! Linting hand-written Dockerfiles: the library side of `stagecraft lint`.
//!
//! The parsing and the rules live in [`stagecraft_rules::dockerfile`]
//! (`stagecraft::rules::dockerfile`: the parse tree, `check_dockerfile`, the
//! same rules `run!` checks at compile time); this module lints a file's text
//! or bytes into a [`FileReport`]. Showing the findings (the terminal form,
//! JSON, SARIF, ...) is the command line's business: the `stagecraft-cli`
//! crate, so that its dependencies never reach a build.rs user's tree.
//!
//! ```
//! use stagecraft::lint::{FileReport, Options};
//!
//! let report = FileReport::lint(
//!     "Dockerfile",
//!     "FROM debian:bookworm-slim\nRUN pip install flask==3.0.3\n",
//!     &Options::default(),
//!     &[],
//! )
//! .unwrap();
//! assert_eq!(report.findings[0].rule.id, "SCR009");
//! assert_eq!(report.findings[0].rule.hadolint, Some("DL3042"));
//! assert_eq!(report.findings[0].line, 2);
//!
//! // `ignore` takes our id or the hadolint code.
//! let quiet = FileReport::lint(
//!     "Dockerfile",
//!     "FROM debian:bookworm-slim\nRUN pip install flask==3.0.3\n",
//!     &Options::default(),
//!     &["DL3042".to_owned()],
//! )
//! .unwrap();
//! assert!(quiet.findings.is_empty());
//! ```

pub use stagecraft_rules::catalogue::{by_hadolint, rule, Rule, Severity, CATALOGUE};
pub use stagecraft_rules::dockerfile::{rule_matches, DockerfileFinding, Options};
// The parse tree (`Dockerfile`, `ParseError`, `Dockerfile::parse`, ...) is the rules
// crate's, reached one way: `stagecraft::rules::dockerfile`. Re-exported here
// it made two public `Dockerfile`s and `ParseError`s in this crate.
use stagecraft_rules::dockerfile::{check_dockerfile, Dockerfile, ParseError};

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
        let df = Dockerfile::parse(source).map_err(|error| LintError::Parse {
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
        let df = Dockerfile::parse_bytes(bytes).map_err(|error| LintError::Parse {
            file: file.to_owned(),
            error,
        })?;
        let source = String::from_utf8_lossy(bytes).into_owned();
        Self::check(file, &source, &df, options, ignore)
    }

    /// Checks an already parsed `df` (whose text is `source`): for callers
    /// that look at the parse tree themselves, e.g. to drop its pragmas
    /// (hadolint's `disable-ignore-pragma`) or to run ShellCheck over its
    /// `RUN`s.
    ///
    /// ```
    /// use stagecraft::lint::{FileReport, Options};
    /// use stagecraft::rules::dockerfile::Dockerfile;
    ///
    /// let text = "FROM debian:bookworm-slim\n# hadolint ignore=DL3042\nRUN pip install x==1.0\n";
    /// let mut df = Dockerfile::parse(text).unwrap();
    /// let quiet = FileReport::check("D", text, &df, &Options::default(), &[]).unwrap();
    /// assert!(quiet.findings.is_empty());
    /// df.stages[0].instructions[0].ignores.clear();
    /// let loud = FileReport::check("D", text, &df, &Options::default(), &[]).unwrap();
    /// assert_eq!(loud.findings[0].rule.id, "SCR009");
    /// ```
    pub fn check(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_file_and_line() {
        let error = FileReport::lint("x/Dockerfile", "FROM a\nNOPE\n", &Options::default(), &[])
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "x/Dockerfile:2: unknown instruction `NOPE`"
        );
        // Options grows fields (trusted registries, label schema): keep the update.
        #[allow(clippy::needless_update)]
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
