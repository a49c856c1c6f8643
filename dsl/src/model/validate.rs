//! Checks of a whole model: everything rendering relies on, and every
//! structural rule that the typed builders enforce (so that a model read from
//! JSON is held to the same rules as one built in Rust).

use std::collections::HashMap;

use stagecraft_rules::dockerfile::StageGraph;
use stagecraft_rules::names;

use super::{Arg, Base, Command, Copy, Healthcheck, Instruction, KeyValue, Stage};
use crate::error::{ErrorKind, Location, ModelError, Part};

/// Collects every problem of a model; empty means valid.
pub(super) fn validate(args: &[Arg], stages: &[Stage]) -> Vec<ModelError> {
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
    let facts = Facts::of(stages);
    for index in 0..stages.len() {
        StageCheck {
            stages,
            facts: &facts,
            index,
            errors: &mut errors,
        }
        .run();
    }
    errors
}

/// What the checks of every stage need from the others, computed once, so
/// that validation stays linear in the number of stages.
struct Facts {
    graph: StageGraph,
    /// Whether each stage has a shell.
    shell: Vec<bool>,
    /// Whether each stage or a stage it is built from sets a `WORKDIR`.
    workdir: Vec<bool>,
    /// Lowercase name and path of every image base, to the image.
    images: HashMap<String, String>,
}

impl Facts {
    fn of(stages: &[Stage]) -> Facts {
        let graph = graph(stages);
        let shell = shells(stages, &graph);
        let workdir = graph.inherited(|index| {
            stages[index]
                .instructions
                .iter()
                .any(|instruction| matches!(instruction, Instruction::Workdir(_)))
        });
        let mut images = HashMap::new();
        for stage in stages {
            if let Base::Image(image) | Base::ShellLess(image) = &stage.base {
                for key in [image.name(), image.path().to_owned()] {
                    images
                        .entry(key.to_ascii_lowercase())
                        .or_insert_with(|| image.to_string());
                }
            }
        }
        Facts {
            graph,
            shell,
            workdir,
            images,
        }
    }
}

/// The stage graph of a model: only a [`Base::Stage`] names another stage.
fn graph(stages: &[Stage]) -> StageGraph {
    StageGraph::new(stages.iter().map(|stage| {
        let from = match &stage.base {
            Base::Stage(alias) => Some(alias.as_str()),
            _ => None,
        };
        (stage.alias.as_deref(), from)
    }))
}

/// Whether each stage can run `/bin/sh`.
fn shells(stages: &[Stage], graph: &StageGraph) -> Vec<bool> {
    let mut shell: Vec<bool> = Vec::with_capacity(stages.len());
    for (index, stage) in stages.iter().enumerate() {
        shell.push(match (&stage.base, graph.parent(index)) {
            (Base::Image(_), _) => true,
            (Base::ShellLess(_) | Base::Scratch, _) => false,
            (Base::Stage(_), Some(parent)) => shell[parent],
            // Unknown parents are reported elsewhere; assume the common case.
            (Base::Stage(_), None) => true,
        });
    }
    shell
}

/// Whether stage `index` can run `/bin/sh`: images can unless marked
/// shell-less, scratch cannot, and a stage based on a stage inherits.
pub(super) fn has_shell(stages: &[Stage], index: usize) -> bool {
    shells(stages, &graph(stages))[index]
}

struct StageCheck<'a> {
    stages: &'a [Stage],
    facts: &'a Facts,
    index: usize,
    errors: &'a mut Vec<ModelError>,
}

impl StageCheck<'_> {
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

    fn run(mut self) {
        self.check_alias();
        self.check_from();
        let shell = self.facts.shell[self.index];
        let base = self.stage().base.to_string();
        let stages = self.stages;
        let parent = self.facts.graph.parent(self.index);
        let mut workdir = parent.is_some_and(|parent| self.facts.workdir[parent]);
        for (position, instruction) in stages[self.index].instructions.iter().enumerate() {
            let part = Part::Instruction(position, instruction.keyword());
            let mut kinds = check_instruction(instruction);
            if !shell {
                kinds.extend(needs_shell(instruction, &base));
            }
            match instruction {
                Instruction::Copy(copy) => {
                    kinds.extend(self.check_copy_from(copy));
                    kinds.extend(self.check_destination(&copy.destination, workdir));
                }
                Instruction::Add(add) => {
                    kinds.extend(self.check_destination(&add.destination, workdir));
                }
                Instruction::Workdir(_) => workdir = true,
                _ => {}
            }
            for kind in kinds {
                self.report(part, kind);
            }
        }
    }

    fn check_alias(&mut self) {
        let Some(alias) = self.stage().alias.clone() else {
            return;
        };
        let valid = alias
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && alias
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if !valid {
            self.report(Part::From, ErrorKind::InvalidAlias { alias });
            return;
        }
        if alias.eq_ignore_ascii_case("scratch") {
            self.report(Part::From, ErrorKind::ReservedAlias { alias });
            return;
        }
        if let Some(first) = self.facts.graph.first_before(self.index, &alias) {
            self.report(
                Part::From,
                ErrorKind::DuplicateAlias {
                    alias,
                    first: first + 1,
                },
            );
            return;
        }
        let clash = self.facts.images.get(&alias.to_ascii_lowercase()).cloned();
        if let Some(image) = clash {
            self.report(Part::From, ErrorKind::AliasIsImageName { alias, image });
        }
    }

    fn check_from(&mut self) {
        if let Base::Stage(alias) = &self.stage().base {
            if self.facts.graph.parent(self.index).is_none() {
                let alias = alias.clone();
                self.report(
                    Part::From,
                    ErrorKind::UnknownStage {
                        instruction: "FROM",
                        alias,
                    },
                );
            }
        }
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

    fn check_copy_from(&self, copy: &Copy) -> Option<ErrorKind> {
        let alias = copy.from.as_ref()?;
        if self.facts.graph.is_named(self.index, alias) {
            return Some(ErrorKind::OwnStage {
                alias: alias.clone(),
            });
        }
        match self.facts.graph.first_before(self.index, alias) {
            Some(_) => None,
            None => Some(ErrorKind::UnknownStage {
                instruction: "COPY --from",
                alias: alias.clone(),
            }),
        }
    }

    /// A relative destination needs a `WORKDIR` before it (`workdir`: in
    /// this stage or a stage it is built from).
    fn check_destination(&self, destination: &str, workdir: bool) -> Option<ErrorKind> {
        let relative = !destination.is_empty()
            && !destination.starts_with('/')
            && !destination.starts_with('$');
        if relative && !workdir {
            return Some(ErrorKind::RelativeDestination {
                destination: destination.to_string(),
            });
        }
        None
    }
}

/// What in `instruction` needs a shell that a shell-less stage lacks.
fn needs_shell(instruction: &Instruction, base: &str) -> Option<ErrorKind> {
    let (what, hint) = match instruction {
        Instruction::Run(_) => ("RUN", ""),
        Instruction::Shell(_) => ("SHELL", ""),
        Instruction::Entrypoint(Command::Shell(_)) => (
            "a shell-form ENTRYPOINT",
            ", or use the exec form ([\"program\", \"arg\"])",
        ),
        Instruction::Cmd(Command::Shell(_)) => (
            "a shell-form CMD",
            ", or use the exec form ([\"program\", \"arg\"])",
        ),
        Instruction::Healthcheck(Healthcheck::Check {
            command: Command::Shell(_),
            ..
        }) => (
            "a shell-form HEALTHCHECK",
            ", or use the exec form ([\"program\", \"arg\"])",
        ),
        _ => return None,
    };
    Some(ErrorKind::NeedsShell {
        what,
        base: base.to_string(),
        hint,
    })
}

/// Checks of one instruction on its own.
fn check_instruction(instruction: &Instruction) -> Vec<ErrorKind> {
    let mut kinds = Vec::new();
    match instruction {
        // A Run is checked when it is made.
        Instruction::Run(_) => {}
        Instruction::Copy(copy) => {
            check_paths(&copy.sources, &copy.destination, &mut kinds);
            kinds.extend(copy.chown.as_deref().and_then(check_owner("--chown")));
            kinds.extend(copy.chmod.as_deref().and_then(check_chmod));
        }
        Instruction::Add(add) => {
            check_paths(&add.sources, &add.destination, &mut kinds);
            kinds.extend(add.chown.as_deref().and_then(check_owner("--chown")));
            kinds.extend(add.chmod.as_deref().and_then(check_chmod));
        }
        Instruction::Env(pairs) => check_pairs("ENV", pairs, &mut kinds),
        Instruction::Label(pairs) => check_pairs("LABEL", pairs, &mut kinds),
        Instruction::Arg(arg) => kinds.extend(check_arg(arg)),
        Instruction::Workdir(path) => {
            kinds.extend(check_nonempty(
                "WORKDIR",
                path,
                "give a directory, e.g. \"/opt\"",
            ));
            kinds.extend(forbidden("WORKDIR", path));
            // WORKDIR is written as it is: a trailing backslash would continue
            // the instruction onto the next line.
            if path.ends_with('\\') {
                kinds.push(ErrorKind::ForbiddenCharacter {
                    what: "WORKDIR",
                    value: path.clone(),
                    character: "a trailing backslash",
                });
            }
        }
        Instruction::User(user) => kinds.extend(check_owner("USER")(user)),
        Instruction::Expose(port) => {
            if port.number == 0 {
                kinds.push(ErrorKind::PortZero);
            }
        }
        Instruction::Entrypoint(command) => kinds.extend(check_command("ENTRYPOINT", command)),
        Instruction::Cmd(command) => kinds.extend(check_command("CMD", command)),
        Instruction::Healthcheck(Healthcheck::None) => {}
        Instruction::Healthcheck(Healthcheck::Check { command, .. }) => {
            kinds.extend(check_command("HEALTHCHECK CMD", command));
        }
        Instruction::Shell(words) => {
            kinds.extend(check_exec("SHELL", words));
        }
        Instruction::StopSignal(signal) => {
            if !names::stop_signal(signal) {
                kinds.push(ErrorKind::InvalidName {
                    what: "STOPSIGNAL",
                    value: signal.clone(),
                    rule: "a signal is a name like \"SIGTERM\" or \"SIGRTMIN+3\", or a number",
                });
            }
        }
        Instruction::Comment(text) => {
            // Newlines are fine: each line becomes its own `# ` line.
            kinds.extend(forbidden("comment", &text.replace('\n', " ")));
        }
    }
    kinds
}

fn check_arg(arg: &Arg) -> Vec<ErrorKind> {
    let mut kinds = Vec::new();
    if !names::variable_name(&arg.name) {
        kinds.push(ErrorKind::InvalidName {
            what: "ARG name",
            value: arg.name.clone(),
            rule: "a name starts with a letter or '_' and holds only letters, digits and '_' \
                   (e.g. \"VERSION\"); the default value goes in its own field, not after '='",
        });
    }
    if let Some(default) = &arg.default {
        kinds.extend(forbidden("ARG default", default));
    }
    kinds
}

fn check_pairs(what: &'static str, pairs: &[KeyValue], kinds: &mut Vec<ErrorKind>) {
    if pairs.is_empty() {
        kinds.push(ErrorKind::Empty {
            what,
            fix: "give at least one key and value",
        });
    }
    for pair in pairs {
        let (valid, field, rule) = if what == "ENV" {
            (
                names::variable_name(&pair.key),
                "ENV key",
                "a variable name starts with a letter or '_' and holds only letters, digits \
                 and '_' (e.g. \"LD_LIBRARY_PATH\"); put the value in its own field, not \
                 after '='",
            )
        } else {
            (
                !pair.key.is_empty()
                    && pair
                        .key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/')),
                "LABEL key",
                "a label key holds only letters, digits, '.', '_', '-' and '/' \
                 (e.g. \"org.opencontainers.image.title\")",
            )
        };
        if !valid {
            kinds.push(ErrorKind::InvalidName {
                what: field,
                value: pair.key.clone(),
                rule,
            });
        }
        kinds.extend(forbidden(
            if what == "ENV" {
                "ENV value"
            } else {
                "LABEL value"
            },
            &pair.value,
        ));
    }
}

fn check_paths(sources: &[String], destination: &str, kinds: &mut Vec<ErrorKind>) {
    if sources.is_empty() {
        kinds.push(ErrorKind::Empty {
            what: "the list of sources",
            fix: "name at least one file or directory to copy",
        });
    }
    for source in sources {
        kinds.extend(check_nonempty(
            "a source path",
            source,
            "name a file or directory",
        ));
        kinds.extend(forbidden("source path", source));
    }
    kinds.extend(check_nonempty(
        "the destination",
        destination,
        "give a path, e.g. \"/usr/local/bin/\"",
    ));
    kinds.extend(forbidden("destination", destination));
}

fn check_owner(what: &'static str) -> impl Fn(&str) -> Option<ErrorKind> {
    move |value: &str| {
        (!names::owner(value)).then(|| ErrorKind::InvalidName {
            what,
            value: value.to_string(),
            rule: "a user is a name or id, optionally with ':group' (e.g. \"65532:65532\" or \
                   \"nonroot\")",
        })
    }
}

fn check_chmod(value: &str) -> Option<ErrorKind> {
    (!names::chmod(value)).then(|| ErrorKind::InvalidName {
        what: "--chmod mode",
        value: value.to_string(),
        rule: "a mode is 3 or 4 octal digits, e.g. \"0755\"",
    })
}

fn check_command(what: &'static str, command: &Command) -> Vec<ErrorKind> {
    match command {
        Command::Exec(words) => check_exec(what, words),
        Command::Shell(text) => match stagecraft_rules::text::check_run_text(text) {
            Ok(()) => Vec::new(),
            Err(error) => vec![ErrorKind::Run(error.into())],
        },
    }
}

/// An exec-form array: JSON escaping makes any text safe but NUL.
fn check_exec(what: &'static str, words: &[String]) -> Vec<ErrorKind> {
    let mut kinds = Vec::new();
    if words.is_empty() {
        kinds.push(ErrorKind::Empty {
            what,
            fix: "name the program to run, e.g. [\"fortune\"]",
        });
    }
    for word in words {
        if word.contains('\0') {
            kinds.push(ErrorKind::ForbiddenCharacter {
                what,
                value: word.clone(),
                character: "a NUL byte",
            });
        }
    }
    kinds
}

fn check_nonempty(what: &'static str, value: &str, fix: &'static str) -> Option<ErrorKind> {
    value
        .trim()
        .is_empty()
        .then_some(ErrorKind::Empty { what, fix })
}

/// A newline, carriage return or NUL in a value that is written on one line.
fn forbidden(what: &'static str, value: &str) -> Option<ErrorKind> {
    let character = names::forbidden_character(value)?;
    Some(ErrorKind::ForbiddenCharacter {
        what,
        value: value.to_string(),
        character,
    })
}
