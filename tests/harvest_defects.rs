//! Harvest defects, each checked against a real Docker daemon on small
//! stages of `debian:bookworm-slim` (nothing is installed, so no network):
//! a build stage with a non-root `USER` harvests (the harvest runs as
//! root); a declared path whose link leads to `/` is refused by both
//! strategies with the same reason instead of copying the live root; a
//! symbolic link loop and a `DT_NEEDED` naming a text file are told in the
//! stage's paths, not as the daemon's 500 or as "not found".
//!
//! Like `tests/engine.rs`: without a daemon each test prints one
//! `skipping: ...` line and passes, unless `STAGECRAFT_REQUIRE_DOCKER=1`;
//! everything a test makes carries `stagecraft.run=<id>` and is removed
//! by label at the end, passing or not.

use stagecraft::engine::{BuildOptions, EngineError};
use stagecraft::harvest::{Harvest, ResolveError};
use stagecraft::{run, scratch, Dockerfile, DockerfileBuilder, StageRef, WithShell};

mod support;
use support::TestRun;

const BASE: &str = "debian:bookworm-slim";

/// `build`: a user `app` it switches to, and `/opt/app/up -> ../..` (the root).
fn build_stage(df: &mut DockerfileBuilder) -> StageRef<WithShell> {
    df.stage("build", BASE)
        .run(run!(
            "useradd --create-home app && mkdir -p /opt/app/data \
             && echo hello > /opt/app/data/greeting && ln -s ../.. /opt/app/up"
        ))
        .user("app")
        .done()
}

#[test]
fn a_non_root_build_stage_is_harvested_as_root() {
    let Some(run) = TestRun::start("harvest-user") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.clone());
    let options = BuildOptions::new().run_label(&id).quiet();
    let mut df = Dockerfile::builder();
    let build = build_stage(&mut df);
    let collected = df.harvest(
        "harvest",
        &build,
        Harvest::new().binary("/bin/cat").path("/opt/app/data"),
    );
    df.anonymous_stage(scratch())
        .copy_harvest(&collected)
        .entrypoint(["/bin/cat", "/opt/app/data/greeting"]);
    let dockerfile = df.build().expect("valid");
    let text = dockerfile.render();
    assert!(
        text.contains("FROM build AS harvest\nUSER root\nRUN "),
        "{text}"
    );
    let built = engine
        .build(&dockerfile, &options)
        .unwrap_or_else(|error| panic!("the harvest of a non-root stage: {error}"));
    let fs = engine.export(&built.image_id, "runtime").expect("export");
    assert!(fs
        .files_under("/opt/app/data")
        .any(|(p, _)| p == "/opt/app/data/greeting"));
    assert!(fs
        .files_under("/usr/lib/x86_64-linux-gnu")
        .any(|(p, _)| p.ends_with("libc.so.6")));
}

#[test]
fn a_path_through_a_link_to_the_root_is_refused_by_both_strategies() {
    let Some(run) = TestRun::start("harvest-root") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.clone());
    let options = BuildOptions::new().run_label(&id).quiet();
    let harvest = Harvest::new().path("/opt/app/up");

    let mut df = Dockerfile::builder();
    build_stage(&mut df);
    let stages = df.build().expect("valid");
    let error = engine
        .resolve(&stages, "build", &harvest, &options)
        .expect_err("the root is refused");
    assert!(
        matches!(&error, ResolveError::Refused { resolved, .. } if resolved == "/"),
        "{error:?}"
    );
    let reason = "resolves to /: it is the whole filesystem (/)";
    assert!(error.to_string().contains(reason), "{error}");

    let mut df = Dockerfile::builder();
    let build = build_stage(&mut df);
    let collected = df.harvest("harvest", &build, harvest);
    df.anonymous_stage(scratch()).copy_harvest(&collected);
    let error = engine
        .build(&df.build().expect("valid"), &options)
        .expect_err("the step refuses the root");
    let EngineError::BuildFailed(failure) = &error else {
        panic!("{error:?}");
    };
    let log = failure.log_tail.join("\n");
    let said = format!("stagecraft harvest: harvest path /opt/app/up {reason}");
    assert!(log.contains(&said), "{log}");
    // The line that matters first, not after the ~5 KB script the daemon
    // echoes; the script on request ({:#}, BuildFailure::message).
    let shown = error.to_string();
    let first = shown.lines().next().unwrap_or_default();
    assert!(first.contains(&said), "{first}\n{log}");
    assert!(!shown.contains("closure() {"), "{shown}");
    assert!(shown.len() < 4000, "{} bytes: {shown}", shown.len());
    assert!(format!("{error:#}").contains("closure() {"), "{error:#}");
    assert!(failure.message.contains("closure() {"));
}

/// `bad`: a symbolic link loop, and `ls`'s `libselinux.so.1` replaced by
/// a text file (a `DT_NEEDED` naming a file that is not ELF).
fn bad_stage(df: &mut DockerfileBuilder) {
    df.stage("bad", BASE).run(run!(
        "mkdir /loop && ln -s /loop/b /loop/a && ln -s /loop/a /loop/b \
         && mkdir -p /opt/lib && printf 'not a library' > /opt/lib/libtext.so.1 \
         && ln -s /loop/a /opt/looped \
         && printf 'not a library' > /usr/lib/x86_64-linux-gnu/libselinux.so.1"
    ));
}

#[test]
fn loops_and_non_elf_libraries_are_named_in_the_stage() {
    let Some(run) = TestRun::start("harvest-bad") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.clone());
    let options = BuildOptions::new().run_label(&id).quiet();
    let mut df = Dockerfile::builder();
    bad_stage(&mut df);
    let dockerfile = df.build().expect("valid");
    for path in ["/loop/a", "/opt/looped", "/loop/a/x"] {
        let error = engine
            .resolve(&dockerfile, "bad", &Harvest::new().path(path), &options)
            .expect_err("a loop");
        println!("{error}");
        assert!(
            matches!(&error, ResolveError::SymlinkLoop { path: p, stage, .. } if p == path && stage == "bad"),
            "{error:?}"
        );
        assert!(!error.to_string().contains("overlay2"), "{error}");
    }

    let error = engine
        .resolve(
            &dockerfile,
            "bad",
            &Harvest::new().binary("/bin/ls"),
            &options,
        )
        .expect_err("libselinux is text");
    println!("{error}");
    let ResolveError::MissingLibraries { missing, .. } = &error else {
        panic!("{error:?}");
    };
    let selinux = missing
        .iter()
        .find(|m| m.library == "libselinux.so.1")
        .unwrap_or_else(|| panic!("{missing:?}"));
    assert!(
        selinux
            .unusable
            .iter()
            .any(|u| u.contains("/libselinux.so.1") && u.ends_with(": a file of 13 bytes, not ELF")),
        "{selinux:?}"
    );
    assert!(error.to_string().contains("not ELF"), "{error}");
}

/// Found in review (issue 11, item 5): a harvested file whose name holds
/// `$` was copied to another path, the `COPY` line reading `$name` as a
/// variable. The resolved strategy's `COPY --from` lines write real file
/// names as literal values: `/opt/bin/ca$t` is copied as that name and runs.
#[test]
fn a_harvested_file_named_with_a_dollar_keeps_its_name() {
    let Some(run) = TestRun::start("harvest-dollar") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.clone());
    let options = BuildOptions::new().run_label(&id).quiet();
    let build_stage = |df: &mut DockerfileBuilder| {
        df.stage("build", BASE)
            .run(run!(
                "mkdir -p /opt/bin && cp /bin/cat '/opt/bin/ca$t' && echo fine > '/opt/${HOME}'"
            ))
            .done()
    };
    let harvest = Harvest::new().binary("/opt/bin/ca$t").path("/opt/${HOME}");
    let mut df = Dockerfile::builder();
    build_stage(&mut df);
    let stages = df.build().expect("valid");
    let resolution = engine
        .resolve(&stages, "build", &harvest, &options)
        .unwrap_or_else(|error| panic!("resolving: {error}"));

    let mut df = Dockerfile::builder();
    let build = build_stage(&mut df);
    df.anonymous_stage(scratch())
        .copy_resolved(&build, &resolution)
        .entrypoint(["/opt/bin/ca$t", "/opt/${HOME}"]);
    let dockerfile = df.build().expect("valid");
    let text = dockerfile.render();
    assert!(
        text.contains(r#"["/opt/bin/ca\\$t", "/opt/bin/"]"#),
        "{text}"
    );
    let built = engine
        .build(&dockerfile, &options)
        .unwrap_or_else(|error| panic!("{error}\n{text}"));
    let outcome = engine
        .smoke(&stagecraft::engine::SmokeTest::new(&built.image_id).run_label(&id))
        .expect("runs");
    assert_eq!(
        (outcome.exit_code, outcome.stdout.as_str()),
        (0, "fine\n"),
        "{}\n{text}",
        outcome.stderr
    );
}
