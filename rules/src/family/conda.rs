//! `conda` / `mamba` / `micromamba` and their package cache.

use super::{missing_cleanup, operands, removes_any, short_flags, Action, Analysis};
use crate::catalogue::{Rule, Severity};
use crate::run_check::{Finding, Manager, RunContext};
use crate::shell::SimpleCommand;

/// conda install/create without `conda clean -a` after it.
pub static SCR010: Rule = Rule {
    id: "SCR010",
    summary: "`conda install`/`create` needs `conda clean -afy` after it in the same RUN",
    why: "conda, mamba and micromamba keep every downloaded package tarball and its extracted \
          copy in the package cache (/opt/conda/pkgs, $MAMBA_ROOT_PREFIX/pkgs): commonly hundreds \
          of MB, written into this layer; a clean in a later RUN frees nothing.",
    fix: "End the RUN with `&& conda clean -afy` (`mamba clean -afy`, `micromamba clean -afy`), \
          or use a cache mount on the pkgs directory.",
    hadolint: None,
    shipped: Severity::Error,
    build_only: Severity::Warning,
};

const CACHE: &[&str] = &[
    "/opt/conda/pkgs",
    "/root/.conda/pkgs",
    "/root/micromamba/pkgs",
];

pub(crate) fn events(command: &SimpleCommand) -> Vec<(Manager, Action)> {
    let Some((program, args)) = super::program_and_args(command) else {
        return Vec::new();
    };
    if matches!(program, "conda" | "mamba" | "micromamba") {
        let subcommands = operands(
            args,
            &[
                "-n",
                "--name",
                "-p",
                "--prefix",
                "-c",
                "--channel",
                "-f",
                "--file",
            ],
        );
        return match subcommands.as_slice() {
            ["install" | "create" | "update" | "upgrade", ..]
            | ["env", "create" | "update", ..] => {
                vec![(Manager::Conda, Action::Install { leaves_cache: true })]
            }
            ["clean", ..] => {
                let all = args
                    .iter()
                    .any(|a| a.text() == "--all" || short_flags(a.text(), &[]).any(|c| c == 'a'));
                if all {
                    vec![(Manager::Conda, Action::Cleanup)]
                } else {
                    Vec::new()
                }
            }
            _ => Vec::new(),
        };
    }
    if removes_any(command, CACHE) {
        return vec![(Manager::Conda, Action::Cleanup)];
    }
    Vec::new()
}

pub(crate) fn check(analysis: &Analysis<'_>, ctx: &RunContext, out: &mut Vec<Finding>) {
    let mounted = ctx
        .cache_mounts
        .iter()
        .any(|mount| crate::run_check::trim_path(mount).ends_with("/pkgs"));
    if mounted {
        return;
    }
    missing_cleanup(
        analysis,
        ctx,
        Manager::Conda,
        &SCR010,
        CACHE,
        out,
        |snippet| {
            format!(
                "`{snippet}` is not followed by `conda clean -afy` in the same RUN: the package \
             tarballs and extracted copies in the pkgs cache (often hundreds of MB) stay in this \
             layer; end the RUN with `&& conda clean -afy` (a partial clean such as `-t` is not \
             enough)"
            )
        },
    );
}
