//! Resolution time of a large closure with the *resolved* harvest strategy.
//!
//! Builds a stage `FROM debian:bookworm-slim` with `python3`,
//! `python3-numpy` and `python3-pil` (numpy's and python's own extension
//! modules alone need 98 shared objects; Pillow's image libraries take the
//! closure past 100), then times, after the build, each round both ways
//! (alternating which goes first):
//!
//! * **whole export** (session 1's way): [`StageFs::export`] streams `docker
//!   export` of a container of the stage (never started) into the index,
//!   ELF headers of every ELF file parsed, nothing written to disk; then
//!   the harvest is listed from the index and resolved;
//! * **parts**: [`StageFs::export_with`] reads only what the harvest needs
//!   (library directories, the declared paths, stats), in parallel from a
//!   few containers, in rounds; then the same resolution;
//!
//! where the harvest is `binary("/usr/bin/python3")` plus `library(..)` for
//! every extension module (`*.so`) under `/usr/lib/python3/dist-packages`
//! (numpy, PIL) and python's `lib-dynload`. It checks that both ways
//! resolve the same files, and prints each round, the medians and the spread
//! (target: 100+ libraries in under 1 s after the build).
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
use stagecraft::harvest::{Harvest, Reason, Resolution, StageFs};
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

    // Old and new side by side, alternating which goes first.
    let mut whole_times = Vec::new();
    let mut part_times = Vec::new();
    let mut resolutions = Vec::new();
    let mut last = None;
    for round in 0..rounds.max(1) {
        let mut whole = None;
        let mut part = None;
        for which in [round % 2, 1 - round % 2] {
            let start = Instant::now();
            if which == 0 {
                let fs = engine.export(&built.image_id, "build")?;
                let exported = start.elapsed();
                let harvest = python_harvest(&fs);
                let resolution = fs.resolve(&harvest)?;
                let total = start.elapsed();
                resolutions.push(total - exported);
                whole = Some((total, fs.len(), fs.file_bytes(), resolution));
            } else {
                let (fs, harvest) = engine.export_with(&built.image_id, "build", python_harvest)?;
                let resolution = fs.resolve(&harvest)?;
                let total = start.elapsed();
                part = Some((total, fs.len(), fs.file_bytes(), fs.fetched(), resolution));
            }
        }
        let (whole_time, whole_paths, whole_bytes, whole_resolution) = whole.expect("ran");
        let (part_time, part_paths, part_bytes, fetched, part_resolution) = part.expect("ran");
        let fetched = fetched.unwrap_or_default();
        println!(
            "round {round}: whole export {:.3}s ({whole_paths} paths, {} MB) | parts {:.3}s \
             ({part_paths} paths, {} MB; {} rounds, {} HEAD, {} GET, {} walks{})",
            whole_time.as_secs_f64(),
            whole_bytes / 1_000_000,
            part_time.as_secs_f64(),
            part_bytes / 1_000_000,
            fetched.rounds,
            fetched.stats,
            fetched.reads,
            fetched.walks,
            if fetched.whole {
                ", fell back to a whole export"
            } else {
                ""
            }
        );
        if let Some(difference) = differ(&whole_resolution, &part_resolution) {
            return Err(format!("the two indexes resolve differently: {difference}").into());
        }
        whole_times.push(whole_time);
        part_times.push(part_time);
        last = Some(part_resolution);
    }
    let resolution = last.expect("one round at least");
    let modules: Vec<&str> = resolution
        .files
        .iter()
        .filter(|e| e.reason == Reason::Library)
        .map(|e| e.path.as_str())
        .collect();

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
        "closure of /usr/bin/python3 + {} extension modules (under {DIST_PACKAGES} and {LIB_DYNLOAD}):",
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
        "  after the build, {} rounds, export + index + resolution: whole export median {:.3}s \
         (min {:.3}, max {:.3}; resolution alone {:.1} ms), parts median {:.3}s (min {:.3}, max {:.3})",
        whole_times.len(),
        median(&whole_times).as_secs_f64(),
        whole_times.iter().min().expect("one").as_secs_f64(),
        whole_times.iter().max().expect("one").as_secs_f64(),
        median(&resolutions).as_secs_f64() * 1000.0,
        median(&part_times).as_secs_f64(),
        part_times.iter().min().expect("one").as_secs_f64(),
        part_times.iter().max().expect("one").as_secs_f64(),
    );
    Ok(())
}

/// `binary("/usr/bin/python3")` and `library(..)` for every extension
/// module listed in `fs`.
fn python_harvest(fs: &StageFs) -> Harvest {
    let modules: Vec<String> = [DIST_PACKAGES, LIB_DYNLOAD]
        .iter()
        .flat_map(|dir| fs.files_under(dir))
        .filter(|(path, _)| path.ends_with(".so"))
        .map(|(path, _)| path.to_string())
        .collect();
    modules
        .iter()
        .fold(Harvest::new().binary("/usr/bin/python3"), |h, module| {
            h.library(module.as_str())
        })
}

/// The first difference between two resolutions, in what ships (paths,
/// sources, sizes, kinds, reasons, whole directories, warnings); the
/// link texts of [`ManifestEntry::links`](stagecraft::harvest::ManifestEntry)
/// may differ (see `StageFs::export_for`).
fn differ(a: &Resolution, b: &Resolution) -> Option<String> {
    if a.files.len() != b.files.len() {
        return Some(format!("{} paths against {}", a.files.len(), b.files.len()));
    }
    for (x, y) in a.files.iter().zip(&b.files) {
        if (&x.path, &x.source, x.size, &x.kind, &x.reason)
            != (&y.path, &y.source, y.size, &y.kind, &y.reason)
        {
            return Some(format!("{x:?} against {y:?}"));
        }
    }
    if a.whole_directories != b.whole_directories || a.warnings != b.warnings {
        return Some("whole directories or warnings".to_string());
    }
    None
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}
