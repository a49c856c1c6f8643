//! A Dockerfile parser: from text to a small AST with 1-based line numbers.
//!
//! It follows the BuildKit frontend's reading of a Dockerfile:
//!
//! * **parser directives** at the very top (`# syntax=...`, `# escape=...`,
//!   `# check=...`), until the first line that is not one; `escape` may be
//!   `\` (the default) or `` ` `` (Windows files);
//! * **line continuations**: a line ending in the escape character (trailing
//!   spaces and tabs allowed) continues on the next; comment lines and empty
//!   lines inside a continuation are skipped, as Docker skips them;
//! * **heredocs** for `RUN`, `COPY` and `ADD`, in `ONBUILD` too (`<<EOF`,
//!   `<<-EOF`, quoted delimiters `<<"EOF"`, several on one line, read in
//!   order), never in the JSON form;
//! * the **exec (JSON) form** and the **shell form** of `RUN`, `CMD`,
//!   `ENTRYPOINT` and `HEALTHCHECK CMD`; a `[` that is not valid JSON is the
//!   shell form, as in Docker;
//! * **instruction flags** (`--mount=...`, `--from`, `--chown`, `--chmod`,
//!   `--link`, `--platform`, `--network`, any `--name[=value]`);
//! * `FROM [--platform=...] image [AS name]`, `ARG`s before the first `FROM`;
//! * **inline suppressions**: a comment line `# stagecraft ignore=SCR012,SCR003`
//!   or `# hadolint ignore=DL3009` right before an instruction (only comment
//!   lines between them) is attached to it; `# stagecraft stage ignore=...`
//!   and `# hadolint stage ignore=...` right above a `FROM` hold for that
//!   stage ([`Dockerfile::stage_ignores`]); `# stagecraft global ignore=...`
//!   and `# hadolint global ignore=...` anywhere apply to the whole file.
//!
//! It never panics: every problem is a [`ParseError`] with the line it is on,
//! including an empty file (no `FROM`), an unknown instruction, an
//! unterminated heredoc and bytes that are not UTF-8.
//!
//! ```
//! use stagecraft_rules::dockerfile::parse::{Command, Dockerfile, InstructionKind};
//!
//! let df = Dockerfile::parse(
//!     "# syntax=docker/dockerfile:1\n\
//!      FROM debian:bookworm-slim AS build\n\
//!      RUN --mount=type=cache,target=/var/cache/apt \\\n\
//!      \x20   apt-get update\n\
//!      FROM scratch\n\
//!      COPY --from=build /bin/true /true\n\
//!      ENTRYPOINT [\"/true\"]\n",
//! )
//! .unwrap();
//! assert_eq!(df.syntax.as_deref(), Some("docker/dockerfile:1"));
//! assert_eq!(df.stages.len(), 2);
//! assert_eq!(df.stages[0].from.alias.as_deref(), Some("build"));
//! let InstructionKind::Run(run) = &df.stages[0].instructions[0].kind else { panic!() };
//! assert_eq!(run.mounts[0].target.as_deref(), Some("/var/cache/apt"));
//! assert_eq!(df.stages[1].instructions[0].line, 6);
//! let InstructionKind::Entrypoint(Command::Exec(args)) = &df.stages[1].instructions[1].kind
//! else { panic!() };
//! assert_eq!(args, &["/true"]);
//! ```

use std::fmt;

use thiserror::Error;

use crate::word::{unquote, value as word_value};

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// The `# syntax=` directive, if any.
    pub syntax: Option<String>,
    /// The escape character: `\` unless `# escape=` says `` ` ``.
    pub escape: char,
    /// `ARG`s before the first `FROM` (usable in `FROM` lines, and in a stage
    /// that declares the `ARG` again without a value).
    pub global_args: Vec<Instruction>,
    /// The stages, in order; never empty.
    pub stages: Vec<Stage>,
    /// Codes from `# stagecraft global ignore=...` / `# hadolint global ignore=...`.
    pub global_ignores: Vec<String>,
    /// The lines of the inline ignore pragmas (`# hadolint ignore=...`,
    /// `# stagecraft ignore=...`, not the `global` or `stage` ones), for DL1001.
    pub ignore_pragma_lines: Vec<usize>,
    /// What `# hadolint stage ignore=...` / `# stagecraft stage ignore=...`
    /// silence, as hadolint 2.15 keeps it: a key line and the codes silenced
    /// on the lines after it up to the next key, sorted by line. The keys
    /// are the line after each stage pragma (so a pragma right above a
    /// `FROM` holds for that stage) and every `FROM` line that is not one
    /// already (with no codes: a stage without a pragma silences nothing).
    /// Read it with [`Dockerfile::stage_ignores_at`].
    pub stage_ignores: Vec<(usize, Vec<String>)>,
}

impl Dockerfile {
    /// The codes a stage pragma silences on `line`: those of the last key
    /// of [`Dockerfile::stage_ignores`] before it. As in hadolint, the
    /// `FROM` line of the stage itself is not covered (its key is not
    /// before it); an inline `# hadolint ignore=` above the `FROM` is.
    ///
    /// ```
    /// use stagecraft_rules::dockerfile::Dockerfile;
    ///
    /// let text = "FROM debian:12 AS build\nEXPOSE 80000\n# hadolint stage ignore=DL3011\n\
    ///             FROM debian:12\nEXPOSE 80000\nFROM debian:12\nEXPOSE 80000\n";
    /// let df = Dockerfile::parse(text).unwrap();
    /// assert!(df.stage_ignores_at(2).is_empty());
    /// assert_eq!(df.stage_ignores_at(5), ["DL3011"]);
    /// assert!(df.stage_ignores_at(7).is_empty());
    /// ```
    pub fn stage_ignores_at(&self, line: usize) -> &[String] {
        let before = self.stage_ignores.partition_point(|(key, _)| *key < line);
        before
            .checked_sub(1)
            .map_or(&[], |at| self.stage_ignores[at].1.as_slice())
    }

    /// The index of the stage named `name` (case-insensitive, as in Docker).
    ///
    /// ```
    /// let df = stagecraft_rules::dockerfile::Dockerfile::parse("FROM a AS Build\nFROM b\n").unwrap();
    /// assert_eq!(df.stage_index("build"), Some(0));
    /// assert_eq!(df.stage_index("nope"), None);
    /// ```
    pub fn stage_index(&self, name: &str) -> Option<usize> {
        self.stages.iter().position(|stage| {
            stage
                .from
                .alias
                .as_deref()
                .is_some_and(|alias| alias.eq_ignore_ascii_case(name))
        })
    }
}

/// One stage: its `FROM` and the instructions after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// The line of the `FROM`.
    pub line: usize,
    /// The last line of the `FROM` (its continuations included).
    pub end_line: usize,
    /// What the `FROM` says.
    pub from: From,
    /// Suppressions attached to the `FROM` line.
    pub ignores: Vec<String>,
    /// The instructions after the `FROM`, up to the next `FROM`.
    pub instructions: Vec<Instruction>,
}

/// The arguments of `FROM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct From {
    /// The image (or earlier stage name) as written, e.g. `debian:bookworm-slim`.
    pub image: String,
    /// The stage name after `AS`, as written.
    pub alias: Option<String>,
    /// The `--platform` flag.
    pub platform: Option<String>,
}

/// One instruction (other than `FROM`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// The line the instruction starts on.
    pub line: usize,
    /// The last line of the instruction (continuations and heredocs included).
    pub end_line: usize,
    /// The keyword in upper case, e.g. `RUN`.
    pub keyword: &'static str,
    /// The `--name[=value]` flags, in order.
    pub flags: Vec<Flag>,
    /// The parsed arguments.
    pub kind: InstructionKind,
    /// Codes of suppression comments attached to the instruction
    /// (`SCR012`, `DL3009`, ...).
    pub ignores: Vec<String>,
}

impl Instruction {
    /// The value of flag `--name` (`Some("")` for a flag without value).
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|flag| flag.name == name)
            .map(|flag| flag.value.as_deref().unwrap_or(""))
    }

    /// The lines of `source` (the text this instruction was parsed from)
    /// that the instruction spans, its continuations and heredocs included,
    /// without a byte-order mark or the `\r` of CRLF line ends.
    ///
    /// ```
    /// use stagecraft_rules::dockerfile::Dockerfile;
    ///
    /// let text = "FROM debian\r\nRUN true \\\r\n    && false\r\n";
    /// let df = Dockerfile::parse(text).unwrap();
    /// let run = &df.stages[0].instructions[0];
    /// assert_eq!(run.source_lines(text), ["RUN true \\", "    && false"]);
    /// ```
    pub fn source_lines<'a>(&self, source: &'a str) -> Vec<&'a str> {
        let source = source.strip_prefix('\u{feff}').unwrap_or(source);
        source
            .split('\n')
            .map(|line| line.strip_suffix('\r').unwrap_or(line))
            .skip(self.line.saturating_sub(1))
            .take(self.end_line.saturating_sub(self.line).saturating_add(1))
            .collect()
    }
}

/// An instruction flag: `--chown=app:app`, `--link`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// The name without `--`.
    pub name: String,
    /// The value after `=`, quotes removed.
    pub value: Option<String>,
}

/// A command in exec or shell form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// The shell form: the text run by the stage's `SHELL` (continuations
    /// joined, as Docker joins them).
    Shell(String),
    /// The exec (JSON) form.
    Exec(Vec<String>),
}

/// A BuildKit heredoc (`<<EOF` ... `EOF`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter, quotes removed.
    pub name: String,
    /// `<<-`: leading tabs are stripped from the body and the delimiter line.
    pub chomp: bool,
    /// Whether variables expand in the body (the delimiter was not quoted).
    pub expand: bool,
    /// The body, each line ending in `\n`.
    pub content: String,
    /// The line of the first body line.
    pub line: usize,
}

/// A `RUN --mount=...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// `type=`: `bind` (the default), `cache`, `tmpfs`, `secret`, `ssh`.
    pub kind: String,
    /// `target=` (or `dst=`, `destination=`).
    pub target: Option<String>,
    /// Every `key[=value]` of the mount, in order.
    pub options: Vec<(String, Option<String>)>,
}

/// The arguments of a `RUN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// The command.
    pub command: Command,
    /// The `--mount` flags.
    pub mounts: Vec<Mount>,
    /// The `--network` flag.
    pub network: Option<String>,
    /// The heredocs, in order.
    pub heredocs: Vec<Heredoc>,
}

/// The arguments of a `COPY` or `ADD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    /// The sources (a heredoc source is its `<<NAME` word).
    pub sources: Vec<String>,
    /// The destination.
    pub dest: String,
    /// `--from`.
    pub from: Option<String>,
    /// `--chown`.
    pub chown: Option<String>,
    /// `--chmod`.
    pub chmod: Option<String>,
    /// `--link` (and not `--link=false`).
    pub link: bool,
    /// The heredocs, in order.
    pub heredocs: Vec<Heredoc>,
}

/// What an instruction says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstructionKind {
    /// `ARG name[=default] ...`.
    Arg(Vec<(String, Option<String>)>),
    /// `RUN`.
    Run(Run),
    /// `CMD`.
    Cmd(Command),
    /// `ENTRYPOINT`.
    Entrypoint(Command),
    /// `SHELL [...]`.
    Shell(Vec<String>),
    /// `COPY`.
    Copy(Copy),
    /// `ADD`.
    Add(Copy),
    /// `ENV name=value ...` (quotes removed).
    Env(Vec<(String, String)>),
    /// `LABEL key=value ...` (quotes removed).
    Label(Vec<(String, String)>),
    /// `WORKDIR path` (as written).
    Workdir(String),
    /// `USER user[:group]`.
    User(String),
    /// `EXPOSE port ...`.
    Expose(Vec<String>),
    /// `VOLUME path ...`.
    Volume(Vec<String>),
    /// `STOPSIGNAL signal`.
    Stopsignal(String),
    /// `HEALTHCHECK [flags] CMD ...` (`None` for `HEALTHCHECK NONE`).
    Healthcheck(Option<Command>),
    /// `MAINTAINER name` (deprecated).
    Maintainer(String),
    /// `ONBUILD instruction`: run in the builds that use this image as a base.
    Onbuild(Box<Instruction>),
}

/// Why a Dockerfile could not be parsed, and on which line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}: {kind}")]
pub struct ParseError {
    /// The 1-based line.
    pub line: usize,
    /// What is wrong.
    pub kind: ParseErrorKind,
}

/// What is wrong with a Dockerfile that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// No `FROM` at all (an empty file, or only comments and `ARG`s).
    #[error("no FROM instruction: a Dockerfile needs at least one stage (`FROM image`)")]
    NoFrom,
    /// Bytes that are not UTF-8 (a binary file?).
    #[error("the file is not UTF-8 text (a binary file?)")]
    NotUtf8,
    /// A keyword Docker does not know.
    #[error("unknown instruction `{keyword}`")]
    UnknownInstruction {
        /// The word, shortened if long, with control characters escaped.
        keyword: String,
    },
    /// An instruction other than `ARG` before the first `FROM`.
    #[error("`{keyword}` before the first FROM: only ARG may come before FROM")]
    BeforeFrom {
        /// The keyword.
        keyword: &'static str,
    },
    /// An instruction without arguments.
    #[error("`{keyword}` needs arguments")]
    MissingArguments {
        /// The keyword.
        keyword: &'static str,
    },
    /// Arguments of the wrong shape.
    #[error("bad `{keyword}`: {reason}")]
    BadArguments {
        /// The keyword.
        keyword: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A heredoc whose delimiter line never comes.
    #[error("heredoc `<<{delimiter}` is never closed: add a line `{delimiter}`")]
    UnterminatedHeredoc {
        /// The delimiter that was expected.
        delimiter: String,
    },
    /// A parser directive Docker refuses.
    #[error("bad parser directive: {reason}")]
    BadDirective {
        /// What is wrong.
        reason: String,
    },
}

const KEYWORDS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// What a parse that goes on after errors found: the Dockerfile without the
/// instructions that could not be read, and the errors, in line order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// The Dockerfile, without the instructions that could not be read;
    /// `None` when no stage could be read at all (no `FROM`).
    pub dockerfile: Option<Dockerfile>,
    /// Every error, in line order; empty when the file parsed.
    pub errors: Vec<ParseError>,
}

impl Dockerfile {
    /// Parses a Dockerfile.
    ///
    /// ```
    /// use stagecraft_rules::dockerfile::parse::{Dockerfile, ParseErrorKind};
    ///
    /// assert_eq!(Dockerfile::parse("").unwrap_err().kind, ParseErrorKind::NoFrom);
    /// let error = Dockerfile::parse("FROM a\nRUNN make\n").unwrap_err();
    /// assert_eq!(error.line, 2);
    /// assert_eq!(error.to_string(), "line 2: unknown instruction `RUNN`");
    /// ```
    pub fn parse(text: &str) -> Result<Dockerfile, ParseError> {
        let recovered = Dockerfile::parse_recovering(text);
        match (recovered.errors.into_iter().next(), recovered.dockerfile) {
            (Some(error), _) => Err(error),
            (None, Some(dockerfile)) => Ok(dockerfile),
            (None, None) => Err(error(1, ParseErrorKind::NoFrom)),
        }
    }

    /// Parses a Dockerfile's bytes: like [`Dockerfile::parse`], after decoding
    /// them as UTF-8.
    ///
    /// A comment line that is not UTF-8 (a Latin-1 `é` in an author's name) is
    /// read as Latin-1, as Docker and hadolint read it: comments say nothing to
    /// the build. Bytes that are not UTF-8 on any other line are a
    /// [`ParseErrorKind::NotUtf8`] error naming that line (a binary file?).
    ///
    /// ```
    /// use stagecraft_rules::dockerfile::parse::{Dockerfile, ParseErrorKind};
    ///
    /// let error = Dockerfile::parse_bytes(b"FROM a\nRUN \xff\xfe\n").unwrap_err();
    /// assert_eq!((error.line, error.kind), (2, ParseErrorKind::NotUtf8));
    /// let df = Dockerfile::parse_bytes(b"# Ren\xe9\nFROM a\n").unwrap();
    /// assert_eq!(df.stages[0].line, 2);
    /// ```
    pub fn parse_bytes(bytes: &[u8]) -> Result<Dockerfile, ParseError> {
        let recovered = Dockerfile::parse_bytes_recovering(bytes);
        match (recovered.errors.into_iter().next(), recovered.dockerfile) {
            (Some(error), _) => Err(error),
            (None, Some(dockerfile)) => Ok(dockerfile),
            (None, None) => Err(error(1, ParseErrorKind::NoFrom)),
        }
    }

    /// Parses a Dockerfile like [`Dockerfile::parse`], but goes on after an
    /// instruction that cannot be read: the error is kept and the instruction
    /// left out, so the rest of the file can be linted. The first error is the
    /// one [`Dockerfile::parse`] returns.
    ///
    /// ```
    /// use stagecraft_rules::dockerfile::Dockerfile;
    ///
    /// let recovered = Dockerfile::parse_recovering("FROM a\nRUNN make\nRUN pip install x\n");
    /// assert_eq!(recovered.errors[0].to_string(), "line 2: unknown instruction `RUNN`");
    /// let df = recovered.dockerfile.unwrap();
    /// assert_eq!(df.stages[0].instructions[0].line, 3);
    /// ```
    pub fn parse_recovering(text: &str) -> Recovered {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let lines: Vec<&str> = text
            .split('\n')
            .map(|line| line.strip_suffix('\r').unwrap_or(line))
            .collect();
        Parser {
            lines,
            next: 0,
            escape: '\\',
            errors: Vec::new(),
        }
        .run()
    }

    /// Parses a Dockerfile's bytes like [`Dockerfile::parse_bytes`], but goes on after an
    /// instruction that cannot be read: the error is reported and the rest of
    /// the file is read, so the rest can still be linted (see
    /// [`lint_recovering`](crate::dockerfile::lint_recovering)). A line that is
    /// not UTF-8 (and no comment) is an error and read as empty.
    ///
    /// ```
    /// use stagecraft_rules::dockerfile::parse::{Dockerfile, ParseErrorKind};
    ///
    /// let recovered = Dockerfile::parse_bytes_recovering(b"FROM a\nRUNN make\nRUN \xff\nUSER app\n");
    /// let lines: Vec<_> = recovered.errors.iter().map(|e| e.line).collect();
    /// assert_eq!(lines, [2, 3]);
    /// assert_eq!(recovered.errors[1].kind, ParseErrorKind::NotUtf8);
    /// assert_eq!(recovered.dockerfile.unwrap().stages[0].instructions.len(), 1);
    /// ```
    pub fn parse_bytes_recovering(bytes: &[u8]) -> Recovered {
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => return Dockerfile::parse_recovering(text),
            Err(_) => decode_lines(bytes),
        };
        let mut bad_lines = Vec::new();
        let mut text_lines = Vec::new();
        for (index, line) in text.into_iter().enumerate() {
            match line {
                Ok(line) => text_lines.push(line),
                Err(()) => {
                    bad_lines.push(error(index + 1, ParseErrorKind::NotUtf8));
                    text_lines.push(String::new());
                }
            }
        }
        let mut recovered = Dockerfile::parse_recovering(&text_lines.join("\n"));
        // A line that is not text comes before what its absence causes on the
        // same line (a binary file is "not UTF-8", not "no FROM").
        let caused = std::mem::replace(&mut recovered.errors, bad_lines);
        recovered.errors.extend(caused);
        recovered.errors.sort_by_key(|e| e.line);
        recovered
    }
}

/// The lines of `bytes`: UTF-8 lines as they are, comment lines that are
/// not UTF-8 as Latin-1, other lines that are not UTF-8 as `Err`.
fn decode_lines(bytes: &[u8]) -> Vec<Result<String, ()>> {
    bytes
        .split(|&b| b == b'\n')
        .map(|line| match std::str::from_utf8(line) {
            Ok(line) => Ok(line.to_owned()),
            Err(_) if line.trim_ascii_start().starts_with(b"#") => {
                Ok(line.iter().map(|&b| char::from(b)).collect())
            }
            Err(_) => Err(()),
        })
        .collect()
}

struct Parser<'a> {
    lines: Vec<&'a str>,
    /// Index of the next line to read (line number `next + 1`).
    next: usize,
    escape: char,
    /// The errors so far, in line order.
    errors: Vec<ParseError>,
}

fn error(line: usize, kind: ParseErrorKind) -> ParseError {
    ParseError { line, kind }
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

impl Parser<'_> {
    fn run(mut self) -> Recovered {
        let syntax = self.directives();
        let mut global_args = Vec::new();
        let mut stages: Vec<Stage> = Vec::new();
        let mut global_ignores = Vec::new();
        let mut ignore_pragma_lines = Vec::new();
        let mut stage_ignores = StageIgnores::default();
        let mut comments: Vec<String> = Vec::new();
        while self.next < self.lines.len() {
            let index = self.next;
            let line = self.lines[index];
            self.next += 1;
            let trimmed = line.trim_start();
            if trimmed.is_empty() {
                comments.clear();
                continue;
            }
            if let Some(comment) = trimmed.strip_prefix('#') {
                if let Some(Suppression { scope, codes }) = suppression(comment) {
                    match scope {
                        SuppressionScope::Global => global_ignores.extend(codes),
                        SuppressionScope::Stage => stage_ignores.pragma(index + 1, codes),
                        SuppressionScope::Next => {
                            ignore_pragma_lines.push(index + 1);
                            comments.extend(codes);
                        }
                    }
                }
                continue;
            }
            let ignores = std::mem::take(&mut comments);
            let start = index + 1;
            let logical = self.logical_line(trimmed);
            let (word, rest) = split_keyword(&logical);
            let Some(keyword) = keyword_of(word) else {
                self.errors.push(error(
                    start,
                    ParseErrorKind::UnknownInstruction {
                        keyword: printable(word),
                    },
                ));
                continue;
            };
            if keyword == "FROM" {
                let (flags, rest) = split_flags(rest, self.escape);
                let from = match parse_from(&flags, rest) {
                    Ok(from) => from,
                    Err(kind) => {
                        self.errors.push(error(start, kind));
                        continue;
                    }
                };
                stage_ignores.from(start);
                stages.push(Stage {
                    line: start,
                    end_line: self.next.max(start),
                    from,
                    ignores,
                    instructions: Vec::new(),
                });
                continue;
            }
            let mut instruction = match self.instruction(keyword, rest, start) {
                Ok(instruction) => instruction,
                Err(problem) => {
                    self.errors.push(problem);
                    continue;
                }
            };
            instruction.ignores = ignores;
            match stages.last_mut() {
                Some(stage) => stage.instructions.push(instruction),
                None if keyword == "ARG" => global_args.push(instruction),
                None => self
                    .errors
                    .push(error(start, ParseErrorKind::BeforeFrom { keyword })),
            }
        }
        if stages.is_empty() {
            let line = self.last_content_line();
            self.errors.push(error(line, ParseErrorKind::NoFrom));
            return Recovered {
                dockerfile: None,
                errors: self.errors,
            };
        }
        Recovered {
            dockerfile: Some(Dockerfile {
                syntax,
                escape: self.escape,
                global_args,
                stages,
                global_ignores,
                ignore_pragma_lines,
                stage_ignores: stage_ignores.into_keys(),
            }),
            errors: self.errors,
        }
    }

    fn last_content_line(&self) -> usize {
        self.lines
            .iter()
            .rposition(|line| !line.trim().is_empty())
            .map_or(1, |index| index + 1)
    }

    /// Reads the parser directives at the top; returns `syntax`.
    fn directives(&mut self) -> Option<String> {
        let mut syntax = None;
        let mut seen: Vec<String> = Vec::new();
        while let Some(line) = self.lines.get(self.next) {
            let Some((name, value)) = directive(line) else {
                break;
            };
            let line_number = self.next + 1;
            if !matches!(name.as_str(), "syntax" | "escape" | "check") {
                // An unknown directive is a comment, and ends the directives.
                break;
            }
            if seen.contains(&name) {
                self.errors.push(error(
                    line_number,
                    ParseErrorKind::BadDirective {
                        reason: format!("`{name}` is given twice"),
                    },
                ));
                self.next += 1;
                continue;
            }
            seen.push(name.clone());
            match name.as_str() {
                "syntax" => syntax = Some(value),
                "escape" => {
                    self.escape = match value.as_str() {
                        "\\" => '\\',
                        "`" => '`',
                        other => {
                            self.errors.push(error(
                                line_number,
                                ParseErrorKind::BadDirective {
                                    reason: format!(
                                        "escape must be `\\` or `` ` ``, not `{}`",
                                        printable(other)
                                    ),
                                },
                            ));
                            self.escape
                        }
                    }
                }
                _ => {}
            }
            self.next += 1;
        }
        syntax
    }

    /// The first line of an instruction with its continuation lines joined.
    fn logical_line(&mut self, first: &str) -> String {
        let (part, mut continues) = self.trim_continuation(first);
        let mut logical = part.to_owned();
        while continues && self.next < self.lines.len() {
            let line = self.lines[self.next];
            self.next += 1;
            if is_comment(line) || line.trim().is_empty() {
                continue;
            }
            let (part, more) = self.trim_continuation(line);
            logical.push_str(part);
            continues = more;
        }
        logical
    }

    /// `line` without its continuation escape, and whether it had one.
    fn trim_continuation<'l>(&self, line: &'l str) -> (&'l str, bool) {
        let trimmed = line.trim_end_matches([' ', '\t']);
        match trimmed.strip_suffix(self.escape) {
            Some(rest) => (rest, true),
            None => (line, false),
        }
    }

    /// Reads the bodies of `heredocs` from the following lines.
    fn read_heredocs(
        &mut self,
        specs: Vec<(String, bool, bool)>,
        start: usize,
    ) -> Result<Vec<Heredoc>, ParseError> {
        let mut heredocs = Vec::new();
        for (name, chomp, expand) in specs {
            let first = self.next + 1;
            let mut content = String::new();
            let mut terminated = false;
            while self.next < self.lines.len() {
                let line = self.lines[self.next];
                self.next += 1;
                let candidate = if chomp {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                if candidate == name {
                    terminated = true;
                    break;
                }
                content.push_str(line);
                content.push('\n');
            }
            if !terminated {
                return Err(error(
                    start,
                    ParseErrorKind::UnterminatedHeredoc { delimiter: name },
                ));
            }
            heredocs.push(Heredoc {
                name,
                chomp,
                expand,
                content,
                line: first,
            });
        }
        Ok(heredocs)
    }

    fn instruction(
        &mut self,
        keyword: &'static str,
        rest: &str,
        line: usize,
    ) -> Result<Instruction, ParseError> {
        let escape = self.escape;
        let (flags, rest) = split_flags(rest, escape);
        let rest = rest.trim();
        let fail = |reason: String| error(line, ParseErrorKind::BadArguments { keyword, reason });
        if rest.is_empty() {
            return Err(error(line, ParseErrorKind::MissingArguments { keyword }));
        }
        // The JSON form opens no heredoc (BuildKit: `canContainHeredoc`).
        let heredoc_specs =
            if matches!(keyword, "RUN" | "COPY" | "ADD") && parse_json_array(rest).is_none() {
                heredoc_specs(rest, escape)
            } else {
                Vec::new()
            };
        let heredocs = self.read_heredocs(heredoc_specs, line)?;
        let flag = |name: &str| {
            flags
                .iter()
                .rev()
                .find(|f| f.name == name)
                .map(|f| f.value.clone().unwrap_or_default())
        };
        let kind = match keyword {
            "ARG" => InstructionKind::Arg(
                split_words(rest, escape)
                    .into_iter()
                    .map(|word| match word.split_once('=') {
                        Some((name, value)) => (name.to_owned(), Some(word_value(value, escape))),
                        None => (word, None),
                    })
                    .collect(),
            ),
            "RUN" => {
                let mounts = flags
                    .iter()
                    .filter(|f| f.name == "mount")
                    .map(|f| parse_mount(f.value.as_deref().unwrap_or("")))
                    .collect();
                InstructionKind::Run(Run {
                    command: command(rest),
                    mounts,
                    network: flag("network"),
                    heredocs,
                })
            }
            "CMD" => InstructionKind::Cmd(command(rest)),
            "ENTRYPOINT" => InstructionKind::Entrypoint(command(rest)),
            "SHELL" => match parse_json_array(rest) {
                Some(args) if !args.is_empty() => InstructionKind::Shell(args),
                _ => {
                    return Err(fail(
                        "SHELL needs the JSON form, e.g. `SHELL [\"/bin/bash\", \"-o\", \
                         \"pipefail\", \"-c\"]`"
                            .to_owned(),
                    ))
                }
            },
            "COPY" | "ADD" => {
                // Docker word-processes each path, the JSON form's included
                // (`COPY a "/etc/app/"` copies to /etc/app/).
                let json = parse_json_array(rest);
                if json.is_none() {
                    let unclosed = split_words(rest, escape)
                        .last()
                        .and_then(|word| open_quote(word, escape));
                    if let Some(quote) = unclosed {
                        return Err(fail(format!(
                            "a `{quote}` is never closed: close it, or escape it as                              `{escape}{quote}` for a literal one"
                        )));
                    }
                }
                let mut words: Vec<String> = json
                    .unwrap_or_else(|| split_words(rest, escape))
                    .iter()
                    .map(|word| word_value(word, escape))
                    .collect();
                if words.len() < 2 && heredocs.is_empty() {
                    return Err(fail("it needs a source and a destination".to_owned()));
                }
                let dest = words.pop().unwrap_or_default();
                let copy = Copy {
                    sources: words,
                    dest,
                    from: flag("from"),
                    chown: flag("chown"),
                    chmod: flag("chmod"),
                    link: flag("link").is_some_and(|v| v != "false"),
                    heredocs,
                };
                if keyword == "COPY" {
                    InstructionKind::Copy(copy)
                } else {
                    InstructionKind::Add(copy)
                }
            }
            "ENV" | "LABEL" => {
                // `LABEL key value` is legacy, as `ENV key value`: BuildKit reads both.
                let pairs = name_values(rest, escape, true).map_err(fail)?;
                if keyword == "ENV" {
                    InstructionKind::Env(pairs)
                } else {
                    InstructionKind::Label(pairs)
                }
            }
            "WORKDIR" => InstructionKind::Workdir(rest.to_owned()),
            "USER" => InstructionKind::User(rest.to_owned()),
            "EXPOSE" => InstructionKind::Expose(split_words(rest, escape)),
            "VOLUME" => InstructionKind::Volume(
                parse_json_array(rest).unwrap_or_else(|| split_words(rest, escape)),
            ),
            "STOPSIGNAL" => InstructionKind::Stopsignal(rest.to_owned()),
            "MAINTAINER" => InstructionKind::Maintainer(rest.to_owned()),
            "HEALTHCHECK" => {
                let (word, after) = split_keyword(rest);
                if word.eq_ignore_ascii_case("NONE") && after.trim().is_empty() {
                    InstructionKind::Healthcheck(None)
                } else if word.eq_ignore_ascii_case("CMD") && !after.trim().is_empty() {
                    InstructionKind::Healthcheck(Some(command(after.trim())))
                } else {
                    return Err(fail("expected `NONE` or `CMD command`".to_owned()));
                }
            }
            "ONBUILD" => {
                let (word, after) = split_keyword(rest);
                let inner = keyword_of(word).ok_or_else(|| {
                    error(
                        line,
                        ParseErrorKind::UnknownInstruction {
                            keyword: printable(word),
                        },
                    )
                })?;
                if matches!(inner, "ONBUILD" | "FROM" | "MAINTAINER") {
                    return Err(fail(format!("`ONBUILD {inner}` is not allowed")));
                }
                // BuildKit reads the heredocs of `ONBUILD RUN/COPY/ADD` as the
                // inner instruction's (its `heredocCompoundDirectives`), and
                // keeps their bodies in the trigger.
                let inner = self.instruction(inner, after, line)?;
                InstructionKind::Onbuild(Box::new(inner))
            }
            _ => return Err(error(line, ParseErrorKind::MissingArguments { keyword })),
        };
        Ok(Instruction {
            line,
            end_line: self.next.max(line),
            keyword,
            flags,
            kind,
            ignores: Vec::new(),
        })
    }
}

/// A parser directive line: `# name = value` (name lower-cased).
pub(crate) fn directive(line: &str) -> Option<(String, String)> {
    let body = line.trim_start().strip_prefix('#')?;
    let (name, value) = body.split_once('=')?;
    let name = name.trim();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some((name.to_ascii_lowercase(), value.trim().to_owned()))
}

/// Where a suppression comment holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuppressionScope {
    /// `ignore=`: the instruction after it (only comment lines between
    /// them); a blank line in between ends it, as in hadolint, whose pragma
    /// is for the next line only.
    Next,
    /// `stage ignore=`: the rest of the stage the `FROM` below it starts
    /// (hadolint 2.15's stage pragma; see [`Dockerfile::stage_ignores`]).
    Stage,
    /// `global ignore=`: the whole file, wherever it stands.
    Global,
}

/// A suppression comment: where it holds and the codes it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// Where it holds.
    pub scope: SuppressionScope,
    /// The codes, upper-cased (`SCR003`, `DL3009`, `SC2086`).
    pub codes: Vec<String>,
}

/// A suppression comment body (after `#`): `stagecraft ignore=SCR003,SCR012`,
/// `hadolint ignore=DL3009`, `hadolint stage ignore=DL3011`,
/// `hadolint global ignore=DL3006`; what follows the list (`# why`) is a
/// comment.
///
/// ```
/// use stagecraft_rules::dockerfile::parse::{suppression, Suppression, SuppressionScope};
///
/// assert_eq!(
///     suppression(" hadolint ignore=DL3009  # the lists are removed later"),
///     Some(Suppression { scope: SuppressionScope::Next, codes: vec!["DL3009".to_owned()] })
/// );
/// assert_eq!(
///     suppression(" stagecraft global ignore=scr003,SCR012"),
///     Some(Suppression {
///         scope: SuppressionScope::Global,
///         codes: vec!["SCR003".to_owned(), "SCR012".to_owned()],
///     })
/// );
/// assert_eq!(suppression(" hadolint stage ignore=DL3011").unwrap().scope, SuppressionScope::Stage);
/// assert_eq!(suppression(" just a comment"), None);
/// ```
pub fn suppression(comment: &str) -> Option<Suppression> {
    let comment = comment.trim();
    let rest = comment
        .strip_prefix("stagecraft")
        .or_else(|| comment.strip_prefix("hadolint"))?;
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let mut rest = rest.trim_start();
    let mut scope = SuppressionScope::Next;
    for (word, word_scope) in [
        ("global", SuppressionScope::Global),
        ("stage", SuppressionScope::Stage),
    ] {
        if let Some(after) = rest.strip_prefix(word) {
            if after.starts_with([' ', '\t']) {
                rest = after.trim_start();
                scope = word_scope;
                break;
            }
        }
    }
    let list = rest
        .strip_prefix("ignore")?
        .trim_start()
        .strip_prefix('=')?;
    let list = list.trim_start();
    let list = list.split([' ', '\t']).next().unwrap_or("");
    let codes: Vec<String> = list
        .split(',')
        .map(str::trim)
        .filter(|code| !code.is_empty())
        .map(str::to_ascii_uppercase)
        .collect();
    Some(Suppression { scope, codes })
}

/// [`Dockerfile::stage_ignores`] as it is read, line by line: hadolint's
/// map from key lines to codes (a later pragma for the same key replaces
/// the earlier one, as `Map.insert` does).
#[derive(Debug, Clone, Default)]
pub(crate) struct StageIgnores {
    keys: std::collections::BTreeMap<usize, Vec<String>>,
}

impl StageIgnores {
    /// A stage pragma on `line`: its codes from the line after it.
    pub(crate) fn pragma(&mut self, line: usize, codes: Vec<String>) {
        if !codes.is_empty() {
            self.keys.insert(line + 1, codes);
        }
    }

    /// A `FROM` on `line`: a new stage, which silences nothing unless the
    /// pragma right above it said so.
    pub(crate) fn from(&mut self, line: usize) {
        self.keys.entry(line).or_default();
    }

    /// The keys, sorted; none when no stage pragma was read (then every
    /// line looks up nothing).
    pub(crate) fn into_keys(self) -> Vec<(usize, Vec<String>)> {
        if self.keys.values().all(Vec::is_empty) {
            return Vec::new();
        }
        self.keys.into_iter().collect()
    }
}

/// The first word of a logical line and the rest (leading blanks removed).
fn split_keyword(line: &str) -> (&str, &str) {
    let line = line.trim_start();
    match line.find(|c: char| c.is_whitespace()) {
        Some(end) => (&line[..end], line[end..].trim_start()),
        None => (line, ""),
    }
}

fn keyword_of(word: &str) -> Option<&'static str> {
    KEYWORDS
        .iter()
        .copied()
        .find(|keyword| keyword.eq_ignore_ascii_case(word))
}

/// `word` for an error message: at most 40 characters, control characters escaped.
fn printable(word: &str) -> String {
    let mut out = String::new();
    for (count, ch) in word.chars().enumerate() {
        if count == 40 {
            out.push_str("...");
            break;
        }
        if ch.is_control() {
            out.extend(ch.escape_default());
        } else {
            out.push(ch);
        }
    }
    out
}

/// Splits leading `--name[=value]` flags off an instruction's arguments.
fn split_flags(rest: &str, escape: char) -> (Vec<Flag>, &str) {
    let mut flags = Vec::new();
    let mut rest = rest.trim_start();
    while let Some(after) = rest.strip_prefix("--") {
        if !after.starts_with(|c: char| c.is_ascii_alphabetic()) {
            break;
        }
        let end = word_end(rest, escape);
        let word = &rest[2..end];
        let flag = match word.split_once('=') {
            Some((name, value)) => Flag {
                name: name.to_ascii_lowercase(),
                value: Some(unquote(value, escape)),
            },
            None => Flag {
                name: word.to_ascii_lowercase(),
                value: None,
            },
        };
        flags.push(flag);
        rest = rest[end..].trim_start();
    }
    (flags, rest)
}

/// The quote a word leaves open (`ADD \conf\\" /.znc` reads as one word
/// whose `"` is never closed: BuildKit fails on it with "unexpected end of
/// statement while looking for matching double-quote").
fn open_quote(word: &str, escape: char) -> Option<char> {
    let mut quote: Option<char> = None;
    let mut chars = word.chars();
    while let Some(ch) = chars.next() {
        match quote {
            Some(q) if ch == q => quote = None,
            Some('"') if ch == escape => {
                chars.next();
            }
            Some(_) => {}
            None if ch == '"' || ch == '\'' => quote = Some(ch),
            None if ch == escape => {
                chars.next();
            }
            None => {}
        }
    }
    quote
}

/// The end (byte offset) of the word starting at the beginning of `text`,
/// honouring quotes and the escape character.
fn word_end(text: &str, escape: char) -> usize {
    let mut quote: Option<char> = None;
    let mut chars = text.char_indices();
    while let Some((index, ch)) = chars.next() {
        match quote {
            Some(q) if ch == q => quote = None,
            Some('"') if ch == escape => {
                chars.next();
            }
            Some(_) => {}
            None if ch.is_whitespace() => return index,
            None if ch == '"' || ch == '\'' => quote = Some(ch),
            None if ch == escape => {
                chars.next();
            }
            None => {}
        }
    }
    text.len()
}

/// Whitespace-separated words, quotes kept (as Docker keeps them until expansion).
fn split_words(text: &str, escape: char) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let end = word_end(rest, escape);
        words.push(rest[..end].to_owned());
        rest = rest[end..].trim_start();
    }
    words
}

/// `ENV`/`LABEL` arguments: `a=1 b="2 3"`, or the legacy `ENV name value...`.
fn name_values(
    rest: &str,
    escape: char,
    legacy_allowed: bool,
) -> Result<Vec<(String, String)>, String> {
    let words = split_words(rest, escape);
    let first_has_eq = words.first().is_some_and(|w| w.contains('='));
    if !first_has_eq {
        if !legacy_allowed {
            return Err(format!(
                "`{}` has no `=`: write `key=value`",
                printable(words.first().map_or("", String::as_str))
            ));
        }
        let (name, value) = split_keyword(rest);
        if value.is_empty() {
            return Err(format!(
                "`{}` has no value: write `{}=value`",
                printable(name),
                printable(name)
            ));
        }
        return Ok(vec![(name.to_owned(), value.trim_end().to_owned())]);
    }
    words
        .into_iter()
        .map(|word| match word.split_once('=') {
            Some((name, value)) if !name.is_empty() => {
                Ok((unquote(name, escape), word_value(value, escape)))
            }
            _ => Err(format!(
                "`{}` is not of the form `name=value`",
                printable(&word)
            )),
        })
        .collect()
}

/// `FROM [--platform=...] image [AS name]`.
fn parse_from(flags: &[Flag], rest: &str) -> Result<From, ParseErrorKind> {
    let words: Vec<&str> = rest.split_whitespace().collect();
    let bad = |reason: &str| ParseErrorKind::BadArguments {
        keyword: "FROM",
        reason: reason.to_owned(),
    };
    let (image, alias) = match words.as_slice() {
        [] => return Err(ParseErrorKind::MissingArguments { keyword: "FROM" }),
        [image] => (*image, None),
        [image, as_word, alias] if as_word.eq_ignore_ascii_case("as") => (*image, Some(*alias)),
        _ => return Err(bad("expected `FROM image` or `FROM image AS name`")),
    };
    Ok(From {
        image: image.to_owned(),
        alias: alias.map(str::to_owned),
        platform: flags
            .iter()
            .rev()
            .find(|f| f.name == "platform")
            .and_then(|f| f.value.clone()),
    })
}

/// The exec form if `text` is a JSON array of strings, else the shell form.
fn command(text: &str) -> Command {
    match parse_json_array(text) {
        Some(args) => Command::Exec(args),
        None => Command::Shell(text.to_owned()),
    }
}

/// `type=cache,target=/var/cache/apt,sharing=locked`.
pub(crate) fn parse_mount(value: &str) -> Mount {
    let mut mount = Mount {
        kind: "bind".to_owned(),
        target: None,
        options: Vec::new(),
    };
    for field in value.split(',') {
        let field = field.trim();
        if field.is_empty() {
            continue;
        }
        let (key, val) = match field.split_once('=') {
            Some((key, val)) => (key.trim().to_ascii_lowercase(), Some(val.trim().to_owned())),
            None => (field.to_ascii_lowercase(), None),
        };
        let val = val.map(|v| v.trim_matches('"').to_owned());
        match key.as_str() {
            "type" => mount.kind = val.clone().unwrap_or_default().to_ascii_lowercase(),
            "target" | "dst" | "destination" => mount.target = val.clone(),
            _ => {}
        }
        mount.options.push((key, val));
    }
    mount
}

/// The heredocs a `RUN`/`COPY`/`ADD` line opens: `(name, chomp, expand)`.
fn heredoc_specs(rest: &str, escape: char) -> Vec<(String, bool, bool)> {
    if !rest.contains("<<") {
        return Vec::new();
    }
    let mut specs = Vec::new();
    for word in split_words(rest, escape) {
        let after_fd = word.trim_start_matches(|c: char| c.is_ascii_digit());
        let Some(after) = after_fd.strip_prefix("<<") else {
            continue;
        };
        if after.starts_with('<') {
            continue; // a here-string `<<<`
        }
        let (chomp, after) = match after.strip_prefix('-') {
            Some(after) => (true, after),
            None => (false, after),
        };
        let quoted = after.starts_with(['"', '\'']);
        let name = if quoted {
            let q = after.chars().next().unwrap_or('"');
            after[1..].split(q).next().unwrap_or("").to_owned()
        } else {
            let end = after
                .find(['>', '<', '|', '&', ';', '(', ')'])
                .unwrap_or(after.len());
            unquote(&after[..end], escape)
        };
        if !name.is_empty() {
            specs.push((name, chomp, !quoted));
        }
    }
    specs
}

/// A JSON array of strings (`["a", "b"]`), or `None` if `text` is not one.
///
/// ```
/// use stagecraft_rules::dockerfile::parse::parse_json_array;
///
/// assert_eq!(parse_json_array(r#"["a", "b\"c", "\u00e9"]"#).unwrap(), ["a", "b\"c", "é"]);
/// assert_eq!(parse_json_array("[]").unwrap(), Vec::<String>::new());
/// assert!(parse_json_array("[a]").is_none());
/// ```
pub fn parse_json_array(text: &str) -> Option<Vec<String>> {
    let mut chars = text.trim().chars().peekable();
    let skip_ws = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
    };
    if chars.next()? != '[' {
        return None;
    }
    let mut out = Vec::new();
    skip_ws(&mut chars);
    if chars.peek() == Some(&']') {
        chars.next();
        return chars.next().is_none().then_some(out);
    }
    loop {
        skip_ws(&mut chars);
        if chars.next()? != '"' {
            return None;
        }
        let mut value = String::new();
        loop {
            match chars.next()? {
                '"' => break,
                '\\' => match chars.next()? {
                    '"' => value.push('"'),
                    '\\' => value.push('\\'),
                    '/' => value.push('/'),
                    'b' => value.push('\u{8}'),
                    'f' => value.push('\u{c}'),
                    'n' => value.push('\n'),
                    'r' => value.push('\r'),
                    't' => value.push('\t'),
                    'u' => {
                        let mut code = hex4(&mut chars)?;
                        if (0xD800..0xDC00).contains(&code) {
                            if chars.next()? != '\\' || chars.next()? != 'u' {
                                return None;
                            }
                            let low = hex4(&mut chars)?;
                            if !(0xDC00..0xE000).contains(&low) {
                                return None;
                            }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                        }
                        value.push(char::from_u32(code)?);
                    }
                    _ => return None,
                },
                c if (c as u32) < 0x20 => return None,
                c => value.push(c),
            }
        }
        out.push(value);
        skip_ws(&mut chars);
        match chars.next()? {
            ',' => continue,
            ']' => break,
            _ => return None,
        }
    }
    chars.next().is_none().then_some(out)
}

fn hex4(chars: &mut impl Iterator<Item = char>) -> Option<u32> {
    let mut code = 0;
    for _ in 0..4 {
        code = code * 16 + chars.next()?.to_digit(16)?;
    }
    Some(code)
}

impl fmt::Display for Command {
    /// The shell text, or the JSON array of the exec form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Shell(text) => f.write_str(text),
            Command::Exec(args) => {
                f.write_str("[")?;
                for (index, arg) in args.iter().enumerate() {
                    if index > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{arg:?}")?;
                }
                f.write_str("]")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_of(df: &Dockerfile, stage: usize, index: usize) -> &Run {
        match &df.stages[stage].instructions[index].kind {
            InstructionKind::Run(run) => run,
            other => panic!("not a RUN: {other:?}"),
        }
    }

    #[test]
    fn continuations_comments_and_empty_lines() {
        let df = Dockerfile::parse(
            "FROM debian\nRUN apt-get update \\\n# a comment\n\n    && apt-get install -y x \\  \n    && true\nUSER app\n",
        )
        .unwrap();
        let run = run_of(&df, 0, 0);
        assert_eq!(
            run.command,
            Command::Shell("apt-get update     && apt-get install -y x     && true".to_owned())
        );
        assert_eq!(df.stages[0].instructions[0].line, 2);
        assert_eq!(df.stages[0].instructions[0].end_line, 6);
        assert_eq!(df.stages[0].instructions[1].line, 7);
    }

    #[test]
    fn backtick_escape() {
        let df = Dockerfile::parse(
            "# escape=`\nFROM mcr.microsoft.com/windows/servercore\nRUN dir C:\\ `\n  && echo hi\nWORKDIR C:\\app\n",
        )
        .unwrap();
        assert_eq!(df.escape, '`');
        assert_eq!(
            run_of(&df, 0, 0).command,
            Command::Shell("dir C:\\   && echo hi".to_owned())
        );
        assert_eq!(
            df.stages[0].instructions[1].kind,
            InstructionKind::Workdir("C:\\app".to_owned())
        );
    }

    #[test]
    fn directives_stop_at_first_other_line() {
        let df =
            Dockerfile::parse("# syntax = docker/dockerfile:1.7\n#escape=\\\nFROM a\n").unwrap();
        assert_eq!(df.syntax.as_deref(), Some("docker/dockerfile:1.7"));
        // After a comment, `# escape=` is only a comment.
        let df = Dockerfile::parse("# hello\n# escape=`\nFROM a\nRUN a \\\n b\n").unwrap();
        assert_eq!(df.escape, '\\');
        assert_eq!(
            Dockerfile::parse("# escape=x\nFROM a\n").unwrap_err().kind,
            ParseErrorKind::BadDirective {
                reason: "escape must be `\\` or `` ` ``, not `x`".to_owned()
            }
        );
        assert_eq!(
            Dockerfile::parse("# syntax=a\n# syntax=b\nFROM a\n")
                .unwrap_err()
                .line,
            2
        );
    }

    #[test]
    fn heredocs() {
        let df = Dockerfile::parse(
            "FROM a\nRUN <<EOF\napt-get update\nEOF\nRUN cat <<-'A' >/x && cat <<\"B\" >/y\n\tone $X\n\tA\ntwo\nB\nCOPY <<EOF /etc/conf\nk=v\nEOF\nUSER x\n",
        )
        .unwrap();
        let run = run_of(&df, 0, 0);
        assert_eq!(run.heredocs[0].content, "apt-get update\n");
        assert_eq!(run.heredocs[0].line, 3);
        let run = run_of(&df, 0, 1);
        assert_eq!(run.heredocs.len(), 2);
        assert_eq!(run.heredocs[0].name, "A");
        assert!(run.heredocs[0].chomp && !run.heredocs[0].expand);
        assert_eq!(run.heredocs[1].content, "two\n");
        let InstructionKind::Copy(copy) = &df.stages[0].instructions[2].kind else {
            panic!()
        };
        assert_eq!(copy.sources, ["<<EOF"]);
        assert_eq!(copy.dest, "/etc/conf");
        assert_eq!(copy.heredocs[0].content, "k=v\n");
        assert_eq!(df.stages[0].instructions[3].line, 13);
        // A here-string is no heredoc; `<<` inside quotes neither.
        let df = Dockerfile::parse("FROM a\nRUN cat <<<hi && echo '<<EOF'\n").unwrap();
        assert!(run_of(&df, 0, 0).heredocs.is_empty());
    }

    /// `ONBUILD RUN <<EOF` and `ONBUILD COPY <<file` read their bodies as
    /// BuildKit does (moby/buildkit#2209), and the JSON form opens none.
    #[test]
    fn heredocs_of_onbuild_and_none_in_json() {
        let df = Dockerfile::parse(
            "FROM a\nONBUILD RUN <<EOF\necho hi\nEOF\nONBUILD COPY <<hello.txt /srv/\nhello\nhello.txt\nUSER x\n",
        )
        .unwrap();
        let instructions = &df.stages[0].instructions;
        let InstructionKind::Onbuild(inner) = &instructions[0].kind else {
            panic!("{:?}", instructions[0])
        };
        let InstructionKind::Run(run) = &inner.kind else {
            panic!("{inner:?}")
        };
        assert_eq!(run.heredocs[0].content, "echo hi\n");
        assert_eq!(instructions[0].end_line, 4);
        let InstructionKind::Onbuild(inner) = &instructions[1].kind else {
            panic!("{:?}", instructions[1])
        };
        let InstructionKind::Copy(copy) = &inner.kind else {
            panic!("{inner:?}")
        };
        assert_eq!(copy.heredocs[0].name, "hello.txt");
        assert_eq!(copy.heredocs[0].content, "hello\n");
        assert_eq!(instructions[2].line, 8);
        let df = Dockerfile::parse("FROM a\nRUN [\"cat\", \"<<EOF\"]\nUSER x\n").unwrap();
        assert!(run_of(&df, 0, 0).heredocs.is_empty());
        assert_eq!(df.stages[0].instructions[1].line, 3);
    }

    #[test]
    fn unterminated_heredoc() {
        let error = Dockerfile::parse("FROM a\nRUN <<EOF\necho hi\n").unwrap_err();
        assert_eq!(error.line, 2);
        assert_eq!(
            error.kind,
            ParseErrorKind::UnterminatedHeredoc {
                delimiter: "EOF".to_owned()
            }
        );
    }

    #[test]
    fn flags_and_mounts() {
        let df = Dockerfile::parse(
            "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN --mount=type=cache,target=/root/.cache/go-build,sharing=locked --mount=type=secret,id=tok --network=none go build\nCOPY --from=build --chown=app:app --chmod=0755 --link /out/app /app\n",
        )
        .unwrap();
        assert_eq!(
            df.stages[0].from.platform.as_deref(),
            Some("$BUILDPLATFORM")
        );
        let run = run_of(&df, 0, 0);
        assert_eq!(run.mounts.len(), 2);
        assert_eq!(run.mounts[0].kind, "cache");
        assert_eq!(
            run.mounts[0].target.as_deref(),
            Some("/root/.cache/go-build")
        );
        assert_eq!(run.mounts[1].kind, "secret");
        assert_eq!(run.network.as_deref(), Some("none"));
        assert_eq!(run.command, Command::Shell("go build".to_owned()));
        let InstructionKind::Copy(copy) = &df.stages[0].instructions[1].kind else {
            panic!()
        };
        assert_eq!(copy.from.as_deref(), Some("build"));
        assert_eq!(copy.chown.as_deref(), Some("app:app"));
        assert_eq!(copy.chmod.as_deref(), Some("0755"));
        assert!(copy.link);
        assert_eq!(copy.sources, ["/out/app"]);
    }

    #[test]
    fn forms_and_arguments() {
        let df = Dockerfile::parse(
            "ARG BASE=debian\nFROM ${BASE}\nENV A=1 B=\"two words\" C='3'\nENV LEGACY some value\nLABEL a=b\nCMD [\"a\", \"b\"]\nENTRYPOINT exec app\nCMD [not json\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nHEALTHCHECK --interval=5s CMD curl -f localhost\nHEALTHCHECK NONE\nONBUILD RUN make\nEXPOSE 80 443/udp\nVOLUME [\"/data\"]\nSTOPSIGNAL SIGTERM\nMAINTAINER me\nadd a b\n",
        )
        .unwrap();
        assert_eq!(
            df.global_args[0].kind,
            InstructionKind::Arg(vec![("BASE".into(), Some("debian".into()))])
        );
        let kinds: Vec<_> = df.stages[0]
            .instructions
            .iter()
            .map(|i| i.kind.clone())
            .collect();
        assert_eq!(
            kinds[0],
            InstructionKind::Env(vec![
                ("A".into(), "1".into()),
                ("B".into(), "two words".into()),
                ("C".into(), "3".into())
            ])
        );
        assert_eq!(
            kinds[1],
            InstructionKind::Env(vec![("LEGACY".into(), "some value".into())])
        );
        assert_eq!(
            kinds[3],
            InstructionKind::Cmd(Command::Exec(vec!["a".into(), "b".into()]))
        );
        assert_eq!(
            kinds[4],
            InstructionKind::Entrypoint(Command::Shell("exec app".into()))
        );
        assert_eq!(
            kinds[5],
            InstructionKind::Cmd(Command::Shell("[not json".into()))
        );
        assert!(matches!(&kinds[6], InstructionKind::Shell(a) if a.len() == 4));
        assert_eq!(
            kinds[7],
            InstructionKind::Healthcheck(Some(Command::Shell("curl -f localhost".into())))
        );
        assert_eq!(kinds[8], InstructionKind::Healthcheck(None));
        assert!(matches!(&kinds[9], InstructionKind::Onbuild(inner) if inner.keyword == "RUN"));
        assert_eq!(
            kinds[10],
            InstructionKind::Expose(vec!["80".into(), "443/udp".into()])
        );
        assert_eq!(kinds[11], InstructionKind::Volume(vec!["/data".into()]));
        assert_eq!(df.stages[0].instructions[14].keyword, "ADD");
    }

    #[test]
    fn suppressions_attach_to_the_next_instruction() {
        let df = Dockerfile::parse(
            "# hadolint global ignore=DL3006\nFROM a\n# stagecraft ignore=SCR003, SCR012\n# hadolint ignore=DL3009\nRUN x\n# stagecraft ignore=SCR001\n\nRUN y\n",
        )
        .unwrap();
        assert_eq!(df.global_ignores, ["DL3006"]);
        assert_eq!(df.ignore_pragma_lines, [3, 4, 6]);
        assert_eq!(df.stages[0].instructions[0].ignores, ["SCR003", "DL3009"]);
        assert!(df.stages[0].instructions[1].ignores.is_empty());
    }

    /// BuildKit's `escapes` parser test file: `ADD \conf\\" /.znc` is one
    /// word whose `"` is never closed, not a COPY without a destination.
    #[test]
    fn an_unclosed_quote_in_copy_paths_is_said() {
        for (text, quote) in [
            ("FROM a\nADD \\conf\\\\\" /.znc\n", '"'),
            ("FROM a\nCOPY 'a b /dst/\n", '\''),
        ] {
            let error = Dockerfile::parse(text).unwrap_err();
            assert_eq!(error.line, 2, "{text}");
            let message = error.to_string();
            assert!(
                message.contains(&format!("a `{quote}` is never closed")),
                "{text}: {message}"
            );
        }
        // Closed, or escaped: no such error.
        assert!(Dockerfile::parse("FROM a\nCOPY \"a b\" /dst/\n").is_ok());
        assert!(Dockerfile::parse("FROM a\nCOPY a\\\" /dst/\n").is_ok());
    }

    #[test]
    fn errors_have_lines() {
        let cases: &[(&str, usize)] = &[
            ("", 1),
            ("\n\n# only a comment\n", 3),
            ("ARG A\n", 1),
            ("RUN x\nFROM a\n", 1),
            ("FROM a\n\nBOGUS x\n", 3),
            ("FROM a\nRUN\n", 2),
            ("FROM a b c d\n", 1),
            ("FROM a\nSHELL /bin/sh\n", 2),
            ("FROM a\nENV A\n", 2),
            ("FROM a\nLABEL nope\n", 2),
            ("FROM a\nONBUILD FROM b\n", 2),
            ("FROM a\nCOPY onlyone\n", 2),
            ("FROM a\nHEALTHCHECK foo\n", 2),
            ("FROM a\n\u{0}\u{1}\u{2}\n", 2),
        ];
        for (text, line) in cases {
            let error = Dockerfile::parse(text).unwrap_err();
            assert_eq!(error.line, *line, "{text:?}: {error}");
        }
        assert_eq!(
            Dockerfile::parse("FROM a\n\u{0}x y\n")
                .unwrap_err()
                .to_string(),
            "line 2: unknown instruction `\\u{0}x`"
        );
    }

    #[test]
    fn big_and_hostile_inputs_do_not_panic() {
        let long = format!("FROM a\nRUN echo {}\n", "x".repeat(1 << 20));
        assert!(Dockerfile::parse(&long).is_ok());
        let garbage: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert!(Dockerfile::parse_bytes(&garbage).is_err());
        let lossy = String::from_utf8_lossy(&garbage);
        let _ = Dockerfile::parse(&lossy);
        for text in [
            "FROM a\nRUN \\",
            "FROM a\nRUN x \\\n",
            "FROM a\nRUN <<",
            "FROM a\nRUN <<-\n",
            "FROM a\nCOPY --from= a b",
            "FROM a\nRUN --mount= x",
            "FROM a\nCMD [\"\\ud800\"]",
            "FROM a\nENV a=\"unterminated",
            "\u{feff}FROM a\r\nRUN x\r\n",
            "FROM a\nRUN [\"a\",]",
        ] {
            let _ = Dockerfile::parse(text);
        }
    }

    #[test]
    fn json_arrays() {
        assert_eq!(parse_json_array(r#"["\ud83d\ude00"]"#).unwrap(), ["😀"]);
        assert!(parse_json_array(r#"["a" "b"]"#).is_none());
        assert!(parse_json_array(r#"["a"] x"#).is_none());
        assert!(parse_json_array(r#"["a\q"]"#).is_none());
        assert!(parse_json_array("[1]").is_none());
    }

    #[test]
    fn latin1_comments_are_read_other_bad_bytes_are_errors() {
        let df = Dockerfile::parse_bytes(b"# Maintainer: Ren\xe9\nFROM a\n  # caf\xe9\nRUN x\n")
            .unwrap();
        assert_eq!(df.stages[0].instructions[0].line, 4);
        let error = Dockerfile::parse_bytes(b"FROM a\nLABEL x=caf\xe9\n").unwrap_err();
        assert_eq!((error.line, error.kind), (2, ParseErrorKind::NotUtf8));
    }

    #[test]
    fn recovery_reports_every_error_and_keeps_the_rest() {
        let text = "# escape=x\nRUN early\nFROM a\nRUNN x\nCOPY one\nRUN <<EOF\nbody\n";
        let recovered = Dockerfile::parse_recovering(text);
        let errors: Vec<_> = recovered.errors.iter().map(|e| e.line).collect();
        assert_eq!(errors, [1, 2, 4, 5, 6]);
        assert_eq!(recovered.dockerfile.unwrap().stages.len(), 1);
        // The first error is the one Dockerfile::parse() returns.
        assert_eq!(Dockerfile::parse(text).unwrap_err().line, 1);
        // Instructions after an error are kept, in their stage.
        let df = Dockerfile::parse_recovering("FROM a\nONBUILD FROM b\nUSER x\nFROM c\nUSER y\n")
            .dockerfile
            .unwrap();
        let lines: Vec<_> = df.stages.iter().map(|s| s.instructions[0].line).collect();
        assert_eq!(lines, [3, 5]);
        // Without any FROM there is no Dockerfile, and the error says so.
        let recovered = Dockerfile::parse_recovering("# only a comment\n");
        assert!(recovered.dockerfile.is_none());
        assert_eq!(recovered.errors[0].kind, ParseErrorKind::NoFrom);
    }

    /// Random texts over Dockerfile pieces: the recovering parser never
    /// panics (on text or on bytes), and gives a Dockerfile exactly when it
    /// reports no NoFrom error.
    #[test]
    fn recovering_matches_parse_on_random_texts() {
        const PIECES: &[&str] = &[
            "FROM a AS b\n",
            "FROM\n",
            "RUN x \\\n",
            "RUN <<EOF\n",
            "EOF\n",
            "ONBUILD FROM a\n",
            "COPY a\n",
            "RUNN\n",
            "# escape=`\n",
            "# syntax=x\n",
            "ARG A=1\n",
            "ENV A\n",
            "LABEL a=\"b\n",
            "HEALTHCHECK X\n",
            "SHELL sh\n",
            "  \n",
            "# hadolint ignore=DL3009\n",
            "CMD [\"a\"]\n",
            "\u{e9}",
            "\r\n",
        ];
        let mut seed: u64 = 0x5eed;
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..(seed % 9) {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                text.push_str(PIECES[(seed >> 33) as usize % PIECES.len()]);
            }
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            let mut bytes = text.clone().into_bytes();
            bytes.push(0xe9);
            let _ = Dockerfile::parse_bytes_recovering(&bytes);
            let recovered = Dockerfile::parse_recovering(&text);
            match Dockerfile::parse(&text) {
                Ok(df) => {
                    assert!(recovered.errors.is_empty(), "{text:?}");
                    assert_eq!(recovered.dockerfile, Some(df), "{text:?}");
                }
                Err(_) => {
                    let no_from = recovered
                        .errors
                        .iter()
                        .any(|e| e.kind == ParseErrorKind::NoFrom);
                    assert_eq!(recovered.dockerfile.is_none(), no_from, "{text:?}");
                }
            }
        }
    }
}
