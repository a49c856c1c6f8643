//! `apt-get` / `apt`: index, lists cleanup, prompts, recommends.

use super::{operands, removes_any, short_flags, Action, Analysis};
use crate::catalogue::{Rule, Severity};
use crate::run_check::{Finding, Manager, RunContext};
use crate::shell::{SimpleCommand, Word};

/// `apt-get install` without `apt-get update` before it in the same `RUN`.
pub static SCR001: Rule = Rule {
    id: "SCR001",
    summary: "`apt-get install` needs `apt-get update` earlier in the same RUN",
    why: "Without `apt-get update` in the same RUN, the install reads the package lists of an \
          earlier layer: either that layer kept the lists (tens of MB that ship in the image), or \
          there are none and the install fails; and when the cached layer is reused, the lists are \
          stale and the install fails with 404s or installs outdated versions.",
    fix: "Run `apt-get update && apt-get install -y --no-install-recommends ... && rm -rf \
          /var/lib/apt/lists/*` in one RUN.",
    hadolint: None,
    shipped: Severity::Error,
    build_only: Severity::Warning,
};

/// `apt-get update` in a `RUN` that installs nothing.
pub static SCR002: Rule = Rule {
    id: "SCR002",
    summary: "`apt-get update` in a RUN that installs nothing",
    why: "The lists `apt-get update` downloads (/var/lib/apt/lists, tens of MB) stay in this \
          layer, and the layer is cached: a later RUN's `apt-get install` then uses lists as old \
          as that cache, which breaks with 404s once the mirror moves on.",
    fix: "Move `apt-get update` into the RUN that installs: `apt-get update && apt-get install -y \
          --no-install-recommends ... && rm -rf /var/lib/apt/lists/*`.",
    hadolint: None,
    shipped: Severity::Error,
    build_only: Severity::Warning,
};

/// `apt-get install` without `rm -rf /var/lib/apt/lists/*` after it.
pub static SCR003: Rule = Rule {
    id: "SCR003",
    summary: "remove /var/lib/apt/lists/* after `apt-get install` in the same RUN",
    why: "The package lists under /var/lib/apt/lists (tens of MB) are written into the layer of \
          the RUN that ran `apt-get update`; deleting them in a later RUN only hides them, the \
          bytes stay in this layer and ship.",
    fix: "End the RUN with `&& rm -rf /var/lib/apt/lists/*`, or use cache mounts \
          (`--mount=type=cache,target=/var/lib/apt --mount=type=cache,target=/var/cache/apt`).",
    hadolint: Some("DL3009"),
    shipped: Severity::Error,
    build_only: Severity::Warning,
};

/// Lists removed before the install that needs them.
pub static SCR004: Rule = Rule {
    id: "SCR004",
    summary: "/var/lib/apt/lists removed before `apt-get install` in the same RUN",
    why: "The install needs the lists: removed before it (with no `apt-get update` in between), \
          the install fails with `Unable to locate package`; and the cleanup meant to keep the \
          layer small does nothing for the bytes the install writes afterwards.",
    fix: "Put `rm -rf /var/lib/apt/lists/*` last: `apt-get update && apt-get install -y ... && \
          rm -rf /var/lib/apt/lists/*`.",
    hadolint: None,
    shipped: Severity::Error,
    build_only: Severity::Error,
};

/// `apt-get install` without `-y`.
pub static SCR005: Rule = Rule {
    id: "SCR005",
    summary: "`apt-get install` needs `-y`",
    why: "A build has no terminal to answer `Do you want to continue? [Y/n]`: without `-y` \
          apt-get aborts as soon as the install would take more disk space or pull dependencies, \
          and the build fails.",
    fix: "Add `-y` (or `--yes`, `--assume-yes`; `-qq` also implies it).",
    hadolint: Some("DL3014"),
    shipped: Severity::Error,
    build_only: Severity::Error,
};

/// `apt-get install` without `--no-install-recommends`.
pub static SCR006: Rule = Rule {
    id: "SCR006",
    summary: "`apt-get install` should use `--no-install-recommends`",
    why: "By default apt also installs every recommended package: documentation, helpers, often \
          whole toolchains, routinely doubling the bytes the RUN adds to the layer, none of which \
          the program needs to run.",
    fix: "Add `--no-install-recommends` and list the packages you do need explicitly.",
    hadolint: Some("DL3015"),
    shipped: Severity::Error,
    build_only: Severity::Warning,
};

/// `apt` instead of `apt-get` in a script.
pub static SCR007: Rule = Rule {
    id: "SCR007",
    summary: "use `apt-get` (or `apt-cache`) instead of `apt` in a RUN",
    why: "`apt` is the interactive front end: its command line and output are not stable for \
          scripts (it warns so itself), and its defaults (progress bars, pager) differ from \
          `apt-get`'s.",
    fix: "Replace `apt` with `apt-get` (`apt search`/`apt show` with `apt-cache`).",
    hadolint: Some("DL3027"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// `apt-get install` of a package without a version.
pub static DL3008: Rule = Rule {
    id: "DL3008",
    summary: "pin versions in `apt-get install` (`package=version`)",
    why: "Without a version, `apt-get install curl` installs whatever the mirror has on the day \
          of the build: two builds of the same Dockerfile differ, and a rebuild for an unrelated \
          change can pull a new release that breaks the image.",
    fix: "Write `apt-get install -y curl=7.88.1-10+deb12u5` (`apt-cache policy curl` shows the \
          candidate), or a release (`curl/bookworm-backports`), or a local `.deb`.",
    hadolint: Some("DL3008"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// apt-get options that take a value as the next word.
const WITH_VALUE: &[&str] = &[
    "-o",
    "-c",
    "-t",
    "-a",
    "--option",
    "--config-file",
    "--target-release",
    "--default-release",
    "--host-architecture",
];
const SHORT_WITH_VALUE: &[char] = &['o', 'c', 't', 'a'];

/// Where apt keeps the lists `update` downloads.
const LISTS: &[&str] = &["/var/lib/apt/lists"];
/// The official Debian/Ubuntu images' apt hook that deletes downloaded packages.
const DOCKER_CLEAN_HOOK: &str = "/etc/apt/apt.conf.d/docker-clean";

struct AptCall<'w> {
    tool: &'w str,
    subcommand: &'w str,
    args: &'w [Word],
}

fn apt_call(command: &SimpleCommand) -> Option<AptCall<'_>> {
    let (tool, args) = super::program_and_args(command)?;
    if tool != "apt-get" && tool != "apt" {
        return None;
    }
    let subcommand = operands(args, WITH_VALUE).first().copied().unwrap_or("");
    Some(AptCall {
        tool,
        subcommand,
        args,
    })
}

fn installs_packages(subcommand: &str) -> bool {
    matches!(
        subcommand,
        "install" | "reinstall" | "build-dep" | "upgrade" | "dist-upgrade" | "full-upgrade"
    )
}

/// Whether the call can stop at `Do you want to continue? [Y/n]`: an install
/// or upgrade, `autoremove`, or a `remove`/`purge` that names packages or
/// removes unused ones (`--auto-remove`). A `remove`/`purge` of nothing
/// removes nothing and never asks (hadolint's DL3014 checks installs only).
fn prompts(call: &AptCall<'_>) -> bool {
    match call.subcommand {
        "remove" | "purge" => {
            operands(call.args, WITH_VALUE).len() > 1
                || call
                    .args
                    .iter()
                    .any(|a| matches!(a.text(), "--auto-remove" | "--autoremove"))
        }
        "autoremove" | "autopurge" => true,
        sub => installs_packages(sub),
    }
}

/// Whether the call only simulates (`-s`, `--simulate`, `--dry-run`, ...):
/// apt-get prints what it would do, installs nothing and asks nothing. The
/// official postgres images test for a package with `if apt-get install -s
/// pkg > /dev/null 2>&1; then ...`.
fn simulates(args: &[Word]) -> bool {
    args.iter().any(|arg| {
        let text = arg.text();
        matches!(
            text,
            "--simulate" | "--just-print" | "--dry-run" | "--recon" | "--no-act"
        ) || short_flags(text, SHORT_WITH_VALUE).any(|flag| flag == 's')
    })
}

pub(crate) fn events(command: &SimpleCommand) -> Vec<(Manager, Action)> {
    if let Some(call) = apt_call(command) {
        if simulates(call.args) {
            return Vec::new();
        }
        return match call.subcommand {
            "update" => vec![(Manager::Apt, Action::IndexUpdate { leaves_cache: true })],
            // `distclean` (apt >= 2.7; `dist-clean` since apt 3.0, as in the
            // official python images on trixie) removes the lists too.
            "distclean" | "dist-clean" => vec![(Manager::Apt, Action::Cleanup)],
            sub if installs_packages(sub) => {
                vec![(Manager::Apt, Action::Install { leaves_cache: true })]
            }
            _ => Vec::new(),
        };
    }
    if removes_any(command, LISTS) {
        return vec![(Manager::Apt, Action::Cleanup)];
    }
    Vec::new()
}

/// `-y`, `--yes`, `--assume-yes`, a cluster with `y` (`-qy`), quiet level 2
/// (`-qq`, `-q -q`, `-q=2`, `--quiet=2`: "quiet level 2 implies -y" in
/// apt-get(8)), or `-o APT::Get::Assume-Yes=true`.
/// The value of a configuration option at `text` (`-o X=Y`, `--option
/// X=Y`, `-oX=Y`), given whether the argument before it was `-o`/`--option`,
/// which is updated for the next argument.
fn option_value<'t>(text: &'t str, previous_o: &mut bool) -> Option<&'t str> {
    let value = if *previous_o {
        Some(text)
    } else {
        text.strip_prefix("-o").filter(|v| !v.is_empty())
    };
    *previous_o = text == "-o" || text == "--option";
    value
}

fn assumes_yes(args: &[Word]) -> bool {
    let mut quiet = 0;
    let mut previous_o = false;
    for arg in args {
        let text = arg.text();
        if let Some(value) = option_value(text, &mut previous_o) {
            let lower = value.to_ascii_lowercase();
            if lower.starts_with("apt::get::assume-yes=")
                && !lower.ends_with("=false")
                && !lower.ends_with("=0")
            {
                return true;
            }
            continue;
        }
        match text {
            "-y" | "--yes" | "--assume-yes" => return true,
            "-q=2" | "--quiet=2" => return true,
            "--quiet" => quiet += 1,
            _ => {
                for flag in short_flags(text, SHORT_WITH_VALUE) {
                    match flag {
                        'y' => return true,
                        'q' => quiet += 1,
                        _ => {}
                    }
                }
            }
        }
    }
    quiet >= 2
}

fn no_recommends(args: &[Word]) -> bool {
    let mut previous_o = false;
    for arg in args {
        let text = arg.text();
        if text == "--no-install-recommends" || text.starts_with("--no-install-recommends=") {
            return true;
        }
        if let Some(value) = option_value(text, &mut previous_o) {
            let lower = value.to_ascii_lowercase();
            if lower == "apt::install-recommends=false" || lower == "apt::install-recommends=0" {
                return true;
            }
        }
    }
    false
}

pub(crate) fn check(analysis: &Analysis<'_>, ctx: &RunContext, out: &mut Vec<Finding>) {
    let lists_mounted = LISTS.iter().any(|dir| ctx.mount_covers(dir));
    // The official images delete the .debs after each install (their
    // docker-clean hook); a RUN that moves or removes the hook keeps them in
    // /var/cache/apt, which must then be a cache mount too.
    let debs_mounted = ctx.mount_covers("/var/cache/apt/archives");
    let hook_disabled = analysis.script.commands.iter().any(|command| {
        let words = command.command_words();
        matches!(words.first().map(|w| w.text()), Some("mv" | "rm"))
            && words[1..].iter().any(|w| w.text() == DOCKER_CLEAN_HOOK)
    });
    let events: Vec<_> = analysis.events_of(Manager::Apt).copied().collect();
    let has_install = events
        .iter()
        .any(|e| matches!(e.action, Action::Install { .. }));

    for event in &events {
        let index = event.index;
        let span = analysis.span(index);
        let snippet = analysis.snippet(index);
        match event.action {
            Action::IndexUpdate { .. } if !has_install && !lists_mounted => {
                out.push(analysis.finding(
                    &SCR002,
                    ctx,
                    span,
                    format!(
                        "`{snippet}` runs in a RUN that installs nothing: the lists it downloads \
                         (tens of MB) stay in this layer, and a later RUN's install would use them \
                         as stale as the layer cache; move `apt-get update` into the RUN that \
                         runs `apt-get install`"
                    ),
                ));
            }
            Action::Install { .. } => {
                let updated_before = events
                    .iter()
                    .any(|e| e.index < index && matches!(e.action, Action::IndexUpdate { .. }));
                if !updated_before {
                    out.push(analysis.finding(
                        &SCR001,
                        ctx,
                        span,
                        format!(
                            "`{snippet}` has no `apt-get update` before it in the same RUN: it \
                             relies on package lists left in an earlier layer (bytes that ship, \
                             and stale once that layer is cached); add `apt-get update &&` before \
                             it in this RUN"
                        ),
                    ));
                }
                if lists_mounted && !debs_mounted && hook_disabled {
                    out.push(analysis.finding(
                        &SCR003,
                        ctx,
                        span,
                        format!(
                            "`{snippet}` runs with the image's docker-clean hook turned off and a \
                             cache mount on the package lists but none on /var/cache/apt: the \
                             downloaded .deb files and pkgcache.bin stay in this layer; add \
                             `--mount=type=cache,target=/var/cache/apt,sharing=locked`"
                        ),
                    ));
                }
                if !lists_mounted && !analysis.cleaned_after(Manager::Apt, index) {
                    out.push(analysis.finding(
                        &SCR003,
                        ctx,
                        span,
                        format!(
                            "`{snippet}` is not followed by `rm -rf /var/lib/apt/lists/*` in the \
                             same RUN: the package lists (tens of MB) stay in this layer, and a \
                             cleanup in a later RUN frees nothing; end this RUN with `&& rm -rf \
                             /var/lib/apt/lists/*` (or use cache mounts on /var/lib/apt and \
                             /var/cache/apt)"
                        ),
                    ));
                }
                // A lists cleanup before this install with no update in between.
                let last_update = events
                    .iter()
                    .filter(|e| e.index < index && matches!(e.action, Action::IndexUpdate { .. }))
                    .map(|e| e.index)
                    .max();
                if let Some(cleanup) = events.iter().find(|e| {
                    e.action == Action::Cleanup
                        && e.index < index
                        && last_update.is_none_or(|update| e.index > update)
                }) {
                    out.push(analysis.finding(
                        &SCR004,
                        ctx,
                        analysis.span(cleanup.index),
                        format!(
                            "`{}` removes the package lists before `{snippet}` needs them: the \
                             install fails with `Unable to locate package`; move the \
                             `rm -rf /var/lib/apt/lists/*` after the install, at the end of the RUN",
                            analysis.snippet(cleanup.index)
                        ),
                    ));
                }
            }
            _ => {}
        }
    }

    for (index, command) in analysis.script.commands.iter().enumerate() {
        let Some(call) = apt_call(command) else {
            continue;
        };
        let span = command.span;
        let snippet = analysis.snippet(index);
        if call.tool == "apt" {
            out.push(analysis.finding(
                &SCR007,
                ctx,
                span,
                format!(
                    "`{snippet}` uses `apt`, whose command line is not stable for scripts; use \
                     `apt-get` (or `apt-cache` for search/show)"
                ),
            ));
        }
        let simulated = simulates(call.args);
        if prompts(&call) && !simulated && !assumes_yes(call.args) {
            out.push(analysis.finding(
                &SCR005,
                ctx,
                span,
                format!(
                    "`{snippet}` has no `-y`: with no terminal to answer its prompt, {} aborts and \
                     the build fails; add `-y`",
                    call.tool
                ),
            ));
        }
        if call.tool == "apt-get" && call.subcommand == "install" {
            let unpinned: Vec<&str> = operands(call.args, WITH_VALUE)
                .into_iter()
                .skip(1)
                .filter(|package| !pinned(package))
                .collect();
            if !unpinned.is_empty() {
                out.push(analysis.finding(
                    &DL3008,
                    ctx,
                    span,
                    format!(
                        "`{snippet}` installs {} without a version: the build gets whatever the \
                         mirror has that day; pin it, e.g. `{}=<version>`",
                        quoted_list(&unpinned),
                        unpinned[0]
                    ),
                ));
            }
        }
        if call.subcommand == "install" && !simulated && !no_recommends(call.args) {
            out.push(analysis.finding(
                &SCR006,
                ctx,
                span,
                format!(
                    "`{snippet}` has no `--no-install-recommends`: every recommended package is \
                     installed too and its bytes stay in the layer; add `--no-install-recommends`"
                ),
            ));
        }
    }
}

/// Whether an `apt-get install` operand names a version, a release or a
/// file (`curl=7.88.1-10`, `curl/bookworm`, `./pkg.deb`), as hadolint reads it.
fn pinned(package: &str) -> bool {
    package.contains('=') || package.contains('/') || package.ends_with(".deb")
}

/// `` `a`, `b` and 3 more ``: the first packages of a list, for a message.
pub(crate) fn quoted_list(items: &[&str]) -> String {
    let shown: Vec<String> = items.iter().take(3).map(|i| format!("`{i}`")).collect();
    match items.len() {
        0..=3 => shown.join(", "),
        n => format!("{} and {} more", shown.join(", "), n - 3),
    }
}
