//! What a `FROM` line and the top of a Dockerfile say besides the image:
//! the platform (a literal or one of BuildKit's automatic platform ARGs), a
//! base given by a global `ARG` or an image reference with global `ARG`s
//! inside, and the parser directives.

use serde::{Deserialize, Serialize};

/// The platform build arguments BuildKit declares by itself, usable in
/// `FROM --platform=...` without an `ARG`.
///
/// ```
/// use stagecraft::model::AutomaticArg;
/// assert_eq!(AutomaticArg::BuildPlatform.name(), "BUILDPLATFORM");
/// assert_eq!(AutomaticArg::from_name("TARGETARCH"), Some(AutomaticArg::TargetArch));
/// assert_eq!(AutomaticArg::from_name("VERSION"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AutomaticArg {
    /// `BUILDPLATFORM`: the platform of the machine running the build, e.g. `linux/amd64`.
    BuildPlatform,
    /// `BUILDOS`: its OS component.
    BuildOs,
    /// `BUILDARCH`: its architecture, e.g. `amd64`.
    BuildArch,
    /// `BUILDVARIANT`: its variant, e.g. `v7`.
    BuildVariant,
    /// `TARGETPLATFORM`: the platform of the image being built.
    TargetPlatform,
    /// `TARGETOS`: its OS component.
    TargetOs,
    /// `TARGETARCH`: its architecture.
    TargetArch,
    /// `TARGETVARIANT`: its variant.
    TargetVariant,
}

impl AutomaticArg {
    /// Every automatic platform argument.
    pub const ALL: [AutomaticArg; 8] = [
        AutomaticArg::BuildPlatform,
        AutomaticArg::BuildOs,
        AutomaticArg::BuildArch,
        AutomaticArg::BuildVariant,
        AutomaticArg::TargetPlatform,
        AutomaticArg::TargetOs,
        AutomaticArg::TargetArch,
        AutomaticArg::TargetVariant,
    ];

    /// The argument's name, as after `$`.
    pub fn name(self) -> &'static str {
        match self {
            AutomaticArg::BuildPlatform => "BUILDPLATFORM",
            AutomaticArg::BuildOs => "BUILDOS",
            AutomaticArg::BuildArch => "BUILDARCH",
            AutomaticArg::BuildVariant => "BUILDVARIANT",
            AutomaticArg::TargetPlatform => "TARGETPLATFORM",
            AutomaticArg::TargetOs => "TARGETOS",
            AutomaticArg::TargetArch => "TARGETARCH",
            AutomaticArg::TargetVariant => "TARGETVARIANT",
        }
    }

    /// The argument with this name.
    pub fn from_name(name: &str) -> Option<AutomaticArg> {
        AutomaticArg::ALL.into_iter().find(|arg| arg.name() == name)
    }
}

impl std::fmt::Display for AutomaticArg {
    /// `$NAME`, as written in a Dockerfile.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "${}", self.name())
    }
}

/// The value of `FROM --platform=...`, for the stage builders:
/// a literal platform or an automatic platform argument.
///
/// ```
/// use stagecraft::model::{AutomaticArg, Platform};
/// assert_eq!(Platform::from(AutomaticArg::BuildPlatform).to_string(), "$BUILDPLATFORM");
/// assert_eq!(Platform::from("linux/arm64").to_string(), "linux/arm64");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Platform {
    /// `os/arch[/variant]`, e.g. `linux/amd64` (checked when the Dockerfile is built).
    Literal(String),
    /// `$BUILDPLATFORM`, `$TARGETPLATFORM`, ...
    Automatic(AutomaticArg),
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Platform::Literal(text) => f.write_str(text),
            Platform::Automatic(arg) => write!(f, "{arg}"),
        }
    }
}

impl From<&str> for Platform {
    fn from(text: &str) -> Self {
        Platform::Literal(text.to_string())
    }
}

impl From<String> for Platform {
    fn from(text: String) -> Self {
        Platform::Literal(text)
    }
}

impl From<AutomaticArg> for Platform {
    fn from(arg: AutomaticArg) -> Self {
        Platform::Automatic(arg)
    }
}

/// A base given by a global `ARG`: `FROM $BASE` or
/// `FROM ${BASE:-debian:bookworm-slim}`. The `ARG` must be declared before
/// the first `FROM`; the model refuses it otherwise.
///
/// ```
/// use stagecraft::model::ArgBase;
/// let base = ArgBase { name: "BASE".into(), fallback: Some("debian:bookworm-slim".into()) };
/// assert_eq!(base.to_string(), "${BASE:-debian:bookworm-slim}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArgBase {
    /// The global `ARG`'s name.
    pub name: String,
    /// `${NAME:-fallback}`: the image used when the argument is empty or unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
}

impl std::fmt::Display for ArgBase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.fallback {
            Some(fallback) => write!(f, "${{{}:-{fallback}}}", self.name),
            None => write!(f, "${}", self.name),
        }
    }
}

impl ArgBase {
    /// Reads `$NAME`, `${NAME}` or `${NAME:-fallback}`; `None` for anything else.
    ///
    /// ```
    /// use stagecraft::model::ArgBase;
    /// let base = ArgBase::parse("${BASE:-alpine:3.20}").unwrap();
    /// assert_eq!((base.name.as_str(), base.fallback.as_deref()), ("BASE", Some("alpine:3.20")));
    /// assert!(ArgBase::parse("$BASE").unwrap().fallback.is_none());
    /// assert!(ArgBase::parse("python:${VERSION}").is_none());
    /// ```
    pub fn parse(text: &str) -> Option<ArgBase> {
        let (name, fallback) = stagecraft_rules::dockerfile::model_support::base_arg(text)?;
        Some(ArgBase {
            name: name.to_string(),
            fallback: fallback.map(str::to_string),
        })
    }
}

/// A base image reference with global `ARG`s inside:
/// `FROM python:${PYTHON_VERSION}-slim`, `FROM ${REGISTRY}/app:${TAG:-latest}`.
/// Docker expands the `ARG`s (declared before the first `FROM`) before it
/// reads the reference; the model refuses an undeclared one, and, when
/// every `ARG` has a default (or the part a fallback), a reference that is
/// no image with those defaults.
///
/// It is always an image, never a stage, and is read as an image with a
/// shell unless its text names a shell-less one as a plain reference would
/// (`gcr.io/distroless/...` but `:debug`): what the text says is all the
/// model and the lint can know before the build chooses the values.
/// Each `ARG` is rendered `${NAME}` (or `${NAME:-fallback}`), so text
/// around it never extends its name.
///
/// ```
/// use stagecraft::model::{ImageTemplate, TemplatePart};
/// let template = ImageTemplate::parse("python:$PYTHON_VERSION-slim").unwrap();
/// assert_eq!(template.parts[1], TemplatePart::Arg { name: "PYTHON_VERSION".into(), fallback: None });
/// assert_eq!(template.to_string(), "python:${PYTHON_VERSION}-slim");
/// assert!(ImageTemplate::parse("debian:bookworm-slim").is_none());
/// assert!(ImageTemplate::parse("$BASE").is_none(), "a whole base ARG is an ArgBase");
///
/// // Text reads it so, and refuses an ARG declared nowhere.
/// use stagecraft::{Base, Dockerfile};
/// let df = Dockerfile::parse("ARG SUITE=bookworm\nFROM debian:${SUITE}-slim\n").unwrap();
/// assert!(matches!(&df.stages()[0].base, Base::Template(t) if t.arg_names().eq(["SUITE"])));
/// let error = Dockerfile::parse("FROM debian:${SUITE}-slim\n").unwrap_err();
/// assert!(error.to_string().contains("`SUITE` is no ARG declared before the first FROM"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ImageTemplate {
    /// The text and the `ARG`s, in order; adjacent text is one part.
    pub parts: Vec<TemplatePart>,
}

/// One part of an [`ImageTemplate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplatePart {
    /// Text as written: characters of an image reference (letters, digits,
    /// `.`, `_`, `-`, `/`, `:`, `@`).
    Text(String),
    /// A global `ARG`: its value, or `fallback` when it is empty or unset.
    Arg {
        /// The global `ARG`'s name.
        name: String,
        /// `${NAME:-fallback}`: the text used when the argument is empty or unset.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fallback: Option<String>,
    },
}

impl ImageTemplate {
    /// Reads an image reference with `$NAME`, `${NAME}` or
    /// `${NAME:-fallback}` inside; `None` for a reference without a
    /// variable, a whole base `ARG` (an [`ArgBase`]) or another form of
    /// expansion (`${NAME:+x}`, quotes, escapes).
    pub fn parse(text: &str) -> Option<ImageTemplate> {
        use stagecraft_rules::dockerfile::model_support::{base_template, BaseTemplatePart};
        let parts = base_template(text)?
            .into_iter()
            .map(|part| match part {
                BaseTemplatePart::Text(text) => TemplatePart::Text(text.to_string()),
                BaseTemplatePart::Arg { name, fallback } => TemplatePart::Arg {
                    name: name.to_string(),
                    fallback: fallback.map(str::to_string),
                },
            })
            .collect();
        Some(ImageTemplate { parts })
    }

    /// The names of the `ARG`s it refers to, in order.
    pub fn arg_names(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            TemplatePart::Arg { name, .. } => Some(name.as_str()),
            TemplatePart::Text(_) => None,
        })
    }
}

impl std::fmt::Display for ImageTemplate {
    /// The reference as written after `FROM`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for part in &self.parts {
            match part {
                TemplatePart::Text(text) => f.write_str(text)?,
                TemplatePart::Arg {
                    name,
                    fallback: Some(fallback),
                } => write!(f, "${{{name}:-{fallback}}}")?,
                TemplatePart::Arg {
                    name,
                    fallback: None,
                } => write!(f, "${{{name}}}")?,
            }
        }
        Ok(())
    }
}

/// The parser directives at the top of a Dockerfile. They are part of what
/// the file means (`syntax` selects the frontend that reads it), so the
/// model keeps them and renders them first.
///
/// ```
/// use stagecraft::model::Directives;
/// let directives = Directives { syntax: Some("docker/dockerfile:1".into()), ..Default::default() };
/// assert!(!directives.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directives {
    /// `# syntax=docker/dockerfile:1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub syntax: Option<String>,
    /// `# escape=` followed by a backtick (`\` is the default and is not written).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub escape_backtick: bool,
    /// `# check=skip=...;error=true`: which build checks run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
}

impl Directives {
    /// No directive at all.
    pub fn is_empty(&self) -> bool {
        self.syntax.is_none() && !self.escape_backtick && self.check.is_none()
    }

    /// The escape character they select.
    pub fn escape(&self) -> char {
        if self.escape_backtick {
            '`'
        } else {
            '\\'
        }
    }
}

/// A comment before the first `FROM`, placed before the global `ARG` at
/// `before_arg` (the number of global `ARG`s: after them all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlobalComment {
    /// The index of the global `ARG` it comes before.
    pub before_arg: usize,
    /// The text, one line per `\n`, without the `# `.
    pub text: String,
}
