//! `apk` (Alpine) and its index cache.

use super::{has_long, missing_cleanup, operands, removes_any, Action, Analysis};
use crate::catalogue::{Rule, Severity};
use crate::check::{Finding, Manager, RunContext};
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

const CACHE: &[&str] = &["/var/cache/apk", "/etc/apk/cache"];

pub(crate) fn events(command: &SimpleCommand) -> Vec<(Manager, Action)> {
    if let Some(("apk", args)) = super::program_and_args(command) {
        let leaves_cache = !has_long(args, "--no-cache");
        let subcommands = operands(
            args,
            &["-X", "--repository", "-p", "--root", "-t", "--virtual"],
        );
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
