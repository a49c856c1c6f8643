//! The static-linking images of the "Minimal Containers" workshop: prints
//! their Dockerfiles, and with `--build` builds, runs and measures them.
//!
//! A dgemm with OpenBLAS (`examples/static/dgemm.c`) dynamically linked on a
//! full base, dynamically linked and harvested into `FROM scratch`, and
//! linked with `gcc -static` into `FROM scratch`; and a dependency-free Rust
//! program (`examples/static/hello-rs/`) linked with `+crt-static` into
//! `FROM scratch`. Every variant prints the same checksum line.
//!
//! ```text
//! cargo run --example static                        # the recommended (static) variant
//! cargo run --example static -- --variant dynamic   # dynamic | scratch | static | rust-static
//! cargo run --example static -- --all
//! cargo run --example static -- --build --chart static.svg --report-json static.json
//! ```

#[path = "support/mod.rs"]
mod support;

use std::process::ExitCode;

use stagecraft::engine::SmokeTest;
use stagecraft_workshop::static_link::{self, Variant};

const VARIANTS: &str = "dynamic|scratch|static|rust-static";

fn main() -> ExitCode {
    let mut options = match support::options_or_exit("static", VARIANTS) {
        Ok(options) => options,
        Err(code) => return code,
    };
    let chosen = match support::chosen(&options, &Variant::ALL, Variant::Static) {
        Ok(chosen) => chosen,
        Err(code) => return code,
    };
    if options.seed {
        eprintln!(
            "error: the workshop has no static Dockerfiles to reproduce: it reports only the sizes \
             of its dgemm images (1.29 GB -> 42.9 MB dynamic scratch -> 26.6 MB static); \
             print today's variants without --seed"
        );
        return ExitCode::from(2);
    }

    let built = match support::print_and_collect(
        &options,
        &chosen,
        Variant::Static,
        static_link::dockerfile,
        |image| {
            SmokeTest::new(image)
                .expect_exit(0)
                .expect_stdout_contains(format!(
                    "{}{} ok",
                    static_link::OUTPUT_PREFIX,
                    static_link::CHECKSUM
                ))
                .without_network()
        },
    ) {
        Ok(built) => built,
        Err(code) => return code,
    };
    if !options.build {
        return ExitCode::SUCCESS;
    }
    options.context = static_link::context()
        .into_iter()
        .map(|(host, path)| (host, path.to_string()))
        .collect();
    support::build_all("static", &built, &options)
}
