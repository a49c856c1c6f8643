//! What the end-to-end tests against a Docker daemon share: connecting or
//! skipping, a unique run id, and removal of what a test made.
//!
//! Included by each such test with `mod support;`. When no daemon answers,
//! a test prints one `skipping: no Docker daemon (...)` line and passes,
//! unless `STAGECRAFT_REQUIRE_DOCKER=1` (CI sets it): then it fails.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use stagecraft::engine::blocking::Engine;
use stagecraft::engine::{BuildOptions, BuildOutcome, EngineError};
use stagecraft::Dockerfile;

/// The engine, or `None` after printing why the test skips.
pub fn engine_or_skip() -> Option<Engine> {
    match Engine::connect() {
        Ok(engine) => Some(engine),
        Err(EngineError::NoDaemon { host, cause }) => {
            let reason = format!("{host}: {cause}");
            if std::env::var("STAGECRAFT_REQUIRE_DOCKER").as_deref() == Ok("1") {
                panic!("STAGECRAFT_REQUIRE_DOCKER=1 but no Docker daemon answers ({reason})");
            }
            // Written to stderr directly: libtest captures println! and
            // eprintln!, and a skipped test must say so in a plain run.
            let _ = writeln!(std::io::stderr(), "skipping: no Docker daemon ({reason})");
            None
        }
        Err(other) => panic!("connecting to the Docker daemon: {other}"),
    }
}

/// Builds `what` (e.g. `fortune scratch`) or panics with the error, and
/// prints how long it took, whether it was fully cached, and the image id.
#[allow(dead_code)] // Not every test that includes this module builds this way.
pub fn build(
    engine: &Engine,
    dockerfile: &Dockerfile,
    options: &BuildOptions,
    what: &str,
) -> BuildOutcome {
    let built = engine
        .build(dockerfile, options)
        .unwrap_or_else(|error| panic!("building {what}: {error}"));
    println!(
        "built {what} in {:.1}s{}: {}",
        built.duration.as_secs_f64(),
        if built.fully_cached {
            " (fully cached)"
        } else {
            ""
        },
        built.image_id
    );
    built
}

/// A label value unique to this test and process.
pub fn run_id(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{test}-{}-{nanos}", std::process::id())
}

/// Removes everything labelled with the run id when the test ends, also on a panic.
pub struct Cleanup<'a> {
    /// The engine that made it.
    pub engine: &'a Engine,
    /// The run id the images and containers are labelled with.
    pub id: String,
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        match self.engine.cleanup(&self.id) {
            Ok(removed) => eprintln!(
                "cleanup {}: {} containers, {} images",
                self.id, removed.containers, removed.images
            ),
            Err(error) => eprintln!("cleanup {} failed: {error}", self.id),
        }
    }
}
