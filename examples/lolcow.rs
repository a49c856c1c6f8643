//! The lolcow images of the "Minimal Containers" workshop (`fortune | cowsay
//! | lolcat`, its "trick question"): prints their Dockerfiles, and with
//! `--build` traces the pipe, builds, runs and measures them.
//!
//! ```text
//! cargo run --example lolcow                      # the traced variant: its trace stage, offline
//! cargo run --example lolcow -- --variant naive   # naive | traced
//! cargo run --example lolcow -- --seed            # the workshop's 2021 naive image
//! cargo run --example lolcow -- --build --chart lolcow.svg --report-json lolcow.json
//! ```
//!
//! The traced variant's `COPY` lines come from a run of the pipe under
//! `strace` in the build stage, so without `--build` it prints the
//! Dockerfile that makes the trace (the build stage and the throwaway trace
//! stage); `--build` prints the `FROM scratch` Dockerfile the trace gave and
//! the manifest of what it copies, on stderr.

#[path = "support/mod.rs"]
mod support;

use std::process::ExitCode;

use stagecraft::engine::blocking::Engine;
use stagecraft::engine::{BuildOptions, SmokeTest};
use stagecraft::harvest::trace_stage;
use stagecraft_workshop::lolcow::{self, Variant};

const VARIANTS: &str = "naive|traced";

/// Every variant must exit 0 and print in colour (lolcat's 256-colour codes).
fn smoke(image: &str) -> SmokeTest {
    SmokeTest::new(image)
        .expect_exit(0)
        .expect_stdout_contains("\u{1b}[38;5;")
}

fn main() -> ExitCode {
    let options = match support::options_or_exit("lolcow", VARIANTS) {
        Ok(options) => options,
        Err(code) => return code,
    };
    let chosen = match support::chosen(
        &options,
        &Variant::ALL,
        if options.seed {
            Variant::Naive
        } else {
            Variant::Traced
        },
    ) {
        Ok(chosen) => chosen,
        Err(code) => return code,
    };

    if options.seed {
        if options.build {
            eprintln!("error: --seed images use bases from 2021 (ubuntu:16.04) that cannot be built here; build today's variants");
            return ExitCode::from(2);
        }
        return support::print_seeds(
            &chosen,
            lolcow::seed,
            |variant, dockerfile| {
                support::print_variant(variant.name(), dockerfile, chosen.len() > 1)
            },
            |variant| {
                format!(
                    "the workshop has no {variant} lolcow (it asks the question; its alpine:3.12 \
                     answer, 43.3 MB, is known only by its size); --seed renders naive"
                )
            },
        );
    }

    if !options.build {
        for variant in &chosen {
            let dockerfile = match variant {
                Variant::Naive => lolcow::naive(),
                Variant::Traced => lolcow::build_stage(),
            };
            let dockerfile = match dockerfile {
                Ok(dockerfile) => dockerfile,
                Err(errors) => {
                    eprintln!("error: the {variant} variant does not build: {errors}");
                    return ExitCode::FAILURE;
                }
            };
            let dockerfile = if *variant == Variant::Traced {
                match trace_stage(&dockerfile, lolcow::BUILD_STAGE, &lolcow::harvest()) {
                    Ok((dockerfile, _)) => {
                        println!(
                            "# The traced variant's FROM scratch stage is made of what this run of \
                             the pipe uses:\n# its COPY lines exist after the trace (--build).\n"
                        );
                        dockerfile
                    }
                    Err(error) => {
                        eprintln!("error: the trace stage: {error}");
                        return ExitCode::FAILURE;
                    }
                }
            } else {
                dockerfile
            };
            support::print_variant(variant.name(), &dockerfile, chosen.len() > 1);
        }
        return ExitCode::SUCCESS;
    }

    let mut built = Vec::new();
    for variant in &chosen {
        let dockerfile = match variant {
            Variant::Naive => lolcow::naive(),
            Variant::Traced => {
                let engine = match Engine::connect() {
                    Ok(engine) => engine,
                    Err(error) => {
                        eprintln!("--build: {error}");
                        return ExitCode::FAILURE;
                    }
                };
                let build = match lolcow::build_stage() {
                    Ok(build) => build,
                    Err(errors) => {
                        eprintln!("error: the build stage does not build: {errors}");
                        return ExitCode::FAILURE;
                    }
                };
                eprintln!("==> tracing `{}` in the build stage", lolcow::PIPE);
                let traced = match engine.trace(
                    &build,
                    lolcow::BUILD_STAGE,
                    &lolcow::harvest(),
                    &BuildOptions::new(),
                ) {
                    Ok(traced) => traced,
                    Err(error) => {
                        eprintln!("error: tracing the pipe: {error}");
                        return ExitCode::FAILURE;
                    }
                };
                eprint!("{}", traced.resolution.to_text());
                for log in &traced.logs {
                    eprintln!(
                        "==> the traced run: {} system calls in {} processes; {} executed, {} \
                         opened, {} found",
                        log.calls,
                        log.processes,
                        log.executed.len(),
                        log.opened.len(),
                        log.found.len()
                    );
                }
                eprintln!(
                    "==> {} traced files beyond package_files(\"fortunes-min\")",
                    traced.not_declared.len()
                );
                lolcow::traced(|build| traced.resolution.copy_specs(build))
            }
        };
        let dockerfile = match dockerfile {
            Ok(dockerfile) => dockerfile,
            Err(errors) => {
                eprintln!("error: the {variant} variant does not build: {errors}");
                return ExitCode::FAILURE;
            }
        };
        support::print_chosen(
            &options,
            variant.name(),
            &dockerfile,
            chosen.len() > 1,
            *variant == Variant::Traced,
        );
        built.push(support::Variant {
            name: variant.name(),
            dockerfile,
            smoke,
        });
    }
    support::build_all("lolcow", &built, &options)
}
