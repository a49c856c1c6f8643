//! Rendering: a pure function from a [`Dockerfile`] to its text.
//!
//! The same model gives byte-identical text on every run and machine: no
//! timestamps, no hash-map order, no environment. Layout rules:
//!
//! * global `ARG`s first, then one blank line between stages;
//! * a `RUN` of several steps puts each step on its own line (` \` then
//!   ` && `), and a step's packages one per line when there are several;
//! * a `RUN`'s flags come first: its mounts, then `--network`, then
//!   `--security`; a heredoc `RUN` puts each body and delimiter on the
//!   lines after it;
//! * `RUN`, `ENTRYPOINT`, `CMD`, `SHELL` and `HEALTHCHECK CMD` exec forms are JSON
//!   arrays, escaped by `serde_json`;
//! * `COPY`/`ADD` switch to the JSON form when a path has a space, a quote or
//!   a backslash;
//! * `ENV` and `ARG` values are double-quoted (with `\` and `"` escaped) when
//!   they have anything but plain characters; `LABEL` values always are.
//!   `$VAR` stays as it is: Docker expands it.
//!
//! Values that could end an instruction early (newlines, NUL) never get here:
//! a [`Dockerfile`] is validated when it is made.

use std::fmt::Write;

use crate::model::{
    Arg, Command, Copy, Dockerfile, Healthcheck, Instruction, KeyValue, Run, Script, Stage, Step,
};

/// Indentation of a step's items (packages), one per line.
const ITEM_INDENT: &str = "        ";

/// The Dockerfile text of `dockerfile`.
///
/// ```
/// use stagecraft::packages::Apt;
/// use stagecraft::Dockerfile;
///
/// let mut df = Dockerfile::builder();
/// df.anonymous_stage("debian:bookworm-slim")
///     .install(Apt::install(["curl", "ca-certificates"]))
///     .env("GREETING", "hello world")
///     .cmd(["curl", "--version"]);
/// assert_eq!(
///     stagecraft::render(&df.build().unwrap()),
///     "FROM debian:bookworm-slim\n\
///      RUN apt-get update \\\n \
///      && apt-get install -y --no-install-recommends \\\n        \
///      curl \\\n        \
///      ca-certificates \\\n \
///      && rm -rf /var/lib/apt/lists/*\n\
///      ENV GREETING=\"hello world\"\n\
///      CMD [\"curl\", \"--version\"]\n"
/// );
/// ```
pub fn render(dockerfile: &Dockerfile) -> String {
    let mut out = String::new();
    for arg in dockerfile.args() {
        out.push_str(&arg_line(arg));
        out.push('\n');
    }
    for (index, stage) in dockerfile.stages().iter().enumerate() {
        if index > 0 || !dockerfile.args().is_empty() {
            out.push('\n');
        }
        render_stage(stage, &mut out);
    }
    out
}

fn render_stage(stage: &Stage, out: &mut String) {
    out.push_str("FROM ");
    if let Some(platform) = &stage.platform {
        let _ = write!(out, "--platform={platform} ");
    }
    let _ = write!(out, "{}", stage.base);
    if let Some(alias) = &stage.alias {
        let _ = write!(out, " AS {alias}");
    }
    out.push('\n');
    for instruction in &stage.instructions {
        out.push_str(&instruction_text(instruction));
        out.push('\n');
    }
}

/// One instruction, without its final newline.
pub(crate) fn instruction_text(instruction: &Instruction) -> String {
    match instruction {
        Instruction::Run(run) => run_text(run),
        Instruction::Copy(copy) => copy_text(copy),
        Instruction::Add(add) => {
            let mut flags = Vec::new();
            flags.extend(add.chown.as_ref().map(|o| format!("--chown={o}")));
            flags.extend(add.chmod.as_ref().map(|m| format!("--chmod={m}")));
            paths_text("ADD", &flags, &add.sources, &add.destination)
        }
        Instruction::Env(pairs) => pairs_text("ENV", pairs, env_value),
        Instruction::Label(pairs) => pairs_text("LABEL", pairs, quoted),
        Instruction::Arg(arg) => arg_line(arg),
        Instruction::Workdir(path) => format!("WORKDIR {path}"),
        Instruction::User(user) => format!("USER {user}"),
        Instruction::Expose(port) => format!("EXPOSE {}", port.spelled()),
        Instruction::Entrypoint(command) => format!("ENTRYPOINT {}", command_text(command)),
        Instruction::Cmd(command) => format!("CMD {}", command_text(command)),
        Instruction::Healthcheck(Healthcheck::None) => "HEALTHCHECK NONE".to_string(),
        Instruction::Healthcheck(check @ Healthcheck::Check { command, .. }) => {
            let mut text = String::from("HEALTHCHECK");
            for (name, value) in check.options() {
                let _ = write!(text, " --{name}={value}");
            }
            let _ = write!(text, " CMD {}", command_text(command));
            text
        }
        Instruction::Shell(words) => format!("SHELL {}", json_array(words)),
        Instruction::StopSignal(signal) => format!("STOPSIGNAL {signal}"),
        Instruction::Comment(text) => text
            .split('\n')
            .map(|line| {
                if line.is_empty() {
                    "#".to_string()
                } else {
                    format!("# {line}")
                }
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// `RUN [flags] script`: flags in the order mounts, network, security.
fn run_text(run: &Run) -> String {
    let mut text = String::from("RUN");
    for flag in run.flags() {
        text.push(' ');
        text.push_str(&flag);
    }
    text.push(' ');
    text.push_str(&script_text(run.script()));
    text
}

/// What follows a `RUN`'s flags: the script as rendered (a recipe's steps
/// one per line, the exec form as JSON, a heredoc with its bodies).
pub(crate) fn script_text(script: &Script) -> String {
    match script {
        Script::Shell(shell) => shell.clone(),
        Script::Steps(steps) => {
            let steps: Vec<String> = steps.iter().map(step_text).collect();
            steps.join(" \\\n && ")
        }
        Script::Exec(args) => json_array(args),
        Script::Heredoc(script) => script.to_string(),
    }
}

/// A step on one line, or with its items one per line when there are several.
fn step_text(step: &Step) -> String {
    if step.items.len() < 2 {
        return step.to_string();
    }
    let mut text = step.words.join(" ");
    for item in &step.items {
        let _ = write!(text, " \\\n{ITEM_INDENT}{item}");
    }
    text
}

fn copy_text(copy: &Copy) -> String {
    let mut flags = Vec::new();
    flags.extend(copy.from.as_ref().map(|stage| format!("--from={stage}")));
    flags.extend(copy.chown.as_ref().map(|owner| format!("--chown={owner}")));
    flags.extend(copy.chmod.as_ref().map(|mode| format!("--chmod={mode}")));
    if copy.link {
        flags.push("--link".to_string());
    }
    paths_text("COPY", &flags, &copy.sources, &copy.destination)
}

/// `KEYWORD [flags] src... dest`, in JSON form when a path needs it.
fn paths_text(keyword: &str, flags: &[String], sources: &[String], destination: &str) -> String {
    let mut text = String::from(keyword);
    for flag in flags {
        text.push(' ');
        text.push_str(flag);
    }
    let paths: Vec<String> = sources
        .iter()
        .cloned()
        .chain(std::iter::once(destination.to_string()))
        .collect();
    let plain = paths.iter().all(|path| {
        !path.starts_with('[')
            && !path
                .chars()
                .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '\\'))
    });
    text.push(' ');
    if plain {
        text.push_str(&paths.join(" "));
    } else {
        text.push_str(&json_array(&paths));
    }
    text
}

/// `KEYWORD k=v`, or one pair per line aligned under the first.
fn pairs_text(keyword: &str, pairs: &[KeyValue], value: impl Fn(&str) -> String) -> String {
    let indent = " ".repeat(keyword.len() + 1);
    let lines: Vec<String> = pairs
        .iter()
        .map(|pair| format!("{}={}", pair.key, value(&pair.value)))
        .collect();
    format!("{keyword} {}", lines.join(&format!(" \\\n{indent}")))
}

fn arg_line(arg: &Arg) -> String {
    match &arg.default {
        Some(default) => format!("ARG {}={}", arg.name, env_value(default)),
        None => format!("ARG {}", arg.name),
    }
}

fn command_text(command: &Command) -> String {
    match command {
        Command::Exec(words) => json_array(words),
        Command::Shell(text) => text.clone(),
    }
}

/// `["a", "b"]`, each element escaped as a JSON string.
fn json_array(words: &[String]) -> String {
    let elements: Vec<String> = words
        .iter()
        .map(|word| serde_json::to_string(word).expect("a string always serializes"))
        .collect();
    format!("[{}]", elements.join(", "))
}

/// An `ENV`/`ARG` value: as it is when plain, else double-quoted.
fn env_value(value: &str) -> String {
    let plain = !value.is_empty()
        && value.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    '$' | '{' | '}' | '/' | ':' | '.' | '_' | '-' | '+' | ',' | '=' | '@' | '%'
                )
        });
    if plain {
        value.to_string()
    } else {
        quoted(value)
    }
}

/// A double-quoted Dockerfile word: `\` and `"` are escaped, `$` is kept for expansion.
fn quoted(value: &str) -> String {
    let mut text = String::with_capacity(value.len() + 2);
    text.push('"');
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            text.push('\\');
        }
        text.push(c);
    }
    text.push('"');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_when_needed() {
        assert_eq!(env_value("/usr/games:${PATH}"), "/usr/games:${PATH}");
        assert_eq!(env_value("C.UTF-8"), "C.UTF-8");
        assert_eq!(env_value("a b"), "\"a b\"");
        assert_eq!(env_value(""), "\"\"");
        assert_eq!(env_value("ends\\"), "\"ends\\\\\"");
        assert_eq!(quoted("say \"hi\""), "\"say \\\"hi\\\"\"");
    }

    #[test]
    fn paths_switch_to_json() {
        let plain = paths_text("COPY", &[], &["a".into()], "/b/");
        assert_eq!(plain, "COPY a /b/");
        let spaced = paths_text(
            "COPY",
            &["--from=build".into()],
            &["my file".into()],
            "/b c/",
        );
        assert_eq!(spaced, "COPY --from=build [\"my file\", \"/b c/\"]");
    }

    #[test]
    fn json_escapes() {
        assert_eq!(
            json_array(&["a\"b".into(), "c\\d".into(), "e\nf".into()]),
            r#"["a\"b", "c\\d", "e\nf"]"#
        );
    }
}
