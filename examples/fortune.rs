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

    if options.seed {
        if options.build {
            eprintln!("error: --seed images use bases from 2021 (ubuntu:16.04) that cannot be built here; build today's variants");
            return ExitCode::from(2);
        }
        return support::print_seeds(
            &chosen,
            fortune::seed,
            |variant, dockerfile| {
                support::print_variant(variant.name(), dockerfile, chosen.len() > 1)
            },
            |variant| {
                format!("the workshop has no {variant} fortune; --seed renders naive and scratch")
            },
        );
    }
    let built = match support::print_and_collect(
        &options,
        &chosen,
        Variant::Scratch,
        fortune::dockerfile,
        |image| {
            SmokeTest::new(image)
                .expect_exit(0)
                .expect_stdout_non_empty()
        },
    ) {
        Ok(built) => built,
        Err(code) => return code,
    };
    if !options.build {
        return ExitCode::SUCCESS;
    }
    support::build_all("fortune", &built, &options)
}
