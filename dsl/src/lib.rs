//! # stagecraft
//!
//! Describe container image stages in typed Rust, and get Dockerfiles that
//! follow the practice that keeps images small: install and clean up in the
//! same `RUN`, separate build time from run time with multi-stage builds,
//! and ship `FROM scratch` or distroless stages that hold only what runs.
//!
//! Mistakes are refused as early as possible:
//!
//! * **at compile time**: a `RUN` (or a shell-form `ENTRYPOINT`/`CMD`) in a
//!   `scratch`/distroless stage has no method to call; `COPY --from` takes
//!   only a [`StageRef`] that declaring a stage returned; [`run!`] checks its
//!   command while your crate compiles;
//! * **by construction**: package [recipes](packages) always render install
//!   and cleanup in one `RUN`;
//! * **when the model is built**: bad image references, aliases, names and
//!   strings that could inject an instruction are typed [`Errors`], all
//!   reported at once.
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
//! df.anonymous_stage(scratch())
//!     .copy_from(&build, "/usr/games/fortune", "/usr/games/fortune")
//!     .entrypoint(["/usr/games/fortune"]);
//! print!("{}", df.build()?.render());
//! # Ok::<(), stagecraft::Errors>(())
//! ```
//!
//! Modules: [`model`] (plain data, serde), [`stage`] (typed builders),
//! [`packages`] (recipes), [`image_ref`] (image references), [`render`](mod@render)
//! (text), [`emit`] (`build.rs` helpers), [`site_ca`] (trusting a TLS-intercepting
//! proxy's CA during builds only), [`error`].

pub mod catalogue;
pub mod distroless;
pub mod emit;
#[cfg(feature = "engine")]
pub mod engine;
pub mod error;
pub mod from_text;
pub mod harvest;
/// Image references: Docker's grammar, in `stagecraft-rules` so the macros
/// check `FROM` lines with the same code.
pub use stagecraft_rules::image_ref;
pub mod lint;
pub mod model;
pub mod packages;
pub mod render;
pub mod report;
pub mod site_ca;
pub mod stage;

pub use crate::error::{ErrorKind, Errors, ModelError};
pub use crate::image_ref::{ImageRef, ImageRefError};
pub use crate::model::{Base, Dockerfile, Findings, Instruction, Run, Stage, Violations};
pub use crate::render::render;
pub use crate::stage::{
    scratch, shell_less, template, AddSpec, BaseTemplate, CopySpec, DockerfileBuilder, GlobalArg,
    HealthcheckSpec, ShellLess, StageBuilder, StageRef, WithShell,
};
/// The rule catalogue and shell analysis (the `stagecraft-rules` crate).
pub use stagecraft_rules as rules;

/// A `RUN` command checked at compile time.
///
/// The command is checked by the same code as [`Run::checked`]: its text,
/// its shell syntax, and every rule of the catalogue ([`rules`]) that is an
/// error in a stage that ships (install without cleanup, cleanup before the
/// install, pip/apk/conda/dnf caches, a missing `-y`, ...). Each problem is
/// a compile error pointing at the literal, saying what is wrong, why it
/// costs and the fix. Rules that are only warnings (`apt` instead of
/// `apt-get`, a pipe without pipefail, `cd`) are compiler warnings, shown as
/// the use of a deprecated constant: `#[allow(deprecated)]` silences them,
/// `#[deny(deprecated)]` makes them errors.
///
/// It is stricter than the whole-file checks on purpose: it sees one `RUN`
/// without its stage, its `ENV` or its `SHELL`, so it holds it to the rules
/// of a stage that ships and to sh. What it accepts is accepted in any
/// stage; [`dockerfile!`] and [`Dockerfile::parse`] judge a `RUN` with its
/// stage, as `stagecraft lint` does.
///
/// ```
/// use stagecraft::{run, Dockerfile};
///
/// let mut df = Dockerfile::builder();
/// df.anonymous_stage("debian:bookworm-slim")
///     .run(run!("make -C /src install"));
/// assert!(df.build().unwrap().render().contains("RUN make -C /src install\n"));
/// ```
///
/// **Options** come before the command, as in [`RunSpec`](model::RunSpec):
/// `mount = "..."` (any number; the text after `--mount=`), `network =
/// "default"|"none"|"host"` and `security = "sandbox"|"insecure"`. Each is
/// read at compile time by the grammar the whole-file checks use
/// ([`rules::dockerfile::mount`]), so a bad type, option or value is a
/// compile error on its literal; and the command is judged **with** its
/// mounts, as `stagecraft lint` judges `RUN --mount=... command`: under a
/// cache (or tmpfs) mount on pip's cache, `pip install` without
/// `--no-cache-dir` leaves nothing in the layer.
///
/// ```
/// use stagecraft::model::{Mount, Network};
/// use stagecraft::{run, Dockerfile};
///
/// let pip = run!(
///     mount = "type=cache,target=/root/.cache/pip,sharing=locked",
///     network = "default",
///     "pip install numpy==2.1.0"
/// );
/// assert!(matches!(pip.mounts(), [Mount::Cache(cache)] if cache.target == "/root/.cache/pip"));
/// assert_eq!(pip.network(), Some(Network::Default));
///
/// let mut df = Dockerfile::builder();
/// df.anonymous_stage("python:3.12-slim").run(pip);
/// let text = df.build().unwrap().render();
/// assert!(text.contains("RUN --mount=type=cache,target=/root/.cache/pip,sharing=locked"));
/// assert!(text.contains("pip install numpy==2.1.0"));
/// ```
///
/// ```compile_fail
/// // SCR009: without the cache mount, pip's cache would stay in the layer.
/// let run = stagecraft::run!("pip install numpy==2.1.0");
/// ```
///
/// ```compile_fail
/// // `sharing` is shared, locked or private.
/// let run = stagecraft::run!(mount = "type=cache,target=/c,sharing=bogus", "make");
/// ```
///
/// ```compile_fail
/// // A bare newline would start a new Dockerfile instruction.
/// let run = stagecraft::run!("make\nUSER root");
/// ```
///
/// ```compile_fail
/// // SCR003 (DL3009): the package lists would stay in the layer.
/// let run = stagecraft::run!("apt-get update && apt-get install -y --no-install-recommends curl");
/// ```
pub use stagecraft_macros::run;

/// A whole Dockerfile, written as a string literal, checked at compile time
/// and converted to the typed [`Dockerfile`].
///
/// At compile time the text is parsed and judged once, by
/// [`rules::dockerfile::model_support::judge`], the very verdict of
/// [`Dockerfile::parse`] and of `stagecraft lint`: the stage-aware rules (a
/// finding that is an error where it is, e.g. apt lists left in a stage that
/// ships, `RUN` in a `scratch` stage, `COPY --from` an unknown stage, a
/// repeated stage name; a build-only stage is held to warnings) and what the
/// model cannot hold. Every problem is its own compile error pointing at the
/// literal, starting with `line N:`. Warnings do not stop compilation. The
/// value is what [`Dockerfile::parse`] makes of the text: comments are
/// dropped (suppression comments kept).
///
/// [`run!`] is stricter on purpose: it sees one `RUN` without its stage, so
/// it holds it to the rules of a stage that ships.
///
/// ```
/// let dockerfile = stagecraft::dockerfile!(r#"
/// FROM debian:bookworm-slim AS build
/// RUN apt-get update \
///  && apt-get install -y --no-install-recommends fortune-mod \
///  && rm -rf /var/lib/apt/lists/*
///
/// FROM scratch
/// COPY --from=build /usr/games/fortune /usr/games/fortune
/// ENTRYPOINT ["/usr/games/fortune"]
/// "#);
/// assert_eq!(dockerfile.stages().len(), 2);
/// ```
///
/// ```compile_fail
/// // SCR022: a scratch stage has no shell to run the command.
/// let dockerfile = stagecraft::dockerfile!("FROM scratch\nRUN make\n");
/// ```
pub use stagecraft_macros::dockerfile;

/// [`dockerfile!`] for a file: `include_dockerfile!("path")` reads the file
/// at compile time, checks it like [`dockerfile!`], and reports each problem
/// as `path:line: ...`. Cargo rebuilds the crate when the file changes.
///
/// The path is relative to the root of the package whose source invokes the
/// macro: `CARGO_MANIFEST_DIR` when the file is there, otherwise the nearest
/// directory above the invoking source file that holds a `Cargo.toml` (the
/// case when a tool like trybuild compiles a package's files from a
/// generated package). An absolute path is used as it is.
///
/// ```ignore
/// let dockerfile = stagecraft::include_dockerfile!("docker/app.Dockerfile");
/// ```
pub use stagecraft_macros::include_dockerfile;

#[doc(hidden)]
pub mod __private {
    use crate::model::{Mount, Network, Run, RunSpec, Security};

    /// The expansion of `run!`: the literal was checked at compile time by
    /// the same function `Run::checked` calls, so this cannot fail.
    pub fn run_from_macro(command: &'static str) -> Run {
        match Run::checked(command) {
            Ok(run) => run,
            Err(error) => {
                unreachable!("run! accepted a command that Run::checked refuses: {error}")
            }
        }
    }

    /// The expansion of `run!(mount = ..., network = ..., security = ...,
    /// "...")`: each option was read at compile time by the grammar
    /// `Mount::parse`, `Network::parse` and `Security::parse` read it with,
    /// and the command judged with the mounts by the function `RunSpec`'s
    /// checks agree with (`accept::accept_run_with`), so this cannot fail.
    pub fn run_with_options_from_macro(
        mounts: &[&'static str],
        network: Option<&'static str>,
        security: Option<&'static str>,
        command: &'static str,
    ) -> Run {
        let spec = || -> Result<Run, String> {
            let mut spec = RunSpec::new();
            for mount in mounts {
                spec = spec.mount(Mount::parse(mount).map_err(|e| e.to_string())?);
            }
            if let Some(network) = network {
                spec = spec.network(Network::parse(network).map_err(|e| e.to_string())?);
            }
            if let Some(security) = security {
                spec = spec.security(Security::parse(security).map_err(|e| e.to_string())?);
            }
            spec.shell(command).map_err(|e| e.to_string())
        };
        match spec() {
            Ok(run) => run,
            Err(error) => {
                unreachable!("run! accepted options and a command that RunSpec refuses: {error}")
            }
        }
    }

    /// The expansion of `dockerfile!` and `include_dockerfile!`: the text
    /// was parsed and judged at compile time by the same functions
    /// `Dockerfile::parse` calls (`stagecraft_rules::dockerfile::Dockerfile::parse`
    /// and `model_support::judge`), so it is only converted here, not
    /// checked again (`Dockerfile::from_checked_text`), and does not fail.
    pub fn dockerfile_from_text(text: &str) -> crate::model::Dockerfile {
        match crate::model::Dockerfile::from_checked_text(text) {
            Ok(dockerfile) => dockerfile,
            Err(errors) => unreachable!(
                "dockerfile!/include_dockerfile! accepted a Dockerfile that \
                 stagecraft cannot convert (a bug in stagecraft's \
                 model_support checks; please report it):\n{errors}"
            ),
        }
    }
}
