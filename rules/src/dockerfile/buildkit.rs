//! What BuildKit's Dockerfile frontend refuses or misreads although the file
//! parses: an exec form that is not a JSON array of strings (it silently
//! becomes the shell form, SCR033) and instruction flags it does not know
//! (it refuses the file, SCR034).
//!
//! ```
//! use stagecraft_rules::dockerfile::{lint, Options};
//!
//! let findings = lint(
//!     "FROM debian:12\nCOPY --chmode=644 a /a\nCMD ['/a']\n",
//!     &Options::default(),
//! )
//! .unwrap();
//! let found: Vec<_> = findings.iter().map(|f| (f.line, f.rule.id)).collect();
//! assert_eq!(found, [(2, "SCR034"), (3, "SCR020"), (3, "SCR033")]);
//! ```

use crate::catalogue::{Rule, SCR033, SCR034};
use crate::dockerfile::check::{DockerfileFinding, StageInfo};
use crate::dockerfile::parse::{Command, Dockerfile, Instruction, InstructionKind};

/// The flags BuildKit (dockerfile frontend 1.x) accepts, per keyword: none
/// for most (`CMD --doit` is "unknown flag: doit"); `None` for `ARG` and
/// `STOPSIGNAL`, whose flags BuildKit ignores, and `FROM`, whose flags are
/// not the instruction's.
pub(crate) fn known_flags(keyword: &str) -> Option<&'static [&'static str]> {
    Some(match keyword {
        "COPY" => &["from", "chown", "chmod", "link", "parents", "exclude"],
        "ADD" => &[
            "chown",
            "chmod",
            "link",
            "checksum",
            "keep-git-dir",
            "exclude",
            "unpack",
        ],
        "RUN" => &["mount", "network", "security"],
        "HEALTHCHECK" => &[
            "interval",
            "timeout",
            "start-period",
            "start-interval",
            "retries",
        ],
        "ARG" | "STOPSIGNAL" | "FROM" => return None,
        _ => &[],
    })
}

/// The shell-form text of an instruction that looks like a failed exec form.
fn broken_exec_form(instruction: &Instruction) -> Option<&str> {
    let text = match &instruction.kind {
        InstructionKind::Cmd(Command::Shell(text))
        | InstructionKind::Entrypoint(Command::Shell(text))
        | InstructionKind::Healthcheck(Some(Command::Shell(text))) => text,
        InstructionKind::Run(run) if run.heredocs.is_empty() => match &run.command {
            Command::Shell(text) => text,
            Command::Exec(_) => return None,
        },
        _ => return None,
    };
    let trimmed = text.trim();
    // `[ -f x ] && ...` is the `test` command, on purpose.
    let looks_json = trimmed.starts_with('[')
        && trimmed.ends_with(']')
        && !trimmed.starts_with("[ ")
        && !trimmed.starts_with("[[");
    looks_json.then_some(trimmed)
}

fn check_instruction(instruction: &Instruction, report: &mut dyn FnMut(&'static Rule, String)) {
    let keyword = instruction.keyword;
    if let Some(text) = broken_exec_form(instruction) {
        report(
            &SCR033,
            format!(
                "`{keyword} {text}` is not a JSON array of strings, so Docker runs it as a shell \
                 command (`/bin/sh -c '{text}'`), which fails; use double quotes and one string \
                 per argument: `{keyword} [\"program\", \"arg\"]`"
            ),
        );
    }
    if let Some(known) = known_flags(keyword) {
        for flag in &instruction.flags {
            if !known.contains(&flag.name.as_str()) {
                let takes = if known.is_empty() {
                    format!("{keyword} takes no flags")
                } else {
                    format!("{keyword} takes --{}", known.join(", --"))
                };
                report(
                    &SCR034,
                    format!(
                        "`{keyword} --{}` is not a flag BuildKit knows: it refuses the file \
                         (`unknown flag: {}`); {takes}",
                        flag.name, flag.name,
                    ),
                );
            }
        }
    }
    if let InstructionKind::Onbuild(inner) = &instruction.kind {
        check_instruction(inner, report);
    }
}

/// Checks every instruction of every stage. Findings come in stage order.
pub(crate) fn check_buildkit(df: &Dockerfile, infos: &[StageInfo]) -> Vec<DockerfileFinding> {
    let mut findings = Vec::new();
    for (index, stage) in df.stages.iter().enumerate() {
        let Some(info) = infos.get(index) else {
            break;
        };
        for instruction in &stage.instructions {
            check_instruction(instruction, &mut |rule, message| {
                let ignored = instruction
                    .ignores
                    .iter()
                    .chain(&df.global_ignores)
                    .any(|code| rule.is_named(code));
                if !ignored {
                    findings.push(DockerfileFinding {
                        rule,
                        severity: rule.severity(info.kind),
                        line: instruction.line,
                        stage: index,
                        message,
                    });
                }
            });
        }
    }
    findings
}
