//! The cached cargo image (`tests/fixtures/cargo-cached`): a build.rs user
//! whose image builds the crate, stagecraft in its build.rs included, with
//! `cargo build --release` and cached registry, git and target directories,
//! onto scratch.
//!
//! The golden test (the rendered Dockerfiles are current) always runs; the
//! engine test builds the image on the modern daemon (BuildKit) and runs it
//! with `STAGECRAFT_HEAVY=1` only: a cold build downloads a toolchain and
//! compiles stagecraft's dependency tree in the image (about 4 to 6
//! minutes on a shared 2-core machine).

use std::process::Command;

use stagecraft::engine::{BuildOptions, Builder, SmokeTest};

#[allow(dead_code)] // The module serves many tests; this one uses the modern daemon only.
mod support;

#[path = "fixtures/cargo-cached/context.rs"]
mod cargo_context;

use cargo_context::{dockerfile, main_rs_greeting, with_context, workspace, CRATE};

/// The build script renders both Dockerfiles exactly as committed: checked
/// by building the fixture crate with `STAGECRAFT_CHECK=1`, which fails on
/// a stale file.
#[test]
fn rendered_dockerfiles_are_current() {
    let output = Command::new(env!("CARGO"))
        .args(["build", "--offline", "--quiet"])
        .current_dir(workspace().join(CRATE))
        .env(
            "CARGO_TARGET_DIR",
            workspace().join("target/cargo-cached-fixture"),
        )
        .env("STAGECRAFT_CHECK", "1")
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let cached = dockerfile("Dockerfile");
    assert!(
        cached.contains("--mount=type=cache,target=/build/target"),
        "{cached}"
    );
    assert!(!dockerfile("Dockerfile.cleaned").contains("--mount"));
}

/// Both rendered Dockerfiles lint without errors (warnings about pins aside).
#[test]
fn rendered_dockerfiles_lint_without_errors() {
    use stagecraft::rules::dockerfile::{lint, Options};
    for name in ["Dockerfile", "Dockerfile.cleaned"] {
        let text = dockerfile(name);
        let errors: Vec<_> = lint(&text, &Options::default())
            .expect("parses")
            .into_iter()
            .filter(|f| f.severity == stagecraft::rules::Severity::Error)
            .map(|f| format!("{}:{} {}", f.rule.id, f.line, f.message))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

#[test]
fn cached_cargo_image_builds_the_crate_and_runs() {
    if std::env::var("STAGECRAFT_HEAVY").as_deref() != Ok("1") {
        eprintln!("skipping: set STAGECRAFT_HEAVY=1 to build the cached cargo image");
        return;
    }
    let Some(engine) = support::modern_engine_or_skip() else {
        return;
    };
    let id = support::run_id("cargo-cached");
    let _cleanup = support::Cleanup {
        engine: &engine,
        id: id.clone(),
    };
    let greeting = format!("hello from run {id}");
    let options = with_context(
        BuildOptions::new()
            .builder(Builder::BuildKit)
            .run_label(&id),
        &main_rs_greeting(&greeting),
    );
    let built = engine
        .build_text(&dockerfile("Dockerfile"), &options)
        .unwrap_or_else(|e| panic!("{}: {e}", engine.host()));
    println!("built in {:.1}s", built.duration.as_secs_f64());
    let run = engine
        .smoke(&SmokeTest::new(&built.image_id).run_label(&id))
        .expect("runs");
    assert_eq!(run.exit_code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, format!("{greeting}\n"));
    let size = engine.inspect(&built.image_id).expect("inspect").size;
    println!("image: {size} B");
    // One static binary on scratch: nothing of the toolchain or the caches.
    assert!(size < 4 * 1024 * 1024, "{size} B");
}
