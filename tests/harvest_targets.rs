//! End-to-end tests of two of issue 5's measured targets against a real
//! Docker daemon:
//!
//! * a C++ program linked to libstdc++ and libgomp, harvested (self-contained
//!   strategy, `except_packages(Flavor::Cc.packages())`) onto the distroless
//!   `cc` base assembled offline, against the upstream-style hand list (only
//!   the binary: the base has the C++ and OpenMP runtimes);
//! * a Python script harvested by the traced strategy into `FROM scratch`.
//!
//! Like `tests/engine.rs`: without a daemon each test prints one
//! `skipping: ...` line and passes, unless `STAGECRAFT_REQUIRE_DOCKER=1`;
//! everything a test makes carries `stagecraft.run=<id>` and is removed
//! by label at the end, passing or not.

use std::time::{Duration, Instant};

use stagecraft::distroless::{Distroless, Flavor};
use stagecraft::engine::{BuildOptions, EngineError, SmokeTest};
use stagecraft::harvest::Harvest;
use stagecraft::packages::Apt;
use stagecraft::{run, scratch, Dockerfile};

mod support;
use support::TestRun;

const BASE: &str = "debian:bookworm-slim";

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

/// libstdc++ (`std::vector`, `std::cout`) and OpenMP (a parallel reduction).
const OMP_CPP: &str = r#"#include <iostream>
#include <vector>
#include <omp.h>

int main() {
    const long n = 1000000;
    std::vector<long> values(n);
    for (long i = 0; i < n; ++i) values[i] = i % 97;
    long sum = 0;
    int threads = 0;
#pragma omp parallel for reduction(+:sum)
    for (long i = 0; i < n; ++i) {
        sum += values[i] * 3 + 1;
        if (i == 0) threads = omp_get_num_threads();
    }
    std::cout << "checksum=" << sum << "\nthreads=" << threads << std::endl;
    return 0;
}
"#;

/// What `OMP_CPP` prints as its checksum: sum of `(i % 97) * 3 + 1`.
fn omp_checksum() -> String {
    let sum: i64 = (0..1_000_000i64).map(|i| (i % 97) * 3 + 1).sum();
    format!("checksum={sum}")
}

const OMP_BINARY: &str = "/usr/local/bin/omp";

/// The build stage, the assembled distroless `cc` (nonroot), and the
/// runtime stage: harvested (`true`) or the hand list (`false`).
fn omp_dockerfile(harvested: bool) -> Dockerfile {
    let mut df = Dockerfile::builder();
    let build = df
        .stage("build", BASE)
        .install(Apt::install(["g++"]))
        .workdir("/src")
        .copy("omp.cpp", "omp.cpp")
        .run(run!("g++ -O2 -fopenmp -o /usr/local/bin/omp omp.cpp"))
        .done();
    let cc = df.distroless_base(
        "cc",
        &Distroless::new(Flavor::Cc).nonroot().assembled_from(BASE),
    );
    if harvested {
        let collected = df.harvest(
            "harvest",
            &build,
            Harvest::new()
                .binary(OMP_BINARY)
                .except_packages(Flavor::Cc.packages()),
        );
        df.anonymous_stage(&cc)
            .copy_harvest(&collected)
            .entrypoint([OMP_BINARY]);
    } else {
        // Upstream style: distroless cc has libstdc++ and libgomp already.
        df.anonymous_stage(&cc)
            .copy_from(&build, OMP_BINARY, OMP_BINARY)
            .entrypoint([OMP_BINARY]);
    }
    df.build().expect("the omp Dockerfile is valid")
}

#[test]
fn cpp_on_assembled_distroless_cc() {
    let Some(run) = TestRun::start("targets-cpp") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.clone());
    let options = BuildOptions::new()
        .run_label(&id)
        .quiet()
        .context_data("omp.cpp", OMP_CPP, 0o644);
    let checksum = omp_checksum();
    let start = Instant::now();

    let mut sizes = Vec::new();
    let mut images = Vec::new();
    for (harvested, name) in [(true, "harvested"), (false, "hand-listed")] {
        let dockerfile = omp_dockerfile(harvested);
        if harvested {
            println!("{}", dockerfile.render());
        }
        let built = engine
            .build(&dockerfile, &options)
            .unwrap_or_else(|error| panic!("building the {name} omp image: {error}"));
        let outcome = engine
            .smoke(
                &SmokeTest::new(&built.image_id)
                    .run_label(&id)
                    .without_network()
                    .env("OMP_NUM_THREADS", "4")
                    .timeout(Duration::from_secs(30))
                    .expect_exit(0)
                    .expect_stdout_contains(checksum.clone()),
            )
            .unwrap_or_else(|error| panic!("running the {name} omp image: {error}"));
        println!("the {name} omp says: {}", outcome.stdout.trim_end());
        assert!(
            outcome.stdout.contains("threads=4"),
            "{name}: {}",
            outcome.stdout
        );
        let size = engine.inspect(&built.image_id).expect("inspect").size;
        println!(
            "{name}: {size} B ({:.2} MB) after {:.1}s",
            mb(size),
            start.elapsed().as_secs_f64()
        );
        sizes.push(size);
        images.push(built.image_id);
    }
    let (harvested, listed) = (sizes[0], sizes[1]);
    println!(
        "harvested {harvested} B, hand-listed {listed} B: {:+} B ({:+.3} %)",
        harvested as i64 - listed as i64,
        (harvested as f64 / listed as f64 - 1.0) * 100.0
    );
    assert!(
        harvested as f64 <= listed as f64 * 1.01,
        "harvested {harvested} B > hand-listed {listed} B + 1 %"
    );

    // Distroless: no shell to start.
    let no_shell = engine.smoke(
        &SmokeTest::new(&images[0])
            .run_label(&id)
            .without_network()
            .entrypoint(["/bin/sh", "-c", "true"])
            .timeout(Duration::from_secs(30))
            .expect_exit(0),
    );
    // Docker (runc) refuses to start the container: the exec fails before
    // any process runs, so there is no exit code, only a start error naming
    // the missing shell. Another runtime may start it and exit 127 instead.
    match &no_shell {
        Ok(outcome) => panic!("/bin/sh ran in the distroless image: {outcome:?}"),
        Err(EngineError::Docker { action, source }) => {
            println!("/bin/sh in the harvested image: {action}: {source}");
            assert_eq!(action, "starting the container");
            let message = source.to_string();
            assert!(
                message.contains("/bin/sh") && message.contains("no such file or directory"),
                "{message}"
            );
        }
        Err(EngineError::SmokeFailed(failure)) => {
            println!("/bin/sh in the harvested image: {failure:?}");
            assert_ne!(failure.outcome.exit_code, 0, "{failure:?}");
        }
        Err(other) => panic!("unexpected error running /bin/sh: {other:?}"),
    }
}

#[test]
fn python_script_traced_into_scratch() {
    let Some(run) = TestRun::start("targets-python") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.clone());
    let options = BuildOptions::new().run_label(&id).quiet().context_data(
        "hello.py",
        "import json, sys\nprint(json.dumps({'python': sys.version_info[0], 'ok': True}))\n",
        0o644,
    );
    let start = Instant::now();

    let mut df = Dockerfile::builder();
    df.stage("build", BASE)
        .install(Apt::install(["python3"]))
        .copy("hello.py", "/app/hello.py");
    let build_only = df.build().expect("the python build stage is valid");
    let harvest = Harvest::new()
        .traced(["python3", "/app/hello.py"])
        .path("/app/hello.py");
    let traced = engine
        .trace(&build_only, "build", &harvest, &options)
        .unwrap_or_else(|error| panic!("tracing the script: {error}"));
    println!(
        "traced after {:.1}s\n{}",
        start.elapsed().as_secs_f64(),
        traced.resolution.to_text()
    );
    let log = &traced.logs[0];
    println!(
        "{} calls, {} processes; executed {:?}; stdout {:?}; not declared {}; absent {:?}; \
         unresolved {:?}",
        log.calls,
        log.processes,
        log.executed,
        log.stdout,
        traced.not_declared.len(),
        traced.absent,
        log.unresolved
    );
    assert!(log.stdout.contains("\"ok\": true"), "{}", log.stdout);
    // `python3` is found on PATH as /usr/bin/python3, a link to python3.11.
    assert_eq!(log.executed, ["/usr/bin/python3"]);
    let python = traced
        .resolution
        .files
        .iter()
        .find(|e| e.path == "/usr/bin/python3")
        .expect("/usr/bin/python3 in the manifest");
    println!("python3: {python:?}");
    let files = traced.resolution.files.len();

    let mut df = Dockerfile::builder();
    let build = df
        .stage("build", BASE)
        .install(Apt::install(["python3"]))
        .copy("hello.py", "/app/hello.py")
        .done();
    df.anonymous_stage(scratch())
        .copy_resolved(&build, &traced.resolution)
        .entrypoint(["/usr/bin/python3", "/app/hello.py"]);
    let dockerfile = df.build().expect("the python scratch Dockerfile is valid");
    println!("{}", dockerfile.render());
    let built = engine
        .build(&dockerfile, &options)
        .unwrap_or_else(|error| panic!("building the scratch python image: {error}"));
    let outcome = engine
        .smoke(
            &SmokeTest::new(&built.image_id)
                .run_label(&id)
                .without_network()
                .timeout(Duration::from_secs(30))
                .expect_exit(0)
                .expect_stdout_contains("\"ok\": true"),
        )
        .unwrap_or_else(|error| panic!("running the scratch python image: {error}"));
    println!("the scratch python says: {}", outcome.stdout.trim_end());
    let size = engine.inspect(&built.image_id).expect("inspect").size;
    println!(
        "scratch python: {size} B ({:.2} MB), {files} manifest entries ({} libraries, {} B \
         harvested) after {:.1}s",
        mb(size),
        traced.resolution.libraries(),
        traced.resolution.total_size(),
        start.elapsed().as_secs_f64()
    );
    assert!(size < 40_000_000, "{size} B is not under 40 MB");
}
