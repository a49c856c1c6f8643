//! Rebuild after a one-line change: cache mounts against cleanup, same run.
//!
//! Two images, each in its cached form (caches in BuildKit cache mounts,
//! [`stagecraft::packages::CachedRun`]) and its cleaned form (caches
//! deleted in their `RUN`):
//!
//! - the cached cargo image of `tests/fixtures/cargo-cached` (a build.rs user
//!   built with `cargo build --release`): built, then one line of
//!   `src/main.rs` changed, then rebuilt;
//! - an apt+pip image (`python3-pip`, then numpy and pandas): built, then one
//!   apt package added to its install line, then rebuilt.
//!
//! For each it prints the rebuild times of both forms and their ratio, and
//! the bytes of both images (the cached form must not be larger: what is in
//! a cache mount is not in a layer). Against the modern daemon
//! (`STAGECRAFT_MODERN_DOCKER_HOST`, else `scripts/modern-daemon.sh`'s
//! socket), BuildKit. A report, not a timed test:
//!
//! ```text
//! cargo run --example rebuild_bench -- [cargo|apt-pip|all]
//! ```
//!
//! Behind a TLS-intercepting proxy set `STAGECRAFT_SITE_CA` (the host's
//! bundle is used otherwise). The images are removed at the end; the cache
//! mounts stay in the daemon's BuildKit cache (`docker builder prune` frees them).

use std::time::Duration;

use stagecraft::engine::blocking::Engine;
use stagecraft::engine::{BuildOptions, Builder, ConnectOptions, ProgressMode};
use stagecraft::packages::{Apt, CachedRecipe, CachedRun, Pip};
use stagecraft::{site_ca, Dockerfile};

#[path = "../tests/fixtures/cargo-cached/context.rs"]
mod cargo_context;

const MODERN: &str = "unix:///run/stagecraft-modern/docker.sock";

struct Form {
    name: &'static str,
    first: Duration,
    rebuild: Duration,
    bytes: u64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let which = std::env::args().nth(1).unwrap_or_else(|| "all".to_string());
    let host = std::env::var("STAGECRAFT_MODERN_DOCKER_HOST")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| MODERN.to_string());
    let engine = Engine::connect_with(&ConnectOptions::new().host(&host))?;
    println!(
        "daemon {} (API {}), BuildKit",
        engine.host(),
        engine.api_version()
    );
    let run = format!("rebuild-bench-{}", std::process::id());
    let result = (|| -> Result<(), Box<dyn std::error::Error>> {
        if which == "cargo" || which == "all" {
            report(
                "cargo (build.rs user, cargo build --release)",
                &cargo(&engine, &run)?,
            );
        }
        if which == "apt-pip" || which == "all" {
            report(
                "apt+pip (python3-pip, numpy, pandas)",
                &apt_pip(&engine, &run)?,
            );
        }
        Ok(())
    })();
    match engine.cleanup(&run) {
        Ok(removed) => println!("removed {} images", removed.images),
        Err(error) => eprintln!("cleanup of {run}: {error}"),
    }
    result
}

fn report(what: &str, forms: &[Form; 2]) {
    let [cached, cleaned] = forms;
    println!("\n{what}");
    for form in forms {
        println!(
            "  {:<8} first build {:>7.1} s   rebuild after one-line change {:>7.1} s   image {:>11} B",
            form.name,
            form.first.as_secs_f64(),
            form.rebuild.as_secs_f64(),
            form.bytes
        );
    }
    println!(
        "  rebuild ratio cleaned/cached: {:.2}x; image bytes cached - cleaned: {} B{}",
        cleaned.rebuild.as_secs_f64() / cached.rebuild.as_secs_f64(),
        cached.bytes as i64 - cleaned.bytes as i64,
        if cached.bytes > cleaned.bytes {
            " (LARGER: a cache reached a layer)"
        } else {
            ""
        }
    );
}

/// Builds `text`; with `STAGECRAFT_BENCH_LOGS=DIR`, the build's plain,
/// timestamped progress goes to `DIR/<log>.log` (where the time went: apt's
/// `Get:` lines are downloads, pip's `Downloading` lines too, its "File was
/// already downloaded" are not).
fn build_logged(
    engine: &Engine,
    text: &str,
    options: BuildOptions,
    log: &str,
) -> Result<(Duration, u64), Box<dyn std::error::Error>> {
    let options = options.builder(Builder::BuildKit);
    let (options, sink) = match std::env::var_os("STAGECRAFT_BENCH_LOGS") {
        Some(dir) => {
            std::fs::create_dir_all(&dir)?;
            let sink = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
            let path = std::path::Path::new(&dir).join(format!("{log}.log"));
            (
                options
                    .progress(ProgressMode::Plain)
                    .progress_writer(sink.clone()),
                Some((sink, path)),
            )
        }
        None => (options.quiet(), None),
    };
    let built = engine.build_text(text, &options);
    if let Some((sink, path)) = sink {
        std::fs::write(&path, &*sink.lock().unwrap())?;
    }
    let built = built?;
    let bytes = engine.inspect(&built.image_id)?.size;
    Ok((built.duration, bytes))
}

fn build(
    engine: &Engine,
    text: &str,
    options: BuildOptions,
) -> Result<(Duration, u64), Box<dyn std::error::Error>> {
    build_logged(engine, text, options, "build")
}

fn cargo(engine: &Engine, run: &str) -> Result<[Form; 2], Box<dyn std::error::Error>> {
    let mut forms = Vec::new();
    for (name, file) in [("cached", "Dockerfile"), ("cleaned", "Dockerfile.cleaned")] {
        let text = cargo_context::dockerfile(file);
        let options = |greeting: &str| {
            cargo_context::with_context(
                BuildOptions::new().run_label(run),
                &cargo_context::main_rs_greeting(greeting),
            )
        };
        let (first, _) = build(engine, &text, options(&format!("{run} {name} first")))?;
        let (rebuild, bytes) = build(engine, &text, options(&format!("{run} {name} second")))?;
        // The build stage too: that is where a cache would land.
        let (_, stage_bytes) = build(
            engine,
            &text,
            options(&format!("{run} {name} second")).target("build"),
        )?;
        println!("  {name}: build stage {stage_bytes} B");
        forms.push(Form {
            name,
            first,
            rebuild,
            bytes,
        });
    }
    Ok(forms.try_into().map_err(|_| "two forms")?)
}

/// The apt+pip image in both forms, with `apt` the apt packages.
fn apt_pip_text(cached: bool, apt: &[&str]) -> Result<String, Box<dyn std::error::Error>> {
    let pip = ["numpy==1.26.4", "pandas==2.2.2"];
    let mut df = Dockerfile::builder();
    let mut stage = df.stage("app", "debian:bookworm-slim").trust_site_ca();
    if !cached {
        stage = stage
            .install(Apt::install(apt.iter().copied()))
            .install(Pip::install(pip).break_system_packages());
    }
    stage.done();
    let mut text = df.build()?.render();
    if cached {
        let run = CachedRun::new(
            Apt::install(apt.iter().copied())
                .cached()
                .and(Pip::install(pip).break_system_packages().cached()),
        )?;
        text.push_str(&run.instruction());
        text.push('\n');
    }
    assert!(text.contains(site_ca::IMAGE_PATH));
    Ok(text)
}

fn apt_pip(engine: &Engine, run: &str) -> Result<[Form; 2], Box<dyn std::error::Error>> {
    let mut forms = Vec::new();
    for (name, cached) in [("cached", true), ("cleaned", false)] {
        let options = || {
            BuildOptions::new()
                .run_label(run)
                .site_ca(&cargo_context::site_ca())
        };
        let (first, _) = build_logged(
            engine,
            &apt_pip_text(cached, &["python3-pip"])?,
            options(),
            &format!("apt-pip-{name}-first"),
        )?;
        let changed = apt_pip_text(cached, &["python3-pip", "jq"])?;
        let (rebuild, bytes) = build_logged(
            engine,
            &changed,
            options(),
            &format!("apt-pip-{name}-rebuild"),
        )?;
        forms.push(Form {
            name,
            first,
            rebuild,
            bytes,
        });
    }
    Ok(forms.try_into().map_err(|_| "two forms")?)
}
