//! The errors of building and validating a model.
//!
//! Building a [`Dockerfile`](crate::Dockerfile) collects every problem before
//! it reports (like serde_derive's `Ctxt`), so one run shows them all:
//! [`Errors`] is that list, each [`ModelError`] says where (stage and
//! instruction), what is wrong with which value, and how to fix it.
//!
//! A leaf: the error types are data, and this module imports nothing of the
//! model, the recipes or the harvest (they import it). [`RecipeError`],
//! [`HarvestError`] and [`HeredocError`] live here and are re-exported where they are used,
//! `stagecraft::packages::RecipeError`, `stagecraft::harvest::HarvestError` and
//! `stagecraft::model::HeredocError`.

use std::fmt;

use thiserror::Error;

use stagecraft_rules::accept::Rejection;
use stagecraft_rules::values::{ValueProblem, ValueProblemKind};

use crate::image_ref::ImageRefError;

/// Where in the model a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Index of the stage (0-based, in `FROM` order); `None` for the global part.
    pub stage: Option<usize>,
    /// The stage's alias, if it has one.
    pub alias: Option<String>,
    /// Which part of the stage.
    pub part: Part,
}

/// The part of a stage a [`Location`] points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The stage as a whole (or the global part before the first `FROM`).
    Whole,
    /// The stage's `FROM` line.
    From,
    /// An instruction: its 0-based index in the stage and its keyword.
    Instruction(usize, &'static str),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.stage, &self.alias) {
            (None, _) => f.write_str("before the first FROM")?,
            (Some(index), Some(alias)) => write!(f, "stage {} `{alias}`", index + 1)?,
            (Some(index), None) => write!(f, "stage {}", index + 1)?,
        }
        match self.part {
            Part::Whole => Ok(()),
            Part::From => f.write_str(", FROM"),
            Part::Instruction(index, keyword) => {
                write!(f, ", instruction {} ({keyword})", index + 1)
            }
        }
    }
}

/// One problem in a model, with its place.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{location}: {kind}")]
pub struct ModelError {
    /// Where it is.
    pub location: Location,
    /// What it is.
    pub kind: ErrorKind,
}

/// What is wrong; each message names the value and the fix.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A Dockerfile needs at least one `FROM`.
    #[error("the Dockerfile has no stage: declare one with `DockerfileBuilder::stage`")]
    NoStages,
    /// A base image reference that does not parse.
    #[error(transparent)]
    Image(#[from] ImageRefError),
    /// A stage alias outside Docker's grammar.
    #[error(
        "invalid stage alias {alias:?}: an alias starts with a letter and holds only letters, \
         digits, '_', '.' and '-' (e.g. \"build\")"
    )]
    InvalidAlias {
        /// The alias.
        alias: String,
    },
    /// Two stages with the same alias (Docker compares them case-insensitively).
    #[error(
        "duplicate stage alias {alias:?}: stage {first} already has it; \
         give every stage its own alias"
    )]
    DuplicateAlias {
        /// The alias.
        alias: String,
        /// The 1-based number of the stage that has it first.
        first: usize,
    },
    /// `scratch` cannot be an alias.
    #[error(
        "the stage alias {alias:?} is reserved: `FROM scratch` means the empty image; \
         choose another alias"
    )]
    ReservedAlias {
        /// The alias.
        alias: String,
    },
    /// An alias equal to an image the Dockerfile writes by that name alone:
    /// `FROM name` would then mean the stage, not the image. (`FROM
    /// python:3.13 AS python` is fine: a tagged reference is no stage name.)
    #[error(
        "the stage alias {alias:?} is also the name of the image {image:?} used in this \
         Dockerfile: Docker would read `FROM {alias}` as the stage, not the image; \
         rename the stage (e.g. \"{alias}-build\")"
    )]
    AliasIsImageName {
        /// The alias.
        alias: String,
        /// The image reference that has that name.
        image: String,
    },
    /// A reference to a stage that is not declared before this point.
    #[error(
        "{instruction} names the stage {alias:?}, which is not declared before this stage: \
         declare it first and use the `StageRef` that declaring it returned"
    )]
    UnknownStage {
        /// `FROM`, `COPY --from` or `RUN --mount from=`.
        instruction: &'static str,
        /// The alias.
        alias: String,
    },
    /// `FROM $NAME` where `NAME` is no global `ARG`.
    #[error(
        "FROM ${name} names no ARG declared before the first FROM: declare it first \
         (`ARG {name}=debian:bookworm-slim` at the top, `DockerfileBuilder::global_arg` \
         in Rust), or write the image itself"
    )]
    UndeclaredBaseArg {
        /// The argument's name.
        name: String,
    },
    /// `FROM python:${VERSION}-slim` whose `ARG` defaults make no image
    /// reference.
    #[error(
        "FROM {template} reads {image:?} with its ARGs' defaults, which is no image reference \
         ({error}): fix the ARG defaults or the text around the variables, e.g. \
         `ARG VERSION=3.12` with `FROM python:${{VERSION}}-slim`"
    )]
    TemplateImage {
        /// The base as written.
        template: String,
        /// The reference with the defaults in.
        image: String,
        /// Why it is no image reference.
        error: Box<ImageRefError>,
    },
    /// A value the model refuses where it stands, e.g. `ONBUILD ONBUILD`.
    #[error("{what} is not allowed: {fix}")]
    NotAllowed {
        /// What it is.
        what: &'static str,
        /// How to write it instead.
        fix: &'static str,
    },
    /// A stage that copies from itself.
    #[error("{instruction} names this very stage {alias:?}: take the files from an earlier stage")]
    OwnStage {
        /// `COPY --from` or `RUN --mount from=`.
        instruction: &'static str,
        /// The alias.
        alias: String,
    },
    /// A `StageRef` that another `DockerfileBuilder` returned.
    #[error(
        "the stage reference {alias:?} belongs to another DockerfileBuilder: use the \
         StageRef returned by this builder"
    )]
    ForeignStage {
        /// The alias.
        alias: String,
    },
    /// An instruction that needs `/bin/sh` in a stage that has none.
    #[error(
        "{what} needs a shell, but this stage's base ({base}) has none: do the work in a \
         build stage that has a shell and COPY --from it{hint}"
    )]
    NeedsShell {
        /// What needs it (`RUN`, `shell-form CMD`, ...).
        what: &'static str,
        /// The base, as rendered after FROM.
        base: String,
        /// An extra hint for the form (e.g. use the exec form).
        hint: &'static str,
    },
    /// A name (ENV key, ARG, LABEL key, ...) outside its grammar.
    #[error("invalid {what} {value:?}: {rule}")]
    InvalidName {
        /// What kind of name.
        what: &'static str,
        /// The name.
        value: String,
        /// The grammar and the fix.
        rule: &'static str,
    },
    /// A character that would break out of the instruction (newline, NUL, CR).
    #[error(
        "{what} {value:?} contains {character}: it would end the instruction early or \
         corrupt the Dockerfile; remove it"
    )]
    ForbiddenCharacter {
        /// Which field.
        what: &'static str,
        /// The value.
        value: String,
        /// A description of the character (`a newline`, `a NUL byte`, ...).
        character: &'static str,
    },
    /// A required value that is empty.
    #[error("{what} is empty: {fix}")]
    Empty {
        /// Which field.
        what: &'static str,
        /// How to fill it.
        fix: &'static str,
    },
    /// A relative `COPY`/`ADD` destination with no `WORKDIR` to be relative to.
    #[error(
        "the destination {destination:?} is relative, but this stage has no WORKDIR before \
         it: write an absolute path (e.g. \"/{destination}\") or set `workdir` first"
    )]
    RelativeDestination {
        /// The destination.
        destination: String,
    },
    /// Port 0.
    #[error("EXPOSE 0 is not a port: use a port number from 1 to 65535")]
    PortZero,
    /// A package recipe with bad input.
    #[error(transparent)]
    Recipe(#[from] RecipeError),
    /// A harvest declaration that cannot be collected.
    #[error(transparent)]
    Harvest(#[from] HarvestError),
    /// A `RUN` (or shell-form command) that is refused: bad text, bad shell
    /// syntax, or a best-practice rule.
    #[error(transparent)]
    Run(#[from] Rejection),
    /// A heredoc `COPY` or `ADD` source that cannot be written as it is.
    #[error(transparent)]
    Heredoc(#[from] HeredocError),
}

/// Why a heredoc (of a `RUN`, or a `COPY` source) cannot be written as it is.
///
/// Re-exported as `stagecraft::model::HeredocError`, where heredocs live.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum HeredocError {
    /// A delimiter that is not a plain word.
    #[error(
        "`{delimiter}` cannot be a heredoc delimiter: use letters, digits and `_` \
         (e.g. `EOF`)"
    )]
    BadDelimiter {
        /// The delimiter.
        delimiter: String,
    },
    /// A heredoc `COPY` or `ADD` source whose delimiter is no file name.
    #[error(
        "`{name}` cannot be the file name of a heredoc `COPY` or `ADD` source (its \
         delimiter is the name of the file it writes): use letters, digits, `_`, `.` and `-`, not starting \
         with `-` (e.g. `<<app.conf`)"
    )]
    BadFileName {
        /// The delimiter.
        name: String,
    },
    /// A heredoc `COPY` that also copies `--from` somewhere.
    #[error(
        "`{keyword} --from` cannot take a heredoc source: the file's text is in the \
         Dockerfile, not in the stage, image or context `--from` names; write the \
         heredoc in its own `{keyword}` without `--from`"
    )]
    FromWithHeredoc {
        /// `COPY`.
        keyword: &'static str,
    },
    /// A heredoc `ADD` with a flag of URL sources (`--checksum`, `--keep-git-dir`).
    #[error(
        "`ADD {flag}` cannot take a heredoc source: the flag is of a URL (a download's \
         digest, a git repository's `.git`), and a heredoc's file is written by the \
         Dockerfile; drop `{flag}`, or add the heredoc in an `ADD` of its own"
    )]
    UrlFlagWithHeredoc {
        /// `--checksum` or `--keep-git-dir`.
        flag: &'static str,
    },
    /// A body line equal to the delimiter would end the heredoc early.
    #[error(
        "line {line} of the heredoc `{delimiter}` is its delimiter and would end it early: \
         choose another delimiter"
    )]
    DelimiterInBody {
        /// The delimiter.
        delimiter: String,
        /// The line of the body (1-based).
        line: usize,
    },
    /// A body whose last line has no newline: the delimiter line would join it.
    #[error(
        "the body of the heredoc `{delimiter}` does not end in a newline, so its delimiter \
         would not stand on a line of its own: end the body with `\\n` (`Heredoc::new` adds it)"
    )]
    NoFinalNewline {
        /// The delimiter.
        delimiter: String,
    },
    /// A body with a byte no Dockerfile can carry.
    #[error("the heredoc `{delimiter}` has a NUL or a carriage return: remove it")]
    BadByte {
        /// The delimiter.
        delimiter: String,
    },
    /// The command does not open exactly these heredocs.
    #[error(
        "the command `{command}` does not open the heredocs {expected} in this order \
         (it opens {found}): write `<<NAME` for each heredoc, in order"
    )]
    Mismatch {
        /// The command line.
        command: String,
        /// The delimiters of the heredocs given.
        expected: String,
        /// The delimiters the command opens.
        found: String,
    },
    /// The command cannot be read after `RUN`.
    #[error("the heredoc command `{command}` cannot be read: {reason}")]
    Unreadable {
        /// The command line.
        command: String,
        /// What the parser said.
        reason: String,
    },
}

/// Every problem found while building or validating a model.
///
/// Its `Debug` form is its message, so `main() -> Result<(), Box<dyn Error>>`
/// (a `build.rs`, say) prints the list readably.
///
/// ```
/// use stagecraft::{Dockerfile, scratch};
///
/// let mut df = Dockerfile::builder();
/// df.stage("scratch", scratch());
/// let errors = df.build().unwrap_err();
/// assert_eq!(errors.len(), 1);
/// assert!(errors.to_string().contains("reserved"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Errors(Vec<ModelError>);

/// A value refused in its slot by the rules crate's one set of value checks
/// ([`values`](stagecraft_rules::values)), said with this crate's kinds.
impl From<ValueProblem> for ErrorKind {
    fn from(problem: ValueProblem) -> ErrorKind {
        let ValueProblem { what, value, kind } = problem;
        match kind {
            ValueProblemKind::Empty { fix } => ErrorKind::Empty { what, fix },
            ValueProblemKind::Character { character } => ErrorKind::ForbiddenCharacter {
                what,
                value,
                character,
            },
            ValueProblemKind::Grammar { rule } => ErrorKind::InvalidName { what, value, rule },
            ValueProblemKind::NotAllowed { fix } => ErrorKind::NotAllowed { what, fix },
        }
    }
}

impl fmt::Debug for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Errors {
    pub(crate) fn new(errors: Vec<ModelError>) -> Self {
        Errors(errors)
    }

    /// How many problems.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never true for an `Errors` returned by this crate; here for completeness.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The problems, in model order.
    pub fn iter(&self) -> std::slice::Iter<'_, ModelError> {
        self.0.iter()
    }

    /// The problems, in model order, as a slice (as
    /// [`ParseErrors::errors`](crate::from_text::ParseErrors::errors)).
    pub fn errors(&self) -> &[ModelError] {
        &self.0
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [one] => write!(f, "{one}"),
            many => {
                write!(f, "{} problems in the Dockerfile model:", many.len())?;
                for error in many {
                    write!(f, "\n  - {error}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Errors {}

impl IntoIterator for Errors {
    type Item = ModelError;
    type IntoIter = std::vec::IntoIter<ModelError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Errors {
    type Item = &'a ModelError;
    type IntoIter = std::slice::Iter<'a, ModelError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Bad input to a recipe.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RecipeError {
    /// No packages to install.
    #[error(
        "{manager}: the package list is empty; name at least one package (an install \
         without packages would only leave the package index behind)"
    )]
    EmptyPackageList {
        /// The package manager (`apt-get`, `pip`, ...).
        manager: &'static str,
    },
    /// A package name or version outside the manager's grammar.
    #[error("{manager}: invalid package {name:?}: {reason}")]
    InvalidPackage {
        /// The package manager.
        manager: &'static str,
        /// The name as given.
        name: String,
        /// What is wrong and what the grammar allows.
        reason: String,
    },
    /// Another argument (a channel, a path, an executable) that cannot be used.
    #[error("{manager}: invalid {what} {value:?}: {reason}")]
    InvalidArgument {
        /// The package manager.
        manager: &'static str,
        /// Which argument.
        what: &'static str,
        /// The value as given.
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The rendered steps are refused by the `RUN` checks (should not happen
    /// for checked input: recipes render what the rules ask for).
    #[error(transparent)]
    Run(#[from] Rejection),
}

/// A declaration that cannot be harvested.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum HarvestError {
    /// Nothing was declared.
    #[error("the harvest declares nothing: add binary(..), package_files(..) or path(..)")]
    Nothing,
    /// A path that is not absolute or holds characters the script cannot carry.
    #[error("invalid harvest {what} {path:?}: {reason}")]
    InvalidPath {
        /// Which declaration.
        what: &'static str,
        /// The path.
        path: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A package name outside Debian's grammar.
    #[error("invalid harvest package {name:?}: {reason}")]
    InvalidPackage {
        /// The name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A [`Harvest::traced`](crate::harvest::Harvest::traced) command given
    /// to a strategy that does not run it.
    #[error(
        "harvest traced({command:?}) needs the traced strategy: resolve it with \
         stagecraft::harvest::trace (feature `engine`)"
    )]
    NeedsTrace {
        /// The command, its words joined by spaces.
        command: String,
    },
    /// The step's script cannot be written in the form asked for (its
    /// heredoc form refused by the model's heredoc checks).
    #[error("the harvest step cannot be written as a heredoc: {reason}")]
    Step {
        /// What the check said.
        reason: String,
    },
}
