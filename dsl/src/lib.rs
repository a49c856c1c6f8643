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
    scratch, shell_less, AddSpec, CopySpec, DockerfileBuilder, GlobalArg, HealthcheckSpec,
    ShellLess, StageBuilder, StageRef, WithShell,
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
    use crate::model::Run;

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
