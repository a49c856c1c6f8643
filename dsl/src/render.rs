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
//! * `COPY`/`ADD` switch to the JSON form when a path is not a plain word (or
//!   starts with `--`), each element escaped for Docker's word processing;
//!   a heredoc `COPY` or `ADD` stays in the shell form (`COPY <<app.conf /etc/`), its
//!   heredocs before its paths, each body and delimiter on the lines after it;
//! * `ENV`, `ARG`, `WORKDIR` and `USER` values are double-quoted (with `"`, the
//!   escape character and a literal `$` escaped) when they have anything but
//!   plain characters; `LABEL` values always are. `$VAR` stays as it is:
//!   Docker expands it ([`crate::model::word`]).
//!
//! Values that could end an instruction early (newlines, NUL) never get here:
//! a [`Dockerfile`] is validated when it is made.

use std::fmt::Write;

use crate::model::word::json_element_text;
use crate::model::{quoted_text, word_text};
use crate::model::{
    Arg, Command, Copy, Dockerfile, Healthcheck, Heredoc, Instruction, KeyValue, Run, Script,
    Stage, Step,
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
    let directives = dockerfile.directives();
    for line in directive_lines(directives) {
        out.push_str(&line);
        out.push('\n');
    }
    let esc = directives.escape();
    let global_comments = |before: usize, out: &mut String| {
        for comment in dockerfile.comments() {
            if comment.before_arg == before {
                out.push_str(&comment_text(&comment.text));
                out.push('\n');
            }
        }
    };
    for (index, arg) in dockerfile.args().iter().enumerate() {
        global_comments(index, &mut out);
        out.push_str(&arg_line(arg, esc));
        out.push('\n');
    }
    // Comments at the end of a stage stand before the next FROM, after the
    // blank line, where they were read from.
    let mut trailing: &[Instruction] = &[];
    for (index, stage) in dockerfile.stages().iter().enumerate() {
        if index > 0 || !dockerfile.args().is_empty() {
            out.push('\n');
        }
        if index == 0 {
            global_comments(dockerfile.args().len(), &mut out);
        }
        for comment in trailing {
            out.push_str(&instruction_text(comment, esc));
            out.push('\n');
        }
        let last = index + 1 == dockerfile.stages().len();
        let (body, after) = stage_body(stage, last);
        trailing = after;
        render_stage(stage, body, esc, &mut out);
    }
    out
}

/// A stage's instructions as rendered under its `FROM`, and the comments
/// that end it, which stand before the next `FROM` (after the blank line),
/// where they were read from. The last stage keeps them all.
pub(crate) fn stage_body(stage: &Stage, last: bool) -> (&[Instruction], &[Instruction]) {
    let body_len = if last {
        stage.instructions.len()
    } else {
        stage
            .instructions
            .iter()
            .rposition(|i| !matches!(i, Instruction::Comment(_)))
            .map_or(0, |position| position + 1)
    };
    stage.instructions.split_at(body_len)
}

/// The parser directive lines (`# syntax=...`, `# escape=...`, `# check=...`).
pub(crate) fn directive_lines(directives: &crate::model::Directives) -> Vec<String> {
    let mut lines = Vec::new();
    lines.extend(directives.syntax.as_ref().map(|s| format!("# syntax={s}")));
    if directives.escape_backtick {
        lines.push("# escape=`".to_string());
    }
    lines.extend(directives.check.as_ref().map(|c| format!("# check={c}")));
    lines
}

fn render_stage(stage: &Stage, instructions: &[Instruction], esc: char, out: &mut String) {
    out.push_str("FROM ");
    if let Some(platform) = &stage.platform {
        let _ = write!(out, "--platform={platform} ");
    }
    let _ = write!(out, "{}", stage.base);
    if let Some(alias) = &stage.alias {
        let _ = write!(out, " AS {alias}");
    }
    out.push('\n');
    for instruction in instructions {
        out.push_str(&instruction_text(instruction, esc));
        out.push('\n');
    }
}

/// A comment, one `# ` line per line of text; a text that ends in a newline
/// is followed by a blank line (which ends the suppressions before it, as
/// the parser reads them: [`Instruction::Comment`]).
pub(crate) fn comment_text(text: &str) -> String {
    match text.strip_suffix('\n') {
        Some(lines) => format!("{}\n", comment_lines(lines)),
        None => comment_lines(text),
    }
}

fn comment_lines(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            if line.is_empty() {
                "#".to_string()
            } else {
                format!("# {line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// One instruction, without its final newline; `esc` is the escape character.
pub(crate) fn instruction_text(instruction: &Instruction, esc: char) -> String {
    match instruction {
        Instruction::Run(run) => run_text(run),
        Instruction::Copy(copy) => copy_text(copy, esc),
        Instruction::Add(add) => {
            let mut flags = Vec::new();
            flags.extend(add.chown.as_ref().map(|o| format!("--chown={o}")));
            flags.extend(add.chmod.as_ref().map(|m| format!("--chmod={m}")));
            if add.link {
                flags.push("--link".to_string());
            }
            flags.extend(add.exclude.iter().map(|p| format!("--exclude={p}")));
            flags.extend(add.checksum.as_ref().map(|c| format!("--checksum={c}")));
            if add.keep_git_dir {
                flags.push("--keep-git-dir".to_string());
            }
            if add.heredocs.is_empty() {
                return paths_text("ADD", &flags, &add.sources, &add.destination, esc);
            }
            heredoc_paths_text(
                "ADD",
                &flags,
                &add.heredocs,
                &add.sources,
                &add.destination,
                esc,
            )
        }
        Instruction::Env(pairs) => pairs_text("ENV", pairs, esc, |v| word_text(v, esc)),
        Instruction::Label(pairs) => pairs_text("LABEL", pairs, esc, |v| quoted_text(v, esc)),
        Instruction::Arg(arg) => arg_line(arg, esc),
        Instruction::Workdir(path) => format!("WORKDIR {}", word_text(path, esc)),
        Instruction::User(user) => format!("USER {}", word_text(user, esc)),
        Instruction::Expose(port) => format!("EXPOSE {}", port.spelled()),
        Instruction::ExposeVariable(port) => match port.protocol {
            None => format!("EXPOSE ${{{}}}", port.name),
            Some(crate::model::Protocol::Tcp) => format!("EXPOSE ${{{}}}/tcp", port.name),
            Some(crate::model::Protocol::Udp) => format!("EXPOSE ${{{}}}/udp", port.name),
        },
        Instruction::Volume(paths) => format!("VOLUME {}", json_array(paths)),
        Instruction::Onbuild(inner) => format!("ONBUILD {}", instruction_text(inner, esc)),
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
        Instruction::Comment(text) => comment_text(text),
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

fn copy_text(copy: &Copy, esc: char) -> String {
    let mut flags = Vec::new();
    flags.extend(copy.from.as_ref().map(|stage| format!("--from={stage}")));
    flags.extend(copy.chown.as_ref().map(|owner| format!("--chown={owner}")));
    flags.extend(copy.chmod.as_ref().map(|mode| format!("--chmod={mode}")));
    if copy.link {
        flags.push("--link".to_string());
    }
    if copy.parents {
        flags.push("--parents".to_string());
    }
    flags.extend(copy.exclude.iter().map(|p| format!("--exclude={p}")));
    if copy.heredocs.is_empty() {
        return paths_text("COPY", &flags, &copy.sources, &copy.destination, esc);
    }
    heredoc_paths_text(
        "COPY",
        &flags,
        &copy.heredocs,
        &copy.sources,
        &copy.destination,
        esc,
    )
}

/// `COPY|ADD [flags] <<name... [src...] dest`, then each body and its
/// delimiter line: the shell form (Docker reads heredocs in no other), each
/// path a word (the model holds no blank in a heredoc `COPY`'s or `ADD`'s
/// paths, which Docker splits that form at).
fn heredoc_paths_text(
    keyword: &str,
    flags: &[String],
    heredocs: &[Heredoc],
    sources: &[String],
    destination: &str,
    esc: char,
) -> String {
    let mut text = String::from(keyword);
    let words = flags
        .iter()
        .cloned()
        .chain(heredocs.iter().map(|heredoc| heredoc.opener()))
        .chain(sources.iter().map(|path| word_text(path, esc)))
        .chain(std::iter::once(word_text(destination, esc)));
    for word in words {
        text.push(' ');
        text.push_str(&word);
    }
    for heredoc in heredocs {
        let _ = write!(text, "\n{}{}", heredoc.body, heredoc.delimiter);
    }
    text
}

/// `KEYWORD [flags] src... dest`, in JSON form when a path needs it.
fn paths_text(
    keyword: &str,
    flags: &[String],
    sources: &[String],
    destination: &str,
    esc: char,
) -> String {
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
    // Docker word-processes each path, in the JSON form too: bare words
    // when they are plain, else JSON elements escaped for that processing.
    // (A path starting with `--` would read as a flag outside JSON.)
    let plain = paths
        .iter()
        .all(|path| word_text(path, esc) == *path && !path.starts_with("--"));
    text.push(' ');
    if plain {
        text.push_str(&paths.join(" "));
    } else {
        let elements: Vec<String> = paths
            .iter()
            .map(|path| json_element_text(path, esc))
            .collect();
        text.push_str(&json_array(&elements));
    }
    text
}

/// `KEYWORD k=v`, or one pair per line aligned under the first.
fn pairs_text(
    keyword: &str,
    pairs: &[KeyValue],
    esc: char,
    value: impl Fn(&str) -> String,
) -> String {
    let indent = " ".repeat(keyword.len() + 1);
    let lines: Vec<String> = pairs
        .iter()
        .map(|pair| format!("{}={}", pair.key, value(&pair.value)))
        .collect();
    format!("{keyword} {}", lines.join(&format!(" {esc}\n{indent}")))
}

fn arg_line(arg: &Arg, esc: char) -> String {
    match &arg.default {
        Some(default) => format!("ARG {}={}", arg.name, word_text(default, esc)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_when_needed() {
        assert_eq!(word_text("/usr/games:${PATH}", '\\'), "/usr/games:${PATH}");
        assert_eq!(word_text("C.UTF-8", '\\'), "C.UTF-8");
        assert_eq!(word_text("a b", '\\'), "\"a b\"");
        assert_eq!(word_text("", '\\'), "\"\"");
        assert_eq!(word_text("ends\\", '\\'), "\"ends\\\\\"");
        assert_eq!(quoted_text("say \"hi\"", '\\'), "\"say \\\"hi\\\"\"");
        assert_eq!(quoted_text("C:\\a \"b\"", '`'), "\"C:\\a `\"b`\"\"");
    }

    #[test]
    fn paths_switch_to_json() {
        let plain = paths_text("COPY", &[], &["a".into()], "/b/", '\\');
        assert_eq!(plain, "COPY a /b/");
        let spaced = paths_text(
            "COPY",
            &["--from=build".into()],
            &["my file".into()],
            "/b c/",
            '\\',
        );
        assert_eq!(spaced, "COPY --from=build [\"my file\", \"/b c/\"]");
        // Docker word-processes the JSON form's elements too.
        let quoted = paths_text(
            "COPY",
            &[],
            &["it's \"x\"".into(), r"\$5".into()],
            "/b/",
            '\\',
        );
        assert_eq!(quoted, r#"COPY ["it\\'s \\\"x\\\"", "\\$5", "/b/"]"#);
        let flag_like = paths_text("COPY", &[], &["--x".into()], "/b/", '\\');
        assert_eq!(flag_like, r#"COPY ["--x", "/b/"]"#);
    }

    #[test]
    fn json_escapes() {
        assert_eq!(
            json_array(&["a\"b".into(), "c\\d".into(), "e\nf".into()]),
            r#"["a\"b", "c\\d", "e\nf"]"#
        );
    }
}
