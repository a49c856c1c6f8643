//! `apk` (Alpine) and its index cache.

use super::{has_long, missing_cleanup, operands, removes_any, Action, Analysis};
use crate::catalogue::{Rule, Severity};
use crate::run_check::{Finding, Manager, RunContext};
use crate::shell::SimpleCommand;

/// `apk add` without `--no-cache`.
pub static SCR011: Rule = Rule {
    id: "SCR011",
    summary: "`apk add` needs `--no-cache`",
    why: "Without `--no-cache`, apk writes the repository indexes (APKINDEX, a few MB per \
          repository) into /var/cache/apk, in this layer; removing them in a later RUN frees \
          nothing.",
    fix: "Use `apk add --no-cache ...` (it also makes `apk update` unnecessary), or end the RUN \
          with `&& rm -rf /var/cache/apk/*`.",
    hadolint: Some("DL3019"),
    shipped: Severity::Error,
    build_only: Severity::Warning,
};

/// `apk add` of a package without a version.
pub static DL3018: Rule = Rule {
    id: "DL3018",
    summary: "pin versions in `apk add` (`package=version`)",
    why: "Without a version, `apk add curl` installs whatever the Alpine mirror has on the day \
          of the build: two builds differ, and a rebuild can pull a release that breaks the \
          image.",
    fix: "Write `apk add --no-cache curl=8.5.0-r0` (or a range: `curl~8.5`), or install a local \
          `.apk`.",
    hadolint: Some("DL3018"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// apk options that take a value as the next word.
const WITH_VALUE: &[&str] = &["-X", "--repository", "-p", "--root", "-t", "--virtual"];

const CACHE: &[&str] = &["/var/cache/apk", "/etc/apk/cache"];

pub(crate) fn events(command: &SimpleCommand) -> Vec<(Manager, Action)> {
    if let Some(("apk", args)) = super::program_and_args(command) {
        // `--no-network` installs from what is already there (a cache or a
        // file): nothing is downloaded into /var/cache/apk.
        let leaves_cache = !has_long(args, "--no-cache") && !has_long(args, "--no-network");
        let subcommands = operands(args, WITH_VALUE);
        return match subcommands.as_slice() {
            ["add" | "upgrade" | "fix", ..] => {
                vec![(Manager::Apk, Action::Install { leaves_cache })]
            }
            ["update", ..] => vec![(Manager::Apk, Action::IndexUpdate { leaves_cache })],
            ["cache", "clean" | "purge", ..] => vec![(Manager::Apk, Action::Cleanup)],
            _ => Vec::new(),
        };
    }
    if removes_any(command, CACHE) {
        return vec![(Manager::Apk, Action::Cleanup)];
    }
    Vec::new()
}

pub(crate) fn check(analysis: &Analysis<'_>, ctx: &RunContext, out: &mut Vec<Finding>) {
    check_cache(analysis, ctx, out);
    check_pins(analysis, ctx, out);
}

/// DL3018 for every `apk add` of a package without a version.
fn check_pins(analysis: &Analysis<'_>, ctx: &RunContext, out: &mut Vec<Finding>) {
    for (index, command) in analysis.script.commands.iter().enumerate() {
        let Some(("apk", args)) = super::program_and_args(command) else {
            continue;
        };
        let ops = operands(args, WITH_VALUE);
        if ops.first() != Some(&"add") {
            continue;
        }
        let unpinned: Vec<&str> = ops[1..]
            .iter()
            .copied()
            .filter(|p| !p.contains(['=', '~', '>', '<']) && !p.ends_with(".apk"))
            .collect();
        if let Some(first) = unpinned.first() {
            out.push(analysis.finding(
                &DL3018,
                ctx,
                command.span,
                format!(
                    "`{}` installs {} without a version: the build gets whatever the mirror has \
                     that day; pin it, e.g. `{first}=<version>`",
                    analysis.snippet(index),
                    super::apt::quoted_list(&unpinned)
                ),
            ));
        }
    }
}

/// SCR011 for every `apk add` that leaves the indexes.
fn check_cache(analysis: &Analysis<'_>, ctx: &RunContext, out: &mut Vec<Finding>) {
    missing_cleanup(
        analysis,
        ctx,
        Manager::Apk,
        &SCR011,
        CACHE,
        out,
        |snippet| {
            format!(
            "`{snippet}` has no `--no-cache`: apk keeps the repository indexes in /var/cache/apk, \
             in this layer; use `apk add --no-cache` (or end this RUN with \
             `&& rm -rf /var/cache/apk/*`)"
        )
        },
    );
}
