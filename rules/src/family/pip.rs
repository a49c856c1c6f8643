//! `pip install`, `pip wheel`, `pip download` and pip's cache.

use super::{missing_cleanup, operands, removes_any, Action, Analysis, Exported};
use crate::catalogue::{Rule, Severity};
use crate::run_check::{Finding, Manager, RunContext};
use crate::shell::{program_name, SimpleCommand, Word};

/// `pip install`, `pip wheel` or `pip download` without `--no-cache-dir`.
pub static SCR009: Rule = Rule {
    id: "SCR009",
    summary: "`pip install`, `pip wheel` and `pip download` need `--no-cache-dir`",
    why: "pip keeps every downloaded file (its HTTP cache) and every wheel it built in its \
          cache (~/.cache/pip, /root/.cache/pip in a RUN), for `pip wheel` and `pip download` \
          as for `pip install`: often as many bytes as the packages themselves, written into \
          this layer and shipped.",
    fix: "Add `--no-cache-dir`, set `ENV PIP_NO_CACHE_DIR=1` in the stage, or use a cache mount \
          (`--mount=type=cache,target=/root/.cache/pip`).",
    hadolint: Some("DL3042"),
    shipped: Severity::Error,
    build_only: Severity::Warning,
};

/// `pip install` of a package without a version.
pub static DL3013: Rule = Rule {
    id: "DL3013",
    summary: "pin versions in `pip install` (`package==version`, or a requirements file)",
    why: "Without a version, `pip install requests` installs the newest release on PyPI on the \
          day of the build: two builds differ, and a rebuild for an unrelated change can pull \
          a major release that breaks the image.",
    fix: "Write `pip install requests==2.32.3` (or a range, `>=2.32,<3`), or pin everything in \
          a file: `pip install -r requirements.txt` (with `-c constraints.txt`).",
    hadolint: Some("DL3013"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// pip install options whose value is the next word (hadolint's list).
const INSTALL_WITH_VALUE: &[&str] = &[
    "--abi",
    "-b",
    "--build",
    "-e",
    "--editable",
    "--extra-index-url",
    "-f",
    "--find-links",
    "-i",
    "--index-url",
    "--implementation",
    "--no-binary",
    "--only-binary",
    "--platform",
    "--prefix",
    "--progress-bar",
    "--proxy",
    "--python",
    "--python-version",
    "--root",
    "--root-user-action",
    "--src",
    "-t",
    "--target",
    "--trusted-host",
    "--upgrade-strategy",
    "-r",
    "--requirement",
    "-c",
    "--constraint",
];

const VCS: &[&str] = &["git+", "git:", "hg+", "svn+", "bzr+"];

/// Whether a `pip install` operand names a version, a file or a path
/// (hadolint's reading: a version operator, a VCS URL with `@ref`, a
/// `.whl`/`.tar.gz`, or a path).
fn pinned(package: &str) -> bool {
    let vcs = VCS.iter().any(|scheme| package.starts_with(scheme));
    ["==", ">=", "<=", ">", "<", "!=", "~="]
        .iter()
        .any(|op| package.contains(op))
        || (vcs && package.contains('@'))
        || package.ends_with(".whl")
        || package.ends_with(".tar.gz")
        || (!vcs && package.contains('/'))
}

/// Whether the argument is `--no-cache-dir` or an abbreviation pip accepts
/// for it (pip takes any unambiguous prefix of a long option: `--no-cache`
/// works, `--no-c` could also be `--no-color`/`--no-compile`).
fn no_cache_dir(args: &[Word]) -> bool {
    args.iter().any(|arg| {
        let name = arg.text().split('=').next().unwrap_or("");
        name.len() >= "--no-ca".len() && "--no-cache-dir".starts_with(name)
    })
}

/// DL3013 for every `pip install` of the RUN.
fn check_pins(analysis: &Analysis<'_>, ctx: &RunContext, out: &mut Vec<Finding>) {
    for (index, command) in analysis.script.commands.iter().enumerate() {
        let Some(args) = pip_args(command) else {
            continue;
        };
        let ops = operands(args, INSTALL_WITH_VALUE);
        if ops.first() != Some(&"install") {
            continue;
        }
        let from_file = args.iter().any(|a| {
            matches!(
                a.text(),
                "-r" | "--requirement" | "-c" | "--constraint" | "."
            )
        }) || args.iter().any(|a| {
            let t = a.text();
            t.starts_with("--requirement=") || t.starts_with("--constraint=")
        });
        if from_file {
            continue;
        }
        let unpinned: Vec<&str> = ops[1..].iter().copied().filter(|p| !pinned(p)).collect();
        if let Some(first) = unpinned.first() {
            out.push(analysis.finding(
                &DL3013,
                ctx,
                command.span,
                format!(
                    "`{}` installs {} without a version: the build gets the newest release of \
                     that day; pin it (`{first}==<version>`) or install from a requirements file",
                    analysis.snippet(index),
                    super::apt::quoted_list(&unpinned)
                ),
            ));
        }
    }
}

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
            // Every command that fetches or builds packages fills the cache:
            // `pip wheel` caches the wheels it builds (pip 20.0, news/6852)
            // and, like `pip download`, every download in its HTTP cache.
            ["install" | "wheel" | "download", ..]
                if !args.iter().any(|arg| matches!(arg.text(), "-h" | "--help")) =>
            {
                let env_off = command
                    .assignments
                    .iter()
                    .any(|a| a.name == "PIP_NO_CACHE_DIR" && truthy(a.value.text()))
                    || exported
                        .iter()
                        .rev()
                        .find(|(name, _)| name == "PIP_NO_CACHE_DIR")
                        .is_some_and(|(_, value)| truthy(value));
                let leaves_cache = !no_cache_dir(args) && !env_off;
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
    check_cache(analysis, ctx, out);
    check_pins(analysis, ctx, out);
}

/// SCR009 for every `pip install`, `pip wheel` and `pip download` that
/// leaves pip's cache.
fn check_cache(analysis: &Analysis<'_>, ctx: &RunContext, out: &mut Vec<Finding>) {
    if ctx.env_var("PIP_NO_CACHE_DIR").is_some_and(truthy) {
        return;
    }
    let mounted = ctx.cache_mounts.iter().any(|mount| {
        let mount = crate::run_check::trim_path(mount);
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

#[cfg(test)]
mod tests {
    use crate::run_check::{check_run, RunContext};

    fn scr009(text: &str, ctx: &RunContext) -> usize {
        check_run(text, ctx)
            .unwrap_or_else(|error| panic!("{text}: {error}"))
            .iter()
            .filter(|finding| finding.rule.id == "SCR009")
            .count()
    }

    #[test]
    fn pip_wheel_and_pip_download_fill_the_cache_as_install_does() {
        let shipped = RunContext::shipped();
        for text in [
            "pip wheel --wheel-dir=/wheels flask==3.0.0",
            "pip3 wheel -w /wheels -r requirements.txt",
            "python3 -m pip download --dest /wheels flask==3.0.0",
            "pip download -d /wheels flask==3.0.0 && pip install --no-cache-dir flask==3.0.0",
        ] {
            assert_eq!(scr009(text, &shipped), 1, "{text}");
        }
        for text in [
            "pip wheel --no-cache-dir --wheel-dir=/wheels flask==3.0.0",
            "pip --no-cache-dir download -d /wheels flask==3.0.0",
            "pip download --no-cache -d /wheels flask==3.0.0",
            "PIP_NO_CACHE_DIR=1 pip wheel -w /wheels flask==3.0.0",
            "pip wheel -w /wheels flask==3.0.0 && pip cache purge",
            "pip download -d /wheels flask==3.0.0 && rm -rf /root/.cache/pip",
            // Neither downloads nor builds anything.
            "pip wheel --help",
            "pip cache dir",
        ] {
            assert_eq!(scr009(text, &shipped), 0, "{text}");
        }
        // The wheelhouse recipe's form: the cache lives in a cache mount.
        let mounted = RunContext::shipped().with_cache_mount("/root/.cache/pip");
        assert_eq!(
            scr009(
                "pip wheel --wheel-dir=/root/.cache/pip/wheelhouse flask==3.0.0 \
                 && pip install --no-index --find-links=/root/.cache/pip/wheelhouse flask==3.0.0",
                &mounted
            ),
            0
        );
    }
}
