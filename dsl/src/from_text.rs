//! From Dockerfile text to the typed model: [`Dockerfile::parse`].
//!
//! The text is read by the same parser as `stagecraft lint`
//! ([`stagecraft_rules::dockerfile::Dockerfile::parse`]) and converted instruction by
//! instruction:
//!
//! * `FROM [--platform=...] base [AS alias]`: an earlier stage's alias
//!   becomes [`Base::Stage`], `scratch` [`Base::Scratch`], an image whose
//!   name contains `distroless` [`Base::ShellLess`] (except the `:debug`
//!   tags, which carry a busybox shell, as the rules read them), any other
//!   image [`Base::Image`];
//! * a `RUN` becomes a [`RunSpec`]: its `--mount`s typed [`Mount`]s (an
//!   unknown type or option, a bad value or secret id is an error with its
//!   line), `--network` and `--security`; then its shell text, exec form or
//!   heredocs; shell text keeps the line continuations as written, so
//!   rendering gives the same lines back; its rules are the file's, judged
//!   with its stage (below), not [`Run::checked`]'s (which sees one `RUN`
//!   alone and holds it to the rules of a stage that ships);
//! * `COPY`/`ADD` with every flag (`--from` an earlier stage, an image
//!   ([`CopyFrom::Image`]); `--chown`, `--chmod`, `--link`, `--parents`,
//!   `--exclude`, `ADD --checksum`/`--keep-git-dir`), `ENV`, `LABEL`, `ARG`
//!   (one model `ARG` per name), `WORKDIR`, `USER`, `EXPOSE` (one model
//!   `EXPOSE` per port; `$PORT` as [`Instruction::ExposeVariable`]),
//!   `ENTRYPOINT`, `CMD`, `HEALTHCHECK` (durations in whole seconds,
//!   `--start-interval` included), `SHELL`, `STOPSIGNAL`, `VOLUME` and
//!   `ONBUILD` map to their [`Instruction`]s;
//! * `FROM $BASE` / `FROM ${BASE:-image}` of a global `ARG` becomes
//!   [`Base::Arg`] (an undeclared `ARG` is an error with its line), and an
//!   image reference with global `ARG`s inside (`python:${VERSION}-slim`,
//!   `${REGISTRY}/app:$TAG`) [`Base::Template`] (each `ARG` declared; with
//!   their defaults, an image reference);
//! * the legacy forms `MAINTAINER`, `ENV key value` and `LABEL key value`
//!   are read into the modern form, which is what renders;
//!   [`Dockerfile::parse_with_notes`] reports each with its line and fix;
//! * **comments are kept** (as [`Instruction::Comment`] where they stand in
//!   a stage, as [`GlobalComment`]s before the first `FROM`, as lines of a
//!   shell-form `RUN`'s [`Script::Shell`] text inside its continuations,
//!   which Docker removes before the shell runs it; inside any other
//!   continuation, a `FROM`'s included, before its instruction), suppression
//!   comments (`# hadolint ignore=...`, `# stagecraft ignore=...`, their
//!   `stage` and `global` forms) included, so that the model's [`Dockerfile::lint`]
//!   silences what the text's lint silenced; and so are the `# syntax=`,
//!   `# escape=` and `# check=` parser directives ([`Directives`]): the
//!   syntax directive selects the frontend, so dropping it would change
//!   what the file means. Blank lines are not kept: rendering is canonical;
//!   but a blank line that ends a pending suppression comment (which then
//!   silences nothing, as in hadolint) is, as the comment's final newline.
//!
//! What the model has no place for yet (`RUN` flags other than `--mount`,
//! `--network` and `--security`, `COPY --from` a stage index, `EXPOSE`
//! ranges, a `FROM` image with another form of variable (`${V:+x}`,
//! `${V%.*}`), ...) is an error with its line ([`ModelProblemKind::NotSupported`]),
//! never silently dropped.
//!
//! **One judge.** Whether the text is accepted is decided once, by
//! [`model_support::judge`](stagecraft_rules::dockerfile::model_support::judge),
//! which the `dockerfile!` and `include_dockerfile!` macros call at compile
//! time too: the errors of the stage-aware rules of `stagecraft lint` (a
//! build-only stage is held to warnings; `ENV PIP_NO_CACHE_DIR=1` counts; a
//! `SHELL` that is not POSIX turns the sh analysis off) and what the model
//! cannot hold. Text that `stagecraft lint` accepts without errors is
//! refused only for a construct the model lacks. Every problem is reported,
//! each with its line ([`ParseErrorKind::Refused`]); nothing here panics.
//! The warnings are [`Dockerfile::lint`]'s.
//!
//! ```
//! use stagecraft::Dockerfile;
//!
//! let text = "FROM debian:bookworm-slim AS build\n\
//!             RUN make\n\
//!             \n\
//!             FROM scratch\n\
//!             COPY --from=build /app /app\n\
//!             ENTRYPOINT [\"/app\"]\n";
//! let dockerfile = Dockerfile::parse(text)?;
//! assert_eq!(dockerfile.stages().len(), 2);
//! assert_eq!(dockerfile.render(), text);
//!
//! let error = Dockerfile::parse("FROM debian\nEXPOSE 8000-8010\n").unwrap_err();
//! assert_eq!(error.errors()[0].line, 2);
//! assert!(error.to_string().contains("expose each port on its own"));
//! assert!(error.to_string().contains("not supported by the model yet (line 2)"));
//! # Ok::<(), stagecraft::from_text::ParseErrors>(())
//! ```

use std::fmt;

use stagecraft_rules::dockerfile::check::{stages, Base as RulesBase, Options};
use stagecraft_rules::dockerfile::model_support::{model_problems, run_text, whole_seconds};
use stagecraft_rules::dockerfile::mount::RunOptions;
use stagecraft_rules::dockerfile::parse::{
    suppression, Command as ParsedCommand, Instruction as ParsedInstruction, InstructionKind,
    ParseErrorKind as SyntaxErrorKind, Run as ParsedRun, SuppressionScope,
};
use stagecraft_rules::dockerfile::{is_shell_less_image, Dockerfile as SyntaxTree};

use crate::error::{ModelError, Part};
use crate::image_ref::{ImageRef, ImageRefError};
use crate::model::{
    Add, Arg, ArgBase, Base, Command, Copy, CopyFrom, Directives, Dockerfile, GlobalComment,
    Healthcheck, Heredoc, HeredocScript, ImageTemplate, Instruction, KeyValue, Mount, MountError,
    Port, PortVariable, Protocol, Run, RunError, RunSpec, Script, Stage,
};
pub use stagecraft_rules::dockerfile::model_support::ModelProblemKind;

/// Why Dockerfile text cannot become the model: every problem, in line
/// order (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseErrors {
    errors: Vec<ParseError>,
}

impl ParseErrors {
    /// The problems, in line order.
    pub fn errors(&self) -> &[ParseError] {
        &self.errors
    }

    /// The problems, in line order.
    pub fn iter(&self) -> std::slice::Iter<'_, ParseError> {
        self.errors.iter()
    }

    /// How many problems (never zero), as [`Errors::len`](crate::Errors::len).
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Never true for a `ParseErrors` returned by this crate; here for
    /// completeness, as [`Errors::is_empty`](crate::Errors::is_empty).
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    fn new(mut errors: Vec<ParseError>) -> ParseErrors {
        errors.sort_by_key(|error| error.line);
        ParseErrors { errors }
    }
}

impl fmt::Display for ParseErrors {
    /// One problem per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.errors.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseErrors {}

impl IntoIterator for ParseErrors {
    type Item = ParseError;
    type IntoIter = std::vec::IntoIter<ParseError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

impl<'a> IntoIterator for &'a ParseErrors {
    type Item = &'a ParseError;
    type IntoIter = std::slice::Iter<'a, ParseError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

/// One problem, with the 1-based line of its instruction (of the `FROM` for
/// a problem with a stage).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The line.
    pub line: usize,
    /// What is wrong.
    pub kind: ParseErrorKind,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ParseErrorKind::Refused(ModelProblemKind::NotSupported { what, fix }) => write!(
                f,
                "{what} is not supported by the model yet (line {}): {fix}",
                self.line
            ),
            kind => write!(f, "line {}: {kind}", self.line),
        }
    }
}

impl std::error::Error for ParseError {}

/// What is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The text is no Dockerfile (unknown instruction, unterminated heredoc, ...).
    Syntax(SyntaxErrorKind),
    /// Refused by the one verdict of
    /// [`model_support::judge`](stagecraft_rules::dockerfile::model_support::judge),
    /// the same the `dockerfile!` macros give at compile time: an error of
    /// the stage-aware rules (what `stagecraft lint` reports), a construct
    /// the model has no place for yet, a value it refuses.
    Refused(ModelProblemKind),
    /// A `RUN` mount, `--network` or `--security` value the model refuses.
    /// The verdict says it first ([`ModelProblemKind::Mount`], the same
    /// grammar): this is the conversion's last line of defence.
    Mount(MountError),
    /// A `RUN`'s exec form or heredoc that the model refuses.
    RunForm(RunError),
    /// A base image reference the model refuses.
    Image(ImageRefError),
    /// A problem found when the model was validated ([`Dockerfile::from_parts`]).
    Model(ModelError),
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseErrorKind::Syntax(kind) => write!(f, "{kind}"),
            ParseErrorKind::Refused(kind) => write!(f, "{kind}"),
            ParseErrorKind::Mount(error) => write!(f, "{error}"),
            ParseErrorKind::RunForm(error) => write!(f, "{error}"),
            ParseErrorKind::Image(error) => write!(f, "{error}"),
            ParseErrorKind::Model(error) => write!(f, "{error}"),
        }
    }
}

impl Dockerfile {
    /// Parses Dockerfile text into the typed model; see the
    /// [module documentation](crate::from_text) for how each instruction
    /// maps, and what is refused.
    ///
    /// ```
    /// use stagecraft::{Base, Dockerfile, Instruction};
    ///
    /// let dockerfile = Dockerfile::parse(
    ///     "FROM gcr.io/distroless/static-debian12\n\
    ///      ## comments are kept\n\
    ///      COPY app /app\n\
    ///      ENTRYPOINT [\"/app\"]\n",
    /// )?;
    /// let stage = &dockerfile.stages()[0];
    /// assert!(matches!(stage.base, Base::ShellLess(_)));
    /// assert!(matches!(stage.instructions[0], Instruction::Comment(_)));
    /// assert!(matches!(stage.instructions[1], Instruction::Copy(_)));
    /// assert_eq!(stage.instructions.len(), 3);
    ///
    /// // Every problem, each with its line.
    /// let errors = Dockerfile::parse(
    ///     "FROM debian\nRUN --device=gpu make\nRUN pip install numpy\nCOPY --from=0 /a /b\n",
    /// )
    /// .unwrap_err();
    /// let lines: Vec<_> = errors.iter().map(|e| e.line).collect();
    /// assert_eq!(lines, [2, 3, 4]);
    /// assert!(errors.to_string().contains("SCR009"));
    /// # Ok::<(), stagecraft::from_text::ParseErrors>(())
    /// ```
    pub fn parse(text: &str) -> Result<Dockerfile, ParseErrors> {
        Dockerfile::parse_with_notes(text).map(|parsed| parsed.dockerfile)
    }

    /// [`parse`](Self::parse), and the legacy forms the text uses
    /// (`MAINTAINER`, `ENV key value`, `LABEL key value`), each with its line
    /// and fix. The model holds them in the modern form, which is what it renders.
    ///
    /// ```
    /// use stagecraft::Dockerfile;
    ///
    /// let parsed = Dockerfile::parse_with_notes(
    ///     "FROM debian:bookworm-slim\nMAINTAINER Jane <jane@example.com>\nENV LANG C.UTF-8\n",
    /// )?;
    /// let lines: Vec<_> = parsed.notes.iter().map(|note| note.line).collect();
    /// assert_eq!(lines, [2, 3]);
    /// assert!(parsed.notes[0].to_string().contains("LABEL org.opencontainers.image.authors"));
    /// assert_eq!(
    ///     parsed.dockerfile.render(),
    ///     "FROM debian:bookworm-slim\n\
    ///      LABEL org.opencontainers.image.authors=\"Jane <jane@example.com>\"\n\
    ///      ENV LANG=C.UTF-8\n"
    /// );
    /// # Ok::<(), stagecraft::from_text::ParseErrors>(())
    /// ```
    pub fn parse_with_notes(text: &str) -> Result<Parsed, ParseErrors> {
        let parsed = syntax_tree(text)?;
        let problems = model_problems(text, &parsed);
        // Something the model cannot hold: converting would only say it again.
        let unheld = problems
            .iter()
            .any(|problem| !matches!(problem.kind, ModelProblemKind::Rule(_)));
        let mut errors: Vec<ParseError> = problems
            .into_iter()
            .map(|problem| ParseError {
                line: problem.line,
                kind: ParseErrorKind::Refused(problem.kind),
            })
            .collect();
        if !unheld {
            let mut converter = Converter {
                text,
                escape: parsed.escape,
                errors: Vec::new(),
                notes: Vec::new(),
                aliases: Vec::new(),
                judged: false,
            };
            match converter.run(&parsed) {
                Ok(dockerfile) if errors.is_empty() => {
                    let mut notes = converter.notes;
                    notes.sort_by_key(|note| note.line);
                    return Ok(Parsed { dockerfile, notes });
                }
                Ok(_) => {}
                // Besides the rules' errors, the values only the conversion
                // reads (a mount's options, a RUN's form): every problem at
                // once. The structure and the images were judged already.
                Err(converted) => {
                    let judged = !errors.is_empty();
                    errors.extend(converted.into_iter().filter(|error| {
                        !judged
                            || matches!(
                                error.kind,
                                ParseErrorKind::Mount(_) | ParseErrorKind::RunForm(_)
                            )
                    }));
                }
            }
        }
        // Sorted by line, stably: on one line, the verdict's problems first.
        Err(ParseErrors::new(errors))
    }

    /// The model of `text` that `dockerfile!`/`include_dockerfile!` parsed
    /// and judged at compile time (the very verdict of [`Dockerfile::parse`]):
    /// the text is read into the syntax tree and converted, and nothing is
    /// checked again (no rules, no model limits, no
    /// [`Dockerfile::from_parts`] validation, no `RUN` form checks).
    ///
    /// `Err` only when the conversion itself cannot go on (it would have
    /// refused the text at compile time); `tests/from_text.rs` holds it
    /// equal to [`Dockerfile::parse`] on every file the macros accept.
    pub(crate) fn from_checked_text(text: &str) -> Result<Dockerfile, ParseErrors> {
        let parsed = syntax_tree(text)?;
        Converter {
            text,
            escape: parsed.escape,
            errors: Vec::new(),
            notes: Vec::new(),
            aliases: Vec::new(),
            judged: true,
        }
        .run(&parsed)
    }
}

/// `text` as the rules' syntax tree, its one syntax error as [`ParseErrors`].
fn syntax_tree(text: &str) -> Result<SyntaxTree, ParseErrors> {
    SyntaxTree::parse(text).map_err(|error| {
        ParseErrors::new(vec![ParseError {
            line: error.line,
            kind: ParseErrorKind::Syntax(error.kind),
        }])
    })
}

/// What [`Dockerfile::parse_with_notes`] gives: the model, and the legacy
/// forms it was written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The model (in the modern forms).
    pub dockerfile: Dockerfile,
    /// The legacy forms, in line order.
    pub notes: Vec<LegacyNote>,
}

/// A legacy form BuildKit still reads (with a warning), and its modern form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyNote {
    /// The 1-based line.
    pub line: usize,
    /// What it is, e.g. ``"`MAINTAINER` (deprecated)"``.
    pub what: &'static str,
    /// The modern form, which the model renders.
    pub fix: &'static str,
}

impl fmt::Display for LegacyNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: {} is legacy: {}",
            self.line, self.what, self.fix
        )
    }
}

/// The parser directives at the top of `text`, as BuildKit reads them:
/// `# name=value` lines before anything else; the number of lines they take.
fn directives(text: &str) -> (Directives, usize) {
    let mut directives = Directives::default();
    let mut count = 0;
    for line in source_lines(text) {
        let Some(body) = line.trim_start().strip_prefix('#') else {
            break;
        };
        let Some((name, value)) = body.split_once('=') else {
            break;
        };
        let value = value.trim().to_string();
        match name.trim().to_ascii_lowercase().as_str() {
            "syntax" => directives.syntax = Some(value),
            "escape" => directives.escape_backtick = value == "`",
            "check" => directives.check = Some(value),
            _ => break,
        }
        count += 1;
    }
    (directives, count)
}

/// The lines of `text`, without a BOM and carriage returns.
fn source_lines(text: &str) -> impl Iterator<Item = &str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // A final newline ends the last line and starts none: it is no blank
    // line (one after a pending suppression would be kept as one, and the
    // file without its final newline would read back as another model; the
    // model_roundtrip fuzz target found it).
    let text = text.strip_suffix('\n').unwrap_or(text);
    text.split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
}

/// Every comment line outside an instruction (and after the directives):
/// its 1-based line and text without the `#` and one space. The comment
/// right before a blank line that ends a pending suppression (one that the
/// parser attached to nothing) ends in a newline, so that the model renders
/// that blank line too ([`Instruction::Comment`]): without it the pragma
/// would silence the next instruction in the model and not in the text.
///
/// A comment line inside the continuation of an instruction other than a
/// shell-form `RUN` (whose [`Script::Shell`] keeps it in place) is put
/// before that instruction, and before the comment lines right before it
/// (whose suppressions stay the instruction's): Docker removes it, so it
/// says nothing where it stands. A suppression comment among them is for
/// no instruction, as in the continuation: a blank line follows the moved
/// comments then (the last one ends in a newline).
fn comments(
    text: &str,
    escape: char,
    parsed: &stagecraft_rules::dockerfile::Dockerfile,
) -> Vec<(usize, String)> {
    let (_, directive_lines) = directives(text);
    // Each instruction's lines, the last one of its continuation (before
    // any heredoc body), and the line after which its model keeps the
    // comment lines in place (a shell-form `RUN`'s, after its flags).
    let mut covered: Vec<(usize, usize, usize, usize)> = parsed
        .global_args
        .iter()
        .chain(parsed.stages.iter().flat_map(|stage| &stage.instructions))
        .map(|instruction| {
            let (heredoc, kept_after) = match &instruction.kind {
                InstructionKind::Run(run) => (
                    run.heredocs.first().map(|heredoc| heredoc.line),
                    if matches!(run.command, ParsedCommand::Shell(_)) && run.heredocs.is_empty() {
                        comments_kept_after(text, escape, instruction)
                    } else {
                        None
                    },
                ),
                InstructionKind::Copy(copy) | InstructionKind::Add(copy) => {
                    (copy.heredocs.first().map(|heredoc| heredoc.line), None)
                }
                _ => (None, None),
            };
            let continuation_end = heredoc.map_or(instruction.end_line, |line| line - 1);
            let kept_after = kept_after.unwrap_or(usize::MAX);
            (
                instruction.line,
                instruction.end_line,
                continuation_end,
                kept_after,
            )
        })
        .collect();
    covered.extend(
        parsed
            .stages
            .iter()
            .map(|stage| (stage.line, stage.end_line, stage.end_line, usize::MAX)),
    );
    let mut comments: Vec<(usize, String)> = Vec::new();
    // Whether an inline suppression waits for its instruction.
    let mut pending = false;
    // Where the comment lines right before the current line start (their
    // index in `comments`), if there are any.
    let mut block: Option<usize> = None;
    // Where the comments moved out of the current instruction go: before
    // the comment lines right before it (which keep their suppressions);
    // how many there are so far; whether one is a suppression.
    let mut moved: Option<(usize, usize, usize, bool)> = None;
    for (index, line) in source_lines(text).enumerate().skip(directive_lines) {
        let number = index + 1;
        if let Some(&(start, end, continuation_end, kept_after)) = covered
            .iter()
            .find(|&&(start, end, _, _)| start <= number && number <= end)
        {
            pending = false;
            if number == start {
                let at = block.unwrap_or(comments.len());
                let key = comments.get(at).map_or(start, |(line, _)| *line);
                moved = Some((at, key, 0, false));
            }
            block = None;
            let inside = start < number && number <= continuation_end && number <= kept_after;
            if let (Some(body), Some((at, key, count, suppresses))) = (
                line.trim_start().strip_prefix('#').filter(|_| inside),
                moved.as_mut(),
            ) {
                *suppresses |= suppression(body).is_some();
                let body = body.trim_end();
                let text = body.strip_prefix(' ').unwrap_or(body).to_string();
                comments.insert(*at + *count, (*key, text));
                *count += 1;
            }
            if number == end {
                // A suppression moved out is for no instruction, as it
                // was in the continuation: a blank line after the moved
                // comments ends it.
                if let Some((at, _, count, true)) = moved.take() {
                    comments[at + count - 1].1.push('\n');
                }
            }
            continue;
        }
        if line.trim().is_empty() {
            if pending {
                if let Some((_, last)) = comments.last_mut() {
                    last.push('\n');
                }
            }
            pending = false;
            block = None;
            continue;
        }
        let Some(body) = line.trim_start().strip_prefix('#') else {
            continue;
        };
        // A blank line after an inline or a stage pragma ends it (its key
        // is the blank line): the model must keep that blank line.
        if suppression(body).is_some_and(|found| found.scope != SuppressionScope::Global) {
            pending = true;
        }
        let body = body.trim_end();
        block.get_or_insert(comments.len());
        comments.push((number, body.strip_prefix(' ').unwrap_or(body).to_string()));
    }
    comments
}

/// Whether the instruction's first argument has no `=`: the legacy
/// `ENV key value` / `LABEL key value` form.
fn legacy_pairs(text: &str, instruction: &ParsedInstruction) -> bool {
    let Some(line) = source_lines(text).nth(instruction.line.saturating_sub(1)) else {
        return false;
    };
    let line = line.trim_start();
    let rest = line.get(instruction.keyword.len()..).unwrap_or("");
    let first = rest.split_whitespace().next().unwrap_or("");
    line.len() > instruction.keyword.len()
        && line[..instruction.keyword.len()].eq_ignore_ascii_case(instruction.keyword)
        && !first.contains('=')
}

/// The conversion proper. `model_problems` has already refused what the
/// model cannot hold; the checks here are the last line of defence and
/// report rather than panic.
struct Converter<'a> {
    text: &'a str,
    escape: char,
    errors: Vec<ParseError>,
    notes: Vec<LegacyNote>,
    /// The aliases of the stages converted so far (for `COPY --from`).
    aliases: Vec<String>,
    /// The text was judged at compile time by the macros: build the model
    /// without checking it again ([`Dockerfile::from_checked_text`]).
    judged: bool,
}

impl Converter<'_> {
    fn error(&mut self, line: usize, kind: ParseErrorKind) {
        self.errors.push(ParseError { line, kind });
    }

    /// A parsed `RUN` as the model's [`Run`]: its flags become a
    /// [`RunSpec`], its command the script, checked as `Run::checked` does.
    // The error is pushed on the converter's list right away, never carried
    // up a call chain: its size costs nothing here.
    #[allow(clippy::result_large_err)]
    fn run_of(
        &self,
        instruction: &ParsedInstruction,
        run: &ParsedRun,
    ) -> Result<Run, ParseErrorKind> {
        // The flags the model holds, read with the one grammar
        // (`stagecraft_rules::dockerfile::mount`) that `judge` read them with.
        if let Some(other) = instruction
            .flags
            .iter()
            .find(|flag| !matches!(flag.name.as_str(), "mount" | "network" | "security"))
        {
            return Err(ParseErrorKind::Refused(ModelProblemKind::NotSupported {
                what: format!("`RUN --{}`", other.name),
                fix: "RUN takes --mount, --network and --security: remove the flag",
            }));
        }
        let options = RunOptions::read(&instruction.flags, &run.mounts).map_err(|errors| {
            let first = errors.into_iter().next().expect("an Err holds a problem");
            ParseErrorKind::Mount(first)
        })?;
        let mut spec = RunSpec::new();
        for mount in options.mounts {
            spec = spec.mount(self.mount_source(Mount::from(mount)));
        }
        if let Some(network) = options.network {
            spec = spec.network(network);
        }
        if let Some(security) = options.security {
            spec = spec.security(security);
        }
        // The rules were judged with the stage by the file's one verdict:
        // only the form of the script and its mounts are checked again.
        let script = match (&run.command, run.heredocs.is_empty()) {
            (ParsedCommand::Exec(args), _) => Script::Exec(args.clone()),
            (ParsedCommand::Shell(command), false) => {
                let heredocs = run.heredocs.iter().map(heredoc_of).collect();
                Script::Heredoc(HeredocScript::new(command.trim(), heredocs))
            }
            (ParsedCommand::Shell(joined), true) => Script::Shell(
                run_body(self.text, self.escape, instruction)
                    .map(|body| with_comment_lines(self.text, self.escape, instruction, body))
                    .unwrap_or_else(|| joined.clone()),
            ),
        };
        if self.judged {
            return Ok(spec.checked_by_macro(script));
        }
        spec.judged_by_file(script).map_err(|error| match error {
            RunError::Refused(violations) => {
                ParseErrorKind::Refused(ModelProblemKind::RunRefused(violations))
            }
            other => ParseErrorKind::RunForm(other),
        })
    }

    fn not_supported(&mut self, line: usize, what: impl Into<String>) {
        self.error(
            line,
            ParseErrorKind::Refused(ModelProblemKind::NotSupported {
                what: what.into(),
                fix: "see stagecraft_rules::dockerfile::model_support",
            }),
        );
    }

    fn note(&mut self, line: usize, what: &'static str, fix: &'static str) {
        self.notes.push(LegacyNote { line, what, fix });
    }

    fn run(
        &mut self,
        parsed: &stagecraft_rules::dockerfile::Dockerfile,
    ) -> Result<Dockerfile, ParseErrors> {
        let comments = comments(self.text, self.escape, parsed);
        let mut args = Vec::new();
        let first_arg_line = parsed.global_args.first().map_or(1, |arg| arg.line);
        for instruction in &parsed.global_args {
            if let InstructionKind::Arg(pairs) = &instruction.kind {
                args.extend(pairs.iter().map(|(name, default)| Arg {
                    name: name.clone(),
                    default: default.clone(),
                }));
            }
        }
        let first_from = parsed.stages.first().map_or(usize::MAX, |stage| stage.line);
        // A comment moved out of a `FROM`'s continuation has the `FROM`'s
        // line, and goes before it: among the comments before the first
        // `FROM`, or at the end of the stage before.
        let global_comments: Vec<GlobalComment> = comments
            .iter()
            .filter(|(line, _)| *line <= first_from)
            .map(|(line, text)| GlobalComment {
                before_arg: parsed
                    .global_args
                    .iter()
                    .filter(|arg| arg.line < *line)
                    .map(|arg| match &arg.kind {
                        InstructionKind::Arg(pairs) => pairs.len(),
                        _ => 0,
                    })
                    .sum(),
                text: text.clone(),
            })
            .collect();
        let infos = stages(parsed, &Options::default());
        let mut model_stages = Vec::with_capacity(parsed.stages.len());
        // For each stage: the line of its FROM and of each model instruction.
        let mut lines: Vec<(usize, Vec<usize>)> = Vec::with_capacity(parsed.stages.len());
        for (index, (stage, info)) in parsed.stages.iter().zip(&infos).enumerate() {
            let next_from = parsed.stages.get(index + 1).map_or(usize::MAX, |s| s.line);
            let arg_base = match &info.base {
                RulesBase::Image(image) => ArgBase::parse(image),
                _ => None,
            };
            let base = match &info.base {
                _ if arg_base.is_some() => Base::Arg(arg_base.clone().expect("checked")),
                RulesBase::Stage(_) => Base::Stage(stage.from.image.clone()),
                RulesBase::Scratch => Base::Scratch,
                RulesBase::Image(image) => match ImageRef::parse(image) {
                    Err(_) if ImageTemplate::parse(image).is_some() => {
                        Base::Template(ImageTemplate::parse(image).expect("checked"))
                    }
                    Ok(reference) if is_shell_less_image(image) => Base::ShellLess(reference),
                    Ok(reference) => Base::Image(reference),
                    Err(error) => {
                        self.error(stage.line, ParseErrorKind::Image(error));
                        Base::Scratch
                    }
                },
            };
            // Comments, suppressions included, are kept where they stand,
            // so that the model's lint silences what the text's lint silenced.
            // A comment moved out of a continuation has its instruction's
            // line and comes first (the sort is stable).
            let mut numbered: Vec<(usize, Instruction)> = comments
                .iter()
                .filter(|(line, _)| stage.line < *line && *line <= next_from)
                .map(|(line, text)| (*line, Instruction::Comment(text.clone())))
                .collect();
            for instruction in &stage.instructions {
                for converted in self.instruction(instruction) {
                    numbered.push((instruction.line, converted));
                }
            }
            numbered.sort_by_key(|(line, _)| *line);
            let (instruction_lines, instructions): (Vec<usize>, Vec<Instruction>) =
                numbered.into_iter().unzip();
            if let Some(alias) = &stage.from.alias {
                self.aliases.push(alias.clone());
            }
            model_stages.push(Stage {
                alias: stage.from.alias.clone(),
                base,
                platform: stage.from.platform.clone(),
                instructions,
            });
            lines.push((stage.line, instruction_lines));
        }
        if !self.errors.is_empty() {
            return Err(ParseErrors::new(std::mem::take(&mut self.errors)));
        }
        let (directives, _) = directives(self.text);
        let whole = |errors: crate::Errors| {
            ParseErrors::new(
                errors
                    .iter()
                    .map(|error| ParseError {
                        line: 1,
                        kind: ParseErrorKind::Model(error.clone()),
                    })
                    .collect(),
            )
        };
        let dockerfile = if self.judged {
            Dockerfile::from_checked_parts(args, model_stages)
        } else {
            Dockerfile::from_parts(args, model_stages).map_err(|errors| {
                ParseErrors::new(
                    errors
                        .iter()
                        .map(|error| {
                            let location = &error.location;
                            let line = match location.stage.and_then(|index| lines.get(index)) {
                                None => first_arg_line,
                                Some((from_line, instruction_lines)) => match location.part {
                                    Part::Instruction(position, _) => instruction_lines
                                        .get(position)
                                        .copied()
                                        .unwrap_or(*from_line),
                                    Part::From | Part::Whole => *from_line,
                                },
                            };
                            ParseError {
                                line,
                                kind: ParseErrorKind::Model(error.clone()),
                            }
                        })
                        .collect(),
                )
            })?
        };
        dockerfile
            .with_directives(directives)
            .and_then(|dockerfile| dockerfile.with_comments(global_comments))
            .map_err(whole)
    }

    /// The model instructions of one parsed instruction (`ARG a b` and
    /// `EXPOSE 80 443` give several; an error gives none).
    fn instruction(&mut self, instruction: &ParsedInstruction) -> Vec<Instruction> {
        let line = instruction.line;
        let flag = |name: &str| instruction.flag(name).map(str::to_owned);
        let seconds = |name: &str| instruction.flag(name).and_then(whole_seconds);
        match &instruction.kind {
            InstructionKind::Run(run) => match self.run_of(instruction, run) {
                Ok(run) => vec![Instruction::Run(run)],
                Err(kind) => {
                    self.error(line, kind);
                    Vec::new()
                }
            },
            InstructionKind::Copy(copy) => {
                let from = match &copy.from {
                    None => None,
                    Some(from) => match self.copy_from(line, from) {
                        Some(from) => Some(from),
                        None => return Vec::new(),
                    },
                };
                vec![Instruction::Copy(Copy {
                    from,
                    sources: path_sources(copy),
                    destination: copy.dest.clone(),
                    chown: copy.chown.clone(),
                    chmod: copy.chmod.clone(),
                    link: copy.link,
                    parents: instruction.flags.iter().any(|f| f.name == "parents"),
                    exclude: excludes(instruction),
                    heredocs: copy.heredocs.iter().map(heredoc_of).collect(),
                })]
            }
            InstructionKind::Add(add) => {
                if add.from.is_some() {
                    self.not_supported(line, "this `ADD`");
                    return Vec::new();
                }
                vec![Instruction::Add(Add {
                    sources: path_sources(add),
                    destination: add.dest.clone(),
                    chown: add.chown.clone(),
                    chmod: add.chmod.clone(),
                    link: add.link,
                    exclude: excludes(instruction),
                    checksum: flag("checksum"),
                    keep_git_dir: instruction
                        .flags
                        .iter()
                        .any(|f| f.name == "keep-git-dir" && f.value.as_deref() != Some("false")),
                    heredocs: add.heredocs.iter().map(heredoc_of).collect(),
                })]
            }
            InstructionKind::Env(pairs) => {
                if legacy_pairs(self.text, instruction) {
                    self.note(line, "`ENV key value`", "write `ENV key=value`");
                }
                vec![Instruction::Env(key_values(pairs))]
            }
            InstructionKind::Label(pairs) => {
                if legacy_pairs(self.text, instruction) {
                    self.note(line, "`LABEL key value`", "write `LABEL key=\"value\"`");
                }
                vec![Instruction::Label(key_values(pairs))]
            }
            InstructionKind::Arg(pairs) => pairs
                .iter()
                .map(|(name, default)| {
                    Instruction::Arg(Arg {
                        name: name.clone(),
                        default: default.clone(),
                    })
                })
                .collect(),
            // Docker reads both as one word (quotes, escapes): the model holds
            // what reaches the image (see `model::word`).
            InstructionKind::Workdir(path) => vec![Instruction::Workdir(
                stagecraft_rules::word::value(path, self.escape),
            )],
            InstructionKind::User(user) => vec![Instruction::User(stagecraft_rules::word::value(
                user,
                self.escape,
            ))],
            InstructionKind::Expose(ports) => {
                let mut out = Vec::with_capacity(ports.len());
                for port in ports {
                    match (parse_port(port), parse_port_variable(port)) {
                        (Some(port), _) => out.push(Instruction::Expose(port)),
                        (None, Some(port)) => out.push(Instruction::ExposeVariable(port)),
                        (None, None) => self.not_supported(line, format!("`EXPOSE {port}`")),
                    }
                }
                out
            }
            InstructionKind::Entrypoint(command) => vec![Instruction::Entrypoint(convert(command))],
            InstructionKind::Cmd(command) => vec![Instruction::Cmd(convert(command))],
            InstructionKind::Healthcheck(None) => vec![Instruction::Healthcheck(Healthcheck::None)],
            InstructionKind::Healthcheck(Some(command)) => {
                vec![Instruction::Healthcheck(Healthcheck::Check {
                    command: convert(command),
                    interval_secs: seconds("interval"),
                    timeout_secs: seconds("timeout"),
                    start_period_secs: seconds("start-period"),
                    start_interval_secs: seconds("start-interval"),
                    retries: flag("retries").and_then(|r| r.parse().ok()),
                })]
            }
            InstructionKind::Shell(words) => vec![Instruction::Shell(words.clone())],
            InstructionKind::Stopsignal(signal) => vec![Instruction::StopSignal(signal.clone())],
            InstructionKind::Volume(paths) => vec![Instruction::Volume(paths.clone())],
            InstructionKind::Maintainer(name) => {
                self.note(
                    line,
                    "`MAINTAINER` (deprecated)",
                    "write `LABEL org.opencontainers.image.authors=\"...\"`",
                );
                vec![Instruction::Label(vec![KeyValue::new(
                    "org.opencontainers.image.authors",
                    name.trim(),
                )])]
            }
            InstructionKind::Onbuild(inner) => {
                let mut converted = self.instruction(inner);
                match (converted.pop(), converted.is_empty()) {
                    (Some(one), true) => vec![Instruction::Onbuild(Box::new(one))],
                    (None, _) => Vec::new(),
                    (Some(_), false) => {
                        self.not_supported(line, "an `ONBUILD` of several model instructions");
                        Vec::new()
                    }
                }
            }
        }
    }

    /// A mount whose `from=` is a bare name of no earlier stage takes its
    /// files from the image of that name, as BuildKit pulls it.
    fn mount_source(&self, mut mount: Mount) -> Mount {
        let from = match &mut mount {
            Mount::Cache(m) => &mut m.from,
            Mount::Bind(m) => &mut m.from,
            _ => return mount,
        };
        if let Some(CopyFrom::Stage(name)) = from {
            if !self.aliases.iter().any(|a| a.eq_ignore_ascii_case(name)) {
                if let Ok(image) = ImageRef::parse(name) {
                    *from = Some(CopyFrom::Image { image });
                }
            }
        }
        mount
    }

    /// `--from=name`: an earlier stage (as written), else an image.
    fn copy_from(&mut self, line: usize, from: &str) -> Option<CopyFrom> {
        if self.aliases.iter().any(|a| a.eq_ignore_ascii_case(from)) {
            return Some(CopyFrom::Stage(from.to_string()));
        }
        if !from.is_empty() && from.bytes().all(|b| b.is_ascii_digit()) {
            self.error(
                line,
                ParseErrorKind::Refused(ModelProblemKind::NotSupported {
                    what: format!("`COPY --from={from}` (a stage index)"),
                    fix: "name the stage (`FROM ... AS build`) and copy `--from=build`",
                }),
            );
            return None;
        }
        match ImageRef::parse(from) {
            Ok(image) => Some(CopyFrom::Image { image }),
            Err(error) => {
                self.error(line, ParseErrorKind::Image(error));
                None
            }
        }
    }
}

/// A heredoc as the model holds it (of a `RUN`, or a `COPY` source).
fn heredoc_of(heredoc: &stagecraft_rules::dockerfile::parse::Heredoc) -> Heredoc {
    Heredoc {
        delimiter: heredoc.name.clone(),
        strip_tabs: heredoc.chomp,
        literal: !heredoc.expand,
        body: heredoc.content.clone(),
    }
}

/// The paths among a `COPY`'s or `ADD`'s sources: without the `<<name`
/// words of its heredocs (the judge holds those words to the heredocs read).
fn path_sources(copy: &stagecraft_rules::dockerfile::parse::Copy) -> Vec<String> {
    let heredoc_word = |word: &&String| {
        !copy.heredocs.is_empty()
            && word
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .starts_with("<<")
    };
    copy.sources
        .iter()
        .filter(|word| !heredoc_word(word))
        .cloned()
        .collect()
}

/// Every `--exclude=pattern`, in order.
fn excludes(instruction: &ParsedInstruction) -> Vec<String> {
    instruction
        .flags
        .iter()
        .filter(|flag| flag.name == "exclude")
        .filter_map(|flag| flag.value.clone())
        .collect()
}

/// `$PORT`, `${PORT}`, `${PORT}/udp`.
fn parse_port_variable(port: &str) -> Option<PortVariable> {
    let (variable, protocol) = match port.split_once('/') {
        Some((variable, protocol)) if protocol.eq_ignore_ascii_case("tcp") => {
            (variable, Some(Protocol::Tcp))
        }
        Some((variable, protocol)) if protocol.eq_ignore_ascii_case("udp") => {
            (variable, Some(Protocol::Udp))
        }
        Some(_) => return None,
        None => (port, None),
    };
    let name = variable
        .strip_prefix("${")
        .and_then(|v| v.strip_suffix('}'))
        .or_else(|| variable.strip_prefix('$'))?;
    stagecraft_rules::names::variable_name(name).then(|| PortVariable {
        name: name.to_string(),
        protocol,
    })
}

fn key_values(pairs: &[(String, String)]) -> Vec<KeyValue> {
    pairs
        .iter()
        .map(|(key, value)| KeyValue::new(key.clone(), value.clone()))
        .collect()
}

fn convert(command: &ParsedCommand) -> Command {
    match command {
        ParsedCommand::Shell(text) => Command::Shell(text.clone()),
        ParsedCommand::Exec(words) => Command::Exec(words.clone()),
    }
}

/// `80`, `80/tcp`, `53/udp`.
fn parse_port(port: &str) -> Option<Port> {
    let (number, protocol) = match port.split_once('/') {
        Some((number, protocol)) if protocol.eq_ignore_ascii_case("tcp") => (number, Protocol::Tcp),
        Some((number, protocol)) if protocol.eq_ignore_ascii_case("udp") => (number, Protocol::Udp),
        Some(_) => return None,
        None => (port, Protocol::Tcp),
    };
    if !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(Port {
        number: number.parse().ok()?,
        protocol,
    })
}

/// The shell text of a `RUN` after its flags, with its line continuations
/// as written (see [`run_text`]); `None` when the flags cannot be cut off
/// the source lines word by word (a quoted flag value).
fn run_body(source: &str, escape: char, instruction: &ParsedInstruction) -> Option<String> {
    if instruction.flags.is_empty() {
        return run_text(source, escape, instruction);
    }
    if escape != '\\' {
        return None;
    }
    let lines = instruction.source_lines(source);
    let first = lines.first()?.trim_start();
    let mut rest = first
        .get(3..)
        .filter(|_| first[..3].eq_ignore_ascii_case("RUN"))?;
    let mut next = 1;
    let mut flags = instruction.flags.len();
    loop {
        rest = rest.trim_start();
        if flags == 0 {
            break;
        }
        if rest.is_empty() || rest.trim_end() == "\\" {
            // The flags go on after a continuation: skip blank and comment lines.
            loop {
                let line = lines.get(next)?;
                next += 1;
                if !line.trim().is_empty() && !line.trim_start().starts_with('#') {
                    rest = line;
                    break;
                }
            }
            continue;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        if !word.starts_with("--") || word.contains(['"', '\'', '\\']) {
            return None;
        }
        rest = &rest[end..];
        flags -= 1;
    }
    // The command starts after a continuation: on the next line that counts.
    while rest.is_empty() || rest.trim_end() == "\\" {
        let line = lines.get(next)?;
        next += 1;
        if !line.trim().is_empty() && !line.trim_start().starts_with('#') {
            rest = line.trim_start();
        }
    }
    let mut synthetic = format!("RUN {rest}");
    for line in &lines[next..] {
        synthetic.push('\n');
        synthetic.push_str(line);
    }
    let mut stripped = instruction.clone();
    stripped.flags.clear();
    stripped.line = 1;
    stripped.end_line = 1 + lines.len() - next;
    run_text(&synthetic, escape, &stripped)
}

/// `body`, a shell-form `RUN`'s text without the comment lines (as
/// [`run_body`] gives it), with the comment lines inside its continuations
/// put back where they stand in the source: Docker removes them before the
/// shell runs the command, the model keeps them and renders them in place
/// (trailing blanks trimmed). Comment lines among the flags before the
/// command go before the `RUN` ([`comments`]): the command's text starts
/// after the flags.
/// Of an instruction's source `lines`, the index of the line its shell text
/// `body` starts on (after the flags): the text's lines are the last lines
/// that are neither empty nor comments.
fn command_start(lines: &[&str], body: &str) -> Option<usize> {
    let is_comment = |line: &str| line.trim_start().starts_with('#');
    let code: Vec<usize> = (0..lines.len())
        .filter(|&index| {
            let line = lines[index];
            !line.trim().is_empty() && (index == 0 || !is_comment(line))
        })
        .collect();
    let skip = code.len().checked_sub(body.split('\n').count())?;
    code.get(skip).copied()
}

/// The line after which a shell-form `RUN`'s comment lines are kept in its
/// [`Script::Shell`] text ([`with_comment_lines`]): its command's first
/// line. `None` when none are (a backtick escape, text the model holds
/// joined).
fn comments_kept_after(
    source: &str,
    escape: char,
    instruction: &ParsedInstruction,
) -> Option<usize> {
    if escape != '\\' {
        return None;
    }
    let body = run_body(source, escape, instruction)?;
    let lines = instruction.source_lines(source);
    command_start(&lines, &body).map(|index| instruction.line + index)
}

fn with_comment_lines(
    source: &str,
    escape: char,
    instruction: &ParsedInstruction,
    body: String,
) -> String {
    if escape != '\\' {
        return body;
    }
    let lines = instruction.source_lines(source);
    let is_comment = |line: &str| line.trim_start().starts_with('#');
    if !lines.iter().skip(1).any(|line| is_comment(line)) {
        return body;
    }
    let body_lines: Vec<&str> = body.split('\n').collect();
    let Some(first) = command_start(&lines, &body) else {
        return body;
    };
    let mut kept = vec![body_lines[0].to_owned()];
    let mut next = 1;
    for line in &lines[first + 1..] {
        // Comment lines after the command's last line: only a continuation
        // the end of the file cuts off has them, and Docker runs nothing of
        // them; kept, they would end the RUN's text.
        if next >= body_lines.len() {
            break;
        }
        if line.trim().is_empty() {
            continue;
        }
        if is_comment(line) {
            kept.push(line.trim_end().to_owned());
        } else if let Some(part) = body_lines.get(next) {
            kept.push((*part).to_owned());
            next += 1;
        }
    }
    kept.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_instruction_maps() {
        let text = "ARG VERSION=1 OTHER\n\
                    FROM --platform=linux/amd64 debian:bookworm-slim AS build\n\
                    WORKDIR /src\n\
                    COPY --chown=app:app --chmod=0644 a.c b.c ./\n\
                    ADD --chown=app https://example.com/x.tar.gz /opt/\n\
                    ENV A=1 B=\"two words\"\n\
                    LABEL org.opencontainers.image.title=demo\n\
                    ARG IN_STAGE\n\
                    USER app:app\n\
                    EXPOSE 80 53/udp\n\
                    SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n\
                    RUN make \\\n && make install\n\
                    HEALTHCHECK --interval=1m --timeout=5s --retries=3 CMD curl -f localhost\n\
                    STOPSIGNAL SIGINT\n\
                    CMD make run\n\
                    FROM build\n\
                    HEALTHCHECK NONE\n\
                    ENTRYPOINT [\"/bin/app\"]\n";
        let df = Dockerfile::parse(text).unwrap();
        assert_eq!(df.args().len(), 2);
        let build = &df.stages()[0];
        assert_eq!(build.platform.as_deref(), Some("linux/amd64"));
        let keywords: Vec<_> = build.instructions.iter().map(|i| i.keyword()).collect();
        assert_eq!(
            keywords,
            [
                "WORKDIR",
                "COPY",
                "ADD",
                "ENV",
                "LABEL",
                "ARG",
                "USER",
                "EXPOSE",
                "EXPOSE",
                "SHELL",
                "RUN",
                "HEALTHCHECK",
                "STOPSIGNAL",
                "CMD"
            ]
        );
        assert_eq!(
            build.instructions[11],
            Instruction::Healthcheck(Healthcheck::Check {
                command: Command::Shell("curl -f localhost".into()),
                interval_secs: Some(60),
                timeout_secs: Some(5),
                start_period_secs: None,
                start_interval_secs: None,
                retries: Some(3),
            })
        );
        assert_eq!(
            build.instructions[8],
            Instruction::Expose(Port {
                number: 53,
                protocol: Protocol::Udp
            })
        );
        assert_eq!(df.stages()[1].base, Base::Stage("build".into()));
        assert!(df.render().contains("RUN make \\\n && make install\n"));
    }

    #[test]
    fn problems_come_with_lines_and_all_at_once() {
        let errors =
            Dockerfile::parse("FROM a\nHEALTHCHECK --interval=500ms CMD [\"/t\"]\nRUN --device=gpu make\nEXPOSE 1-2\n")
                .unwrap_err();
        let lines: Vec<_> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3, 4]);
        // `RUN --device` is an error of the rules (SCR034, a build breaker)
        // before the model would refuse it: said once, by the rule.
        assert!(
            errors.iter().all(|e| match &e.kind {
                ParseErrorKind::Refused(ModelProblemKind::NotSupported { .. }) => true,
                ParseErrorKind::Refused(ModelProblemKind::Rule(finding)) => {
                    finding.rule.id == "SCR034"
                }
                _ => false,
            }),
            "{errors}"
        );
        let error = Dockerfile::parse("FROM a\nBOGUS x\n").unwrap_err();
        assert_eq!(error.to_string(), "line 2: unknown instruction `BOGUS`");
        // What the model's validation would refuse is found first, with its line.
        let error = Dockerfile::parse("FROM a AS x\nFROM b AS X\nRUN make\n").unwrap_err();
        assert_eq!(error.errors()[0].line, 2);
        // The rule that says it (SCR025), once: the model's own word for it
        // (an invalid stage alias) is left out.
        assert!(matches!(
            &error.errors()[0].kind,
            ParseErrorKind::Refused(ModelProblemKind::Rule(finding)) if finding.rule.id == "SCR025"
        ));
        assert_eq!(error.len(), 1, "{error}");
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        for text in [
            "",
            "\u{feff}FROM a\r\nRUN make\r\n",
            "FROM a\nRUN \\",
            "FROM a\nRUN <<EOF\n",
            "FROM a\nCOPY --from= a b",
            "FROM a\nHEALTHCHECK --interval=99999999999999999999h CMD x",
            "FROM a\nEXPOSE 99999",
            "FROM a\nCMD [\"\\u0000\"]",
            "FROM $X\n",
            "FROM a AS scratch\n",
            "FROM a\nUSER\t\n",
        ] {
            let _ = Dockerfile::parse(text);
        }
    }
}
