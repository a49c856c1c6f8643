//! Analysis of one shell-form `RUN` command: from its text to a flat list of
//! simple commands with their structure.
//!
//! # Parser choice: hand-written, not `brush-parser`
//!
//! `brush-parser` 0.4.0 (MIT, the parser of the `brush` shell) was evaluated
//! and rejected for this crate:
//!
//! * **Weight**: its normal (non-dev) dependencies pull about 120 crates,
//!   among them `insta` (a snapshot-testing framework, with `pest`,
//!   `console`, `similar`, `tempfile`), `bon` (two `darling` versions),
//!   `cached` (with `parking_lot`, `ahash`), `tracing`, `peg`, and both `syn`
//!   2 and `syn` 3. A clean release build of it alone took about 40 s on the
//!   2-core build machine. This crate is a dependency of a proc-macro crate
//!   (compiled for the host on every clean build), so that cost would land on
//!   every user of `run!`, including `build.rs` users who want a light tree.
//! * **MSRV**: it requires Rust 1.88 (edition 2024); the workspace promises
//!   1.85.
//! * **Robustness**: it is a recursive PEG parser without a depth limit:
//!   200,000 nested parentheses overflow the stack and abort the process
//!   (not a catchable panic); inside a proc macro that would crash `rustc`.
//!   Otherwise it was correct on the inputs tried (continuations, unterminated
//!   quotes, `$((`, `${`, heredocs, 1 MB lines in ~30 ms).
//!
//! What the rules need is much smaller than a full bash grammar: the simple
//! commands, their words after quote removal, their assignments, and how they
//! are joined. The hand-written parser here is a linear tokenizer (no
//! recursion; command substitutions are skipped with an explicit stack) plus a
//! recursive-descent parser with a nesting limit ([`MAX_DEPTH`]); it has no
//! dependencies, never panics, and reports every failure as a [`ShellError`]
//! with a byte offset.
//!
//! # What is understood
//!
//! * `&&`, `||`, `;`, `&`, `|`, `|&`, newlines, `!` pipelines;
//! * subshells `( ... )`, groups `{ ...; }`, `if`/`elif`/`else`/`fi`, `for`,
//!   `while`/`until`, `case ... esac`, function definitions, `[[ ... ]]`;
//! * quoting (`'...'`, `"..."`, `\x`, `$'...'`), expansions `$x`, `${...}`,
//!   `$(...)`, `$((...))` and backticks; the commands of a command
//!   substitution (`x=$(pip install numpy)`) are parsed and added after the
//!   command whose word holds it, nested in [`Nesting::CommandSubstitution`],
//!   in a scope of their own that inherits the outer shell's options;
//! * line continuations (`\` + newline) and comments, with Docker's meaning: a
//!   comment line inside a continued `RUN` is dropped, as the Dockerfile
//!   parser drops it before the shell sees the command;
//! * redirections, including heredocs (`<<EOF`, `<<-EOF`) whose bodies are
//!   skipped, as in BuildKit heredoc `RUN`s;
//! * env-assignment prefixes (`DEBIAN_FRONTEND=noninteractive apt-get ...`);
//! * `sh -c '...'`, `bash -o pipefail -c "..."` (the string is parsed in turn,
//!   its commands are added after the `sh` command, nested in
//!   [`Nesting::ShellC`]) and `xargs [options] cmd ...` (`cmd ...` is added as
//!   a command nested in [`Nesting::Xargs`]); wrappers such as `sudo`, `env`,
//!   `exec`, `nohup`, `time`, `nice` are seen through
//!   ([`SimpleCommand::command_words`]).
//!
//! ```
//! use stagecraft_rules::shell::{parse, Connector};
//!
//! let script = parse(
//!     "set -eux; DEBIAN_FRONTEND=noninteractive apt-get update \\\n && apt-get install -y curl",
//! )
//! .unwrap();
//! let names: Vec<_> = script.commands.iter().map(|c| c.name().unwrap_or("")).collect();
//! assert_eq!(names, ["set", "apt-get", "apt-get"]);
//! assert_eq!(script.commands[1].assignments[0].name, "DEBIAN_FRONTEND");
//! assert_eq!(script.commands[2].connector, Connector::And);
//! ```

mod lexer;
mod parser;
#[cfg(test)]
mod tests;

use thiserror::Error;

/// How deeply commands may nest (subshells, groups, `if`, loops, `sh -c`
/// strings) before the input is refused with [`ShellError::TooDeep`].
pub const MAX_DEPTH: usize = 128;

/// A byte range `(start, end)` in the analysed text (`end` is exclusive).
pub type Span = (usize, usize);

/// Why a command's text could not be analysed. Every variant carries the byte
/// offset in the analysed text where the problem starts.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ShellError {
    /// A `'` without its closing quote.
    #[error("unterminated single quote starting at byte {offset}: add the closing `'`")]
    UnterminatedSingleQuote {
        /// Byte offset of the opening quote.
        offset: usize,
    },
    /// A `"` without its closing quote.
    #[error("unterminated double quote starting at byte {offset}: add the closing `\"`")]
    UnterminatedDoubleQuote {
        /// Byte offset of the opening quote.
        offset: usize,
    },
    /// A `` ` `` without its closing backtick.
    #[error(
        "unterminated backtick substitution starting at byte {offset}: add the closing `` ` ``"
    )]
    UnterminatedBacktick {
        /// Byte offset of the opening backtick.
        offset: usize,
    },
    /// A `$(`, `$((` or `${` without its closing bracket.
    #[error("unterminated `{opening}` starting at byte {offset}: add the closing bracket")]
    UnterminatedExpansion {
        /// Byte offset of the `$`.
        offset: usize,
        /// The opening: `$(` or `${`.
        opening: &'static str,
    },
    /// A heredoc (`<<EOF`) whose delimiter line never comes.
    #[error("heredoc starting at byte {offset} is never closed: add a line `{delimiter}`")]
    UnterminatedHeredoc {
        /// Byte offset of the `<<`.
        offset: usize,
        /// The delimiter that was expected.
        delimiter: String,
    },
    /// A token where the grammar does not allow one.
    #[error("unexpected `{found}` at byte {offset}: expected {expected}")]
    UnexpectedToken {
        /// Byte offset of the token.
        offset: usize,
        /// The token as written (shortened if long).
        found: String,
        /// What the grammar expected there.
        expected: &'static str,
    },
    /// The text ends in the middle of a construct (`a &&`, `if x; then y`).
    #[error("the command ends early at byte {offset}: expected {expected}")]
    UnexpectedEnd {
        /// Byte offset of the end (the text's length, or the end of a `sh -c` string).
        offset: usize,
        /// What the grammar expected there.
        expected: &'static str,
    },
    /// Commands nested deeper than [`MAX_DEPTH`].
    #[error("commands nest deeper than {MAX_DEPTH} levels at byte {offset}: simplify the command")]
    TooDeep {
        /// Byte offset where the limit was reached.
        offset: usize,
    },
}

impl ShellError {
    /// The byte offset in the analysed text where the problem starts.
    ///
    /// ```
    /// use stagecraft_rules::shell::parse;
    ///
    /// let error = parse("echo 'oops").unwrap_err();
    /// assert_eq!(error.offset(), 5);
    /// ```
    pub fn offset(&self) -> usize {
        match self {
            ShellError::UnterminatedSingleQuote { offset }
            | ShellError::UnterminatedDoubleQuote { offset }
            | ShellError::UnterminatedBacktick { offset }
            | ShellError::UnterminatedExpansion { offset, .. }
            | ShellError::UnterminatedHeredoc { offset, .. }
            | ShellError::UnexpectedToken { offset, .. }
            | ShellError::UnexpectedEnd { offset, .. }
            | ShellError::TooDeep { offset } => *offset,
        }
    }

    /// The same error with its offset moved by `base` (used for `sh -c` strings).
    pub(crate) fn shifted(mut self, map: impl Fn(usize) -> usize) -> Self {
        match &mut self {
            ShellError::UnterminatedSingleQuote { offset }
            | ShellError::UnterminatedDoubleQuote { offset }
            | ShellError::UnterminatedBacktick { offset }
            | ShellError::UnterminatedExpansion { offset, .. }
            | ShellError::UnterminatedHeredoc { offset, .. }
            | ShellError::UnexpectedToken { offset, .. }
            | ShellError::UnexpectedEnd { offset, .. }
            | ShellError::TooDeep { offset } => *offset = map(*offset),
        }
        self
    }
}

/// The 1-based line and column (in characters) of a byte offset in `text`.
///
/// Offsets past the end map to the end; offsets inside a multi-byte character
/// map to that character.
///
/// ```
/// use stagecraft_rules::shell::line_col;
///
/// assert_eq!(line_col("ab\\\ncd", 4), (2, 1));
/// ```
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut line = 1;
    let mut col = 1;
    for (index, ch) in text.char_indices() {
        if index >= offset {
            break;
        }
        if ch == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    (line, col)
}

/// One word of a command, as written and after quote removal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The word exactly as written (quotes, escapes, continuations included).
    pub raw: String,
    /// The word after quote removal, when it is a plain literal: no parameter
    /// expansion, command substitution or arithmetic. Glob characters
    /// (`*`, `?`, `[`) stay as they are.
    pub literal: Option<String>,
    /// Where the word is in the analysed text.
    pub span: Span,
}

impl Word {
    /// The literal value when there is one, else the raw text.
    ///
    /// ```
    /// use stagecraft_rules::shell::parse;
    ///
    /// let script = parse(r#"echo "a b" 'c' $HOME"#).unwrap();
    /// let words: Vec<_> = script.commands[0].words.iter().map(|w| w.text()).collect();
    /// assert_eq!(words, ["echo", "a b", "c", "$HOME"]);
    /// ```
    pub fn text(&self) -> &str {
        self.literal.as_deref().unwrap_or(&self.raw)
    }

    /// Whether the word is a plain literal (see [`Word::literal`]).
    pub fn is_literal(&self) -> bool {
        self.literal.is_some()
    }

    /// Whether the word is written without any quoting or escape.
    pub(crate) fn is_bare(&self) -> bool {
        self.literal.as_deref() == Some(self.raw.as_str())
    }
}

/// An environment assignment before a command (`NAME=value cmd`), or a bare
/// assignment command (`NAME=value`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The variable name.
    pub name: String,
    /// The value (the part after `=`, possibly empty).
    pub value: Word,
    /// The whole `NAME=value` word.
    pub span: Span,
}

/// A redirection (`> file`, `2>&1`, `<<EOF`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The operator with its file-descriptor number, e.g. `2>`, `>>`, `<<`.
    pub operator: String,
    /// The target (a file, a descriptor, or a heredoc delimiter).
    pub target: Word,
    /// The whole redirection.
    pub span: Span,
}

/// How a command is joined to the command before it at the same level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Connector {
    /// The first command (of the text, or of a `sh -c` string or `xargs` tail).
    Start,
    /// After `&&`: runs only if the command before succeeded.
    And,
    /// After `||`: runs only if the command before failed.
    Or,
    /// After `;`, a newline, or the keyword before a compound body (`then`, `do`).
    Seq,
    /// After `&`: the command before runs in the background.
    Background,
    /// After `|` or `|&`: reads the output of the command before.
    Pipe,
}

/// A construct a command is nested in, outermost first in
/// [`SimpleCommand::nesting`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Nesting {
    /// `( ... )`: runs in a subshell, so `cd` and `set` do not leak out.
    Subshell,
    /// `{ ...; }`.
    Group,
    /// The condition of an `if` or `elif`.
    IfCondition,
    /// A `then` or `else` branch.
    IfBranch,
    /// The condition of a `while` or `until` loop.
    LoopCondition,
    /// The body of a `for`, `while` or `until` loop.
    LoopBody,
    /// A branch of a `case`.
    CaseBranch,
    /// The body of a function definition (run only when called).
    Function,
    /// The string of `sh -c '...'` (or `bash`, `dash`, ...).
    ShellC,
    /// A command substitution, `$(...)` or `` `...` ``: a subshell that
    /// inherits the options of the shell around it.
    CommandSubstitution,
    /// The command run by `xargs`.
    Xargs,
}

/// One simple command: assignments, words and redirections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleCommand {
    /// `NAME=value` words before the command name.
    pub assignments: Vec<Assignment>,
    /// The command name and its arguments (empty for a bare assignment).
    pub words: Vec<Word>,
    /// The redirections, in order.
    pub redirects: Vec<Redirect>,
    /// How it is joined to the command before it.
    pub connector: Connector,
    /// The constructs it is nested in, outermost first.
    pub nesting: Vec<Nesting>,
    /// Index in [`Script::scopes`] of the shell that runs it.
    pub scope: usize,
    /// Where it is in the analysed text. For a command inside a `sh -c`
    /// string that is not a plain quoted literal, the span of the string.
    pub span: Span,
}

/// Programs that run their arguments as a command, seen through by
/// [`SimpleCommand::command_words`].
const WRAPPERS: &[&str] = &[
    "sudo",
    "env",
    "exec",
    "command",
    "nohup",
    "time",
    "nice",
    "eatmydata",
    "doas",
    "stdbuf",
    "chronic",
];

impl SimpleCommand {
    /// The command name as written (after quote removal), if any.
    pub fn name(&self) -> Option<&str> {
        self.words.first().map(Word::text)
    }

    /// The words of the command actually run, seeing through wrappers such as
    /// `sudo -E`, `env -i A=b`, `exec`, `command`, `nohup`, `time -p`,
    /// `nice -n 5`, `eatmydata`.
    ///
    /// ```
    /// use stagecraft_rules::shell::parse;
    ///
    /// let script = parse("sudo -E env A=1 apt-get install -y x").unwrap();
    /// let words = script.commands[0].command_words();
    /// assert_eq!(words[0].text(), "apt-get");
    /// ```
    pub fn command_words(&self) -> &[Word] {
        let mut words = &self.words[..];
        while let Some(first) = words.first() {
            let name = program_name(first.text());
            if !WRAPPERS.contains(&name) {
                break;
            }
            let mut rest = &words[1..];
            // Skip the wrapper's options and, for `env`, its assignments.
            while let Some(word) = rest.first() {
                let text = word.text();
                let takes_value = matches!(
                    (name, text),
                    (
                        "sudo",
                        "-u" | "-g" | "-C" | "-h" | "-p" | "-r" | "-t" | "-U" | "-D"
                    ) | ("env", "-u" | "-C" | "-S")
                        | ("nice", "-n")
                        | ("doas", "-u" | "-C")
                        | ("stdbuf", "-i" | "-o" | "-e")
                );
                if text == "--" {
                    rest = &rest[1..];
                    break;
                } else if text.starts_with('-') && text.len() > 1 {
                    rest = if takes_value && rest.len() > 1 {
                        &rest[2..]
                    } else {
                        &rest[1..]
                    };
                } else if name == "env" && is_assignment(text) {
                    rest = &rest[1..];
                } else {
                    break;
                }
            }
            words = rest;
        }
        words
    }

    /// The base name of the program actually run (see
    /// [`SimpleCommand::command_words`]): `/usr/bin/pip3` gives `pip3`.
    pub fn program(&self) -> Option<&str> {
        self.command_words()
            .first()
            .map(|word| program_name(word.text()))
    }
}

/// The base name of a program path: `/usr/bin/apt-get` gives `apt-get`.
pub fn program_name(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// Whether `word` has the form of an assignment (`NAME=...` or `NAME+=...`).
pub(crate) fn is_assignment(word: &str) -> bool {
    let Some(eq) = word.find('=') else {
        return false;
    };
    let name = word[..eq].strip_suffix('+').unwrap_or(&word[..eq]);
    is_name(name)
}

/// Whether `name` is a valid shell variable name.
pub(crate) fn is_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'A'..=b'Z' | b'_'))
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A pipeline of two or more elements (`a | b | c`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    /// For each element, the range of indices in [`Script::commands`] of the
    /// simple commands it is made of (an element can be a compound command).
    pub elements: Vec<std::ops::Range<usize>>,
    /// Index in [`Script::scopes`] of the shell that runs it.
    pub scope: usize,
    /// Where it is in the analysed text.
    pub span: Span,
}

/// A shell that runs commands: the `RUN` shell itself (index 0) or a
/// `sh -c` started by a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The scope of the command that started this shell (`None` for the `RUN` shell).
    pub parent: Option<usize>,
    /// Whether the shell was started with `-o pipefail` (always `false` for
    /// the `RUN` shell: that comes from the Dockerfile's `SHELL`; `false`
    /// for a command substitution, which inherits it, see `inherits`).
    pub pipefail: bool,
    /// Whether this shell is a subshell of its parent (a command
    /// substitution) and so has the options the parent was started with.
    pub inherits: bool,
}

/// The analysed command: its simple commands in text order, with structure.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    /// Every simple command, in the order they appear. Commands of a
    /// `sh -c` string or an `xargs` tail come right after the command that
    /// starts them.
    pub commands: Vec<SimpleCommand>,
    /// Every pipeline of two or more elements.
    pub pipelines: Vec<Pipeline>,
    /// The shells: index 0 is the `RUN` shell.
    pub scopes: Vec<Scope>,
}

impl Script {
    /// Whether `scope` is the `RUN` shell or a subshell of it (a command
    /// substitution, at any depth): the options of the Dockerfile's `SHELL`
    /// hold there.
    pub fn in_run_shell(&self, mut scope: usize) -> bool {
        loop {
            if scope == 0 {
                return true;
            }
            match self.scopes.get(scope) {
                Some(Scope {
                    inherits: true,
                    parent: Some(parent),
                    ..
                }) => scope = *parent,
                _ => return false,
            }
        }
    }

    /// Whether `set -o pipefail` (or `set -eo pipefail`, `set -euxo pipefail`,
    /// ...) runs in `scope` before the command at `index`, or the scope's
    /// shell was started with `-o pipefail`.
    ///
    /// A command substitution inherits the options of the shell around it,
    /// so for its scope the `set` commands of that shell before `index`
    /// count too.
    pub fn pipefail_set_before(&self, scope: usize, index: usize) -> bool {
        let mut scope = scope;
        loop {
            let Some(this) = self.scopes.get(scope) else {
                return false;
            };
            if this.pipefail {
                return true;
            }
            let set_here = self.commands[..index.min(self.commands.len())]
                .iter()
                .filter(|command| command.scope == scope)
                .any(|command| {
                    let words = command.command_words();
                    words.first().map(|w| w.text()) == Some("set") && sets_pipefail(&words[1..])
                });
            match this.parent {
                _ if set_here => return true,
                Some(parent) if this.inherits => scope = parent,
                _ => return false,
            }
        }
    }
}

/// Whether `set`/`sh` options `args` turn pipefail on (`-o pipefail`,
/// `-euo pipefail`, `-eux -o pipefail`).
pub(crate) fn sets_pipefail(args: &[Word]) -> bool {
    args.windows(2).any(|pair| {
        let option = pair[0].text();
        option.starts_with('-')
            && !option.starts_with("--")
            && option.ends_with('o')
            && pair[1].text() == "pipefail"
    })
}

/// Analyses the text of one shell-form `RUN` command (or the script of a
/// BuildKit heredoc `RUN`).
///
/// ```
/// use stagecraft_rules::shell::{parse, Connector, Nesting};
///
/// let script = parse("(cd /src && make) | tee log; sh -c 'pip install x'").unwrap();
/// let c = &script.commands;
/// assert_eq!(c[0].name(), Some("cd"));
/// assert_eq!(c[0].nesting, [Nesting::Subshell]);
/// assert_eq!(c[2].connector, Connector::Pipe);
/// assert_eq!(c[4].name(), Some("pip"));
/// assert_eq!(c[4].nesting, [Nesting::ShellC]);
/// assert_eq!(&"(cd /src && make) | tee log; sh -c 'pip install x'"[c[4].span.0..c[4].span.1], "pip install x");
/// ```
pub fn parse(text: &str) -> Result<Script, ShellError> {
    parser::parse_script(text, 0)
}
