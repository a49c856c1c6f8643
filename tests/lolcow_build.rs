//! End-to-end test of the lolcow example and the *traced* harvest strategy
//! against a real Docker daemon: build the naive image; trace the pipe in
//! the build stage, render `FROM scratch` with what the run used, build it;
//! run both (exit 0, a cow, in colour) and compare their sizes.
//!
//! Like `tests/engine.rs`: without a daemon the test prints one
//! `skipping: ...` line and passes, unless `STAGECRAFT_REQUIRE_DOCKER=1`;
//! everything it makes carries `stagecraft.run=<id>` and is removed by
//! label at the end, passing or not.

use std::time::{Duration, Instant};

use stagecraft::engine::blocking::Engine;
use stagecraft::engine::{BuildOptions, SmokeTest};
use stagecraft::harvest::{Reason, TRACE_LABEL};
use stagecraft_workshop::lolcow;

mod support;
use support::{engine_or_skip, run_id, Cleanup};

/// The output without its colour codes (`ESC [ ... m`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Runs `image`, checks a colored cow, returns the plain output.
fn run_cow(engine: &Engine, image: &str, id: &str, what: &str) -> String {
    let outcome = engine
        .smoke(
            &SmokeTest::new(image)
                .run_label(id)
                .without_network()
                .timeout(Duration::from_secs(60))
                .expect_exit(0)
                .expect_stdout_contains("\u{1b}[38;5;"),
        )
        .unwrap_or_else(|error| panic!("running the {what} lolcow: {error}"));
    let plain = strip_ansi(&outcome.stdout);
    println!("the {what} lolcow says:\n{plain}");
    assert!(
        plain.contains(lolcow::COW),
        "no cow in the {what} output: {plain}"
    );
    plain
}

#[test]
fn traced_lolcow_runs_from_scratch_and_is_smaller_than_naive() {
    let Some(engine) = engine_or_skip() else {
        return;
    };
    let id = run_id("lolcow");
    let _cleanup = Cleanup {
        engine: &engine,
        id: id.clone(),
    };
    let options = BuildOptions::new().run_label(&id).quiet();
    let start = Instant::now();

    let naive = engine
        .build(&lolcow::naive().expect("valid"), &options)
        .unwrap_or_else(|error| panic!("building the naive lolcow: {error}"));
    println!("naive built in {:.1}s", start.elapsed().as_secs_f64());

    let traced = engine
        .trace(
            &lolcow::build_stage().expect("valid"),
            lolcow::BUILD_STAGE,
            &lolcow::harvest(),
            &options,
        )
        .unwrap_or_else(|error| panic!("tracing the pipe: {error}"));
    println!(
        "traced after {:.1}s\n{}",
        start.elapsed().as_secs_f64(),
        traced.resolution.to_text()
    );
    let log = &traced.logs[0];
    println!(
        "{} calls, {} processes; executed {:?}; {} not declared; absent {:?}; unresolved {:?}",
        log.calls,
        log.processes,
        log.executed,
        traced.not_declared.len(),
        traced.absent,
        log.unresolved
    );
    assert!(
        strip_ansi(&log.stdout).contains(lolcow::COW),
        "{}",
        log.stdout
    );
    for program in [
        "/usr/games/fortune",
        "/usr/games/cowsay",
        "/usr/games/lolcat",
    ] {
        assert!(
            log.executed.iter().any(|p| p == program),
            "{program} not executed"
        );
    }
    let has = |path: &str| traced.resolution.files.iter().any(|e| e.path == path);
    // The interpreters come from the scripts' #! lines: no open() shows them.
    assert!(has("/usr/bin/perl"), "perl is harvested");
    assert!(has("/usr/bin/ruby"), "ruby is harvested");
    assert!(
        traced
            .resolution
            .files
            .iter()
            .any(|e| e.path.ends_with(".pm") && matches!(e.reason, Reason::Traced { .. })),
        "Perl modules are traced"
    );
    assert!(
        traced
            .resolution
            .files
            .iter()
            .any(|e| e.path.contains("/lolcat") && e.path.ends_with(".rb")),
        "the lolcat gem is traced"
    );
    assert!(!traced
        .resolution
        .files
        .iter()
        .any(|e| e.path.starts_with("/proc")));

    let dockerfile = lolcow::traced(|build| traced.resolution.copy_specs(build))
        .expect("valid traced Dockerfile");
    let text = dockerfile.render();
    println!("{text}");
    assert!(text.contains("FROM scratch\nCOPY --from=build "), "{text}");
    assert!(dockerfile.validate().is_ok(), "{:?}", dockerfile.validate());
    let scratch = engine
        .build(&dockerfile, &options)
        .unwrap_or_else(|error| panic!("building the traced lolcow: {error}"));
    println!("traced built after {:.1}s", start.elapsed().as_secs_f64());

    run_cow(&engine, &naive.image_id, &id, "naive");
    run_cow(&engine, &scratch.image_id, &id, "traced");

    let naive_size = engine.inspect(&naive.image_id).expect("inspect").size;
    let traced_size = engine.inspect(&scratch.image_id).expect("inspect").size;
    println!(
        "naive {:.1} MB, traced {:.1} MB ({:.1} % smaller), manifest {} paths; in {:.1}s",
        naive_size as f64 / 1e6,
        traced_size as f64 / 1e6,
        (1.0 - traced_size as f64 / naive_size as f64) * 100.0,
        traced.resolution.files.len(),
        start.elapsed().as_secs_f64()
    );
    assert!(
        traced_size < naive_size,
        "traced {traced_size} B is not smaller than naive {naive_size} B"
    );

    // No trace-reading container stays behind.
    use stagecraft::engine::bollard::query_parameters::ListContainersOptionsBuilder;
    use std::collections::HashMap;
    let filters = HashMap::from([("label", vec![TRACE_LABEL.to_string()])]);
    let left = engine
        .block_on(
            engine.as_async().docker().list_containers(Some(
                ListContainersOptionsBuilder::new()
                    .all(true)
                    .filters(&filters)
                    .build(),
            )),
        )
        .expect("listing containers");
    assert!(left.is_empty(), "trace containers left: {left:?}");
}
