//! Bad input to the model: each is a typed error naming the value and the fix.

use stagecraft::error::{ErrorKind, Part};
use stagecraft::model::{Command, Instruction};
use stagecraft::packages::{Apk, Apt, Conda, Dnf, Pip, Zypper};
use stagecraft::{scratch, shell_less, CopySpec, Dockerfile, ImageRefError, Run};

/// The kinds of the errors `build` reports, or a panic if it succeeds.
fn kinds(df: stagecraft::DockerfileBuilder) -> Vec<ErrorKind> {
    df.build()
        .expect_err("the model should be refused")
        .into_iter()
        .map(|error| error.kind)
        .collect()
}

#[test]
fn duplicate_aliases_are_refused_case_insensitively() {
    let mut df = Dockerfile::builder();
    df.stage("build", "debian:bookworm-slim");
    df.stage("Build", "debian:bookworm-slim");
    let errors = df.build().unwrap_err();
    let error = errors.iter().next().unwrap();
    assert_eq!(error.location.stage, Some(1));
    assert_eq!(error.location.part, Part::From);
    assert_eq!(
        error.kind,
        ErrorKind::DuplicateAlias {
            alias: "Build".into(),
            first: 1
        }
    );
    assert_eq!(
        errors.to_string(),
        "stage 2 `Build`, FROM: duplicate stage alias \"Build\": stage 1 already has it; \
         give every stage its own alias"
    );
}

#[test]
fn aliases_that_shadow_images_or_scratch_are_refused() {
    // An alias that a FROM writing the image by that name alone would read
    // as the stage: refused.
    let mut df = Dockerfile::builder();
    df.stage("debian", "debian:bookworm-slim");
    df.anonymous_stage("debian");
    assert_eq!(
        kinds(df),
        [ErrorKind::AliasIsImageName {
            alias: "debian".into(),
            image: "debian".into()
        }]
    );
    // With a tag (or digest) the reference is no stage name: `FROM
    // python:3.13 AS python`, a pattern of version files kept by renovate.
    let mut df = Dockerfile::builder();
    df.stage("debian", "debian:bookworm-slim");
    assert!(df.build().is_ok());

    let mut df = Dockerfile::builder();
    df.stage("SCRATCH", scratch());
    assert_eq!(
        kinds(df),
        [ErrorKind::ReservedAlias {
            alias: "SCRATCH".into()
        }]
    );

    let mut df = Dockerfile::builder();
    df.stage("1st", scratch());
    assert_eq!(
        kinds(df),
        [ErrorKind::InvalidAlias {
            alias: "1st".into()
        }]
    );
}

#[test]
fn invalid_image_references_say_which_part_is_wrong() {
    let mut df = Dockerfile::builder();
    df.stage("build", "ubuntu:16.04\nRUN rm -rf /");
    df.anonymous_stage(shell_less("gcr.io/Distroless/cc"));
    let errors = df.build().unwrap_err();
    let kinds: Vec<_> = errors.iter().map(|e| &e.kind).collect();
    assert!(
        matches!(kinds[0], ErrorKind::Image(ImageRefError::InvalidTag { tag, .. }) if tag == "16.04\nRUN rm -rf /"),
        "{kinds:?}"
    );
    assert!(
        matches!(
            kinds[1],
            ErrorKind::Image(ImageRefError::UppercaseInPath { .. })
        ),
        "{kinds:?}"
    );
    assert_eq!(errors.len(), 2, "{errors}");
    assert!(errors
        .to_string()
        .starts_with("2 problems in the Dockerfile model:"));
}

#[test]
fn empty_package_lists_are_refused_for_every_manager() {
    let none: [&str; 0] = [];
    let mut df = Dockerfile::builder();
    df.anonymous_stage("debian:bookworm-slim")
        .install(Apt::install(none))
        .install(Apk::add(none))
        .install(Dnf::install(none))
        .install(Zypper::install(none))
        .install(Pip::install(none))
        .install(Conda::install(none));
    let errors = df.build().unwrap_err();
    let managers: Vec<String> = errors
        .iter()
        .map(|error| match &error.kind {
            ErrorKind::Recipe(stagecraft::packages::RecipeError::EmptyPackageList { manager }) => {
                manager.to_string()
            }
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        managers,
        ["apt-get", "apk", "dnf", "zypper", "pip", "conda"]
    );
}

#[test]
fn package_names_cannot_inject_shell() {
    for bad in [
        "curl; rm -rf /",
        "curl\nUSER root",
        "$(reboot)",
        "curl`id`",
        "a|b",
    ] {
        let mut df = Dockerfile::builder();
        df.anonymous_stage("debian:bookworm-slim")
            .install(Apt::install(["ca-certificates", bad]))
            .install(Pip::install([bad]));
        let errors = df.build().unwrap_err();
        assert_eq!(errors.len(), 2, "{bad:?}: {errors}");
        for error in &errors {
            assert!(
                error
                    .to_string()
                    .contains(&format!("invalid package {bad:?}")),
                "{error}"
            );
        }
    }
}

#[test]
fn env_keys_with_equals_or_spaces_are_refused() {
    let mut df = Dockerfile::builder();
    df.anonymous_stage("debian:bookworm-slim")
        .env("PATH=/usr/games", "x")
        .env("MY VAR", "x")
        .label("has space", "x");
    let errors = df.build().unwrap_err();
    let text = errors.to_string();
    assert_eq!(errors.len(), 3, "{text}");
    assert!(
        text.contains("instruction 1 (ENV): invalid ENV key \"PATH=/usr/games\""),
        "{text}"
    );
    assert!(
        text.contains("instruction 2 (ENV): invalid ENV key \"MY VAR\""),
        "{text}"
    );
    assert!(text.contains("invalid LABEL key \"has space\""), "{text}");
}

#[test]
fn relative_copy_destinations_need_a_workdir() {
    let mut df = Dockerfile::builder();
    df.anonymous_stage("debian:bookworm-slim")
        .copy("app.conf", "etc/app.conf")
        .workdir("/opt/app")
        .copy("app.conf", "conf/");
    assert_eq!(
        kinds(df),
        [ErrorKind::RelativeDestination {
            destination: "etc/app.conf".into()
        }]
    );

    // A WORKDIR in the parent stage counts.
    let mut df = Dockerfile::builder();
    let base = df
        .stage("base", "debian:bookworm-slim")
        .workdir("/opt")
        .done();
    df.anonymous_stage(&base).copy("a", "b");
    assert!(df.build().is_ok());
}

#[test]
fn newlines_and_nul_never_reach_the_text() {
    let mut df = Dockerfile::builder();
    df.anonymous_stage("debian:bookworm-slim")
        .env("A", "x\nRUN rm -rf /")
        .label("k", "v\0")
        .workdir("/a\nb")
        .copy("a\nb", "/c")
        .user("root\nRUN id")
        .arg("V", Some("1\r"));
    let errors = df.build().unwrap_err();
    let characters: Vec<&str> = errors
        .iter()
        .map(|error| match &error.kind {
            ErrorKind::ForbiddenCharacter { character, .. } => *character,
            ErrorKind::InvalidName { what, .. } => what,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        characters,
        [
            "a newline",
            "a NUL byte",
            "a newline",
            "a newline",
            "USER",
            "a carriage return"
        ]
    );
    assert!(Run::checked("echo a\nUSER root").is_err());
    assert!(Run::checked("echo \0").is_err());
}

#[test]
fn comments_with_newlines_become_several_lines() {
    let mut df = Dockerfile::builder();
    df.anonymous_stage(scratch())
        .comment("first line\n\nRUN not an instruction")
        .entrypoint(["/app"]);
    assert_eq!(
        df.build().unwrap().render(),
        "FROM scratch\n# first line\n#\n# RUN not an instruction\nENTRYPOINT [\"/app\"]\n"
    );
}

#[test]
fn exec_form_is_json_escaped() {
    let mut df = Dockerfile::builder();
    df.anonymous_stage(scratch())
        .entrypoint(["/app", "say \"hi\"", "back\\slash", "two\nlines"]);
    assert_eq!(
        df.build().unwrap().render(),
        "FROM scratch\nENTRYPOINT [\"/app\", \"say \\\"hi\\\"\", \"back\\\\slash\", \"two\\nlines\"]\n"
    );
}

#[test]
fn paths_with_spaces_use_the_json_form() {
    let mut df = Dockerfile::builder();
    let build = df.stage("build", "debian:bookworm-slim").done();
    df.anonymous_stage(scratch())
        .copy_spec(CopySpec::new(["/opt/My App/bin"], "/opt/My App/").from(&build));
    assert!(df
        .build()
        .unwrap()
        .render()
        .contains("COPY --from=build [\"/opt/My App/bin\", \"/opt/My App/\"]\n"));
}

#[test]
fn stage_refs_of_another_builder_are_refused() {
    let mut other = Dockerfile::builder();
    let foreign = other.stage("build", "debian:bookworm-slim").done();
    let mut df = Dockerfile::builder();
    df.stage("build", "debian:bookworm-slim");
    df.anonymous_stage(scratch())
        .copy_from(&foreign, "/a", "/a");
    assert_eq!(
        kinds(df),
        [ErrorKind::ForeignStage {
            alias: "build".into()
        }]
    );
}

#[test]
fn a_model_needs_a_stage() {
    assert_eq!(kinds(Dockerfile::builder()), [ErrorKind::NoStages]);
}

#[test]
fn json_models_are_held_to_the_same_rules() {
    // A RUN, a shell-form CMD and a COPY from a later stage, written by hand.
    let json = r#"{"stages":[
        {"base":"scratch","instructions":[
            {"run":{"shell":"make"}},
            {"cmd":{"shell":"fortune | cowsay"}},
            {"copy":{"from":"later","sources":["/a"],"destination":"/a"}}]},
        {"alias":"later","base":{"image":"debian:bookworm-slim"}}]}"#;
    let error = serde_json::from_str::<Dockerfile>(json)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("instruction 1 (RUN): RUN needs a shell"),
        "{error}"
    );
    assert!(
        error.contains("instruction 2 (CMD): a shell-form CMD needs a shell"),
        "{error}"
    );
    assert!(
        error.contains("instruction 3 (COPY): COPY --from names the stage \"later\", which is not declared before this stage"),
        "{error}"
    );
}

#[test]
fn the_typed_model_is_readable() {
    let dockerfile =
        stagecraft_workshop::fortune::dockerfile(stagecraft_workshop::fortune::Variant::Scratch)
            .unwrap();
    let last = dockerfile.stages().last().unwrap();
    let last_index = dockerfile.stages().len() - 1;
    assert!(!dockerfile.stage_has_shell(last_index));
    assert!(dockerfile.stage_has_shell(0));
    assert!(matches!(
        last.instructions.last(),
        Some(Instruction::Entrypoint(Command::Exec(words))) if words == &["fortune"]
    ));
}

/// Found by the property test: an empty comment must still be a comment
/// line, and a WORKDIR ending in a backslash must not swallow the next line.
#[test]
fn empty_comments_and_trailing_backslashes() {
    let mut df = Dockerfile::builder();
    df.anonymous_stage("debian:bookworm-slim")
        .comment("")
        .workdir("/opt");
    assert_eq!(
        df.build().unwrap().render(),
        "FROM debian:bookworm-slim\n#\nWORKDIR /opt\n"
    );

    // Now quoted (`model::word`), so it ends the line and reads back.
    let mut df = Dockerfile::builder();
    df.anonymous_stage("debian:bookworm-slim")
        .workdir("/opt\\")
        .user("root");
    let dockerfile = df.build().unwrap();
    let text = dockerfile.render();
    assert_eq!(
        text,
        "FROM debian:bookworm-slim\nWORKDIR \"/opt\\\\\"\nUSER root\n"
    );
    assert_eq!(Dockerfile::parse(&text).unwrap(), dockerfile);
}

/// A model with a 64k-stage `FROM` chain, each stage copying from the
/// first: validation looks stages up in one graph (no quadratic search, no
/// recursion whose depth is the chain's length).
#[test]
fn a_long_stage_chain_validates_in_one_pass() {
    use stagecraft::model::{Base, Copy, Stage};
    use stagecraft::ImageRef;

    let mut stages = vec![Stage {
        alias: Some("s0".to_owned()),
        base: Base::ShellLess(ImageRef::parse("gcr.io/distroless/static-debian12").unwrap()),
        platform: None,
        instructions: vec![Instruction::Workdir("/app".to_owned())],
    }];
    for i in 1..64_000 {
        let mut copy = Copy::new("/a", "a");
        copy.from = Some("s0".into());
        stages.push(Stage {
            alias: Some(format!("s{i}")),
            base: Base::Stage(format!("S{}", i - 1)),
            platform: None,
            instructions: vec![Instruction::Copy(copy)],
        });
    }
    let dockerfile = Dockerfile::from_parts(Vec::new(), stages).unwrap();
    assert!(!dockerfile.stage_has_shell(63_999));
}

/// `HEALTHCHECK`'s five options and `EXPOSE`'s protocol are spelled once
/// (`Healthcheck::options`, `Port::spelled`): the rendering writes them in
/// Docker's order, the text reads back to the same model, and the lint
/// through the view sees what the lint of the text sees.
#[test]
fn healthcheck_options_and_ports_are_spelled_once() {
    use stagecraft::model::{Healthcheck, Port, Protocol};
    let mut df = Dockerfile::builder();
    df.anonymous_stage("debian:bookworm-slim")
        .instruction(Instruction::Expose(Port {
            number: 53,
            protocol: Protocol::Udp,
        }))
        .instruction(Instruction::Healthcheck(Healthcheck::Check {
            command: Command::Exec(vec!["/probe".into()]),
            interval_secs: Some(30),
            timeout_secs: Some(5),
            start_period_secs: Some(10),
            start_interval_secs: Some(2),
            retries: Some(3),
        }));
    let dockerfile = df.build().unwrap();
    let text = dockerfile.render();
    assert_eq!(
        text,
        "FROM debian:bookworm-slim\n\
         EXPOSE 53/udp\n\
         HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --start-interval=2s \
         --retries=3 CMD [\"/probe\"]\n"
    );
    assert_eq!(Dockerfile::parse(&text).unwrap(), dockerfile);
    let oracle = stagecraft::rules::dockerfile::lint(
        &text,
        &stagecraft::rules::dockerfile::Options::default(),
    )
    .unwrap();
    assert_eq!(dockerfile.lint(None).into_vec(), oracle);
}
