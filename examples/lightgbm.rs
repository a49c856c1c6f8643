//! The LightGBM images of the "Minimal Containers" workshop (its main
//! exercise: the `lightgbm` CLI built with OpenCL): prints their
//! Dockerfiles, and with `--build` traces a GPU and a CPU training run,
//! builds every variant, trains in each (`device=gpu` on pocl, then
//! `device=cpu`) and measures them.
//!
//! ```text
//! cargo run --example lightgbm                        # distroless: its build and trace stages, offline
//! cargo run --example lightgbm -- --variant runtime   # naive | runtime | distroless | distroless-icd
//! cargo run --example lightgbm -- --seed --all        # the workshop's 2021 images
//! cargo run --example lightgbm -- --build --chart lightgbm.svg --report-json lightgbm.json
//! ```
//!
//! The distroless variant's `COPY` lines come from the traced runs, so
//! without `--build` it prints the Dockerfile that makes the trace (the
//! build stage and the throwaway trace stage); `--build` prints the
//! distroless Dockerfile the trace gave, and the manifest of what it copies
//! on stderr. A cold `--build` installs 920 MB of packages (pocl brings
//! Clang and LLVM) and compiles LightGBM: about 4 minutes on two idle
//! cores, 8-9 under load; 12.5 minutes in all here, smoke tests included.

#[path = "support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use stagecraft::engine::blocking::Engine;
use stagecraft::engine::{BuildOptions, EngineError, SmokeTest};
use stagecraft::harvest::trace_stage;
use stagecraft::Dockerfile;
use stagecraft_workshop::lightgbm::{self, Variant};

const VARIANTS: &str = "naive|runtime|distroless|distroless-icd";

/// A training run on `device` in `image`, with the generated data put into
/// the container: it must finish and print the validation AUC.
fn training(image: &str, device: &str) -> SmokeTest {
    SmokeTest::new(image)
        .file(lightgbm::TRAIN_FILE, lightgbm::train_data())
        .file(lightgbm::VALID_FILE, lightgbm::valid_data())
        .args(lightgbm::train_args(device))
        .without_network()
        .timeout(Duration::from_secs(300))
        .expect_exit(0)
        .expect_stdout_contains(lightgbm::AUC_MARKER)
        .expect_stdout_contains("Finished training")
}

/// The smoke test `--build` runs on every variant as it is built: a CPU
/// training run (seconds). The `device=gpu` run (pocl compiles its kernels
/// afresh in every container: 20-60 s) comes once per variant after the
/// table, with the AUCs of both devices.
fn smoke(image: &str) -> SmokeTest {
    training(image, "cpu")
}

/// The last AUC a training run printed.
fn last_auc(output: &str) -> Option<&str> {
    output
        .lines()
        .filter_map(|line| line.split(lightgbm::AUC_MARKER).nth(1))
        .next_back()
        .map(str::trim)
}

/// The last non-empty line of `first`, else of `second`: where a failed run says why.
fn last_line<'a>(first: &'a str, second: &'a str) -> &'a str {
    [first, second]
        .into_iter()
        .find_map(|text| text.lines().rev().find(|line| !line.trim().is_empty()))
        .unwrap_or("")
}

/// The Dockerfile printed without a daemon: the distroless variant's is
/// the build stage with its trace stage.
fn offline(variant: Variant) -> Result<Dockerfile, String> {
    let dockerfile = lightgbm::dockerfile(variant).map_err(|errors| errors.to_string())?;
    if variant != Variant::Distroless {
        return Ok(dockerfile);
    }
    println!(
        "# The distroless variant's last stage is made of what a device=gpu (pocl) and a \
         device=cpu\n# training run use: its COPY lines exist after the trace (--build).\n"
    );
    trace_stage(&dockerfile, lightgbm::BUILD_STAGE, &lightgbm::harvest())
        .map(|(dockerfile, _)| dockerfile)
        .map_err(|error| error.to_string())
}

/// Traces the runs and renders the distroless Dockerfile from them.
fn traced_distroless(engine: &Engine, context: &BuildOptions) -> Result<Dockerfile, String> {
    let build = lightgbm::build_stage().map_err(|errors| errors.to_string())?;
    eprintln!("==> tracing a device=gpu and a device=cpu training run in the build stage");
    let mut traced = engine
        .trace(&build, lightgbm::BUILD_STAGE, &lightgbm::harvest(), context)
        .map_err(|error| format!("tracing the training runs: {error}"))?;
    traced
        .resolution
        .files
        .retain(|entry| !lightgbm::is_smoke_data(&entry.path));
    eprint!("{}", traced.resolution.to_text());
    for log in &traced.logs {
        eprintln!(
            "==> a traced run: {} system calls in {} processes; {} executed, {} opened, {} found; \
             AUC {}",
            log.calls,
            log.processes,
            log.executed.len(),
            log.opened.len(),
            log.found.len(),
            last_auc(&log.stdout).unwrap_or("not printed")
        );
    }
    eprintln!(
        "==> {} traced files beyond the declared binary and ICD files",
        traced.not_declared.len()
    );
    lightgbm::distroless(|build| traced.resolution.copy_specs(build))
        .map_err(|errors| errors.to_string())
}

fn main() -> ExitCode {
    let mut options = match support::options_or_exit("lightgbm", VARIANTS) {
        Ok(options) => options,
        Err(code) => return code,
    };
    let chosen = match support::chosen(&options, &Variant::ALL, Variant::Distroless) {
        Ok(chosen) => chosen,
        Err(code) => return code,
    };

    if options.seed {
        if options.build {
            eprintln!(
                "error: --seed images use bases from 2021 (nvidia/opencl, distroless \
                 cc-debian10) that cannot be built here; build today's variants"
            );
            return ExitCode::from(2);
        }
        return support::print_seeds(
            &chosen,
            lightgbm::seed,
            |variant, dockerfile| {
                support::print_variant(variant.name(), dockerfile, chosen.len() > 1)
            },
            |variant| {
                format!(
                    "the workshop has no {variant} image (its distroless one is the NVIDIA-style \
                     answer); --seed renders naive, runtime and distroless"
                )
            },
        );
    }

    if !options.build {
        for variant in &chosen {
            match offline(*variant) {
                Ok(dockerfile) => {
                    support::print_variant(variant.name(), &dockerfile, chosen.len() > 1)
                }
                Err(error) => {
                    eprintln!("error: the {variant} variant: {error}");
                    return ExitCode::FAILURE;
                }
            }
        }
        return ExitCode::SUCCESS;
    }

    // The build context: the data the traced runs read, the NVIDIA vendor
    // file. The shared --build code takes host files, so they are written
    // to a directory of their own first.
    let dir = std::env::temp_dir().join("stagecraft-lightgbm-context");
    let mut context = Vec::new();
    for (path, bytes) in lightgbm::context() {
        let host: PathBuf = dir.join(path);
        if let Err(error) =
            std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&host, &bytes))
        {
            eprintln!("error: writing {}: {error}", host.display());
            return ExitCode::FAILURE;
        }
        context.push((host, path.to_string()));
    }
    options.context = context;
    let trace_options = support::build_options(&options);

    // The distroless variant is traced on the daemon before it is printed.
    let engine = match Engine::connect() {
        Ok(engine) => engine,
        Err(error) => {
            eprintln!("--build: {error}");
            return ExitCode::FAILURE;
        }
    };
    let built = match support::print_and_collect(
        &options,
        &chosen,
        Variant::Distroless,
        |variant| match variant {
            Variant::Distroless => traced_distroless(&engine, &trace_options),
            _ => lightgbm::dockerfile(variant).map_err(|errors| errors.to_string()),
        },
        smoke,
    ) {
        Ok(built) => built,
        Err(code) => return code,
    };
    let code = support::build_all("lightgbm", &built, &options);

    // The shared smoke test ran device=cpu; both devices with their AUCs here.
    let mut ok = true;
    println!();
    for variant in &chosen {
        let tag = format!("stagecraft-example/lightgbm:{}", variant.name());
        for device in ["gpu", "cpu"] {
            let test = training(&tag, device);
            match engine.smoke(&test) {
                Ok(outcome) => println!(
                    "  {variant} device={device}: AUC {} in {:.1}s",
                    last_auc(&outcome.stdout).unwrap_or("?"),
                    outcome.duration.as_secs_f64()
                ),
                Err(EngineError::SmokeFailed(failure))
                    if device == "gpu" && !variant.runs_gpu_here() =>
                {
                    println!(
                        "  {variant} device={device}: fails here as expected without a GPU \
                         driver (exit {}: {})",
                        failure.outcome.exit_code,
                        last_line(&failure.outcome.stderr, &failure.outcome.stdout)
                    )
                }
                Err(error) => {
                    ok = false;
                    println!("  {variant} device={device}: FAILED: {error}");
                }
            }
        }
    }
    if ok {
        code
    } else {
        ExitCode::FAILURE
    }
}
