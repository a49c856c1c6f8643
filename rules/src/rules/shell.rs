//! Shell usage: `pipefail`, `cd`.

use super::Analysis;
use crate::catalogue::{Rule, Severity};
use crate::check::{Finding, RunContext};
use crate::shell::Nesting;

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

/// Left sides of a pipe that do not fail in practice. `yes` is here because
/// it is always ended by SIGPIPE, which pipefail would count as a failure.
const CANNOT_FAIL: &[&str] = &["echo", "printf", "true", ":", "yes"];

pub(crate) fn check(analysis: &Analysis<'_>, ctx: &RunContext, out: &mut Vec<Finding>) {
    let script = &analysis.script;
    for pipeline in &script.pipelines {
        let first = pipeline.elements[0].start;
        let pipefail = (pipeline.scope == 0 && ctx.pipefail)
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
        if command.program() != Some("cd") || command.nesting.contains(&Nesting::Function) {
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
