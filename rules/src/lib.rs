//! Shell-command analysis and the best-practice rule catalogue of
//! [stagecraft](https://docs.rs/stagecraft).
//!
//! This crate depends on neither the library nor the macros, so that both the
//! compile-time macros (`run!`, in `stagecraft-macros`) and the run-time API
//! (`Run::checked`, in `stagecraft`) call the very same code: a command that
//! compiles with `run!` is accepted by `Run::checked` and the other way round.
//!
//! * [`text::check_run_text`]: can this text be written after `RUN ` at all?
//! * [`shell::parse`]: the simple commands of a shell-form `RUN` and how they
//!   are joined.
//! * [`image_ref`]: Docker's image reference grammar, for the model's
//!   bases and for the Dockerfile macros' compile-time checks.
//! * [`values`]: the checks of one value in its slot (an `ENV` key, a `COPY`
//!   path, a `--chmod` mode), for the model's validation and the text's judge.
//! * [`catalogue`]: every rule, with its id, why, fix, hadolint code and
//!   severity per stage kind.
//! * [`accept::accept_run`]: the checks a `RUN` gets when it is made (by
//!   `run!` at compile time, by `Run::checked` at run time).
//! * [`run_check::check_run`]: the findings of one `RUN`; [`run_check::installs`] and
//!   [`run_check::cleanup_only`] for the rules across `RUN`s.
//!
//! ```
//! use stagecraft_rules::run_check::{check_run, RunContext};
//!
//! let findings = check_run(
//!     "DEBIAN_FRONTEND=noninteractive apt-get install -qy curl=7.88.1-10+deb12u8",
//!     &RunContext::shipped(),
//! )
//! .unwrap();
//! let ids: Vec<_> = findings.iter().map(|f| f.rule.id).collect();
//! assert_eq!(ids, ["SCR001", "SCR003", "SCR006"]);
//! ```

pub mod accept;
pub mod catalogue;
pub mod dockerfile;
mod family;
pub mod image_ref;
pub mod names;
pub mod run_check;
pub mod shell;
pub mod text;
pub mod values;
pub mod word;

pub use catalogue::{Rule, Severity, StageKind};
pub use run_check::{check_run, Finding, RunContext};
