//! The checks of one value in its slot: an `ARG` name, an `ENV` value, a
//! `COPY` path, a `--chmod` mode, a `STOPSIGNAL`, an exec-form array, ...
//!
//! One copy for both judges of a Dockerfile: the library's model validation
//! (`stagecraft`'s `model/validate.rs`, for a model built in Rust or read
//! from JSON) and the text's judge
//! ([`model_support`](crate::dockerfile::model_support), for
//! `Dockerfile::parse` and the `dockerfile!` macros), so that the same value
//! gets the same verdict and the same words whichever way it came in.
//! [`names`] holds the grammars; this module says which slot
//! a value is refused in, and how to fix it.
//!
//! ```
//! use stagecraft_rules::values::{self, ValueProblem, ValueProblemKind};
//!
//! let mut problems = Vec::new();
//! values::env_pair("MY VAR", "1", &mut problems);
//! values::chmod("9999", &mut problems);
//! assert_eq!(problems.len(), 2);
//! assert_eq!(problems[0].what, "ENV key");
//! assert!(matches!(problems[1].kind, ValueProblemKind::Grammar { .. }));
//! assert_eq!(
//!     problems[1].to_string(),
//!     "invalid --chmod mode \"9999\": a mode is 3 or 4 octal digits, e.g. \"0755\""
//! );
//! ```

use std::fmt;

use crate::names;

/// A value refused in its slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueProblem {
    /// Which slot, e.g. `"ENV key"` or `"--chmod mode"`.
    pub what: &'static str,
    /// The value as given.
    pub value: String,
    /// What is wrong with it.
    pub kind: ValueProblemKind,
}

/// What is wrong with a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueProblemKind {
    /// A required value that is empty (or blank).
    Empty {
        /// How to fill it.
        fix: &'static str,
    },
    /// A character no value of this slot can carry: one that would end the
    /// instruction early (newline, carriage return), a NUL byte, or one the
    /// slot's form splits at (a blank).
    Character {
        /// The character, described (`"a newline"`, `"a NUL byte"`, ...).
        character: &'static str,
    },
    /// A value outside its slot's grammar.
    Grammar {
        /// What a valid value looks like.
        rule: &'static str,
    },
    /// A value Docker refuses where it stands.
    NotAllowed {
        /// How to write it instead.
        fix: &'static str,
    },
}

impl fmt::Display for ValueProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ValueProblem { what, value, kind } = self;
        match kind {
            ValueProblemKind::Empty { fix } => write!(f, "{what} is empty: {fix}"),
            ValueProblemKind::Character { character } => write!(
                f,
                "{what} {value:?} contains {character}: it would end the instruction early or \
                 corrupt the Dockerfile; remove it"
            ),
            ValueProblemKind::Grammar { rule } => write!(f, "invalid {what} {value:?}: {rule}"),
            ValueProblemKind::NotAllowed { fix } => write!(f, "{what} is not allowed: {fix}"),
        }
    }
}

impl std::error::Error for ValueProblem {}

fn problem(what: &'static str, value: &str, kind: ValueProblemKind) -> ValueProblem {
    ValueProblem {
        what,
        value: value.to_owned(),
        kind,
    }
}

fn grammar(what: &'static str, value: &str, rule: &'static str) -> ValueProblem {
    problem(what, value, ValueProblemKind::Grammar { rule })
}

/// A newline, carriage return or NUL in a value that is written on one line.
///
/// ```
/// use stagecraft_rules::values::one_line;
///
/// let mut problems = Vec::new();
/// one_line("WORKDIR", "/a\nUSER root", &mut problems);
/// one_line("WORKDIR", "/opt/app", &mut problems);
/// assert_eq!(problems.len(), 1);
/// ```
pub fn one_line(what: &'static str, value: &str, out: &mut Vec<ValueProblem>) {
    if let Some(character) = names::forbidden_character(value) {
        out.push(problem(
            what,
            value,
            ValueProblemKind::Character { character },
        ));
    }
}

/// A value that must say something: not empty, not only blanks.
pub fn nonempty(what: &'static str, value: &str, fix: &'static str, out: &mut Vec<ValueProblem>) {
    if value.trim().is_empty() {
        out.push(problem(what, value, ValueProblemKind::Empty { fix }));
    }
}

const VARIABLE_RULE: &str = "a name starts with a letter or '_' and holds only letters, digits \
                             and '_' (e.g. \"VERSION\")";

/// An `ARG`: its name, and its default on one line.
pub fn arg(name: &str, default: Option<&str>, out: &mut Vec<ValueProblem>) {
    if !names::variable_name(name) {
        out.push(grammar("ARG name", name, VARIABLE_RULE));
    }
    if let Some(default) = default {
        one_line("ARG default", default, out);
    }
}

/// An `ENV` key and value.
pub fn env_pair(key: &str, value: &str, out: &mut Vec<ValueProblem>) {
    if !names::variable_name(key) {
        out.push(grammar(
            "ENV key",
            key,
            "a variable name starts with a letter or '_' and holds only letters, digits \
             and '_' (e.g. \"LD_LIBRARY_PATH\")",
        ));
    }
    one_line("ENV value", value, out);
}

/// A `LABEL` key and value.
pub fn label_pair(key: &str, value: &str, out: &mut Vec<ValueProblem>) {
    let valid = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'));
    if !valid {
        out.push(grammar(
            "LABEL key",
            key,
            "a label key holds only letters, digits, '.', '_', '-' and '/' \
             (e.g. \"org.opencontainers.image.title\")",
        ));
    }
    one_line("LABEL value", value, out);
}

/// A `WORKDIR`: a directory on one line.
pub fn workdir(path: &str, out: &mut Vec<ValueProblem>) {
    nonempty("WORKDIR", path, "give a directory, e.g. \"/opt\"", out);
    one_line("WORKDIR", path, out);
}

/// A user (`USER`, `--chown`): a name or id, optionally with `:group`.
pub fn owner(what: &'static str, value: &str, out: &mut Vec<ValueProblem>) {
    if !names::owner(value) {
        out.push(grammar(
            what,
            value,
            "a user is a name or id, optionally with ':group' (e.g. \"65532:65532\" or \
             \"nonroot\")",
        ));
    }
}

/// A `--chmod` mode: 3 or 4 octal digits.
pub fn chmod(value: &str, out: &mut Vec<ValueProblem>) {
    if !names::chmod(value) {
        out.push(grammar(
            "--chmod mode",
            value,
            "a mode is 3 or 4 octal digits, e.g. \"0755\"",
        ));
    }
}

/// A `STOPSIGNAL`: a signal's name or number.
pub fn stop_signal(signal: &str, out: &mut Vec<ValueProblem>) {
    if !names::stop_signal(signal) {
        out.push(grammar(
            "STOPSIGNAL",
            signal,
            "a signal is a name like \"SIGTERM\" or \"SIGRTMIN+3\", or a number",
        ));
    }
}

/// An exec-form array (`CMD`, `ENTRYPOINT`, `HEALTHCHECK CMD`, `SHELL`):
/// a program to run, and no NUL byte (JSON escaping makes any other text
/// safe). `CMD []` and `ENTRYPOINT []` clear what the base image set (an
/// `ENTRYPOINT` then runs alone): valid Docker.
///
/// ```
/// use stagecraft_rules::values::exec;
///
/// let mut problems = Vec::new();
/// exec("CMD", &[], &mut problems);
/// exec("SHELL", &[], &mut problems);
/// exec("ENTRYPOINT", &["a\0b".to_owned()], &mut problems);
/// let what: Vec<_> = problems.iter().map(|p| p.what).collect();
/// assert_eq!(what, ["SHELL", "ENTRYPOINT"]);
/// ```
pub fn exec(what: &'static str, words: &[String], out: &mut Vec<ValueProblem>) {
    if words.is_empty() {
        if !matches!(what, "CMD" | "ENTRYPOINT") {
            out.push(problem(
                what,
                "[]",
                ValueProblemKind::Empty {
                    fix: "name the program to run, e.g. [\"fortune\"]",
                },
            ));
        }
        return;
    }
    for word in words.iter().filter(|word| word.contains('\0')) {
        out.push(problem(
            what,
            word,
            ValueProblemKind::Character {
                character: "a NUL byte",
            },
        ));
    }
}

/// The sources and destination of a `COPY`/`ADD`: each named, each on one
/// line. (Whether there is a source at all is the instruction's check:
/// a heredoc `COPY` may have no path source.)
pub fn paths(sources: &[String], destination: &str, out: &mut Vec<ValueProblem>) {
    for source in sources {
        nonempty("a source path", source, "name a file or directory", out);
        one_line("source path", source, out);
    }
    nonempty(
        "the destination",
        destination,
        "give a path, e.g. \"/usr/local/bin/\"",
        out,
    );
    one_line("destination", destination, out);
}

/// The paths of a heredoc `COPY` (`keyword`) or `ADD`: no blanks, as the
/// shell form they are written in splits at them, quotes or not.
pub fn heredoc_paths(
    keyword: &'static str,
    sources: &[String],
    destination: &str,
    out: &mut Vec<ValueProblem>,
) {
    let (what, character) = if keyword == "COPY" {
        (
            "path of a heredoc COPY",
            "a blank (a heredoc COPY is written in the shell form, which \
             Docker splits at blanks: copy that path in a COPY of its own)",
        )
    } else {
        (
            "path of a heredoc ADD",
            "a blank (a heredoc ADD is written in the shell form, which \
             Docker splits at blanks: add that path in an ADD of its own)",
        )
    };
    for path in sources.iter().map(String::as_str).chain([destination]) {
        if path.chars().any(char::is_whitespace) {
            out.push(problem(
                what,
                path,
                ValueProblemKind::Character { character },
            ));
        }
    }
}

/// A `--exclude` pattern: named, one word on one line.
pub fn exclude_pattern(pattern: &str, out: &mut Vec<ValueProblem>) {
    nonempty(
        "--exclude pattern",
        pattern,
        "give a path pattern, e.g. \"*.md\"",
        out,
    );
    one_line("--exclude pattern", pattern, out);
    if !pattern.trim().is_empty() && pattern.chars().any(|c| c == ' ' || c == '\t') {
        out.push(problem(
            "--exclude pattern",
            pattern,
            ValueProblemKind::Character {
                character: "a space",
            },
        ));
    }
}

/// An `ADD --checksum`: `sha256:` and 64 hex digits (a git source: the
/// commit's 40).
pub fn checksum(value: &str, out: &mut Vec<ValueProblem>) {
    if !names::checksum(value) {
        out.push(grammar(
            "ADD --checksum",
            value,
            "a checksum is `sha256:` and 64 hex digits (a git source: the commit's 40 hex \
             digits)",
        ));
    }
}

/// `ADD --keep-git-dir` of `sources`: git sources only.
pub fn keep_git_dir(sources: &[String], out: &mut Vec<ValueProblem>) {
    if !sources.iter().all(|source| names::git_source(source)) {
        out.push(problem(
            "ADD --keep-git-dir of a source that is no git URL",
            &sources.join(" "),
            ValueProblemKind::NotAllowed {
                fix: "use it with git sources only (`https://github.com/o/r.git#v1`, \
                      `git@github.com:o/r.git`)",
            },
        ));
    }
}

/// A named build context (`COPY --from=docs`, `--build-context docs=...`):
/// a letter, then letters, digits, `_`, `.` and `-`.
///
/// ```
/// use stagecraft_rules::values::context_name;
///
/// let mut problems = Vec::new();
/// context_name("docs", &mut problems);
/// context_name("0", &mut problems);
/// assert_eq!(problems.len(), 1);
/// ```
pub fn context_name(name: &str, out: &mut Vec<ValueProblem>) {
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !valid {
        out.push(grammar(
            "build context name",
            name,
            "a context name starts with a letter and holds only letters, digits, '_', '.' \
             and '-' (e.g. \"docs\")",
        ));
    }
}

/// The paths of a `VOLUME`: at least one, each named, each on one line.
pub fn volume(paths: &[String], out: &mut Vec<ValueProblem>) {
    if paths.is_empty() {
        out.push(problem(
            "VOLUME",
            "[]",
            ValueProblemKind::Empty {
                fix: "name at least one mount point, e.g. \"/data\"",
            },
        ));
    }
    for path in paths {
        nonempty("VOLUME path", path, "give a directory, e.g. \"/data\"", out);
        one_line("VOLUME path", path, out);
    }
}

/// The variable of an `EXPOSE $PORT`.
pub fn expose_variable(name: &str, out: &mut Vec<ValueProblem>) {
    if !names::variable_name(name) {
        out.push(grammar(
            "EXPOSE variable",
            name,
            "a variable name starts with a letter or '_' and holds only letters, digits \
             and '_' (e.g. \"PORT\")",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(check: impl FnOnce(&mut Vec<ValueProblem>)) -> Vec<String> {
        let mut out = Vec::new();
        check(&mut out);
        out.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn each_slot_says_what_is_wrong_and_the_fix() {
        assert_eq!(
            problems(|out| arg("1X", Some("a\nb"), out)),
            [
                "invalid ARG name \"1X\": a name starts with a letter or '_' and holds only \
                 letters, digits and '_' (e.g. \"VERSION\")",
                "ARG default \"a\\nb\" contains a newline: it would end the instruction early \
                 or corrupt the Dockerfile; remove it",
            ]
        );
        assert_eq!(
            problems(|out| workdir(" ", out)),
            ["WORKDIR is empty: give a directory, e.g. \"/opt\""]
        );
        assert_eq!(
            problems(|out| exclude_pattern("a b", out)),
            [
                "--exclude pattern \"a b\" contains a space: it would end the instruction early \
              or corrupt the Dockerfile; remove it"
            ]
        );
        assert!(problems(|out| label_pair("org.opencontainers.image.title", "x", out)).is_empty());
        assert!(problems(|out| paths(&["a".into()], "/b/", out)).is_empty());
        assert_eq!(problems(|out| paths(&["".into()], "", out)).len(), 2);
        assert_eq!(
            problems(|out| keep_git_dir(&["https://example.com/a.tgz".into()], out)),
            [
                "ADD --keep-git-dir of a source that is no git URL is not allowed: use it with \
              git sources only (`https://github.com/o/r.git#v1`, `git@github.com:o/r.git`)"
            ]
        );
        assert!(problems(|out| volume(&[], out))[0].starts_with("VOLUME is empty"));
    }
}
