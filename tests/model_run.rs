//! `RUN` in the typed model: mounts of every type, `--network`,
//! `--security`, exec form and heredocs, rendered against
//! `tests/golden/run/` and read back.
//!
//! Update the goldens with `UPDATE_EXPECT=1 cargo test --test model_run`.

use expect_test::expect_file;
use stagecraft::model::{
    CopyFrom, Heredoc, HeredocScript, Mount, Network, RunSpec, SecretId, Security, Sharing,
};
use stagecraft::{shell_less, Dockerfile, ImageRef, Instruction};

fn id(name: &str) -> SecretId {
    SecretId::new(name).expect("a valid secret id")
}

/// A Dockerfile with every mount type and option, both flags, the exec form
/// and heredocs.
fn every_run_form() -> Dockerfile {
    let mut df = Dockerfile::builder();
    let apt = RunSpec::new()
        .mount(Mount::cache("/var/cache/apt").sharing(Sharing::Locked))
        .mount(Mount::cache("/var/lib/apt").sharing(Sharing::Locked))
        .shell(
            "rm -f /etc/apt/apt.conf.d/docker-clean \\\n \
             && apt-get update \\\n \
             && apt-get install -y --no-install-recommends make=4.3-4.1",
        )
        .unwrap();
    let cache_options = RunSpec::new()
        .mount(
            Mount::cache("/root/.cache/pip")
                .id("pip")
                .sharing(Sharing::Private)
                .from(ImageRef::parse("python:3.12-slim").unwrap())
                .source("/cache")
                .mode(0o755)
                .uid(1000)
                .gid(1000),
        )
        .mount(Mount::cache("/ro").sharing(Sharing::Shared).read_only())
        .network(Network::Default)
        .shell("pip install numpy==2.1.0")
        .unwrap();
    let bind = RunSpec::new()
        .mount(
            Mount::bind("/src")
                .source("app")
                .from(ImageRef::parse("ghcr.io/example/app:1.0").unwrap())
                .read_write(),
        )
        .mount(Mount::bind("/context"))
        .mount(Mount::tmpfs("/scratch").size(64 << 20))
        .network(Network::None)
        .shell("make -C /src")
        .unwrap();
    let secrets = RunSpec::new()
        .mount(
            Mount::secret(id("npmrc"))
                .target("/root/.npmrc")
                .required()
                .mode(0o400)
                .uid(0)
                .gid(0),
        )
        .mount(Mount::secret(id("token")).env("API_TOKEN"))
        .mount(
            Mount::ssh()
                .id(id("github"))
                .target("/run/ssh.sock")
                .required()
                .mode(0o600)
                .uid(1)
                .gid(1),
        )
        .mount(Mount::ssh())
        .network(Network::Host)
        .security(Security::Insecure)
        .shell("test -s /root/.npmrc && test -n \"$API_TOKEN\"")
        .unwrap();
    let sandboxed = RunSpec::new()
        .security(Security::Sandbox)
        .exec(["/bin/true"])
        .unwrap();
    let script = RunSpec::new()
        .heredoc(HeredocScript::script(Heredoc::new(
            "EOF",
            "set -eu\nmkdir -p /data\necho \"$HOME\" > /data/home\n",
        )))
        .unwrap();
    let python = RunSpec::new()
        .heredoc(HeredocScript::with_interpreter(
            "python3",
            Heredoc::new("PY", "import os\nprint(os.environ['HOME'])\n").literal(),
        ))
        .unwrap();
    let shebang = RunSpec::new()
        .heredoc(HeredocScript::script(Heredoc::new(
            "EOF",
            "#!/usr/bin/env python3\nprint('no shell here: apt-get install x')\n",
        )))
        .unwrap();
    let several = RunSpec::new()
        .heredoc(HeredocScript::new(
            "<<A cat > /a && <<-'B' cat > /b",
            vec![
                Heredoc::new("A", "one $HOME\n"),
                Heredoc::new("B", "\ttwo $HOME\n").strip_tabs().literal(),
            ],
        ))
        .unwrap();
    df.stage("seed", "debian:bookworm-slim")
        .run(apt)
        .run(cache_options)
        .run(bind)
        .run(secrets)
        .run(sandboxed.into())
        .run(script)
        .run(python)
        .run(shebang)
        .run(several)
        .done();
    df.anonymous_stage(shell_less("gcr.io/distroless/static-debian12:nonroot"))
        .run_exec(
            RunSpec::new()
                .mount(Mount::bind("/seed").from("seed"))
                .exec(["/seed/bin/cp", "/seed/a", "/a"])
                .unwrap(),
        );
    df.build().expect("every RUN form builds")
}

#[test]
fn every_run_form_renders() {
    expect_file!["golden/run/every_form.Dockerfile"].assert_eq(&every_run_form().render());
}

#[test]
fn every_run_form_survives_json() {
    let dockerfile = every_run_form();
    let json = serde_json::to_string(&dockerfile).unwrap();
    let again: Dockerfile = serde_json::from_str(&json).unwrap();
    assert_eq!(again, dockerfile);
}

#[test]
fn every_run_form_parses_back() {
    let dockerfile = every_run_form();
    let text = dockerfile.render();
    let parsed = Dockerfile::parse(&text).unwrap_or_else(|errors| panic!("{errors}"));
    assert_eq!(parsed, dockerfile);
    assert_eq!(parsed.render(), text);
}

/// Flags on continuation lines, in any case and with aliases, read as the
/// same typed mounts, and render in the canonical form.
#[test]
fn written_forms_read_as_typed_mounts() {
    let text = "FROM debian:bookworm-slim\n\
                RUN --mount=type=cache,dst=/root/.cache/pip,sharing=locked \\\n    \
                --network=none \\\n    \
                pip install numpy==2.1.0 \\\n \
                && pip check\n";
    let dockerfile = Dockerfile::parse(text).unwrap_or_else(|errors| panic!("{errors}"));
    assert_eq!(
        dockerfile.render(),
        "FROM debian:bookworm-slim\n\
         RUN --mount=type=cache,target=/root/.cache/pip,sharing=locked --network=none \
         pip install numpy==2.1.0 \\\n \
         && pip check\n"
    );
}

/// Each bad input is one error on its line, saying what to write instead.
#[test]
fn bad_run_input_is_refused_with_its_line() {
    let cases = [
        (
            "RUN --mount=type=volume,target=/v make",
            "unknown mount type `volume`",
        ),
        (
            "RUN --mount=type=cache,target=/c,size=1 make",
            "no option `size`",
        ),
        (
            "RUN --mount=type=secret,id=a$b make",
            "not a valid secret id",
        ),
        (
            "RUN --mount=type=cache,target=/c,sharing=all make",
            "shared, locked or private",
        ),
        ("RUN --network=bridge make", "default, none or host"),
        ("RUN --security=root make", "sandbox or insecure"),
        ("RUN --device=gpu make", "`RUN --device`"),
        ("RUN <<EOF\nmake\n", "never closed"),
        ("RUN [\"\"]", "needs a program"),
    ];
    for (run, expected) in cases {
        let text = format!("FROM debian:bookworm-slim\n{run}\n");
        let errors = Dockerfile::parse(&text).unwrap_err();
        assert_eq!(errors.errors().len(), 1, "{run}: {errors}");
        assert_eq!(errors.errors()[0].line, 2, "{run}");
        let message = errors.to_string();
        assert!(message.contains(expected), "{run}: {message}");
    }
}

/// A heredoc fed to python is not checked as shell; one fed to sh is.
#[test]
fn heredoc_bodies_are_checked_as_what_runs_them() {
    let python = HeredocScript::with_interpreter("python3", Heredoc::new("PY", "pip install x\n"));
    assert!(RunSpec::new().heredoc(python).is_ok());
    let shell = HeredocScript::script(Heredoc::new("EOF", "pip install numpy\n"));
    let error = RunSpec::new().heredoc(shell).unwrap_err();
    assert!(error.to_string().contains("SCR009"), "{error}");
    let bash = HeredocScript::with_interpreter("bash", Heredoc::new("EOF", "apk add curl\n"));
    assert!(RunSpec::new().heredoc(bash).is_err());
}

/// Text Docker would read as flags or as the exec form is never a shell `RUN`.
#[test]
fn shell_text_cannot_pose_as_flags_or_exec_form() {
    let error = stagecraft::Run::checked("--network=host make").unwrap_err();
    assert!(error.to_string().contains("reads as a RUN flag"), "{error}");
    let error = stagecraft::Run::checked("[\"make\"]").unwrap_err();
    assert!(error.to_string().contains("exec (JSON) form"), "{error}");
}

/// A `[` that is not a JSON array is shell text (`test`), for Docker, the
/// lint and the model alike: one rule (`check_run_start`).
#[test]
fn a_test_bracket_is_shell_text() {
    assert!(stagecraft::Run::checked("[ -f /x ] && make").is_ok());
    let text = "FROM debian:bookworm-slim\nRUN [ -f /x ] && make\n";
    let dockerfile = Dockerfile::parse(text).unwrap();
    assert_eq!(dockerfile.render(), text);
    assert!(!dockerfile.lint(None).has_errors());
}

/// An exec-form RUN needs no shell, so a distroless stage takes it, with
/// its mounts; the lint agrees (no SCR022).
#[test]
fn a_shell_less_stage_takes_an_exec_run() {
    let mut df = Dockerfile::builder();
    let build = df
        .stage("build", "debian:bookworm-slim")
        .run(stagecraft::run!("make"))
        .done();
    let exec = RunSpec::new()
        .mount(Mount::bind("/build").from(build.alias()))
        .exec(["/build/app", "--init"])
        .unwrap();
    df.anonymous_stage(shell_less("gcr.io/distroless/static-debian12:nonroot"))
        .run_exec(exec)
        .entrypoint(["/app"]);
    let dockerfile = df.build().unwrap();
    assert!(dockerfile
        .render()
        .contains("RUN --mount=type=bind,target=/build,from=build [\"/build/app\", \"--init\"]"));
    let findings = dockerfile.lint(None);
    assert!(
        findings.iter().all(|f| f.rule.id != "SCR022"),
        "{findings:?}"
    );
}

/// A mount's `from=` is typed as `COPY --from` is: a stage must be an
/// earlier one (the one structural check says so for both), an image is an
/// `ImageRef`, and text's bare name of no stage is the image BuildKit pulls.
#[test]
fn mount_sources_are_stages_or_images() {
    let mut df = Dockerfile::builder();
    let tools = df.stage("tools", "debian:bookworm-slim").done();
    df.stage("app", "debian:bookworm-slim").run(
        RunSpec::new()
            .mount(Mount::bind("/tools").from(&tools))
            .mount(Mount::cache("/seed").from("app"))
            .shell("cp /tools/a /a")
            .unwrap(),
    );
    let error = df.build().unwrap_err().to_string();
    assert!(
        error.contains(
            "instruction 1 (RUN): RUN --mount from= names this very stage \"app\": take the \
             files from an earlier stage"
        ),
        "{error}"
    );
    assert_eq!(error.matches("RUN --mount from=").count(), 1, "{error}");

    let text = "FROM debian:bookworm-slim AS tools\n\
                \n\
                FROM debian:bookworm-slim\n\
                RUN --mount=type=bind,target=/t,from=tools --mount=type=bind,target=/b,from=busybox \
                --mount=type=cache,target=/c,from=python:3.12-slim cp /t/a /b/b /c/c /\n";
    let model = Dockerfile::parse(text).unwrap();
    let Instruction::Run(run) = &model.stages()[1].instructions[0] else {
        panic!("a RUN")
    };
    let sources: Vec<_> = run
        .mounts()
        .iter()
        .map(|m| m.files_from().cloned())
        .collect();
    assert_eq!(
        sources,
        [
            Some(CopyFrom::Stage("tools".into())),
            Some(CopyFrom::Image {
                image: ImageRef::parse("busybox").unwrap()
            }),
            Some(CopyFrom::Image {
                image: ImageRef::parse("python:3.12-slim").unwrap()
            }),
        ]
    );
    assert_eq!(model.render(), text);
}
