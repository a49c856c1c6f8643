//! Property tests over random models: validation never panics, a valid
//! model renders without panicking, never gains an instruction it does not
//! hold (no injection through any string), and survives a trip through JSON.

use proptest::prelude::*;
use stagecraft::model::{
    Add, Arg, ArgBase, Base, Command, Copy, CopyFrom, Directives, GlobalComment, Healthcheck,
    Heredoc, HeredocScript, ImageTemplate, Instruction, KeyValue, Mount, Network, Port,
    PortVariable, Protocol, Run, RunSpec, Script, SecretId, Security, Sharing, Stage, TemplatePart,
};
use stagecraft::{Dockerfile, ImageRef};

/// Strings that are mostly plain, sometimes hostile.
fn text() -> BoxedStrategy<String> {
    prop_oneof![
        40 => "[a-zA-Z0-9_]{1,12}",
        10 => "/[a-z0-9_./:-]{1,12}",
        1 => Just(String::new()),
        1 => "[ a-z]{0,6}\n(RUN|USER|FROM) [a-z]{1,4}",
        1 => "[a-z]{0,4}[\"'\\\\$\\[\\]{} \t#=]{1,3}[a-z]{0,4}",
        1 => any::<String>(),
        1 => "[a-z]{1,4}\u{0}",
        1 => "[a-z]{1,4}\\\\\n[a-z]{1,4}",
    ]
    .boxed()
}

fn words() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(text(), 0..3)
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        words().prop_map(Command::Exec),
        text().prop_map(Command::Shell)
    ]
}

fn pairs() -> impl Strategy<Value = Vec<KeyValue>> {
    prop::collection::vec(
        (text(), text()).prop_map(|(key, value)| KeyValue { key, value }),
        0..3,
    )
}

fn alias() -> impl Strategy<Value = String> {
    prop_oneof![
        30 => prop::sample::select(vec!["build", "runtime", "py", "lib"]).prop_map(String::from),
        1 => text(),
    ]
}

/// Mounts of every type, with options from [`text`] (hostile ones are refused).
fn mount() -> BoxedStrategy<Mount> {
    let sharing = prop::sample::select(vec![Sharing::Shared, Sharing::Locked, Sharing::Private]);
    let small = proptest::option::of(0u32..0o7777);
    prop_oneof![
        (
            text(),
            proptest::option::of(text()),
            proptest::option::of(sharing),
            small,
            any::<bool>()
        )
            .prop_map(|(target, id, sharing, mode, ro)| {
                let mut m = Mount::cache(target);
                m.id = id;
                m.sharing = sharing;
                m.mode = mode;
                m.read_only = ro;
                m.into()
            }),
        (text(), proptest::option::of(copy_from()), any::<bool>()).prop_map(
            |(target, from, rw)| {
                let mut m = Mount::bind(target);
                m.from = from;
                m.read_write = rw;
                m.into()
            }
        ),
        (text(), proptest::option::of(any::<u64>())).prop_map(|(target, size)| Mount::Tmpfs(
            stagecraft::model::TmpfsMount { target, size }
        )),
        (text(), proptest::option::of(text()), any::<bool>()).prop_filter_map(
            "a valid secret id",
            |(id, target, required)| {
                let mut m = Mount::secret(SecretId::new(id).ok()?);
                m.target = target;
                m.required = required;
                Some(m.into())
            }
        ),
        Just(Mount::ssh().into()),
    ]
    .boxed()
}

/// One heredoc: mostly `EOF`, sometimes a hostile delimiter or body.
fn heredoc() -> impl Strategy<Value = Heredoc> {
    let delimiter = prop_oneof![4 => Just("EOF".to_string()), 1 => text()];
    (delimiter, text(), any::<bool>(), any::<bool>()).prop_map(
        |(delimiter, body, strip_tabs, literal)| {
            let mut heredoc = Heredoc::new(delimiter, body);
            heredoc.strip_tabs = strip_tabs;
            heredoc.literal = literal;
            heredoc
        },
    )
}

/// The heredoc sources of a `COPY`: mostly none, else one or two files
/// named like files (sometimes a hostile name or body).
fn copy_heredocs() -> impl Strategy<Value = Vec<Heredoc>> {
    let file = prop_oneof![
        4 => "[a-z]{1,6}\\.[a-z]{1,3}",
        1 => "\\.[a-z_-]{1,4}",
        1 => text(),
    ];
    let one = (file, text(), any::<bool>(), any::<bool>()).prop_map(
        |(name, body, strip_tabs, literal)| {
            let mut heredoc = Heredoc::new(name, body);
            heredoc.strip_tabs = strip_tabs;
            heredoc.literal = literal;
            heredoc
        },
    );
    prop_oneof![
        3 => Just(Vec::new()),
        1 => prop::collection::vec(one, 1..3),
    ]
}

/// Heredoc scripts: a script, an interpreter's input, or two heredocs.
fn heredoc_script() -> impl Strategy<Value = HeredocScript> {
    prop_oneof![
        heredoc().prop_map(HeredocScript::script),
        heredoc().prop_map(|h| HeredocScript::with_interpreter("python3", h)),
        (heredoc(), heredoc()).prop_map(|(a, b)| {
            let command = format!("{} cat > /a && {} cat > /b", a.opener(), b.opener());
            HeredocScript::new(command, vec![a, b])
        }),
    ]
}

/// `RUN`s of every form, with mounts and flags; only the checked ones.
fn run() -> impl Strategy<Value = Run> {
    let network = proptest::option::of(prop::sample::select(vec![
        Network::Default,
        Network::None,
        Network::Host,
    ]));
    let security = proptest::option::of(prop::sample::select(vec![
        Security::Sandbox,
        Security::Insecure,
    ]));
    let script = prop_oneof![
        4 => text().prop_map(Script::Shell),
        1 => words().prop_map(Script::Exec),
        2 => heredoc_script().prop_map(Script::Heredoc),
    ];
    (
        prop::collection::vec(mount(), 0..3),
        network,
        security,
        script,
    )
        .prop_filter_map("a checked run", |(mounts, network, security, script)| {
            let mut spec = RunSpec::new();
            for mount in mounts {
                spec = spec.mount(mount);
            }
            if let Some(network) = network {
                spec = spec.network(network);
            }
            if let Some(security) = security {
                spec = spec.security(security);
            }
            match script {
                Script::Shell(text) => spec.shell(text).ok(),
                Script::Exec(args) => spec.exec(args).ok().map(Run::from),
                Script::Heredoc(script) => spec.heredoc(script).ok(),
                Script::Steps(_) => None,
            }
        })
}

/// Where a `COPY --from` copies from: mostly a stage, sometimes an image
/// or a named context (hostile names are refused).
fn copy_from() -> impl Strategy<Value = CopyFrom> {
    let image = prop::sample::select(vec!["ghcr.io/astral-sh/uv:0.5", "nginx:1.27"])
        .prop_map(|r| ImageRef::parse(r).unwrap());
    prop_oneof![
        6 => alias().prop_map(CopyFrom::Stage),
        2 => image.prop_map(|image| CopyFrom::Image { image }),
        1 => text().prop_map(|context| CopyFrom::Context { context }),
    ]
}

fn checksum() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just(format!("sha256:{}", "0a".repeat(32))),
        1 => text(),
    ]
}

/// The instructions `ONBUILD` may hold (and a few it may not).
fn onbuild_inner() -> impl Strategy<Value = Instruction> {
    prop_oneof![
        text().prop_filter_map("a checked run", |t| Run::checked(t)
            .ok()
            .map(Instruction::Run)),
        (words(), text()).prop_map(|(sources, destination)| {
            let mut copy = Copy::new(String::new(), destination);
            copy.sources = sources;
            Instruction::Copy(copy)
        }),
        pairs().prop_map(Instruction::Env),
        text().prop_map(Instruction::Workdir),
        text().prop_map(Instruction::Comment),
        Just(Instruction::Onbuild(Box::new(Instruction::Workdir(
            "/a".into()
        )))),
    ]
}

fn instruction() -> BoxedStrategy<Instruction> {
    prop_oneof![
        text().prop_filter_map("a checked run", |t| Run::checked(t)
            .ok()
            .map(Instruction::Run)),
        run().prop_map(Instruction::Run).boxed(),
        (
            (proptest::option::of(copy_from()), words(), text()),
            (
                proptest::option::of(text()),
                any::<bool>(),
                any::<bool>(),
                prop::collection::vec(text(), 0..2)
            ),
            copy_heredocs(),
        )
            .prop_map(
                |((from, sources, destination), (chown, link, parents, exclude), heredocs)| {
                    Instruction::Copy(Copy {
                        from,
                        sources,
                        destination,
                        chown,
                        chmod: None,
                        link,
                        parents,
                        exclude,
                        heredocs,
                    })
                }
            )
            .boxed(),
        (
            (words(), text(), any::<bool>()),
            (
                prop::collection::vec(text(), 0..2),
                proptest::option::of(checksum()),
                any::<bool>(),
                copy_heredocs()
            ),
        )
            .prop_map(
                |((sources, destination, link), (exclude, checksum, keep_git_dir, heredocs))| {
                    Instruction::Add(Add {
                        sources,
                        destination,
                        chown: None,
                        chmod: None,
                        link,
                        exclude,
                        checksum,
                        keep_git_dir,
                        heredocs,
                    })
                }
            )
            .boxed(),
        words().prop_map(Instruction::Volume),
        (text(), proptest::option::of(any::<bool>())).prop_map(|(name, udp)| {
            Instruction::ExposeVariable(PortVariable {
                name,
                protocol: udp.map(|udp| if udp { Protocol::Udp } else { Protocol::Tcp }),
            })
        }),
        onbuild_inner()
            .prop_map(|inner| Instruction::Onbuild(Box::new(inner)))
            .boxed(),
        pairs().prop_map(Instruction::Env),
        pairs().prop_map(Instruction::Label),
        (text(), proptest::option::of(text()))
            .prop_map(|(name, default)| Instruction::Arg(Arg { name, default })),
        text().prop_map(Instruction::Workdir),
        text().prop_map(Instruction::User),
        (any::<u16>(), any::<bool>()).prop_map(|(number, udp)| Instruction::Expose(Port {
            number,
            protocol: if udp { Protocol::Udp } else { Protocol::Tcp }
        })),
        command().prop_map(Instruction::Entrypoint),
        command().prop_map(Instruction::Cmd),
        (
            command(),
            proptest::option::of(0u64..100),
            proptest::option::of(0u64..10)
        )
            .prop_map(|(command, interval_secs, start_interval_secs)| {
                Instruction::Healthcheck(Healthcheck::Check {
                    command,
                    interval_secs,
                    timeout_secs: None,
                    start_period_secs: None,
                    start_interval_secs,
                    retries: Some(3),
                })
            })
            .boxed(),
        Just(Instruction::Healthcheck(Healthcheck::None)),
        words().prop_map(Instruction::Shell),
        text().prop_map(Instruction::StopSignal),
        text().prop_map(Instruction::Comment),
    ]
    .boxed()
}

fn base() -> impl Strategy<Value = Base> {
    let image = prop::sample::select(vec![
        "debian:bookworm-slim",
        "ubuntu:16.04",
        "gcr.io/distroless/cc-debian12",
    ])
    .prop_map(|r| ImageRef::parse(r).unwrap());
    prop_oneof![
        3 => image.clone().prop_map(Base::Image),
        1 => image.prop_map(Base::ShellLess),
        1 => Just(Base::Scratch),
        1 => alias().prop_map(Base::Stage),
        1 => (
            prop_oneof![4 => Just("BASE".to_string()), 1 => text()],
            proptest::option::of(prop_oneof![Just("debian:bookworm-slim".to_string()), text()]),
        )
            .prop_map(|(name, fallback)| Base::Arg(ArgBase { name, fallback })),
        2 => template(),
    ]
}

/// `FROM debian:${BASE}-slim` (`BASE` is what the args generator
/// declares), or any sequence of parts.
fn template() -> impl Strategy<Value = Base> {
    let text = |valid: &'static [&'static str]| {
        prop::sample::select(valid).prop_map(|t| TemplatePart::Text(t.to_string()))
    };
    let shaped = (
        text(&[
            "debian:",
            "gcr.io/distroless/static-debian",
            "python:3.12-",
            "Debian:",
        ]),
        template_part(),
        proptest::option::of(text(&["-slim", ":12", "/x"])),
    )
        .prop_map(|(prefix, arg, suffix)| {
            let mut parts = vec![prefix, arg];
            parts.extend(suffix);
            parts
        });
    prop_oneof![
        3 => shaped,
        1 => prop::collection::vec(template_part(), 1..4),
    ]
    .prop_map(|parts| Base::Template(ImageTemplate { parts }))
}

/// A part of `FROM debian:${SUITE}-slim`: mostly valid text and declared
/// names (`BASE`, which the args generator declares), sometimes anything.
fn template_part() -> impl Strategy<Value = TemplatePart> {
    let fragment = |valid: &'static [&'static str]| {
        prop_oneof![
            4 => prop::sample::select(valid).prop_map(str::to_string),
            1 => text(),
        ]
    };
    prop_oneof![
        fragment(&[
            "debian:",
            "-slim",
            "gcr.io/distroless/static-debian",
            "Debian:"
        ])
        .prop_map(TemplatePart::Text),
        (
            prop_oneof![4 => Just("BASE".to_string()), 1 => text()],
            proptest::option::of(fragment(&["bookworm", "12"])),
        )
            .prop_map(|(name, fallback)| TemplatePart::Arg { name, fallback }),
    ]
}

fn stage() -> impl Strategy<Value = Stage> {
    (
        proptest::option::of(alias()),
        base(),
        proptest::option::of(prop_oneof![Just("linux/amd64".to_string()), text()]),
        prop::collection::vec(instruction(), 0..5),
    )
        .prop_map(|(alias, base, platform, instructions)| Stage {
            alias,
            base,
            platform,
            instructions,
        })
}

const KEYWORDS: [&str; 18] = [
    "FROM",
    "RUN",
    "COPY",
    "ADD",
    "ENV",
    "ARG",
    "WORKDIR",
    "USER",
    "LABEL",
    "EXPOSE",
    "ENTRYPOINT",
    "CMD",
    "HEALTHCHECK",
    "SHELL",
    "STOPSIGNAL",
    "VOLUME",
    "ONBUILD",
    "#",
];

/// The instructions a Dockerfile parser would see: one per line that is not
/// a continuation of the previous one. As in Docker's parser, a comment line
/// never continues (its trailing backslash is part of the comment).
fn instruction_lines(text: &str, escape: char) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut continued = false;
    for line in text.lines() {
        if !continued && !line.is_empty() {
            lines.push(line);
        }
        continued = !line.starts_with('#') && line.ends_with(escape);
    }
    lines
}

/// 4000 cases by default; `PROPTEST_CASES=100000` for a longer search.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(4000)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn any_model_validates_renders_and_round_trips(
        args in prop::collection::vec((
            prop_oneof![3 => text(), 1 => Just("BASE".to_string())],
            proptest::option::of(text()),
        ), 0..2),
        stages in prop::collection::vec(stage(), 0..3),
        directives in (
            proptest::option::of(prop_oneof![Just("docker/dockerfile:1".to_string()), text()]),
            proptest::option::of(prop_oneof![Just("skip=JSONArgsRecommended".to_string()), text()]),
            prop::bool::weighted(0.2),
        ),
        comments in prop::collection::vec((0usize..3, text()), 0..2),
    ) {
        let args: Vec<Arg> = args.into_iter().map(|(name, default)| Arg { name, default }).collect();
        let directives = Directives { syntax: directives.0, escape_backtick: directives.2, check: directives.1 };
        let comments: Vec<GlobalComment> = comments
            .into_iter()
            .map(|(before_arg, text)| GlobalComment { before_arg, text })
            .collect();
        let directive_lines = usize::from(directives.syntax.is_some())
            + usize::from(directives.escape_backtick)
            + usize::from(directives.check.is_some());
        let comment_lines: usize = comments.iter().map(|c| c.text.split('\n').count()).sum();
        let expected: usize = args.len() + directive_lines + comment_lines
            + stages.iter().map(|s| 1 + s.instructions.iter().map(|i| match i {
                // A comment of n lines renders as n comment lines.
                Instruction::Comment(text) => text.split('\n').count(),
                _ => 1,
            }).sum::<usize>()).sum::<usize>();
        let made = Dockerfile::from_parts(args, stages)
            .and_then(|dockerfile| dockerfile.with_directives(directives))
            .and_then(|dockerfile| dockerfile.with_comments(comments));
        match made {
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                let message = errors.to_string();
                prop_assert!(!message.is_empty());
            }
            Ok(dockerfile) => {
                let text = dockerfile.render();
                let heredocs = dockerfile.stages().iter().flat_map(|s| &s.instructions).any(|i| {
                    matches!(i, Instruction::Run(run) if matches!(run.script(), Script::Heredoc(_)))
                        || matches!(i, Instruction::Copy(copy) if !copy.heredocs.is_empty())
                        || matches!(i, Instruction::Add(add) if !add.heredocs.is_empty())
                });
                // Heredoc bodies are lines of their RUN or COPY: the parser's count below says it.
                if !heredocs {
                    let lines = instruction_lines(&text, dockerfile.directives().escape());
                    prop_assert_eq!(lines.len(), expected, "{}", text);
                    for line in &lines {
                        let keyword = line.split(' ').next().unwrap();
                        prop_assert!(KEYWORDS.contains(&keyword), "{:?} in\n{}", line, text);
                    }
                }
                prop_assert!(!text.contains('\0'));
                // The lint parser reads every rendering, with the same stages
                // (Dockerfile::lint relies on it).
                let parsed = stagecraft::rules::dockerfile::Dockerfile::parse(&text);
                prop_assert!(parsed.is_ok(), "{:?} in\n{}", parsed.err(), text);
                let parsed = parsed.unwrap();
                prop_assert_eq!(parsed.stages.len(), dockerfile.stages().len());
                for (read, own) in parsed.stages.iter().zip(dockerfile.stages()) {
                    let held: Vec<&Instruction> = own.instructions.iter().filter(|i| !matches!(i, Instruction::Comment(_))).collect();
                    prop_assert_eq!(read.instructions.len(), held.len(), "{}", text);
                    // A heredoc COPY's or ADD's files come back as the model holds them.
                    for (read, own) in read.instructions.iter().zip(&held) {
                        use stagecraft::rules::dockerfile::parse::InstructionKind as Read;
                        let pair = match (&read.kind, own) {
                            (Read::Copy(read), Instruction::Copy(own)) => Some((read, &own.heredocs, &own.destination)),
                            (Read::Add(read), Instruction::Add(own)) => Some((read, &own.heredocs, &own.destination)),
                            _ => None,
                        };
                        if let Some((read, own_heredocs, own_destination)) = pair {
                            let files: Vec<(&str, bool, bool, &str)> = read.heredocs.iter().map(|h| (h.name.as_str(), h.chomp, !h.expand, h.content.as_str())).collect();
                            let held: Vec<(&str, bool, bool, &str)> = own_heredocs.iter().map(|h| (h.delimiter.as_str(), h.strip_tabs, h.literal, h.body.as_str())).collect();
                            prop_assert_eq!(files, held, "{}", text);
                            prop_assert_eq!(&read.dest, own_destination, "{}", text);
                        }
                    }
                }
                // The model is linted through its values, not its text: the
                // lint of the rendering is the oracle, for every target.
                let targets = std::iter::once(None)
                    .chain(dockerfile.stages().iter().filter_map(|s| s.alias.as_deref()).map(Some));
                for target in targets {
                    // The build is given the named contexts the model declares.
                    let options = stagecraft::rules::dockerfile::Options {
                        target: target.map(str::to_owned),
                        contexts: dockerfile.contexts(),
                        ..Default::default()
                    };
                    let oracle = stagecraft::rules::dockerfile::lint(&text, &options).unwrap();
                    prop_assert_eq!(
                        dockerfile.lint(target).into_vec(), oracle, "target {:?} of\n{}", target, text
                    );
                }
                let json = serde_json::to_string(&dockerfile).unwrap();
                let again: Dockerfile = serde_json::from_str(&json).unwrap();
                prop_assert_eq!(&again, &dockerfile);
                prop_assert_eq!(again.render(), text);
            }
        }
    }
}
