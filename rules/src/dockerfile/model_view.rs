//! The lint's tree of a Dockerfile built from values, without text: how the
//! typed model of the `stagecraft` crate is linted.
//!
//! [`check_dockerfile`](super::check_dockerfile) reads a
//! [`Dockerfile`] tree. Text gets one from [`Dockerfile::parse`]; the
//! model gets one from a [`ModelTree`], fed each instruction's values and
//! the number of lines its rendering takes (so that findings carry the lines
//! of the rendered file). The tree attaches suppression comments to the next
//! instruction and leaves a blank line between stages, as the parser reads
//! the model's rendering; `tests/model_properties.rs` holds the two paths
//! together (the model's lint equals the lint of its rendered text).
//!
//! A new instruction of the model needs one arm in the model's view
//! (`dsl/src/model/view.rs`): its [`InstructionKind`], its flags as the
//! parser would read them, and its rendered line count.
//!
//! ```
//! use stagecraft_rules::dockerfile::model_view::{shell_command, ModelTree};
//! use stagecraft_rules::dockerfile::{check_dockerfile, InstructionKind, Options};
//!
//! let mut tree = ModelTree::new();
//! tree.stage("debian:bookworm-slim", None, None);
//! tree.comment("stagecraft ignore=SCR009");
//! tree.instruction(1, Vec::new(), InstructionKind::Run(shell_run("pip install x==1.0")));
//! tree.instruction(1, Vec::new(), InstructionKind::Run(shell_run("pip install y==1.0")));
//! # fn shell_run(text: &str) -> stagecraft_rules::dockerfile::parse::Run {
//! #     stagecraft_rules::dockerfile::parse::Run {
//! #         command: shell_command(text),
//! #         mounts: Vec::new(),
//! #         network: None,
//! #         heredocs: Vec::new(),
//! #     }
//! # }
//! let df = tree.finish();
//! let found: Vec<_> = check_dockerfile(&df, &Options::default())
//!     .iter()
//!     .map(|f| (f.line, f.rule.id))
//!     .collect();
//! // Line 3 is silenced by the comment on line 2; line 4 is not.
//! assert!(found.contains(&(4, "SCR009")) && !found.contains(&(3, "SCR009")));
//! ```

use super::parse::{
    suppression, Command, Dockerfile, Flag, From, Instruction, InstructionKind, StageIgnores,
    Suppression, SuppressionScope,
};

/// Builds the lint's [`Dockerfile`] tree of a model, instruction by
/// instruction, with the lines of its rendering.
#[derive(Debug, Clone)]
pub struct ModelTree {
    df: Dockerfile,
    /// The line the next instruction starts on.
    line: usize,
    /// Suppressions of the comments just before the next instruction.
    ignores: Vec<String>,
    /// Whether a blank line was put since the last instruction or `FROM`.
    blank: bool,
    /// The stage pragmas and `FROM` lines so far.
    stage_ignores: StageIgnores,
}

impl Default for ModelTree {
    fn default() -> Self {
        Self::new()
    }
}

impl ModelTree {
    /// An empty tree; the first line is line 1.
    pub fn new() -> Self {
        ModelTree {
            df: Dockerfile {
                syntax: None,
                escape: '\\',
                global_args: Vec::new(),
                stages: Vec::new(),
                global_ignores: Vec::new(),
                ignore_pragma_lines: Vec::new(),
                stage_ignores: Vec::new(),
            },
            stage_ignores: StageIgnores::default(),
            line: 1,
            ignores: Vec::new(),
            blank: false,
        }
    }

    /// The parser directives at the top (`# syntax=`, `# escape=`,
    /// `# check=`): what they select, and the `lines` they take.
    pub fn directives(&mut self, syntax: Option<&str>, escape: char, lines: usize) {
        self.df.syntax = syntax.map(str::to_owned);
        self.df.escape = escape;
        self.line += lines;
    }

    /// A blank line: the parser forgets the suppressions before it. The next
    /// [`stage`](Self::stage) puts no blank line of its own.
    pub fn blank_line(&mut self) {
        self.line += 1;
        self.ignores.clear();
        self.blank = true;
    }

    /// A global `ARG name[=default]` (one line, before the first stage).
    pub fn global_arg(&mut self, name: &str, default: Option<&str>) {
        let instruction = self.make(
            1,
            Vec::new(),
            InstructionKind::Arg(vec![(name.to_owned(), default.map(str::to_owned))]),
        );
        self.df.global_args.push(instruction);
    }

    /// A `FROM` line: a blank line before it unless it is the first
    /// instruction or a [`blank_line`](Self::blank_line) (and comments) came
    /// just before. The suppressions of the comments just before it are the
    /// stage's, as the parser attaches them.
    pub fn stage(&mut self, image: &str, alias: Option<&str>, platform: Option<&str>) {
        let first = self.df.stages.is_empty() && self.df.global_args.is_empty();
        if !first && !self.blank {
            self.blank_line();
        }
        self.blank = false;
        self.stage_ignores.from(self.line);
        self.df.stages.push(super::parse::Stage {
            line: self.line,
            end_line: self.line,
            from: From {
                image: image.to_owned(),
                alias: alias.map(str::to_owned),
                platform: platform.map(str::to_owned),
            },
            ignores: std::mem::take(&mut self.ignores),
            instructions: Vec::new(),
        });
        self.line += 1;
    }

    /// A comment (each of its lines a `#` line): suppressions in it apply
    /// to the next instruction, or to the whole file with `global`.
    pub fn comment(&mut self, text: &str) {
        for line in text.split('\n') {
            if let Some(Suppression { scope, codes }) = suppression(line) {
                match scope {
                    SuppressionScope::Global => self.df.global_ignores.extend(codes),
                    SuppressionScope::Stage => self.stage_ignores.pragma(self.line, codes),
                    SuppressionScope::Next => {
                        // DL1001 (off unless enabled) reads where inline
                        // pragmas are, as it does in a parsed file.
                        self.df.ignore_pragma_lines.push(self.line);
                        self.ignores.extend(codes);
                    }
                }
            }
            self.line += 1;
        }
    }

    /// An instruction of the current stage, `lines` long when rendered.
    ///
    /// # Panics
    ///
    /// Before the first [`stage`](Self::stage).
    pub fn instruction(&mut self, lines: usize, flags: Vec<Flag>, kind: InstructionKind) {
        let instruction = self.make(lines, flags, kind);
        self.df
            .stages
            .last_mut()
            .expect("a model's instructions come after its first FROM")
            .instructions
            .push(instruction);
    }

    /// The line the next instruction starts on (the first line is 1).
    pub fn line(&self) -> usize {
        self.line
    }

    /// The tree, for [`check_dockerfile`](super::check_dockerfile).
    pub fn finish(mut self) -> Dockerfile {
        self.df.stage_ignores = self.stage_ignores.into_keys();
        self.df
    }

    fn make(&mut self, lines: usize, flags: Vec<Flag>, kind: InstructionKind) -> Instruction {
        let lines = lines.max(1);
        let line = self.line;
        self.line += lines;
        self.blank = false;
        Instruction {
            line,
            end_line: line + lines - 1,
            keyword: keyword(&kind),
            flags,
            kind,
            ignores: std::mem::take(&mut self.ignores),
        }
    }
}

/// `ONBUILD` of an instruction (its flags and kind, as for
/// [`ModelTree::instruction`]) that starts on `line` and is `lines` long,
/// as the parser reads it.
pub fn onbuild(
    line: usize,
    lines: usize,
    flags: Vec<Flag>,
    kind: InstructionKind,
) -> InstructionKind {
    let lines = lines.max(1);
    InstructionKind::Onbuild(Box::new(Instruction {
        line,
        end_line: line + lines - 1,
        keyword: keyword(&kind),
        flags,
        kind,
        ignores: Vec::new(),
    }))
}

/// A flag as the parser reads it: `--name=value`, or `--name` for `None`.
pub fn flag(name: &str, value: Option<&str>) -> Flag {
    Flag {
        name: name.to_owned(),
        value: value.map(str::to_owned),
    }
}

/// A shell-form command as Docker reads it: continuation lines joined (a
/// trailing `\` and the newline removed; empty and comment lines inside the
/// continuation skipped), surrounding blanks trimmed.
///
/// ```
/// use stagecraft_rules::dockerfile::model_view::shell_command;
/// use stagecraft_rules::dockerfile::parse::Command;
///
/// assert_eq!(
///     shell_command("make \\\n# a comment\n && make install"),
///     Command::Shell("make  && make install".to_owned())
/// );
/// ```
pub fn shell_command(text: &str) -> Command {
    Command::Shell(join_continuations(text).trim().to_owned())
}

/// Docker's join of an instruction's lines (the parser's logical line); also
/// the rule of [`check_run_start`](crate::text::check_run_start).
pub(crate) fn join_continuations(text: &str) -> String {
    let continued = |line: &str| -> Option<usize> {
        let trimmed = line.trim_end_matches([' ', '\t']);
        trimmed.strip_suffix('\\').map(str::len)
    };
    let mut lines = text.split('\n');
    let mut joined = String::with_capacity(text.len());
    let Some(first) = lines.next() else {
        return joined;
    };
    let mut continues = match continued(first) {
        Some(end) => {
            joined.push_str(&first[..end]);
            true
        }
        None => {
            joined.push_str(first);
            false
        }
    };
    for line in lines {
        if !continues {
            // Text after a line that does not continue: Docker would read a
            // new instruction; the model's validation refuses such text.
            joined.push('\n');
            joined.push_str(line);
            continue;
        }
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        match continued(line) {
            Some(end) => joined.push_str(&line[..end]),
            None => {
                joined.push_str(line);
                continues = false;
            }
        }
    }
    joined
}

/// The keyword of an instruction kind, upper case.
fn keyword(kind: &InstructionKind) -> &'static str {
    match kind {
        InstructionKind::Arg(_) => "ARG",
        InstructionKind::Run(_) => "RUN",
        InstructionKind::Cmd(_) => "CMD",
        InstructionKind::Entrypoint(_) => "ENTRYPOINT",
        InstructionKind::Shell(_) => "SHELL",
        InstructionKind::Copy(_) => "COPY",
        InstructionKind::Add(_) => "ADD",
        InstructionKind::Env(_) => "ENV",
        InstructionKind::Label(_) => "LABEL",
        InstructionKind::Workdir(_) => "WORKDIR",
        InstructionKind::User(_) => "USER",
        InstructionKind::Expose(_) => "EXPOSE",
        InstructionKind::Volume(_) => "VOLUME",
        InstructionKind::Stopsignal(_) => "STOPSIGNAL",
        InstructionKind::Healthcheck(_) => "HEALTHCHECK",
        InstructionKind::Maintainer(_) => "MAINTAINER",
        InstructionKind::Onbuild(_) => "ONBUILD",
    }
}
