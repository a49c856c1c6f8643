//! Shell usage: `pipefail`, `cd`, commands that make no sense in a build
//! (`ssh`, `vim`, `sudo`) and replacing `/bin/sh`.

use super::Analysis;
use crate::catalogue::{Rule, Severity};
use crate::run_check::{Finding, RunContext};
use crate::shell::{program_name, Nesting};

/// A pipe whose left side can fail, without `pipefail`.
pub static SCR017: Rule = Rule {
    id: "SCR017",
    summary: "set `-o pipefail` before piping a command that can fail",
    why: "A pipeline's status is its last command's: in `curl -fsSL URL | tar -xz` a failed \
          download leaves the RUN successful, and the broken layer is cached and shipped.",
    fix: "Set `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` before the RUN, or start the \
          RUN with `set -o pipefail;` (bash, or a sh that supports it).",
    hadolint: Some("DL4006"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// `cd` as a command.
pub static SCR018: Rule = Rule {
    id: "SCR018",
    summary: "use WORKDIR instead of `cd`",
    why: "`cd` only lasts until the end of the RUN, so later instructions silently run elsewhere; \
          WORKDIR states the directory once and applies it to every instruction after it.",
    fix: "Use `WORKDIR /path` before the RUN (or `make -C dir`, `git -C dir`, `(cd dir && ...)` \
          when the change must stay local).",
    hadolint: Some("DL3003"),
    shipped: Severity::Warning,
    build_only: Severity::Info,
};

/// A command that makes no sense in an image build.
pub static DL3001: Rule = Rule {
    id: "DL3001",
    summary:
        "commands such as `ssh`, `vim`, `service`, `ps`, `kill`, `mount` make no sense in a RUN",
    why: "A RUN has no terminal, no init system and no running services: `vim` waits for input, \
          `service x start` starts a process that dies with the RUN, `ps`/`top`/`free` describe \
          the build container, not the image, and `ssh`/`mount`/`shutdown` need what a build \
          does not grant.",
    fix: "Remove the command; start services from the container's ENTRYPOINT/CMD, edit files \
          with COPY or `sed`, and fetch sources with `git` or a build context.",
    hadolint: Some("DL3001"),
    shipped: Severity::Info,
    build_only: Severity::Info,
};

/// `sudo` in a RUN.
pub static DL3004: Rule = Rule {
    id: "DL3004",
    summary: "do not use `sudo` in a RUN",
    why: "A RUN already runs as the stage's USER: as root `sudo` is useless, as another user it \
          needs a password no build can type (or a NOPASSWD rule that leaves root open in the \
          image), and it changes the environment the command sees.",
    fix: "Switch with `USER root` before the RUN and back with `USER app` after it; at run time \
          use `gosu`/`su-exec` in the entrypoint.",
    hadolint: Some("DL3004"),
    shipped: Severity::Error,
    build_only: Severity::Error,
};

/// `ln -s ... /bin/sh`.
pub static DL4005: Rule = Rule {
    id: "DL4005",
    summary: "use SHELL, not `ln ... /bin/sh`, to change the default shell",
    why: "Replacing /bin/sh with a link to bash changes the shell of every program in the image \
          that runs `sh` (scripts written for dash or busybox included), while the Dockerfile \
          does not show which shell its RUNs use.",
    fix: "Write `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` before the RUNs that need \
          bash.",
    hadolint: Some("DL4005"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// The programs of DL3001, as hadolint lists them.
const POINTLESS: &[&str] = &[
    "free", "kill", "mount", "ps", "service", "shutdown", "ssh", "top", "vim",
];

/// Left sides of a pipe that do not fail in practice. `yes` is here because
/// it is always ended by SIGPIPE, which pipefail would count as a failure.
const CANNOT_FAIL: &[&str] = &["echo", "printf", "true", ":", "yes"];

pub(crate) fn check(analysis: &Analysis<'_>, ctx: &RunContext, out: &mut Vec<Finding>) {
    let script = &analysis.script;
    for pipeline in &script.pipelines {
        let first = pipeline.elements[0].start;
        let pipefail = (ctx.pipefail && script.in_run_shell(pipeline.scope))
            || script.pipefail_set_before(pipeline.scope, first);
        if pipefail {
            continue;
        }
        let left = &pipeline.elements[..pipeline.elements.len() - 1];
        let failing = left
            .iter()
            .flat_map(|range| range.clone())
            .map(|index| &script.commands[index])
            .find(|command| {
                command
                    .program()
                    .is_some_and(|program| !CANNOT_FAIL.contains(&program))
            });
        if let Some(command) = failing {
            let name = command.program().unwrap_or("");
            out.push(analysis.finding(
                &SCR017,
                ctx,
                pipeline.span,
                format!(
                    "`{}` pipes the output of `{name}`, but without pipefail the RUN's status is \
                     the last command's: if `{name}` fails, the RUN still succeeds and the broken \
                     layer is cached and shipped; set `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \
                     \"-c\"]` or start the RUN with `set -o pipefail;`",
                    super::snippet(analysis.text, pipeline.span)
                ),
            ));
        }
    }
    for (index, command) in script.commands.iter().enumerate() {
        check_programs(analysis, ctx, index, out);
        // `cd` in a function or in `$(cd dir && pwd)` changes nothing after it.
        let local = command
            .nesting
            .iter()
            .any(|n| matches!(n, Nesting::Function | Nesting::CommandSubstitution));
        if command.program() != Some("cd") || local {
            continue;
        }
        out.push(analysis.finding(
            &SCR018,
            ctx,
            command.span,
            format!(
                "`{}` changes directory only until the end of this RUN; use `WORKDIR` for the \
                 directory the following instructions work in",
                analysis.snippet(index)
            ),
        ));
    }
}

/// DL3001, DL3004 and DL4005 for the command at `index`.
fn check_programs(analysis: &Analysis<'_>, ctx: &RunContext, index: usize, out: &mut Vec<Finding>) {
    let command = &analysis.script.commands[index];
    let span = command.span;
    // `sudo` is a wrapper that `command_words` sees through: look at the
    // words as written.
    if runs_sudo(command) {
        out.push(analysis.finding(
            &DL3004,
            ctx,
            span,
            format!(
                "`{}` uses sudo: a RUN already runs as the stage's USER, and sudo as another user \
                 needs a password or a NOPASSWD rule left in the image; put `USER root` before \
                 this RUN instead",
                analysis.snippet(index)
            ),
        ));
    }
    let Some(program) = command.program() else {
        return;
    };
    if POINTLESS.contains(&program) {
        out.push(analysis.finding(
            &DL3001,
            ctx,
            span,
            format!(
                "`{}` runs `{program}`, which makes no sense in a build (no terminal, no \
                 services, and it describes the build container, not the image); remove it",
                analysis.snippet(index)
            ),
        ));
    }
    let words = command.command_words();
    if program == "ln" && words[1..].iter().any(|w| w.text() == "/bin/sh") {
        out.push(analysis.finding(
            &DL4005,
            ctx,
            span,
            format!(
                "`{}` replaces /bin/sh for every program in the image; use `SHELL \
                 [\"/bin/bash\", \"-c\"]` to choose the RUNs' shell instead",
                analysis.snippet(index)
            ),
        ));
    }
}

/// Whether the command is `sudo ...`, also behind `env`, `exec`, `nohup`, ...
fn runs_sudo(command: &crate::shell::SimpleCommand) -> bool {
    for word in &command.words {
        let text = word.text();
        match program_name(text) {
            "sudo" => return true,
            "env" | "exec" | "command" | "nohup" | "time" | "nice" => {}
            _ if text.starts_with('-') || text.contains('=') => {}
            _ => return false,
        }
    }
    false
}
