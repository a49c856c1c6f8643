//! Resolution time of a large closure with the *resolved* harvest strategy.
//!
//! Builds a stage `FROM debian:bookworm-slim` with `python3`,
//! `python3-numpy` and `python3-pil` (numpy's and python's own extension
//! modules alone need 98 shared objects; Pillow's image libraries take the
//! closure past 100), then times, after the build:
//!
//! 1. the export of the stage's filesystem into a [`StageFs`] index (a
//!    container created, never started; its tar stream read entry by entry,
//!    ELF headers of every ELF file parsed, nothing written to disk);
//! 2. the resolution of `binary("/usr/bin/python3")` plus `library(..)` for
//!    every extension module (`*.so`) under `/usr/lib/python3/dist-packages`
//!    (numpy, PIL) and python's `lib-dynload`, listed from the index.
//!
//! and prints the size of the closure and both times (target: 100+
//! libraries in under 1 s).
//!
//! ```text
//! cargo run --release --example resolve_bench -- [rounds] [--manifest]
//! ```
//!
//! Needs a Docker daemon with `debian:bookworm-slim`, and containers that
//! reach Debian's archive for the first build. The build stage image stays
//! (tagged `stagecraft-example/resolve-bench:build`), so runs after the
//! first one start from the cache.

use std::time::{Duration, Instant};

use stagecraft::engine::blocking::Engine;
use stagecraft::engine::BuildOptions;
use stagecraft::harvest::{Harvest, Reason, StageFs};
use stagecraft::packages::Apt;
use stagecraft::Dockerfile;

const DIST_PACKAGES: &str = "/usr/lib/python3/dist-packages";
const LIB_DYNLOAD: &str = "/usr/lib/python3.11/lib-dynload";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rounds = 5usize;
    let mut manifest = false;
    for arg in std::env::args().skip(1) {
        if arg == "--manifest" {
            manifest = true;
        } else {
            rounds = arg.parse()?;
        }
    }

    let mut df = Dockerfile::builder();
    df.stage("build", "debian:bookworm-slim")
        .install(Apt::install(["python3", "python3-numpy", "python3-pil"]));
    let dockerfile = df.build()?;

    let engine = Engine::connect()?;
    let built = engine.build(
        &dockerfile,
        &BuildOptions::new()
            .target("build")
            .tag("stagecraft-example/resolve-bench:build"),
    )?;
    println!(
        "build stage {} in {:.1}s{}",
        built.image_id,
        built.duration.as_secs_f64(),
        if built.fully_cached { " (cached)" } else { "" }
    );

    let mut exports = Vec::new();
    let mut resolutions = Vec::new();
    let mut last = None;
    for round in 0..rounds.max(1) {
        let start = Instant::now();
        let fs = StageFs::export_blocking(&engine, &built.image_id, "build")?;
        let exported = start.elapsed();

        let start = Instant::now();
        let modules: Vec<String> = [DIST_PACKAGES, LIB_DYNLOAD]
            .iter()
            .flat_map(|dir| fs.files_under(dir))
            .filter(|(path, _)| path.ends_with(".so"))
            .map(|(path, _)| path.to_string())
            .collect();
        let harvest = modules
            .iter()
            .fold(Harvest::new().binary("/usr/bin/python3"), |h, module| {
                h.library(module.as_str())
            });
        let resolution = fs.resolve(&harvest)?;
        let resolved = start.elapsed();
        println!(
            "round {round}: export + index {:.3}s ({} paths, {} MB of files, {} ELF files), \
             resolution {:.1} ms",
            exported.as_secs_f64(),
            fs.len(),
            fs.file_bytes() / 1_000_000,
            fs.elf_files(),
            resolved.as_secs_f64() * 1000.0
        );
        exports.push(exported);
        resolutions.push(resolved);
        last = Some((modules, resolution));
    }
    let (modules, resolution) = last.expect("one round at least");

    let declared = resolution
        .files
        .iter()
        .filter(|e| e.reason == Reason::Library)
        .count();
    let needed = resolution.libraries();
    let copies = {
        let mut df = Dockerfile::builder();
        let build = df.stage("build", "debian:bookworm-slim").done();
        df.anonymous_stage(stagecraft::scratch())
            .copy_resolved(&build, &resolution);
        df.build()?
            .render()
            .lines()
            .filter(|l| l.starts_with("COPY"))
            .count()
    };
    if manifest {
        print!("{}", resolution.to_text());
    }
    println!();
    println!(
        "closure of /usr/bin/python3 + {} extension modules ({declared} under {DIST_PACKAGES} and {LIB_DYNLOAD}):",
        modules.len()
    );
    println!(
        "  {} shared objects: {declared} extension modules + {needed} libraries they and python3 \
         need (loader included); {} paths, {:.1} MB, {copies} COPY lines",
        declared + needed,
        resolution.files.len(),
        resolution.total_size() as f64 / 1e6
    );
    println!(
        "  after the build, median of {} rounds: export + index {:.3}s, resolution {:.1} ms, \
         total {:.3}s",
        exports.len(),
        median(&exports).as_secs_f64(),
        median(&resolutions).as_secs_f64() * 1000.0,
        (median(&exports) + median(&resolutions)).as_secs_f64()
    );
    Ok(())
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}
