//! What the typed model of the `stagecraft` crate can hold, decided on a
//! parsed Dockerfile.
//!
//! `stagecraft::Dockerfile::parse` turns Dockerfile text into the typed
//! model, and the `dockerfile!`/`include_dockerfile!` macros promise at
//! compile time that this conversion will succeed. The macros cannot call the
//! model (the library depends on the macros, not the other way round), so
//! both sides call [`model_problems`] here: one list of what the model has no
//! place for, and of the values it refuses.
//!
//! A problem is one of:
//!
//! * [`ModelProblemKind::NotSupported`]: a construct the model cannot
//!   represent yet (`RUN` flags other than `--mount`, `--network` and
//!   `--security`, `COPY --from` a stage index, `EXPOSE` ranges,
//!   `HEALTHCHECK` durations that are not whole seconds, a `FROM` image
//!   with a variable form other than `$V`, `${V}` or `${V:-text}` (those
//!   the model holds: [`base_arg`], [`base_template`]), ...). Converting it
//!   would drop or change something, so it is refused instead.
//! * [`ModelProblemKind::Rule`]: an error of the stage-aware rules, the
//!   very findings of `stagecraft lint`: the model refuses exactly what the
//!   linter refuses. A build-only stage is held to warnings, an
//!   `ENV PIP_NO_CACHE_DIR=1` counts, a cleanup in a later `RUN` does not.
//! * [`ModelProblemKind::RunRefused`]: a shell-form `RUN` whose text the
//!   model cannot hold (it cannot follow `RUN `, or, under a POSIX `SHELL`,
//!   it is not shell the analysis can read). Under another `SHELL`
//!   (PowerShell, cmd) the text is not parsed as sh.
//! * [`ModelProblemKind::Mount`]: a `RUN`'s `--mount`, `--network` or
//!   `--security` value the one grammar ([`mount`](crate::dockerfile::mount),
//!   which the model builds its typed mounts with) refuses: an unknown type or
//!   option, a bad value (`sharing=bogus`), a secret id that is no name.
//! * [`ModelProblemKind::Invalid`]: a value the model's validation refuses
//!   (an alias or `ARG` name outside Docker's grammar, a bad image reference,
//!   a relative `COPY` destination before any `WORKDIR`, ...). The
//!   structural ones (stage names, `COPY --from`, destinations, shell uses)
//!   come from the one [`check_structure`],
//!   which the model's validation runs too, over the parsed text's
//!   [`StructureView`]; the value checks
//!   mirror `stagecraft`'s `model/validate.rs` and `ImageRef::parse`, and a
//!   test in the workspace (`tests/from_text.rs`) holds the two together.
//!
//! [`judge`] is the one verdict, for `Dockerfile::parse` and the macros
//! alike: the rules' errors and the model's problems, each said once (a
//! model problem a rule's error says on the same line, e.g. a `RUN` in a
//! shell-less stage and SCR022, is left out; [`ModelProblem::covered_by`]
//! names the rule). A `# stagecraft ignore=` comment silences a rule here as
//! it does in `stagecraft lint`; it cannot silence what the model cannot
//! hold.
//!
//! The compile-time `run!` and `Run::checked` stay strict: they see one
//! `RUN` without its stage, its `ENV` or its `SHELL`, so they hold it to the
//! rules of a stage that ships and a POSIX shell (a command they accept is
//! accepted in every stage). The whole-file checks see the stage, and judge
//! with it.
//!
//! Comments and the `# syntax=`/`# escape=`/`# check=` parser directives are
//! kept by the conversion, and are no problem.
//!
//! ```
//! use stagecraft_rules::dockerfile::model_support::{model_problems, ModelProblemKind};
//! use stagecraft_rules::dockerfile::Dockerfile;
//!
//! let text = "FROM debian:bookworm-slim\nEXPOSE 8000-8010\n\
//!             HEALTHCHECK --interval=500ms CMD [\"/bin/true\"]\n";
//! let problems = model_problems(text, &Dockerfile::parse(text).unwrap());
//! let lines: Vec<_> = problems.iter().map(|p| p.line).collect();
//! assert_eq!(lines, [2, 3]);
//! assert!(matches!(problems[0].kind, ModelProblemKind::NotSupported { .. }));
//! assert_eq!(
//!     problems[0].to_string(),
//!     "`EXPOSE 8000-8010` (only a port number with /tcp or /udp) is not supported by the \
//!      model yet (line 2): expose each port on its own, e.g. `EXPOSE 8080` or `EXPOSE 53/udp`"
//! );
//! ```

use std::fmt;

use crate::accept::Rejection;
use crate::catalogue::{Severity, SCR021, SCR022, SCR023, SCR024, SCR025, SCR028};
use crate::dockerfile::check::{
    check_dockerfile, default_shell, is_shell_less_image, posix_shell, stages, Base as StageBase,
    DockerfileFinding, Options, StageInfo,
};
use crate::dockerfile::mount::{MountError, MountOptions, RunOptions};
use crate::dockerfile::parse::{Command, Copy, Dockerfile, Instruction, InstructionKind};
use crate::dockerfile::structure::{
    check_structure, BaseView, ImageView, Item, ItemView, ProblemKind, ShellUse, StageView,
    StructureProblem, StructureView,
};
use crate::image_ref::ImageRef;
use crate::names;
use crate::text::check_run_text;
use crate::values::{self, ValueProblem};

/// One thing the typed model cannot hold, with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelProblem {
    /// The 1-based line of the instruction (of the `FROM` for a stage).
    pub line: usize,
    /// What it is.
    pub kind: ModelProblemKind,
    /// The rule of [`check_dockerfile`] whose
    /// error on the same line says the same thing (e.g. `SCR022` for a `RUN`
    /// in a shell-less stage), so that a caller that reports both can show
    /// it once. `None` when no rule covers it.
    pub covered_by: Option<&'static str>,
}

/// What the model cannot hold.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModelProblemKind {
    /// A construct the model has no place for yet.
    NotSupported {
        /// What it is, e.g. ``"`VOLUME`"`` or ``"an exec-form `RUN`"``.
        what: String,
        /// How to write it so that the model can hold it.
        fix: &'static str,
    },
    /// A shell-form `RUN` whose text cannot be held: it cannot be placed
    /// after `RUN ` ([`Rejection::Text`]), or, under a POSIX `SHELL`, its
    /// shell syntax cannot be analysed ([`Rejection::Shell`]). Its rules are
    /// judged with its stage, as [`ModelProblemKind::Rule`]s.
    RunRefused(Rejection),
    /// An error of the stage-aware rules
    /// ([`check_dockerfile`], what `stagecraft
    /// lint` reports): the model refuses what the linter refuses.
    Rule(DockerfileFinding),
    /// A `RUN`'s `--mount` (its type, an option, a value, a secret id),
    /// `--network` or `--security` value that BuildKit's grammar refuses
    /// ([`mount`](crate::dockerfile::mount)): one problem per flag.
    Mount(MountError),
    /// A value refused in its slot by the one set of value checks
    /// ([`values`]) that the model's validation runs too.
    Value(ValueProblem),
    /// A value the model refuses.
    Invalid {
        /// Which value, e.g. `"USER"` or `"stage alias"`.
        what: &'static str,
        /// The value as written.
        value: String,
        /// What a valid value looks like.
        rule: String,
    },
}

impl fmt::Display for ModelProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelProblemKind::NotSupported { what, fix } => {
                write!(f, "{what} is not supported by the model yet: {fix}")
            }
            ModelProblemKind::RunRefused(rejection) => {
                write!(f, "the model cannot hold this RUN: {rejection}")
            }
            ModelProblemKind::Rule(finding) => {
                write!(f, "{}: {}", rule_label(finding.rule), finding.message)
            }
            ModelProblemKind::Mount(error) => write!(f, "{error}"),
            ModelProblemKind::Value(problem) => write!(f, "{problem}"),
            ModelProblemKind::Invalid { what, value, rule } => {
                write!(f, "invalid {what} {value:?}: {rule}")
            }
        }
    }
}

impl fmt::Display for ModelProblem {
    /// `... is not supported by the model yet (line N): fix`, or `line N: ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ModelProblemKind::NotSupported { what, fix } => write!(
                f,
                "{what} is not supported by the model yet (line {}): {fix}",
                self.line
            ),
            kind => write!(f, "line {}: {kind}", self.line),
        }
    }
}

impl std::error::Error for ModelProblem {}

/// The text a shell-form `RUN` holds in the model: the source lines of the
/// instruction as written (line continuations kept, so the model renders it
/// the way it was written), without the keyword, without the comment and
/// empty lines Docker skips inside a continuation, and without the blanks
/// after a continuation backslash.
///
/// A continuation backslash that the end of the file cuts off is dropped,
/// as Docker drops it.
///
/// With `# escape=`` ` (a continuation the model cannot render) it is the
/// joined command the parser read. `None` for anything but a shell-form
/// `RUN` without flags and heredocs.
///
/// ```
/// use stagecraft_rules::dockerfile::model_support::run_text;
/// use stagecraft_rules::dockerfile::Dockerfile;
///
/// let text = "FROM a\nRUN make \\  \n# a comment\n && make install\n";
/// let df = Dockerfile::parse(text).unwrap();
/// let run = &df.stages[0].instructions[0];
/// assert_eq!(
///     run_text(text, df.escape, run).as_deref(),
///     Some("make \\\n && make install")
/// );
/// ```
pub fn run_text(source: &str, escape: char, instruction: &Instruction) -> Option<String> {
    let InstructionKind::Run(run) = &instruction.kind else {
        return None;
    };
    let Command::Shell(joined) = &run.command else {
        return None;
    };
    if !instruction.flags.is_empty() || !run.heredocs.is_empty() {
        return None;
    }
    if escape != '\\' {
        return Some(joined.clone());
    }
    let lines = instruction.source_lines(source);
    let Some((first, rest)) = lines.split_first() else {
        return Some(joined.clone());
    };
    let first = first.trim_start();
    let after_keyword = match first.get(..3) {
        Some(keyword) if keyword.eq_ignore_ascii_case("RUN") => &first[3..],
        _ => return Some(joined.clone()),
    };
    let mut parts = vec![after_keyword.trim_start()];
    parts.extend(
        rest.iter()
            .copied()
            .filter(|line| !line.trim().is_empty() && !line.trim_start().starts_with('#')),
    );
    let parts: Vec<&str> = parts
        .into_iter()
        .map(|line| {
            let trimmed = line.trim_end_matches([' ', '\t']);
            if trimmed.ends_with('\\') {
                trimmed
            } else {
                line
            }
        })
        .collect();
    let mut text = parts.join("\n");
    // A continuation the end of the file cuts off (`RUN make \` as the last
    // line) continues into nothing: Docker drops it, and so does the model.
    if let Some(cut) = text.strip_suffix('\\') {
        text = cut.trim_end().to_owned();
    }
    Some(text)
}

/// The one verdict on a parsed Dockerfile: what `Dockerfile::parse`,
/// `dockerfile!` and `include_dockerfile!` refuse, and the warnings they
/// pass on. See [`judge`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Verdict {
    /// Every reason to refuse the text, in line order: the errors of the
    /// stage-aware rules ([`ModelProblemKind::Rule`]) and what the model
    /// cannot hold, each said once.
    pub problems: Vec<ModelProblem>,
    /// The findings of severity warning (and info), in line order.
    pub warnings: Vec<DockerfileFinding>,
}

/// Judges `df` (parsed from `source`) once, for every caller: the
/// stage-aware rules of [`check_dockerfile`]
/// (the very findings of `stagecraft lint`), plus what the typed model
/// cannot hold. A model problem that a rule's error on the same line
/// already says ([`ModelProblem::covered_by`]) is left out.
///
/// ```
/// use stagecraft_rules::dockerfile::model_support::{judge, ModelProblemKind};
/// use stagecraft_rules::dockerfile::Dockerfile;
///
/// // A build-only stage is held to warnings, as `stagecraft lint` holds it.
/// let text = "FROM debian:bookworm-slim AS build\n\
///             RUN apt-get update && apt-get install -y --no-install-recommends gcc=4:12.2.0-3\n\
///             FROM scratch\n\
///             COPY --from=build /usr/bin/gcc /gcc\n";
/// let verdict = judge(text, &Dockerfile::parse(text).unwrap());
/// assert!(verdict.problems.is_empty());
/// assert_eq!(verdict.warnings[0].rule.id, "SCR003");
///
/// // The same RUN in the stage that ships is refused, once, by its rule.
/// let text = "FROM debian:bookworm-slim\n\
///             RUN apt-get update && apt-get install -y --no-install-recommends gcc=4:12.2.0-3\n";
/// let verdict = judge(text, &Dockerfile::parse(text).unwrap());
/// assert_eq!(verdict.problems.len(), 1);
/// let ModelProblemKind::Rule(finding) = &verdict.problems[0].kind else { panic!() };
/// assert_eq!((verdict.problems[0].line, finding.rule.id), (2, "SCR003"));
/// ```
pub fn judge(source: &str, df: &Dockerfile) -> Verdict {
    let (errors, warnings): (Vec<_>, Vec<_>) = check_dockerfile(df, &Options::default())
        .into_iter()
        .partition(|finding| finding.severity == Severity::Error);
    let said = |line: usize, id: &str| {
        errors
            .iter()
            .any(|seen| seen.line == line && seen.rule.id == id)
    };
    let held: Vec<ModelProblem> = model_limits(source, df)
        .into_iter()
        .filter(|problem| !problem.covered_by.is_some_and(|id| said(problem.line, id)))
        .collect();
    let mut problems: Vec<ModelProblem> = errors
        .iter()
        .map(|finding| ModelProblem {
            line: finding.line,
            kind: ModelProblemKind::Rule(finding.clone()),
            covered_by: None,
        })
        .collect();
    problems.extend(held);
    // Stable: on one line, the rules' errors first, then the model's.
    problems.sort_by_key(|problem| problem.line);
    Verdict { problems, warnings }
}

/// Every reason to refuse `df` (parsed from `source`): [`judge`]'s
/// problems. See the [module documentation](self).
///
/// ```
/// use stagecraft_rules::dockerfile::model_support::model_problems;
/// use stagecraft_rules::dockerfile::Dockerfile;
///
/// let text = "FROM debian:bookworm-slim AS build\n\
///             RUN make\n\
///             FROM scratch\n\
///             COPY --from=build /app /app\n\
///             ENTRYPOINT [\"/app\"]\n";
/// assert!(model_problems(text, &Dockerfile::parse(text).unwrap()).is_empty());
/// ```
pub fn model_problems(source: &str, df: &Dockerfile) -> Vec<ModelProblem> {
    judge(source, df).problems
}

/// What the model cannot hold (no rules), in line order.
fn model_limits(source: &str, df: &Dockerfile) -> Vec<ModelProblem> {
    let mut problems = comment_problems(source);
    for instruction in &df.global_args {
        check_instruction(instruction, df.escape, &mut problems);
    }
    let infos = stages(df, &Options::default());
    // Each stage's `SHELL` at its end, for the stages built FROM it.
    let mut final_shells: Vec<Vec<String>> = Vec::with_capacity(df.stages.len());
    for (index, (stage, info)) in df.stages.iter().zip(&infos).enumerate() {
        let push = |problems: &mut Vec<ModelProblem>, kind| {
            problems.push(ModelProblem {
                line: stage.line,
                kind,
                covered_by: None,
            })
        };
        if let Some(platform) = &stage.from.platform {
            if !names::platform(platform) {
                push(
                    &mut problems,
                    invalid(
                        "platform",
                        platform,
                        "a platform is os/arch[/variant] in lowercase, e.g. \"linux/amd64\", \
                     or a build arg like \"$BUILDPLATFORM\"",
                    ),
                );
            }
        }
        if let StageBase::Image(image) = &info.base {
            // A base given by a global ARG, or an image reference with
            // global ARGs inside, is held; the structure says whether the
            // ARGs are declared.
            if let Some(parts) = base_template(image) {
                let args = global_arg_defaults(df);
                if let Some(default) = template_default(&parts, &args) {
                    if let Err(error) = ImageRef::parse(&default) {
                        push(
                            &mut problems,
                            invalid("FROM image", &default, &template_default_rule(&error)),
                        );
                    }
                }
            } else if ImageRef::parse(image).is_err() && base_arg(image).is_none() {
                let error = ImageRef::parse(image).expect_err("checked");
                push(
                    &mut problems,
                    if image.contains('$') {
                        not_supported(
                            format!("a FROM with this form of build variable (`{image}`)"),
                            "write the variables as `$NAME`, `${NAME}` or `${NAME:-text}` \
                             between the characters of an image reference, e.g. \
                             `FROM python:${VERSION}-slim`, or write the image itself",
                        )
                    } else {
                        invalid("image reference", image, &error.to_string())
                    },
                );
            }
        }
        let mut shell = match info.base {
            StageBase::Stage(parent) => final_shells[parent].clone(),
            StageBase::Image(ref image) => default_shell(image),
            StageBase::Scratch => Vec::new(),
        };
        for instruction in &stage.instructions {
            if let InstructionKind::Shell(words) = &instruction.kind {
                shell = words.clone();
            }
            check_instruction(instruction, df.escape, &mut problems);
            let posix = posix_shell(&shell);
            check_in_stage(source, df, index, info, posix, instruction, &mut problems);
            // The model holds `ONBUILD`'s instruction as it holds the same
            // instruction in the stage: its flags and values are judged alike.
            if let InstructionKind::Onbuild(inner) = &instruction.kind {
                check_in_stage(source, df, index, info, posix, inner, &mut problems);
                check_onbuild_copy_from(df, index, inner, &mut problems);
            }
        }
        final_shells.push(shell);
    }
    // The structure after the values: the sort is stable, so on one line
    // the values come first, as each instruction's checks always did.
    let view = structure_view(df);
    problems.extend(
        check_structure(&view)
            .into_iter()
            .filter_map(|problem| structure_problem(df, problem)),
    );
    problems.sort_by_key(|problem| problem.line);
    problems
}

/// The comment lines the model keeps (and the parser directives, which are
/// comments too): a directive it holds (`# syntax=`, `# check=`) needs a
/// value, and no comment may hold a NUL or a carriage return, which the
/// model cannot render on one line.
fn comment_problems(source: &str) -> Vec<ModelProblem> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let mut problems = Vec::new();
    let mut directives = true;
    for (index, line) in source.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut push = |kind| {
            problems.push(ModelProblem {
                line: index + 1,
                kind,
                covered_by: None,
            })
        };
        if directives {
            match crate::dockerfile::parse::directive(line) {
                Some((name, value)) if matches!(name.as_str(), "syntax" | "check") => {
                    if value.is_empty() {
                        push(invalid(
                            "parser directive",
                            line.trim(),
                            "give it a value, e.g. `# syntax=docker/dockerfile:1`, or remove \
                             the line",
                        ));
                    }
                }
                Some((name, _)) if name == "escape" => {}
                _ => directives = false,
            }
        }
        if line.trim_start().starts_with('#') && line.contains(['\0', '\r']) {
            push(invalid(
                "comment",
                line,
                "remove the NUL byte or carriage return from the comment",
            ));
        }
    }
    problems
}

/// `SCR003 (DL3009)`, or the id alone when no hadolint rule matches or the
/// id is the hadolint code (`DL3008`).
fn rule_label(rule: &crate::Rule) -> String {
    match rule.hadolint {
        Some(code) if code != rule.id => format!("{} ({code})", rule.id),
        _ => rule.id.to_owned(),
    }
}

/// The global `ARG` a base written `$NAME`, `${NAME}` or `${NAME:-image}`
/// names, and its fallback image: the model holds such a base
/// (`Base::Arg`). `None` for anything else, e.g. `python:${VERSION}` (a
/// [`base_template`]) or a
/// fallback that is no image reference (a variable, a blank).
///
/// ```
/// use stagecraft_rules::dockerfile::model_support::base_arg;
///
/// assert_eq!(base_arg("$BASE"), Some(("BASE", None)));
/// assert_eq!(base_arg("${BASE:-alpine:3.20}"), Some(("BASE", Some("alpine:3.20"))));
/// assert_eq!(base_arg("python:${VERSION}"), None);
/// assert_eq!(base_arg("${BASE:-a$b}"), None);
/// ```
pub fn base_arg(image: &str) -> Option<(&str, Option<&str>)> {
    let (name, fallback) = match image.strip_prefix("${").and_then(|t| t.strip_suffix('}')) {
        Some(inner) => match inner.split_once(":-") {
            Some((name, fallback)) if ImageRef::parse(fallback).is_ok() => (name, Some(fallback)),
            Some(_) => return None,
            None => (inner, None),
        },
        None => (image.strip_prefix('$')?, None),
    };
    names::variable_name(name).then_some((name, fallback))
}

/// One part of a base image reference with global `ARG`s inside
/// ([`base_template`]): literal text, or a reference to a global `ARG`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseTemplatePart<'a> {
    /// Text as written: only the characters of an image reference
    /// (letters, digits, `.`, `_`, `-`, `/`, `:`, `@`).
    Text(&'a str),
    /// `$NAME`, `${NAME}` or `${NAME:-fallback}`: the `ARG`'s value, or the
    /// fallback text when the value is empty or unset.
    Arg {
        /// The global `ARG`'s name.
        name: &'a str,
        /// The text used when the `ARG` is empty or unset.
        fallback: Option<&'a str>,
    },
}

/// Whether `c` may stand in a template's text or fallback: a character of
/// an image reference.
fn template_text_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':' | '@')
}

/// The parts of a base image reference with global `ARG`s inside, e.g.
/// `python:${VERSION}-slim` or `${REGISTRY}/app:$TAG`, as Docker expands
/// them before the `FROM`: the model holds such a base (`Base::Template`).
/// `None` when the reference has no variable, is a whole base `ARG`
/// ([`base_arg`]), or uses another form (`${NAME:+x}`, `${NAME%x}`, quotes,
/// escapes, an empty fallback).
///
/// ```
/// use stagecraft_rules::dockerfile::model_support::{base_template, BaseTemplatePart};
///
/// assert_eq!(
///     base_template("python:${VERSION:-3.12}-slim"),
///     Some(vec![
///         BaseTemplatePart::Text("python:"),
///         BaseTemplatePart::Arg { name: "VERSION", fallback: Some("3.12") },
///         BaseTemplatePart::Text("-slim"),
///     ])
/// );
/// assert_eq!(base_template("debian:bookworm"), None);
/// assert_eq!(base_template("$BASE"), None);
/// assert_eq!(base_template("alpine:${V:+x}"), None);
/// ```
pub fn base_template(image: &str) -> Option<Vec<BaseTemplatePart<'_>>> {
    if !image.contains('$') || base_arg(image).is_some() {
        return None;
    }
    let mut parts = Vec::new();
    let mut rest = image;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("${") {
            let end = after.find('}')?;
            let inner = &after[..end];
            let (name, fallback) = match inner.split_once(":-") {
                Some((name, fallback))
                    if !fallback.is_empty() && fallback.chars().all(template_text_char) =>
                {
                    (name, Some(fallback))
                }
                Some(_) => return None,
                None => (inner, None),
            };
            if !names::variable_name(name) {
                return None;
            }
            parts.push(BaseTemplatePart::Arg { name, fallback });
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix('$') {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            let name = &after[..end];
            if !names::variable_name(name) {
                return None;
            }
            parts.push(BaseTemplatePart::Arg {
                name,
                fallback: None,
            });
            rest = &after[end..];
        } else {
            let end = rest.find('$').unwrap_or(rest.len());
            let text = &rest[..end];
            if !text.chars().all(template_text_char) {
                return None;
            }
            parts.push(BaseTemplatePart::Text(text));
            rest = &rest[end..];
        }
    }
    Some(parts)
}

/// The image a template names when each global `ARG` takes its default
/// (`args`: the names and defaults in declaration order; a later one wins),
/// as a build without `--build-arg` reads it. `None` when some `ARG` has no
/// value and no fallback, or a default refers to another variable: the
/// image is known only at build time then.
///
/// ```
/// use stagecraft_rules::dockerfile::model_support::{base_template, template_default};
///
/// let parts = base_template("debian:${SUITE}-slim").unwrap();
/// assert_eq!(template_default(&parts, &[("SUITE", Some("bookworm"))]).as_deref(), Some("debian:bookworm-slim"));
/// assert_eq!(template_default(&parts, &[("SUITE", None)]), None);
/// ```
pub fn template_default(
    parts: &[BaseTemplatePart<'_>],
    args: &[(&str, Option<&str>)],
) -> Option<String> {
    let mut image = String::new();
    for part in parts {
        match *part {
            BaseTemplatePart::Text(text) => image.push_str(text),
            BaseTemplatePart::Arg { name, fallback } => {
                let value = args
                    .iter()
                    .rev()
                    .find(|(arg, default)| *arg == name && default.is_some())
                    .and_then(|(_, default)| *default);
                let value = match (value, fallback) {
                    (Some(""), Some(fallback)) => fallback,
                    (Some(value), _) => value,
                    (None, Some(fallback)) => fallback,
                    (None, None) => return None,
                };
                if value.contains('$') {
                    return None;
                }
                image.push_str(value);
            }
        }
    }
    Some(image)
}

/// The names of the global `ARG`s a template refers to, in order.
pub fn template_args<'a>(parts: &[BaseTemplatePart<'a>]) -> Vec<&'a str> {
    parts
        .iter()
        .filter_map(|part| match part {
            BaseTemplatePart::Arg { name, .. } => Some(*name),
            BaseTemplatePart::Text(_) => None,
        })
        .collect()
}

/// The global `ARG`s of a parsed Dockerfile and their defaults, in order.
fn global_arg_defaults(df: &Dockerfile) -> Vec<(&str, Option<&str>)> {
    df.global_args
        .iter()
        .flat_map(|arg| match &arg.kind {
            InstructionKind::Arg(pairs) => pairs
                .iter()
                .map(|(name, default)| (name.as_str(), default.as_deref()))
                .collect(),
            _ => Vec::new(),
        })
        .collect()
}

/// Why a template's default image is no image reference, as the rule of
/// an `Invalid` problem: the error and the fix.
pub fn template_default_rule(error: &crate::image_ref::ImageRefError) -> String {
    format!(
        "with its ARGs' defaults the FROM reads as this image, which is no image reference \
         ({error}): fix the ARG defaults or the text around the variables, e.g. \
         `ARG VERSION=3.12` with `FROM python:${{VERSION}}-slim`"
    )
}

fn not_supported(what: impl Into<String>, fix: &'static str) -> ModelProblemKind {
    ModelProblemKind::NotSupported {
        what: what.into(),
        fix,
    }
}

fn invalid(what: &'static str, value: &str, rule: &str) -> ModelProblemKind {
    ModelProblemKind::Invalid {
        what,
        value: value.to_owned(),
        rule: rule.to_owned(),
    }
}

/// The checks of one instruction that do not depend on its stage.
fn check_instruction(instruction: &Instruction, escape: char, problems: &mut Vec<ModelProblem>) {
    let line = instruction.line;
    let keyword = instruction.keyword;
    if !matches!(keyword, "RUN" | "COPY" | "ADD" | "HEALTHCHECK") {
        // BuildKit refuses them too (SCR034 says it), but for `ARG` and
        // `STOPSIGNAL`, whose flags it ignores.
        let covered_by = crate::dockerfile::buildkit::known_flags(keyword).map(|_| "SCR034");
        for flag in &instruction.flags {
            problems.push(ModelProblem {
                line,
                kind: not_supported(format!("`{keyword} --{}`", flag.name), "remove the flag"),
                covered_by,
            });
        }
    }
    let mut out = Vec::new();
    let mut push = |kind| {
        problems.push(ModelProblem {
            line,
            kind,
            covered_by: None,
        })
    };
    match &instruction.kind {
        InstructionKind::Arg(args) => {
            for (name, default) in args {
                values::arg(name, default.as_deref(), &mut out);
            }
        }
        InstructionKind::Env(pairs) | InstructionKind::Label(pairs) => {
            for (key, value) in pairs {
                if keyword == "ENV" {
                    values::env_pair(key, value, &mut out);
                } else {
                    values::label_pair(key, value, &mut out);
                }
            }
        }
        InstructionKind::Workdir(path) => {
            values::workdir(path, &mut out);
            if out.is_empty() && path.ends_with('\\') {
                push(invalid(
                    "WORKDIR",
                    path,
                    "a trailing backslash would continue the instruction; remove it",
                ));
            }
        }
        // Docker reads USER as one word, quotes removed (`USER "${NB_UID}"`):
        // the model holds that value (`from_text`), so it is what is checked.
        InstructionKind::User(user) => {
            values::owner("USER", &crate::word::value(user, escape), &mut out)
        }
        InstructionKind::Expose(ports) => {
            for port in ports {
                let (number, protocol) = match port.split_once('/') {
                    Some((number, protocol)) => (number, Some(protocol)),
                    None => (port.as_str(), None),
                };
                let protocol_ok = protocol
                    .is_none_or(|p| p.eq_ignore_ascii_case("tcp") || p.eq_ignore_ascii_case("udp"));
                let variable = number
                    .strip_prefix("${")
                    .and_then(|v| v.strip_suffix('}'))
                    .or_else(|| number.strip_prefix('$'))
                    .is_some_and(names::variable_name);
                match number.parse::<u16>() {
                    _ if variable && protocol_ok => {}
                    Ok(0) => push(invalid("EXPOSE port", port, "a port is 1 to 65535")),
                    Ok(_) if protocol_ok && number.bytes().all(|b| b.is_ascii_digit()) => {}
                    _ => push(not_supported(
                        format!("`EXPOSE {port}` (only a port number with /tcp or /udp)"),
                        "expose each port on its own, e.g. `EXPOSE 8080` or `EXPOSE 53/udp`",
                    )),
                }
            }
        }
        InstructionKind::Entrypoint(command) | InstructionKind::Cmd(command) => {
            check_command(keyword, command, &mut out, &mut push);
        }
        InstructionKind::Healthcheck(check) => {
            for flag in &instruction.flags {
                let value = flag.value.as_deref().unwrap_or("");
                let fine = match flag.name.as_str() {
                    "interval" | "timeout" | "start-period" | "start-interval" => {
                        whole_seconds(value).is_some()
                    }
                    "retries" => value.parse::<u32>().is_ok(),
                    _ => false,
                };
                if !fine {
                    push(not_supported(
                        format!("`HEALTHCHECK --{}={value}`", flag.name),
                        "the model holds --interval, --timeout, --start-period and \
                         --start-interval in whole seconds (e.g. `30s`, `1m`) and --retries as a number",
                    ));
                }
            }
            if let Some(command) = check {
                check_command("HEALTHCHECK CMD", command, &mut out, &mut push);
            }
        }
        InstructionKind::Shell(words) => values::exec("SHELL", words, &mut out),
        InstructionKind::Stopsignal(signal) => values::stop_signal(signal, &mut out),
        InstructionKind::Volume(paths) => values::volume(paths, &mut out),
        // Read, and held as `LABEL org.opencontainers.image.authors`.
        InstructionKind::Maintainer(value) => {
            if value.contains('\0') {
                push(invalid("MAINTAINER", value, "remove the NUL byte"));
            }
        }
        InstructionKind::Onbuild(inner) => {
            // The model's `ONBUILD` holds one instruction.
            let several = match &inner.kind {
                InstructionKind::Arg(pairs) => pairs.len() != 1,
                InstructionKind::Expose(ports) => ports.len() != 1,
                _ => false,
            };
            if several {
                push(not_supported(
                    format!("an `ONBUILD {}` of several values", inner.keyword),
                    "write one ONBUILD per value, e.g. `ONBUILD ARG A` and `ONBUILD ARG B`",
                ));
            }
            check_instruction(inner, escape, problems)
        }
        InstructionKind::Run(_) | InstructionKind::Copy(_) | InstructionKind::Add(_) => {}
    }
    problems.extend(out.into_iter().map(|problem| ModelProblem {
        line,
        kind: ModelProblemKind::Value(problem),
        covered_by: None,
    }));
}

/// The checks of one instruction that depend on its stage.
fn check_in_stage(
    source: &str,
    df: &Dockerfile,
    stage: usize,
    info: &StageInfo,
    posix: bool,
    instruction: &Instruction,
    problems: &mut Vec<ModelProblem>,
) {
    let line = instruction.line;
    let mut covered = |kind, rule: Option<&'static str>| {
        problems.push(ModelProblem {
            line,
            kind,
            covered_by: rule,
        })
    };
    match &instruction.kind {
        InstructionKind::Run(_) => {
            // The model holds `--mount`, `--network`, `--security`, the exec
            // form and heredocs (their values are checked when the model is made).
            for flag in &instruction.flags {
                if !matches!(flag.name.as_str(), "mount" | "network" | "security") {
                    covered(
                        not_supported(
                            format!("`RUN --{}`", flag.name),
                            "RUN takes --mount, --network and --security: remove the flag",
                        ),
                        // An unknown flag is also a build breaker of the rules.
                        Some("SCR034"),
                    );
                }
            }
            // The values of the flags the model holds: one grammar, the
            // model's (`mount.rs`), so what is judged here converts.
            if let InstructionKind::Run(run) = &instruction.kind {
                match RunOptions::read(&instruction.flags, &run.mounts) {
                    Err(errors) => {
                        for error in errors {
                            covered(ModelProblemKind::Mount(error), None);
                        }
                    }
                    // A mount's `from=` is an earlier stage or an image
                    // (a bare name of no stage is the image BuildKit pulls).
                    Ok(options) => {
                        for from in options.mounts.iter().filter_map(MountOptions::files_from) {
                            if !earlier_stage(df, stage, from) {
                                if let Err(error) = ImageRef::parse(from) {
                                    covered(
                                        invalid(
                                            "RUN --mount from=",
                                            from,
                                            &format!("name an earlier stage or an image ({error})"),
                                        ),
                                        None,
                                    );
                                }
                            }
                        }
                    }
                }
                // What the model's heredoc script holds: a plain delimiter,
                // a body and a command line without NUL or carriage return.
                for heredoc in &run.heredocs {
                    let name = &heredoc.name;
                    let plain = !name.is_empty()
                        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                    if !plain {
                        covered(
                            not_supported(
                                format!("the heredoc delimiter `{name}`"),
                                "name it with letters, digits and `_`, e.g. `<<EOF`",
                            ),
                            None,
                        );
                    } else if heredoc.content.contains(['\0', '\r']) {
                        covered(
                            invalid(
                                "heredoc body",
                                name,
                                "remove the NUL byte or carriage return",
                            ),
                            None,
                        );
                    }
                }
                if let Command::Shell(command) = &run.command {
                    if !run.heredocs.is_empty() && command.contains(['\0', '\r']) {
                        covered(
                            invalid("RUN", command, "remove the NUL byte or carriage return"),
                            None,
                        );
                    }
                }
                if let Command::Exec(args) = &run.command {
                    if args.first().is_none_or(String::is_empty) {
                        covered(
                            invalid(
                                "RUN",
                                &run.command.to_string(),
                                "an exec-form RUN needs a program: write `[\"program\", \"arg\", ...]`",
                            ),
                            None,
                        );
                    } else if let Some(arg) = args.iter().find(|arg| arg.contains('\0')) {
                        covered(invalid("RUN", arg, "remove the NUL byte"), None);
                    }
                }
                if df.escape != '\\' && !run.heredocs.is_empty() {
                    covered(
                        not_supported(
                            "a heredoc `RUN` under the backtick escape directive",
                            "drop the escape directive, or write the script on one line",
                        ),
                        None,
                    );
                }
            }
            // In a stage without a shell, the structure says what is wrong.
            // The rules are the stage-aware check's (`judge`); here only
            // what the model needs to hold the text: a text that can follow
            // `RUN `, and, for a POSIX `SHELL`, shell it can analyse (which
            // SCR028 says too). Another `SHELL` (PowerShell, cmd) runs text
            // the sh parser has no say over.
            // A `RUN` with flags holds its command as the parser joined it
            // when the flags cannot be cut off its lines: the same words.
            let joined = match &instruction.kind {
                InstructionKind::Run(run) if run.heredocs.is_empty() => match &run.command {
                    Command::Shell(joined) => Some(joined.clone()),
                    Command::Exec(_) => None,
                },
                _ => None,
            };
            let text = (!info.shell_less)
                .then(|| run_text(source, df.escape, instruction).or(joined))
                .flatten();
            if let Some(text) = text {
                if let Err(error) = check_run_text(&text) {
                    covered(ModelProblemKind::RunRefused(Rejection::Text(error)), None);
                } else if posix {
                    if let Err(error) = crate::shell::parse(&text) {
                        covered(
                            ModelProblemKind::RunRefused(Rejection::Shell(error)),
                            Some(SCR028.id),
                        );
                    }
                }
            }
        }
        InstructionKind::Copy(copy) | InstructionKind::Add(copy) => {
            let is_copy = instruction.keyword == "COPY";
            for flag in &instruction.flags {
                let known = match flag.name.as_str() {
                    "chown" | "chmod" | "link" | "exclude" => true,
                    "from" | "parents" => is_copy,
                    "checksum" | "keep-git-dir" => !is_copy,
                    _ => false,
                };
                // A flag BuildKit does not know either (`COPY --user`) is a
                // build breaker of the rules, SCR034, said once; one only the
                // model lacks (`ADD --unpack`) is the model's to say.
                let buildkit_refuses =
                    crate::dockerfile::buildkit::known_flags(instruction.keyword)
                        .is_some_and(|known| !known.contains(&flag.name.as_str()));
                if !known {
                    covered(
                        not_supported(
                            format!("`{} --{}`", instruction.keyword, flag.name),
                            if is_copy {
                                "the model holds --from, --chown, --chmod, --link, --parents and \
                             --exclude"
                            } else {
                                "the model holds --chown, --chmod, --link, --exclude, --checksum \
                             and --keep-git-dir on ADD"
                            },
                        ),
                        buildkit_refuses.then_some("SCR034"),
                    );
                }
            }
            let mut out = Vec::new();
            let mut push = |kind| covered(kind, None);
            if !copy.heredocs.is_empty() {
                check_heredoc_copy(is_copy, copy, df.escape, &mut out, &mut push);
            }
            if let Some(owner) = &copy.chown {
                values::owner("--chown", owner, &mut out);
            }
            if let Some(mode) = &copy.chmod {
                values::chmod(mode, &mut out);
            }
            values::paths(&copy.sources, &copy.dest, &mut out);
            for pattern in instruction
                .flags
                .iter()
                .filter(|flag| flag.name == "exclude")
                .filter_map(|flag| flag.value.as_deref())
            {
                values::exclude_pattern(pattern, &mut out);
            }
            if !is_copy && !copy.heredocs.is_empty() {
                // The flags of URL sources say nothing of a file the Dockerfile writes.
                // (`--keep-git-dir=false` keeps nothing: the model drops it.)
                for flag in ["checksum", "keep-git-dir"] {
                    let given = instruction.flags.iter().find(|f| {
                        f.name == flag
                            && !(flag == "keep-git-dir" && f.value.as_deref() == Some("false"))
                    });
                    if let Some(given) = given {
                        push(invalid(
                            "ADD flag of a heredoc source",
                            &format!("--{}", given.name),
                            "--checksum and --keep-git-dir are of URL sources (a download's \
                             digest, a git repository's `.git`), not of a file the Dockerfile \
                             writes: drop the flag, or add the heredoc in an ADD of its own",
                        ));
                    }
                }
            } else if !is_copy {
                if let Some(value) = instruction.flag("checksum") {
                    values::checksum(value, &mut out);
                }
                let keep_git_dir = instruction
                    .flags
                    .iter()
                    .any(|f| f.name == "keep-git-dir" && f.value.as_deref() != Some("false"));
                if keep_git_dir {
                    values::keep_git_dir(&copy.sources, &mut out);
                }
            }
            for problem in out {
                push(ModelProblemKind::Value(problem));
            }
        }
        _ => {}
    }
}

/// The structure of a parsed Dockerfile: every `FROM` name may be an
/// earlier stage, or else is an image.
fn structure_view(df: &Dockerfile) -> StructureView<'_> {
    let global_args = df
        .global_args
        .iter()
        .flat_map(|arg| match &arg.kind {
            InstructionKind::Arg(pairs) => pairs.iter().map(|(name, _)| name.as_str()).collect(),
            _ => Vec::new(),
        })
        .collect();
    let stages = df.stages.iter().map(|stage| {
        let image = stage.from.image.as_str();
        let names = match image_name_and_path(image) {
            Some((name, path)) if !image.eq_ignore_ascii_case("scratch") => vec![name, path],
            _ => Vec::new(),
        };
        // As the model shows it (`ImageRef`'s text), so that a stage alias is
        // held against the reference as written, as the model's check holds it.
        let shown = match ImageRef::parse(image) {
            Ok(reference) if !names.is_empty() => reference.to_string(),
            _ => names.first().cloned().unwrap_or_default(),
        };
        let base = match (base_arg(image), base_template(image)) {
            (Some((name, _)), _) => BaseView::Arg(name),
            (None, Some(parts)) => BaseView::Template(
                template_args(&parts),
                ImageView {
                    shell: !is_shell_less_image(image),
                    names,
                    shown,
                },
            ),
            (None, None) => BaseView::StageOr(
                image,
                ImageView {
                    shell: !is_shell_less_image(image),
                    names,
                    shown,
                },
            ),
        };
        let mut items = Vec::new();
        for (position, instruction) in stage.instructions.iter().enumerate() {
            let mut item = |item| items.push(ItemView { position, item });
            match &instruction.kind {
                InstructionKind::Run(run) if matches!(run.command, Command::Shell(_)) => {
                    item(Item::NeedsShell(ShellUse::Run))
                }
                InstructionKind::Cmd(Command::Shell(_)) => item(Item::NeedsShell(ShellUse::Cmd)),
                InstructionKind::Entrypoint(Command::Shell(_)) => {
                    item(Item::NeedsShell(ShellUse::Entrypoint))
                }
                InstructionKind::Healthcheck(Some(Command::Shell(_))) => {
                    item(Item::NeedsShell(ShellUse::Healthcheck))
                }
                InstructionKind::Shell(_) => item(Item::NeedsShell(ShellUse::Shell)),
                InstructionKind::Workdir(_) => item(Item::Workdir),
                InstructionKind::Copy(copy) | InstructionKind::Add(copy) => {
                    item(Item::Destination(&copy.dest));
                    if let (Some(from), "COPY") = (&copy.from, instruction.keyword) {
                        item(Item::CopyFrom(from));
                    }
                }
                _ => {}
            }
        }
        StageView {
            alias: stage.from.alias.as_deref(),
            base,
            items,
        }
    });
    StructureView {
        global_args,
        stages: stages.collect(),
    }
}

/// A structural problem as the model's conversion reports it, on its line.
fn structure_problem(df: &Dockerfile, problem: StructureProblem) -> Option<ModelProblem> {
    let stage = &df.stages[problem.stage];
    let line = match problem.position {
        Some(position) => stage.instructions[position].line,
        None => stage.line,
    };
    let alias = |alias: &str, rule: &str| invalid("stage alias", alias, rule);
    let not_a_stage = |from: &str, what: &str| {
        not_supported(
            format!("`COPY --from={from}` ({what})"),
            "copy from the name of an earlier stage (`FROM ... AS build`, then \
             `COPY --from=build`)",
        )
    };
    let needs_shell = |what: &str| {
        not_supported(
            format!("{what} in a stage without a shell"),
            "use the exec form ([\"program\", \"arg\"]), or do the work in a stage that has \
             a shell and COPY --from it",
        )
    };
    let (kind, covered_by) = match problem.kind {
        ProblemKind::InvalidAlias { alias: name } => (
            alias(
                &name,
                "an alias starts with a letter and holds only letters, digits, '_', '.' \
                 and '-' (e.g. \"build\")",
            ),
            None,
        ),
        ProblemKind::ReservedAlias { alias: name } => (
            alias(&name, "`scratch` is the empty image; choose another alias"),
            None,
        ),
        ProblemKind::DuplicateAlias { alias: name, first } => (
            alias(
                &name,
                &format!(
                    "the stage on line {} has that name already; give every stage its own name",
                    df.stages[first].line
                ),
            ),
            Some(SCR025.id),
        ),
        ProblemKind::AliasIsImageName { alias: name, image } => (
            alias(
                &name,
                &format!(
                    "it is also the name of the image `{image}` used in this Dockerfile: \
                     rename the stage (e.g. \"{name}-build\")"
                ),
            ),
            None,
        ),
        ProblemKind::CopyFromOwnStage { from } => {
            (not_a_stage(&from, "its own stage"), Some(SCR024.id))
        }
        ProblemKind::CopyFromLaterStage { from, .. } => {
            (not_a_stage(&from, "a later stage"), Some(SCR023.id))
        }
        ProblemKind::CopyFromIndex { from, index } => {
            let rule = match index.cmp(&problem.stage) {
                std::cmp::Ordering::Less => None,
                std::cmp::Ordering::Equal => Some(SCR024.id),
                std::cmp::Ordering::Greater => Some(SCR023.id),
            };
            (not_a_stage(&from, "a stage index"), rule)
        }
        // The model holds `COPY --from=<image>` (`CopyFrom::Image`), an
        // image reference it can parse.
        ProblemKind::CopyFromImage { from } => match ImageRef::parse(&from) {
            Ok(_) => return None,
            Err(error) => (copy_from_image(&from, &error.to_string()), None),
        },
        ProblemKind::CopyFromUnknown { from } => (
            not_a_stage(&from, "no stage of this Dockerfile"),
            Some(SCR023.id),
        ),
        ProblemKind::RelativeDestination { destination } => (
            invalid(
                "destination",
                &destination,
                "a relative destination depends on the base image's working directory: \
                 set a WORKDIR first, or write an absolute path",
            ),
            None,
        ),
        ProblemKind::NeedsShell { what } => match what {
            ShellUse::Run => (needs_shell("`RUN`"), Some(SCR022.id)),
            ShellUse::Cmd => (needs_shell("a shell-form `CMD`"), Some(SCR021.id)),
            ShellUse::Entrypoint => (needs_shell("a shell-form `ENTRYPOINT`"), Some(SCR021.id)),
            ShellUse::Healthcheck => (
                needs_shell("a shell-form `HEALTHCHECK CMD`"),
                Some(SCR021.id),
            ),
            ShellUse::Shell => (
                not_supported(
                    "`SHELL` in a stage without a shell",
                    "remove it: the stage's base has no shell to select",
                ),
                None,
            ),
        },
        ProblemKind::UndeclaredBaseArg { name } => (
            ModelProblemKind::Invalid {
                what: "FROM variable",
                value: format!("${name}"),
                rule: format!(
                    "`{name}` is no ARG declared before the first FROM: add \
                     `ARG {name}=<image>` at the top, or write the image itself"
                ),
            },
            None,
        ),
        // Text reads an unknown `FROM` name as an image.
        ProblemKind::UnknownFromStage { .. } => return None,
    };
    Some(ModelProblem {
        line,
        kind,
        covered_by,
    })
}

/// `COPY --from=<from>` of something that names no stage and is no image
/// reference the model can parse.
fn copy_from_image(from: &str, why: &str) -> ModelProblemKind {
    if from.contains('$') {
        not_supported(
            format!("`COPY --from={from}` (a build variable)"),
            "write the stage's name or the image reference itself",
        )
    } else {
        invalid("COPY --from image reference", from, why)
    }
}

/// Whether a stage before `stage` is named `name` (case-insensitively, as
/// Docker compares them).
fn earlier_stage(df: &Dockerfile, stage: usize, name: &str) -> bool {
    df.stages[..stage].iter().any(|s| {
        s.from
            .alias
            .as_deref()
            .is_some_and(|alias| alias.eq_ignore_ascii_case(name))
    })
}

/// `ONBUILD COPY --from=...`, which the structure (one build's stages) does
/// not see: the model holds an earlier stage's name or an image reference.
fn check_onbuild_copy_from(
    df: &Dockerfile,
    stage: usize,
    inner: &Instruction,
    problems: &mut Vec<ModelProblem>,
) {
    let InstructionKind::Copy(Copy {
        from: Some(from), ..
    }) = &inner.kind
    else {
        return;
    };
    if earlier_stage(df, stage, from) {
        return;
    }
    let kind = if !from.is_empty() && from.bytes().all(|b| b.is_ascii_digit()) {
        not_supported(
            format!("`COPY --from={from}` (a stage index)"),
            "name the stage (`FROM ... AS build`) and copy `--from=build`",
        )
    } else {
        match ImageRef::parse(from) {
            Ok(_) => return,
            Err(error) => copy_from_image(from, &error.to_string()),
        }
    };
    problems.push(ModelProblem {
        line: inner.line,
        kind,
        covered_by: None,
    });
}

/// What the model's heredoc `COPY` (`is_copy`) or `ADD` holds: each heredoc
/// a file name and a body without NUL or carriage return, its `<<name` words
/// nothing else (no file descriptor), no `--from`, paths without blanks (the
/// shell form the model renders it in splits at them), the default escape.
fn check_heredoc_copy(
    is_copy: bool,
    copy: &Copy,
    escape: char,
    out: &mut Vec<ValueProblem>,
    push: &mut impl FnMut(ModelProblemKind),
) {
    let keyword = if is_copy { "COPY" } else { "ADD" };
    for heredoc in &copy.heredocs {
        let name = &heredoc.name;
        if !names::heredoc_file_name(name) {
            push(not_supported(
                format!("the heredoc file name `{name}`"),
                "name it with letters, digits, `_`, `.` and `-`, not starting with `-`, \
                 e.g. `<<app.conf`",
            ));
        } else if heredoc.content.contains(['\0', '\r']) {
            push(invalid(
                "heredoc body",
                name,
                "remove the NUL byte or carriage return",
            ));
        }
    }
    let opens = |word: &&String| {
        word.trim_start_matches(|c: char| c.is_ascii_digit())
            .starts_with("<<")
    };
    if opens(&&copy.dest) {
        push(invalid(
            if is_copy {
                "COPY destination"
            } else {
                "ADD destination"
            },
            &copy.dest,
            "a heredoc is a source: name where its file goes after it, e.g. \
             `COPY <<app.conf /etc/app/`",
        ));
        return;
    }
    let words: Vec<&String> = copy.sources.iter().filter(opens).collect();
    let expected: Vec<String> = copy
        .heredocs
        .iter()
        .map(|heredoc| format!("<<{}{}", if heredoc.chomp { "-" } else { "" }, heredoc.name))
        .collect();
    if !words
        .iter()
        .map(|word| word.as_str())
        .eq(expected.iter().map(String::as_str))
    {
        push(not_supported(
            format!(
                "`{}` as the heredoc sources of a {keyword}",
                words
                    .iter()
                    .map(|word| word.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            "open each heredoc with `<<name` (no file descriptor, no `<<` without a name)",
        ));
    }
    if let Some(from) = &copy.from {
        push(invalid(
            if is_copy { "COPY --from" } else { "ADD --from" },
            from,
            "a heredoc source is written by the Dockerfile, not taken from a stage, image \
             or context: copy the heredoc in a COPY of its own, without --from",
        ));
    }
    values::heredoc_paths(keyword, &copy.sources, &copy.dest, out);
    if escape != '\\' {
        push(not_supported(
            format!("a heredoc `{keyword}` under the backtick escape directive"),
            "drop the escape directive, or put the file in the build context and COPY it",
        ));
    }
}

/// An exec form's words ([`values::exec`]), or a shell form's text that can
/// follow the keyword.
fn check_command(
    what: &'static str,
    command: &Command,
    out: &mut Vec<ValueProblem>,
    push: &mut impl FnMut(ModelProblemKind),
) {
    match command {
        Command::Exec(words) => values::exec(what, words, out),
        Command::Shell(text) => {
            if let Err(error) = check_run_text(text) {
                push(invalid(what, text, &error.to_string()));
            }
        }
    }
}

/// A Go duration (`30s`, `1m30s`, `2h`) in whole seconds; `None` for
/// anything else (fractions of a second included).
///
/// ```
/// use stagecraft_rules::dockerfile::model_support::whole_seconds;
///
/// assert_eq!(whole_seconds("1m30s"), Some(90));
/// assert_eq!(whole_seconds("2000ms"), Some(2));
/// assert_eq!(whole_seconds("500ms"), None);
/// assert_eq!(whole_seconds("30"), None);
/// ```
pub fn whole_seconds(duration: &str) -> Option<u64> {
    if duration.is_empty() {
        return None;
    }
    // In nanoseconds.
    let mut total: u128 = 0;
    let mut rest = duration;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let number: u128 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let scale: u128 = match &rest[..unit_len] {
            "h" => 3_600_000_000_000,
            "m" => 60_000_000_000,
            "s" => 1_000_000_000,
            "ms" => 1_000_000,
            "us" | "µs" => 1_000,
            "ns" => 1,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total = total.checked_add(number.checked_mul(scale)?)?;
    }
    if !total.is_multiple_of(1_000_000_000) {
        return None;
    }
    u64::try_from(total / 1_000_000_000).ok()
}

/// `[domain/]path` and `path` of an image reference the model accepts.
fn image_name_and_path(image: &str) -> Option<(String, String)> {
    let reference = ImageRef::parse(image).ok()?;
    Some((reference.name(), reference.path().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the model cannot hold, without the rules.
    fn problems(text: &str) -> Vec<(usize, String)> {
        model_limits(text, &Dockerfile::parse(text).unwrap())
            .into_iter()
            .map(|p| (p.line, p.kind.to_string()))
            .collect()
    }

    /// The one verdict: the rules' errors and the model's problems.
    fn judged(text: &str) -> Vec<(usize, String)> {
        model_problems(text, &Dockerfile::parse(text).unwrap())
            .into_iter()
            .map(|p| (p.line, p.kind.to_string()))
            .collect()
    }

    #[test]
    fn clean_dockerfiles_have_no_problems() {
        assert!(problems(
            "ARG V=1\nFROM --platform=linux/amd64 debian:bookworm-slim AS build\nWORKDIR /src\n\
             COPY a.c ./\nRUN gcc a.c\nENV A=1 B=\"two words\"\nLABEL org.x=y\nUSER 1000:1000\n\
             EXPOSE 80 53/udp\nHEALTHCHECK --interval=1m30s --retries=3 CMD curl -f localhost\n\
             STOPSIGNAL SIGTERM\nSHELL [\"/bin/bash\", \"-c\"]\n\
             FROM gcr.io/distroless/cc-debian12:nonroot\nCOPY --from=build --chown=1:1 --chmod=0755 --link /a /a\n\
             ENTRYPOINT [\"/a\"]\n"
        )
        .is_empty());
    }

    #[test]
    fn a_from_with_declared_args_inside_is_held() {
        let text = "ARG PYTHON_VERSION=3.12\nARG REGISTRY=docker.io\nARG TAG\n\
                    FROM python:${PYTHON_VERSION}-slim AS py\nRUN true\n\
                    FROM ${REGISTRY}/library/app:$TAG\nFROM debian:${SUITE:-bookworm}-slim\n";
        assert_eq!(
            problems(text),
            vec![(
                7,
                "invalid FROM variable \"$SUITE\": `SUITE` is no ARG declared before the \
                 first FROM: add `ARG SUITE=<image>` at the top, or write the image itself"
                    .to_owned()
            )]
        );
        let found = problems("ARG V=3.12 X\nFROM Python:${V}-slim\n");
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].0, 2);
        assert!(
            found[0]
                .1
                .starts_with("invalid FROM image \"Python:3.12-slim\": with its ARGs' defaults"),
            "{found:#?}"
        );
        // The fallback stands in for an empty or unset value.
        assert!(problems("ARG V=\nFROM python:${V:-3.12}-slim\n").is_empty());
        let found = problems("ARG V=3\nFROM python:${V:+3}\n");
        assert!(
            found[0]
                .1
                .contains("a FROM with this form of build variable"),
            "{found:#?}"
        );
    }

    #[test]
    fn modern_instructions_and_flags_are_held() {
        let text = "ARG BASE=debian:bookworm-slim\nFROM --platform=$BUILDPLATFORM $BASE AS b\n\
                    VOLUME /data\nMAINTAINER me\nONBUILD RUN make\nLABEL a b\n\
                    COPY --from=nginx:latest --parents --exclude=*.md /a /a\n\
                    ADD --link --checksum=0123456789abcdef0123456789abcdef01234567 --keep-git-dir https://x/r.git /r\n\
                    EXPOSE $PORT ${P2}/udp\nHEALTHCHECK --start-interval=2s CMD true\n\
                    FROM ${BASE:-debian:bookworm-slim}\n";
        assert!(problems(text).is_empty(), "{:#?}", problems(text));
        let found = problems("ARG OTHER\nFROM $BASE\nFROM ${OTHER:-a$b}\n");
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!(found[0].0, 2);
        assert!(found[0]
            .1
            .contains("`BASE` is no ARG declared before the first FROM"));
        assert!(found[1]
            .1
            .contains("a FROM with this form of build variable"));
    }

    #[test]
    fn unsupported_constructs_have_lines() {
        let found = problems(
            "FROM debian\nRUN --device=gpu make\nRUN --mount=type=cache,target=/c --foo make\n\
             RUN [\"make\"]\nRUN <<EOF\nmake\nEOF\nVOLUME /data\nMAINTAINER me\nONBUILD RUN make\n\
             COPY --from=nginx:latest /a /a\nCOPY --from=0 /a /a\nEXPOSE 8000-8010\n\
             HEALTHCHECK --interval=500ms CMD true\nADD --link a /a\nCOPY --parents a /a\n",
        );
        let lines: Vec<usize> = found.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, [2, 3, 12, 13, 14], "{found:#?}");
        assert!(found
            .iter()
            .all(|(_, message)| message.contains("not supported by the model yet")));
    }

    #[test]
    fn runs_are_judged_with_their_stage() {
        // A build-only stage is held to warnings, as `stagecraft lint` holds it.
        let found = judged(
            "FROM debian AS build\nRUN apt-get update && apt-get install -y --no-install-recommends gcc\n\
             FROM scratch\nCOPY --from=build /a /a\n",
        );
        assert!(found.is_empty(), "{found:#?}");
        // The stage that ships: refused by the rule, once.
        let found = judged(
            "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends gcc=1\n",
        );
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].0, 2);
        assert!(
            found[0].1.starts_with("SCR003 (DL3009): "),
            "{}",
            found[0].1
        );
        // The stage's ENV counts.
        assert!(judged(
            "FROM python:3.12-slim\nENV PIP_NO_CACHE_DIR=1\nRUN pip install flask==3.0.3\n"
        )
        .is_empty());
        // RUN in scratch: SCR022 says it, and the model's problem is left out.
        let text = "FROM scratch\nRUN apt-get install x\n";
        let found = model_problems(text, &Dockerfile::parse(text).unwrap());
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(matches!(&found[0].kind, ModelProblemKind::Rule(f) if f.rule.id == "SCR022"));
        // Not sh: not parsed as sh (and not refused for it).
        let text = "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n\
                    SHELL [\"powershell\", \"-Command\"]\nRUN if ($x) { echo 'a' } `\n";
        assert!(judged(text).is_empty(), "{:#?}", judged(text));
        let sh = "FROM debian:bookworm-slim\nRUN echo 'open\n";
        let found = model_problems(sh, &Dockerfile::parse(sh).unwrap());
        assert!(
            matches!(&found[0].kind, ModelProblemKind::Rule(f) if f.rule.id == "SCR028"),
            "{found:#?}"
        );
        assert_eq!(found.len(), 1, "{found:#?}");
    }

    #[test]
    fn a_flag_buildkit_refuses_is_said_once() {
        // BuildKit's `flags` parser test: SCR034 alone for `COPY --user`.
        let found = judged("FROM debian:bookworm-slim\nCOPY --user=me --doit=true a /a\n");
        let said: Vec<&str> = found.iter().map(|(_, m)| &m[..6]).collect();
        assert_eq!(said, ["SCR034", "SCR034"], "{found:#?}");
        // A flag BuildKit takes and the model lacks: the model says it.
        let found = judged("FROM debian:bookworm-slim\nADD --unpack=true --doit a.tar /a\n");
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(found[0].1.starts_with("SCR034: `ADD --doit`"), "{found:#?}");
        assert!(found[1].1.contains("`ADD --unpack`"), "{found:#?}");
        // Any other instruction's flag but ARG's and STOPSIGNAL's (BuildKit
        // ignores those): SCR034 alone.
        let found =
            judged("FROM debian:bookworm-slim\nCMD --doit [\"a\"]\nSTOPSIGNAL --x SIGTERM\n");
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(found[0].1.starts_with("SCR034: `CMD --doit`"), "{found:#?}");
        assert!(found[1].1.contains("`STOPSIGNAL --x`"), "{found:#?}");
    }

    #[test]
    fn a_continuation_cut_off_by_the_end_of_the_file_is_dropped() {
        // BuildKit's `continue-at-eof` parser test: Docker runs `something`.
        let text = "FROM alpine:3.5\n\nRUN something \\";
        let df = Dockerfile::parse(text).unwrap();
        let run = &df.stages[0].instructions[0];
        assert_eq!(run_text(text, df.escape, run).as_deref(), Some("something"));
        assert!(judged(text).is_empty(), "{:#?}", judged(text));
        let text = "FROM alpine:3.5\nRUN make \\\n  install \\\n\n# done\n";
        let df = Dockerfile::parse(text).unwrap();
        let run = &df.stages[0].instructions[0];
        assert_eq!(
            run_text(text, df.escape, run).as_deref(),
            Some("make \\\n  install")
        );
    }

    #[test]
    fn a_quoted_user_is_the_word_docker_reads() {
        // jupyter/docker-stacks: `USER "${NB_UID}"` is the user `${NB_UID}`.
        assert!(problems("FROM debian\nUSER \"${NB_UID}\"\nUSER 'nobody:nogroup'\n").is_empty());
        assert_eq!(problems("FROM debian\nUSER \"a b\"\n").len(), 1);
    }

    #[test]
    fn values_the_model_refuses() {
        let found = problems(
            "FROM Debian AS debian\nCOPY a b\nUSER a b\nFROM debian AS 1x\nSTOPSIGNAL term\n",
        );
        let lines: Vec<usize> = found.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, [1, 2, 3, 4, 5], "{found:#?}");
        assert!(
            problems("FROM a\nWORKDIR /x\nCOPY a b\nFROM a AS c\nFROM c\nCOPY x y\n").len() == 1
        );
    }

    #[test]
    fn run_text_keeps_the_layout() {
        let text = "FROM a\nRUN \\\n  make\nrun x\n";
        let df = Dockerfile::parse(text).unwrap();
        let texts: Vec<_> = df.stages[0]
            .instructions
            .iter()
            .map(|i| run_text(text, df.escape, i).unwrap())
            .collect();
        assert_eq!(texts, ["\\\n  make", "x"]);
        let text = "# escape=`\nFROM a\nRUN make `\n  install\n";
        let df = Dockerfile::parse(text).unwrap();
        assert_eq!(
            run_text(text, df.escape, &df.stages[0].instructions[0]).unwrap(),
            "make   install"
        );
    }
}
