//! The `stagecraft` command line: `stagecraft lint` runs stagecraft's rules
//! (and ShellCheck, where installed) over hand-written Dockerfiles, reading
//! hadolint's configuration, pragmas and environment, printing hadolint's
//! output formats; `stagecraft build` builds a catalogue of images.
//!
//! ```text
//! stagecraft lint [-f tty|json|sarif|checkstyle|gitlab_codeclimate|codeclimate]
//!                 [--ignore CODE]... [-t THRESHOLD] [--no-fail] [-c FILE] FILE...
//! ```
//!
//! `stagecraft-lint` (`src/bin/stagecraft-lint.rs`) is the same lint without
//! the engine, for running once per file.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use stagecraft_cli::{build, lint};

/// stagecraft: best-practice container images from typed Rust.
#[derive(Debug, Parser)]
#[command(
    name = "stagecraft",
    version,
    arg_required_else_help = true,
    after_help = "Run `stagecraft lint --help` for the lint options."
)]
struct Cli {
    #[command(subcommand)]
    command: Commands,
}

#[derive(Debug, Subcommand)]
enum Commands {
    /// Check Dockerfiles against stagecraft's rules (a drop-in for hadolint).
    Lint(lint::LintArgs),
    /// Build a catalogue of images (every Dockerfile under a tree) in
    /// dependency order over one or more daemons; lint first.
    Build(build::BuildArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Commands::Lint(args) => ExitCode::from(lint::run(&args)),
        Commands::Build(args) => ExitCode::from(build::run(&args)),
    }
}
