//! The rule catalogue: every rule stagecraft checks, with its id, the long
//! "why", the fix, the matching hadolint code and its severity per stage kind.
//!
//! # Stage kinds
//!
//! A stage **ships** when it is the build target or one of the stages the
//! target is built `FROM` (its bytes are in the final image). A stage is
//! **build-only** when it is only copied from (`COPY --from=build ...`): its
//! layers never reach the final image, so bytes left in them cost build
//! cache and time, not image size. Cleanup rules are therefore errors in a
//! shipped stage and warnings in a build-only one; rules about correctness
//! (a build that hangs on a prompt) keep their severity in both. Hadolint has
//! no notion of this and reports the same severity everywhere.
//!
//! ```
//! use stagecraft_rules::catalogue::{rule, Severity, StageKind};
//!
//! let sc003 = rule("SC003").unwrap();
//! assert_eq!(sc003.hadolint, Some("DL3009"));
//! assert_eq!(sc003.severity(StageKind::Shipped), Severity::Error);
//! assert_eq!(sc003.severity(StageKind::BuildOnly), Severity::Warning);
//! ```

use std::fmt;

pub use crate::rules::apk::SC011;
pub use crate::rules::apt::{SC001, SC002, SC003, SC004, SC005, SC006, SC007};
pub use crate::rules::conda::SC010;
pub use crate::rules::dockerfile::{
    SC019, SC020, SC021, SC022, SC023, SC024, SC025, SC026, SC027, SC028, SC029, SC030,
};
pub use crate::rules::layers::SC008;
pub use crate::rules::node::{SC015, SC016};
pub use crate::rules::pip::SC009;
pub use crate::rules::rpm::{SC012, SC013, SC014};
pub use crate::rules::shell::{SC017, SC018};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing; never fails a build.
    Info,
    /// Should be fixed; `stagecraft lint` reports it but exits 0.
    Warning,
    /// Must be fixed: a compile error for `run!`, exit code 1 for `stagecraft lint`.
    Error,
}

impl Severity {
    /// `"error"`, `"warning"` or `"info"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a stage's layers reach the final image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StageKind {
    /// The target stage or one of its `FROM` ancestors: its layers ship.
    #[default]
    Shipped,
    /// A stage that is only copied from: its layers never ship.
    BuildOnly,
}

/// One rule of the catalogue.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Rule {
    /// `SC` and three digits, e.g. `SC003`. Never reused.
    pub id: &'static str,
    /// One line: what the rule wants.
    pub summary: &'static str,
    /// Why it matters: which bytes stay in which layer, or what breaks.
    pub why: &'static str,
    /// How to fix it.
    pub fix: &'static str,
    /// The hadolint rule that checks the same thing, if any.
    pub hadolint: Option<&'static str>,
    /// Severity in a stage that ships.
    pub shipped: Severity,
    /// Severity in a stage that is only copied from.
    pub build_only: Severity,
}

impl Rule {
    /// The severity of this rule in a stage of the given kind.
    pub fn severity(&self, stage: StageKind) -> Severity {
        match stage {
            StageKind::Shipped => self.shipped,
            StageKind::BuildOnly => self.build_only,
        }
    }
}

/// Every rule, in id order.
pub static CATALOGUE: &[&Rule] = &[
    &SC001, &SC002, &SC003, &SC004, &SC005, &SC006, &SC007, &SC008, &SC009, &SC010, &SC011, &SC012,
    &SC013, &SC014, &SC015, &SC016, &SC017, &SC018, &SC019, &SC020, &SC021, &SC022, &SC023, &SC024,
    &SC025, &SC026, &SC027, &SC028, &SC029, &SC030,
];

/// The rule with this id (`"SC003"`), if any.
pub fn rule(id: &str) -> Option<&'static Rule> {
    CATALOGUE.iter().copied().find(|rule| rule.id == id)
}

/// The rules that match this hadolint code (`"DL3009"`), for honouring
/// `# hadolint ignore=DL3009` and `--ignore DL3009`.
///
/// ```
/// use stagecraft_rules::catalogue::by_hadolint;
///
/// assert_eq!(by_hadolint("DL3042")[0].id, "SC009");
/// assert!(by_hadolint("DL9999").is_empty());
/// ```
pub fn by_hadolint(code: &str) -> Vec<&'static Rule> {
    CATALOGUE
        .iter()
        .copied()
        .filter(|rule| rule.hadolint == Some(code))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_sequential_and_well_formed() {
        for (index, rule) in CATALOGUE.iter().enumerate() {
            assert_eq!(rule.id, format!("SC{:03}", index + 1));
            assert!(!rule.summary.contains('\n') && !rule.summary.is_empty());
            assert!(!rule.why.is_empty() && !rule.fix.is_empty());
            assert!(rule.build_only <= rule.shipped, "{}", rule.id);
            if let Some(code) = rule.hadolint {
                assert!(code.starts_with("DL") && code.len() == 6, "{code}");
            }
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(rule("SC017").unwrap().hadolint, Some("DL4006"));
        assert!(rule("SC999").is_none());
        assert_eq!(by_hadolint("DL3003")[0].id, "SC018");
    }
}
