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
//! let sc003 = rule("SCR003").unwrap();
//! assert_eq!(sc003.hadolint, Some("DL3009"));
//! assert_eq!(sc003.severity(StageKind::Shipped), Severity::Error);
//! assert_eq!(sc003.severity(StageKind::BuildOnly), Severity::Warning);
//! ```

use std::fmt;

pub use crate::dockerfile::instructions::{
    DL3002, DL3007, DL3010, DL3011, DL3012, DL3021, DL3026, DL3029, DL3063, DL3064, DL3065, DL3067,
    DL4001, DL4003, DL4004,
};
pub use crate::dockerfile::labels::{
    DL3048, DL3049, DL3050, DL3051, DL3052, DL3053, DL3054, DL3055, DL3056, DL3058,
};
pub use crate::family::apk::{DL3018, SCR011};
pub use crate::family::apt::{DL3008, SCR001, SCR002, SCR003, SCR004, SCR005, SCR006, SCR007};
pub use crate::family::commands::{DL3046, DL3047, DL3062};
pub use crate::family::conda::SCR010;
pub use crate::family::dockerfile::{
    DL1001, DL3044, DL3045, DL3057, DL3066, SCR019, SCR020, SCR021, SCR022, SCR023, SCR024, SCR025,
    SCR026, SCR027, SCR028, SCR029, SCR030, SCR031, SCR033, SCR034,
};
pub use crate::family::gem::DL3028;
pub use crate::family::layers::SCR008;
pub use crate::family::masked::SCR032;
pub use crate::family::node::{DL3016, SCR015, SCR016};
pub use crate::family::pip::{DL3013, SCR009};
pub use crate::family::rpm::{DL3030, SCR012, SCR013, SCR014};
pub use crate::family::rpm_install::{DL3033, DL3034, DL3035, DL3037, DL3038, DL3041};
pub use crate::family::shell::{DL3001, DL3004, DL4005, SCR017, SCR018};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// A matter of style (hadolint's lowest level, e.g. label conventions);
    /// never fails a build.
    Style,
    /// Worth knowing; never fails a build.
    Info,
    /// Should be fixed; `stagecraft lint` reports it but exits 0.
    Warning,
    /// Must be fixed: a compile error for `run!`, exit code 1 for `stagecraft lint`.
    Error,
}

impl Severity {
    /// `"error"`, `"warning"`, `"info"` or `"style"`: hadolint's names.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Style => "style",
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
    /// `SCR` and three digits, e.g. `SCR003`: a namespace of our own, so an id
    /// cannot be read as a ShellCheck code (`SC2086`). Never reused. Until 0.2
    /// the ids were `SC` and three digits ([`Rule::legacy_id`]).
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
    /// The id this rule had before ids moved out of ShellCheck's `SC`
    /// namespace: `SC003` for `SCR003`. Pragmas, `--ignore` and [`rule`]
    /// accept it as an alias for one release.
    ///
    /// Rules that take hadolint's code as their id never had one.
    ///
    /// ```
    /// use stagecraft_rules::catalogue::SCR003;
    ///
    /// assert_eq!(SCR003.legacy_id().as_deref(), Some("SC003"));
    /// ```
    pub fn legacy_id(&self) -> Option<String> {
        self.our_digits().map(|digits| format!("SC{digits}"))
    }

    /// The digits of an `SCR` id.
    fn our_digits(&self) -> Option<&'static str> {
        self.id.strip_prefix("SCR")
    }

    /// Whether `code` names this rule: its id, its legacy id or its hadolint
    /// code, in any case (`scr003`, `SC003`, `DL3009`).
    ///
    /// ```
    /// use stagecraft_rules::catalogue::SCR003;
    ///
    /// assert!(SCR003.is_named("SCR003") && SCR003.is_named("sc003"));
    /// assert!(SCR003.is_named("DL3009") && !SCR003.is_named("SC2086"));
    /// ```
    pub fn is_named(&self, code: &str) -> bool {
        self.id.eq_ignore_ascii_case(code)
            || self
                .hadolint
                .is_some_and(|dl| dl.eq_ignore_ascii_case(code))
            || legacy_digits(code).is_some_and(|digits| self.our_digits() == Some(digits))
    }

    /// Whether the rule is off unless enabled ([`OFF_BY_DEFAULT`]).
    pub fn off_by_default(&self) -> bool {
        OFF_BY_DEFAULT.iter().any(|rule| rule.id == self.id)
    }

    /// The severity of this rule in a stage of the given kind.
    pub fn severity(&self, stage: StageKind) -> Severity {
        match stage {
            StageKind::Shipped => self.shipped,
            StageKind::BuildOnly => self.build_only,
        }
    }
}

/// Every rule: ours in id order, then hadolint's by code.
pub static CATALOGUE: &[&Rule] = &[
    &SCR001, &SCR002, &SCR003, &SCR004, &SCR005, &SCR006, &SCR007, &SCR008, &SCR009, &SCR010,
    &SCR011, &SCR012, &SCR013, &SCR014, &SCR015, &SCR016, &SCR017, &SCR018, &SCR019, &SCR020,
    &SCR021, &SCR022, &SCR023, &SCR024, &SCR025, &SCR026, &SCR027, &SCR028, &SCR029, &SCR030,
    &SCR031, &SCR032, &SCR033, &SCR034,
    // Parity with hadolint: its rules that no rule of ours covers, by code.
    &DL1001, &DL3001, &DL3002, &DL3004, &DL3007, &DL3008, &DL3010, &DL3011, &DL3012, &DL3013,
    &DL3016, &DL3018, &DL3021, &DL3026, &DL3028, &DL3029, &DL3030, &DL3033, &DL3034, &DL3035,
    &DL3037, &DL3038, &DL3041, &DL3044, &DL3045, &DL3046, &DL3047, &DL3048, &DL3049, &DL3050,
    &DL3051, &DL3052, &DL3053, &DL3054, &DL3055, &DL3056, &DL3057, &DL3058, &DL3062, &DL3063,
    &DL3064, &DL3065, &DL3066, &DL3067, &DL4001, &DL4003, &DL4004, &DL4005,
];

/// The rules that are off unless a configuration turns them on, as
/// hadolint's rules of severity `ignore` are (DL1001, DL3057): hadolint
/// reports them only when `override:` (or `--error`/`--warning`/`--info`/
/// `--style`) gives them a severity. The checker reports them only when
/// [`Options::enabled`](crate::dockerfile::Options::enabled) names them,
/// with their catalogue severity (`info`) unless the caller overrides it.
///
/// ```
/// use stagecraft_rules::catalogue::{rule, OFF_BY_DEFAULT};
///
/// assert!(OFF_BY_DEFAULT.contains(&rule("DL3057").unwrap()));
/// assert!(rule("DL3057").unwrap().off_by_default());
/// assert!(!rule("SCR003").unwrap().off_by_default());
/// ```
pub static OFF_BY_DEFAULT: &[&Rule] = &[&DL1001, &DL3057];

/// hadolint's version-pinning rules (`apt-get install curl=7.88.1-10`,
/// `pip install flask==3.0.3`, ...). They judge the package names a user
/// chose, not how a command is written: a recipe or a test about another
/// rule that installs `curl` can leave them out.
///
/// ```
/// use stagecraft_rules::catalogue::{rule, PINNING};
///
/// assert!(PINNING.contains(&rule("DL3008").unwrap()));
/// ```
pub static PINNING: &[&Rule] = &[
    &DL3008, &DL3013, &DL3016, &DL3018, &DL3028, &DL3033, &DL3037, &DL3041, &DL3062,
];

/// The three digits of a legacy id (`SC003`, any case), if `code` is one.
fn legacy_digits(code: &str) -> Option<&str> {
    let digits = code.get(2..)?;
    (code.len() == 5
        && code[..2].eq_ignore_ascii_case("SC")
        && digits.bytes().all(|b| b.is_ascii_digit()))
    .then_some(digits)
}

/// The rule with this id (`"SCR003"`), or with this legacy id (`"SC003"`,
/// accepted for one release), if any.
///
/// ```
/// use stagecraft_rules::catalogue::rule;
///
/// assert_eq!(rule("SCR003").unwrap().id, "SCR003");
/// assert_eq!(rule("SC003").unwrap().id, "SCR003");
/// assert!(rule("SC2086").is_none()); // a ShellCheck code, not ours
/// ```
pub fn rule(id: &str) -> Option<&'static Rule> {
    CATALOGUE.iter().copied().find(|rule| {
        rule.id == id || legacy_digits(id).is_some_and(|d| rule.our_digits() == Some(d))
    })
}

/// The rules that match this hadolint code (`"DL3009"`), for honouring
/// `# hadolint ignore=DL3009` and `--ignore DL3009`.
///
/// ```
/// use stagecraft_rules::catalogue::by_hadolint;
///
/// assert_eq!(by_hadolint("DL3042")[0].id, "SCR009");
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
    fn ids_are_unique_and_well_formed() {
        // Our own rules are `SCR` + a number, in order; a rule that exists for
        // parity with hadolint alone takes hadolint's code as its id.
        let ours = CATALOGUE.iter().filter(|rule| rule.id.starts_with("SCR"));
        for (index, rule) in ours.enumerate() {
            assert_eq!(rule.id, format!("SCR{:03}", index + 1));
        }
        let mut ids: Vec<_> = CATALOGUE.iter().map(|rule| rule.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CATALOGUE.len(), "ids are unique");
        for rule in CATALOGUE {
            assert!(
                rule.id.starts_with("SCR") || rule.hadolint == Some(rule.id),
                "{}: neither ours nor hadolint's code",
                rule.id
            );
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
        assert_eq!(rule("SCR017").unwrap().hadolint, Some("DL4006"));
        assert!(rule("SC999").is_none());
        assert_eq!(by_hadolint("DL3003")[0].id, "SCR018");
    }
}
