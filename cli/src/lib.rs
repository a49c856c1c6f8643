//! The front ends of the `stagecraft` command line, shared by its two
//! binaries: `stagecraft` (`stagecraft lint` and `stagecraft build`) and the
//! lint-only `stagecraft-lint` (the same [`lint`] front end without the
//! engine, for a fast start once per file).
//!
//! Exit status of the lint: 0 when nothing at or above the failure threshold
//! (default: `error`) was found, 1 when something was, 2 when a file cannot
//! be read or parsed, the configuration is malformed, or the command line is
//! wrong.

pub mod build;
mod config;
mod finding;
mod format;
pub mod lint;
mod shellcheck;
mod shellcheck_cache;
