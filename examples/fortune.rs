//! The fortune images of the "Minimal Containers" workshop: prints their
//! Dockerfiles, and with `--build` builds, runs and measures them.
//!
//! ```text
//! cargo run --example fortune                      # the recommended (scratch) variant
//! cargo run --example fortune -- --variant naive   # naive | multistage | scratch | scratch-listed
//! cargo run --example fortune -- --seed --all      # the workshop's 2021 versions
//! cargo run --example fortune -- --build --chart fortune.svg --report-json fortune.json
//! ```

#[path = "support/mod.rs"]
mod support;

use std::process::ExitCode;

use stagecraft::engine::SmokeTest;
use stagecraft_workshop::fortune::{self, Variant};

const VARIANTS: &str = "naive|multistage|scratch|scratch-listed";

fn main() -> ExitCode {
    let options = match support::options_or_exit("fortune", VARIANTS) {
        Ok(options) => options,
        Err(code) => return code,
    };
    let chosen = match support::chosen(&options, &Variant::ALL, Variant::Scratch) {
        Ok(chosen) => chosen,
        Err(code) => return code,
    };

    let mut built = Vec::new();
    for variant in &chosen {
        let dockerfile = if options.seed {
            match fortune::seed(*variant) {
                Some(dockerfile) => dockerfile,
                None if chosen.len() > 1 => continue,
                None => {
                    eprintln!(
                        "error: the workshop has no {variant} fortune; --seed renders naive and scratch"
                    );
                    return ExitCode::from(2);
                }
            }
        } else {
            fortune::dockerfile(*variant)
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
            *variant == Variant::Scratch,
        );
        built.push(support::Variant {
            name: variant.name(),
            dockerfile,
            smoke: |image| {
                SmokeTest::new(image)
                    .expect_exit(0)
                    .expect_stdout_non_empty()
            },
        });
    }
    if !options.build {
        return ExitCode::SUCCESS;
    }
    if options.seed {
        eprintln!("error: --seed images use bases from 2021 (ubuntu:16.04) that cannot be built here; build today's variants");
        return ExitCode::from(2);
    }
    support::build_all("fortune", &built, &options)
}
