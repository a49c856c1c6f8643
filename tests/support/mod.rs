//! What the end-to-end tests against a Docker daemon share: connecting or
//! skipping, a unique run id, and removal of what a test made, owned by one
//! session type, [`TestRun`].
//!
//! Included by each such test with `mod support;`. When no daemon answers,
//! a test prints one `skipping: no Docker daemon (...)` line and passes,
//! unless `STAGECRAFT_REQUIRE_DOCKER=1` (CI sets it): then it fails. The same
//! holds for the second, modern daemon of `scripts/modern-daemon.sh`
//! ([`modern_engine_or_skip`]).

#[allow(dead_code)] // Only the catalogue tests use it.
pub mod catalogue;
#[allow(dead_code)] // Only the ssh tests use it.
pub mod sshd;

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use stagecraft::engine::blocking::Engine;
use stagecraft::engine::{BuildOptions, BuildOutcome, ConnectOptions, EngineError, RUN_LABEL};
use stagecraft::Dockerfile;

/// One test's session with a daemon: its engine, its run id, and the
/// removal of everything labelled with that id when it is dropped (the
/// test passing, failing or panicking).
///
/// ```ignore
/// let Some(run) = TestRun::start("my-test") else { return };
/// let (engine, id) = (&run.engine, run.id.clone());
/// ```
pub struct TestRun {
    /// The connected engine.
    pub engine: Engine,
    /// The run id everything the test makes is labelled with.
    pub id: String,
}

#[allow(dead_code)] // Not every test binary uses every constructor.
impl TestRun {
    /// A session with the host's daemon, or `None` after printing why the
    /// test skips ([`engine_or_skip`]).
    pub fn start(test: &str) -> Option<TestRun> {
        engine_or_skip().map(|engine| TestRun::with(engine, test))
    }

    /// A session with the modern daemon, or `None` after printing why the
    /// test skips ([`modern_engine_or_skip`]).
    pub fn modern(test: &str) -> Option<TestRun> {
        modern_engine_or_skip().map(|engine| TestRun::with(engine, test))
    }

    /// A session with the host's daemon (none when it skips), and one with
    /// the modern daemon when it answers within 3 s (else a line says it
    /// is not used), each with a run id of its own.
    pub fn each_daemon(test: &str) -> Vec<TestRun> {
        let Some(host) = TestRun::start(test) else {
            return Vec::new();
        };
        let mut runs = vec![host];
        let options = ConnectOptions::new()
            .host(modern_docker_host())
            .connect_timeout(std::time::Duration::from_secs(3));
        match Engine::connect_with(&options) {
            Ok(engine) => runs.push(TestRun::with(engine, test)),
            Err(error) => eprintln!("modern daemon not used: {error}"),
        }
        runs
    }

    /// A session on `engine`, with a new run id for `test`.
    pub fn with(engine: Engine, test: &str) -> TestRun {
        TestRun {
            engine,
            id: run_id(test),
        }
    }

    /// Build options that label what they make with this run's id.
    pub fn options(&self) -> BuildOptions {
        BuildOptions::new().run_label(&self.id)
    }
}

impl Drop for TestRun {
    fn drop(&mut self) {
        drop(Cleanup {
            engine: &self.engine,
            id: self.id.clone(),
        });
    }
}

/// The engine, or `None` after printing why the test skips.
pub fn engine_or_skip() -> Option<Engine> {
    connected_or_skip(Engine::connect(), "Docker daemon", "")
}

/// Where `scripts/modern-daemon.sh up` (run by `scripts/setup.sh`) serves
/// the second, modern daemon (Docker 26, API 1.45, a current BuildKit).
pub const MODERN_DOCKER_HOST: &str = "unix:///run/stagecraft-modern/docker.sock";

/// The modern daemon's address: `STAGECRAFT_MODERN_DOCKER_HOST` if set and
/// not empty, else [`MODERN_DOCKER_HOST`].
#[allow(dead_code)] // Only the tests that need the modern daemon use it.
pub fn modern_docker_host() -> String {
    std::env::var("STAGECRAFT_MODERN_DOCKER_HOST")
        .ok()
        .filter(|host| !host.is_empty())
        .unwrap_or_else(|| MODERN_DOCKER_HOST.to_string())
}

/// The engine of the modern daemon ([`modern_docker_host`]), or `None` after
/// printing why the test skips; like [`engine_or_skip`], it fails instead
/// under `STAGECRAFT_REQUIRE_DOCKER=1`.
#[allow(dead_code)] // Only the tests that need the modern daemon use it.
pub fn modern_engine_or_skip() -> Option<Engine> {
    let options = ConnectOptions::new().host(modern_docker_host());
    connected_or_skip(
        Engine::connect_with(&options),
        "modern Docker daemon",
        "; start it with `bash scripts/modern-daemon.sh up`",
    )
}

/// `Some(engine)`, or `None` after one `skipping:` line when no `daemon`
/// answers (a panic under `STAGECRAFT_REQUIRE_DOCKER=1`); `hint` follows
/// the reason.
fn connected_or_skip(
    connected: Result<Engine, EngineError>,
    daemon: &str,
    hint: &str,
) -> Option<Engine> {
    match connected {
        Ok(engine) => Some(engine),
        Err(EngineError::NoDaemon { host, cause }) => {
            let reason = format!("{host}: {cause}{hint}");
            if std::env::var("STAGECRAFT_REQUIRE_DOCKER").as_deref() == Ok("1") {
                panic!("STAGECRAFT_REQUIRE_DOCKER=1 but no {daemon} answers ({reason})");
            }
            // Written to stderr directly: libtest captures println! and
            // eprintln!, and a skipped test must say so in a plain run.
            let _ = writeln!(std::io::stderr(), "skipping: no {daemon} ({reason})");
            None
        }
        Err(other) => panic!("connecting to the {daemon}: {other}"),
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

/// Removes everything labelled with the run id when the test ends, also on
/// a panic; [`TestRun`] holds one, and a test with a second run id on the
/// same engine can add its own.
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

/// How many containers, running or not, carry run `id`'s label.
#[allow(dead_code)] // Not every test binary counts them.
pub fn labelled_containers(engine: &Engine, id: &str) -> usize {
    use stagecraft::engine::bollard::query_parameters::ListContainersOptionsBuilder;
    use std::collections::HashMap;
    let filters = HashMap::from([("label", vec![format!("{RUN_LABEL}={id}")])]);
    let docker = engine.as_async().docker();
    engine
        .block_on(
            docker.list_containers(Some(
                ListContainersOptionsBuilder::new()
                    .all(true)
                    .filters(&filters)
                    .build(),
            )),
        )
        .expect("listing containers")
        .len()
}

/// How many images (intermediate ones included) carry run `id`'s label.
#[allow(dead_code)]
pub fn labelled_images(engine: &Engine, id: &str) -> usize {
    use stagecraft::engine::bollard::query_parameters::ListImagesOptionsBuilder;
    use std::collections::HashMap;
    let filters = HashMap::from([("label", vec![format!("{RUN_LABEL}={id}")])]);
    let docker = engine.as_async().docker();
    engine
        .block_on(
            docker.list_images(Some(
                ListImagesOptionsBuilder::new()
                    .all(true)
                    .filters(&filters)
                    .build(),
            )),
        )
        .expect("listing images")
        .len()
}
