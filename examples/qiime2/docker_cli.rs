//! Building a Dockerfile *text* that the typed model refuses.
//!
//! `Engine::build` takes a `stagecraft::Dockerfile`, which is always valid:
//! the naive QIIME 2 image breaks the rules on purpose (a lone `apt-get
//! update`, an install with recommends and without list cleanup), so neither
//! the DSL nor `Dockerfile::parse` will hold it. It is built with the
//! `docker` client instead (`docker build -` with the text on standard
//! input, no context), on the same daemon and with the same classic builder
//! (`DOCKER_BUILDKIT=0`), so the layer cache and the labels work as for the
//! engine's builds; inspecting and running the image go through the engine.
//!
//! Shared by `examples/qiime2.rs` and `tests/qiime2.rs` with
//! `#[path = ...] mod docker_cli;`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A text build that succeeded.
pub struct Built {
    /// The image id as `docker build` printed it (`Successfully built ID`).
    pub image_id: String,
    /// Wall time of the build.
    pub duration: Duration,
}

/// Builds `text`, tagged `tag` when given, with `labels` (`key=value`);
/// every output line goes to stderr when `verbose`; a failure carries the
/// last 20 lines either way.
pub fn build_text(
    text: &str,
    tag: Option<&str>,
    labels: &[String],
    verbose: bool,
) -> Result<Built, String> {
    let start = Instant::now();
    let mut command = Command::new("docker");
    command
        .env("DOCKER_BUILDKIT", "0")
        .args(["build", "--force-rm"]);
    if let Some(tag) = tag {
        command.args(["-t", tag]);
    }
    for label in labels {
        command.args(["--label", label]);
    }
    let mut child = command
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| {
            format!("running `docker build`: {error} (is the docker client installed?)")
        })?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let text = text.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let stderr = child.stderr.take().expect("stderr is piped");
    let errors = std::thread::spawn(move || {
        BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<_>>()
    });
    let mut tail: Vec<String> = Vec::new();
    let mut image_id = None;
    for line in BufReader::new(child.stdout.take().expect("stdout is piped"))
        .lines()
        .map_while(Result::ok)
    {
        if verbose {
            eprintln!("[{:6.1}s] {line}", start.elapsed().as_secs_f64());
        }
        if let Some(id) = line.strip_prefix("Successfully built ") {
            image_id = Some(id.trim().to_string());
        }
        tail.push(line);
        if tail.len() > 20 {
            tail.remove(0);
        }
    }
    let status = child
        .wait()
        .map_err(|error| format!("waiting for `docker build`: {error}"))?;
    let _ = writer.join();
    let errors = errors.join().unwrap_or_default();
    match (status.success(), image_id) {
        (true, Some(image_id)) => Ok(Built {
            image_id,
            duration: start.elapsed(),
        }),
        _ => Err(format!(
            "`docker build` failed ({status}):\n{}\n{}",
            tail.join("\n"),
            errors.join("\n")
        )),
    }
}
