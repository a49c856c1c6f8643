//! The rules, one module per family, over a shared [`Analysis`] of a `RUN`.

pub(crate) mod apk;
pub(crate) mod apt;
pub(crate) mod commands;
pub(crate) mod conda;
pub(crate) mod dockerfile;
pub(crate) mod gem;
pub(crate) mod layers;
pub(crate) mod masked;
pub(crate) mod node;
pub(crate) mod pip;
pub(crate) mod rpm;
pub(crate) mod rpm_install;
pub(crate) mod shell;
#[cfg(test)]
mod tests;

use crate::catalogue::Rule;
use crate::run_check::{path_covers, Finding, Manager, RunContext};
use crate::shell::{parse, program_name, Script, ShellError, SimpleCommand, Span, Word};

/// What a command does to a manager's caches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Installs packages; `leaves_cache` is false when a flag or variable of
    /// the command itself keeps the cache out (`--no-cache-dir`, `--no-cache`).
    Install { leaves_cache: bool },
    /// Refreshes the package index only.
    IndexUpdate { leaves_cache: bool },
    /// Removes the manager's caches.
    Cleanup,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Event {
    /// Index of the command in the script.
    pub(crate) index: usize,
    pub(crate) manager: Manager,
    pub(crate) action: Action,
}

/// A parsed `RUN` with the package-manager events of its commands.
pub(crate) struct Analysis<'a> {
    pub(crate) text: &'a str,
    pub(crate) script: Script,
    pub(crate) events: Vec<Event>,
}

/// Variables exported earlier in the `RUN` (`export NAME=value`).
pub(crate) type Exported = Vec<(String, String)>;

impl<'a> Analysis<'a> {
    pub(crate) fn new(text: &'a str) -> Result<Self, ShellError> {
        let script = parse(text)?;
        let mut events = Vec::new();
        let mut exported: Exported = Vec::new();
        for (index, command) in script.commands.iter().enumerate() {
            let mut push = |manager, action| {
                events.push(Event {
                    index,
                    manager,
                    action,
                })
            };
            for (manager, action) in apt::events(command)
                .into_iter()
                .chain(apk::events(command))
                .chain(pip::events(command, &exported))
                .chain(conda::events(command))
                .chain(rpm::events(command))
                .chain(node::events(command))
            {
                push(manager, action);
            }
            let words = command.command_words();
            if words.first().map(Word::text) == Some("export") {
                for word in &words[1..] {
                    if let Some((name, value)) = word.text().split_once('=') {
                        exported.push((name.to_owned(), value.to_owned()));
                    }
                }
            }
        }
        Ok(Self {
            text,
            script,
            events,
        })
    }

    pub(crate) fn span(&self, index: usize) -> Span {
        self.script.commands[index].span
    }

    /// The command's text for a message, shortened and on one line.
    pub(crate) fn snippet(&self, index: usize) -> String {
        snippet(self.text, self.span(index))
    }

    /// Whether a cleanup of `manager` comes after command `index`.
    pub(crate) fn cleaned_after(&self, manager: Manager, index: usize) -> bool {
        self.events
            .iter()
            .any(|e| e.manager == manager && e.action == Action::Cleanup && e.index > index)
    }

    pub(crate) fn events_of(&self, manager: Manager) -> impl Iterator<Item = &Event> + '_ {
        self.events.iter().filter(move |e| e.manager == manager)
    }

    pub(crate) fn finding(
        &self,
        rule: &'static Rule,
        ctx: &RunContext,
        span: Span,
        message: String,
    ) -> Finding {
        Finding {
            rule,
            severity: rule.severity(ctx.stage),
            span,
            message,
        }
    }
}

/// `text[span]` on one line, at most 80 characters.
pub(crate) fn snippet(text: &str, span: Span) -> String {
    let raw = text.get(span.0..span.1).unwrap_or("");
    let one_line: String = raw
        .replace("\\\n", " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if one_line.chars().count() > 80 {
        let short: String = one_line.chars().take(77).collect();
        format!("{short}...")
    } else {
        one_line
    }
}

/// Runs every per-`RUN` rule.
pub(crate) fn check_all(analysis: &Analysis<'_>, ctx: &RunContext, out: &mut Vec<Finding>) {
    apt::check(analysis, ctx, out);
    pip::check(analysis, ctx, out);
    conda::check(analysis, ctx, out);
    apk::check(analysis, ctx, out);
    rpm::check(analysis, ctx, out);
    node::check(analysis, ctx, out);
    gem::check(analysis, ctx, out);
    shell::check(analysis, ctx, out);
    rpm_install::check(analysis, ctx, out);
    commands::check(analysis, ctx, out);
    masked::check(analysis, ctx, out);
}

/// The paths an `rm` command removes, with `~`, `$HOME` and `${HOME}`
/// read as `/root` (the home of the user a `RUN` runs as by default).
pub(crate) fn removed_paths(command: &SimpleCommand) -> Vec<String> {
    let words = command.command_words();
    if words.first().map(|w| program_name(w.text())) != Some("rm") {
        return Vec::new();
    }
    words[1..]
        .iter()
        .map(|w| w.text())
        .filter(|t| !t.starts_with('-'))
        .map(|t| {
            for home in ["~", "$HOME", "${HOME}", "\"$HOME\"", "\"${HOME}\""] {
                if let Some(rest) = t.strip_prefix(home) {
                    return format!("/root{}", rest.trim_start_matches('"'));
                }
            }
            t.trim_matches('"').to_owned()
        })
        .collect()
}

/// Whether `command` is an `rm` of one of `dirs` or of a parent of one.
pub(crate) fn removes_any(command: &SimpleCommand, dirs: &[&str]) -> bool {
    removed_paths(command)
        .iter()
        .any(|removed| dirs.iter().any(|dir| path_covers(removed, dir)))
}

/// The arguments after the program, and the program's base name.
pub(crate) fn program_and_args(command: &SimpleCommand) -> Option<(&str, &[Word])> {
    let words = command.command_words();
    let first = words.first()?;
    Some((program_name(first.text()), &words[1..]))
}

/// The non-option arguments, skipping the values of options in `with_value`.
pub(crate) fn operands<'w>(args: &'w [Word], with_value: &[&str]) -> Vec<&'w str> {
    let mut out = Vec::new();
    let mut skip = false;
    for arg in args {
        let text = arg.text();
        if skip {
            skip = false;
            continue;
        }
        if text.starts_with('-') && text.len() > 1 {
            skip = with_value.contains(&text);
            continue;
        }
        out.push(text);
    }
    out
}

/// Whether a long flag (`--no-cache-dir`, also as `--no-cache-dir=...`) is given.
pub(crate) fn has_long(args: &[Word], flag: &str) -> bool {
    args.iter().any(|a| {
        let t = a.text();
        t == flag
            || t.strip_prefix(flag)
                .is_some_and(|rest| rest.starts_with('='))
    })
}

/// The short flags of a cluster (`-qy` gives `q`, `y`), stopping at the first
/// flag in `with_value` (whose value may be attached).
pub(crate) fn short_flags<'w>(
    arg: &'w str,
    with_value: &'w [char],
) -> impl Iterator<Item = char> + 'w {
    let cluster = if arg.starts_with('-') && !arg.starts_with("--") {
        &arg[1..]
    } else {
        ""
    };
    let mut stopped = false;
    cluster.chars().take_while(move |c| {
        if stopped {
            return false;
        }
        if with_value.contains(c) {
            stopped = true;
        }
        true
    })
}

/// Reports every install of `manager` that leaves its cache in the layer:
/// no self-cleaning flag, no cleanup later in the `RUN`, no cache mount on
/// any of `cache_dirs`.
pub(crate) fn missing_cleanup(
    analysis: &Analysis<'_>,
    ctx: &RunContext,
    manager: Manager,
    rule: &'static Rule,
    cache_dirs: &[&str],
    out: &mut Vec<Finding>,
    message: impl Fn(&str) -> String,
) {
    if cache_dirs.iter().any(|dir| ctx.mount_covers(dir)) {
        return;
    }
    for event in analysis.events_of(manager) {
        let Action::Install { leaves_cache: true } = event.action else {
            continue;
        };
        if analysis.cleaned_after(manager, event.index) {
            continue;
        }
        let snippet = analysis.snippet(event.index);
        out.push(analysis.finding(rule, ctx, analysis.span(event.index), message(&snippet)));
    }
}
