//! The output formats of `stagecraft lint --format`, hadolint's names and
//! shapes (`src/Hadolint/Formatter/*.hs`): one module per format.

mod checkstyle;
mod codacy;
mod codeclimate;
mod gnu;
mod json;
mod sarif;
mod sonarqube;
mod tty;

use crate::finding::Report;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For people: each finding with its line and the fix (`human` too).
    Tty,
    /// Our JSON array of six keys per finding.
    Json,
    /// SARIF 2.1.0, for code-scanning upload.
    Sarif,
    /// Checkstyle XML.
    Checkstyle,
    /// GitLab's code-quality report (a JSON array with fingerprints).
    GitlabCodeclimate,
    /// Code Climate's engine output (JSON objects, each ended by a NUL).
    Codeclimate,
    /// GNU's `PROGRAM:FILE:LINE: MESSAGE` lines.
    Gnu,
    /// Codacy's issue objects, one a line.
    Codacy,
    /// SonarQube's generic external issues report (`{"issues": [...]}`).
    Sonarqube,
}

impl Format {
    /// The names, for messages.
    pub const NAMES: &'static str =
        "tty, json, sarif, checkstyle, gitlab_codeclimate, codeclimate, gnu, codacy, sonarqube";

    /// A format by its hadolint name (`human` is ours for `tty`).
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "tty" | "human" => Self::Tty,
            "json" => Self::Json,
            "sarif" => Self::Sarif,
            "checkstyle" => Self::Checkstyle,
            "gitlab_codeclimate" => Self::GitlabCodeclimate,
            "codeclimate" => Self::Codeclimate,
            "gnu" => Self::Gnu,
            "codacy" => Self::Codacy,
            "sonarqube" => Self::Sonarqube,
            _ => return None,
        })
    }

    /// The reports in this format; `color` only matters for `tty`.
    pub fn render(self, reports: &[Report], color: bool) -> String {
        match self {
            Self::Tty => tty::render(reports, color),
            Self::Json => json::render(reports),
            Self::Sarif => sarif::render(reports),
            Self::Checkstyle => checkstyle::render(reports),
            Self::GitlabCodeclimate => codeclimate::render_gitlab(reports),
            Self::Codeclimate => codeclimate::render(reports),
            Self::Gnu => gnu::render(reports),
            Self::Codacy => codacy::render(reports),
            Self::Sonarqube => sonarqube::render(reports),
        }
    }
}

/// A JSON value as text; plain strings and numbers always serialize.
fn to_json<T: serde::Serialize>(value: &T, pretty: bool) -> String {
    let text = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    text.unwrap_or_else(|_| "null".to_owned())
}
