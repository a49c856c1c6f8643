//! `yum`, `dnf`/`microdnf` and `zypper` installs: pinned versions, the
//! non-interactive switch, and `zypper dist-upgrade` (hadolint's DL3033,
//! DL3034, DL3035, DL3037, DL3038, DL3041).
//!
//! The cache rules of the same managers are in `rpm.rs`; this file reads the
//! install's own arguments.

use super::rpm::WITH_VALUE;
use super::{operands, Analysis};
use crate::catalogue::{Rule, Severity};
use crate::run_check::{Finding, RunContext};
use crate::shell::{SimpleCommand, Word};

/// `yum install` of a package without a version.
pub static DL3033: Rule = Rule {
    id: "DL3033",
    summary: "pin versions in `yum install` (`<package>-<version>`)",
    why: "An unpinned package is whatever the repository holds on the day of the build: two \
          builds of the same Dockerfile get different software, and a rebuild for a one-line \
          change can pull an incompatible release.",
    fix: "Name the version: `yum install -y httpd-2.4.57`, or install a `.rpm` file.",
    hadolint: Some("DL3033"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// `zypper install` without `-y`/`-n`.
pub static DL3034: Rule = Rule {
    id: "DL3034",
    summary: "`zypper install` needs the non-interactive switch (`-n` or `-y`)",
    why: "Without it zypper asks for confirmation; a build has no terminal, so the answer is \
          the default, `no`, and the RUN fails.",
    fix: "Write `zypper --non-interactive install ...` (or `zypper install -y ...`).",
    hadolint: Some("DL3034"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// `zypper dist-upgrade`.
pub static DL3035: Rule = Rule {
    id: "DL3035",
    summary: "do not use `zypper dist-upgrade` in a Dockerfile",
    why: "A distribution upgrade inside an image replaces the base image's release with \
          whatever the repositories hold: the image no longer matches its tag, is larger, and \
          differs from build to build.",
    fix: "Use a newer base image tag instead; install or update only the packages you need.",
    hadolint: Some("DL3035"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// `zypper install` of a package without a version.
pub static DL3037: Rule = Rule {
    id: "DL3037",
    summary: "pin versions in `zypper install` (`<package>=<version>`)",
    why: "An unpinned package is whatever the repository holds on the day of the build: two \
          builds of the same Dockerfile get different software.",
    fix: "Name the version: `zypper install -y httpd=2.4.57` (or `>=`, `<` ranges), or install \
          a `.rpm` file.",
    hadolint: Some("DL3037"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// `dnf install` without `-y`.
pub static DL3038: Rule = Rule {
    id: "DL3038",
    summary: "`dnf`/`microdnf install` needs `-y`",
    why: "Without `-y` dnf asks `Is this ok [y/N]`; a build has no terminal, so the answer is \
          `N`, dnf prints `Operation aborted` and the RUN fails.",
    fix: "Write `dnf install -y ...` (or `--assumeyes`).",
    hadolint: Some("DL3038"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// `dnf install` of a package without a version.
pub static DL3041: Rule = Rule {
    id: "DL3041",
    summary: "pin versions in `dnf install` (`<package>-<version>`)",
    why: "An unpinned package is whatever the repository holds on the day of the build: two \
          builds of the same Dockerfile get different software, and a rebuild for a one-line \
          change can pull an incompatible release.",
    fix: "Name the version: `dnf install -y httpd-2.4.57`; for a module, its stream: \
          `dnf module install -y nodejs:20`.",
    hadolint: Some("DL3041"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// Whether a short flag cluster or long flag of `args` is one of `short`
/// (single letters) or `long` (without `--`).
fn has_flag(args: &[Word], short: &[char], long: &[&str]) -> bool {
    args.iter().any(|arg| {
        let text = arg.text();
        if let Some(name) = text.strip_prefix("--") {
            let name = name.split('=').next().unwrap_or(name);
            long.contains(&name)
        } else if let Some(cluster) = text.strip_prefix('-') {
            cluster.chars().any(|c| short.contains(&c))
        } else {
            false
        }
    })
}

/// Whether a package word's version is known: `name-1.2`, a `.rpm` file, or
/// a variable (which the build decides; hadolint only accepts a variable
/// the stage defines, we cannot know its value either way).
fn dash_version_pinned(package: &str) -> bool {
    if package.ends_with(".rpm") || package.contains('$') {
        return true;
    }
    let mut parts = package.split('-');
    parts.next();
    let rest: Vec<&str> = parts.collect();
    !rest.is_empty()
        && rest.iter().all(|part| {
            part.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._+~:".contains(c))
        })
        && rest
            .iter()
            .any(|part| part.starts_with(|c: char| c.is_ascii_digit()))
}

/// A yum/dnf/zypper command: the manager's name, its operands (subcommand
/// first) and all its arguments.
fn manager_command<'c>(
    command: &'c SimpleCommand,
    names: &[&str],
) -> Option<(&'c str, Vec<&'c str>, &'c [Word])> {
    let (program, args) = super::program_and_args(command)?;
    names
        .contains(&program)
        .then(|| (program, operands(args, WITH_VALUE), args))
}

pub(crate) fn check(analysis: &Analysis<'_>, ctx: &RunContext, out: &mut Vec<Finding>) {
    for (index, command) in analysis.script.commands.iter().enumerate() {
        let span = command.span;
        let mut report = |rule: &'static Rule, message: String| {
            out.push(analysis.finding(rule, ctx, span, message));
        };
        if let Some((program, ops, args)) = manager_command(command, &["yum", "dnf", "microdnf"]) {
            let snippet = analysis.snippet(index);
            let (pin_rule, is_yum) = if program == "yum" {
                (&DL3033, true)
            } else {
                (&DL3041, false)
            };
            match ops.as_slice() {
                ["install" | "groupinstall" | "localinstall", packages @ ..] => {
                    if !is_yum && !has_flag(args, &['y'], &["assumeyes"]) {
                        report(
                            &DL3038,
                            format!(
                                "`{snippet}` has no `-y`: dnf asks `Is this ok [y/N]`, the \
                                 build answers N and the RUN fails; write `{program} install -y`"
                            ),
                        );
                    }
                    let loose: Vec<&str> = packages
                        .iter()
                        .copied()
                        .filter(|p| !dash_version_pinned(p))
                        .collect();
                    if ops[0] == "install" && !loose.is_empty() {
                        report(
                            pin_rule,
                            format!(
                                "`{snippet}` installs {} without a version: the build gets \
                                 whatever the repository holds that day; pin it \
                                 (`{program} install -y {}-<version>`)",
                                quoted_list(&loose),
                                loose[0]
                            ),
                        );
                    }
                }
                ["module", "install", modules @ ..] => {
                    let loose: Vec<&str> = modules
                        .iter()
                        .copied()
                        .filter(|m| !m.contains(':') && !m.contains('$'))
                        .collect();
                    if !loose.is_empty() {
                        report(
                            pin_rule,
                            format!(
                                "`{snippet}` installs the module {} without a stream: pin it \
                                 (`{program} module install -y {}:<stream>`)",
                                quoted_list(&loose),
                                loose[0]
                            ),
                        );
                    }
                }
                _ => {}
            }
        }
        if let Some((_, ops, args)) = manager_command(command, &["zypper"]) {
            let snippet = analysis.snippet(index);
            let Some(&subcommand) = ops.first() else {
                continue;
            };
            let interactive = matches!(
                subcommand,
                "install" | "in" | "remove" | "rm" | "source-install" | "si" | "patch"
            );
            if interactive && !has_flag(args, &['n', 'y'], &["non-interactive", "no-confirm"]) {
                report(
                    &DL3034,
                    format!(
                        "`{snippet}` has no non-interactive switch: zypper asks for \
                         confirmation, the build answers no and the RUN fails; write \
                         `zypper --non-interactive {subcommand} ...` or `zypper {subcommand} -y`"
                    ),
                );
            }
            if matches!(subcommand, "dist-upgrade" | "dup") {
                report(
                    &DL3035,
                    format!(
                        "`{snippet}` upgrades the whole distribution inside the image: it no \
                         longer matches its base tag and changes from build to build; use a \
                         newer base image instead"
                    ),
                );
            }
            if matches!(subcommand, "install" | "in") {
                let loose: Vec<&str> = ops[1..]
                    .iter()
                    .copied()
                    .filter(|p| !p.contains(['=', '<', '>', '$']) && !p.ends_with(".rpm"))
                    .collect();
                if !loose.is_empty() {
                    report(
                        &DL3037,
                        format!(
                            "`{snippet}` installs {} without a version: the build gets whatever \
                             the repository holds that day; pin it (`zypper install -y \
                             {}=<version>`)",
                            quoted_list(&loose),
                            loose[0]
                        ),
                    );
                }
            }
        }
    }
}

/// `` `a`, `b` `` for a message (at most three names, then `...`).
pub(crate) fn quoted_list(names: &[&str]) -> String {
    let mut shown: Vec<String> = names.iter().take(3).map(|n| format!("`{n}`")).collect();
    if names.len() > 3 {
        shown.push("...".to_owned());
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run_check::check_run;

    fn ids(text: &str) -> Vec<&'static str> {
        let mut ids: Vec<_> = check_run(text, &RunContext::shipped())
            .unwrap()
            .into_iter()
            .map(|f| f.rule.id)
            .filter(|id| id.starts_with("DL30"))
            .collect();
        ids.sort_unstable();
        ids
    }

    #[test]
    fn yum_and_dnf_pins() {
        assert_eq!(ids("yum install -y httpd"), ["DL3033"]);
        assert_eq!(
            ids("yum install -y httpd-2.4.57 ./x.rpm $PKG"),
            [] as [&str; 0]
        );
        // A dash that is part of the name is no version.
        assert_eq!(ids("yum install -y python3-pip"), ["DL3033"]);
        assert_eq!(ids("dnf install -y gcc-c++-11.3.1"), [] as [&str; 0]);
        assert_eq!(ids("dnf install -y gcc"), ["DL3041"]);
        assert_eq!(ids("microdnf install gcc-11"), ["DL3038"]);
        assert_eq!(ids("dnf module install -y nodejs"), ["DL3041"]);
        assert_eq!(ids("dnf module install -y nodejs:20"), [] as [&str; 0]);
        assert_eq!(ids("dnf --assumeyes install gcc-11"), [] as [&str; 0]);
        assert_eq!(ids("dnf -qy install gcc-11"), [] as [&str; 0]);
    }

    #[test]
    fn zypper() {
        assert_eq!(ids("zypper install httpd=2.4"), ["DL3034"]);
        assert_eq!(ids("zypper -n install httpd"), ["DL3037"]);
        assert_eq!(
            ids("zypper --non-interactive in 'httpd>=2.4' x.rpm"),
            [] as [&str; 0]
        );
        assert_eq!(ids("zypper -n dup"), ["DL3035"]);
        assert_eq!(ids("zypper rm -y x && zypper refresh"), [] as [&str; 0]);
    }
}
