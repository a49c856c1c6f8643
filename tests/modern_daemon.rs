//! The second, modern Docker daemon (`scripts/modern-daemon.sh`, run by
//! `scripts/setup.sh`) as the library sees it: it answers with a current API,
//! and an image built on the host's daemon runs there after `docker save` |
//! `docker load`, which is how images move between the two.
//!
//! Each test skips with one `skipping:` line when a daemon it needs does not
//! answer, and fails instead under `STAGECRAFT_REQUIRE_DOCKER=1`.
//! `STAGECRAFT_MODERN_DOCKER_HOST` names another modern daemon.

use std::process::{Command, Stdio};

use stagecraft::engine::blocking::Engine;
use stagecraft::engine::bollard::errors::Error::DockerResponseServerError;
use stagecraft::engine::{BuildOptions, EngineError, ProgressMode, SmokeTest, RUN_LABEL};
use stagecraft::packages::{Apt, CachedRun, Pip, PIP_WHEELHOUSE};
use stagecraft::site_ca::SiteCa;
use stagecraft::Dockerfile;

mod support;
use support::TestRun;

/// The oldest API the modern daemon may answer with: Docker 26's, the first
/// whose built-in BuildKit builds heredocs, `COPY --link` and `ADD --checksum`.
const MODERN_API: (u32, u32) = (1, 45);

fn parse_api(version: &str) -> (u32, u32) {
    let parse = |part: Option<&str>| {
        part.and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("API version {version:?} is not MAJOR.MINOR"))
    };
    let mut parts = version.split('.');
    (parse(parts.next()), parse(parts.next()))
}

#[test]
fn the_modern_daemon_answers_with_api_1_45_or_later() {
    let Some(run) = TestRun::modern("modern-api") else {
        return;
    };
    let modern = &run.engine;
    let server = modern
        .block_on(modern.as_async().docker().version())
        .expect("the modern daemon reports its version");
    let server_api = server.api_version.clone().unwrap_or_default();
    println!(
        "modern daemon at {}: docker {}, server API {server_api}, negotiated {}",
        modern.host(),
        server.version.as_deref().unwrap_or("?"),
        modern.api_version()
    );
    assert!(
        parse_api(&server_api) >= MODERN_API,
        "the daemon at {} answers with API {server_api}, older than {}.{}: \
         is it the host's daemon? (scripts/modern-daemon.sh up starts the modern one)",
        modern.host(),
        MODERN_API.0,
        MODERN_API.1
    );
    // The library talks to it at that level, not at the host daemon's 1.41.
    assert!(parse_api(&modern.api_version()) >= MODERN_API);
}

/// `docker -H <from> save <image> | docker -H <to> load`, streamed (no file).
fn move_image(from: &Engine, to: &Engine, image: &str) {
    let mut save = Command::new("docker")
        .args(["-H", from.host(), "save", image])
        .stdout(Stdio::piped())
        .spawn()
        .expect("running `docker save` (the docker CLI must be on PATH)");
    let saved = save.stdout.take().expect("docker save's stdout");
    let load = Command::new("docker")
        .args(["-H", to.host(), "load", "-q"])
        .stdin(saved)
        .output()
        .expect("running `docker load`");
    let save = save.wait().expect("waiting for docker save");
    assert!(
        save.success(),
        "docker -H {} save {image}: {save}",
        from.host()
    );
    assert!(
        load.status.success(),
        "docker -H {} load: {}",
        to.host(),
        String::from_utf8_lossy(&load.stderr)
    );
    println!("{}", String::from_utf8_lossy(&load.stdout).trim_end());
}

#[test]
fn an_image_built_on_the_host_daemon_runs_on_the_modern_one_after_save_and_load() {
    let Some(host_run) = TestRun::start("moved") else {
        return;
    };
    let Some(mut modern_run) = TestRun::modern("moved") else {
        return;
    };
    // The image's label says which run it belongs to, on both daemons: one
    // id, each session cleaning its own daemon.
    modern_run.id = host_run.id.clone();
    let (host, modern, id) = (&host_run.engine, &modern_run.engine, host_run.id.clone());
    assert_ne!(
        host.host(),
        modern.host(),
        "the host daemon (DOCKER_HOST) and the modern one (STAGECRAFT_MODERN_DOCKER_HOST) \
         are the same: this test moves an image from one to the other"
    );
    // Unique content: the image cannot already be on the modern daemon.
    let dockerfile = format!(
        "FROM debian:bookworm-slim\n\
         RUN echo 'built on the host daemon, run {id}' >/greeting\n\
         CMD [\"cat\", \"/greeting\"]\n"
    );
    let built = host
        .build_text(&dockerfile, &BuildOptions::new().run_label(&id).quiet())
        .unwrap_or_else(|error| panic!("building on the host daemon: {error}"));
    match modern.inspect(&built.image_id) {
        Err(EngineError::Docker {
            source: DockerResponseServerError {
                status_code: 404, ..
            },
            ..
        }) => {}
        other => panic!(
            "{} should not be on the modern daemon yet: {other:?}",
            built.image_id
        ),
    }

    move_image(host, modern, &built.image_id);

    let on_host = host
        .inspect(&built.image_id)
        .expect("inspecting on the host");
    let moved = modern
        .inspect(&built.image_id)
        .expect("the loaded image is on the modern daemon, under the same id");
    assert_eq!(moved.id, on_host.id);
    assert_eq!(moved.size, on_host.size);
    assert_eq!(moved.layers.len(), on_host.layers.len());
    let outcome = modern
        .smoke(
            &SmokeTest::new(&built.image_id)
                .run_label(&id)
                .expect_stdout_equals(format!("built on the host daemon, run {id}\n")),
        )
        .unwrap_or_else(|error| panic!("running the moved image on the modern daemon: {error}"));
    assert_eq!(outcome.exit_code, 0);
    // The run label came along in the image's config, so cleanup finds it.
    let labels = modern
        .block_on(modern.as_async().docker().inspect_image(&built.image_id))
        .expect("inspecting the moved image")
        .config
        .and_then(|config| config.labels)
        .unwrap_or_default();
    assert_eq!(labels.get(RUN_LABEL), Some(&id));
}

#[test]
fn a_run_on_the_modern_daemon_reaches_the_debian_archive() {
    let Some(run) = TestRun::modern("modern-net") else {
        return;
    };
    let (modern, id) = (&run.engine, run.id.clone());
    // Not from the cache: the RUN must reach the archive now, through the
    // daemon's own bridge and the NAT scripts/modern-daemon.sh sets up.
    // apt-get update alone exits 0 when it reaches nothing (warnings only).
    let built = modern
        .build_text(
            "FROM debian:bookworm-slim\n\
             RUN apt-get -o Acquire::Retries=0 -o Acquire::http::Timeout=10 update --error-on=any\n",
            &BuildOptions::new().run_label(&id).no_cache(true).quiet(),
        )
        .unwrap_or_else(|error| {
            panic!(
                "apt-get update in a RUN on the modern daemon: {error}\n\
                 (`bash scripts/modern-daemon.sh check` tests the network of both daemons)"
            )
        });
    assert!(!built.fully_cached);
    println!(
        "apt-get update on the modern daemon in {:.1}s",
        built.duration.as_secs_f64()
    );
}

/// The cached pip recipe's wheels outlive the build: a rebuild of its `RUN`
/// takes them from the cache mount ("File was already downloaded") instead
/// of downloading them again, also behind this machine's TLS-intercepting
/// proxy, whose answers carry no caching headers (pip's HTTP cache keeps
/// nothing then).
#[test]
fn the_cached_pip_recipe_reuses_its_wheels_on_a_rebuild() {
    let Some(run) = TestRun::modern("modern-pip") else {
        return;
    };
    let (modern, id) = (&run.engine, run.id.clone());
    let site_ca = SiteCa::from_env()
        .expect("STAGECRAFT_SITE_CA names a readable bundle")
        .unwrap_or_else(|| {
            SiteCa::new("/etc/ssl/certs/ca-certificates.crt").expect("the host's CA bundle")
        });
    let mut df = Dockerfile::builder();
    df.stage("app", "debian:bookworm-slim")
        .trust_site_ca()
        .done();
    let mut text = df.build().expect("a valid stage").render();
    let apt = CachedRun::new(Apt::install(["python3-pip"]).cached()).expect("apt's cached form");
    let pip = CachedRun::new(
        Pip::install(["six==1.16.0"])
            .break_system_packages()
            .cached(),
    )
    .expect("pip's cached form");
    // Only the pip RUN runs again: the ARG before it changes.
    text.push_str(&format!(
        "{}\nARG REBUILD\n{}\n",
        apt.instruction(),
        pip.instruction()
    ));
    let build = |rebuild: &str| {
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
        let options = BuildOptions::new()
            .run_label(&id)
            .site_ca(&site_ca)
            .build_arg("REBUILD", format!("{id}-{rebuild}"))
            .progress(ProgressMode::Plain)
            .progress_writer(log.clone());
        modern
            .build_text(&text, &options)
            .unwrap_or_else(|error| panic!("the apt+pip build ({rebuild}): {error}"));
        let shown = String::from_utf8_lossy(&log.lock().unwrap()).into_owned();
        shown
    };
    let first = build("first");
    assert!(
        first.contains(&format!("{PIP_WHEELHOUSE}/six-1.16.0-py2.py3-none-any.whl")),
        "{first}"
    );
    let second = build("second");
    assert!(
        second.contains(&format!(
            "File was already downloaded {PIP_WHEELHOUSE}/six-1.16.0-py2.py3-none-any.whl"
        )),
        "{second}"
    );
    assert!(!second.contains("Downloading six"), "{second}");
    assert!(
        second.contains("Successfully installed six-1.16.0"),
        "{second}"
    );
}
