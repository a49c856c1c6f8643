//! `LABEL` rules: well-formed keys (DL3048) always, and, given a label
//! schema ([`Options::label_schema`], hadolint's `label-schema`), labels that
//! are missing (DL3049), not in the schema (DL3050, with
//! [`Options::strict_labels`]), empty (DL3051) or not of their type (DL3052
//! URL, DL3053 RFC 3339 time, DL3054 SPDX license, DL3055 git hash, DL3056
//! semantic version, DL3058 e-mail address).
//!
//! Stage awareness: the image's labels are those of the target stage and the
//! stages it is built `FROM`, so a missing label (DL3049) is reported once,
//! on the target's `FROM`, when none of them sets it; hadolint reports every
//! stage that lacks it, build stages included.
//!
//! ```
//! use std::collections::BTreeMap;
//! use stagecraft_rules::dockerfile::{lint, LabelType, Options};
//!
//! let options = Options {
//!     label_schema: BTreeMap::from([
//!         ("org.opencontainers.image.version".to_owned(), LabelType::SemVer),
//!         ("org.opencontainers.image.licenses".to_owned(), LabelType::Spdx),
//!     ]),
//!     ..Options::default()
//! };
//! let findings = lint(
//!     "FROM debian:12\nLABEL org.opencontainers.image.version=1.2\n",
//!     &options,
//! )
//! .unwrap();
//! let found: Vec<_> = findings.iter().map(|f| (f.line, f.rule.id)).collect();
//! assert_eq!(found, [(1, "DL3049"), (2, "DL3056")]);
//! ```

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use crate::catalogue::{Rule, Severity, StageKind};
use crate::dockerfile::check::{DockerfileFinding, Options, StageInfo};
use crate::dockerfile::parse::{Dockerfile, InstructionKind};

/// What a label's value must be, as hadolint's `label-schema` names it.
///
/// ```
/// use stagecraft_rules::dockerfile::LabelType;
///
/// assert_eq!("rfc3339".parse::<LabelType>().unwrap(), LabelType::Rfc3339);
/// assert_eq!(LabelType::GitHash.to_string(), "hash");
/// assert!("date".parse::<LabelType>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LabelType {
    /// `email`: an e-mail address (RFC 5322 `local@domain`).
    Email,
    /// `hash`: a git commit hash, 7 or 40 lower-case hex digits.
    GitHash,
    /// `text`: anything, not empty.
    RawText,
    /// `rfc3339`: a time such as `2024-05-01T12:00:00Z`.
    Rfc3339,
    /// `semver`: a semantic version such as `1.4.0-rc.1`.
    SemVer,
    /// `spdx`: an SPDX license identifier such as `Apache-2.0`.
    Spdx,
    /// `url`: an absolute URI such as `https://example.org/x`.
    Url,
}

impl LabelType {
    /// The name in a `.hadolint.yaml`: `email`, `hash`, `text`, `rfc3339`,
    /// `semver`, `spdx` or `url`.
    pub fn as_str(self) -> &'static str {
        match self {
            LabelType::Email => "email",
            LabelType::GitHash => "hash",
            LabelType::RawText => "text",
            LabelType::Rfc3339 => "rfc3339",
            LabelType::SemVer => "semver",
            LabelType::Spdx => "spdx",
            LabelType::Url => "url",
        }
    }

    /// Whether `value` is of this type (an empty value is DL3051's, not this).
    ///
    /// ```
    /// use stagecraft_rules::dockerfile::LabelType;
    ///
    /// assert!(LabelType::Url.accepts("https://example.org"));
    /// assert!(!LabelType::Url.accepts("example.org"));
    /// assert!(LabelType::GitHash.accepts("0a1b2c3"));
    /// assert!(LabelType::Spdx.accepts("Apache-2.0") && !LabelType::Spdx.accepts("Apache"));
    /// ```
    pub fn accepts(self, value: &str) -> bool {
        match self {
            LabelType::Email => is_email(value),
            LabelType::GitHash => {
                matches!(value.len(), 7 | 40)
                    && value
                        .bytes()
                        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            }
            LabelType::RawText => true,
            LabelType::Rfc3339 => is_rfc3339(value),
            LabelType::SemVer => is_semver(value),
            LabelType::Spdx => spdx::license_id(value).is_some(),
            LabelType::Url => is_uri(value),
        }
    }
}

impl fmt::Display for LabelType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A label type name that hadolint does not know.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown label type `{0}`: expected one of email, hash, text, rfc3339, semver, spdx, url")]
pub struct UnknownLabelType(pub String);

impl FromStr for LabelType {
    type Err = UnknownLabelType;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Ok(match name {
            "email" => LabelType::Email,
            "hash" => LabelType::GitHash,
            "text" => LabelType::RawText,
            "rfc3339" => LabelType::Rfc3339,
            "semver" => LabelType::SemVer,
            "spdx" => LabelType::Spdx,
            "url" => LabelType::Url,
            other => return Err(UnknownLabelType(other.to_owned())),
        })
    }
}

const LABEL_WHY: &str = "Labels are how registries, scanners and `docker inspect` find an \
                         image's source, version, license and owner; a team's label schema \
                         only helps if every image follows it.";

/// A label key that does not follow Docker's key format.
pub static DL3048: Rule = Rule {
    id: "DL3048",
    summary: "label keys are lower-case reverse-DNS names (`org.example.key`)",
    why: "Docker's guidelines: keys start with a letter and end with a letter or digit, use only \
          lower-case letters, digits, `.`, `-`, `_` and `/`, no `..` or `--`, and leave the \
          `com.docker.`, `io.docker.` and `org.dockerproject.` namespaces to Docker; tools that \
          read labels rely on it.",
    fix: "Rename the key, e.g. `LABEL org.opencontainers.image.version=1.2.0`.",
    hadolint: Some("DL3048"),
    shipped: Severity::Style,
    build_only: Severity::Style,
};

/// A label of the schema that the image does not set.
pub static DL3049: Rule = Rule {
    id: "DL3049",
    summary: "the image sets every label of the label schema",
    why: LABEL_WHY,
    fix: "Add the label to the target stage (or a stage it is built FROM): `LABEL key=value`.",
    hadolint: Some("DL3049"),
    shipped: Severity::Info,
    build_only: Severity::Info,
};

/// A label outside the schema, with strict labels.
pub static DL3050: Rule = Rule {
    id: "DL3050",
    summary: "with strict labels, only labels of the schema",
    why: "With `strict-labels`, the schema is the complete list of labels an image may carry: \
          a key outside it is usually a typo of a key inside it.",
    fix: "Fix the key's spelling, add it to the `label-schema`, or remove it.",
    hadolint: Some("DL3050"),
    shipped: Severity::Info,
    build_only: Severity::Info,
};

/// A label of the schema with an empty value.
pub static DL3051: Rule = Rule {
    id: "DL3051",
    summary: "labels of the schema are not empty",
    why: LABEL_WHY,
    fix: "Give the label its value, e.g. from a build argument: `ARG VERSION` then \
          `LABEL org.opencontainers.image.version=$VERSION`.",
    hadolint: Some("DL3051"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// A `url` label that is not an absolute URI.
pub static DL3052: Rule = Rule {
    id: "DL3052",
    summary: "a `url` label is an absolute URL",
    why: LABEL_WHY,
    fix: "Write the whole URL with its scheme: `https://github.com/org/repo`.",
    hadolint: Some("DL3052"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// An `rfc3339` label that is not an RFC 3339 time.
pub static DL3053: Rule = Rule {
    id: "DL3053",
    summary: "an `rfc3339` label is an RFC 3339 time",
    why: LABEL_WHY,
    fix: "Write date, time and offset: `2024-05-01T12:00:00Z` (e.g. from `date -u +%FT%TZ`).",
    hadolint: Some("DL3053"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// An `spdx` label that is not an SPDX license identifier.
pub static DL3054: Rule = Rule {
    id: "DL3054",
    summary: "an `spdx` label is an SPDX license identifier",
    why: LABEL_WHY,
    fix: "Use the identifier from the SPDX license list, e.g. `MIT`, `Apache-2.0`, \
          `GPL-3.0-only`.",
    hadolint: Some("DL3054"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// A `hash` label that is not a git commit hash.
pub static DL3055: Rule = Rule {
    id: "DL3055",
    summary: "a `hash` label is a git commit hash (7 or 40 hex digits)",
    why: LABEL_WHY,
    fix: "Pass the commit in: `ARG GIT_COMMIT` then `LABEL org.opencontainers.image.revision=\
          $GIT_COMMIT`, built with `--build-arg GIT_COMMIT=$(git rev-parse HEAD)`.",
    hadolint: Some("DL3055"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// A `semver` label that is not a semantic version.
pub static DL3056: Rule = Rule {
    id: "DL3056",
    summary: "a `semver` label is a semantic version (`MAJOR.MINOR.PATCH`)",
    why: LABEL_WHY,
    fix: "Write all three numbers, with an optional pre-release and build: `1.2.0`, \
          `2.0.0-rc.1`.",
    hadolint: Some("DL3056"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// An `email` label that is not an e-mail address.
pub static DL3058: Rule = Rule {
    id: "DL3058",
    summary: "an `email` label is an e-mail address",
    why: LABEL_WHY,
    fix: "Write the address alone: `team@example.org` (no name, no angle brackets).",
    hadolint: Some("DL3058"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// Whether `key` follows Docker's label key format (DL3048).
fn valid_key(key: &str) -> bool {
    let first_ok = key.starts_with(|c: char| c.is_ascii_lowercase());
    let last_ok = key.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit());
    let chars_ok = key
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_/".contains(c));
    let reserved = ["com.docker.", "io.docker.", "org.dockerproject."]
        .iter()
        .any(|ns| key.starts_with(ns));
    first_ok && last_ok && chars_ok && !reserved && !key.contains("..") && !key.contains("--")
}

/// An absolute URI: `scheme:rest`, no spaces.
fn is_uri(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once(':') else {
        return false;
    };
    scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        && !rest.is_empty()
        && !value
            .chars()
            .any(|c| c.is_whitespace() || "<>\"{}|\\^`".contains(c))
}

fn digits(text: &str, count: usize) -> bool {
    text.len() == count && text.bytes().all(|b| b.is_ascii_digit())
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, `T` and `Z` in any case.
fn is_rfc3339(value: &str) -> bool {
    let Some((date, time)) = value.split_once(['T', 't', ' ']) else {
        return false;
    };
    let in_range = |text: &str, low: u8, high: u8| {
        digits(text, 2) && (low..=high).contains(&text.parse::<u8>().unwrap_or(0))
    };
    let date: Vec<&str> = date.split('-').collect();
    let date_ok = matches!(date.as_slice(),
        [y, m, d] if digits(y, 4) && in_range(m, 1, 12) && in_range(d, 1, 31));
    let (clock, offset) = match time.find(['Z', 'z', '+', '-']) {
        Some(at) => time.split_at(at),
        None => return false,
    };
    let (clock, fraction) = clock.split_once('.').unwrap_or((clock, "0"));
    let clock: Vec<&str> = clock.split(':').collect();
    let clock_ok = matches!(clock.as_slice(),
        [h, m, s] if in_range(h, 0, 23) && in_range(m, 0, 59) && in_range(s, 0, 60))
        && !fraction.is_empty()
        && fraction.bytes().all(|b| b.is_ascii_digit());
    let offset_ok = offset.eq_ignore_ascii_case("z")
        || offset
            .strip_prefix(['+', '-'])
            .and_then(|o| o.split_once(':'))
            .is_some_and(|(h, m)| in_range(h, 0, 23) && in_range(m, 0, 59));
    date_ok && clock_ok && offset_ok
}

/// A semantic version 2.0.0: `MAJOR.MINOR.PATCH[-pre][+build]`, no leading
/// zeros in numbers.
fn is_semver(value: &str) -> bool {
    let number = |part: &str| {
        !part.is_empty()
            && part.bytes().all(|b| b.is_ascii_digit())
            && (part == "0" || !part.starts_with('0'))
    };
    let identifiers = |text: &str, numeric_rule: bool| {
        text.split('.').all(|id| {
            !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && (!numeric_rule || !id.bytes().all(|b| b.is_ascii_digit()) || number(id))
        })
    };
    let (rest, build) = match value.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (value, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let core: Vec<&str> = core.split('.').collect();
    core.len() == 3
        && core.iter().all(|part| number(part))
        && pre.is_none_or(|pre| identifiers(pre, true))
        && build.is_none_or(|build| identifiers(build, false))
}

/// An addr-spec: `local@domain`, the local part dot-separated atoms (or a
/// quoted string), the domain dot-separated labels (or a `[literal]`).
fn is_email(value: &str) -> bool {
    let Some(at) = value.rfind('@') else {
        return false;
    };
    let (local, domain) = (&value[..at], &value[at + 1..]);
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    let dot_atoms = |text: &str, ok: &dyn Fn(char) -> bool| {
        !text.is_empty()
            && text
                .split('.')
                .all(|atom| !atom.is_empty() && atom.chars().all(ok))
    };
    let local_ok = (local.len() >= 2 && local.starts_with('"') && local.ends_with('"'))
        || dot_atoms(local, &atext);
    let label = |c: char| c.is_ascii_alphanumeric() || c == '-';
    let domain_ok = (domain.starts_with('[') && domain.ends_with(']'))
        || (dot_atoms(domain, &label)
            && domain
                .split('.')
                .all(|l| !l.starts_with('-') && !l.ends_with('-')));
    local_ok && domain_ok && value.len() <= 254
}

/// Checks the `LABEL`s of every stage against the key format and the
/// options' schema. Findings come in stage order; the caller sorts.
pub(crate) fn check_labels(
    df: &Dockerfile,
    infos: &[StageInfo],
    options: &Options,
) -> Vec<DockerfileFinding> {
    let mut findings = Vec::new();
    let suppressed = |rule: &Rule, ignores: &[String]| {
        ignores
            .iter()
            .chain(&df.global_ignores)
            .any(|code| rule.is_named(code))
    };
    let mut shipped_keys: Vec<&str> = Vec::new();
    for (index, stage) in df.stages.iter().enumerate() {
        let kind = infos
            .get(index)
            .map_or(StageKind::Shipped, |info| info.kind);
        for instruction in &stage.instructions {
            let InstructionKind::Label(pairs) = &instruction.kind else {
                continue;
            };
            let mut report = |rule: &'static Rule, message: String| {
                if !suppressed(rule, &instruction.ignores) {
                    findings.push(DockerfileFinding {
                        rule,
                        severity: rule.severity(kind),
                        line: instruction.line,
                        stage: index,
                        message,
                    });
                }
            };
            for (key, value) in pairs {
                if kind == StageKind::Shipped {
                    shipped_keys.push(key);
                }
                if !valid_key(key) {
                    report(
                        &DL3048,
                        format!(
                            "the label key `{key}` is not a lower-case reverse-DNS name (letters \
                             a-z, digits, `.`, `-`, `_`, `/`; no `..`, `--` or Docker's \
                             namespaces); rename it, e.g. `org.example.{}`",
                            key.to_ascii_lowercase()
                                .trim_matches(|c: char| !c.is_ascii_alphanumeric())
                        ),
                    );
                }
                let Some(&label_type) = options.label_schema.get(key.as_str()) else {
                    if options.strict_labels {
                        report(
                            &DL3050,
                            format!(
                                "the label `{key}` is not in the label schema, and labels are \
                                 strict; fix its spelling, add it to `label-schema`, or remove it"
                            ),
                        );
                    }
                    continue;
                };
                if value.is_empty() {
                    report(
                        &DL3051,
                        format!("the label `{key}` is empty; give it its value"),
                    );
                    continue;
                }
                if value.contains('$') || label_type.accepts(value) {
                    continue;
                }
                let (rule, wanted) = match label_type {
                    LabelType::Url => (&DL3052, "an absolute URL such as `https://example.org/x`"),
                    LabelType::Rfc3339 => {
                        (&DL3053, "an RFC 3339 time such as `2024-05-01T12:00:00Z`")
                    }
                    LabelType::Spdx => (&DL3054, "an SPDX license identifier such as `Apache-2.0`"),
                    LabelType::GitHash => {
                        (&DL3055, "a git commit hash (7 or 40 lower-case hex digits)")
                    }
                    LabelType::SemVer => (&DL3056, "a semantic version such as `1.2.0`"),
                    LabelType::Email => (&DL3058, "an e-mail address such as `team@example.org`"),
                    LabelType::RawText => continue,
                };
                report(
                    rule,
                    format!("the label `{key}` is `{value}`, which is not {wanted}"),
                );
            }
        }
    }
    // DL3049: the image's labels are those of the shipped stages.
    let target = infos
        .iter()
        .rposition(|info| info.kind == StageKind::Shipped)
        .unwrap_or(df.stages.len().saturating_sub(1));
    if let Some(stage) = df.stages.get(target) {
        for key in options.label_schema.keys() {
            if shipped_keys.contains(&key.as_str()) || suppressed(&DL3049, &stage.ignores) {
                continue;
            }
            findings.push(DockerfileFinding {
                rule: &DL3049,
                severity: DL3049.severity(StageKind::Shipped),
                line: stage.line,
                stage: target,
                message: format!(
                    "the image has no label `{key}`, which the label schema requires; add \
                     `LABEL {key}=...` to this stage"
                ),
            });
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert!(valid_key("org.opencontainers.image.version"));
        assert!(valid_key("maintainer") && valid_key("a/b_c-1"));
        for bad in [
            "Version",
            "1abc",
            "abc.",
            "a..b",
            "a--b",
            "com.docker.x",
            "a b",
        ] {
            assert!(!valid_key(bad), "{bad}");
        }
    }

    #[test]
    fn value_types() {
        assert!(is_rfc3339("2024-05-01T12:00:00Z"));
        assert!(is_rfc3339("2024-05-01t12:00:00.123+02:00"));
        for bad in [
            "2024-05-01",
            "2024-13-01T00:00:00Z",
            "2024-05-01T12:00:00",
            "yesterday",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
        assert!(is_semver("1.2.3") && is_semver("1.0.0-rc.1+build.5") && is_semver("0.0.0"));
        for bad in ["1.2", "v1.2.3", "01.2.3", "1.2.3-", "1.2.3-01"] {
            assert!(!is_semver(bad), "{bad}");
        }
        assert!(is_email("team@example.org") && is_email("a.b+c@x"));
        for bad in ["team", "Team <team@example.org>", "a..b@x", "a@-x", "@x"] {
            assert!(!is_email(bad), "{bad}");
        }
        assert!(is_uri("https://example.org/x?y=1") && is_uri("mailto:a@b"));
        assert!(!is_uri("example.org") && !is_uri("https://a b") && !is_uri("1http://x"));
        assert!(LabelType::GitHash.accepts(&"a".repeat(40)));
        assert!(!LabelType::GitHash.accepts("0A1B2C3") && !LabelType::GitHash.accepts("abc"));
        assert!(LabelType::Spdx.accepts("MIT") && !LabelType::Spdx.accepts("MIT OR Apache-2.0"));
    }

    #[test]
    fn type_names_round_trip() {
        for name in ["email", "hash", "text", "rfc3339", "semver", "spdx", "url"] {
            assert_eq!(name.parse::<LabelType>().unwrap().as_str(), name);
        }
    }
}
