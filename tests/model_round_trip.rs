//! The round trip of issue 11 (item 7): for every golden and lint corpus
//! file, and the modern cases of `tests/modern/`, text that comes into the
//! model renders to text that parses to the same model, and rendering is
//! stable. Text the model refuses is refused with lines, never a panic.
//!
//! `STAGECRAFT_CORPUS=/work/corpus` adds every file under that directory
//! (one level of subdirectories: one per collection), e.g. BuildKit's parser
//! test files and official images' Dockerfiles fetched for the measurement.

use std::path::{Path, PathBuf};

use stagecraft::model::{
    ArgBase, AutomaticArg, CopyFrom, Directives, GlobalComment, Healthcheck, Heredoc,
    ImageTemplate, PortVariable, Protocol, TemplatePart,
};
use stagecraft::{scratch, AddSpec, Base, CopySpec, Dockerfile, HealthcheckSpec, ImageRef};
use stagecraft::{Instruction, Stage};

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_under(&path, out);
        } else if path.is_file() {
            out.push(path);
        }
    }
}

fn dockerfiles(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut out = Vec::new();
    files_under(&root, &mut out);
    out.retain(|path| {
        path.extension().is_some_and(|e| e == "Dockerfile")
            || path.parent().is_some_and(|p| p.ends_with("seed"))
    });
    out
}

/// Parses, renders, parses again: the same model and the same text.
/// Returns whether the text came into the model.
fn round_trip(path: &Path, text: &str) -> bool {
    let Ok(model) = Dockerfile::parse(text) else {
        return false;
    };
    let rendered = model.render();
    let again = Dockerfile::parse(&rendered).unwrap_or_else(|errors| {
        panic!(
            "{}: the rendering does not parse back:\n{errors}\n---\n{rendered}",
            path.display()
        )
    });
    assert_eq!(
        again,
        model,
        "{}: another model after the round trip",
        path.display()
    );
    assert_eq!(
        again.render(),
        rendered,
        "{}: rendering is not stable",
        path.display()
    );
    true
}

#[test]
fn goldens_and_lint_corpus_round_trip() {
    let mut accepted = 0;
    let mut files = dockerfiles("tests/golden");
    files.extend(dockerfiles("tests/lint"));
    files.extend(dockerfiles("tests/modern"));
    assert!(files.len() > 40, "the corpus is where it should be");
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        if round_trip(path, &text) {
            accepted += 1;
        }
    }
    // Every golden is a rendering of the model, so all of them come in.
    for path in dockerfiles("tests/golden") {
        let text = std::fs::read_to_string(&path).unwrap();
        let model = Dockerfile::parse(&text)
            .unwrap_or_else(|e| panic!("{}: a golden is refused:\n{e}", path.display()));
        assert_eq!(
            model.render(),
            text,
            "{}: a golden renders back as it is",
            path.display()
        );
    }
    assert!(accepted > files.len() / 2, "{accepted} of {}", files.len());
}

#[test]
fn corpus_from_the_environment_round_trips_and_never_panics() {
    let Some(dir) = std::env::var_os("STAGECRAFT_CORPUS") else {
        eprintln!("STAGECRAFT_CORPUS not set: the fetched corpus is not checked");
        return;
    };
    let mut files = Vec::new();
    files_under(Path::new(&dir), &mut files);
    let mut accepted = 0;
    for path in &files {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        if round_trip(path, &text) {
            accepted += 1;
        }
    }
    eprintln!(
        "{accepted} of {} corpus files come into the model",
        files.len()
    );
}

fn modern(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/modern")
            .join(name),
    )
    .unwrap()
}

/// The modern file's model, piece by piece: directives, comments where they
/// were, the ARG base, the platform ARG, every COPY/ADD flag, VOLUME,
/// EXPOSE of a variable, HEALTHCHECK --start-interval, ONBUILD.
#[test]
fn the_modern_file_is_held_whole() {
    let text = modern("directives-and-comments.Dockerfile");
    let model = Dockerfile::parse(&text).unwrap();
    assert_eq!(
        model.directives(),
        &Directives {
            syntax: Some("docker/dockerfile:1".into()),
            escape_backtick: false,
            check: Some("skip=JSONArgsRecommended".into()),
        }
    );
    assert_eq!(
        model.comments(),
        [
            GlobalComment {
                before_arg: 0,
                text: "The base is chosen at build time.".into()
            },
            GlobalComment {
                before_arg: 1,
                text: "A second global argument.".into()
            },
            GlobalComment {
                before_arg: 2,
                text: "The build stage.".into()
            },
        ]
    );
    let build = &model.stages()[0];
    assert_eq!(build.platform.as_deref(), Some("$BUILDPLATFORM"));
    assert_eq!(
        build.base,
        Base::Arg(ArgBase {
            name: "BASE".into(),
            fallback: Some("debian:bookworm-slim".into())
        })
    );
    let Instruction::Add(checked) = &build.instructions[2] else {
        panic!("{:?}", build.instructions[2]);
    };
    assert!(checked
        .checksum
        .as_deref()
        .unwrap()
        .starts_with("sha256:2445"));
    let Instruction::Add(git) = &build.instructions[3] else {
        panic!()
    };
    assert!(git.keep_git_dir && git.link);
    let Instruction::Copy(parents) = &build.instructions[5] else {
        panic!()
    };
    assert!(parents.parents);
    assert_eq!(parents.exclude, ["*.md", "docs/"]);
    // The comment before the second FROM ends the first stage.
    assert_eq!(
        build.instructions.last(),
        Some(&Instruction::Comment("The runtime.".into()))
    );

    let runtime = &model.stages()[1];
    let Instruction::Copy(uv) = &runtime.instructions[0] else {
        panic!()
    };
    assert_eq!(
        uv.from,
        Some(CopyFrom::Image {
            image: ImageRef::parse("ghcr.io/astral-sh/uv:0.5").unwrap()
        })
    );
    let Instruction::Copy(app) = &runtime.instructions[1] else {
        panic!()
    };
    assert_eq!(app.from, Some(CopyFrom::Stage("build".into())));
    assert_eq!(
        runtime.instructions[2],
        Instruction::Volume(vec!["/data".into()])
    );
    assert_eq!(
        runtime.instructions[3],
        Instruction::ExposeVariable(PortVariable {
            name: "PORT".into(),
            protocol: Some(Protocol::Tcp)
        })
    );
    assert!(matches!(
        runtime.instructions[6],
        Instruction::Healthcheck(Healthcheck::Check {
            start_interval_secs: Some(2),
            retries: Some(3),
            ..
        })
    ));
    assert!(matches!(
        &runtime.instructions[7],
        Instruction::Onbuild(inner) if matches!(inner.as_ref(), Instruction::Copy(_))
    ));
    assert_eq!(
        runtime.instructions.last(),
        Some(&Instruction::Comment("The end.".into()))
    );
    expect_test::expect_file!["modern/directives-and-comments.rendered.Dockerfile"]
        .assert_eq(&model.render());
}

#[test]
fn legacy_forms_are_read_reported_and_rendered_modern() {
    let parsed = Dockerfile::parse_with_notes(&modern("legacy.Dockerfile")).unwrap();
    let notes: Vec<String> = parsed.notes.iter().map(ToString::to_string).collect();
    assert_eq!(
        notes,
        [
            "line 2: `MAINTAINER` (deprecated) is legacy: write \
             `LABEL org.opencontainers.image.authors=\"...\"`",
            "line 3: `ENV key value` is legacy: write `ENV key=value`",
            "line 4: `LABEL key value` is legacy: write `LABEL key=\"value\"`",
        ]
    );
    assert_eq!(
        parsed.dockerfile.render(),
        "FROM debian:bookworm-slim\n\
         LABEL org.opencontainers.image.authors=\"Jane Doe <jane@example.com>\"\n\
         ENV LANG=C.UTF-8\n\
         LABEL org.opencontainers.image.title=\"demo\"\n\
         CMD [\"bash\"]\n"
    );
    // The modern rendering has nothing legacy left.
    let again = Dockerfile::parse_with_notes(&parsed.dockerfile.render()).unwrap();
    assert!(again.notes.is_empty());
}

#[test]
fn the_backtick_escape_is_kept_and_used() {
    let model = Dockerfile::parse(&modern("escape-backtick.Dockerfile")).unwrap();
    assert!(model.directives().escape_backtick);
    let Instruction::Env(pairs) = &model.stages()[0].instructions[0] else {
        panic!()
    };
    assert_eq!(pairs[0].value, "C:\\tools");
    assert_eq!(pairs[1].value, "say \"hi\"");
    // A backslash is an ordinary character there: `C:\tools` needs no quotes.
    assert_eq!(
        model.render(),
        "# escape=`\n\
         FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\n\
         ENV TOOL_HOME=C:\\tools `\n    TOOL_NAME=\"say `\"hi`\"\"\n\
         WORKDIR C:\\tools\n\
         CMD [\"cmd\"]\n"
    );
}

/// Under the backtick escape, a `\` and a newline end the instruction: text
/// the default escape would continue is refused, never rendered into an
/// instruction of its own (found by the property test: `ENTRYPOINT a\` then
/// a newline and `USER root`).
#[test]
fn the_backtick_escape_refuses_what_docker_would_read_otherwise() {
    let backtick = Directives {
        escape_backtick: true,
        ..Default::default()
    };
    let with = |instruction: Instruction| {
        let stage = Stage {
            alias: None,
            base: Base::Image(ImageRef::parse("debian:bookworm-slim").unwrap()),
            platform: None,
            instructions: vec![instruction],
        };
        Dockerfile::from_parts(Vec::new(), vec![stage])
            .unwrap()
            .with_directives(backtick.clone())
    };
    let injected = with(Instruction::Entrypoint(stagecraft::model::Command::Shell(
        "a\\\nUSER root".into(),
    )))
    .unwrap_err();
    assert_eq!(injected.len(), 1, "{injected}");
    assert!(
        injected.to_string().contains("drop the escape directive"),
        "{injected}"
    );
    // A value ending in the backtick is quoted (`model::word`), so its line
    // ends in `"`, not in a continuation, and it reads back.
    let quoted = with(Instruction::Workdir("C:\\app`".into())).unwrap();
    assert_eq!(
        quoted.render(),
        "# escape=`\nFROM debian:bookworm-slim\nWORKDIR \"C:\\app``\"\n"
    );
    assert_eq!(Dockerfile::parse(&quoted.render()).unwrap(), quoted);
    let plain = with(Instruction::Workdir("C:\\app".into())).unwrap();
    assert_eq!(
        plain.render(),
        "# escape=`\nFROM debian:bookworm-slim\nWORKDIR C:\\app\n"
    );
}

#[test]
fn bad_input_is_refused_with_line_and_fix() {
    let error = Dockerfile::parse(&modern("bad-from-undeclared.Dockerfile")).unwrap_err();
    assert_eq!(error.errors()[0].line, 2);
    let message = error.to_string();
    assert!(message.contains("`BASE` is no ARG declared"), "{message}");
    assert!(message.contains("ARG BASE=<image>"), "{message}");

    let error = Dockerfile::parse(&modern("bad-copy-from-index.Dockerfile")).unwrap_err();
    assert_eq!(error.errors()[0].line, 4);
    let message = error.to_string();
    assert!(message.contains("--from=0` (a stage index)"), "{message}");
    assert!(message.contains("`COPY --from=build`"), "{message}");

    // From JSON, the same refusal of an undeclared ARG.
    let json = r#"{"stages":[{"base":{"arg":{"name":"BASE"}},"instructions":[]}]}"#;
    let error = serde_json::from_str::<Dockerfile>(json).unwrap_err();
    assert!(
        error.to_string().contains("FROM $BASE names no ARG"),
        "{error}"
    );
    // ONBUILD of ONBUILD.
    let mut df = Dockerfile::builder();
    df.anonymous_stage(scratch())
        .onbuild(Instruction::Onbuild(Box::new(Instruction::Workdir(
            "/a".into(),
        ))));
    assert!(df
        .build()
        .unwrap_err()
        .to_string()
        .contains("ONBUILD of ONBUILD"));
    // A bad checksum, --keep-git-dir of no git URL, a bad context name.
    let mut df = Dockerfile::builder();
    df.anonymous_stage(scratch())
        .add_spec(
            AddSpec::new(["https://e.com/a.tgz"], "/a/")
                .checksum("md5:1")
                .keep_git_dir(),
        )
        .copy_spec(CopySpec::new(["/x"], "/x").from_context("0bad"));
    let message = df.build().unwrap_err().to_string();
    assert!(message.contains("ADD --checksum"), "{message}");
    assert!(message.contains("--keep-git-dir"), "{message}");
    assert!(message.contains("build context name"), "{message}");
}

/// The builders write what the parser reads back, for every new construct.
#[test]
fn builders_write_the_modern_constructs() {
    let mut df = Dockerfile::builder();
    let base = df.global_arg("BASE", Some("golang:1.23-bookworm"));
    let build = df
        .stage("build", &base)
        .platform(AutomaticArg::BuildPlatform)
        .arg(AutomaticArg::TargetArch.name(), None)
        .copy_spec(
            CopySpec::new(["go.mod", "go.sum"], "/src/")
                .parents()
                .exclude("*_test.go"),
        )
        .add_spec(
            AddSpec::new(["https://github.com/moby/buildkit.git#v0.13.1"], "/src/bk/")
                .keep_git_dir(),
        )
        .done();
    df.stage("runtime", scratch())
        .copy_spec(CopySpec::new(["/app"], "/app").from(&build).link())
        .copy_spec(
            CopySpec::new(["/uv"], "/bin/")
                .from_image(ImageRef::parse("ghcr.io/astral-sh/uv:0.5").unwrap()),
        )
        .copy_spec(CopySpec::new(["/index.html"], "/www/").from_context("docs"))
        .volume(["/data"])
        .expose_variable("PORT", Some(Protocol::Udp))
        .healthcheck_spec(
            HealthcheckSpec::exec(["/app", "ok"])
                .start_interval(1)
                .retries(2),
        )
        .onbuild(Instruction::Workdir("/app".into()))
        .comment("the end")
        .entrypoint(["/app"]);
    let model = df.build().unwrap();
    // The model declares the context it copies from: its own lint knows it
    // (the build is given `--build-context docs=...`).
    assert_eq!(model.contexts(), ["docs"]);
    let findings = model.lint(None);
    assert!(
        !findings.iter().any(|f| f.rule.id == "SCR023"),
        "{findings:?}"
    );
    let text = model.render();
    expect_test::expect_file!["modern/builders.rendered.Dockerfile"].assert_eq(&text);
    // In text, `--from=docs` of no stage reads as a typo of a stage name
    // (SCR023), as `stagecraft lint` says: a named context round-trips
    // through JSON, not through text.
    let error = Dockerfile::parse(&text).unwrap_err();
    assert_eq!(error.errors()[0].line, 11, "{error}");
    assert!(
        error
            .to_string()
            .contains("SCR023 (DL3022): `COPY --from=docs` names no earlier stage"),
        "{error}"
    );
    let json = serde_json::to_string(&model).unwrap();
    assert!(json.contains(r#"{"context":"docs"}"#), "{json}");
    assert_eq!(serde_json::from_str::<Dockerfile>(&json).unwrap(), model);
    // Without it, the text comes back as the same model.
    let mut stages: Vec<Stage> = model.stages().to_vec();
    stages[1].instructions.remove(2);
    let without = Dockerfile::from_parts(model.args().to_vec(), stages).unwrap();
    let again = Dockerfile::parse(&without.render()).unwrap();
    assert_eq!(again, without);
}

/// Docker removes the quotes of `COPY`/`ADD` paths when it expands them, as
/// the official notebook images rely on (`COPY a.py "/etc/ipython/"`).
#[test]
fn quoted_copy_paths_lose_their_quotes() {
    let model =
        Dockerfile::parse("FROM debian:bookworm-slim\nCOPY a.py \"/etc/ipython/\"\n").unwrap();
    let Instruction::Copy(copy) = &model.stages()[0].instructions[0] else {
        panic!()
    };
    assert_eq!(copy.destination, "/etc/ipython/");
    assert_eq!(
        model.render(),
        "FROM debian:bookworm-slim\nCOPY a.py /etc/ipython/\n"
    );
}

/// A literal backslash right before a reference (Docker's `\\$HOME`) is the
/// model's `\\$HOME`; before a literal `$` (Docker's `\\\$5`) the model's
/// `\\\$5`. Each slot reads it so and renders it back, under either escape.
#[test]
fn a_backslash_before_a_reference_round_trips() {
    let text = "FROM debian:bookworm-slim\n\
                ENV ROOT=/opt\n\
                ENV UNDER=C:\\\\$ROOT LITERAL=\"C:\\\\\\$5\"\n\
                LABEL under=\"C:\\\\${ROOT}\"\n\
                WORKDIR /w\\\\$ROOT\n";
    let model = Dockerfile::parse(text).unwrap_or_else(|e| panic!("{e}"));
    let instructions = &model.stages()[0].instructions;
    let Instruction::Env(pairs) = &instructions[1] else {
        panic!("{instructions:?}")
    };
    assert_eq!(pairs[0].value, r"C:\\$ROOT");
    assert_eq!(pairs[1].value, r"C:\\\$5");
    let Instruction::Label(pairs) = &instructions[2] else {
        panic!()
    };
    assert_eq!(pairs[0].value, r"C:\\${ROOT}");
    assert_eq!(instructions[3], Instruction::Workdir(r"/w\\$ROOT".into()));
    let rendered = model.render();
    assert!(rendered.contains(r#"ENV UNDER="C:\\$ROOT""#), "{rendered}");
    assert!(rendered.contains(r#"LITERAL="C:\\\$5""#), "{rendered}");
    assert_eq!(Dockerfile::parse(&rendered).unwrap(), model);
    // Under `# escape=`` ` `` a backslash is plain: `C:\$ROOT` is the
    // backslash then the reference, the same model value.
    let backtick =
        Dockerfile::parse("# escape=`\nFROM debian:bookworm-slim\nENV X=\"C:\\$ROOT\"\n").unwrap();
    let Instruction::Env(pairs) = &backtick.stages()[0].instructions[0] else {
        panic!()
    };
    assert_eq!(pairs[0].value, r"C:\\$ROOT");
    assert_eq!(Dockerfile::parse(&backtick.render()).unwrap(), backtick);
}

/// A `WORKDIR` or `USER` value starting with `--` is quoted: bare, Docker
/// would read it as a flag of the instruction (found by the `model_roundtrip`
/// fuzz target: `WORKDIR "--linkrelative/dir"` rendered bare and read back
/// as "`WORKDIR` needs arguments").
#[test]
fn values_that_look_like_flags_are_quoted() {
    let text = "FROM busybox:1.36\nWORKDIR \"--linkrelative/dir\"\nUSER \"--nobody\"\n";
    let model = Dockerfile::parse(text).unwrap_or_else(|e| panic!("{e}"));
    let Instruction::Workdir(path) = &model.stages()[0].instructions[0] else {
        panic!("{:?}", model.stages()[0].instructions)
    };
    assert_eq!(path, "--linkrelative/dir");
    assert_eq!(model.render(), text);
    assert_eq!(Dockerfile::parse(&model.render()).unwrap(), model);
}

/// `CMD []` and `ENTRYPOINT []` are valid Docker: they clear what the base
/// image set (an `ENTRYPOINT` then runs alone; BuildKit's parser test file
/// `brimstone-docker-consul` has one). An empty exec form stays refused
/// where a program must be named (`HEALTHCHECK CMD []`, `SHELL []`).
#[test]
fn an_empty_cmd_clears_the_inherited_one() {
    let text = "FROM debian:bookworm-slim\nENTRYPOINT [\"/bin/echo\"]\nCMD []\n";
    let model = Dockerfile::parse(text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        model.stages()[0].instructions[1],
        Instruction::Cmd(stagecraft::model::Command::Exec(Vec::new()))
    );
    assert_eq!(model.render(), text);
    assert_eq!(
        Dockerfile::parse("FROM debian\nENTRYPOINT []\n")
            .unwrap()
            .render(),
        "FROM debian\nENTRYPOINT []\n"
    );
    for refused in [
        "FROM debian\nHEALTHCHECK CMD []\n",
        "FROM debian\nSHELL []\n",
    ] {
        let errors = Dockerfile::parse(refused).unwrap_err().to_string();
        assert!(errors.contains("line 2"), "{refused}: {errors}");
    }
}

/// `FROM python:${PYTHON_VERSION}-slim`: an image reference with global
/// ARGs inside is held as its parts, renders each ARG braced, reads back
/// the same from its rendering and from JSON.
#[test]
fn a_from_with_args_inside_is_held_as_a_template() {
    let text = modern("from-template.Dockerfile");
    let model = Dockerfile::parse(&text).unwrap();
    let arg = |name: &str, fallback: Option<&str>| TemplatePart::Arg {
        name: name.into(),
        fallback: fallback.map(Into::into),
    };
    let text_part = |text: &str| TemplatePart::Text(text.into());
    let bases: Vec<&Base> = model.stages().iter().map(|stage| &stage.base).collect();
    assert_eq!(
        bases,
        [
            &Base::Template(ImageTemplate {
                parts: vec![
                    text_part("python:"),
                    arg("PYTHON_VERSION", None),
                    text_part("-slim")
                ]
            }),
            &Base::Template(ImageTemplate {
                parts: vec![
                    arg("REGISTRY", None),
                    text_part("/pangeo/base-notebook:"),
                    arg("TAG", None)
                ]
            }),
            &Base::Template(ImageTemplate {
                parts: vec![
                    text_part("debian:"),
                    arg("SUITE", Some("bookworm")),
                    text_part("-slim")
                ]
            }),
        ]
    );
    let rendered = model.render();
    expect_test::expect_file!["modern/from-template.rendered.Dockerfile"].assert_eq(&rendered);
    assert_eq!(Dockerfile::parse(&rendered).unwrap(), model);
    // The model lints as its text, and as its rendering.
    let ids = |text: &str| -> Vec<(&'static str, usize)> {
        stagecraft::rules::dockerfile::lint(text, &Default::default())
            .unwrap()
            .iter()
            .map(|f| (f.rule.id, f.line))
            .collect()
    };
    let from_model: Vec<(&str, usize)> = model
        .lint(None)
        .iter()
        .map(|f| (f.rule.id, f.line))
        .collect();
    assert_eq!(from_model, ids(&rendered));
    let mut text_ids: Vec<&str> = ids(&text).into_iter().map(|(id, _)| id).collect();
    let mut model_ids: Vec<&str> = from_model.into_iter().map(|(id, _)| id).collect();
    text_ids.sort();
    model_ids.sort();
    assert_eq!(text_ids, model_ids);
    let json = serde_json::to_string(&model).unwrap();
    assert!(
        json.contains(r#"{"template":[{"text":"python:"},{"arg":{"name":"PYTHON_VERSION"}},{"text":"-slim"}]}"#),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<Dockerfile>(&json).unwrap(), model);
}

#[test]
fn a_bad_template_is_refused_with_line_and_fix() {
    let error = Dockerfile::parse(&modern("bad-from-template.Dockerfile")).unwrap_err();
    let lines: Vec<usize> = error.errors().iter().map(|e| e.line).collect();
    assert_eq!(lines, [2, 3], "{error}");
    let message = error.to_string();
    assert!(
        message.contains("\"Python:3.12-slim\": with its ARGs' defaults"),
        "{message}"
    );
    assert!(
        message.contains("`FLAVOUR` is no ARG declared"),
        "{message}"
    );

    // From JSON: an undeclared ARG, a default that makes no image, text
    // that is no part of an image reference, one ARG alone.
    for (json, says) in [
        (
            r#"{"stages":[{"base":{"template":[{"text":"python:"},{"arg":{"name":"V"}}]}}]}"#,
            "FROM $V names no ARG",
        ),
        (
            r#"{"args":[{"name":"V","default":"3 12"}],"stages":[{"base":{"template":[{"text":"python:"},{"arg":{"name":"V"}}]}}]}"#,
            "FROM python:${V} reads \"python:3 12\" with its ARGs' defaults",
        ),
        (
            r#"{"args":[{"name":"V"}],"stages":[{"base":{"template":[{"text":"python "},{"arg":{"name":"V"}}]}}]}"#,
            "invalid FROM image template \"python ${V}\"",
        ),
        (
            r#"{"args":[{"name":"V"}],"stages":[{"base":{"template":[{"arg":{"name":"V"}}]}}]}"#,
            "not one ARG alone",
        ),
        (
            r#"{"args":[{"name":"V"}],"stages":[{"base":{"template":[{"text":"a"},{"text":"b"},{"arg":{"name":"V"}}]}}]}"#,
            "adjacent text one part",
        ),
        (
            r#"{"stages":[{"base":{"template":[{"text":"debian:bookworm-slim"}]}}]}"#,
            "without one, write the image itself",
        ),
    ] {
        let error = serde_json::from_str::<Dockerfile>(json).unwrap_err();
        assert!(error.to_string().contains(says), "{json}: {error}");
    }

    // The builder: an ARG of another builder.
    let mut other = Dockerfile::builder();
    let foreign = other.global_arg("V", Some("3.12"));
    let mut df = Dockerfile::builder();
    df.anonymous_stage(stagecraft::template("python:").arg(&foreign))
        .cmd(["true"]);
    let error = df.build().unwrap_err().to_string();
    assert!(error.contains("FROM $V names no ARG"), "{error}");
}

/// The builder writes what text reads: `template(..)` of declared ARGs
/// renders the FROM line, and the text parses back to the same model.
#[test]
fn the_template_builder_renders_what_text_reads() {
    let mut df = Dockerfile::builder();
    let registry = df.global_arg("REGISTRY", Some("docker.io"));
    let tag = df.global_arg("TAG", None);
    df.anonymous_stage(
        stagecraft::template("")
            .arg(&registry)
            .text("/library/")
            .text("debian:")
            .arg(&tag.or("bookworm-slim")),
    )
    .run(stagecraft::run!("true"));
    let model = df.build().unwrap();
    let rendered = model.render();
    assert!(
        rendered.contains("\nFROM ${REGISTRY}/library/debian:${TAG:-bookworm-slim}\n"),
        "{rendered}"
    );
    assert_eq!(Dockerfile::parse(&rendered).unwrap(), model);
}

/// A heredoc `COPY` (BuildKit, Docker 23+) comes into the model as written:
/// each heredoc a file named by its delimiter, expansion and tab stripping
/// kept, its flags and paths beside it; it renders back byte for byte,
/// survives JSON, and the model lints as its text.
#[test]
fn heredoc_copies_are_held() {
    let text = modern("heredoc-copy.Dockerfile");
    let model = Dockerfile::parse(&text).unwrap_or_else(|e| panic!("{e}"));
    let instructions = &model.stages()[0].instructions;
    let Instruction::Copy(conf) = &instructions[0] else {
        panic!("{instructions:?}")
    };
    assert_eq!(
        conf.heredocs,
        [Heredoc::new("app.conf", "port=80\nname=${NAME}\n")]
    );
    assert!(conf.sources.is_empty());
    assert_eq!(
        (conf.destination.as_str(), conf.chmod.as_deref()),
        ("/etc/app/", Some("0644"))
    );
    let Instruction::Copy(two) = &instructions[1] else {
        panic!("{instructions:?}")
    };
    assert_eq!(
        two.heredocs,
        [
            Heredoc::new("run.sh", "\techo \"$HOME\"\n")
                .strip_tabs()
                .literal(),
            Heredoc::new(".env", "KEY=value\n"),
        ]
    );
    assert_eq!(two.sources, ["README.md"]);
    assert!(two.link && two.chown.as_deref() == Some("65532:65532"));
    assert_eq!(model.render(), text);
    let json = serde_json::to_string(&model).unwrap();
    assert!(
        json.contains(r#""heredocs":[{"delimiter":"app.conf""#),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<Dockerfile>(&json).unwrap(), model);
    let findings = |list: Vec<(&'static str, usize)>| {
        let mut list = list;
        list.sort();
        list
    };
    let from_text = findings(
        stagecraft::rules::dockerfile::lint(&text, &Default::default())
            .unwrap()
            .iter()
            .map(|f| (f.rule.id, f.line))
            .collect(),
    );
    let from_model = findings(
        model
            .lint(None)
            .iter()
            .map(|f| (f.rule.id, f.line))
            .collect(),
    );
    assert_eq!(from_model, from_text);
}

/// The builder writes the same text: `CopySpec::heredoc`, several heredocs
/// with `and_heredoc`, the flags that apply.
#[test]
fn the_builder_writes_heredoc_copies() {
    let mut df = Dockerfile::builder();
    df.anonymous_stage("debian:bookworm-slim")
        .copy_spec(
            CopySpec::heredoc(
                Heredoc::new("app.conf", "port=80\nname=${NAME}"),
                "/etc/app/",
            )
            .chmod("0644"),
        )
        .copy_spec(
            CopySpec::new(["README.md"], "/opt/")
                .and_heredoc(
                    Heredoc::new("run.sh", "\techo \"$HOME\"")
                        .strip_tabs()
                        .literal(),
                )
                .and_heredoc(Heredoc::new(".env", "KEY=value"))
                .chown("65532:65532")
                .link(),
        );
    let syntax = Directives {
        syntax: Some("docker/dockerfile:1".into()),
        ..Default::default()
    };
    let model = df.build().unwrap().with_directives(syntax).unwrap();
    assert_eq!(model.render(), modern("heredoc-copy.Dockerfile"));
}

/// What a heredoc `COPY` cannot be, in the model and in text: each refused
/// with its reason and fix, never a panic.
#[test]
fn bad_heredoc_copies_are_refused() {
    let built = |spec: CopySpec| {
        let mut df = Dockerfile::builder();
        df.anonymous_stage("debian:bookworm-slim").copy_spec(spec);
        df.build().map(|_| ()).map_err(|e| e.to_string())
    };
    let heredoc = || Heredoc::new("app.conf", "port=80");
    // `--from` with a heredoc source.
    let mut df = Dockerfile::builder();
    let build = df.stage("build", "debian:bookworm-slim").done();
    df.anonymous_stage("debian:bookworm-slim")
        .copy_spec(CopySpec::heredoc(heredoc(), "/etc/").from(&build));
    let message = df.build().unwrap_err().to_string();
    assert!(
        message.contains("`COPY --from` cannot take a heredoc source")
            && message.contains("without `--from`"),
        "{message}"
    );
    // A delimiter that is no file name.
    for name in ["a/b", "-x", "..", "a b", ""] {
        let message = built(CopySpec::heredoc(Heredoc::new(name, "x"), "/etc/")).unwrap_err();
        assert!(
            message.contains(&format!(
                "`{name}` cannot be the file name of a heredoc `COPY`"
            )),
            "{message}"
        );
    }
    // A body line that would end it early; a body without its final newline.
    let early = Heredoc::new("app.conf", "a\napp.conf\nUSER root\n");
    let message = built(CopySpec::heredoc(early, "/etc/")).unwrap_err();
    assert!(
        message.contains("line 2 of the heredoc `app.conf`"),
        "{message}"
    );
    let mut unended = heredoc();
    unended.body = "port=80".into();
    let message = built(CopySpec::heredoc(unended, "/etc/")).unwrap_err();
    assert!(message.contains("does not end in a newline"), "{message}");
    // A blank in a path: the heredoc form splits at it.
    let message = built(CopySpec::new(["my file"], "/etc/").and_heredoc(heredoc())).unwrap_err();
    assert!(message.contains("a blank"), "{message}");
    // Inside ONBUILD a heredoc COPY is held to the same checks.
    let mut df = Dockerfile::builder();
    df.anonymous_stage("debian:bookworm-slim")
        .onbuild(Instruction::Copy(stagecraft::model::Copy::heredoc(
            Heredoc::new("a/b", "x\n"),
            "/etc/",
        )));
    let message = df.build().unwrap_err().to_string();
    assert!(message.contains("cannot be the file name"), "{message}");
    // Under the backtick escape (the rules read heredoc bodies with `\`).
    let mut df = Dockerfile::builder();
    df.anonymous_stage("debian:bookworm-slim")
        .copy_spec(CopySpec::heredoc(heredoc(), "/etc/"));
    let backtick = Directives {
        escape_backtick: true,
        ..Default::default()
    };
    let message = df
        .build()
        .unwrap()
        .with_directives(backtick)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("heredocs need the default escape"),
        "{message}"
    );
    // JSON meets the same checks.
    let json = r#"{"stages":[{"base":{"image":"debian:bookworm-slim"},"instructions":[
        {"copy":{"sources":[],"destination":"/etc/","heredocs":[{"delimiter":"a/b","body":"x\n"}]}}]}]}"#;
    let error = serde_json::from_str::<Dockerfile>(json).unwrap_err();
    assert!(
        error.to_string().contains("`a/b` cannot be the file name"),
        "{error}"
    );

    // In text: unterminated, a bad delimiter, `--from`, under the backtick.
    let parse = |text: &str| Dockerfile::parse(text).unwrap_err();
    let error = parse("FROM debian:bookworm-slim\nCOPY <<app.conf /etc/\nport=80\n");
    assert_eq!(error.errors()[0].line, 2, "{error}");
    assert!(
        error
            .to_string()
            .contains("heredoc `<<app.conf` is never closed"),
        "{error}"
    );
    let error = parse("FROM debian:bookworm-slim\nCOPY <<a/b /etc/\nx\na/b\n");
    assert_eq!(error.errors()[0].line, 2, "{error}");
    assert!(
        error.to_string().contains("the heredoc file name `a/b`"),
        "{error}"
    );
    let error = parse(
        "FROM debian:bookworm-slim AS build\nFROM debian:bookworm-slim\n\
         COPY --from=build <<a.txt /etc/\nx\na.txt\n",
    );
    assert_eq!(error.errors()[0].line, 3, "{error}");
    assert!(
        error
            .to_string()
            .contains("a heredoc source is written by the Dockerfile"),
        "{error}"
    );
    let error = parse("# escape=`\nFROM debian:bookworm-slim\nCOPY <<a.txt /etc/\nx\na.txt\n");
    assert!(
        error
            .to_string()
            .contains("a heredoc `COPY` under the backtick escape"),
        "{error}"
    );
}

/// A heredoc `ADD` (BuildKit, Docker 23+) is held as a heredoc `COPY` is:
/// read from text, rendered back byte for byte, built by `AddSpec::heredoc`,
/// through JSON, and linted as its text.
#[test]
fn heredoc_adds_are_held() {
    let text = "FROM debian:bookworm-slim\n\
                ADD --chmod=0644 <<app.conf /etc/app/\nport=80\nname=${NAME}\napp.conf\n\
                ADD --chown=65532:65532 --link <<-'run.sh' <<.env README.md /opt/\n\
                \techo \"$HOME\"\nrun.sh\nKEY=value\n.env\n\
                USER 65532\n";
    let model = Dockerfile::parse(text).unwrap_or_else(|e| panic!("{e}"));
    let instructions = &model.stages()[0].instructions;
    let Instruction::Add(conf) = &instructions[0] else {
        panic!("{instructions:?}")
    };
    assert_eq!(
        conf.heredocs,
        [Heredoc::new("app.conf", "port=80\nname=${NAME}\n")]
    );
    assert!(conf.sources.is_empty());
    assert_eq!(
        (conf.destination.as_str(), conf.chmod.as_deref()),
        ("/etc/app/", Some("0644"))
    );
    let Instruction::Add(two) = &instructions[1] else {
        panic!("{instructions:?}")
    };
    assert_eq!(
        two.heredocs,
        [
            Heredoc::new("run.sh", "\techo \"$HOME\"\n")
                .strip_tabs()
                .literal(),
            Heredoc::new(".env", "KEY=value\n"),
        ]
    );
    assert_eq!(two.sources, ["README.md"]);
    assert!(two.link && two.chown.as_deref() == Some("65532:65532"));
    assert_eq!(model.render(), text);
    let json = serde_json::to_string(&model).unwrap();
    assert!(
        json.contains(r#""add":{"sources":[],"destination":"/etc/app/","chmod":"0644","heredocs":[{"delimiter":"app.conf""#),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<Dockerfile>(&json).unwrap(), model);

    let mut df = Dockerfile::builder();
    df.anonymous_stage("debian:bookworm-slim")
        .add_spec(
            AddSpec::heredoc(
                Heredoc::new("app.conf", "port=80\nname=${NAME}"),
                "/etc/app/",
            )
            .chmod("0644"),
        )
        .add_spec(
            AddSpec::new(["README.md"], "/opt/")
                .and_heredoc(
                    Heredoc::new("run.sh", "\techo \"$HOME\"")
                        .strip_tabs()
                        .literal(),
                )
                .and_heredoc(Heredoc::new(".env", "KEY=value"))
                .chown("65532:65532")
                .link(),
        )
        .user("65532");
    assert_eq!(df.build().unwrap().render(), text);

    let findings = |list: Vec<(&'static str, usize)>| {
        let mut list = list;
        list.sort();
        list
    };
    let from_text = findings(
        stagecraft::rules::dockerfile::lint(text, &Default::default())
            .unwrap()
            .iter()
            .map(|f| (f.rule.id, f.line))
            .collect(),
    );
    let from_model = findings(
        model
            .lint(None)
            .iter()
            .map(|f| (f.rule.id, f.line))
            .collect(),
    );
    assert_eq!(from_model, from_text);
    // Not vacuous: the same findings on both sides (a heredoc ADD is what
    // COPY does too, DL3020; the second also adds a local file).
    assert_eq!(from_text, [("SCR019", 2), ("SCR019", 6)]);
}

/// What a heredoc `ADD` cannot be, in the model and in text: the flags of
/// URL sources (`--checksum`, `--keep-git-dir`), a blank in a path, inside
/// `ONBUILD`; each refused with its reason.
#[test]
fn bad_heredoc_adds_are_refused() {
    let built = |spec: AddSpec| {
        let mut df = Dockerfile::builder();
        df.anonymous_stage("debian:bookworm-slim").add_spec(spec);
        df.build().map(|_| ()).map_err(|e| e.to_string())
    };
    let heredoc = || Heredoc::new("app.conf", "port=80");
    let sha = format!("sha256:{}", "a".repeat(64));
    let message = built(AddSpec::heredoc(heredoc(), "/etc/").checksum(&sha)).unwrap_err();
    assert!(
        message.contains("`ADD --checksum` cannot take a heredoc source")
            && message.contains("drop `--checksum`"),
        "{message}"
    );
    let message = built(AddSpec::heredoc(heredoc(), "/etc/").keep_git_dir()).unwrap_err();
    assert!(
        message.contains("`ADD --keep-git-dir` cannot take a heredoc source"),
        "{message}"
    );
    assert!(!message.contains("no git URL"), "said once: {message}");
    let message = built(AddSpec::heredoc(Heredoc::new("a/b", "x"), "/etc/")).unwrap_err();
    assert!(
        message.contains("`a/b` cannot be the file name of a heredoc `COPY` or `ADD` source"),
        "{message}"
    );
    let message = built(AddSpec::new(["my file"], "/etc/").and_heredoc(heredoc())).unwrap_err();
    assert!(message.contains("path of a heredoc ADD"), "{message}");
    let mut df = Dockerfile::builder();
    df.anonymous_stage("debian:bookworm-slim")
        .onbuild(Instruction::Add(stagecraft::model::Add::heredoc(
            heredoc(),
            "/etc/",
        )));
    // BuildKit keeps an ONBUILD trigger's heredoc with it (moby/buildkit#2209).
    let built = df.build().expect("a heredoc ADD in ONBUILD");
    let text = built.render();
    assert!(
        text.ends_with("ONBUILD ADD <<app.conf /etc/\nport=80\napp.conf\n"),
        "{text}"
    );
    assert_eq!(Dockerfile::parse(&text).expect("reads back"), built);

    let parse = |text: &str| Dockerfile::parse(text).unwrap_err();
    let error = parse(&format!(
        "FROM debian:bookworm-slim\nADD --checksum={sha} <<a.txt /etc/\nx\na.txt\n"
    ));
    assert_eq!(error.errors()[0].line, 2, "{error}");
    assert!(
        error
            .to_string()
            .contains("--checksum and --keep-git-dir are of URL sources"),
        "{error}"
    );
    let error = parse("FROM debian:bookworm-slim\nADD --keep-git-dir <<a.txt /etc/\nx\na.txt\n");
    assert_eq!(error.errors().len(), 1, "said once: {error}");
    assert!(
        error
            .to_string()
            .contains("heredoc source \"--keep-git-dir\""),
        "{error}"
    );
    // `--keep-git-dir=false` keeps nothing: read, and dropped.
    let model = Dockerfile::parse(
        "FROM debian:bookworm-slim\nADD --keep-git-dir=false <<a.txt /etc/\nx\na.txt\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        model.render(),
        "FROM debian:bookworm-slim\nADD <<a.txt /etc/\nx\na.txt\n"
    );
    let error = parse("# escape=`\nFROM debian:bookworm-slim\nADD <<a.txt /etc/\nx\na.txt\n");
    assert!(
        error
            .to_string()
            .contains("a heredoc `ADD` under the backtick escape"),
        "{error}"
    );
}
