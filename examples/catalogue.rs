//! Builds the example site's catalogue (`examples/catalogue/`: apt installs
//! on a site base, three multi-stage images, two chains three deep, smoke
//! and server tests; it prints how many images and their order) and prints
//! the report; with `--measure`, builds it cold three ways and prints the
//! wall times as ratios of the first, then once more unchanged.
//!
//! ```text
//! cargo run --example catalogue                # build (skipping what is unchanged), report
//! cargo run --example catalogue -- --bake      # print docker-bake.json and stop
//! cargo run --example catalogue -- --measure   # 1 daemon/1 job, 1 daemon/2 jobs, N daemons
//! cargo run --example catalogue -- --measure --prefix me-catalogue --clean
//! ```
//!
//! The pool is `STAGECRAFT_HOSTS` when it names two daemons or more (the
//! measured run used the host's, `scripts/extra-daemon.sh third` and the
//! modern one:
//! `STAGECRAFT_HOSTS=local,tcp://127.0.0.1:23761,unix:///run/stagecraft-modern/docker.sock`);
//! else the second endpoint is a unix-socket proxy in front of the local
//! socket, which is the same dockerd: that measures the scheduler, not a
//! second machine.
//!
//! `--prefix NAME` builds the tree with its tags' prefix (`stagecraft-example`,
//! in its `catalogue.toml` and every `FROM`) replaced by NAME, from a copy in
//! a temporary directory: on a machine others build on too, nobody else
//! re-tags the images a measurement skips. Images are labelled
//! `stagecraft.run=<prefix>`; `--clean` removes them afterwards from every
//! daemon of the pool.

use std::path::{Path, PathBuf};
use std::time::Instant;

use stagecraft::catalogue::{
    build, to_bake_json, Catalogue, CatalogueReport, Endpoint, RunOptions, HOSTS_ENV,
};
use stagecraft::engine::{ConnectOptions, Engine};

/// The tags' prefix in `examples/catalogue/catalogue.toml` and the FROMs.
const PREFIX: &str = "stagecraft-example";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/catalogue");
    let prefix = match args.iter().position(|a| a == "--prefix") {
        Some(at) => args
            .get(at + 1)
            .filter(|name| !name.starts_with("--"))
            .ok_or("--prefix needs a name")?
            .clone(),
        None => PREFIX.to_string(),
    };
    let copy = tempfile::tempdir()?;
    let root = if prefix == PREFIX {
        tree
    } else {
        copy_prefixed(&tree, copy.path(), &prefix)?;
        copy.path().to_path_buf()
    };
    let run = prefix.replace('/', "-");
    let run = run.as_str();
    let catalogue = Catalogue::from_dir(&root)?;
    if args.iter().any(|a| a == "--bake") {
        print!("{}", to_bake_json(&catalogue, &root)?);
        return Ok(());
    }
    let graph = catalogue.graph()?;
    println!(
        "{} images, in build order: {}",
        catalogue.len(),
        graph.order_names(&catalogue).join(", ")
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let sockets = tempfile::tempdir()?;
        let local = Endpoint::local(1);
        let listed = Endpoint::from_env(1)?;
        let pool: Vec<Endpoint> = if listed.len() >= 2 {
            listed.iter().map(|e| Endpoint::new(&e.host, 1)).collect()
        } else {
            let proxy = proxy(sockets.path().join("proxy.sock")).await?;
            vec![local.clone(), Endpoint::new(proxy, 1)]
        };
        let pool_name = if listed.len() >= 2 {
            format!("{} daemons, 1 job each", pool.len())
        } else {
            "2 endpoints, 1 job each".to_string()
        };
        let base = RunOptions::new().run_label(run);
        if args.iter().any(|a| a == "--measure") {
            let cold = base.clone().force(true).no_cache(true);
            let ways = [
                ("1 daemon, 1 job", vec![local.clone()]),
                ("1 daemon, 2 jobs", vec![Endpoint::new(&local.host, 2)]),
                (pool_name.as_str(), pool.clone()),
            ];
            let mut times = Vec::new();
            for (what, pool) in &ways {
                let report = timed(what, build(&catalogue, pool, &cold)).await?;
                times.push((*what, report.totals.wall_seconds));
            }
            let unchanged = timed(
                "unchanged",
                // On the pool of the last cold run: that is where its images are.
                build(&catalogue, &pool, &base),
            )
            .await?;
            println!(
                "\n{} images, wall time cold ({HOSTS_ENV} lists {} endpoint(s); the machine's \
                 {} cores are shared by whatever else runs on it):",
                catalogue.len(),
                listed.len(),
                std::thread::available_parallelism().map_or(0, |n| n.get()),
            );
            for (what, seconds) in &times {
                println!(
                    "  {what:<24} {seconds:6.1}s  ratio {:.2}",
                    seconds / times[0].1
                );
            }
            println!(
                "  {:<24} {:6.1}s  ratio {:.3}  ({} of {} skipped, on {})",
                "unchanged rebuild",
                unchanged.totals.wall_seconds,
                unchanged.totals.wall_seconds / times[0].1,
                unchanged.totals.skipped,
                unchanged.totals.images,
                pool_name
            );
        } else {
            timed("build", build(&catalogue, &pool, &base)).await?;
        }
        if args.iter().any(|a| a == "--clean") {
            for endpoint in &pool {
                let options = ConnectOptions::new().host(&endpoint.host);
                let Ok(engine) = Engine::connect_with(&options).await else {
                    continue;
                };
                let removed = engine.cleanup(run).await?;
                println!("removed {} images on {}", removed.images, endpoint.host);
            }
        }
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}

async fn timed(
    what: &str,
    run: impl std::future::Future<
        Output = Result<CatalogueReport, stagecraft::catalogue::CatalogueError>,
    >,
) -> Result<CatalogueReport, Box<dyn std::error::Error>> {
    println!("\n== {what}");
    let start = Instant::now();
    let report = run.await?;
    print!("{}", report.to_table());
    println!("({what}: {:.1}s)", start.elapsed().as_secs_f64());
    if !report.all_ok() {
        return Err(format!("{what}: not every image was built and passed its smoke test").into());
    }
    Ok(report)
}

/// A unix-socket proxy to the local daemon at `path`, for as long as the
/// runtime runs; returns its address.
async fn proxy(path: PathBuf) -> std::io::Result<String> {
    let listener = tokio::net::UnixListener::bind(&path)?;
    let upstream = stagecraft::engine::DEFAULT_HOST.trim_start_matches("unix://");
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            tokio::spawn(async move {
                if let Ok(mut daemon) = tokio::net::UnixStream::connect(upstream).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut daemon).await;
                }
            });
        }
    });
    Ok(format!("unix://{}", path.display()))
}

/// Copies the tree at `from` to `to` with every `stagecraft-example` in its
/// Dockerfiles and manifest replaced by `prefix` (context files as they are).
fn copy_prefixed(from: &Path, to: &Path, prefix: &str) -> std::io::Result<()> {
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_dir() {
            std::fs::create_dir_all(&target)?;
            copy_prefixed(&entry.path(), &target, prefix)?;
        } else if name.starts_with("Dockerfile") || name == stagecraft::catalogue::MANIFEST_NAME {
            let text = std::fs::read_to_string(entry.path())?;
            std::fs::write(&target, text.replace(PREFIX, prefix))?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
