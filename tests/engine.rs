//! End-to-end tests of the `engine` feature against a real Docker daemon:
//! render, build, measure, run.
//!
//! Each test first checks that a daemon answers. When none does it prints
//! one `skipping: no Docker daemon (...)` line and passes, unless
//! `STAGECRAFT_REQUIRE_DOCKER=1` is set (CI sets it): then it fails.
//!
//! Everything a test creates carries `stagecraft.run=<test id>` and is
//! removed by label when the test ends, passing or not.

use std::time::Duration;

use stagecraft::engine::blocking::Engine;
use stagecraft::engine::{
    BuildOptions, Builder, ConnectOptions, EngineError, SmokeTest, RUN_LABEL,
};
use stagecraft::report::Comparison;
use stagecraft::{run, Dockerfile, Run};
use stagecraft_workshop::fortune::{self, Variant};

mod support;
use support::{labelled_containers, TestRun};

const BASE: &str = fortune::BASE;

#[test]
fn fortune_scratch_is_tiny_and_runs_like_naive() {
    let Some(run) = TestRun::start("fortune") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.clone());
    let mut sizes = Vec::new();
    for variant in [Variant::Naive, Variant::Scratch] {
        let dockerfile = fortune::dockerfile(variant).expect("the fortune Dockerfile is valid");
        let built = support::build(
            engine,
            &dockerfile,
            &BuildOptions::new().run_label(&id).quiet(),
            &format!("fortune {variant}"),
        );
        let outcome = engine
            .smoke(
                &SmokeTest::new(&built.image_id)
                    .run_label(&id)
                    .timeout(Duration::from_secs(30))
                    .expect_exit(0)
                    .expect_stdout_non_empty(),
            )
            .unwrap_or_else(|error| panic!("running fortune {variant}: {error}"));
        println!("fortune {variant} says: {}", outcome.stdout.trim_end());
        let report = engine.inspect(&built.image_id).expect("inspect");
        assert!(!report.layers.is_empty());
        assert_eq!(report.id, built.image_id);
        sizes.push((variant.name(), report.size));
    }
    let comparison = Comparison::new(sizes.clone());
    print!("{}", comparison.to_table());
    let svg = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fortune-sizes.svg");
    std::fs::write(&svg, comparison.to_svg()).expect("writing the SVG");
    println!("chart: {}", svg.display());

    let (naive, scratch) = (sizes[0].1, sizes[1].1);
    assert!(
        scratch < 5_000_000,
        "scratch is {scratch} bytes, not < 5 MB"
    );
    // On this Debian 12 slim base (74.8 MB) the naive image is about 78 MB,
    // so the 4.1 MB scratch image saves about 94.7 % (not the 98 % of the
    // workshop's Ubuntu-based naive image).
    assert!(
        comparison.rows[1].saved_percent >= 93.0,
        "scratch ({scratch} B) saves only {} % against naive ({naive} B)",
        comparison.rows[1].saved_percent
    );
    assert_eq!(labelled_containers(engine, &id), 0, "smoke containers left");
}

#[test]
fn failing_second_stage_is_named_and_leaves_nothing() {
    let Some(run) = TestRun::start("failing") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.clone());
    let mut df = Dockerfile::builder();
    // Unique per run, so this step really runs and makes an image.
    let prepare = df
        .stage("prepare", BASE)
        .run(Run::checked(format!("echo {id} > /ok")).unwrap())
        .done();
    df.stage("check", BASE)
        .copy_from(&prepare, "/ok", "/ok")
        .run(run!("test -s /ok && exit 3"));
    let dockerfile = df.build().unwrap();

    // The classic builder's own numbering and output; BuildKit's variant is
    // in tests/engine_buildkit.rs.
    let options = BuildOptions::new()
        .builder(Builder::Classic)
        .run_label(&id)
        .quiet();
    let error = engine
        .build(&dockerfile, &options)
        .expect_err("the second stage exits 3");
    println!("{error}");
    let failure = error.as_build_failure().expect("a BuildFailure");
    let stage = failure.stage.as_ref().expect("the failing stage");
    assert_eq!(stage.index, 1);
    assert_eq!(stage.alias.as_deref(), Some("check"));
    assert_eq!(
        failure.instruction.as_deref(),
        Some("RUN test -s /ok && exit 3")
    );
    assert_eq!(
        failure.step,
        Some((6, 7)),
        "FROM, RUN, LABEL, FROM, COPY, RUN, LABEL"
    );
    assert!(
        failure.message.contains("returned a non-zero code: 3"),
        "{}",
        failure.message
    );
    assert!(!failure.log_tail.is_empty());
    // `removed` counts containers only now (with `forcerm` the daemon
    // usually removed the failed one itself): checked below by inspection.
    let text = error.to_string();
    assert!(text.contains("stage 1 \"check\""), "{text}");
    assert!(text.contains("RUN test -s /ok && exit 3"), "{text}");

    // The failed step's container is gone; the images of the steps that
    // ran ("---> <id>" after a step that did not come from the cache) stay:
    // they are the cache that makes a retry fast.
    let docker = engine.as_async().docker();
    let mut checked = 0;
    for line in &failure.log_tail {
        if let Some(container) = line.strip_prefix(" ---> Running in ") {
            let found = engine.block_on(docker.inspect_container(container.trim(), None));
            assert!(found.is_err(), "container {container} was left behind");
            checked += 1;
        }
    }
    assert!(checked >= 1, "no container seen in {:?}", failure.log_tail);
    let mut previous_cached = false;
    let mut in_from = false;
    let mut kept = Vec::new();
    for line in &failure.log_tail {
        if line.starts_with("Step ") {
            in_from = line.contains(" : FROM ");
            previous_cached = false;
        } else if line == " ---> Using cache" {
            previous_cached = true;
        } else if let Some(image) = line.strip_prefix(" ---> ") {
            let image = image.trim();
            if !in_from && !previous_cached && image.chars().all(|c| c.is_ascii_hexdigit()) {
                let found = engine.block_on(docker.inspect_image(image));
                assert!(
                    found.is_ok(),
                    "image {image} of a step that ran was removed"
                );
                kept.push(image.to_string());
            }
        }
    }
    assert!(
        !kept.is_empty(),
        "no step image seen in {:?}",
        failure.log_tail
    );
    // The retry takes them from the cache, up to the failing step.
    let again = engine
        .build(&dockerfile, &options)
        .expect_err("still exits 3");
    let again = again.as_build_failure().expect("a BuildFailure");
    let cached = again
        .log_tail
        .iter()
        .filter(|line| *line == " ---> Using cache")
        .count();
    assert!(cached >= 2, "{:?}", again.log_tail);
    // This test's own cache goes (the last stage's images are unlabelled
    // until its LABEL step, which never ran).
    for image in kept.iter().rev() {
        let _ = engine.remove_image(image);
    }
}

#[test]
fn unreachable_daemon_gives_a_clear_error() {
    // No daemon needed: this is about not finding one.
    let options = ConnectOptions::new()
        .host("tcp://127.0.0.1:1")
        .connect_timeout(Duration::from_secs(5));
    let error = Engine::connect_with(&options).expect_err("nothing listens on port 1");
    let text = error.to_string();
    println!("{text}");
    assert!(error.is_no_daemon(), "{error:?}");
    assert!(
        text.starts_with("no Docker daemon at tcp://127.0.0.1:1: "),
        "{text}"
    );
    assert!(text.contains("sudo systemctl start docker"), "{text}");
    // Said to downstream users too: no script of this repository.
    assert!(!text.contains("scripts/setup.sh"), "{text}");
    assert!(text.ends_with("or point DOCKER_HOST at one"), "{text}");

    let missing = ConnectOptions::new().host("unix:///nonexistent/docker.sock");
    let error = Engine::connect_with(&missing).expect_err("no such socket");
    assert!(error.is_no_daemon(), "{error:?}");
    assert!(error
        .to_string()
        .starts_with("no Docker daemon at unix:///nonexistent/docker.sock: "));
}

#[test]
fn identical_rebuild_is_fully_cached() {
    let Some(run) = TestRun::start("cached") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.clone());
    let mut df = Dockerfile::builder();
    df.stage("app", BASE)
        .run(Run::checked(format!("echo {id} > /id")).unwrap())
        .env("GREETING", "hello")
        .copy("greeting.txt", "/greeting.txt")
        .cmd(["cat", "/id", "/greeting.txt"]);
    let dockerfile = df.build().unwrap();
    // The classic builder's `LABEL` steps; BuildKit's variant is in
    // tests/engine_buildkit.rs.
    let options = BuildOptions::new()
        .builder(Builder::Classic)
        .run_label(&id)
        .tag(format!("stagecraft-test/{id}:one"))
        .tag(format!("stagecraft-test/{id}:two"))
        .label("org.opencontainers.image.title", "cached")
        .context_data("greeting.txt", "hello from the context\n", 0o644)
        .quiet();
    let first = engine.build(&dockerfile, &options).expect("first build");
    assert!(
        !first.fully_cached,
        "the first build ran its RUN: {:?}",
        first.steps
    );
    let second = engine.build(&dockerfile, &options).expect("second build");
    println!(
        "first build {:.2}s, identical rebuild {:.2}s",
        first.duration.as_secs_f64(),
        second.duration.as_secs_f64()
    );
    assert!(second.fully_cached, "{:?}", second.steps);
    assert_eq!(first.image_id, second.image_id);
    let instructions: Vec<&str> = second
        .steps
        .iter()
        .map(|s| s.instruction.as_str())
        .collect();
    assert_eq!(instructions[0], "FROM debian:bookworm-slim AS app");
    assert!(instructions.last().unwrap().starts_with("LABEL (step"));

    let outcome = engine
        .smoke(
            &SmokeTest::new(format!("stagecraft-test/{id}:two"))
                .run_label(&id)
                .expect_stdout_contains(id.as_str())
                .expect_stdout_contains("hello from the context"),
        )
        .expect("the tagged image runs");
    assert_eq!(outcome.exit_code, 0);
}

#[test]
fn smoke_maps_exit_codes_stdin_and_timeouts() {
    let Some(run) = TestRun::start("smoke") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.clone());
    let outcome = engine
        .smoke(
            &SmokeTest::new(BASE)
                .args([
                    "sh",
                    "-c",
                    "read name; echo hello $name; echo oops >&2; exit 7",
                ])
                .env("UNUSED", "1")
                .stdin("world\n")
                .run_label(&id)
                .expect_exit(7)
                .expect_stdout_equals("hello world")
                .expect_stderr_contains("oops"),
        )
        .expect("exit 7 is expected");
    assert_eq!(outcome.exit_code, 7);

    let error = engine
        .smoke(&SmokeTest::new(BASE).args(["false"]).run_label(&id))
        .expect_err("exit 1 where 0 is expected");
    match &error {
        EngineError::SmokeFailed(failure) => assert_eq!(failure.outcome.exit_code, 1),
        other => panic!("{other:?}"),
    }

    let error = engine
        .smoke(
            &SmokeTest::new(BASE)
                .args(["sleep", "30"])
                .timeout(Duration::from_secs(1))
                .run_label(&id),
        )
        .expect_err("sleep outlasts the timeout");
    assert!(
        matches!(error, EngineError::SmokeTimeout { .. }),
        "{error:?}"
    );

    // A smoke future dropped mid-run (here by an outer timeout) still
    // removes its container: the guard's Drop does it.
    let sleeper = SmokeTest::new(BASE).args(["sleep", "30"]).run_label(&id);
    let cancelled = engine.block_on(async {
        let run = engine.as_async().smoke(&sleeper);
        tokio::time::timeout(Duration::from_millis(1500), run).await
    });
    assert!(cancelled.is_err(), "the outer timeout fires first");
    assert_eq!(
        labelled_containers(engine, &id),
        0,
        "the cancelled run's container is gone"
    );

    // An image with neither CMD nor ENTRYPOINT needs a command.
    let mut df = Dockerfile::builder();
    df.anonymous_stage(stagecraft::scratch())
        .copy("hello.txt", "/hello.txt");
    let bare = engine
        .build(
            &df.build().unwrap(),
            &BuildOptions::new()
                .run_label(&id)
                .context_data("hello.txt", "hello\n", 0o644)
                .quiet(),
        )
        .expect("a FROM scratch image with one file");
    let error = engine
        .smoke(&SmokeTest::new(&bare.image_id).run_label(&id))
        .expect_err("nothing to run");
    assert!(
        matches!(error, EngineError::NothingToRun { .. }),
        "{error:?}"
    );

    assert_eq!(labelled_containers(engine, &id), 0, "smoke containers left");

    // A bad target is refused before anything is sent.
    let mut df = Dockerfile::builder();
    let build = df.stage("build", BASE).done();
    df.stage("runtime", &build).cmd(["true"]);
    let error = engine
        .build(
            &df.build().unwrap(),
            &BuildOptions::new().target("nope").quiet(),
        )
        .expect_err("no stage `nope`");
    assert_eq!(
        error.to_string(),
        "build target \"nope\" is not a stage of this Dockerfile (stages with an alias: build, runtime)"
    );
}

/// How many containers (running or not) have `needle` in their command.
async fn containers_running(engine: &Engine, needle: &str) -> usize {
    use stagecraft::engine::bollard::query_parameters::ListContainersOptionsBuilder;
    let options = ListContainersOptionsBuilder::new().all(true).build();
    engine
        .as_async()
        .docker()
        .list_containers(Some(options))
        .await
        .expect("listing containers")
        .into_iter()
        .filter(|c| c.command.as_deref().unwrap_or("").contains(needle))
        .count()
}

#[test]
fn interrupted_build_leaves_no_container() {
    let Some(run) = TestRun::start("interrupted") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.clone());
    let mut df = Dockerfile::builder();
    df.stage("slow", BASE)
        .run(Run::checked(format!("echo {id} && sleep 30")).unwrap());
    let dockerfile = df.build().unwrap();
    // Step containers are the classic builder's; BuildKit runs its steps
    // without any (its variant is in tests/engine_buildkit.rs).
    let options = BuildOptions::new()
        .builder(Builder::Classic)
        .run_label(&id)
        .quiet();

    // Run the build until its RUN's container is seen, then drop it, as a
    // Ctrl-C or an outer timeout would.
    let seen = engine.block_on(async {
        let build = engine.as_async().build(&dockerfile, &options);
        tokio::pin!(build);
        for _ in 0..40 {
            tokio::select! {
                _ = &mut build => panic!("the build finished although its RUN sleeps 30 s"),
                _ = tokio::time::sleep(Duration::from_millis(250)) => {}
            }
            if containers_running(engine, &id).await > 0 {
                return true;
            }
        }
        false
    });
    assert!(
        seen,
        "the step container never appeared, so this test would prove nothing"
    );

    // The daemon cancels the build when the client goes away; the step
    // container must be gone soon after.
    let mut remaining = 1;
    for _ in 0..20 {
        remaining = engine.block_on(containers_running(engine, &id));
        if remaining == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(
        remaining, 0,
        "the interrupted step's container is still there"
    );
}

/// `build_text` builds what the model refuses (here a lone `apt-get
/// update`, SCR002, as in the workshop's naive images), labels every stage, and
/// reports bad text and unknown targets before sending anything.
#[test]
fn text_the_model_refuses_builds_as_written() {
    let Some(run) = TestRun::start("text") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.clone());
    let refused = "apt-get update";
    assert!(
        Run::checked(refused).is_err(),
        "the model must refuse {refused:?} for this test to mean anything"
    );
    let text = format!(
        "FROM {BASE} AS first\nRUN echo {id} > /id\n\n# the shipped stage\nFROM {BASE}\n\
         COPY --from=first /id /id\nRUN {refused}\nCMD [\"cat\", \"/id\"]"
    );
    let tag = format!("stagecraft-test/{id}:text");
    let built = engine
        .build_text(&text, &BuildOptions::new().run_label(&id).tag(&tag).quiet())
        .expect("the text builds");
    let label = format!("LABEL {RUN_LABEL}=\"{id}\"\n");
    assert_eq!(
        built.dockerfile.matches(&label).count(),
        2,
        "{}",
        built.dockerfile
    );
    assert!(
        built.dockerfile.contains(&format!("{label}FROM {BASE}\n")),
        "the first stage's label comes before the second FROM:\n{}",
        built.dockerfile
    );
    let outcome = engine
        .smoke(
            &SmokeTest::new(&tag)
                .run_label(&id)
                .expect_exit(0)
                .expect_stdout_equals(format!("{id}\n")),
        )
        .expect("the image built from text runs");
    assert_eq!(outcome.exit_code, 0);

    match engine.build_text("RUN true\n", &BuildOptions::new().quiet()) {
        Err(EngineError::DockerfileText { line, message }) => {
            assert_eq!(line, 1);
            assert!(message.contains("before the first FROM"), "{message}");
        }
        other => panic!("expected DockerfileText, got {other:?}"),
    }
    match engine.build_text(&text, &BuildOptions::new().target("nope").quiet()) {
        Err(EngineError::UnknownTarget { target, available }) => {
            assert_eq!(target, "nope");
            assert_eq!(available, ["first"]);
        }
        other => panic!("expected UnknownTarget, got {other:?}"),
    }
}

/// `SmokeTest::file` puts files into the container before it starts, in
/// directories that exist and in new ones; a bad path is refused before any
/// container is made.
#[test]
fn smoke_files_are_in_the_container_before_it_starts() {
    let Some(run) = TestRun::start("smoke-files") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.clone());
    let outcome = engine
        .smoke(
            &SmokeTest::new(BASE)
                .file("/tmp/hello.txt", "hello from the host\n")
                .file("/opt/new/dir/data.svm", vec![b'1', b' ', b'1', b':', b'2'])
                .args([
                    "sh",
                    "-c",
                    "cat /tmp/hello.txt /opt/new/dir/data.svm; stat -c ' %a %u' /tmp/hello.txt",
                ])
                .without_network()
                .run_label(&id),
        )
        .expect("the files are there");
    assert_eq!(outcome.stdout, "hello from the host\n1 1:2 644 0\n");

    let error = engine
        .smoke(
            &SmokeTest::new(BASE)
                .file("relative.txt", "x")
                .args(["true"])
                .run_label(&id),
        )
        .expect_err("a relative path is refused");
    assert!(
        matches!(&error, EngineError::InvalidSmokeTest(message) if message.contains("relative.txt")),
        "{error}"
    );
    assert_eq!(labelled_containers(engine, &id), 0);
}

/// `trust_site_ca()` with a test bundle (no network needed): the `RUN`s of
/// the trusting stage see every variable pointing at the bundle, the file is
/// at its in-image path, and the image's configuration keeps none of the
/// variables; a stage `FROM` it inherits the file but not the variables.
/// Without a bundle in the options the build is refused before anything is sent.
#[test]
fn trusted_site_ca_reaches_the_runs_of_its_stage_only() {
    use stagecraft::site_ca::{self, SiteCa};
    let Some(run) = TestRun::start("site-ca") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.clone());
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("bundle.pem");
    // Unique per run, so the steps really run.
    let bundle =
        format!("# {id}\n-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n");
    std::fs::write(&path, &bundle).expect("writing the test bundle");
    let site = SiteCa::new(&path).expect("the test bundle is PEM");

    let every_variable = site_ca::VARIABLES
        .iter()
        .map(|name| format!("test \"${name}\" = {}", site_ca::IMAGE_PATH))
        .collect::<Vec<_>>()
        .join(" && ");
    let mut df = Dockerfile::builder();
    let build = df
        .stage("build", BASE)
        .trust_site_ca()
        .run(
            Run::checked(format!("{every_variable} && cp \"$SSL_CERT_FILE\" /seen"))
                .expect("a valid RUN"),
        )
        .done();
    df.anonymous_stage(&build).run(
        Run::checked(format!(
            "test -z \"${{PIP_CERT:-}}\" && test -f {} && echo inherited > /later",
            site_ca::IMAGE_PATH
        ))
        .expect("a valid RUN"),
    );
    let dockerfile = df.build().expect("a valid Dockerfile");

    match engine.build(&dockerfile, &BuildOptions::new().run_label(&id).quiet()) {
        Err(EngineError::SiteCaMissing { stages }) => assert_eq!(stages, ["build"]),
        other => panic!("expected SiteCaMissing, got {other:?}"),
    }
    // The classic builder: a stage `FROM` another does not inherit its
    // `ARG`s there. BuildKit passes them on (the file is there too, so
    // the variables point at it); its variant is in tests/engine_buildkit.rs.
    let built = engine
        .build(
            &dockerfile,
            &BuildOptions::new()
                .builder(Builder::Classic)
                .run_label(&id)
                .site_ca(&site)
                .quiet(),
        )
        .unwrap_or_else(|error| panic!("building with the site CA: {error}"));
    let outcome = engine
        .smoke(
            &SmokeTest::new(&built.image_id)
                .run_label(&id)
                .entrypoint([
                    "/bin/sh",
                    "-c",
                    "cat /seen && cmp /seen /etc/ssl/stagecraft-site-ca.pem && cat /later && env",
                ])
                .without_network()
                .timeout(Duration::from_secs(30))
                .expect_exit(0),
        )
        .unwrap_or_else(|error| panic!("running the image: {error}"));
    let (seen, rest) = outcome
        .stdout
        .split_at(bundle.len().min(outcome.stdout.len()));
    assert_eq!(seen, bundle, "what the RUN copied from $SSL_CERT_FILE");
    assert!(rest.starts_with("inherited\n"), "{}", outcome.stdout);
    for name in site_ca::VARIABLES {
        assert!(
            !rest.contains(&format!("{name}=")),
            "{name} is in the image's environment:\n{rest}"
        );
    }
}

/// `FROM debian:${SUITE:-bookworm}-slim` (a `Base::Template`) builds on the
/// host daemon as the model renders it: Docker expands the global ARG (here
/// unset, so the fallback) before it reads the reference, and the image is
/// Debian 12's. With a default and a `--build-arg`, the same.
#[test]
fn a_template_base_builds_with_its_arg_expanded() {
    let Some(run) = TestRun::start("template-base") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.clone());
    let fallback = {
        let mut df = Dockerfile::builder();
        let suite = df.global_arg("SUITE", None);
        df.anonymous_stage(
            stagecraft::template("debian:")
                .arg(&suite.or("bookworm"))
                .text("-slim"),
        )
        .cmd(["cat", "/etc/debian_version"]);
        df.build().unwrap()
    };
    assert!(fallback
        .render()
        .contains("\nFROM debian:${SUITE:-bookworm}-slim\n"));
    let with_default = {
        let mut df = Dockerfile::builder();
        let suite = df.global_arg("SUITE", Some("trixie"));
        df.anonymous_stage(stagecraft::template("debian:").arg(&suite).text("-slim"))
            .cmd(["cat", "/etc/debian_version"]);
        df.build().unwrap()
    };
    for (dockerfile, options, what) in [
        (&fallback, BuildOptions::new(), "the fallback"),
        (
            &with_default,
            BuildOptions::new().build_arg("SUITE", "bookworm"),
            "a build arg over the default",
        ),
    ] {
        let built = support::build(
            engine,
            dockerfile,
            &options.run_label(&id).quiet(),
            &format!("debian from a template ({what})"),
        );
        engine
            .smoke(
                &SmokeTest::new(&built.image_id)
                    .run_label(&id)
                    .timeout(Duration::from_secs(30))
                    .expect_exit(0)
                    .expect_stdout_contains("12."),
            )
            .unwrap_or_else(|error| panic!("running the image of {what}: {error}"));
    }
}
