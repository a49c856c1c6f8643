//! `pip install` and its wheel cache.

use super::{has_long, missing_cleanup, operands, removes_any, Action, Analysis, Exported};
use crate::catalogue::{Rule, Severity};
use crate::check::{Finding, Manager, RunContext};
use crate::shell::{program_name, SimpleCommand, Word};

/// `pip install` without `--no-cache-dir`.
pub static SCR009: Rule = Rule {
    id: "SCR009",
    summary: "`pip install` needs `--no-cache-dir`",
    why: "pip keeps every downloaded wheel and every wheel it built in its cache \
          (~/.cache/pip, /root/.cache/pip in a RUN): often as many bytes as the installed \
          packages themselves, written into this layer and shipped.",
    fix: "Add `--no-cache-dir`, set `ENV PIP_NO_CACHE_DIR=1` in the stage, or use a cache mount \
          (`--mount=type=cache,target=/root/.cache/pip`).",
    hadolint: Some("DL3042"),
    shipped: Severity::Error,
    build_only: Severity::Warning,
};

/// Where pip's cache lives for root, and the endings of cache-mount targets
/// that hold it for any user.
const CACHE: &[&str] = &["/root/.cache/pip"];
const MOUNT_SUFFIXES: &[&str] = &["/.cache/pip", "/.cache"];

/// Whether a value of `PIP_NO_CACHE_DIR` turns the cache off. pip reads any
/// value but the explicit false ones as true.
fn truthy(value: &str) -> bool {
    !matches!(
        value.to_ascii_lowercase().as_str(),
        "" | "0" | "false" | "no" | "off"
    )
}

/// For `pip ...`, `pip3.11 ...`, `python3 -m pip ...`: the arguments after `pip`.
fn pip_args(command: &SimpleCommand) -> Option<&[Word]> {
    let (program, args) = super::program_and_args(command)?;
    let is_pip = program
        .strip_prefix("pip")
        .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit() || c == '.'));
    if is_pip {
        return Some(args);
    }
    let is_python = program
        .strip_prefix("python")
        .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit() || c == '.'));
    if !is_python {
        return None;
    }
    let position = args
        .windows(2)
        .position(|pair| pair[0].text() == "-m" && program_name(pair[1].text()) == "pip");
    if let Some(position) = position {
        return Some(&args[position + 2..]);
    }
    let position = args.iter().position(|a| a.text() == "-mpip")?;
    Some(&args[position + 1..])
}

pub(crate) fn events(command: &SimpleCommand, exported: &Exported) -> Vec<(Manager, Action)> {
    if let Some(args) = pip_args(command) {
        let subcommands = operands(
            args,
            &["-r", "-c", "-e", "-i", "-t", "--target", "--index-url"],
        );
        return match subcommands.as_slice() {
            ["install", ..] => {
                let env_off = command
                    .assignments
                    .iter()
                    .any(|a| a.name == "PIP_NO_CACHE_DIR" && truthy(a.value.text()))
                    || exported
                        .iter()
                        .rev()
                        .find(|(name, _)| name == "PIP_NO_CACHE_DIR")
                        .is_some_and(|(_, value)| truthy(value));
                let leaves_cache = !has_long(args, "--no-cache-dir") && !env_off;
                vec![(Manager::Pip, Action::Install { leaves_cache })]
            }
            ["cache", "purge", ..] => vec![(Manager::Pip, Action::Cleanup)],
            _ => Vec::new(),
        };
    }
    if removes_any(command, CACHE) {
        return vec![(Manager::Pip, Action::Cleanup)];
    }
    Vec::new()
}

pub(crate) fn check(analysis: &Analysis<'_>, ctx: &RunContext, out: &mut Vec<Finding>) {
    if ctx.env_var("PIP_NO_CACHE_DIR").is_some_and(truthy) {
        return;
    }
    let mounted = ctx.cache_mounts.iter().any(|mount| {
        let mount = crate::check::trim_path(mount);
        MOUNT_SUFFIXES.iter().any(|suffix| mount.ends_with(suffix))
    }) || ctx
        .env_var("PIP_CACHE_DIR")
        .is_some_and(|dir| ctx.mount_covers(dir));
    if mounted {
        return;
    }
    missing_cleanup(
        analysis,
        ctx,
        Manager::Pip,
        &SCR009,
        CACHE,
        out,
        |snippet| {
            format!(
            "`{snippet}` has no `--no-cache-dir`: pip keeps the downloaded and built wheels in \
             /root/.cache/pip, in this layer; add `--no-cache-dir` (or `ENV PIP_NO_CACHE_DIR=1`, \
             or a cache mount on /root/.cache/pip)"
        )
        },
    );
}
