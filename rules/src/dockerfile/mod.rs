//! Whole Dockerfiles: parse them into a small AST with line numbers
//! ([`Dockerfile::parse`] and its `_bytes`/`_recovering` kin; the tree's
//! types are in [`parse`], a module only), and [`check_dockerfile`] them
//! against the catalogue with stage awareness (which stages ship, which have
//! a shell).
//!
//! This is what `stagecraft lint` runs on hand-written Dockerfiles, and what
//! the `dockerfile!`/`include_dockerfile!` macros can run at compile time.
//!
//! ```
//! use stagecraft_rules::dockerfile::{lint, Options};
//!
//! let findings = lint(
//!     "FROM debian:bookworm-slim\n\
//!      RUN apt-get update && apt-get install -y curl=7.88.1-10+deb12u8\n\
//!      CMD curl example.org\n",
//!     &Options::default(),
//! )
//! .unwrap();
//! let found: Vec<_> = findings.iter().map(|f| (f.line, f.rule.id)).collect();
//! assert_eq!(found, [(2, "SCR003"), (2, "SCR006"), (3, "SCR020")]);
//! ```

mod buildkit;
pub mod check;
mod contents;
pub mod findings;
pub(crate) mod instructions;
pub mod labels;
pub mod model_support;
pub mod model_view;
pub mod mount;
pub mod parse;
mod recover;
pub mod stage_graph;
pub mod structure;

pub use check::{
    check_dockerfile, is_shell_less_image, is_windows_image, lint, rule_matches, stages, Base,
    DockerfileFinding, Options, StageInfo,
};
pub use findings::Findings;
pub use labels::{LabelType, UnknownLabelType};
pub use parse::{Dockerfile, Instruction, InstructionKind, ParseError, Recovered};
pub use recover::{lint_recovering, Linted};
pub use stage_graph::StageGraph;
