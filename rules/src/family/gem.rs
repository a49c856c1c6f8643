//! `gem install` (Ruby).

use super::Analysis;
use crate::catalogue::{Rule, Severity};
use crate::run_check::{Finding, RunContext};

/// `gem install` of a gem without a version.
pub static DL3028: Rule = Rule {
    id: "DL3028",
    summary: "pin versions in `gem install` (`gem:version` or `-v`)",
    why: "Without a version, `gem install bundler` installs the newest release on the day of the \
          build: two builds differ, and a rebuild can pull a major release that breaks the \
          image.",
    fix: "Write `gem install bundler:2.5.10` (or `gem install bundler -v 2.5.10`), or list the \
          gems in a Gemfile with its Gemfile.lock and run `bundle install`.",
    hadolint: Some("DL3028"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// `gem install` options whose value is the next word.
const WITH_VALUE: &[&str] = &[
    "-i",
    "--install-dir",
    "-n",
    "--bindir",
    "--platform",
    "-s",
    "--source",
    "-p",
    "--http-proxy",
    "-P",
    "--trust-policy",
    "-g",
    "--file",
    "--build-root",
    "--document",
];

pub(crate) fn check(analysis: &Analysis<'_>, ctx: &RunContext, out: &mut Vec<Finding>) {
    for (index, command) in analysis.script.commands.iter().enumerate() {
        let Some(("gem", args)) = super::program_and_args(command) else {
            continue;
        };
        let texts: Vec<&str> = args.iter().map(|a| a.text()).collect();
        if !matches!(texts.first(), Some(&("install" | "i"))) {
            continue;
        }
        let versioned = texts
            .iter()
            .any(|t| *t == "-v" || *t == "--version" || t.starts_with("--version="));
        if versioned {
            continue;
        }
        // Operands end at `--` (what follows goes to the gem's build).
        // hadolint takes every option to have a value, so `gem install
        // --no-document rails` is not reported there; here only the options
        // that take one skip the next word.
        let mut gems = Vec::new();
        let mut rest = texts[1..].iter().take_while(|t| **t != "--");
        while let Some(text) = rest.next() {
            if WITH_VALUE.contains(text) {
                rest.next();
            } else if !text.starts_with('-') && !text.contains(':') {
                gems.push(*text);
            }
        }
        if let Some(first) = gems.first() {
            out.push(analysis.finding(
                &DL3028,
                ctx,
                command.span,
                format!(
                    "`{}` installs {} without a version: the build gets the newest release of \
                     that day; pin it (`{first}:<version>`)",
                    analysis.snippet(index),
                    super::apt::quoted_list(&gems)
                ),
            ));
        }
    }
}
