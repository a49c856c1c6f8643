//! The checks every `RUN` gets when it is made: at compile time by `run!`
//! and at run time by `Run::checked` (and by deserializing one), through this
//! one function, so the two can never disagree.
//!
//! A `RUN` is made without knowing its stage, so it is held to the rules of
//! a stage that ships: a finding of severity [`Severity::Error`] there
//! rejects it. Warnings (e.g. a pipe without pipefail, which the stage's
//! `SHELL` may settle) are returned for the caller to show.

use thiserror::Error;

use crate::catalogue::Severity;
use crate::dockerfile::mount::RunOptions;
use crate::run_check::{check_run, Finding, RunContext};
use crate::shell::ShellError;
use crate::text::{check_run_start, check_run_text, without_comment_lines, TextError};

/// Why a `RUN` command is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Rejection {
    /// The text cannot be placed after `RUN ` (empty, NUL, bare newline, ...).
    #[error(transparent)]
    Text(#[from] TextError),
    /// The shell text cannot be analysed (e.g. an unterminated quote).
    #[error("the RUN command cannot be analysed: {0}")]
    Shell(#[from] ShellError),
    /// It breaks best-practice rules; each finding says why and how to fix it.
    #[error("{}", describe(.0))]
    Rules(Vec<Finding>),
}

fn describe(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|finding| format!("{}: {}", finding.rule.id, finding.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Checks a `RUN` command: its text, its shell syntax and every per-`RUN`
/// rule for a stage that ships. Returns the warnings when it is accepted.
///
/// ```
/// use stagecraft_rules::accept::{accept_run, Rejection};
///
/// let warnings = accept_run("make -j2 && make install").unwrap();
/// assert!(warnings.is_empty());
///
/// match accept_run("pip install numpy") {
///     Err(Rejection::Rules(findings)) => assert_eq!(findings[0].rule.id, "SCR009"),
///     other => panic!("{other:?}"),
/// }
/// ```
pub fn accept_run(text: &str) -> Result<Vec<Finding>, Rejection> {
    accept_run_with(text, &RunOptions::default())
}

/// [`accept_run`] for a `RUN` with BuildKit options, read by the one
/// grammar of [`mount`](crate::dockerfile::mount): the rules see its mounts
/// as `stagecraft lint` sees `RUN --mount=...` (a cache or tmpfs mount keeps
/// what is written under it out of the layer), so `run!(mount = ..., "...")`
/// and the model's `RunSpec` judge the command with them.
///
/// ```
/// use stagecraft_rules::accept::accept_run_with;
/// use stagecraft_rules::dockerfile::mount::{MountOptions, RunOptions};
///
/// let pip_cache = RunOptions {
///     mounts: vec![MountOptions::parse("type=cache,target=/root/.cache/pip").unwrap()],
///     ..RunOptions::default()
/// };
/// assert!(accept_run_with("pip install numpy", &pip_cache).is_ok());
/// assert!(accept_run_with("pip install numpy", &RunOptions::default()).is_err());
/// ```
pub fn accept_run_with(text: &str, options: &RunOptions) -> Result<Vec<Finding>, Rejection> {
    check_run_start(text)?;
    check_run_text(text)?;
    let context = RunContext {
        cache_mounts: options.layer_free_targets(),
        ..RunContext::shipped()
    };
    // The comment lines inside continuations are Docker's to remove.
    let findings = check_run(&without_comment_lines(text), &context)?;
    let (errors, warnings): (Vec<Finding>, Vec<Finding>) = findings
        .into_iter()
        .partition(|finding| finding.severity == Severity::Error);
    if errors.is_empty() {
        Ok(warnings)
    } else {
        Err(Rejection::Rules(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_layer_of_checks_rejects() {
        assert!(matches!(
            accept_run(""),
            Err(Rejection::Text(TextError::Empty))
        ));
        assert!(matches!(accept_run("echo 'open"), Err(Rejection::Shell(_))));
        let Err(Rejection::Rules(findings)) = accept_run("apt-get install curl") else {
            panic!("apt-get install without update and cleanup must be refused");
        };
        let ids: Vec<_> = findings.iter().map(|f| f.rule.id).collect();
        assert_eq!(ids, ["SCR001", "SCR003", "SCR005", "SCR006"]);
    }

    #[test]
    fn warnings_do_not_reject() {
        let warnings = accept_run("curl -fsS https://example.com/x | tar -x").unwrap();
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].rule.id, "SCR017");
    }
}
