//! Catalogue builds against the real daemon: dependency order, skipping
//! unchanged images, and a "daemon" (a unix-socket proxy in front of the
//! local socket) killed in the middle of a run.
//!
//! Tiny images only (`debian:bookworm-slim` + `RUN echo`), no network.

mod support;

use support::catalogue::{recorder, runtime, Recorded};

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use stagecraft::catalogue::{
    build, transfer_image, Catalogue, CatalogueImage, CatalogueReport, Endpoint, ImageStatus,
    Progress, RunOptions, Smoke, TransferError,
};
use stagecraft::engine::DEFAULT_HOST;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::task::AbortHandle;

/// A tag repository unique to this run: `catalogue-<run id>/<name>:1`.
fn tag(run: &str, name: &str) -> String {
    format!("catalogue-{run}/{name}:1")
}

/// A chain three deep (base -> tool -> app), a multi-stage image copying
/// from the tool, an image with a context directory, and `extra` leaves on
/// the base whose `RUN` takes `sleep` seconds.
fn site(run: &str, context: &Path, extra: usize, sleep: u32) -> Catalogue {
    let mut catalogue = Catalogue::new();
    let base = tag(run, "base");
    let tool = tag(run, "tool");
    catalogue
        .add(
            // The run id in the base makes every image of the chain new to
            // the daemon's cache, so "built" does not depend on earlier runs.
            CatalogueImage::from_text(
                "base",
                format!(
                    "FROM debian:bookworm-slim\nRUN echo {run} > /etc/site-run\n\
                     ARG LEVEL=0\nRUN echo base $LEVEL > /etc/site-base\n"
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
                    "FROM {base}\nARG FLAVOUR=plain\nRUN echo tool $FLAVOUR > /etc/site-tool\n"
                ),
            )
            .tag(&tool)
            .build_arg("FLAVOUR", "plain"),
        )
        .unwrap();
    catalogue
        .add(
            CatalogueImage::from_text(
                "app",
                format!("FROM {tool}\nRUN cat /etc/site-base /etc/site-tool > /etc/site-app\n"),
            )
            .tag(tag(run, "app"))
            .smoke(Smoke::new(["cat", "/etc/site-app"]).expect_stdout_contains("tool ")),
        )
        .unwrap();
    catalogue
        .add(
            CatalogueImage::from_text(
                "slim",
                format!(
                    "FROM debian:bookworm-slim AS build\nRUN echo built > /out\n\
                     FROM {base}\nCOPY --from=build /out /out\nCOPY --from={tool} /etc/site-tool /tool\n\
                     COPY data.txt /data.txt\n"
                ),
            )
            .tag(tag(run, "slim"))
            .context_dir(context)
            .smoke(Smoke::new(["cat", "/out", "/tool", "/data.txt"]).expect_stdout_contains("data 1")),
        )
        .unwrap();
    for leaf in 0..extra {
        catalogue
            .add(
                CatalogueImage::from_text(
                    format!("leaf{leaf}"),
                    format!("FROM {base}\nRUN sleep {sleep} && echo leaf {leaf} > /leaf\n"),
                )
                .tag(tag(run, &format!("leaf{leaf}"))),
            )
            .unwrap();
    }
    catalogue
}

fn context_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data.txt"), "data 1\n").unwrap();
    dir
}

fn statuses(report: &CatalogueReport) -> Vec<String> {
    report
        .images
        .iter()
        .map(|image| format!("{} {}", image.name, image.status.word()))
        .collect()
}

#[test]
fn a_chain_builds_in_order_then_skips_what_did_not_change() {
    let Some(engine) = support::engine_or_skip() else {
        return;
    };
    let run = support::run_id("catalogue-chain");
    let _cleanup = support::Cleanup {
        engine: &engine,
        id: run.clone(),
    };
    let context = context_dir();
    let catalogue = site(&run, context.path(), 0, 0);
    let (_, options) = recorder();
    let options = options.run_label(run.clone());
    let pool = [Endpoint::new(DEFAULT_HOST, 2)];
    let rt = runtime();

    let first = rt.block_on(build(&catalogue, &pool, &options)).unwrap();
    println!("{}", first.to_table());
    assert!(first.all_ok(), "{}", first.to_table());
    let names: Vec<&str> = first.images.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["base", "tool", "app", "slim"]);
    let app = first.image("app").unwrap();
    assert_eq!(app.smoke.as_ref().unwrap().detail, "base 0");
    assert_eq!(app.parent.as_deref(), Some(tag(&run, "tool").as_str()));
    assert_eq!(app.parent_size, first.image("tool").unwrap().size);
    assert!(app.size.unwrap() > 70_000_000, "{:?}", app.size);
    assert!(first.image("slim").unwrap().smoke.as_ref().unwrap().passed);

    let started = Instant::now();
    let second = rt.block_on(build(&catalogue, &pool, &options)).unwrap();
    let rebuild = started.elapsed();
    println!("{}", second.to_table());
    println!(
        "skip-unchanged rebuild of 4 images: {:.2}s",
        rebuild.as_secs_f64()
    );
    assert_eq!(
        statuses(&second),
        [
            "base skipped (unchanged)",
            "tool skipped (unchanged)",
            "app skipped (unchanged)",
            "slim skipped (unchanged)"
        ]
    );
    assert!(second.to_table().contains("4 skipped (unchanged)"));
    for (before, after) in first.images.iter().zip(&second.images) {
        assert_eq!(before.image_id, after.image_id, "{}", before.name);
    }

    // A build argument of the middle of the chain changes it and, through
    // its new image id, what is built from it; the base stays.
    let mut changed = Catalogue::new();
    for image in catalogue.images() {
        let image = if image.name() == "tool" {
            image.clone().build_arg("FLAVOUR", "spicy")
        } else {
            image.clone()
        };
        changed.add(image).unwrap();
    }
    std::fs::write(context.path().join("data.txt"), "data 1, changed\n").unwrap();
    let third = rt.block_on(build(&changed, &pool, &options)).unwrap();
    println!("{}", third.to_table());
    assert_eq!(
        statuses(&third),
        [
            "base skipped (unchanged)",
            "tool built",
            "app built",
            "slim built"
        ]
    );
    assert_eq!(
        third.image("app").unwrap().smoke.as_ref().unwrap().detail,
        "base 0"
    );
    assert!(third.all_ok());
}

#[test]
fn a_failed_parent_stops_its_children_only() {
    let Some(engine) = support::engine_or_skip() else {
        return;
    };
    let run = support::run_id("catalogue-fail");
    let _cleanup = support::Cleanup {
        engine: &engine,
        id: run.clone(),
    };
    let mut catalogue = Catalogue::new();
    let broken = tag(&run, "broken");
    catalogue
        .add(
            CatalogueImage::from_text("broken", "FROM debian:bookworm-slim\nRUN exit 3\n")
                .tag(&broken),
        )
        .unwrap();
    catalogue
        .add(CatalogueImage::from_text("child", format!("FROM {broken}\n")).tag(tag(&run, "child")))
        .unwrap();
    catalogue
        .add(
            CatalogueImage::from_text(
                "fine",
                format!("FROM debian:bookworm-slim\nRUN echo fine {run}\n"),
            )
            .tag(tag(&run, "fine"))
            .smoke(Smoke::new(["false"])),
        )
        .unwrap();
    let (_, options) = recorder();
    let options = options.run_label(run.clone());
    let report = runtime()
        .block_on(build(
            &catalogue,
            &[Endpoint::new(DEFAULT_HOST, 2)],
            &options,
        ))
        .unwrap();
    let table = report.to_table();
    println!("{table}");
    match &report.image("broken").unwrap().status {
        ImageStatus::Failed { error } => assert!(error.contains("exit 3"), "{error}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        report.image("child").unwrap().status,
        ImageStatus::NotBuilt {
            reason: "its parent broken failed".into()
        }
    );
    let fine = report.image("fine").unwrap();
    assert_eq!(fine.status, ImageStatus::Built);
    assert!(!fine.smoke.as_ref().unwrap().passed);
    assert_eq!(
        report.image("broken").unwrap().attempts,
        1,
        "a real failure is not retried"
    );
    assert!(!report.all_ok());
    assert_eq!(
        (
            report.totals.failed,
            report.totals.not_built,
            report.totals.smoke_failed
        ),
        (1, 1, 1)
    );
}

/// A unix-socket proxy in front of the local daemon: one more "daemon"
/// that can be killed (its listener and every connection dropped, its
/// socket removed) or frozen (connections stay open, nothing is forwarded
/// any more, as from a daemon that hangs).
struct Proxy {
    path: PathBuf,
    handles: Arc<Mutex<Vec<AbortHandle>>>,
    frozen: Arc<AtomicBool>,
}

/// Copies `from` to `to`, holding what it read while `frozen` is set.
async fn pump(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    frozen: Arc<AtomicBool>,
) {
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        while frozen.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

impl Proxy {
    fn start(rt: &tokio::runtime::Runtime, dir: &Path) -> Proxy {
        let path = dir.join("proxy.sock");
        let handles: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let frozen = Arc::new(AtomicBool::new(false));
        let listener = rt.block_on(async { UnixListener::bind(&path) }).unwrap();
        let connections = handles.clone();
        let freeze = frozen.clone();
        let accept = rt.spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let freeze = freeze.clone();
                let connection = tokio::spawn(async move {
                    let upstream = DEFAULT_HOST.trim_start_matches("unix://");
                    if let Ok(daemon) = UnixStream::connect(upstream).await {
                        let (client_read, client_write) = client.into_split();
                        let (daemon_read, daemon_write) = daemon.into_split();
                        tokio::join!(
                            pump(client_read, daemon_write, freeze.clone()),
                            pump(daemon_read, client_write, freeze),
                        );
                    }
                });
                connections.lock().unwrap().push(connection.abort_handle());
            }
        });
        handles.lock().unwrap().push(accept.abort_handle());
        Proxy {
            path,
            handles,
            frozen,
        }
    }

    fn host(&self) -> String {
        format!("unix://{}", self.path.display())
    }

    fn kill(&self) {
        for handle in self.handles.lock().unwrap().drain(..) {
            handle.abort();
        }
        let _ = std::fs::remove_file(&self.path);
    }

    fn freeze(&self) {
        self.frozen.store(true, Ordering::SeqCst);
    }
}

/// Calls `act` on the proxy 1.5 s after its second build started: one
/// build is then in flight on it and others are queued.
fn after_second_build(
    proxy: &Arc<Proxy>,
    lines: &Recorded,
    act: fn(&Proxy),
) -> std::thread::JoinHandle<bool> {
    let proxy = proxy.clone();
    let lines = lines.clone();
    std::thread::spawn(move || {
        let host = proxy.host();
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            let started_on_proxy = lines
                .lock()
                .unwrap()
                .iter()
                .filter(|p| matches!(p, Progress::Started { daemon, .. } if *daemon == host))
                .count();
            if started_on_proxy >= 2 {
                std::thread::sleep(Duration::from_millis(1500));
                act(&proxy);
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    })
}

#[test]
fn a_daemon_that_hangs_is_noticed_by_its_heartbeat() {
    let Some(engine) = support::engine_or_skip() else {
        return;
    };
    let run = support::run_id("catalogue-hang");
    let _cleanup = support::Cleanup {
        engine: &engine,
        id: run.clone(),
    };
    let rt = runtime();
    let sockets = tempfile::tempdir().unwrap();
    let proxy = Arc::new(Proxy::start(&rt, sockets.path()));
    let context = context_dir();
    let catalogue = site(&run, context.path(), 3, 4);
    let (lines, options) = recorder();
    let options = options
        .run_label(run.clone())
        .heartbeat(Duration::from_secs(1))
        .liveness_timeout(Duration::from_secs(2));
    let pool = [
        Endpoint::new(proxy.host(), 2),
        Endpoint::new(DEFAULT_HOST, 1),
    ];
    let freezer = after_second_build(&proxy, &lines, |proxy| {
        eprintln!("freezing the proxy");
        proxy.freeze();
    });
    let started = Instant::now();
    let report = rt.block_on(build(&catalogue, &pool, &options)).unwrap();
    assert!(freezer.join().unwrap(), "the proxy never got two builds");
    println!("{}", report.to_table());
    println!("hang run: {:.1}s", started.elapsed().as_secs_f64());
    assert!(report.all_ok(), "{}", report.to_table());
    let lost = report.daemons[0]
        .lost
        .as_deref()
        .expect("the frozen proxy is lost");
    assert!(
        lost.contains("twice in a row") || lost.contains("no answer"),
        "{lost}"
    );
    assert!(!report.moves.is_empty());
    for moved in &report.moves {
        assert_eq!(moved.to.as_deref(), Some(DEFAULT_HOST), "{moved:?}");
    }
}

#[test]
fn builds_on_a_daemon_that_dies_move_to_the_other() {
    let Some(engine) = support::engine_or_skip() else {
        return;
    };
    let run = support::run_id("catalogue-failover");
    let _cleanup = support::Cleanup {
        engine: &engine,
        id: run.clone(),
    };
    let rt = runtime();
    let sockets = tempfile::tempdir().unwrap();
    let proxy = Arc::new(Proxy::start(&rt, sockets.path()));
    let context = context_dir();
    let catalogue = site(&run, context.path(), 6, 3);

    let (lines, options) = recorder();
    let options = options.run_label(run.clone());
    let pool = [
        Endpoint::new(proxy.host(), 2),
        Endpoint::new(DEFAULT_HOST, 1),
    ];
    let killer = after_second_build(&proxy, &lines, |proxy| {
        eprintln!("killing the proxy");
        proxy.kill();
    });
    let started = Instant::now();
    let report = rt.block_on(build(&catalogue, &pool, &options)).unwrap();
    assert!(killer.join().unwrap(), "the proxy never got two builds");
    println!("{}", report.to_table());
    println!("fault run: {:.1}s", started.elapsed().as_secs_f64());

    assert!(report.all_ok(), "{}", report.to_table());
    assert_eq!(
        report.images.len(),
        catalogue.len(),
        "every image reported once"
    );
    let mut names: Vec<&str> = report.images.iter().map(|i| i.name.as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), catalogue.len());
    let lost = &report.daemons[0];
    assert!(lost.lost.is_some(), "{:?}", report.daemons);
    assert!(report.daemons[1].lost.is_none());
    assert!(!report.moves.is_empty());
    for moved in &report.moves {
        assert_eq!(moved.from, proxy.host());
        assert_eq!(moved.to.as_deref(), Some(DEFAULT_HOST), "{moved:?}");
        assert!(moved.reason.contains("stopped answering"), "{moved:?}");
    }
    let table = report.to_table();
    assert!(table.contains(&format!(
        "moved {} from {}",
        report.moves[0].image,
        proxy.host()
    )));
    // What finished after the loss was built on the socket.
    let moved: Vec<&str> = report.moves.iter().map(|m| m.image.as_str()).collect();
    for image in &report.images {
        if moved.contains(&image.name.as_str()) {
            assert_eq!(image.daemon.as_deref(), Some(DEFAULT_HOST));
            assert!(image.attempts >= 2);
        }
    }
    // One "Finished" line per image, except that an image finished on the
    // lost daemon whose child still needed it is built again (its row shows
    // the second build): it finishes twice.
    let mut finished: Vec<String> = lines
        .lock()
        .unwrap()
        .iter()
        .filter_map(|p| match p {
            Progress::Finished { image, .. } => Some(image.clone()),
            _ => None,
        })
        .collect();
    finished.sort();
    let mut all: Vec<String> = catalogue
        .images()
        .iter()
        .map(|i| i.name().to_string())
        .collect();
    all.extend(
        report
            .moves
            .iter()
            .filter(|m| m.reason.starts_with("its only copy was on"))
            .map(|m| m.image.clone()),
    );
    all.sort();
    assert_eq!(finished, all);
}

#[test]
fn an_unreachable_pool_is_an_error_naming_each_endpoint() {
    let rt = runtime();
    let catalogue = site("unreachable", Path::new("."), 0, 0);
    let error = rt
        .block_on(build(
            &catalogue,
            &[
                Endpoint::new("unix:///nonexistent/docker.sock", 1),
                Endpoint::new("tcp://127.0.0.1:1", 1),
            ],
            &RunOptions::new(),
        ))
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("no daemon of the pool answers"),
        "{error}"
    );
    assert!(error.contains("/nonexistent/docker.sock"), "{error}");
    assert!(error.contains("127.0.0.1:1"), "{error}");
}

#[test]
fn an_image_moves_by_save_and_load_with_its_id() {
    let Some(engine) = support::engine_or_skip() else {
        return;
    };
    let run = support::run_id("catalogue-transfer");
    let _cleanup = support::Cleanup {
        engine: &engine,
        id: run.clone(),
    };
    let moved = tag(&run, "moved");
    let built = support::build(
        &engine,
        &stagecraft::Dockerfile::parse("FROM debian:bookworm-slim\nRUN echo moved > /moved\n")
            .unwrap(),
        &stagecraft::engine::BuildOptions::new()
            .tag(&moved)
            .run_label(&run)
            .quiet(),
        "the image to move",
    );
    let rt = runtime();
    rt.block_on(async {
        let engine = stagecraft::engine::Engine::connect().await.unwrap();
        // Loading into the daemon it came from: the whole save and load
        // path, and the id survives it.
        let bytes = transfer_image(&engine, &engine, &moved).await.unwrap();
        assert!(bytes > 70_000_000, "{bytes}");
        assert_eq!(engine.inspect(&moved).await.unwrap().id, built.image_id);
        let missing = tag(&run, "missing");
        let error = transfer_image(&engine, &engine, &missing)
            .await
            .unwrap_err();
        assert!(matches!(error, TransferError::Save { .. }), "{error}");
        assert!(error.to_string().contains(&missing), "{error}");
    });
}

/// The registry the push test uses (`scripts/registry.sh` starts one), or
/// `None` after a `skipping:` line; `STAGECRAFT_REQUIRE_REGISTRY=1` fails instead.
fn registry_or_skip() -> Option<String> {
    let address =
        std::env::var("STAGECRAFT_REGISTRY_ADDR").unwrap_or_else(|_| "127.0.0.1:5000".into());
    match http_head(&address, "/v2/", "") {
        Ok(response) if response.starts_with("HTTP/1.1 200") => Some(address),
        other => {
            let reason = format!("no registry at http://{address}/v2/ ({other:?}); start one with `bash scripts/registry.sh`");
            if std::env::var("STAGECRAFT_REQUIRE_REGISTRY").as_deref() == Ok("1") {
                panic!("STAGECRAFT_REQUIRE_REGISTRY=1 but {reason}");
            }
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "skipping: {reason}");
            None
        }
    }
}

/// A plain HTTP/1.1 HEAD request; the response's head as text.
fn http_head(address: &str, path: &str, accept: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "HEAD {path} HTTP/1.1\r\nHost: {address}\r\nAccept: {accept}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response)
}

#[test]
fn pushed_images_carry_the_digest_the_registry_serves() {
    let Some(engine) = support::engine_or_skip() else {
        return;
    };
    let Some(registry) = registry_or_skip() else {
        return;
    };
    let run = support::run_id("catalogue-push");
    let _cleanup = support::Cleanup {
        engine: &engine,
        id: run.clone(),
    };
    let base = tag(&run, "base");
    let mut catalogue = Catalogue::new();
    catalogue
        .add(
            CatalogueImage::from_text("base", "FROM debian:bookworm-slim\nRUN echo pushed > /p\n")
                .tag(&base),
        )
        .unwrap();
    catalogue
        .add(
            CatalogueImage::from_text("app", format!("FROM {base}\nRUN cat /p\n"))
                .tag(tag(&run, "app")),
        )
        .unwrap();
    let (_, options) = recorder();
    let options = options.run_label(run.clone()).push(&registry);
    let pool = [Endpoint::new(DEFAULT_HOST, 1)];
    let rt = runtime();
    let first = rt.block_on(build(&catalogue, &pool, &options)).unwrap();
    println!("{}", first.to_table());
    assert!(first.all_ok());
    let again = rt.block_on(build(&catalogue, &pool, &options)).unwrap();
    for (row, second) in first.images.iter().zip(&again.images) {
        let pushed = row.pushed.as_deref().expect("pushed");
        let (reference, digest) = pushed.split_once('@').unwrap();
        assert_eq!(
            reference,
            stagecraft::catalogue::registry_reference(&registry, &row.tags[0])
        );
        // What the registry serves under the tag is what the push reported.
        let (repository, tag) = reference
            .trim_start_matches(&format!("{registry}/"))
            .rsplit_once(':')
            .unwrap();
        let head = http_head(
            &registry,
            &format!("/v2/{repository}/manifests/{tag}"),
            "application/vnd.docker.distribution.manifest.v2+json",
        )
        .unwrap();
        assert!(
            head.lines()
                .any(|line| line.eq_ignore_ascii_case(&format!("docker-content-digest: {digest}"))),
            "{head}"
        );
        // Unchanged: skipped, pushed again, the same digest.
        assert_eq!(second.status, ImageStatus::Skipped);
        assert_eq!(second.pushed.as_deref(), Some(pushed));
        rt.block_on(engine.as_async().docker().remove_image(
            reference,
            None::<stagecraft::engine::bollard::query_parameters::RemoveImageOptions>,
            None,
        ))
        .ok();
    }
}
