//! End-to-end test of the static-linking example against a real Docker
//! daemon: the dgemm built dynamically on a full base, harvested into
//! `FROM scratch`, and linked statically into `FROM scratch`, plus the Rust
//! program linked statically; every image runs and prints the same checksum,
//! and each way is smaller than the one before.
//!
//! Without a daemon the test prints one `skipping: no Docker daemon (...)`
//! line and passes, unless `STAGECRAFT_REQUIRE_DOCKER=1` is set (CI sets
//! it): then it fails. Everything it creates carries
//! `stagecraft.run=<test id>` and is removed by label when it ends.
//! Cold (nothing cached) it takes about a minute on a 2-core machine.

use std::time::Duration;

use stagecraft::engine::{BuildOptions, SmokeTest};
use stagecraft::report::Comparison;
use stagecraft_workshop::static_link::{self, Variant};

mod support;
use support::{engine_or_skip, run_id, Cleanup};

/// The checksum in a line `dgemm 256x256 checksum <N> ok ...`.
fn checksum(output: &str) -> &str {
    output
        .trim_end()
        .strip_prefix(static_link::OUTPUT_PREFIX)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no checksum line in {output:?}"))
}

#[test]
fn static_images_run_like_dynamic_and_shrink() {
    let Some(engine) = engine_or_skip() else {
        return;
    };
    let id = run_id("static");
    let _cleanup = Cleanup {
        engine: &engine,
        id: id.clone(),
    };
    let mut sizes = Vec::new();
    let mut checksums = Vec::new();
    for variant in Variant::ALL {
        let dockerfile = static_link::dockerfile(variant).expect("the static Dockerfile is valid");
        let options = static_link::context().into_iter().fold(
            BuildOptions::new().run_label(&id).quiet(),
            |options, (host, path)| options.context_file(host, path),
        );
        let built = support::build(&engine, &dockerfile, &options, &format!("static {variant}"));
        let outcome = engine
            .smoke(
                &SmokeTest::new(&built.image_id)
                    .run_label(&id)
                    .timeout(Duration::from_secs(60))
                    .without_network()
                    .expect_exit(0)
                    .expect_stdout_contains(static_link::OUTPUT_PREFIX),
            )
            .unwrap_or_else(|error| panic!("running static {variant}: {error}"));
        println!("static {variant} says: {}", outcome.stdout.trim_end());
        checksums.push((variant, checksum(&outcome.stdout).to_string()));
        let report = engine.inspect(&built.image_id).expect("inspect");
        println!("static {variant}: {} bytes", report.size);
        sizes.push((variant.name(), report.size));
    }
    print!("{}", Comparison::new(sizes.clone()).to_table());

    let dynamic = &checksums[0].1;
    assert_eq!(dynamic, static_link::CHECKSUM);
    for (variant, sum) in &checksums {
        assert_eq!(
            sum, dynamic,
            "{variant} prints another checksum than dynamic"
        );
    }
    let size = |name: &str| sizes.iter().find(|(n, _)| *n == name).unwrap().1;
    let (dynamic, scratch, fully_static, rust) = (
        size("dynamic"),
        size("scratch"),
        size("static"),
        size("rust-static"),
    );
    assert!(
        fully_static < scratch && scratch < dynamic,
        "expected static ({fully_static} B) < dynamic scratch ({scratch} B) < dynamic ({dynamic} B)"
    );
    assert!(
        rust < 5_000_000,
        "the static Rust image is {rust} bytes, not < 5 MB"
    );
}
