//! Shell-command analysis and the best-practice rule catalogue of
//! [stagecraft](https://docs.rs/stagecraft).
//!
//! This crate depends on neither the library nor the macros, so that both the
//! compile-time macros (`run!`, in `stagecraft-macros`) and the run-time API
//! (`Run::checked`, in `stagecraft`) call the very same code: a command that
//! compiles with `run!` is accepted by `Run::checked` and the other way round.
//!
//! Today it holds the text checks every `RUN` command goes through
//! ([`text::check_run_text`]); the rule catalogue builds on it.

pub mod text;
