//! The model: a [`Dockerfile`] is global `ARG`s and an ordered list of
//! [`Stage`]s, each a [`Base`] and a list of [`Instruction`]s.
//!
//! Plain data with serde, so a spec can be stored as JSON and read by other
//! tools. A `Dockerfile` value is always valid: the builder and the
//! deserializer both go through [`Dockerfile::from_parts`], which checks
//! everything that rendering relies on. Rendering is then a pure function of it.

mod from;
mod heredoc;
mod instruction;
mod json;
mod mount;
mod run;
mod validate;
mod view;
pub mod word;

use serde::{Deserialize, Serialize};

pub use self::from::{
    ArgBase, AutomaticArg, Directives, GlobalComment, ImageTemplate, Platform, TemplatePart,
};
pub use self::heredoc::{Heredoc, HeredocError, HeredocScript};
pub use self::instruction::{
    Add, Arg, Command, Copy, CopyFrom, Healthcheck, Instruction, KeyValue, Port, PortVariable,
    Protocol,
};
pub use self::mount::{
    BindMount, CacheMount, Mount, MountError, Network, SecretId, SecretMount, Security, Sharing,
    SshMount, TmpfsMount,
};
pub use self::run::{ExecRun, Run, RunError, RunSpec, Script, Step, Violations};
pub use self::word::{literal, quoted_text, word_text};
use crate::error::Errors;
use crate::image_ref::ImageRef;
pub use stagecraft_rules::dockerfile::Findings;

/// A validated Dockerfile: global `ARG`s, then stages in `FROM` order.
///
/// Build one with [`Dockerfile::builder`], or read one from JSON:
///
/// ```
/// use stagecraft::Dockerfile;
///
/// let json = r#"{"stages":[{"base":{"image":"debian:bookworm-slim"},
///                 "instructions":[{"cmd":{"exec":["echo","hi"]}}]}]}"#;
/// let dockerfile: Dockerfile = serde_json::from_str(json).unwrap();
/// assert_eq!(dockerfile.render(), "FROM debian:bookworm-slim\nCMD [\"echo\", \"hi\"]\n");
///
/// // Invalid models are refused, with every problem listed.
/// let bad = r#"{"stages":[{"base":"scratch","instructions":[{"run":{"shell":"make"}}]}]}"#;
/// let error = serde_json::from_str::<Dockerfile>(bad).unwrap_err();
/// assert!(error.to_string().contains("RUN needs a shell"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Parts")]
pub struct Dockerfile {
    #[serde(default, skip_serializing_if = "Directives::is_empty")]
    directives: Directives,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    comments: Vec<GlobalComment>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    args: Vec<Arg>,
    stages: Vec<Stage>,
}

/// The unvalidated fields of a [`Dockerfile`], as they are deserialized.
#[derive(Deserialize)]
struct Parts {
    #[serde(default)]
    directives: Directives,
    #[serde(default)]
    comments: Vec<GlobalComment>,
    #[serde(default)]
    args: Vec<Arg>,
    stages: Vec<Stage>,
}

impl TryFrom<Parts> for Dockerfile {
    type Error = Errors;
    /// [`Dockerfile::from_parts`], then each `RUN`'s rules judged with its
    /// stage (`model/json.rs`).
    fn try_from(parts: Parts) -> Result<Self, Errors> {
        let dockerfile = Dockerfile::from_parts(parts.args, parts.stages)?;
        let dockerfile = dockerfile
            .with_directives(parts.directives)?
            .with_comments(parts.comments)?;
        dockerfile.judge_runs_in_their_stages()?;
        Ok(dockerfile)
    }
}

impl Dockerfile {
    /// Starts a [`DockerfileBuilder`](crate::DockerfileBuilder).
    pub fn builder() -> crate::DockerfileBuilder {
        crate::DockerfileBuilder::new()
    }

    /// Validates global `ARG`s and stages and makes a `Dockerfile` of them.
    ///
    /// Every problem is reported, not just the first.
    pub fn from_parts(args: Vec<Arg>, stages: Vec<Stage>) -> Result<Dockerfile, Errors> {
        let errors = validate::validate(&args, &stages);
        if errors.is_empty() {
            Ok(Dockerfile {
                directives: Directives::default(),
                comments: Vec::new(),
                args,
                stages,
            })
        } else {
            Err(Errors::new(errors))
        }
    }

    /// The same Dockerfile with these parser directives (`# syntax=`, ...).
    ///
    /// ```
    /// use stagecraft::model::Directives;
    /// use stagecraft::{scratch, Dockerfile};
    /// let mut df = Dockerfile::builder();
    /// df.anonymous_stage(scratch()).entrypoint(["/app"]);
    /// let syntax = Directives { syntax: Some("docker/dockerfile:1".into()), ..Default::default() };
    /// let dockerfile = df.build().unwrap().with_directives(syntax).unwrap();
    /// assert!(dockerfile.render().starts_with("# syntax=docker/dockerfile:1\nFROM scratch\n"));
    /// ```
    pub fn with_directives(mut self, directives: Directives) -> Result<Dockerfile, Errors> {
        let whole = crate::error::Location {
            stage: None,
            alias: None,
            part: crate::error::Part::Whole,
        };
        let bad = [&directives.syntax, &directives.check]
            .into_iter()
            .flatten()
            .any(|value| value.trim().is_empty() || value.contains(['\n', '\r', '\0']));
        if bad {
            return Err(Errors::new(vec![crate::error::ModelError {
                location: whole,
                kind: crate::error::ErrorKind::NotAllowed {
                    what: "an empty directive value or one with a newline",
                    fix: "write the directive on one line, e.g. `docker/dockerfile:1`",
                },
            }]));
        }
        if directives.escape_backtick {
            let errors = validate::check_backtick_escape(&self.args, &self.stages);
            if !errors.is_empty() {
                return Err(Errors::new(errors));
            }
        }
        self.directives = directives;
        Ok(self)
    }

    /// The same Dockerfile with these comments before the first `FROM`.
    pub fn with_comments(mut self, comments: Vec<GlobalComment>) -> Result<Dockerfile, Errors> {
        let errors: Vec<_> = comments
            .iter()
            .filter(|c| c.before_arg > self.args.len() || c.text.contains(['\r', '\0']))
            .map(|_| crate::error::ModelError {
                location: crate::error::Location {
                    stage: None,
                    alias: None,
                    part: crate::error::Part::Whole,
                },
                kind: crate::error::ErrorKind::NotAllowed {
                    what: "a global comment after the last ARG or with a carriage return or NUL",
                    fix: "place it before an ARG (`before_arg` at most the number of ARGs)",
                },
            })
            .collect();
        if !errors.is_empty() {
            return Err(Errors::new(errors));
        }
        self.comments = comments;
        Ok(self)
    }

    /// The parser directives, rendered first.
    pub fn directives(&self) -> &Directives {
        &self.directives
    }

    /// The comments before the first `FROM`.
    pub fn comments(&self) -> &[GlobalComment] {
        &self.comments
    }

    /// Global `ARG`s and stages that `dockerfile!`/`include_dockerfile!`
    /// judged at compile time, as a `Dockerfile`, without validating them
    /// again ([`Dockerfile::from_parts`] checks what the macros checked).
    pub(crate) fn from_checked_parts(args: Vec<Arg>, stages: Vec<Stage>) -> Dockerfile {
        Dockerfile {
            directives: Directives::default(),
            comments: Vec::new(),
            args,
            stages,
        }
    }

    /// The `ARG`s declared before the first `FROM`.
    pub fn args(&self) -> &[Arg] {
        &self.args
    }

    /// The stages, in `FROM` order; the last one is the image that ships by default.
    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    /// The stage with this alias (case-insensitive, as Docker compares them).
    ///
    /// ```
    /// use stagecraft::{Dockerfile, scratch};
    /// let mut df = Dockerfile::builder();
    /// df.stage("runtime", scratch());
    /// let dockerfile = df.build().unwrap();
    /// assert!(dockerfile.stage("Runtime").is_some());
    /// assert!(dockerfile.stage("build").is_none());
    /// ```
    pub fn stage(&self, alias: &str) -> Option<&Stage> {
        self.stages.iter().find(|stage| {
            stage
                .alias
                .as_deref()
                .is_some_and(|own| own.eq_ignore_ascii_case(alias))
        })
    }

    /// Whether the stage at `index` has a shell, following `FROM <stage>` chains.
    ///
    /// # Panics
    ///
    /// When `index` is not a stage index.
    pub fn stage_has_shell(&self, index: usize) -> bool {
        validate::has_shell(&self.stages, index)
    }

    /// Renders the Dockerfile text; see [`crate::render()`].
    pub fn render(&self) -> String {
        crate::render::render(self)
    }

    /// Every best-practice finding for this Dockerfile built up to `target`
    /// (`None`: the last stage), by the same checker as `stagecraft lint`:
    /// stage-aware (a stage only copied from is held to warnings), across
    /// `RUN`s (a cleanup in a later `RUN` frees nothing), and for every
    /// `RUN`. The checker reads the model's values (nothing is rendered and
    /// parsed back); the findings carry the lines of [`render`](Self::render)'s
    /// text.
    ///
    /// ```
    /// use stagecraft::{run, Dockerfile};
    ///
    /// let mut df = Dockerfile::builder();
    /// df.anonymous_stage("debian:bookworm-slim")
    ///     .run(run!("apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u12 && rm -rf /var/lib/apt/lists/*"))
    ///     .run(run!("curl -fsS https://example.com/install.sh | sh"));
    /// let findings = df.build().unwrap().lint(None);
    /// assert_eq!(findings.len(), 1);
    /// assert_eq!(findings[0].rule.id, "SCR017"); // a pipe without pipefail
    /// assert_eq!(findings[0].line, 3);
    /// ```
    ///
    /// A `COPY --from` of a named build context the model declares
    /// ([`CopyFrom::Context`], see [`contexts`](Self::contexts)) is no
    /// unknown stage: the build is given that context.
    pub fn lint(&self, target: Option<&str>) -> Findings {
        let options = stagecraft_rules::dockerfile::Options {
            target: target.map(str::to_string),
            contexts: self.contexts(),
            ..Default::default()
        };
        let tree = view::tree(self);
        Findings::from(stagecraft_rules::dockerfile::check_dockerfile(
            &tree, &options,
        ))
    }

    /// The named build contexts the model copies from
    /// ([`CopyFrom::Context`], `COPY --from=NAME` in `ONBUILD` too), each
    /// once, in the order they first appear: the contexts its build must be
    /// given (`docker buildx build --build-context NAME=...`).
    ///
    /// ```
    /// use stagecraft::{scratch, CopySpec, Dockerfile};
    ///
    /// let mut df = Dockerfile::builder();
    /// df.anonymous_stage(scratch())
    ///     .copy_spec(CopySpec::new(["/index.html"], "/www/").from_context("docs"))
    ///     .copy_spec(CopySpec::new(["/app.css"], "/www/").from_context("docs"))
    ///     .entrypoint(["/app"]);
    /// let model = df.build().unwrap();
    /// assert_eq!(model.contexts(), ["docs"]);
    /// assert!(model.lint(None).is_empty());
    /// ```
    pub fn contexts(&self) -> Vec<String> {
        fn context(instruction: &Instruction) -> Option<&str> {
            match instruction {
                Instruction::Copy(Copy {
                    from: Some(CopyFrom::Context { context }),
                    ..
                }) => Some(context),
                Instruction::Onbuild(inner) => context(inner),
                _ => None,
            }
        }
        let mut names: Vec<String> = Vec::new();
        let found = self
            .stages
            .iter()
            .flat_map(|stage| &stage.instructions)
            .filter_map(context);
        for name in found {
            if !names.iter().any(|known| known == name) {
                names.push(name.to_owned());
            }
        }
        names
    }

    /// [`lint`](Self::lint) for the last stage, as a result: `Err` with every
    /// finding when one of them is an error ([`Findings::has_errors`]), `Ok`
    /// with the warnings otherwise. Both sides are the same [`Findings`].
    ///
    /// ```
    /// use stagecraft::{scratch, Dockerfile};
    ///
    /// let mut df = Dockerfile::builder();
    /// df.anonymous_stage(scratch()).entrypoint(["/app"]);
    /// let findings = df.build().unwrap().validate().unwrap();
    /// assert!(findings.is_empty() && !findings.has_errors());
    /// ```
    pub fn validate(&self) -> Result<Findings, Findings> {
        let findings = self.lint(None);
        if findings.has_errors() {
            Err(findings)
        } else {
            Ok(findings)
        }
    }
}

impl std::fmt::Display for Dockerfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render())
    }
}

/// One `FROM` and what follows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    /// `AS alias`: how later stages name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// What it starts from.
    pub base: Base,
    /// `--platform=os/arch[/variant]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Its instructions, in order.
    #[serde(default)]
    pub instructions: Vec<Instruction>,
}

/// What a stage starts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Base {
    /// An image with a shell (`/bin/sh`), e.g. `debian:bookworm-slim`.
    Image(ImageRef),
    /// An image without a shell, e.g. `gcr.io/distroless/cc-debian12`: no `RUN`,
    /// only exec-form `ENTRYPOINT`/`CMD`.
    ShellLess(ImageRef),
    /// `FROM scratch`: the empty image.
    Scratch,
    /// An earlier stage of this Dockerfile, by alias.
    Stage(String),
    /// A global `ARG`: `FROM $BASE`, `FROM ${BASE:-debian:bookworm-slim}`.
    /// Read as an image with a shell.
    Arg(ArgBase),
    /// An image reference with global `ARG`s inside:
    /// `FROM python:${PYTHON_VERSION}-slim`. Never a stage; read as an image
    /// with a shell unless its text names a shell-less image (see
    /// [`ImageTemplate`]).
    Template(ImageTemplate),
}

impl std::fmt::Display for Base {
    /// The base as written after `FROM`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Base::Image(image) | Base::ShellLess(image) => write!(f, "{image}"),
            Base::Scratch => f.write_str("scratch"),
            Base::Stage(alias) => f.write_str(alias),
            Base::Arg(base) => write!(f, "{base}"),
            Base::Template(template) => write!(f, "{template}"),
        }
    }
}
