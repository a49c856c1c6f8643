//! The typed builders: [`DockerfileBuilder`] declares stages, each a
//! [`StageBuilder`] whose type says whether its base has a shell.
//!
//! Two things are refused by the type checker rather than at run time:
//!
//! * **`RUN` (and every other shell-needing form) in a shell-less stage.**
//!   A stage built on [`scratch()`] or [`shell_less()`] is a
//!   `StageBuilder<ShellLess>`; `run`, `install`, `entrypoint_shell`,
//!   `cmd_shell`, `shell` and `trust_site_ca` need the [`HasShell`] bound,
//!   which only [`WithShell`] has.
//! * **`COPY --from` a stage that is not declared, or comes later.** A stage
//!   can only be named by the [`StageRef`] that [`StageBuilder::done`]
//!   returns, so it exists, and comes before every stage that can use it.
//!
//! Everything else (a bad image reference, a package name with a shell
//! metacharacter, an ENV key with a space) is collected while building and
//! reported all at once by [`DockerfileBuilder::build`].
//!
//! ```
//! use stagecraft::packages::Apt;
//! use stagecraft::{scratch, Dockerfile};
//!
//! let mut df = Dockerfile::builder();
//! let build = df
//!     .stage("build", "debian:bookworm-slim")
//!     .install(Apt::install(["fortune-mod", "fortunes-min"]))
//!     .done();
//! df.stage("runtime", scratch())
//!     .copy_from(&build, "/usr/games/fortune", "/usr/games/fortune")
//!     .entrypoint(["/usr/games/fortune"]);
//! let dockerfile = df.build().unwrap();
//! assert_eq!(dockerfile.stages().len(), 2);
//! ```

use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{ErrorKind, Errors, Location, ModelError, Part};
use crate::image_ref::ImageRef;
use crate::model::{
    Add, Arg, ArgBase, Base, Command, Copy, CopyFrom, Dockerfile, ExecRun, Healthcheck, Heredoc,
    ImageTemplate, Instruction, KeyValue, Platform, Port, PortVariable, Protocol, Run, Stage,
    TemplatePart,
};
use crate::packages::Recipe;

/// Type-state marker: the stage's base has `/bin/sh`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WithShell;

/// Type-state marker: the stage's base has no shell (`scratch`, distroless).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShellLess;

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::WithShell {}
    impl Sealed for super::ShellLess {}
}

/// Whether a stage has a shell: [`WithShell`] or [`ShellLess`].
pub trait ShellKind: sealed::Sealed {
    /// True for [`WithShell`].
    const HAS_SHELL: bool;
}

impl ShellKind for WithShell {
    const HAS_SHELL: bool = true;
}

impl ShellKind for ShellLess {
    const HAS_SHELL: bool = false;
}

/// Implemented only by [`WithShell`]: the bound on every method that needs `/bin/sh`.
#[diagnostic::on_unimplemented(
    message = "this stage has no shell: its base is `scratch` or distroless, so there is no /bin/sh to run anything",
    label = "a shell-less stage cannot RUN commands or use the shell form",
    note = "do the work in a build stage with a shell and bring the result over with `copy_from(&build, ..)`",
    note = "ENTRYPOINT and CMD work here in the exec form: `.entrypoint([\"/app\", \"--flag\"])`"
)]
pub trait HasShell: ShellKind {}

impl HasShell for WithShell {}

/// Type-state marker: a stage with an alias, which later stages can name.
#[derive(Debug, Clone, Copy)]
pub struct Named;

/// Type-state marker: a stage without an alias (usually the last one).
#[derive(Debug, Clone, Copy)]
pub struct Anonymous;

/// `FROM scratch`: the empty image. Its stages are shell-less.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scratch;

/// The empty base image, for `FROM scratch`.
///
/// ```
/// use stagecraft::{scratch, Dockerfile};
/// let mut df = Dockerfile::builder();
/// df.anonymous_stage(scratch()).entrypoint(["/app"]);
/// assert_eq!(df.build().unwrap().render(), "FROM scratch\nENTRYPOINT [\"/app\"]\n");
/// ```
pub fn scratch() -> Scratch {
    Scratch
}

/// An image without a shell (distroless, or any image marked so); its
/// stages are shell-less. The reference is checked when the Dockerfile is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellLessImage(String);

/// An image without a shell, e.g. a distroless base
/// (`gcr.io/distroless/cc-debian12`: no shell, no package manager): its
/// stages get no `RUN`, only exec-form `ENTRYPOINT`/`CMD`. (The one name:
/// `distroless` is the module of distroless bases built from Debian
/// packages, [`crate::distroless`].)
///
/// ```
/// use stagecraft::{shell_less, Dockerfile};
/// let mut df = Dockerfile::builder();
/// df.anonymous_stage(shell_less("gcr.io/distroless/static-debian12:nonroot"))
///     .entrypoint(["/app"]);
/// assert!(df.build().unwrap().render().starts_with("FROM gcr.io/distroless/static-debian12:nonroot\n"));
/// ```
pub fn shell_less(reference: impl Into<String>) -> ShellLessImage {
    ShellLessImage(reference.into())
}

/// What a stage can start from, and whether that gives it a shell.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the base of a stage",
    label = "not an image reference, `scratch()`, `shell_less(..)` or a `&StageRef`",
    note = "write an image reference such as \"debian:bookworm-slim\", `scratch()`, `shell_less(\"gcr.io/distroless/cc-debian12\")`, `&base_arg` or `template(\"python:\").arg(&version).text(\"-slim\")` for global ARGs, or `&build` for a stage declared earlier"
)]
pub trait IntoBase {
    /// [`WithShell`] or [`ShellLess`].
    type Shell: ShellKind;
    /// The base; `builder` identifies the [`DockerfileBuilder`] asking.
    fn into_base(self, builder: u64) -> Result<Base, ErrorKind>;
}

impl IntoBase for &str {
    type Shell = WithShell;
    fn into_base(self, _: u64) -> Result<Base, ErrorKind> {
        Ok(Base::Image(ImageRef::parse(self)?))
    }
}

impl IntoBase for String {
    type Shell = WithShell;
    fn into_base(self, builder: u64) -> Result<Base, ErrorKind> {
        self.as_str().into_base(builder)
    }
}

impl IntoBase for ImageRef {
    type Shell = WithShell;
    fn into_base(self, _: u64) -> Result<Base, ErrorKind> {
        Ok(Base::Image(self))
    }
}

impl IntoBase for Scratch {
    type Shell = ShellLess;
    fn into_base(self, _: u64) -> Result<Base, ErrorKind> {
        Ok(Base::Scratch)
    }
}

impl IntoBase for ShellLessImage {
    type Shell = ShellLess;
    fn into_base(self, _: u64) -> Result<Base, ErrorKind> {
        Ok(Base::ShellLess(ImageRef::parse(&self.0)?))
    }
}

impl<S: ShellKind> IntoBase for &StageRef<S> {
    type Shell = S;
    fn into_base(self, builder: u64) -> Result<Base, ErrorKind> {
        self.check_builder(builder)?;
        Ok(Base::Stage(self.alias.clone()))
    }
}

impl IntoBase for &GlobalArg {
    type Shell = WithShell;
    fn into_base(self, builder: u64) -> Result<Base, ErrorKind> {
        if self.builder != builder {
            return Err(ErrorKind::UndeclaredBaseArg {
                name: self.name.clone(),
            });
        }
        Ok(Base::Arg(ArgBase {
            name: self.name.clone(),
            fallback: self.fallback.clone(),
        }))
    }
}

/// A global `ARG` (before the first `FROM`), declared with
/// [`DockerfileBuilder::global_arg`]: the only way to write `FROM $NAME`,
/// so the `ARG` always exists. The stage is read as having a shell.
///
/// ```
/// use stagecraft::Dockerfile;
///
/// let mut df = Dockerfile::builder();
/// let base = df.global_arg("BASE", Some("debian:bookworm-slim"));
/// df.anonymous_stage(&base.or("debian:bookworm-slim")).cmd(["true"]);
/// assert_eq!(
///     df.build().unwrap().render(),
///     "ARG BASE=debian:bookworm-slim\n\nFROM ${BASE:-debian:bookworm-slim}\nCMD [\"true\"]\n"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalArg {
    name: String,
    fallback: Option<String>,
    builder: u64,
}

impl GlobalArg {
    /// The argument's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `${NAME:-image}`: this image when the argument is empty or unset.
    pub fn or(&self, image: impl Into<String>) -> GlobalArg {
        GlobalArg {
            fallback: Some(image.into()),
            ..self.clone()
        }
    }
}

/// An image reference with global `ARG`s inside, for a stage's base:
/// `FROM python:${PYTHON_VERSION}-slim`. Begins with `text` (may be empty);
/// [`BaseTemplate::arg`] adds an `ARG` declared with
/// [`DockerfileBuilder::global_arg`] (with its [`GlobalArg::or`] fallback,
/// if any), [`BaseTemplate::text`] more text.
///
/// The stage is a [`WithShell`] one (the build picks the image; a template
/// whose text names a distroless image is read as shell-less, as text is,
/// and a `RUN` in it is reported by [`DockerfileBuilder::build`]). The text
/// and, when every `ARG` has a default, the image those defaults give are
/// checked by `build`.
///
/// ```
/// use stagecraft::{template, Dockerfile};
///
/// let mut df = Dockerfile::builder();
/// let version = df.global_arg("PYTHON_VERSION", Some("3.12"));
/// df.anonymous_stage(template("python:").arg(&version).text("-slim"))
///     .cmd(["python3"]);
/// assert_eq!(
///     df.build().unwrap().render(),
///     "ARG PYTHON_VERSION=3.12\n\nFROM python:${PYTHON_VERSION}-slim\nCMD [\"python3\"]\n"
/// );
///
/// // With its defaults the template must name an image.
/// let mut df = Dockerfile::builder();
/// let version = df.global_arg("VERSION", Some("3.12 "));
/// df.anonymous_stage(template("python:").arg(&version)).cmd(["python3"]);
/// assert!(df.build().unwrap_err().to_string().contains("with its ARGs' defaults"));
/// ```
pub fn template(text: impl Into<String>) -> BaseTemplate {
    BaseTemplate {
        parts: Vec::new(),
        args: Vec::new(),
    }
    .text(text)
}

/// An image reference with global `ARG`s inside, being written: see [`template`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseTemplate {
    parts: Vec<TemplatePart>,
    /// The `ARG`s used, to check they are this builder's.
    args: Vec<GlobalArg>,
}

impl BaseTemplate {
    /// Appends text (adjacent text is joined; empty text adds nothing).
    pub fn text(mut self, text: impl Into<String>) -> BaseTemplate {
        let text = text.into();
        match self.parts.last_mut() {
            _ if text.is_empty() => {}
            Some(TemplatePart::Text(last)) => last.push_str(&text),
            _ => self.parts.push(TemplatePart::Text(text)),
        }
        self
    }

    /// Appends a global `ARG`: `${NAME}`, or `${NAME:-fallback}` for
    /// `arg.or(fallback)`.
    pub fn arg(mut self, arg: &GlobalArg) -> BaseTemplate {
        self.parts.push(TemplatePart::Arg {
            name: arg.name.clone(),
            fallback: arg.fallback.clone(),
        });
        self.args.push(arg.clone());
        self
    }
}

impl IntoBase for BaseTemplate {
    type Shell = WithShell;
    fn into_base(self, builder: u64) -> Result<Base, ErrorKind> {
        if let Some(foreign) = self.args.iter().find(|arg| arg.builder != builder) {
            return Err(ErrorKind::UndeclaredBaseArg {
                name: foreign.name.clone(),
            });
        }
        Ok(Base::Template(ImageTemplate { parts: self.parts }))
    }
}

impl<S: ShellKind> From<&StageRef<S>> for CopyFrom {
    /// The stage, for a mount's `from=` (`Mount::bind("/build").from(&build)`).
    fn from(stage: &StageRef<S>) -> Self {
        CopyFrom::Stage(stage.alias().to_string())
    }
}

/// A declared stage: the only way to name it in `FROM` or `COPY --from`.
///
/// Returned by [`StageBuilder::done`]; its type parameter says whether the
/// stage has a shell, which a stage built on it inherits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageRef<S> {
    alias: String,
    index: usize,
    builder: u64,
    shell: PhantomData<S>,
}

impl<S> StageRef<S> {
    /// The stage's alias, as in `FROM ... AS alias`.
    pub fn alias(&self) -> &str {
        &self.alias
    }

    /// The stage's 0-based position in the Dockerfile.
    pub fn index(&self) -> usize {
        self.index
    }

    fn check_builder(&self, builder: u64) -> Result<(), ErrorKind> {
        if self.builder == builder {
            Ok(())
        } else {
            Err(ErrorKind::ForeignStage {
                alias: self.alias.clone(),
            })
        }
    }
}

/// Something `COPY --from` can copy from: only a [`StageRef`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a stage declared in this Dockerfile",
    label = "COPY --from takes the `StageRef` returned when the stage was declared",
    note = "declare the stage first: `let build = df.stage(\"build\", \"debian:bookworm-slim\")...done();` then `.copy_from(&build, src, dst)`"
)]
pub trait StageSource {
    /// The stage's alias and the builder it belongs to.
    fn source(&self) -> (&str, u64);
}

impl<S> StageSource for StageRef<S> {
    fn source(&self) -> (&str, u64) {
        (&self.alias, self.builder)
    }
}

static NEXT_BUILDER: AtomicU64 = AtomicU64::new(1);

/// Declares stages and builds a validated [`Dockerfile`].
#[derive(Debug)]
pub struct DockerfileBuilder {
    id: u64,
    args: Vec<Arg>,
    stages: Vec<Stage>,
    errors: Vec<ModelError>,
}

impl Default for DockerfileBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl DockerfileBuilder {
    /// An empty builder; same as [`Dockerfile::builder`].
    pub fn new() -> Self {
        DockerfileBuilder {
            id: NEXT_BUILDER.fetch_add(1, Ordering::Relaxed),
            args: Vec::new(),
            stages: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// A global `ARG` (before the first `FROM`), usable in `FROM` lines and,
    /// re-declared with [`StageBuilder::arg`], inside stages.
    ///
    /// ```
    /// use stagecraft::Dockerfile;
    /// let mut df = Dockerfile::builder();
    /// df.arg("VERSION", Some("2.3.1"));
    /// df.anonymous_stage("debian:bookworm-slim").arg("VERSION", None);
    /// assert_eq!(
    ///     df.build().unwrap().render(),
    ///     "ARG VERSION=2.3.1\n\nFROM debian:bookworm-slim\nARG VERSION\n"
    /// );
    /// ```
    pub fn arg(&mut self, name: impl Into<String>, default: Option<&str>) -> &mut Self {
        self.args.push(Arg {
            name: name.into(),
            default: default.map(str::to_string),
        });
        self
    }

    /// A global `ARG` that a stage can start from: `FROM $NAME` (see [`GlobalArg`]).
    pub fn global_arg(&mut self, name: impl Into<String>, default: Option<&str>) -> GlobalArg {
        let name = name.into();
        self.arg(name.clone(), default);
        GlobalArg {
            name,
            fallback: None,
            builder: self.id,
        }
    }

    /// Declares a stage `FROM base AS alias`. The base decides whether the
    /// stage has a shell: an image reference (`"debian:bookworm-slim"`) has,
    /// [`scratch()`] and [`shell_less()`] have not, `&StageRef` inherits.
    pub fn stage<B: IntoBase>(
        &mut self,
        alias: impl Into<String>,
        base: B,
    ) -> StageBuilder<'_, B::Shell, Named> {
        self.push_stage(Some(alias.into()), base)
    }

    /// Declares a stage without an alias, usually the last one. It cannot be
    /// named by later stages, so it has no [`StageBuilder::done`].
    pub fn anonymous_stage<B: IntoBase>(
        &mut self,
        base: B,
    ) -> StageBuilder<'_, B::Shell, Anonymous> {
        self.push_stage(None, base)
    }

    fn push_stage<B: IntoBase, N>(
        &mut self,
        alias: Option<String>,
        base: B,
    ) -> StageBuilder<'_, B::Shell, N> {
        let index = self.stages.len();
        let base = match base.into_base(self.id) {
            Ok(base) => base,
            Err(kind) => {
                self.errors.push(ModelError {
                    location: Location {
                        stage: Some(index),
                        alias: alias.clone(),
                        part: Part::From,
                    },
                    kind,
                });
                placeholder_base(B::Shell::HAS_SHELL)
            }
        };
        self.stages.push(Stage {
            alias,
            base,
            platform: None,
            instructions: Vec::new(),
        });
        StageBuilder {
            builder: self,
            index,
            marker: PhantomData,
        }
    }

    /// The stages declared so far (the harvest reads its build stage's `USER`).
    pub(crate) fn stages(&self) -> &[Stage] {
        &self.stages
    }

    /// Validates everything and returns the Dockerfile, or every problem found.
    pub fn build(self) -> Result<Dockerfile, Errors> {
        match Dockerfile::from_parts(self.args, self.stages) {
            Ok(dockerfile) if self.errors.is_empty() => Ok(dockerfile),
            Ok(_) => Err(Errors::new(self.errors)),
            Err(more) => {
                let mut errors = self.errors;
                // A stage whose base failed to parse has a placeholder base;
                // what validation says about that FROM line is noise.
                let broken: Vec<usize> = errors
                    .iter()
                    .filter(|e| e.location.part == Part::From)
                    .filter_map(|e| e.location.stage)
                    .collect();
                errors.extend(more.into_iter().filter(|e| {
                    !(e.location.part == Part::From
                        && e.location.stage.is_some_and(|s| broken.contains(&s)))
                }));
                errors.sort_by_key(|e| e.location.stage.map_or(0, |s| s + 1));
                Err(Errors::new(errors))
            }
        }
    }
}

/// The base stored for a stage whose base could not be made; the error is
/// already recorded, and `build` drops validation noise about it.
fn placeholder_base(shell: bool) -> Base {
    if shell {
        Base::Image(ImageRef::parse("invalid-base").expect("a valid reference"))
    } else {
        Base::Scratch
    }
}

/// Adds instructions to one stage. `S` is [`WithShell`] or [`ShellLess`];
/// `N` is [`Named`] or [`Anonymous`].
///
/// Every method takes and returns the builder, so a stage reads top to
/// bottom like its Dockerfile. Problems with values are recorded and
/// reported by [`DockerfileBuilder::build`].
#[derive(Debug)]
pub struct StageBuilder<'a, S, N> {
    builder: &'a mut DockerfileBuilder,
    index: usize,
    marker: PhantomData<(S, N)>,
}

impl<S: ShellKind> StageBuilder<'_, S, Named> {
    /// Ends the stage and returns its reference, for `copy_from` and as a base.
    pub fn done(self) -> StageRef<S> {
        let alias = self.stage().alias.clone().unwrap_or_default();
        StageRef {
            alias,
            index: self.index,
            builder: self.builder.id,
            shell: PhantomData,
        }
    }
}

impl<S: ShellKind, N> StageBuilder<'_, S, N> {
    fn stage(&self) -> &Stage {
        &self.builder.stages[self.index]
    }

    fn push(self, instruction: Instruction) -> Self {
        self.builder.stages[self.index]
            .instructions
            .push(instruction);
        self
    }

    /// Records a problem at the position the next instruction would take.
    fn error(self, keyword: &'static str, kind: ErrorKind) -> Self {
        let part = Part::Instruction(self.stage().instructions.len(), keyword);
        self.record(part, kind)
    }

    /// Records a problem of this stage, reported by `build`.
    pub(crate) fn record(self, part: Part, kind: ErrorKind) -> Self {
        let location = Location {
            stage: Some(self.index),
            alias: self.stage().alias.clone(),
            part,
        };
        self.builder.errors.push(ModelError { location, kind });
        self
    }

    /// `FROM --platform=...` for this stage: `"linux/amd64"`, or an
    /// automatic platform argument for a cross-compiling stage.
    ///
    /// ```
    /// use stagecraft::model::AutomaticArg;
    /// use stagecraft::Dockerfile;
    /// let mut df = Dockerfile::builder();
    /// df.anonymous_stage("golang:1.23")
    ///     .platform(AutomaticArg::BuildPlatform)
    ///     .arg("TARGETARCH", None);
    /// assert!(df.build().unwrap().render().starts_with("FROM --platform=$BUILDPLATFORM golang:1.23\n"));
    /// ```
    pub fn platform(self, platform: impl Into<Platform>) -> Self {
        self.builder.stages[self.index].platform = Some(platform.into().to_string());
        self
    }

    /// A `# comment` line; a text with newlines becomes several comment
    /// lines, and a final newline a blank line after them
    /// ([`Instruction::Comment`]).
    pub fn comment(self, text: impl Into<String>) -> Self {
        self.push(Instruction::Comment(text.into()))
    }

    /// `COPY source destination` from the build context.
    pub fn copy(self, source: impl Into<String>, destination: impl Into<String>) -> Self {
        self.push(Instruction::Copy(Copy::new(source, destination)))
    }

    /// `COPY --from=stage source destination`: from an earlier stage.
    pub fn copy_from(
        self,
        stage: &(impl StageSource + ?Sized),
        source: impl Into<String>,
        destination: impl Into<String>,
    ) -> Self {
        self.copy_spec(CopySpec::new([source.into()], destination).from(stage))
    }

    /// `COPY` with every option: several sources, `--from`, `--chown`, `--chmod`, `--link`.
    pub fn copy_spec(self, spec: CopySpec) -> Self {
        let this = match spec.builder {
            Some(id) if id != self.builder.id => {
                let alias = spec
                    .copy
                    .from
                    .as_ref()
                    .map(|f| f.to_string())
                    .unwrap_or_default();
                self.error("COPY", ErrorKind::ForeignStage { alias })
            }
            _ => self,
        };
        this.push(Instruction::Copy(spec.copy))
    }

    /// `ADD source destination`: for remote URLs and local tar archives to
    /// unpack; prefer [`copy`](Self::copy) for everything else.
    pub fn add(self, source: impl Into<String>, destination: impl Into<String>) -> Self {
        self.push(Instruction::Add(Add::new(source, destination)))
    }

    /// `ADD` with every option (see [`AddSpec`]).
    pub fn add_spec(self, spec: AddSpec) -> Self {
        self.push(Instruction::Add(spec.add))
    }

    /// `VOLUME ["/path", ...]`.
    pub fn volume<I, T>(self, paths: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.push(Instruction::Volume(
            paths.into_iter().map(Into::into).collect(),
        ))
    }

    /// `ONBUILD instruction`: for the builds that start from this image.
    /// Not checked against this stage's shell: it runs in theirs.
    pub fn onbuild(self, instruction: Instruction) -> Self {
        self.push(Instruction::Onbuild(Box::new(instruction)))
    }

    /// `EXPOSE ${NAME}`: the port a build argument or variable holds.
    pub fn expose_variable(self, name: impl Into<String>, protocol: Option<Protocol>) -> Self {
        self.push(Instruction::ExposeVariable(PortVariable {
            name: name.into(),
            protocol,
        }))
    }

    /// `HEALTHCHECK` with every option (see [`HealthcheckSpec`]).
    pub fn healthcheck_spec(self, spec: HealthcheckSpec) -> Self {
        self.push(Instruction::Healthcheck(spec.check))
    }

    /// `ENV key=value`.
    pub fn env(self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.push(Instruction::Env(vec![KeyValue::new(key, value)]))
    }

    /// One `ENV` with several variables.
    pub fn envs<I, K, V>(self, pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let pairs = pairs
            .into_iter()
            .map(|(k, v)| KeyValue::new(k, v))
            .collect();
        self.push(Instruction::Env(pairs))
    }

    /// `ARG name[=default]` in this stage (re-declare a global one to use it here).
    pub fn arg(self, name: impl Into<String>, default: Option<&str>) -> Self {
        self.push(Instruction::Arg(Arg {
            name: name.into(),
            default: default.map(str::to_string),
        }))
    }

    /// `WORKDIR path`.
    pub fn workdir(self, path: impl Into<String>) -> Self {
        self.push(Instruction::Workdir(path.into()))
    }

    /// `USER user[:group]`, e.g. `"65532:65532"`.
    pub fn user(self, user: impl Into<String>) -> Self {
        self.push(Instruction::User(user.into()))
    }

    /// `LABEL key="value"`.
    pub fn label(self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.push(Instruction::Label(vec![KeyValue::new(key, value)]))
    }

    /// One `LABEL` with several labels.
    pub fn labels<I, K, V>(self, pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let pairs = pairs
            .into_iter()
            .map(|(k, v)| KeyValue::new(k, v))
            .collect();
        self.push(Instruction::Label(pairs))
    }

    /// `EXPOSE port` (TCP).
    pub fn expose(self, port: u16) -> Self {
        self.push(Instruction::Expose(Port {
            number: port,
            protocol: Protocol::Tcp,
        }))
    }

    /// `EXPOSE port/udp`.
    pub fn expose_udp(self, port: u16) -> Self {
        self.push(Instruction::Expose(Port {
            number: port,
            protocol: Protocol::Udp,
        }))
    }

    /// `ENTRYPOINT ["program", "arg", ...]`: the exec form, which needs no
    /// shell and lets the program receive signals.
    pub fn entrypoint<I, T>(self, exec: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.push(Instruction::Entrypoint(exec_form(exec)))
    }

    /// `CMD ["arg", ...]`: the exec form.
    pub fn cmd<I, T>(self, exec: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.push(Instruction::Cmd(exec_form(exec)))
    }

    /// `HEALTHCHECK [--interval=..s] CMD ["program", ...]` in the exec form;
    /// `interval_secs` is optional.
    pub fn healthcheck<I, T>(self, exec: I, interval_secs: Option<u64>) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.push(Instruction::Healthcheck(Healthcheck::Check {
            command: exec_form(exec),
            interval_secs,
            timeout_secs: None,
            start_period_secs: None,
            start_interval_secs: None,
            retries: None,
        }))
    }

    /// `HEALTHCHECK NONE`: turn off a check inherited from the base image.
    pub fn healthcheck_none(self) -> Self {
        self.push(Instruction::Healthcheck(Healthcheck::None))
    }

    /// `STOPSIGNAL signal`, e.g. `"SIGINT"`.
    pub fn stop_signal(self, signal: impl Into<String>) -> Self {
        self.push(Instruction::StopSignal(signal.into()))
    }

    /// Any instruction, for what the typed methods do not cover. The same
    /// rules apply: a `RUN` here in a shell-less stage is reported by `build`.
    pub fn instruction(self, instruction: Instruction) -> Self {
        self.push(instruction)
    }

    /// `RUN` a checked command: from [`run!`](crate::run!) or [`Run::checked`].
    pub fn run(self, run: Run) -> Self
    where
        S: HasShell,
    {
        self.push(Instruction::Run(run))
    }

    /// An exec-form `RUN ["program", "arg"]` from [`RunSpec::exec`](crate::model::RunSpec::exec): it
    /// needs no shell, so shell-less stages take it too.
    ///
    /// ```
    /// use stagecraft::model::RunSpec;
    /// use stagecraft::{shell_less, Dockerfile};
    ///
    /// let mut df = Dockerfile::builder();
    /// df.anonymous_stage(shell_less("gcr.io/distroless/static-debian12:debug-nonroot"))
    ///     .run_exec(RunSpec::new().exec(["/busybox/mkdir", "-p", "/data"]).unwrap());
    /// assert!(df.build().unwrap().render().ends_with("RUN [\"/busybox/mkdir\", \"-p\", \"/data\"]\n"));
    /// ```
    ///
    /// Shell text cannot come in this way, nor a heredoc (both need a shell):
    ///
    /// ```compile_fail,E0308
    /// use stagecraft::{shell_less, run, Dockerfile};
    /// let mut df = Dockerfile::builder();
    /// df.anonymous_stage(shell_less("gcr.io/distroless/cc-debian12:nonroot"))
    ///     .run_exec(run!("mkdir /data"));
    /// ```
    ///
    /// ```compile_fail,E0277
    /// use stagecraft::model::{Heredoc, HeredocScript, RunSpec};
    /// use stagecraft::{shell_less, Dockerfile};
    /// let script = HeredocScript::script(Heredoc::new("EOF", "mkdir /data"));
    /// let mut df = Dockerfile::builder();
    /// df.anonymous_stage(shell_less("gcr.io/distroless/cc-debian12:nonroot"))
    ///     .run(RunSpec::new().heredoc(script).unwrap());
    /// ```
    pub fn run_exec(self, run: ExecRun) -> Self {
        self.push(Instruction::Run(run.into()))
    }

    /// `RUN` a package recipe (see [`crate::packages`]): install and cleanup in one layer.
    pub fn install(self, recipe: impl Recipe) -> Self
    where
        S: HasShell,
    {
        match Run::from_recipe(recipe) {
            Ok(run) => self.push(Instruction::Run(run)),
            Err(error) => self.error("RUN", ErrorKind::Recipe(error)),
        }
    }

    /// Trusts the site's CA bundle in the `RUN`s that follow, in this stage
    /// only: `COPY` [`site_ca::CONTEXT_PATH`](crate::site_ca::CONTEXT_PATH)
    /// from the build context to [`site_ca::IMAGE_PATH`](crate::site_ca::IMAGE_PATH),
    /// then one `ARG` per client in [`site_ca::VARIABLES`](crate::site_ca::VARIABLES)
    /// (`PIP_CERT`, `REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE`, `CURL_CA_BUNDLE`,
    /// `NODE_EXTRA_CA_CERTS`, `CARGO_HTTP_CAINFO`, `GIT_SSL_CAINFO`) set to it.
    /// See [`crate::site_ca`] for why and how.
    ///
    /// * Call it right before the step that fetches over HTTPS: the layers
    ///   before it stay the same with or without it, so their cache does too.
    /// * The build needs the bundle in its context: `BuildOptions::site_ca`
    ///   (feature `engine`; `Engine::build` refuses to start without it), or
    ///   `docker build` with the file copied to the context as
    ///   `stagecraft-site-ca.pem`.
    /// * The bundle must trust everything the build reaches, not the site CA
    ///   alone: most clients replace their own store with it. The host's
    ///   whole store (`/etc/ssl/certs/ca-certificates.crt`) is the usual choice.
    /// * The variables are `ARG`s, not `ENV`s: the `RUN`s of this stage see
    ///   them, the image's configuration does not keep them, and a stage
    ///   `FROM` this one does not inherit them. The **file** stays in this
    ///   stage's layers, and a stage `FROM` this one inherits it. So use it on
    ///   build stages, whose files reach the shipped image only through
    ///   `copy_from`.
    /// * It is allowed on the last stage (a one-stage image): the file is a
    ///   public certificate bundle, not a secret, and with the variables gone
    ///   nothing in the image points at it; it costs the bundle's size
    ///   (about 200 kB) in that image. Not refused, because which stage ships
    ///   depends on the build's target, which the Dockerfile does not know.
    ///
    /// Only on stages with a shell: the variables matter to `RUN`s only.
    ///
    /// ```
    /// use stagecraft::packages::Pip;
    /// use stagecraft::{run, scratch, Dockerfile};
    ///
    /// let mut df = Dockerfile::builder();
    /// let build = df
    ///     .stage("build", "python:3.11-slim")
    ///     .run(run!("python3 -m venv /opt/venv"))
    ///     .trust_site_ca()
    ///     .install(Pip::install(["six==1.16.0"]).python("/opt/venv/bin/python"))
    ///     .done();
    /// df.anonymous_stage(scratch()).copy_from(&build, "/opt/venv", "/opt/venv");
    /// let text = df.build().unwrap().render();
    /// assert!(text.contains(
    ///     "RUN python3 -m venv /opt/venv\n\
    ///      COPY stagecraft-site-ca.pem /etc/ssl/stagecraft-site-ca.pem\n\
    ///      ARG PIP_CERT=/etc/ssl/stagecraft-site-ca.pem\n\
    ///      ARG REQUESTS_CA_BUNDLE=/etc/ssl/stagecraft-site-ca.pem\n"
    /// ));
    /// // Nothing of it in the shipped stage.
    /// assert!(!text.split("\n\n").last().unwrap().contains("site-ca"));
    /// ```
    pub fn trust_site_ca(self) -> Self
    where
        S: HasShell,
    {
        use crate::site_ca::{CONTEXT_PATH, IMAGE_PATH, VARIABLES};
        let mut this = self.copy(CONTEXT_PATH, IMAGE_PATH);
        for name in VARIABLES {
            this = this.arg(name, Some(IMAGE_PATH));
        }
        this
    }

    /// `ENTRYPOINT command` in the shell form (`/bin/sh -c`): only where a
    /// shell exists, and only when a pipe or expansion is really needed; the
    /// program will not receive signals.
    pub fn entrypoint_shell(self, command: impl Into<String>) -> Self
    where
        S: HasShell,
    {
        self.push(Instruction::Entrypoint(Command::Shell(command.into())))
    }

    /// `CMD command` in the shell form; see [`entrypoint_shell`](Self::entrypoint_shell).
    pub fn cmd_shell(self, command: impl Into<String>) -> Self
    where
        S: HasShell,
    {
        self.push(Instruction::Cmd(Command::Shell(command.into())))
    }

    /// `SHELL ["executable", "parameters"]`, e.g. `["/bin/bash", "-o", "pipefail", "-c"]`.
    pub fn shell<I, T>(self, exec: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
        S: HasShell,
    {
        let words = exec.into_iter().map(Into::into).collect();
        self.push(Instruction::Shell(words))
    }
}

fn exec_form<I, T>(exec: I) -> Command
where
    I: IntoIterator<Item = T>,
    T: Into<String>,
{
    Command::Exec(exec.into_iter().map(Into::into).collect())
}

/// A `COPY` with all its options, for [`StageBuilder::copy_spec`].
///
/// ```
/// use stagecraft::{scratch, CopySpec, Dockerfile};
///
/// let mut df = Dockerfile::builder();
/// let build = df.stage("build", "debian:bookworm-slim").done();
/// df.anonymous_stage(scratch())
///     .copy_spec(
///         CopySpec::new(["/etc/passwd", "/etc/group"], "/etc/")
///             .from(&build)
///             .chown("0:0")
///             .chmod("0644")
///             .link(),
///     );
/// assert!(df.build().unwrap().render().contains(
///     "COPY --from=build --chown=0:0 --chmod=0644 --link /etc/passwd /etc/group /etc/\n"
/// ));
/// ```
#[derive(Debug, Clone)]
pub struct CopySpec {
    copy: Copy,
    builder: Option<u64>,
}

impl CopySpec {
    /// Sources and a destination (end it with `/` to copy into a directory).
    pub fn new<I, T>(sources: I, destination: impl Into<String>) -> CopySpec
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        CopySpec {
            copy: Copy {
                sources: sources.into_iter().map(Into::into).collect(),
                ..Copy::new("", destination)
            },
            builder: None,
        }
    }

    /// A file written from the Dockerfile (`COPY <<app.conf /etc/app/`): its
    /// name is the heredoc's delimiter, its content the body, `$VAR` expanded
    /// unless the heredoc is [`literal`](Heredoc::literal). BuildKit only
    /// (Docker 23+); `--chown`, `--chmod` and `--link` apply, `--from` does
    /// not (refused: the text is not in another stage).
    ///
    /// ```
    /// use stagecraft::model::Heredoc;
    /// use stagecraft::{CopySpec, Dockerfile};
    ///
    /// let mut df = Dockerfile::builder();
    /// df.anonymous_stage("nginx:1.27").copy_spec(
    ///     CopySpec::heredoc(Heredoc::new("robots.txt", "User-agent: *\nDisallow:"), "/usr/share/nginx/html/")
    ///         .and_heredoc(Heredoc::new("env.sh", "echo \"$HOME\"").literal())
    ///         .chmod("0644"),
    /// );
    /// assert!(df.build().unwrap().render().contains(
    ///     "COPY --chmod=0644 <<robots.txt <<'env.sh' /usr/share/nginx/html/\n\
    ///      User-agent: *\nDisallow:\nrobots.txt\n\
    ///      echo \"$HOME\"\nenv.sh\n"
    /// ));
    /// ```
    pub fn heredoc(heredoc: Heredoc, destination: impl Into<String>) -> CopySpec {
        CopySpec {
            copy: Copy::heredoc(heredoc, destination),
            builder: None,
        }
    }

    /// One more heredoc source, after the others (`COPY <<a.txt <<b.txt /dst/`).
    pub fn and_heredoc(mut self, heredoc: Heredoc) -> CopySpec {
        self.copy.heredocs.push(heredoc);
        self
    }

    /// `--from=stage`: copy out of an earlier stage.
    pub fn from(mut self, stage: &(impl StageSource + ?Sized)) -> CopySpec {
        let (alias, builder) = stage.source();
        self.copy.from = Some(CopyFrom::Stage(alias.to_string()));
        self.builder = Some(builder);
        self
    }

    /// `--from=image`: copy out of an image, e.g. a tool's release image.
    ///
    /// ```
    /// use stagecraft::{CopySpec, Dockerfile, ImageRef};
    /// let uv = ImageRef::parse("ghcr.io/astral-sh/uv:0.5").unwrap();
    /// let mut df = Dockerfile::builder();
    /// df.anonymous_stage("python:3.12-slim")
    ///     .copy_spec(CopySpec::new(["/uv"], "/bin/").from_image(uv));
    /// assert!(df.build().unwrap().render().contains("COPY --from=ghcr.io/astral-sh/uv:0.5 /uv /bin/\n"));
    /// ```
    pub fn from_image(mut self, image: ImageRef) -> CopySpec {
        self.copy.from = Some(CopyFrom::Image { image });
        self.builder = None;
        self
    }

    /// `--from=name` of a named build context (`--build-context name=...`).
    pub fn from_context(mut self, name: impl Into<String>) -> CopySpec {
        self.copy.from = Some(CopyFrom::Context {
            context: name.into(),
        });
        self.builder = None;
        self
    }

    /// `--parents`: keep each source's parent directories.
    pub fn parents(mut self) -> CopySpec {
        self.copy.parents = true;
        self
    }

    /// `--exclude=pattern` (once per call).
    pub fn exclude(mut self, pattern: impl Into<String>) -> CopySpec {
        self.copy.exclude.push(pattern.into());
        self
    }

    /// `--chown=user[:group]`.
    pub fn chown(mut self, owner: impl Into<String>) -> CopySpec {
        self.copy.chown = Some(owner.into());
        self
    }

    /// `--chmod=mode`, e.g. `"0755"`.
    pub fn chmod(mut self, mode: impl Into<String>) -> CopySpec {
        self.copy.chmod = Some(mode.into());
        self
    }

    /// `--link` (BuildKit): an independent layer that survives base changes.
    pub fn link(mut self) -> CopySpec {
        self.copy.link = true;
        self
    }
}

/// The options of an `ADD`, for [`StageBuilder::add_spec`].
///
/// ```
/// use stagecraft::{AddSpec, Dockerfile};
/// let mut df = Dockerfile::builder();
/// df.anonymous_stage("debian:bookworm-slim").add_spec(
///     AddSpec::new(["https://github.com/moby/buildkit.git#v0.13.1"], "/src/buildkit/")
///         .keep_git_dir()
///         .link(),
/// );
/// assert!(df.build().unwrap().render().contains(
///     "ADD --link --keep-git-dir https://github.com/moby/buildkit.git#v0.13.1 /src/buildkit/\n"
/// ));
/// ```
#[derive(Debug, Clone)]
pub struct AddSpec {
    add: Add,
}

impl AddSpec {
    /// Sources (paths, URLs, git URLs) and a destination.
    pub fn new<I, T>(sources: I, destination: impl Into<String>) -> AddSpec
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        let mut add = Add::new(String::new(), destination);
        add.sources = sources.into_iter().map(Into::into).collect();
        AddSpec { add }
    }

    /// A file written from the Dockerfile (`ADD <<app.conf /etc/app/`), as
    /// [`CopySpec::heredoc`]: BuildKit only (Docker 23+); `--chown`, `--chmod`
    /// and `--link` apply, `--checksum` and `--keep-git-dir` (of URLs) do not.
    ///
    /// ```
    /// use stagecraft::model::Heredoc;
    /// use stagecraft::{AddSpec, Dockerfile};
    ///
    /// let mut df = Dockerfile::builder();
    /// df.anonymous_stage("nginx:1.27").add_spec(
    ///     AddSpec::heredoc(Heredoc::new("robots.txt", "User-agent: *"), "/usr/share/nginx/html/")
    ///         .and_heredoc(Heredoc::new("env.sh", "echo \"$HOME\"").literal())
    ///         .chmod("0644"),
    /// );
    /// assert!(df.build().unwrap().render().contains(
    ///     "ADD --chmod=0644 <<robots.txt <<'env.sh' /usr/share/nginx/html/\n\
    ///      User-agent: *\nrobots.txt\n\
    ///      echo \"$HOME\"\nenv.sh\n"
    /// ));
    /// ```
    pub fn heredoc(heredoc: Heredoc, destination: impl Into<String>) -> AddSpec {
        AddSpec {
            add: Add::heredoc(heredoc, destination),
        }
    }

    /// One more heredoc source, after the others (`ADD <<a.txt <<b.txt /dst/`).
    pub fn and_heredoc(mut self, heredoc: Heredoc) -> AddSpec {
        self.add.heredocs.push(heredoc);
        self
    }

    /// `--chown=user[:group]`.
    pub fn chown(mut self, owner: impl Into<String>) -> AddSpec {
        self.add.chown = Some(owner.into());
        self
    }

    /// `--chmod=mode`.
    pub fn chmod(mut self, mode: impl Into<String>) -> AddSpec {
        self.add.chmod = Some(mode.into());
        self
    }

    /// `--link`.
    pub fn link(mut self) -> AddSpec {
        self.add.link = true;
        self
    }

    /// `--exclude=pattern` (once per call).
    pub fn exclude(mut self, pattern: impl Into<String>) -> AddSpec {
        self.add.exclude.push(pattern.into());
        self
    }

    /// `--checksum=sha256:...`: the digest the downloaded content must have.
    pub fn checksum(mut self, checksum: impl Into<String>) -> AddSpec {
        self.add.checksum = Some(checksum.into());
        self
    }

    /// `--keep-git-dir`: keep `.git` of a git source.
    pub fn keep_git_dir(mut self) -> AddSpec {
        self.add.keep_git_dir = true;
        self
    }
}

/// A `HEALTHCHECK` with every option, for [`StageBuilder::healthcheck_spec`];
/// durations in whole seconds.
///
/// ```
/// use stagecraft::{scratch, Dockerfile, HealthcheckSpec};
/// let mut df = Dockerfile::builder();
/// df.anonymous_stage(scratch()).healthcheck_spec(
///     HealthcheckSpec::exec(["/app", "health"]).interval(30).start_period(10).start_interval(2),
/// );
/// assert!(df.build().unwrap().render().contains(
///     "HEALTHCHECK --interval=30s --start-period=10s --start-interval=2s CMD [\"/app\", \"health\"]\n"
/// ));
/// ```
#[derive(Debug, Clone)]
pub struct HealthcheckSpec {
    check: Healthcheck,
}

impl HealthcheckSpec {
    /// A check in the exec form.
    pub fn exec<I, T>(command: I) -> HealthcheckSpec
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        HealthcheckSpec {
            check: Healthcheck::Check {
                command: exec_form(command),
                interval_secs: None,
                timeout_secs: None,
                start_period_secs: None,
                start_interval_secs: None,
                retries: None,
            },
        }
    }

    fn set(
        mut self,
        f: impl FnOnce(&mut Option<u64>, &mut Option<u32>, [&mut Option<u64>; 3]),
    ) -> Self {
        if let Healthcheck::Check {
            interval_secs,
            timeout_secs,
            start_period_secs,
            start_interval_secs,
            retries,
            ..
        } = &mut self.check
        {
            f(
                interval_secs,
                retries,
                [timeout_secs, start_period_secs, start_interval_secs],
            );
        }
        self
    }

    /// `--interval`.
    pub fn interval(self, secs: u64) -> Self {
        self.set(|interval, _, _| *interval = Some(secs))
    }

    /// `--timeout`.
    pub fn timeout(self, secs: u64) -> Self {
        self.set(|_, _, [timeout, _, _]| *timeout = Some(secs))
    }

    /// `--start-period`.
    pub fn start_period(self, secs: u64) -> Self {
        self.set(|_, _, [_, period, _]| *period = Some(secs))
    }

    /// `--start-interval`.
    pub fn start_interval(self, secs: u64) -> Self {
        self.set(|_, _, [_, _, interval]| *interval = Some(secs))
    }

    /// `--retries`.
    pub fn retries(self, count: u32) -> Self {
        self.set(|_, retries, _| *retries = Some(count))
    }
}
