//! `yum`, `dnf`/`microdnf` and `zypper`: metadata and package caches.

use super::{missing_cleanup, operands, removes_any, Action, Analysis};
use crate::catalogue::{Rule, Severity};
use crate::run_check::{Finding, Manager, RunContext};
use crate::shell::SimpleCommand;

/// `yum install` without `yum clean all`.
pub static SCR012: Rule = Rule {
    id: "SCR012",
    summary: "`yum install` needs `yum clean all` after it in the same RUN",
    why: "yum keeps repository metadata and downloaded packages in /var/cache/yum (often 100+ \
          MB), in this layer; a clean in a later RUN frees nothing.",
    fix: "End the RUN with `&& yum clean all && rm -rf /var/cache/yum`, or use a cache mount on \
          /var/cache/yum.",
    hadolint: Some("DL3032"),
    shipped: Severity::Error,
    build_only: Severity::Warning,
};

/// `dnf`/`microdnf install` without `clean all`.
pub static SCR013: Rule = Rule {
    id: "SCR013",
    summary: "`dnf`/`microdnf install` needs `dnf clean all` after it in the same RUN",
    why: "dnf and microdnf keep repository metadata and packages in /var/cache/dnf (microdnf: \
          /var/cache/yum), tens to hundreds of MB, in this layer; a clean in a later RUN frees \
          nothing.",
    fix: "End the RUN with `&& dnf clean all` (`microdnf clean all`), or use a cache mount on \
          /var/cache/dnf.",
    hadolint: Some("DL3040"),
    shipped: Severity::Error,
    build_only: Severity::Warning,
};

/// `zypper install` without `zypper clean`.
pub static SCR014: Rule = Rule {
    id: "SCR014",
    summary: "`zypper install` needs `zypper clean` after it in the same RUN",
    why: "zypper keeps repository metadata and packages in /var/cache/zypp, in this layer; a \
          clean in a later RUN frees nothing.",
    fix: "End the RUN with `&& zypper clean --all`, or use a cache mount on /var/cache/zypp.",
    hadolint: Some("DL3036"),
    shipped: Severity::Error,
    build_only: Severity::Warning,
};

/// `yum install` without `-y`.
pub static DL3030: Rule = Rule {
    id: "DL3030",
    summary: "`yum install` needs `-y`",
    why: "A build has no terminal to answer `Is this ok [y/N]:`: without `-y` yum reads the end \
          of its input as no, prints `Operation aborted.` and the RUN fails.",
    fix: "Add `-y` (or `--assumeyes`): `yum install -y <package>`.",
    hadolint: Some("DL3030"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// Whether `args` (after the program name) of `yum`, `dnf`, `microdnf` or
/// `zypper` answer its prompts: `-y`/`--assumeyes` (also in a cluster such as
/// `-qy`) for yum and dnf (microdnf never prompts), and for zypper the global
/// `-n`/`--non-interactive` before the subcommand or `-y`/`--no-confirm`
/// after it. Shared by the `-y` rules of the three managers.
pub(crate) fn answers_yes(program: &str, args: &[crate::shell::Word]) -> bool {
    match program {
        "microdnf" => true,
        "zypper" => {
            let sub = args
                .iter()
                .position(|a| !a.text().starts_with('-'))
                .unwrap_or(args.len());
            args[..sub].iter().any(|a| {
                a.text() == "--non-interactive"
                    || super::short_flags(a.text(), &[]).any(|f| f == 'n')
            }) || args[sub..]
                .iter()
                .any(|a| matches!(a.text(), "-y" | "--no-confirm"))
        }
        _ => args.iter().map(|a| a.text()).any(|t| {
            t == "--assumeyes"
                || t == "--assume-yes"
                || t == "--setopt=assumeyes=1"
                || t == "--setopt=assumeyes=True"
                || super::short_flags(t, &['c', 'x', 'd', 'e', 'R']).any(|f| f == 'y')
        }),
    }
}

/// The subcommand of yum/dnf/zypper (`install`), skipping options with values.
pub(crate) fn subcommand(args: &[crate::shell::Word]) -> Option<&str> {
    operands(args, WITH_VALUE).first().copied()
}

const YUM_CACHE: &[&str] = &["/var/cache/yum"];
const DNF_CACHE: &[&str] = &["/var/cache/dnf", "/var/cache/yum", "/var/cache/libdnf5"];
const ZYPPER_CACHE: &[&str] = &["/var/cache/zypp"];

/// Options of yum/dnf/zypper that take a value as the next word (zypper's
/// `--from` names a repository). One list for every rule of the family:
/// `rpm_install.rs` reads its operands with it too.
pub(super) const WITH_VALUE: &[&str] = &[
    "-c",
    "--config",
    "--installroot",
    "--releasever",
    "--repo",
    "--enablerepo",
    "--disablerepo",
    "--setopt",
    "-x",
    "--exclude",
    "-r",
    "--root",
    "--from",
];

pub(crate) fn events(command: &SimpleCommand) -> Vec<(Manager, Action)> {
    let Some((program, args)) = super::program_and_args(command) else {
        return Vec::new();
    };
    let manager = match program {
        "yum" => Some(Manager::Yum),
        "dnf" | "dnf5" | "microdnf" => Some(Manager::Dnf),
        "zypper" => Some(Manager::Zypper),
        _ => None,
    };
    if let Some(manager) = manager {
        let ops = operands(args, WITH_VALUE);
        let install = match manager {
            Manager::Zypper => matches!(
                ops.first().copied(),
                Some(
                    "install"
                        | "in"
                        | "update"
                        | "up"
                        | "dist-upgrade"
                        | "dup"
                        | "patch"
                        | "source-install"
                        | "si"
                )
            ),
            _ => matches!(
                ops.as_slice(),
                [
                    "install"
                        | "groupinstall"
                        | "localinstall"
                        | "reinstall"
                        | "update"
                        | "upgrade"
                        | "distro-sync",
                    ..
                ] | ["module" | "group", "install", ..]
            ),
        };
        let clean = match manager {
            Manager::Zypper => matches!(ops.first().copied(), Some("clean" | "cc")),
            _ => ops.first() == Some(&"clean") && ops.contains(&"all"),
        };
        return if install {
            vec![(manager, Action::Install { leaves_cache: true })]
        } else if clean && manager != Manager::Zypper {
            // yum is dnf on current distributions; either clean counts for both.
            vec![
                (Manager::Yum, Action::Cleanup),
                (Manager::Dnf, Action::Cleanup),
            ]
        } else if clean {
            vec![(manager, Action::Cleanup)]
        } else {
            Vec::new()
        };
    }
    let mut events = Vec::new();
    if removes_any(command, YUM_CACHE) {
        events.push((Manager::Yum, Action::Cleanup));
    }
    if removes_any(command, DNF_CACHE) {
        events.push((Manager::Dnf, Action::Cleanup));
    }
    if removes_any(command, ZYPPER_CACHE) {
        events.push((Manager::Zypper, Action::Cleanup));
    }
    events
}

pub(crate) fn check(analysis: &Analysis<'_>, ctx: &RunContext, out: &mut Vec<Finding>) {
    for (index, command) in analysis.script.commands.iter().enumerate() {
        let Some(("yum", args)) = super::program_and_args(command) else {
            continue;
        };
        let installs = matches!(
            subcommand(args),
            Some("install" | "groupinstall" | "localinstall")
        );
        if installs && !answers_yes("yum", args) {
            out.push(analysis.finding(
                &DL3030,
                ctx,
                command.span,
                format!(
                    "`{}` has no `-y`: with no terminal to answer `Is this ok [y/N]`, yum aborts \
                     and the build fails; add `-y`",
                    analysis.snippet(index)
                ),
            ));
        }
    }
    missing_cleanup(
        analysis,
        ctx,
        Manager::Yum,
        &SCR012,
        YUM_CACHE,
        out,
        |snippet| {
            format!(
                "`{snippet}` is not followed by `yum clean all` in the same RUN: the metadata and \
             packages in /var/cache/yum stay in this layer; end the RUN with `&& yum clean all`"
            )
        },
    );
    missing_cleanup(
        analysis,
        ctx,
        Manager::Dnf,
        &SCR013,
        DNF_CACHE,
        out,
        |snippet| {
            format!(
            "`{snippet}` is not followed by `dnf clean all` (or `microdnf clean all`) in the same \
             RUN: the metadata and packages in /var/cache/dnf stay in this layer; end the RUN with \
             `&& dnf clean all`"
        )
        },
    );
    missing_cleanup(
        analysis,
        ctx,
        Manager::Zypper,
        &SCR014,
        ZYPPER_CACHE,
        out,
        |snippet| {
            format!(
                "`{snippet}` is not followed by `zypper clean` in the same RUN: the metadata and \
             packages in /var/cache/zypp stay in this layer; end the RUN with \
             `&& zypper clean --all`"
            )
        },
    );
}
