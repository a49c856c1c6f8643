//! [`Findings`]: the findings of one Dockerfile, as one collection type.

use std::ops::Deref;

use crate::catalogue::Severity;
use crate::dockerfile::check::DockerfileFinding;

/// Every finding of one Dockerfile, in line order: what
/// `stagecraft::Dockerfile::lint` returns. It derefs to a slice (`len`,
/// indexing, `iter`), and says whether any finding is an error.
///
/// ```
/// use stagecraft_rules::dockerfile::{check_dockerfile, Dockerfile, Findings, Options};
///
/// let df = Dockerfile::parse("FROM scratch\nRUN make\nCMD make\n").unwrap();
/// let findings = Findings::from(check_dockerfile(&df, &Options::default()));
/// assert!(findings.has_errors());
/// let ids: Vec<_> = findings.errors().map(|f| f.rule.id).collect();
/// assert_eq!(ids, ["SCR022", "SCR021"]);
/// assert_eq!(findings.len(), 2);
/// assert_eq!(findings[0].line, 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Findings {
    findings: Vec<DockerfileFinding>,
}

impl Findings {
    /// Whether any finding is an error (the image would be refused).
    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }

    /// The findings of severity error.
    pub fn errors(&self) -> impl Iterator<Item = &DockerfileFinding> + '_ {
        self.findings
            .iter()
            .filter(|finding| finding.severity == Severity::Error)
    }

    /// The findings, as a vector.
    pub fn into_vec(self) -> Vec<DockerfileFinding> {
        self.findings
    }
}

impl From<Vec<DockerfileFinding>> for Findings {
    fn from(findings: Vec<DockerfileFinding>) -> Self {
        Findings { findings }
    }
}

impl Deref for Findings {
    type Target = [DockerfileFinding];
    fn deref(&self) -> &[DockerfileFinding] {
        &self.findings
    }
}

impl<'a> IntoIterator for &'a Findings {
    type Item = &'a DockerfileFinding;
    type IntoIter = std::slice::Iter<'a, DockerfileFinding>;
    fn into_iter(self) -> Self::IntoIter {
        self.findings.iter()
    }
}

impl IntoIterator for Findings {
    type Item = DockerfileFinding;
    type IntoIter = std::vec::IntoIter<DockerfileFinding>;
    fn into_iter(self) -> Self::IntoIter {
        self.findings.into_iter()
    }
}
