//! The TensorFlow images of the "Minimal Containers" workshop: prints their
//! Dockerfiles, and with `--build` builds, runs and measures them.
//!
//! `tensorflow-cpu` installed with pip into a venv on `debian:bookworm-slim`:
//! in one stage (naive), copied into a slim base with `python3` only
//! (multistage), its site-packages on a distroless Python 3.11 assembled
//! from Debian's packages (distroless, the recommended one), and the same
//! without TensorFlow's C++ headers, pip and setuptools (pruned). Every
//! image runs a matrix product and prints the TensorFlow version.
//!
//! ```text
//! cargo run --example tensorflow                         # the distroless variant
//! cargo run --example tensorflow -- --variant naive      # naive | multistage | distroless | pruned
//! cargo run --example tensorflow -- --seed               # the workshop's 2021 CPU image
//! cargo run --example tensorflow -- --seed --variant gpu # ... and its GPU image
//! cargo run --example tensorflow -- --build --chart tensorflow.svg --report-json tensorflow.json
//! ```
//!
//! Where the network re-signs TLS, set `STAGECRAFT_SITE_CA` to a CA bundle
//! that trusts it (e.g. `/etc/ssl/certs/ca-certificates.crt` on the host):
//! every build gets it in its context, and the pip stage, and only the pip
//! stage, trusts it (`trust_site_ca()`).

#[path = "support/mod.rs"]
mod support;

use std::process::ExitCode;

use stagecraft::engine::SmokeTest;
use stagecraft::{Dockerfile, Errors};
use stagecraft_workshop::tensorflow::{self, Variant};

const VARIANTS: &str = "naive|multistage|distroless|pruned";

/// Runs the matrix product; it must print the version and the sum (24).
fn smoke(image: &str) -> SmokeTest {
    SmokeTest::new(image)
        .args(tensorflow::smoke_args())
        .env("TF_CPP_MIN_LOG_LEVEL", "2")
        .expect_exit(0)
        .expect_stdout_contains(tensorflow::SMOKE_OUTPUT)
        .without_network()
}

fn print_or_fail(name: &str, dockerfile: Result<Dockerfile, Errors>, header: bool) -> bool {
    match dockerfile {
        Ok(dockerfile) => {
            support::print_variant(name, &dockerfile, header);
            true
        }
        Err(errors) => {
            eprintln!("error: the {name} variant does not build: {errors}");
            false
        }
    }
}

fn main() -> ExitCode {
    let options = match support::options_or_exit("tensorflow", VARIANTS) {
        Ok(options) => options,
        Err(code) => return code,
    };

    if options.seed {
        if options.build {
            eprintln!(
                "error: --seed images use bases from 2021 (python:3.7.4-slim-buster, \
                 gcr.io/distroless/python3-debian10, nvidia/cuda) that cannot be built here; \
                 build today's variants"
            );
            return ExitCode::from(2);
        }
        let ok = match options.variant.as_deref() {
            Some("gpu") => print_or_fail("gpu", tensorflow::seed_gpu(), false),
            Some("naive" | "multistage" | "multi-stage" | "pruned") => {
                eprintln!(
                    "error: the workshop has no such TensorFlow Dockerfile: its naive image is the \
                     official tensorflow/tensorflow:2.3.0 (582 MB), known by its size; --seed \
                     renders distroless (CPU) or --variant gpu"
                );
                return ExitCode::from(2);
            }
            Some("distroless" | "minimal") | None if !options.all => {
                print_or_fail("distroless", tensorflow::seed_cpu(), false)
            }
            None => {
                print_or_fail("distroless", tensorflow::seed_cpu(), true)
                    && print_or_fail("gpu", tensorflow::seed_gpu(), true)
            }
            Some(other) => {
                eprintln!("error: unknown seed variant {other:?}: choose distroless (CPU) or gpu");
                return ExitCode::from(2);
            }
        };
        return if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }

    let chosen = match support::chosen(&options, &Variant::ALL, Variant::Distroless) {
        Ok(chosen) => chosen,
        Err(code) => return code,
    };
    // Set only with --build and STAGECRAFT_SITE_CA (support::options_or_exit):
    // what is printed otherwise is the Dockerfile for any network.
    let site_ca = options.site_ca.is_some();
    let built = match support::print_and_collect(
        &options,
        &chosen,
        Variant::Distroless,
        |variant| tensorflow::dockerfile_for_site(variant, site_ca),
        smoke,
    ) {
        Ok(built) => built,
        Err(code) => return code,
    };
    if !options.build {
        return ExitCode::SUCCESS;
    }
    support::build_all("tensorflow", &built, &options)
}
