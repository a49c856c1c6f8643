//! The catalogue across real daemons (`scripts/setup.sh` starts them):
//! the host's, `scripts/extra-daemon.sh third` (tested over loopback TCP)
//! and `spare`, a disposable dockerd this file's fault test kills by its
//! pid and restarts with the script; the registry of `scripts/registry.sh`
//! and the one with a password (`registry.sh auth`); `docker buildx bake`
//! on the modern daemon against our own build of the same catalogue.
//!
//! Each test skips with one line when its daemons or registry are missing,
//! and fails instead under `STAGECRAFT_REQUIRE_DOCKER=1`.

mod support;

use support::catalogue::{recorder, runtime};

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use stagecraft::catalogue::{
    build, registry_reference, to_bake_json, Catalogue, CatalogueImage, CatalogueReport,
    DockerConfig, Endpoint, ImageStatus, Progress,
};
use stagecraft::engine::blocking::Engine;
use stagecraft::engine::bollard::query_parameters::RemoveImageOptions;
use stagecraft::engine::{ConnectOptions, DEFAULT_HOST};

/// `scripts/extra-daemon.sh third`, over TCP.
const THIRD: &str = "tcp://127.0.0.1:23761";
/// `scripts/extra-daemon.sh spare`: the one the fault test kills.
const SPARE: &str = "tcp://127.0.0.1:23762";
const SPARE_PIDFILE: &str = "/run/stagecraft-spare/docker.pid";
/// The docker CLI that `scripts/modern-daemon.sh up` unpacks (26.1.5, with buildx).
const DOCKER_CLI: &str = "/opt/stagecraft/modern-docker/root/usr/bin/docker";
const DOCKER_CONFIG: &str = "/opt/stagecraft/docker-config";
const OPEN_REGISTRY: &str = "127.0.0.1:5000";
const AUTH_REGISTRY: &str = "127.0.0.1:5001";

fn require() -> bool {
    std::env::var("STAGECRAFT_REQUIRE_DOCKER").as_deref() == Ok("1")
}

fn skip(reason: &str) {
    assert!(!require(), "STAGECRAFT_REQUIRE_DOCKER=1 but {reason}");
    let _ = writeln!(std::io::stderr(), "skipping: {reason}");
}

/// The daemon at `host`, or `None` after a `skipping:` line naming `start`.
fn daemon_or_skip(host: &str, start: &str) -> Option<Engine> {
    match Engine::connect_with(&ConnectOptions::new().host(host)) {
        Ok(engine) => Some(engine),
        Err(error) => {
            skip(&format!(
                "no daemon at {host} ({error}); start it with `{start}`"
            ));
            None
        }
    }
}

/// `Some(())` when `address` answers `/v2/` with `want` (200 open, 401 asking).
fn registry_or_skip(address: &str, want: &str, start: &str) -> Option<()> {
    match http(address, "HEAD", "/v2/", &[]) {
        Ok(head) if head.starts_with(&format!("HTTP/1.1 {want}")) => Some(()),
        other => {
            skip(&format!(
                "no registry at http://{address}/v2/ ({other:?}); start it with `{start}`"
            ));
            None
        }
    }
}

/// A plain HTTP/1.1 request without a body; the response's head.
fn http(address: &str, method: &str, path: &str, headers: &[String]) -> std::io::Result<String> {
    let mut stream = std::net::TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n"
    )?;
    for header in headers {
        write!(stream, "{header}\r\n")?;
    }
    write!(stream, "\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response)
}

/// The digest the registry serves for `reference` (`addr/repo:tag`).
fn served_digest(registry: &str, reference: &str, headers: &[String]) -> Option<String> {
    let (repository, tag) = reference
        .strip_prefix(&format!("{registry}/"))?
        .rsplit_once(':')?;
    let mut headers = headers.to_vec();
    headers.push("Accept: application/vnd.docker.distribution.manifest.v2+json".into());
    let head = http(
        registry,
        "HEAD",
        &format!("/v2/{repository}/manifests/{tag}"),
        &headers,
    )
    .ok()?;
    head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("docker-content-digest")
            .then(|| value.trim().to_string())
    })
}

fn tag(run: &str, name: &str) -> String {
    format!("topology-{run}/{name}:1")
}

/// About a dozen small images: a chain three deep, a multi-stage image
/// copying from the middle of the chain, and `leaves` images on the base
/// whose RUN sleeps `sleep` seconds (no network: the failover is what is tested).
fn site(run: &str, leaves: usize, sleep: u32) -> Catalogue {
    let mut catalogue = Catalogue::new();
    let base = tag(run, "base");
    let tool = tag(run, "tool");
    let mut add = |image: CatalogueImage| {
        catalogue.add(image).unwrap();
    };
    add(CatalogueImage::from_text(
        "base",
        format!("FROM debian:bookworm-slim\nRUN echo {run} > /etc/site-run\n"),
    )
    .tag(&base));
    add(CatalogueImage::from_text(
        "tool",
        format!("FROM {base}\nRUN sleep {sleep} && echo tool > /etc/site-tool\n"),
    )
    .tag(&tool));
    add(CatalogueImage::from_text(
        "app",
        format!("FROM {tool}\nRUN cat /etc/site-tool > /etc/site-app\n"),
    )
    .tag(tag(run, "app")));
    add(CatalogueImage::from_text(
        "slim",
        format!(
            "FROM debian:bookworm-slim AS build\nRUN echo built > /out\n\
             FROM {base}\nCOPY --from=build /out /out\nCOPY --from={tool} /etc/site-tool /tool\n"
        ),
    )
    .tag(tag(run, "slim")));
    for leaf in 0..leaves {
        add(CatalogueImage::from_text(
            format!("leaf{leaf}"),
            format!("FROM {base}\nRUN sleep {sleep} && echo leaf {leaf} > /leaf\n"),
        )
        .tag(tag(run, &format!("leaf{leaf}"))));
    }
    catalogue
}

/// Brings the spare daemon back with its script when the fault test ends,
/// also on a panic.
struct RestartSpare;

impl Drop for RestartSpare {
    fn drop(&mut self) {
        let root = env!("CARGO_MANIFEST_DIR");
        let status = Command::new("bash")
            .arg(Path::new(root).join("scripts/extra-daemon.sh"))
            .args(["spare", "up"])
            .status();
        eprintln!("scripts/extra-daemon.sh spare up: {status:?}");
    }
}

/// Removes the images the run left on every daemon it used.
fn clean(run: &str, hosts: &[&str]) {
    for host in hosts {
        if let Ok(engine) = Engine::connect_with(&ConnectOptions::new().host(*host)) {
            drop(support::Cleanup {
                engine: &engine,
                id: run.to_string(),
            });
        }
    }
}

fn check_pushed_once(report: &CatalogueReport, registry: &str) {
    for row in &report.images {
        let pushed = row
            .pushed
            .as_deref()
            .unwrap_or_else(|| panic!("{} was not pushed", row.name));
        let (reference, digest) = pushed.split_once('@').unwrap();
        assert_eq!(reference, registry_reference(registry, &row.tags[0]));
        assert_eq!(
            served_digest(registry, reference, &[]).as_deref(),
            Some(digest),
            "what the registry serves for {reference} is what the row says"
        );
    }
}

#[test]
fn a_real_daemon_killed_by_its_pid_loses_no_image() {
    let Some(_spare) = daemon_or_skip(SPARE, "bash scripts/extra-daemon.sh spare up") else {
        return;
    };
    let Some(third) = daemon_or_skip(THIRD, "bash scripts/extra-daemon.sh third up") else {
        return;
    };
    let Some(local) = support::engine_or_skip() else {
        return;
    };
    if registry_or_skip(OPEN_REGISTRY, "200", "bash scripts/registry.sh").is_none() {
        return;
    }
    let pid: i32 = std::fs::read_to_string(SPARE_PIDFILE)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let run = support::run_id("fault");
    let _restart = RestartSpare;
    let catalogue = site(&run, 8, 3);
    assert_eq!(catalogue.len(), 12);
    let (lines, options) = recorder();
    let options = options.run_label(run.clone()).push(OPEN_REGISTRY);
    let pool = [
        Endpoint::new(SPARE, 2),
        Endpoint::new(THIRD, 1),
        Endpoint::new(DEFAULT_HOST, 1),
    ];
    // Kill the spare's dockerd 1.5 s after its second build started: one
    // build (or two) in flight on it, others queued behind them.
    let watched = lines.clone();
    let killer = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(180);
        while Instant::now() < deadline {
            let started = watched
                .lock()
                .unwrap()
                .iter()
                .filter(|p| matches!(p, Progress::Started { daemon, .. } if daemon == SPARE))
                .count();
            if started >= 2 {
                std::thread::sleep(Duration::from_millis(1500));
                eprintln!("kill -KILL {pid} (the spare dockerd)");
                let killed = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
                return killed.map(|s| s.success()).unwrap_or(false);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    });
    let rt = runtime();
    let started = Instant::now();
    let report = rt.block_on(build(&catalogue, &pool, &options)).unwrap();
    assert!(
        killer.join().unwrap(),
        "the spare never got two builds, or kill failed"
    );
    println!("{}", report.to_table());
    println!(
        "fault run over 3 real daemons: {:.1}s, {} moves",
        started.elapsed().as_secs_f64(),
        report.moves.len()
    );
    // The images built on the spare that no rebuild replaced: each must be
    // held by a surviving daemon (copied there for a child before the kill:
    // the scheduler rebuilds an image only when its only copy was lost).
    let survived: Vec<(String, bool)> = report
        .images
        .iter()
        .filter(|row| row.daemon.as_deref() == Some(SPARE))
        .map(|row| {
            let id = row.image_id.as_deref().unwrap_or_default();
            let held = !id.is_empty() && (third.inspect(id).is_ok() || local.inspect(id).is_ok());
            (row.name.clone(), held)
        })
        .collect();
    clean(&run, &[THIRD, DEFAULT_HOST]);

    assert!(report.all_ok(), "{}", report.to_table());
    // Reported once: one row per image, each name once.
    assert_eq!(report.images.len(), catalogue.len());
    let mut names: Vec<&str> = report.images.iter().map(|i| i.name.as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), catalogue.len());
    let spare = report.daemons.iter().find(|d| d.host == SPARE).unwrap();
    assert!(spare.lost.is_some(), "{:?}", report.daemons);
    for daemon in report.daemons.iter().filter(|d| d.host != SPARE) {
        assert!(daemon.lost.is_none(), "{daemon:?}");
    }
    assert!(!report.moves.is_empty(), "the kill moved nothing");
    // Each move is a build that was on the spare, or one elsewhere whose
    // parent was being copied from the spare when it died.
    for moved in &report.moves {
        assert!(
            moved.from == SPARE
                || moved
                    .reason
                    .contains(&format!("daemon {SPARE} stopped answering")),
            "{moved:?}"
        );
        assert!(
            matches!(moved.to.as_deref(), Some(THIRD) | Some(DEFAULT_HOST)),
            "{moved:?}"
        );
    }
    // Every row's image is on a daemon that still answers: built there by
    // the row's last attempt, or (built on the spare before the kill) copied
    // there for a child, with the same id.
    for (name, held) in &survived {
        assert!(
            held,
            "{name} was built on the dead daemon and no surviving daemon holds it"
        );
    }
    // Pushed once each: the registry serves, under each tag, the digest of
    // the row (a build done twice would have moved the tag to another).
    check_pushed_once(&report, OPEN_REGISTRY);
    let finished = lines
        .lock()
        .unwrap()
        .iter()
        .filter(|p| matches!(p, Progress::Finished { .. }))
        .count();
    let rebuilt = report
        .moves
        .iter()
        .filter(|m| m.reason.starts_with("its only copy was on"))
        .count();
    assert_eq!(finished, catalogue.len() + rebuilt);
}

/// [`clean`] when dropped, also on a panic.
struct CleanOnDrop(String, &'static [&'static str]);

impl Drop for CleanOnDrop {
    fn drop(&mut self) {
        clean(&self.0, self.1);
    }
}

/// The (image, from, to) of each `Transferred` event of `lines`.
fn transferred(lines: &support::catalogue::Recorded) -> Vec<(String, String, String)> {
    lines
        .lock()
        .unwrap()
        .iter()
        .filter_map(|p| match p {
            Progress::Transferred {
                image, from, to, ..
            } => Some((image.clone(), from.clone(), to.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn an_unchanged_image_on_any_daemon_of_the_pool_is_skipped_where_it_is() {
    let Some(_third) = daemon_or_skip(THIRD, "bash scripts/extra-daemon.sh third up") else {
        return;
    };
    let Some(_local) = support::engine_or_skip() else {
        return;
    };
    let run = support::run_id("skip");
    let catalogue = site(&run, 2, 0);
    let rt = runtime();
    let _clean = CleanOnDrop(run.clone(), &[THIRD, DEFAULT_HOST]);
    {
        // Everything built on the third daemon alone.
        let (_, options) = recorder();
        let options = options.run_label(run.clone());
        let first = rt
            .block_on(build(&catalogue, &[Endpoint::new(THIRD, 1)], &options))
            .unwrap();
        assert!(first.all_ok(), "{}", first.to_table());
        assert_eq!(first.totals.skipped, 0, "{}", first.to_table());

        // Again over the local daemon (listed first, two workers) and the
        // third: the local workers look first, find nothing of theirs, and
        // must find each image on the third, unchanged. Nothing is built
        // and nothing moved.
        let (lines, options) = recorder();
        let options = options.run_label(run.clone());
        let pool = [Endpoint::new(DEFAULT_HOST, 2), Endpoint::new(THIRD, 1)];
        let started = Instant::now();
        let again = rt.block_on(build(&catalogue, &pool, &options)).unwrap();
        println!("{}", again.to_table());
        println!(
            "unchanged over 2 daemons: {:.2}s",
            started.elapsed().as_secs_f64()
        );
        assert!(again.all_ok(), "{}", again.to_table());
        assert_eq!(
            again.totals.skipped,
            catalogue.len(),
            "{}",
            again.to_table()
        );
        for row in &again.images {
            assert_eq!(row.daemon.as_deref(), Some(THIRD), "{row:?}");
            let built = first.image(&row.name).unwrap();
            assert_eq!(row.image_id, built.image_id, "{row:?}");
        }
        let moved = transferred(&lines);
        assert!(moved.is_empty(), "nothing needs moving: {moved:?}");
        assert!(again.moves.is_empty(), "{:?}", again.moves);
        let daemons: Vec<(&str, usize, usize)> = again
            .daemons
            .iter()
            .map(|d| (d.host.as_str(), d.images, d.transfers))
            .collect();
        assert_eq!(daemons, [(DEFAULT_HOST, 0, 0), (THIRD, catalogue.len(), 0)]);

        // Two leaves changed: built on either daemon; the rest is skipped on
        // the third, and a leaf built on the local daemon gets the base
        // (found unchanged on the third) moved there first.
        let mut changed = Catalogue::new();
        for image in catalogue.images() {
            let image = match image.name() {
                "leaf0" | "leaf1" => CatalogueImage::from_text(
                    image.name(),
                    format!("{}RUN echo changed > /changed\n", image.source().text()),
                )
                .tags_replaced(image.tags().to_vec()),
                _ => image.clone(),
            };
            changed.add(image).unwrap();
        }
        let (lines, options) = recorder();
        let options = options.run_label(run.clone());
        let third = rt.block_on(build(&changed, &pool, &options)).unwrap();
        println!("{}", third.to_table());
        assert!(third.all_ok(), "{}", third.to_table());
        assert_eq!(third.totals.skipped, catalogue.len() - 2);
        let moved = transferred(&lines);
        for row in &third.images {
            if row.name.starts_with("leaf") {
                assert_eq!(row.status, ImageStatus::Built, "{row:?}");
                if row.daemon.as_deref() == Some(DEFAULT_HOST) {
                    assert!(
                        moved.contains(&("base".into(), THIRD.into(), DEFAULT_HOST.into())),
                        "{row:?} built on the local daemon without the base moved: {moved:?}"
                    );
                }
            } else {
                assert_eq!(row.status, ImageStatus::Skipped, "{row:?}");
                assert_eq!(row.daemon.as_deref(), Some(THIRD), "{row:?}");
            }
        }
        // The base moves once at most, and nothing else does.
        assert!(
            moved.iter().all(|(image, ..)| image == "base") && moved.len() <= 1,
            "{moved:?}"
        );
    }
}

#[test]
fn a_run_that_pushes_moves_parents_through_the_registry() {
    let Some(third) = daemon_or_skip(THIRD, "bash scripts/extra-daemon.sh third up") else {
        return;
    };
    let Some(local) = support::engine_or_skip() else {
        return;
    };
    if registry_or_skip(OPEN_REGISTRY, "200", "bash scripts/registry.sh").is_none() {
        return;
    }
    let run = support::run_id("viareg");
    let _clean = CleanOnDrop(run.clone(), &[THIRD, DEFAULT_HOST]);
    // base, tool, app, slim and 4 leaves: while one daemon builds the base
    // the other waits, then takes a child of it.
    let catalogue = site(&run, 4, 1);
    let (lines, options) = recorder();
    let options = options.run_label(run.clone()).push(OPEN_REGISTRY);
    let pool = [Endpoint::new(DEFAULT_HOST, 1), Endpoint::new(THIRD, 1)];
    let rt = runtime();
    let report = rt.block_on(build(&catalogue, &pool, &options)).unwrap();
    println!("{}", report.to_table());
    assert!(report.all_ok(), "{}", report.to_table());
    check_pushed_once(&report, OPEN_REGISTRY);
    let events = lines.lock().unwrap().clone();
    let pulled: Vec<(String, String, String)> = events
        .iter()
        .filter_map(|p| match p {
            Progress::Pulled {
                image,
                reference,
                to,
                ..
            } => Some((image.clone(), reference.clone(), to.clone())),
            _ => None,
        })
        .collect();
    assert!(!pulled.is_empty(), "no parent was pulled: {events:#?}");
    assert!(transferred(&lines).is_empty(), "{events:#?}");
    assert!(
        !events
            .iter()
            .any(|p| matches!(p, Progress::PullFailed { .. })),
        "{events:#?}"
    );
    for (image, reference, to) in &pulled {
        let row = report.image(image).unwrap();
        // What was pulled is what was pushed (by digest), and the pulling
        // daemon holds the catalogue's tag with the id that was built.
        let (pushed, digest) = row.pushed.as_deref().unwrap().split_once('@').unwrap();
        let repository = pushed.rsplit_once(':').unwrap().0;
        assert_eq!(reference, &format!("{repository}@{digest}"));
        assert_ne!(row.daemon.as_deref(), Some(to.as_str()));
        let engine = if to == THIRD { &third } else { &local };
        let held = engine.inspect(&row.tags[0]).unwrap();
        assert_eq!(Some(&held.id), row.image_id.as_ref(), "{image} on {to}");
    }
    let moved_in: usize = report.daemons.iter().map(|d| d.transfers).sum();
    assert_eq!(moved_in, pulled.len(), "{:?}", report.daemons);
}

#[test]
fn an_image_pushed_from_one_daemon_pulls_on_another_with_the_same_digest() {
    let Some(third) = daemon_or_skip(THIRD, "bash scripts/extra-daemon.sh third up") else {
        return;
    };
    let Some(host) = support::engine_or_skip() else {
        return;
    };
    if registry_or_skip(OPEN_REGISTRY, "200", "bash scripts/registry.sh").is_none() {
        return;
    }
    let run = support::run_id("pull");
    let _cleanup_third = support::Cleanup {
        engine: &third,
        id: run.clone(),
    };
    let mut catalogue = Catalogue::new();
    catalogue
        .add(
            CatalogueImage::from_text(
                "moved",
                format!("FROM debian:bookworm-slim\nRUN echo {run} > /moved\nCMD [\"cat\", \"/moved\"]\n"),
            )
            .tag(tag(&run, "moved")),
        )
        .unwrap();
    let (_, options) = recorder();
    let options = options.run_label(run.clone()).push(OPEN_REGISTRY);
    let rt = runtime();
    let report = rt
        .block_on(build(&catalogue, &[Endpoint::new(THIRD, 1)], &options))
        .unwrap();
    assert!(report.all_ok(), "{}", report.to_table());
    let row = &report.images[0];
    assert_eq!(row.daemon.as_deref(), Some(THIRD));
    let (reference, digest) = row.pushed.as_deref().unwrap().split_once('@').unwrap();
    let (repository, _) = reference.rsplit_once(':').unwrap();
    // Pull on the host's daemon (Docker 20.10; the pusher is 26.1).
    let docker = host.as_async().docker();
    self::docker(
        DEFAULT_HOST,
        &std::env::temp_dir(),
        &["pull", "-q", reference],
    );
    let pulled = rt.block_on(docker.inspect_image(reference)).unwrap();
    let pulled_digests = pulled.repo_digests.clone().unwrap_or_default();
    assert!(
        pulled_digests.contains(&format!("{repository}@{digest}")),
        "pushed {digest}, the pull has {pulled_digests:?}"
    );
    // The same image: the config digest (the image id) is the one built.
    assert_eq!(pulled.id.as_deref(), row.image_id.as_deref());
    rt.block_on(docker.remove_image(reference, None::<RemoveImageOptions>, None))
        .unwrap();
}

#[test]
fn a_registry_with_a_password_takes_the_config_json_credentials() {
    let Some(host) = support::engine_or_skip() else {
        return;
    };
    if registry_or_skip(AUTH_REGISTRY, "401", "bash scripts/registry.sh auth").is_none() {
        return;
    }
    let run = support::run_id("auth");
    let _cleanup = support::Cleanup {
        engine: &host,
        id: run.clone(),
    };
    let mut catalogue = Catalogue::new();
    catalogue
        .add(
            CatalogueImage::from_text(
                "secret",
                format!("FROM debian:bookworm-slim\nRUN echo {run} > /secret\n"),
            )
            .tag(tag(&run, "secret")),
        )
        .unwrap();
    let config_dir = tempfile::tempdir().unwrap();
    let config_for = |password: &str| {
        let path = config_dir.path().join(format!("{password}.json"));
        let auth = base64_of(&format!("stagecraft:{password}"));
        std::fs::write(
            &path,
            format!(r#"{{"auths": {{"http://{AUTH_REGISTRY}": {{"auth": "{auth}"}}}}}}"#),
        )
        .unwrap();
        DockerConfig::from_file(&path)
            .unwrap()
            .credentials(AUTH_REGISTRY)
            .unwrap()
            .expect("the auths entry")
    };
    let pool = [Endpoint::new(DEFAULT_HOST, 1)];
    let rt = runtime();
    let base = recorder().1.run_label(run.clone()).push(AUTH_REGISTRY);

    let good = base.clone().push_credentials(config_for("stagecraft-test"));
    let report = rt.block_on(build(&catalogue, &pool, &good)).unwrap();
    assert!(report.all_ok(), "{}", report.to_table());
    let (reference, digest) = report.images[0]
        .pushed
        .as_deref()
        .unwrap()
        .split_once('@')
        .unwrap();
    let basic = format!(
        "Authorization: Basic {}",
        base64_of("stagecraft:stagecraft-test")
    );
    assert_eq!(
        served_digest(AUTH_REGISTRY, reference, &[basic]).as_deref(),
        Some(digest)
    );
    rt.block_on(
        host.as_async()
            .docker()
            .remove_image(reference, None::<RemoveImageOptions>, None),
    )
    .ok();

    // A wrong password, then none at all: the image fails with what to fix.
    for (options, expected) in [
        (
            base.clone().push_credentials(config_for("wrong")),
            format!("the registry refused the credentials for {AUTH_REGISTRY}"),
        ),
        (base.clone(), format!("run `docker login {AUTH_REGISTRY}`")),
    ] {
        let report = rt.block_on(build(&catalogue, &pool, &options)).unwrap();
        let row = &report.images[0];
        assert!(
            matches!(row.status, ImageStatus::Failed { .. }),
            "{}",
            report.to_table()
        );
        let table = report.to_table();
        assert!(table.contains(&expected), "{table}");
        assert_eq!(row.attempts, 1, "a refused push is not retried");
    }
}

fn base64_of(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in text.as_bytes().chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The docker CLI against `host`, with the buildx plugin; stdout, or a panic with stderr.
fn docker(host: &str, dir: &Path, args: &[&str]) -> Vec<u8> {
    let output = Command::new(DOCKER_CLI)
        .args(args)
        .current_dir(dir)
        .env("DOCKER_HOST", host)
        .env("DOCKER_CONFIG", DOCKER_CONFIG)
        .output()
        .unwrap_or_else(|error| panic!("{DOCKER_CLI}: {error}"));
    assert!(
        output.status.success(),
        "docker {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Every entry of the image's filesystem (`docker create` + `docker
/// export`): path -> type, mode, owner, size, link target and a hash of
/// the bytes; modification times left out.
fn files_of(host: &str, image: &str) -> BTreeMap<String, String> {
    let dir = std::env::temp_dir();
    let id = String::from_utf8(docker(host, &dir, &["create", image])).unwrap();
    let tar = docker(host, &dir, &["export", id.trim()]);
    docker(host, &dir, &["rm", id.trim()]);
    let mut archive = tar::Archive::new(&tar[..]);
    let mut files = BTreeMap::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let header = entry.header().clone();
        let path = entry.path().unwrap().display().to_string();
        let link = entry.link_name().unwrap().map(|l| l.display().to_string());
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        bytes.hash(&mut hasher);
        files.insert(
            path,
            format!(
                "{:?} {:o} {}:{} {} {link:?} {:016x}",
                header.entry_type(),
                header.mode().unwrap(),
                header.uid().unwrap(),
                header.gid().unwrap(),
                bytes.len(),
                hasher.finish()
            ),
        );
    }
    files
}

/// The parts of an image's config a Dockerfile sets, labels the build
/// adds itself (`stagecraft.*`) left out.
fn config_of(host: &str, image: &str) -> serde_json::Value {
    let inspect: serde_json::Value = serde_json::from_slice(&docker(
        host,
        &std::env::temp_dir(),
        &["image", "inspect", image],
    ))
    .unwrap();
    let config = &inspect[0]["Config"];
    let mut labels = config["Labels"].as_object().cloned().unwrap_or_default();
    labels.retain(|key, _| !key.starts_with("stagecraft."));
    serde_json::json!({
        "Env": config["Env"], "Cmd": config["Cmd"], "Entrypoint": config["Entrypoint"],
        "User": config["User"], "WorkingDir": config["WorkingDir"],
        "ExposedPorts": config["ExposedPorts"], "Labels": labels,
    })
}

#[test]
fn buildx_bake_of_the_rendered_catalogue_builds_the_same_images() {
    let modern_host = support::modern_docker_host();
    let Some(modern) = daemon_or_skip(&modern_host, "bash scripts/modern-daemon.sh up") else {
        return;
    };
    if !Path::new(DOCKER_CONFIG)
        .join("cli-plugins/docker-buildx")
        .exists()
    {
        skip("no buildx plugin in /opt/stagecraft/docker-config; run scripts/modern-daemon.sh up");
        return;
    }
    let run = support::run_id("bake");
    let _cleanup = support::Cleanup {
        engine: &modern,
        id: run.clone(),
    };
    let context = tempfile::tempdir().unwrap();
    std::fs::write(context.path().join("motd"), "hello from the context\n").unwrap();
    let base = tag(&run, "base");
    let tool = tag(&run, "tool");
    let mut catalogue = Catalogue::new();
    catalogue
        .add(
            CatalogueImage::from_text(
                "base",
                format!(
                    "FROM debian:bookworm-slim\nLABEL org.example.site=\"{run}\"\n\
                     ENV SITE=bake PATH=/opt/site/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n\
                     RUN mkdir -p /opt/site/bin && echo base > /opt/site/base && useradd -u 1001 -m site\n"
                ),
            )
            .tag(&base),
        )
        .unwrap();
    catalogue
        .add(
            CatalogueImage::from_text(
                "tool",
                format!(
                    "FROM {base}\nARG FLAVOUR=plain\nRUN echo tool $FLAVOUR > /opt/site/tool\n\
                     COPY motd /etc/motd\nWORKDIR /work\nUSER site\n\
                     ENTRYPOINT [\"/bin/cat\"]\nCMD [\"/opt/site/tool\"]\nEXPOSE 8080\n"
                ),
            )
            .tag(&tool)
            .build_arg("FLAVOUR", "baked")
            .context_dir(context.path()),
        )
        .unwrap();
    catalogue
        .add(
            CatalogueImage::from_text(
                "slim",
                format!(
                    "FROM debian:bookworm-slim AS build\nRUN echo built > /out\n\
                     FROM {tool}\nCOPY --from=build /out /out\nLABEL org.example.kind=slim\n"
                ),
            )
            .tag(tag(&run, "slim")),
        )
        .unwrap();
    // Ours, on the modern daemon; the ids kept, as bake retags the same names.
    let rt = runtime();
    let options = recorder().1.run_label(run.clone());
    let ours = rt
        .block_on(build(
            &catalogue,
            &[Endpoint::new(&modern_host, 1)],
            &options,
        ))
        .unwrap();
    assert!(ours.all_ok(), "{}", ours.to_table());

    let bake_dir = tempfile::tempdir().unwrap();
    let bake = to_bake_json(&catalogue, bake_dir.path()).unwrap();
    std::fs::write(bake_dir.path().join("docker-bake.json"), &bake).unwrap();
    let started = Instant::now();
    docker(
        &modern_host,
        bake_dir.path(),
        &[
            "buildx",
            "bake",
            "--progress",
            "plain",
            "-f",
            "docker-bake.json",
        ],
    );
    println!("buildx bake: {:.1}s", started.elapsed().as_secs_f64());
    let mut baked_ids = Vec::new();
    for row in &ours.images {
        let ours_id = row.image_id.as_deref().unwrap();
        let baked = &row.tags[0];
        let baked_id = String::from_utf8(docker(
            &modern_host,
            bake_dir.path(),
            &["image", "inspect", "-f", "{{.Id}}", baked],
        ))
        .unwrap();
        let baked_id = baked_id.trim().to_string();
        assert_ne!(baked_id, ours_id, "{}: bake built nothing new", row.name);
        assert_eq!(
            config_of(&modern_host, ours_id),
            config_of(&modern_host, &baked_id),
            "{}: the config differs",
            row.name
        );
        let (ours_files, baked_files) = (
            files_of(&modern_host, ours_id),
            files_of(&modern_host, &baked_id),
        );
        let differ: Vec<_> = ours_files
            .iter()
            .filter(|(path, entry)| baked_files.get(*path) != Some(entry))
            .map(|(path, _)| path.clone())
            .chain(
                baked_files
                    .keys()
                    .filter(|p| !ours_files.contains_key(*p))
                    .cloned(),
            )
            .collect();
        assert!(differ.is_empty(), "{}: files differ: {differ:?}", row.name);
        println!("{}: same config and {} files", row.name, ours_files.len());
        baked_ids.push(baked_id);
    }
    for id in baked_ids.iter().rev() {
        docker(&modern_host, bake_dir.path(), &["image", "rm", "-f", id]);
    }
}
