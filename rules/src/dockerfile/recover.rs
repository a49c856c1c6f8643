//! Linting what can be read: a Dockerfile with an instruction that cannot
//! be parsed still gets the findings of the rest.

use crate::dockerfile::check::{check_dockerfile, DockerfileFinding, Options};
use crate::dockerfile::parse::{Dockerfile, ParseError};

/// The findings of the instructions that could be read, and the parse
/// errors of those that could not.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Linted {
    /// The findings, in line order (as [`check_dockerfile`] gives them).
    pub findings: Vec<DockerfileFinding>,
    /// The parse errors, in line order; a caller that has any exits as for
    /// a parse error (the findings are reported too).
    pub errors: Vec<ParseError>,
}

/// Parses `bytes` going on after errors
/// ([`Dockerfile::parse_bytes_recovering`]) and checks what could be read.
///
/// ```
/// use stagecraft_rules::dockerfile::{lint_recovering, Options};
///
/// let linted = lint_recovering(
///     b"FROM debian:12\nRUNN make\nRUN pip install numpy==2.1.3\n",
///     &Options::default(),
/// );
/// assert_eq!(linted.errors[0].line, 2);
/// let found: Vec<_> = linted.findings.iter().map(|f| (f.line, f.rule.id)).collect();
/// assert_eq!(found, [(3, "SCR009")]);
/// ```
pub fn lint_recovering(bytes: &[u8], options: &Options) -> Linted {
    let recovered = Dockerfile::parse_bytes_recovering(bytes);
    Linted {
        findings: recovered
            .dockerfile
            .as_ref()
            .map(|df| check_dockerfile(df, options))
            .unwrap_or_default(),
        errors: recovered.errors,
    }
}
