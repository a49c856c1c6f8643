//! Installs whose failure the shell hides: `apt-get install x || true`, or
//! `pip install x; echo done` without `set -e` (SCR032).

use super::{Action, Analysis};
use crate::catalogue::{Rule, Severity};
use crate::run_check::{Finding, RunContext};
use crate::shell::{Connector, Nesting, SimpleCommand};

/// An install whose failure does not fail the `RUN`.
pub static SCR032: Rule = Rule {
    id: "SCR032",
    summary: "do not mask a failed install (`|| true`, or `;` without `set -e`)",
    why: "A RUN fails when its last command fails. After `install || true`, or `install; next` \
          without `set -e`, a failed download or a misspelt package leaves the RUN \
          successful: the image builds, is cached and ships without the package, and the \
          failure shows up at run time as `command not found`.",
    fix: "Join the commands with `&&` (`apt-get install -y x && next`), or start the RUN with \
          `set -e` (`RUN set -eux; ...`); if the package is \
          really optional, say so with an `if` and a message: `if ! pip install x; then echo \
          'x not available' >&2; fi`.",
    hadolint: None,
    shipped: Severity::Error,
    build_only: Severity::Error,
};

/// Commands after `||` that still fail the `RUN`: the failure is not masked.
const STILL_FAILS: &[&str] = &["exit", "false", "return"];

/// Whether `set -e` (`set -eux`, `set -o errexit`) runs before command
/// `index` in the same shell.
fn errexit_before(commands: &[SimpleCommand], index: usize) -> bool {
    let scope = commands[index].scope;
    commands[..index]
        .iter()
        .filter(|c| c.scope == scope && c.program() == Some("set"))
        .any(|c| {
            let words = c.command_words();
            words.iter().skip(1).any(|w| {
                let t = w.text();
                t.starts_with('-') && !t.starts_with("--") && t.contains('e') && !t.contains('o')
            }) || words
                .windows(2)
                .any(|p| p[0].text().starts_with('-') && p[1].text() == "errexit")
        })
}

/// How the failure of command `index` is masked (`"||"` or `";"`), if it is.
/// A `SHELL` with `-e` is not known here (the context carries no errexit):
/// such a stage needs `set -e` in the RUN or a suppression.
fn masked_by(analysis: &Analysis<'_>, index: usize) -> Option<&'static str> {
    let commands = &analysis.script.commands;
    let install = &commands[index];
    if install
        .nesting
        .iter()
        .any(|n| matches!(n, Nesting::IfCondition | Nesting::LoopCondition))
    {
        return None;
    }
    let next = commands.get(index + 1)?;
    if next.scope != install.scope
        || next.nesting != install.nesting
        || !same_list(analysis.text, install, next)
    {
        return None;
    }
    // `install -t backports x || install x`: the fallback is an install
    // too, and its failure fails the RUN; nothing is hidden.
    let fallback_installs = analysis
        .events
        .iter()
        .any(|e| e.index == index + 1 && matches!(e.action, Action::Install { .. }));
    match next.connector {
        Connector::Or
            if !fallback_installs && !next.program().is_some_and(|p| STILL_FAILS.contains(&p)) =>
        {
            Some("||")
        }
        Connector::Seq if !errexit_before(commands, index) => Some(";"),
        _ => None,
    }
}

/// Whether `next` follows `command` in the same list: only blanks, `;`,
/// `&`, `|`, line continuations and comments between them. Two branches
/// of one `if` (`then pip install x; else echo no; fi`) or two loop bodies
/// have the same nesting but a keyword between them: the second does not
/// run after the first. (Commands of a `sh -c` string that is not a plain
/// literal share its span: they are taken as one list.)
fn same_list(text: &str, command: &SimpleCommand, next: &SimpleCommand) -> bool {
    let Some(between) = text.get(command.span.1..next.span.0) else {
        return true;
    };
    between.lines().all(|line| {
        let line = line.trim_start_matches(|c: char| c.is_whitespace() || ";&|".contains(c));
        let code = if line.starts_with('#') { "" } else { line };
        code.chars()
            .all(|c| c.is_whitespace() || ";&|\\".contains(c))
    })
}

/// What the masked command does and what the image then lacks, for the
/// message: pip's `download` and `wheel` fetch files and install nothing.
fn what_fails(analysis: &Analysis<'_>, index: usize) -> (&'static str, &'static str) {
    let words = analysis.script.commands[index].command_words();
    let pip = words
        .iter()
        .any(|word| crate::shell::program_name(word.text()).starts_with("pip"));
    let fetches = words
        .iter()
        .any(|word| matches!(word.text(), "download" | "wheel"));
    if pip && fetches {
        ("download", "the files it fetches")
    } else {
        ("install", "the package")
    }
}

pub(crate) fn check(analysis: &Analysis<'_>, ctx: &RunContext, out: &mut Vec<Finding>) {
    let mut reported = Vec::new();
    for event in &analysis.events {
        if !matches!(event.action, Action::Install { .. }) || reported.contains(&event.index) {
            continue;
        }
        let Some(how) = masked_by(analysis, event.index) else {
            continue;
        };
        reported.push(event.index);
        let snippet = analysis.snippet(event.index);
        let next = analysis.snippet(event.index + 1);
        let (verb, lacks) = what_fails(analysis, event.index);
        let message = if how == "||" {
            format!(
                "`{snippet} || {next}` hides a failed {verb}: the RUN succeeds and the image \
                 ships without {lacks}; drop the `|| {next}` (or test for it in an `if` and say \
                 why it is optional)"
            )
        } else {
            format!(
                "`{snippet}` is followed by `{next}` without `&&` and without `set -e`: the RUN's \
                 status is the last command's, so a failed {verb} still builds the image \
                 without {lacks}; join them with `&&` or start the RUN with `set -e`"
            )
        };
        out.push(analysis.finding(&SCR032, ctx, analysis.span(event.index), message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run_check::check_run;

    fn masked(text: &str) -> usize {
        check_run(text, &RunContext::shipped())
            .unwrap()
            .iter()
            .filter(|f| f.rule.id == "SCR032")
            .count()
    }

    /// The message says what failed: a download is no install.
    #[test]
    fn the_message_names_what_failed() {
        let message = |text: &str| {
            check_run(text, &RunContext::shipped())
                .unwrap()
                .into_iter()
                .find(|f| f.rule.id == "SCR032")
                .map(|f| f.message)
                .unwrap_or_default()
        };
        let download = message("pip download --no-cache-dir -d /w flask==3.0.3 || true");
        assert!(
            download.contains(
                "hides a failed download: the RUN succeeds and the image ships \
                               without the files it fetches"
            ),
            "{download}"
        );
        let install = message("apt-get install -y --no-install-recommends curl=1 || true");
        assert!(install.contains("hides a failed install"), "{install}");
        assert!(install.contains("without the package"), "{install}");
    }

    #[test]
    fn or_true_and_semicolons() {
        assert_eq!(masked("pip install --no-cache-dir x || true"), 1);
        assert_eq!(masked("pip install --no-cache-dir x || exit 1"), 0);
        assert_eq!(masked("pip install --no-cache-dir x; echo done"), 1);
        assert_eq!(
            masked("set -eux; pip install --no-cache-dir x; echo done"),
            0
        );
        assert_eq!(
            masked("set -o errexit; pip install --no-cache-dir x; echo"),
            0
        );
        // The last command's status is the RUN's: not masked.
        assert_eq!(masked("echo start; pip install --no-cache-dir x"), 0);
        assert_eq!(masked("pip install --no-cache-dir x && echo done"), 0);
        assert_eq!(
            masked("if pip install --no-cache-dir x; then echo ok; fi"),
            0
        );
    }

    #[test]
    fn a_fallback_install_hides_nothing() {
        // BioContainers: the backports first, the release's package if not.
        let fallback = "apt-get update && (apt-get install -t buster-backports -y --no-install-recommends x \
                        || apt-get install -y --no-install-recommends x) && rm -rf /var/lib/apt/lists/*";
        assert_eq!(masked(fallback), 0);
        assert_eq!(
            masked("pip install --no-cache-dir x || pip install --no-cache-dir y"),
            0
        );
        // A fallback that is no install still hides the failure.
        assert_eq!(masked("pip install --no-cache-dir x || echo 'no x'"), 1);
    }

    #[test]
    fn another_branch_does_not_follow_the_install() {
        // pangeo-docker-images: the install ends its `elif` branch.
        let branches = "if test -f a; then echo a & \\\n conda-lock install -n e \\\n\
                        ; elif test -f b; then echo b & \\\n mamba env create -n e -f b \\\n\
                        ; else echo none ; mamba create -n e x ; fi";
        assert_eq!(masked(branches), 0);
        assert_eq!(
            masked("for p in a b; do pip install --no-cache-dir $p; done; for q in c; do echo $q; done"),
            0
        );
        // The same branch: still masked.
        assert_eq!(
            masked("if test -f a; then pip install --no-cache-dir x; echo done; fi"),
            1
        );
        // A redirection belongs to the install, not between the two.
        assert_eq!(
            masked("apt-get install -y --no-install-recommends x > /dev/null; echo done"),
            1
        );
        // A comment line between the two commands changes nothing.
        assert_eq!(
            masked("pip install --no-cache-dir x \\\n# why\n; echo done"),
            1
        );
    }
}
