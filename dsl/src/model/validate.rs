//! Checks of a whole model: everything rendering relies on, and every
//! structural rule that the typed builders enforce (so that a model read from
//! JSON is held to the same rules as one built in Rust).
//!
//! The values (names, paths, characters) are checked here; the structure
//! (stage names, what `FROM`/`COPY --from` refer to, relative destinations,
//! what needs a shell) by the rules crate's one
//! [`check_structure`](stagecraft_rules::dockerfile::structure::check_structure),
//! over the model's [`StructureView`], mapped to this crate's [`ErrorKind`]s.

use std::iter::Peekable;

use stagecraft_rules::dockerfile::model_support::{base_template, template_default};
use stagecraft_rules::dockerfile::structure::{
    check_structure, BaseView, ImageView, Item, ItemView, ProblemKind, ShellUse, StageView,
    StructureProblem, StructureView,
};
use stagecraft_rules::dockerfile::{is_shell_less_image, StageGraph};
use stagecraft_rules::names;
use stagecraft_rules::values::{self, ValueProblem};

use super::{Add, Arg, Base, Command, Copy, CopyFrom, Healthcheck, Heredoc, Instruction, Stage};
use crate::error::{ErrorKind, HeredocError, Location, ModelError, Part};

/// Collects every problem of a model; empty means valid.
pub(super) fn validate(args: &[Arg], stages: &[Stage]) -> Vec<ModelError> {
    let defaults: Vec<(&str, Option<&str>)> = args
        .iter()
        .map(|arg| (arg.name.as_str(), arg.default.as_deref()))
        .collect();
    let mut errors = Vec::new();
    for arg in args {
        let location = Location {
            stage: None,
            alias: None,
            part: Part::Whole,
        };
        for kind in check_arg(arg) {
            errors.push(ModelError {
                location: location.clone(),
                kind,
            });
        }
    }
    if stages.is_empty() {
        errors.push(ModelError {
            location: Location {
                stage: None,
                alias: None,
                part: Part::Whole,
            },
            kind: ErrorKind::NoStages,
        });
    }
    let mut structure = check_structure(&structure_view(args, stages))
        .into_iter()
        .peekable();
    for index in 0..stages.len() {
        StageCheck {
            stages,
            defaults: &defaults,
            index,
            structure: &mut structure,
            errors: &mut errors,
        }
        .run();
    }
    errors
}

/// Under `# escape=`` ` ``: every instruction whose rendering Docker would
/// read otherwise. The other checks assume `\` (a value ending in `\`, a
/// newline after one); with the backtick, a line of an instruction must end
/// in a backtick exactly when the instruction goes on, so a value ending in
/// one, a newline in shell text, a recipe's `\` continuations and heredoc
/// `RUN`s (whose bodies the rules read with `\`) are refused.
pub(super) fn check_backtick_escape(args: &[Arg], stages: &[Stage]) -> Vec<ModelError> {
    let continued = |line: &str| line.trim_end_matches([' ', '\t']).ends_with('`');
    let read_as_written = |instruction: &Instruction| {
        if matches!(instruction, Instruction::Comment(_)) {
            return true;
        }
        let heredoc = |i: &Instruction| match i {
            Instruction::Run(run) => matches!(run.script(), super::Script::Heredoc(_)),
            Instruction::Copy(copy) => !copy.heredocs.is_empty(),
            Instruction::Add(add) => !add.heredocs.is_empty(),
            _ => false,
        };
        if heredoc(instruction)
            || matches!(instruction, Instruction::Onbuild(inner) if heredoc(inner))
        {
            return false;
        }
        let text = crate::render::instruction_text(instruction, '`');
        let lines: Vec<&str> = text.split('\n').collect();
        let (last, body) = lines.split_last().expect("split gives one line at least");
        body.iter().all(|line| continued(line)) && !continued(last)
    };
    let kind = || ErrorKind::NotAllowed {
        what: "an instruction Docker reads otherwise under `# escape=`` ` ``",
        fix: "a value may not end in a backtick, shell text may not hold a newline, and \
              recipes and heredocs need the default escape `\\`: drop the escape \
              directive, or write the text on one line",
    };
    let mut errors = Vec::new();
    for arg in args {
        if !read_as_written(&Instruction::Arg(arg.clone())) {
            errors.push(ModelError {
                location: Location {
                    stage: None,
                    alias: None,
                    part: Part::Whole,
                },
                kind: kind(),
            });
        }
    }
    for (index, stage) in stages.iter().enumerate() {
        for (position, instruction) in stage.instructions.iter().enumerate() {
            if !read_as_written(instruction) {
                errors.push(ModelError {
                    location: Location {
                        stage: Some(index),
                        alias: stage.alias.clone(),
                        part: Part::Instruction(position, instruction.keyword()),
                    },
                    kind: kind(),
                });
            }
        }
    }
    errors
}

/// The structure of a model: only a [`Base::Stage`] names another stage.
pub(super) fn structure_view<'a>(args: &'a [Arg], stages: &'a [Stage]) -> StructureView<'a> {
    let stages = stages.iter().map(|stage| {
        let image = |shell, image: &crate::ImageRef| {
            let path = image.path();
            let shown = image.to_string();
            ImageView::new(shell, [image.name().as_str(), path], &shown)
        };
        let base = match &stage.base {
            Base::Stage(alias) => BaseView::Stage(alias),
            Base::Image(reference) => BaseView::Image(image(true, reference)),
            Base::ShellLess(reference) => BaseView::Image(image(false, reference)),
            Base::Scratch => BaseView::Image(ImageView::scratch()),
            Base::Arg(base) => BaseView::Arg(&base.name),
            Base::Template(template) => {
                let text = template.to_string();
                BaseView::Template(
                    template.arg_names().collect(),
                    ImageView::new(!is_shell_less_image(&text), [], &text),
                )
            }
        };
        let mut items = Vec::new();
        for (position, instruction) in stage.instructions.iter().enumerate() {
            let mut item = |item| items.push(ItemView { position, item });
            match instruction {
                Instruction::Run(run) => {
                    // A mount's `from=` a stage names an earlier one, as `COPY --from` does.
                    for mount in run.mounts() {
                        if let Some(from) = mount.files_from().and_then(super::CopyFrom::stage) {
                            item(Item::CopyFrom(from));
                        }
                    }
                    if run.needs_shell() {
                        item(Item::NeedsShell(ShellUse::Run));
                    }
                }
                Instruction::Shell(_) => item(Item::NeedsShell(ShellUse::Shell)),
                Instruction::Entrypoint(Command::Shell(_)) => {
                    item(Item::NeedsShell(ShellUse::Entrypoint))
                }
                Instruction::Cmd(Command::Shell(_)) => item(Item::NeedsShell(ShellUse::Cmd)),
                Instruction::Healthcheck(Healthcheck::Check {
                    command: Command::Shell(_),
                    ..
                }) => item(Item::NeedsShell(ShellUse::Healthcheck)),
                Instruction::Copy(Copy {
                    from, destination, ..
                }) => {
                    if let Some(from) = from.as_ref().and_then(super::CopyFrom::stage) {
                        item(Item::CopyFrom(from));
                    }
                    item(Item::Destination(destination));
                }
                Instruction::Add(add) => item(Item::Destination(&add.destination)),
                Instruction::Workdir(_) => item(Item::Workdir),
                _ => {}
            }
        }
        StageView {
            alias: stage.alias.as_deref(),
            base,
            items,
        }
    });
    StructureView {
        global_args: args.iter().map(|arg| arg.name.as_str()).collect(),
        stages: stages.collect(),
    }
}

/// Whether stage `index` can run `/bin/sh`: images can unless marked
/// shell-less, scratch cannot, and a stage based on a stage inherits.
pub(super) fn has_shell(stages: &[Stage], index: usize) -> bool {
    let graph = StageGraph::new(stages.iter().map(|stage| {
        let from = match &stage.base {
            Base::Stage(alias) => Some(alias.as_str()),
            _ => None,
        };
        (stage.alias.as_deref(), from)
    }));
    for j in graph.ancestors(index) {
        match &stages[j].base {
            Base::Image(_) | Base::Arg(_) => return true,
            Base::Template(template) => return !is_shell_less_image(&template.to_string()),
            Base::ShellLess(_) | Base::Scratch => return false,
            Base::Stage(_) => {}
        }
    }
    // Unknown parents are reported elsewhere; assume the common case.
    true
}

struct StageCheck<'a, I: Iterator<Item = StructureProblem>> {
    stages: &'a [Stage],
    /// The global `ARG`s and their defaults, in order.
    defaults: &'a [(&'a str, Option<&'a str>)],
    index: usize,
    /// The structural problems, by stage and position; this stage's next.
    structure: &'a mut Peekable<I>,
    errors: &'a mut Vec<ModelError>,
}

impl<I: Iterator<Item = StructureProblem>> StageCheck<'_, I> {
    fn stage(&self) -> &Stage {
        &self.stages[self.index]
    }

    fn report(&mut self, part: Part, kind: ErrorKind) {
        let location = Location {
            stage: Some(self.index),
            alias: self.stage().alias.clone(),
            part,
        };
        self.errors.push(ModelError { location, kind });
    }

    /// The structural problems of this stage at `position` (`None`: the `FROM`).
    fn structure_at(&mut self, position: Option<usize>) -> Vec<ErrorKind> {
        let base = self.stage().base.to_string();
        // What names a stage there: a `COPY`, or a `RUN`'s mount.
        let from = match position.map(|p| &self.stage().instructions[p]) {
            Some(Instruction::Run(_)) => "RUN --mount from=",
            _ => "COPY --from",
        };
        let mut kinds = Vec::new();
        while let Some(problem) = self
            .structure
            .next_if(|p| p.stage == self.index && p.position == position)
        {
            kinds.push(structure_error(problem.kind, &base, from));
        }
        kinds
    }

    fn run(mut self) {
        for kind in self.structure_at(None) {
            self.report(Part::From, kind);
        }
        self.check_platform();
        self.check_arg_base();
        self.check_template_base();
        let stages = self.stages;
        for (position, instruction) in stages[self.index].instructions.iter().enumerate() {
            let part = Part::Instruction(position, instruction.keyword());
            let mut kinds = check_instruction(instruction);
            kinds.extend(self.structure_at(Some(position)));
            for kind in kinds {
                self.report(part, kind);
            }
        }
    }

    /// A base given by a global `ARG` is one the text reads back as such:
    /// a variable name, and a fallback that is an image reference.
    fn check_arg_base(&mut self) {
        if let Base::Arg(base) = &self.stage().base {
            let written = base.to_string();
            if super::ArgBase::parse(&written).as_ref() != Some(base) {
                self.report(
                    Part::From,
                    ErrorKind::InvalidName {
                        what: "FROM variable",
                        value: written,
                        rule: "a base ARG is a variable name (letters, digits and '_', not \
                               starting with a digit), with an optional fallback image \
                               reference: \"$BASE\" or \"${BASE:-debian:bookworm-slim}\"",
                    },
                );
            }
        }
    }

    /// An image reference with `ARG`s inside is one the text reads back as
    /// such (names, fallbacks and text of an image reference's characters,
    /// adjacent text one part, not a whole base `ARG`), and names an image
    /// with the `ARG`s' defaults, when they all have one.
    fn check_template_base(&mut self) {
        let Base::Template(template) = &self.stage().base else {
            return;
        };
        let written = template.to_string();
        if super::ImageTemplate::parse(&written).as_ref() != Some(template) {
            self.report(
                Part::From,
                ErrorKind::InvalidName {
                    what: "FROM image template",
                    value: written,
                    rule: "a template is text of an image reference's characters (letters, \
                           digits, '.', '_', '-', '/', ':', '@') and global ARGs, adjacent \
                           text one part, each ARG a variable name with an optional non-empty \
                           fallback of the same characters, at least one ARG (without one, \
                           write the image itself) and not one ARG alone (that is \
                           `Base::Arg`): \"python:${VERSION:-3.12}-slim\"",
                },
            );
            return;
        }
        let parts = base_template(&written).expect("read back above");
        if let Some(image) = template_default(&parts, self.defaults) {
            if let Err(error) = crate::ImageRef::parse(&image) {
                self.report(
                    Part::From,
                    ErrorKind::TemplateImage {
                        template: written,
                        image,
                        error: Box::new(error),
                    },
                );
            }
        }
    }

    fn check_platform(&mut self) {
        if let Some(platform) = self.stage().platform.clone() {
            if !names::platform(&platform) {
                self.report(
                    Part::From,
                    ErrorKind::InvalidName {
                        what: "platform",
                        value: platform,
                        rule: "a platform is os/arch[/variant] in lowercase, e.g. \
                               \"linux/amd64\" or \"linux/arm64/v8\", or a build arg like \
                               \"$BUILDPLATFORM\"",
                    },
                );
            }
        }
    }
}

/// A structural problem as the model's error; `base` is the stage's base as
/// written after `FROM`.
fn structure_error(kind: ProblemKind, base: &str, from: &'static str) -> ErrorKind {
    match kind {
        ProblemKind::InvalidAlias { alias } => ErrorKind::InvalidAlias { alias },
        ProblemKind::ReservedAlias { alias } => ErrorKind::ReservedAlias { alias },
        ProblemKind::DuplicateAlias { alias, first } => ErrorKind::DuplicateAlias {
            alias,
            first: first + 1,
        },
        ProblemKind::AliasIsImageName { alias, image } => {
            ErrorKind::AliasIsImageName { alias, image }
        }
        ProblemKind::UnknownFromStage { name } => ErrorKind::UnknownStage {
            instruction: "FROM",
            alias: name,
        },
        ProblemKind::UndeclaredBaseArg { name } => ErrorKind::UndeclaredBaseArg { name },
        ProblemKind::CopyFromOwnStage { from: alias } => ErrorKind::OwnStage {
            instruction: from,
            alias,
        },
        ProblemKind::RelativeDestination { destination } => {
            ErrorKind::RelativeDestination { destination }
        }
        ProblemKind::NeedsShell { what } => needs_shell(what, base),
        // A later stage, an index, an image, an unknown name: the model's
        // `--from` is the alias of an earlier stage.
        ProblemKind::CopyFromLaterStage { from: alias, .. }
        | ProblemKind::CopyFromIndex { from: alias, .. }
        | ProblemKind::CopyFromImage { from: alias }
        | ProblemKind::CopyFromUnknown { from: alias } => ErrorKind::UnknownStage {
            instruction: from,
            alias,
        },
    }
}

/// What needs a shell that a shell-less stage lacks.
fn needs_shell(what: ShellUse, base: &str) -> ErrorKind {
    let exec = ", or use the exec form ([\"program\", \"arg\"])";
    let (what, hint) = match what {
        ShellUse::Run => ("RUN", ""),
        ShellUse::Shell => ("SHELL", ""),
        ShellUse::Entrypoint => ("a shell-form ENTRYPOINT", exec),
        ShellUse::Cmd => ("a shell-form CMD", exec),
        ShellUse::Healthcheck => ("a shell-form HEALTHCHECK", exec),
    };
    ErrorKind::NeedsShell {
        what,
        base: base.to_string(),
        hint,
    }
}

/// Checks of one instruction on its own: the values of each slot, by the
/// rules crate's [`values`] (the text's judge calls the same checks).
fn check_instruction(instruction: &Instruction) -> Vec<ErrorKind> {
    let mut out = Vec::new();
    let mut kinds = Vec::new();
    match instruction {
        // A Run is checked when it is made.
        Instruction::Run(_) => {}
        Instruction::Copy(copy) => {
            if copy.heredocs.is_empty() {
                check_paths(&copy.sources, &copy.destination, &mut out, &mut kinds);
            } else {
                check_heredoc_copy(copy, &mut out, &mut kinds);
            }
            check_owner_mode(copy.chown.as_deref(), copy.chmod.as_deref(), &mut out);
            if let Some(CopyFrom::Context { context }) = &copy.from {
                values::context_name(context, &mut out);
            }
            copy.exclude
                .iter()
                .for_each(|pattern| values::exclude_pattern(pattern, &mut out));
        }
        Instruction::Add(add) => {
            if add.heredocs.is_empty() {
                check_paths(&add.sources, &add.destination, &mut out, &mut kinds);
                if let Some(checksum) = &add.checksum {
                    values::checksum(checksum, &mut out);
                }
                if add.keep_git_dir {
                    values::keep_git_dir(&add.sources, &mut out);
                }
            } else {
                check_heredoc_add(add, &mut out, &mut kinds);
            }
            check_owner_mode(add.chown.as_deref(), add.chmod.as_deref(), &mut out);
            add.exclude
                .iter()
                .for_each(|pattern| values::exclude_pattern(pattern, &mut out));
        }
        Instruction::Env(pairs) | Instruction::Label(pairs) => {
            let env = matches!(instruction, Instruction::Env(_));
            if pairs.is_empty() {
                kinds.push(ErrorKind::Empty {
                    what: if env { "ENV" } else { "LABEL" },
                    fix: "give at least one key and value",
                });
            }
            for pair in pairs {
                if env {
                    values::env_pair(&pair.key, &pair.value, &mut out);
                } else {
                    values::label_pair(&pair.key, &pair.value, &mut out);
                }
            }
        }
        Instruction::Arg(arg) => kinds.extend(check_arg(arg)),
        // Any character but these is written so that it reaches the image
        // (`model::word`): a trailing backslash is quoted, not a continuation.
        Instruction::Workdir(path) => values::workdir(path, &mut out),
        Instruction::User(user) => values::owner("USER", user, &mut out),
        Instruction::Expose(port) => {
            if port.number == 0 {
                kinds.push(ErrorKind::PortZero);
            }
        }
        Instruction::ExposeVariable(port) => values::expose_variable(&port.name, &mut out),
        Instruction::Entrypoint(command) => kinds.extend(check_command("ENTRYPOINT", command)),
        Instruction::Cmd(command) => kinds.extend(check_command("CMD", command)),
        Instruction::Healthcheck(Healthcheck::None) => {}
        Instruction::Healthcheck(Healthcheck::Check { command, .. }) => {
            kinds.extend(check_command("HEALTHCHECK CMD", command));
        }
        Instruction::Shell(words) => values::exec("SHELL", words, &mut out),
        Instruction::StopSignal(signal) => values::stop_signal(signal, &mut out),
        Instruction::Volume(paths) => values::volume(paths, &mut out),
        // Newlines are fine: each line becomes its own `# ` line.
        Instruction::Comment(text) => {
            values::one_line("comment", &text.replace('\n', " "), &mut out)
        }
        Instruction::Onbuild(inner) => {
            if matches!(&**inner, Instruction::Onbuild(_) | Instruction::Comment(_)) {
                kinds.push(ErrorKind::NotAllowed {
                    what: "ONBUILD of ONBUILD or of a comment",
                    fix: "give ONBUILD one instruction other than ONBUILD (Docker refuses chains)",
                });
            }
            kinds.extend(check_instruction(inner));
        }
    }
    kinds.extend(out.into_iter().map(ErrorKind::from));
    kinds
}

fn check_arg(arg: &Arg) -> Vec<ErrorKind> {
    let mut out = Vec::new();
    values::arg(&arg.name, arg.default.as_deref(), &mut out);
    out.into_iter().map(ErrorKind::from).collect()
}

fn check_owner_mode(chown: Option<&str>, chmod: Option<&str>, out: &mut Vec<ValueProblem>) {
    if let Some(owner) = chown {
        values::owner("--chown", owner, out);
    }
    if let Some(mode) = chmod {
        values::chmod(mode, out);
    }
}

/// A heredoc `COPY`: each heredoc a file, its paths, and no `--from`.
fn check_heredoc_copy(copy: &Copy, out: &mut Vec<ValueProblem>, kinds: &mut Vec<ErrorKind>) {
    check_heredoc_files(&copy.heredocs, kinds);
    check_path_values(&copy.sources, &copy.destination, out, kinds);
    values::heredoc_paths("COPY", &copy.sources, &copy.destination, out);
    if copy.from.is_some() {
        kinds.push(ErrorKind::Heredoc(HeredocError::FromWithHeredoc {
            keyword: "COPY",
        }));
    }
}

/// A heredoc `ADD`: each heredoc a file, its paths, and neither
/// `--checksum` nor `--keep-git-dir` (which are of URLs).
fn check_heredoc_add(add: &Add, out: &mut Vec<ValueProblem>, kinds: &mut Vec<ErrorKind>) {
    check_heredoc_files(&add.heredocs, kinds);
    check_path_values(&add.sources, &add.destination, out, kinds);
    values::heredoc_paths("ADD", &add.sources, &add.destination, out);
    if add.checksum.is_some() {
        kinds.push(ErrorKind::Heredoc(HeredocError::UrlFlagWithHeredoc {
            flag: "--checksum",
        }));
    }
    if add.keep_git_dir {
        kinds.push(ErrorKind::Heredoc(HeredocError::UrlFlagWithHeredoc {
            flag: "--keep-git-dir",
        }));
    }
}

/// Each heredoc a file name and a body that cannot end early.
fn check_heredoc_files(heredocs: &[Heredoc], kinds: &mut Vec<ErrorKind>) {
    for heredoc in heredocs {
        if let Err(error) = heredoc.check_as_file() {
            kinds.push(ErrorKind::Heredoc(error));
        }
    }
}

/// The paths of a `COPY`/`ADD` with path sources: at least one source.
fn check_paths(
    sources: &[String],
    destination: &str,
    out: &mut Vec<ValueProblem>,
    kinds: &mut Vec<ErrorKind>,
) {
    if sources.is_empty() {
        kinds.push(ErrorKind::Empty {
            what: "the list of sources",
            fix: "name at least one file or directory to copy",
        });
    }
    check_path_values(sources, destination, out, kinds);
}

/// Each source and the destination ([`values::paths`]), and no source a
/// backslash: the model's own convention for writing values.
fn check_path_values(
    sources: &[String],
    destination: &str,
    out: &mut Vec<ValueProblem>,
    kinds: &mut Vec<ErrorKind>,
) {
    values::paths(sources, destination, out);
    for source in sources {
        if super::word::source_backslash(source) {
            kinds.push(ErrorKind::ForbiddenCharacter {
                what: "source path",
                value: source.clone(),
                character: "a backslash (BuildKit matches a source as a pattern, in which a \
                            backslash escapes the next character, while the classic builder \
                            takes it as it is: rename the file, or copy its directory)",
            });
        }
    }
}

fn check_command(what: &'static str, command: &Command) -> Vec<ErrorKind> {
    match command {
        Command::Exec(words) => {
            let mut out = Vec::new();
            values::exec(what, words, &mut out);
            out.into_iter().map(ErrorKind::from).collect()
        }
        Command::Shell(text) => match stagecraft_rules::text::check_run_text(text) {
            Ok(()) => Vec::new(),
            Err(error) => vec![ErrorKind::Run(error.into())],
        },
    }
}
