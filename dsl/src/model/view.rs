//! The model as the lint reads it: the rules crate's [`ModelTree`], built
//! from the model's values, with the line layout of the rendering.
//!
//! [`Dockerfile::lint`](super::Dockerfile::lint) checks this tree with the
//! very checker `stagecraft lint` runs on text; nothing is rendered and
//! parsed back. The renderer decides only how many lines each instruction
//! takes (and, for a `RUN`, its text: a recipe's steps are joined as the
//! rendering joins them), so findings carry the rendered file's lines.
//!
//! A new instruction of the model is one arm of [`instruction`]: its rules
//! [`InstructionKind`] and its flags as the parser would read them from the
//! rendering (`tests/model_properties.rs` checks that lint of the model and
//! lint of its rendered text agree).

use stagecraft_rules::dockerfile::model_view::{flag, onbuild, shell_command, ModelTree};
use stagecraft_rules::dockerfile::parse::{self, Flag, InstructionKind};

use super::word::word_text;
use super::{Command, Dockerfile, Healthcheck, Heredoc, Instruction, KeyValue, Mount, Run, Script};
use crate::render::{directive_lines, instruction_text, script_text, stage_body};

/// The lint's tree of `dockerfile`, laid out as [`render`](crate::render)
/// writes it: the directives, the comments before the first `FROM` and the
/// global `ARG`s, then each stage after a blank line, the comments that end
/// a stage standing before the next `FROM`.
pub(super) fn tree(dockerfile: &Dockerfile) -> parse::Dockerfile {
    let mut tree = ModelTree::new();
    let directives = dockerfile.directives();
    tree.directives(
        directives.syntax.as_deref(),
        directives.escape(),
        directive_lines(directives).len(),
    );
    let esc = directives.escape();
    let global_comments = |tree: &mut ModelTree, before: usize| {
        for comment in dockerfile.comments() {
            if comment.before_arg == before {
                comment_lines(tree, &comment.text);
            }
        }
    };
    for (index, arg) in dockerfile.args().iter().enumerate() {
        global_comments(&mut tree, index);
        tree.global_arg(&arg.name, arg.default.as_deref());
    }
    let mut trailing: &[Instruction] = &[];
    let count = dockerfile.stages().len();
    for (index, stage) in dockerfile.stages().iter().enumerate() {
        if index == 0 {
            if !dockerfile.args().is_empty() {
                tree.blank_line();
            }
            global_comments(&mut tree, dockerfile.args().len());
        } else {
            tree.blank_line();
        }
        for comment in trailing {
            if let Instruction::Comment(text) = comment {
                comment_lines(&mut tree, text);
            }
        }
        let (body, after) = stage_body(stage, index + 1 == count);
        trailing = after;
        tree.stage(
            &stage.base.to_string(),
            stage.alias.as_deref(),
            stage.platform.as_deref(),
        );
        for item in body {
            if let Instruction::Comment(text) = item {
                comment_lines(&mut tree, text);
                continue;
            }
            let lines = instruction_text(item, esc).split('\n').count();
            let (flags, kind) = instruction(item, tree.line(), esc);
            tree.instruction(lines, flags, kind);
        }
    }
    tree.finish()
}

/// A comment as [`comment_text`](crate::render::comment_text) renders it:
/// its lines, then a blank line when the text ends in a newline (the
/// suppressions before it end there).
fn comment_lines(tree: &mut ModelTree, text: &str) {
    match text.strip_suffix('\n') {
        Some(lines) => {
            tree.comment(lines);
            tree.blank_line();
        }
        None => tree.comment(text),
    }
}

/// The flags and the kind of one instruction (not a comment) starting on
/// `line` of the rendering; `esc` is the escape character.
fn instruction(item: &Instruction, line: usize, esc: char) -> (Vec<Flag>, InstructionKind) {
    let none = Vec::new();
    match item {
        Instruction::Run(run) => run_instruction(run, line),
        Instruction::Copy(copy) => {
            let from = copy.from.as_ref().map(ToString::to_string);
            let mut flags = Vec::new();
            flags.extend(from.as_deref().map(|from| flag("from", Some(from))));
            flags.extend(
                copy.chown
                    .as_deref()
                    .map(|owner| flag("chown", Some(owner))),
            );
            flags.extend(copy.chmod.as_deref().map(|mode| flag("chmod", Some(mode))));
            if copy.link {
                flags.push(flag("link", None));
            }
            if copy.parents {
                flags.push(flag("parents", None));
            }
            flags.extend(copy.exclude.iter().map(|p| flag("exclude", Some(p))));
            let (sources, heredocs) = heredoc_sources(&copy.heredocs, &copy.sources, line, esc);
            let kind = InstructionKind::Copy(parse::Copy {
                sources,
                dest: copy.destination.clone(),
                from,
                chown: copy.chown.clone(),
                chmod: copy.chmod.clone(),
                link: copy.link,
                heredocs,
            });
            (flags, kind)
        }
        Instruction::Add(add) => {
            let mut flags = Vec::new();
            flags.extend(add.chown.as_deref().map(|owner| flag("chown", Some(owner))));
            flags.extend(add.chmod.as_deref().map(|mode| flag("chmod", Some(mode))));
            if add.link {
                flags.push(flag("link", None));
            }
            flags.extend(add.exclude.iter().map(|p| flag("exclude", Some(p))));
            flags.extend(add.checksum.as_deref().map(|c| flag("checksum", Some(c))));
            if add.keep_git_dir {
                flags.push(flag("keep-git-dir", None));
            }
            let (sources, heredocs) = heredoc_sources(&add.heredocs, &add.sources, line, esc);
            let kind = InstructionKind::Add(parse::Copy {
                sources,
                dest: add.destination.clone(),
                from: None,
                chown: add.chown.clone(),
                chmod: add.chmod.clone(),
                link: add.link,
                heredocs,
            });
            (flags, kind)
        }
        Instruction::Env(pairs) => (none, InstructionKind::Env(pair_values(pairs))),
        Instruction::Label(pairs) => (none, InstructionKind::Label(pair_values(pairs))),
        Instruction::Arg(arg) => (
            none,
            InstructionKind::Arg(vec![(arg.name.clone(), arg.default.clone())]),
        ),
        // As the parser reads the rendering: the word as written (`model::word`).
        Instruction::Workdir(path) => (none, InstructionKind::Workdir(word_text(path, esc))),
        Instruction::User(user) => (none, InstructionKind::User(word_text(user, esc))),
        Instruction::Expose(port) => (none, InstructionKind::Expose(vec![port.spelled()])),
        Instruction::ExposeVariable(_) => {
            let text = instruction_text(item, esc);
            let port = text.strip_prefix("EXPOSE ").unwrap_or(&text).to_owned();
            (none, InstructionKind::Expose(vec![port]))
        }
        Instruction::Volume(paths) => (none, InstructionKind::Volume(paths.clone())),
        Instruction::Onbuild(inner) => {
            let lines = instruction_text(inner, esc).split('\n').count();
            let (flags, kind) = instruction(inner, line, esc);
            (none, onbuild(line, lines, flags, kind))
        }
        Instruction::Entrypoint(command) => (none, InstructionKind::Entrypoint(cmd(command))),
        Instruction::Cmd(command) => (none, InstructionKind::Cmd(cmd(command))),
        Instruction::Healthcheck(Healthcheck::None) => (none, InstructionKind::Healthcheck(None)),
        Instruction::Healthcheck(check @ Healthcheck::Check { command, .. }) => {
            let flags = check
                .options()
                .iter()
                .map(|(name, value)| flag(name, Some(value)))
                .collect();
            (flags, InstructionKind::Healthcheck(Some(cmd(command))))
        }
        Instruction::Shell(words) => (none, InstructionKind::Shell(words.clone())),
        Instruction::StopSignal(signal) => (none, InstructionKind::Stopsignal(signal.clone())),
        Instruction::Comment(_) => unreachable!("comments are the tree's, not instructions"),
    }
}

/// A `RUN` as the parser reads its rendering: the flags (mounts, then
/// `--network`, then `--security`), the typed mounts as the parser's fields
/// (the rules see the cache mounts), and the script in its form: shell text
/// and recipe steps with their continuations joined, the exec form's
/// arguments, a heredoc's command line and bodies (which the rules read as
/// what runs them).
fn run_instruction(run: &Run, line: usize) -> (Vec<Flag>, InstructionKind) {
    let mut flags: Vec<Flag> = run
        .mounts()
        .iter()
        .map(|mount| flag("mount", Some(&mount_fields(mount))))
        .collect();
    let network = run.network().map(|network| network.as_str().to_owned());
    flags.extend(network.as_deref().map(|value| flag("network", Some(value))));
    flags.extend(
        run.security()
            .map(|security| flag("security", Some(security.as_str()))),
    );
    let mounts = run.mounts().iter().map(parsed_mount).collect();
    let (command, heredocs) = match run.script() {
        Script::Shell(_) | Script::Steps(_) => {
            (shell_command(&script_text(run.script())), Vec::new())
        }
        Script::Exec(args) => (parse::Command::Exec(args.clone()), Vec::new()),
        Script::Heredoc(script) => match script.check() {
            Ok(read) => {
                // `check` reads `FROM scratch\nRUN ...`: the RUN on line 2.
                let heredocs = read
                    .heredocs
                    .into_iter()
                    .map(|heredoc| parse::Heredoc {
                        line: heredoc.line + line - 2,
                        ..heredoc
                    })
                    .collect();
                (read.command, heredocs)
            }
            // A `Run` holds only a heredoc that `check` reads (it is checked
            // when the `Run` is made); were it not, its text is what runs.
            Err(_) => (shell_command(&script.to_string()), Vec::new()),
        },
    };
    let run = parse::Run {
        command,
        mounts,
        network,
        heredocs,
    };
    (flags, InstructionKind::Run(run))
}

/// `type=cache,target=...`: a mount's flag value as rendered.
fn mount_fields(mount: &Mount) -> String {
    let text = mount.to_string();
    text.strip_prefix("--mount=").unwrap_or(&text).to_owned()
}

/// A mount as the parser reads its flag: every field, `type` first.
fn parsed_mount(mount: &Mount) -> parse::Mount {
    let mut options = vec![("type".to_owned(), Some(mount.kind().to_owned()))];
    options.extend(
        mount
            .options()
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value)),
    );
    parse::Mount {
        kind: mount.kind().to_owned(),
        target: mount.target().map(str::to_owned),
        options,
    }
}

fn pair_values(pairs: &[KeyValue]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|pair| (pair.key.clone(), pair.value.clone()))
        .collect()
}

fn cmd(command: &Command) -> parse::Command {
    match command {
        Command::Exec(words) => parse::Command::Exec(words.clone()),
        Command::Shell(text) => shell_command(text),
    }
}

/// A `COPY`'s or `ADD`'s sources and heredocs as the parser reads its
/// rendering (on `line`): the heredocs' `<<name` words (quotes removed)
/// before the paths, each body starting on the line after the previous
/// delimiter.
fn heredoc_sources(
    heredocs: &[Heredoc],
    paths: &[String],
    line: usize,
    esc: char,
) -> (Vec<String>, Vec<parse::Heredoc>) {
    let mut sources: Vec<String> = heredocs
        .iter()
        .map(|heredoc| stagecraft_rules::word::value(&heredoc.opener(), esc))
        .collect();
    sources.extend(paths.iter().cloned());
    let mut next = line + 1;
    let heredocs = heredocs
        .iter()
        .map(|heredoc| {
            let read = parse::Heredoc {
                name: heredoc.delimiter.clone(),
                chomp: heredoc.strip_tabs,
                expand: !heredoc.literal,
                content: heredoc.body.clone(),
                line: next,
            };
            next += heredoc.body.lines().count() + 1;
            read
        })
        .collect();
    (sources, heredocs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The view of a heredoc `COPY` is what the parser reads from its
    /// rendering: the `<<name` words among the sources, each heredoc with
    /// its body and the line its body starts on, the lines it spans.
    #[test]
    fn a_heredoc_copy_is_viewed_as_its_rendering_is_read() {
        let text = "FROM debian:bookworm-slim\n\
                    RUN true\n\
                    COPY --chmod=0644 <<app.conf /etc/app/\nport=80\nname=${NAME}\napp.conf\n\
                    COPY --link <<-'run.sh' <<.env README.md /opt/\n\techo \"$HOME\"\nrun.sh\nKEY=v\n.env\n\
                    USER nobody\n";
        let model = Dockerfile::parse(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(model.render(), text);
        let parsed = parse::Dockerfile::parse(text).unwrap();
        let viewed = tree(&model);
        let instructions = |df: &parse::Dockerfile| {
            df.stages[0]
                .instructions
                .iter()
                .map(|i| (i.line, i.end_line, i.kind.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(instructions(&viewed), instructions(&parsed));
        let parse::InstructionKind::Copy(copy) = &viewed.stages[0].instructions[2].kind else {
            panic!("{viewed:?}")
        };
        assert_eq!(copy.sources, ["<<-run.sh", "<<.env", "README.md"]);
        assert_eq!(
            copy.heredocs.iter().map(|h| h.line).collect::<Vec<_>>(),
            [8, 10]
        );
    }

    /// A heredoc `ADD` likewise (one layout for both: `heredoc_sources`).
    #[test]
    fn a_heredoc_add_is_viewed_as_its_rendering_is_read() {
        let text = "FROM debian:bookworm-slim\n\
                    ADD --chmod=0644 <<app.conf /etc/app/\nport=80\napp.conf\n\
                    ADD --link <<-'run.sh' <<.env https://example.com/a.tar.gz /opt/\n\techo \"$HOME\"\nrun.sh\nKEY=v\n.env\n\
                    USER nobody\n";
        let model = Dockerfile::parse(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(model.render(), text);
        let parsed = parse::Dockerfile::parse(text).unwrap();
        let viewed = tree(&model);
        let instructions = |df: &parse::Dockerfile| {
            df.stages[0]
                .instructions
                .iter()
                .map(|i| (i.line, i.end_line, i.kind.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(instructions(&viewed), instructions(&parsed));
        let parse::InstructionKind::Add(add) = &viewed.stages[0].instructions[1].kind else {
            panic!("{viewed:?}")
        };
        assert_eq!(
            add.sources,
            ["<<-run.sh", "<<.env", "https://example.com/a.tar.gz"]
        );
        assert_eq!(
            add.heredocs.iter().map(|h| h.line).collect::<Vec<_>>(),
            [6, 8]
        );
    }
}
