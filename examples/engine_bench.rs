//! Warm-cache build time: stagecraft's engine against the `docker build` CLI.
//!
//! Builds the same Dockerfile (fortune, scratch variant by default) through
//! `stagecraft::engine` forced to the classic builder and through `docker
//! build -q` (classic builder, `DOCKER_BUILDKIT=0`), in alternating rounds
//! after one warm-up build each, and prints the medians and their ratio.
//! Both send the same context: the rendered Dockerfile and nothing else.
//!
//! `builders` compares the engine's two builders instead: the image sizes
//! of the CI-built examples without a context of their own (fortune's
//! variants, lolcow's naive image; static needs its source files) on each,
//! and the wall time of a Dockerfile with two independent stages (each
//! sleeping 3 s, never cached) on BuildKit against the classic builder.
//!
//! ```text
//! cargo run --example engine_bench -- [rounds] [naive|multistage|scratch]
//! cargo run --example engine_bench -- builders
//! ```
//!
//! Needs a Docker daemon and the `docker` CLI. The images it built are
//! removed at the end, except a stage image another image still uses.

use std::process::Command;
use std::time::{Duration, Instant};

use stagecraft::engine::blocking::Engine;
use stagecraft::engine::{BuildOptions, Builder};
use stagecraft::Dockerfile;
use stagecraft_workshop::fortune::{self, Variant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::args().nth(1).as_deref() == Some("builders") {
        return builders();
    }
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(9);
    let variant: Variant = args
        .next()
        .map(|v| v.parse())
        .transpose()?
        .unwrap_or(Variant::Scratch);

    let dockerfile = fortune::dockerfile(variant)?;
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("Dockerfile"), dockerfile.render())?;

    let engine = Engine::connect()?;
    println!(
        "daemon {} (API {}); fortune {variant}; {rounds} rounds",
        engine.host(),
        engine.api_version()
    );
    // The CLI runs the classic builder: so does the library here.
    let options = BuildOptions::new().builder(Builder::Classic).quiet();

    let library = || -> Result<(Duration, String, Vec<String>), Box<dyn std::error::Error>> {
        let start = Instant::now();
        let built = engine.build(&dockerfile, &options)?;
        Ok((start.elapsed(), built.image_id, built.stage_images))
    };
    let cli = || -> Result<(Duration, String), Box<dyn std::error::Error>> {
        let start = Instant::now();
        let output = Command::new("docker")
            .args(["build", "-q", "."])
            .current_dir(dir.path())
            .env("DOCKER_BUILDKIT", "0")
            .output()?;
        let elapsed = start.elapsed();
        if !output.status.success() {
            return Err(format!(
                "docker build failed: {}",
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
        Ok((
            elapsed,
            String::from_utf8_lossy(&output.stdout).trim().to_string(),
        ))
    };

    // Warm-up: fills the cache (the first may run apt-get) and loads both paths.
    let (cold, warm_id, stage_images) = library()?;
    println!("warm-up library build: {:.2}s", cold.as_secs_f64());
    let (cold_cli, cli_id) = cli()?;
    println!("warm-up CLI build:     {:.2}s", cold_cli.as_secs_f64());
    if cli_id != warm_id {
        println!("note: the CLI built {cli_id}, the library {warm_id}");
    }

    let mut library_times = Vec::with_capacity(rounds);
    let mut cli_times = Vec::with_capacity(rounds);
    for round in 0..rounds {
        // Alternate which goes first, so neither always follows the other.
        if round % 2 == 0 {
            library_times.push(library()?.0);
            cli_times.push(cli()?.0);
        } else {
            cli_times.push(cli()?.0);
            library_times.push(library()?.0);
        }
    }
    let library_median = median(&mut library_times);
    let cli_median = median(&mut cli_times);
    let ratio = library_median.as_secs_f64() / cli_median.as_secs_f64();
    println!(
        "library: median {:>7.1} ms  (min {:.1}, max {:.1})",
        ms(library_median),
        ms(*library_times.first().unwrap_or(&Duration::ZERO)),
        ms(*library_times.last().unwrap_or(&Duration::ZERO))
    );
    println!(
        "CLI:     median {:>7.1} ms  (min {:.1}, max {:.1})",
        ms(cli_median),
        ms(*cli_times.first().unwrap_or(&Duration::ZERO)),
        ms(*cli_times.last().unwrap_or(&Duration::ZERO))
    );
    println!(
        "ratio library/CLI: {ratio:.3} ({})",
        if ratio <= 1.05 {
            "within the 1.05 target"
        } else {
            "ABOVE the 1.05 target"
        }
    );

    // The final image, then the stage images, unless another image still
    // needs one (a shared build-stage layer is someone else's cache too).
    for image in stage_images.iter().rev() {
        if let Err(error) = engine.remove_image(image) {
            println!("kept {image}: {error}");
        }
    }
    Ok(())
}

/// Both builders on the CI-built examples (sizes) and on independent stages (time).
fn builders() -> Result<(), Box<dyn std::error::Error>> {
    let engine = Engine::connect()?;
    println!("daemon {} (API {})", engine.host(), engine.api_version());
    let run = format!("engine-bench-{}", std::process::id());
    let mut examples: Vec<(String, Dockerfile)> = Vec::new();
    for variant in [Variant::Naive, Variant::Multistage, Variant::Scratch] {
        examples.push((format!("fortune {variant}"), fortune::dockerfile(variant)?));
    }
    examples.push(("lolcow naive".into(), stagecraft_workshop::lolcow::naive()?));
    println!("{:<22} {:>14} {:>14}  same", "image", "classic", "buildkit");
    for (name, dockerfile) in &examples {
        let mut sizes = Vec::new();
        for builder in [Builder::Classic, Builder::BuildKit] {
            let options = BuildOptions::new().builder(builder).run_label(&run).quiet();
            let built = engine.build(dockerfile, &options)?;
            sizes.push(engine.inspect(&built.image_id)?.size);
        }
        println!(
            "{name:<22} {:>14} {:>14}  {}",
            sizes[0],
            sizes[1],
            if sizes[0] == sizes[1] { "yes" } else { "NO" }
        );
    }
    let nonce = std::process::id();
    let text = format!(
        "FROM {base} AS left\nRUN sleep 3 && echo left-{nonce} > /left\n\
         FROM {base} AS right\nRUN sleep 3 && echo right-{nonce} > /right\n\
         FROM {base}\nCOPY --from=left /left /left\nCOPY --from=right /right /right\n",
        base = fortune::BASE
    );
    let mut times = Vec::new();
    for builder in [Builder::Classic, Builder::BuildKit] {
        let options = BuildOptions::new()
            .builder(builder)
            .no_cache(true)
            .run_label(&run)
            .quiet();
        let start = Instant::now();
        engine.build_text(&text, &options)?;
        times.push(start.elapsed());
    }
    println!(
        "two independent 3 s stages: classic {:.2}s, buildkit {:.2}s, ratio buildkit/classic {:.2}",
        times[0].as_secs_f64(),
        times[1].as_secs_f64(),
        times[1].as_secs_f64() / times[0].as_secs_f64()
    );
    let removed = engine.cleanup(&run)?;
    println!(
        "cleanup: {} containers, {} images",
        removed.containers, removed.images
    );
    Ok(())
}

/// Sorts `times` and returns the median.
fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    match times.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => times[n / 2],
        n => (times[n / 2 - 1] + times[n / 2]) / 2,
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
