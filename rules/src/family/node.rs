//! `npm` and `yarn` caches.

use super::{missing_cleanup, operands, removes_any, Action, Analysis};
use crate::catalogue::{Rule, Severity};
use crate::run_check::{Finding, Manager, RunContext};
use crate::shell::SimpleCommand;

/// `npm install` without `npm cache clean --force`.
pub static SCR015: Rule = Rule {
    id: "SCR015",
    summary: "`npm install`/`ci` needs `npm cache clean --force` after it in the same RUN",
    why: "npm keeps a copy of every package tarball it fetched in its cache (~/.npm, /root/.npm \
          in a RUN), in this layer, next to the installed node_modules.",
    fix: "End the RUN with `&& npm cache clean --force` (without `--force` npm refuses and fails \
          the RUN), or use a cache mount on /root/.npm.",
    hadolint: None,
    shipped: Severity::Error,
    build_only: Severity::Warning,
};

/// `yarn install` without `yarn cache clean`.
pub static SCR016: Rule = Rule {
    id: "SCR016",
    summary: "`yarn install` needs `yarn cache clean` after it in the same RUN",
    why: "yarn keeps every package it fetched in its global cache \
          (/usr/local/share/.cache/yarn for root with yarn 1), in this layer, next to the \
          installed node_modules.",
    fix: "End the RUN with `&& yarn cache clean`, or use a cache mount on the yarn cache.",
    hadolint: Some("DL3060"),
    shipped: Severity::Error,
    build_only: Severity::Warning,
};

/// `npm install` of a package without a version.
pub static DL3016: Rule = Rule {
    id: "DL3016",
    summary: "pin versions in `npm install` (`package@version`)",
    why: "Without a version, `npm install -g typescript` installs the `latest` tag of the day of \
          the build: two builds differ, and a rebuild can pull a major release that breaks the \
          image. (`npm install` of a project's package.json is pinned by its lock file.)",
    fix: "Write `npm install -g typescript@5.4.5` (or a git URL with `#commit`, a tarball, a \
          folder), or declare the dependency in package.json and run `npm ci`.",
    hadolint: Some("DL3016"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// Whether an `npm install` operand names a version (hadolint's reading).
fn npm_pinned(package: &str) -> bool {
    if ["git://", "git+ssh://", "git+http://", "git+https://"]
        .iter()
        .any(|p| package.starts_with(p))
    {
        return package.contains('#');
    }
    if [".tar", ".tar.gz", ".tgz"]
        .iter()
        .any(|s| package.ends_with(s))
        || ["/", "./", "../", "~/"]
            .iter()
            .any(|p| package.starts_with(p))
    {
        return true;
    }
    let name = match package.strip_prefix('@') {
        Some(scoped) => scoped.split_once('/').map_or("", |(_, rest)| rest),
        None => package,
    };
    name.contains('@')
}

/// DL3016 for every `npm install <packages>` of the RUN.
fn check_pins(analysis: &Analysis<'_>, ctx: &RunContext, out: &mut Vec<Finding>) {
    for (index, command) in analysis.script.commands.iter().enumerate() {
        let Some(("npm", args)) = super::program_and_args(command) else {
            continue;
        };
        let ops = operands(
            args,
            &["--loglevel", "--registry", "--prefix", "-w", "--workspace"],
        );
        let ["install" | "i" | "add", packages @ ..] = ops.as_slice() else {
            continue;
        };
        let unpinned: Vec<&str> = packages
            .iter()
            .copied()
            .filter(|p| !npm_pinned(p))
            .collect();
        if let Some(first) = unpinned.first() {
            out.push(analysis.finding(
                &DL3016,
                ctx,
                command.span,
                format!(
                    "`{}` installs {} without a version: the build gets that day's `latest`; pin \
                     it (`{first}@<version>`) or declare it in package.json and use `npm ci`",
                    analysis.snippet(index),
                    super::apt::quoted_list(&unpinned)
                ),
            ));
        }
    }
}

/// `yarn` options that only print something: `yarn --version` installs nothing.
fn yarn_prints_only(args: &[crate::shell::Word]) -> bool {
    args.iter()
        .any(|a| matches!(a.text(), "--version" | "-v" | "-V" | "--help" | "-h"))
}

const NPM_CACHE: &[&str] = &["/root/.npm"];
const YARN_CACHE: &[&str] = &[
    "/usr/local/share/.cache/yarn",
    "/root/.cache/yarn",
    "/root/.yarn/berry/cache",
];

pub(crate) fn events(command: &SimpleCommand) -> Vec<(Manager, Action)> {
    let Some((program, args)) = super::program_and_args(command) else {
        return Vec::new();
    };
    match program {
        "npm" => {
            let ops = operands(args, &["--prefix", "-w", "--workspace"]);
            match ops.as_slice() {
                ["install" | "i" | "ci" | "add" | "isntall" | "update" | "up" | "install-clean"
                | "clean-install", ..] => {
                    vec![(Manager::Npm, Action::Install { leaves_cache: true })]
                }
                ["cache", "clean", ..]
                    if args.iter().any(|a| matches!(a.text(), "--force" | "-f")) =>
                {
                    vec![(Manager::Npm, Action::Cleanup)]
                }
                _ => Vec::new(),
            }
        }
        "yarn" => {
            let ops = operands(args, &["--cwd", "--cache-folder", "--modules-folder"]);
            match ops.as_slice() {
                [] if yarn_prints_only(args) => Vec::new(),
                [] | ["install" | "add" | "upgrade", ..] | ["global", "add", ..] => {
                    vec![(Manager::Yarn, Action::Install { leaves_cache: true })]
                }
                ["cache", "clean", ..] => vec![(Manager::Yarn, Action::Cleanup)],
                _ => Vec::new(),
            }
        }
        _ => {
            let mut events = Vec::new();
            if removes_any(command, NPM_CACHE) {
                events.push((Manager::Npm, Action::Cleanup));
            }
            if removes_any(command, YARN_CACHE) {
                events.push((Manager::Yarn, Action::Cleanup));
            }
            events
        }
    }
}

pub(crate) fn check(analysis: &Analysis<'_>, ctx: &RunContext, out: &mut Vec<Finding>) {
    check_cache(analysis, ctx, out);
    check_pins(analysis, ctx, out);
}

/// SCR015 and SCR016 for installs that leave their caches.
fn check_cache(analysis: &Analysis<'_>, ctx: &RunContext, out: &mut Vec<Finding>) {
    let mount_ends = |suffixes: &[&str]| {
        ctx.cache_mounts.iter().any(|mount| {
            let mount = crate::run_check::trim_path(mount);
            suffixes.iter().any(|suffix| mount.ends_with(suffix))
        })
    };
    if !mount_ends(&["/.npm"]) {
        missing_cleanup(
            analysis,
            ctx,
            Manager::Npm,
            &SCR015,
            NPM_CACHE,
            out,
            |snippet| {
                format!(
                "`{snippet}` is not followed by `npm cache clean --force` in the same RUN: npm's \
                 copy of every fetched tarball in /root/.npm stays in this layer; end the RUN with \
                 `&& npm cache clean --force`"
            )
            },
        );
    }
    // yarn 1's cache is `<home>/.cache/yarn` (`/usr/local/share/.cache/yarn`
    // as root on the official images), berry's `.yarn/berry/cache`: a mount
    // elsewhere (e.g. `/opt/yarn`) leaves the cache in the layer.
    if !mount_ends(&["/.cache/yarn", "/.yarn/berry/cache"]) {
        missing_cleanup(
            analysis,
            ctx,
            Manager::Yarn,
            &SCR016,
            YARN_CACHE,
            out,
            |snippet| {
                format!(
                "`{snippet}` is not followed by `yarn cache clean` in the same RUN: yarn's cache \
                 of every fetched package stays in this layer; end the RUN with \
                 `&& yarn cache clean`"
            )
            },
        );
    }
}
