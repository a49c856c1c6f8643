//! `Engine::smoke`: run an image once and check what it did.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{
    AttachContainerOptionsBuilder, LogsOptionsBuilder, UploadToContainerOptionsBuilder,
};
use bollard::Docker;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use super::error::{EngineError, SmokeFailure};
use super::{Engine, RUN_LABEL};

/// The label every smoke-test container carries.
pub const SMOKE_LABEL: &str = "stagecraft.smoke";

/// How many bytes of each of a smoke run's stdout and stderr are kept (the
/// first and the last half of this): a program that writes 256 MiB costs
/// 8 MiB, not 256. Checks (`stdout_contains`, ...) see what is kept.
pub const SMOKE_OUTPUT_LIMIT: usize = 8 << 20;

/// One output stream of a smoke run, bounded: its head and its tail.
#[derive(Debug)]
pub(crate) struct Capture {
    limit: usize,
    head: Vec<u8>,
    tail: std::collections::VecDeque<u8>,
    /// Bytes between head and tail, dropped.
    dropped: u64,
}

impl Capture {
    pub(crate) fn new(limit: usize) -> Capture {
        Capture {
            limit,
            head: Vec::new(),
            tail: std::collections::VecDeque::new(),
            dropped: 0,
        }
    }

    pub(crate) fn push(&mut self, mut bytes: &[u8]) {
        let half = self.limit / 2;
        if self.head.len() < half {
            let take = bytes.len().min(half - self.head.len());
            self.head.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
        }
        let keep = self.limit - half;
        if bytes.len() >= keep {
            self.dropped += (self.tail.len() + bytes.len() - keep) as u64;
            self.tail.clear();
            self.tail.extend(&bytes[bytes.len() - keep..]);
            return;
        }
        self.tail.extend(bytes);
        let over = self.tail.len().saturating_sub(keep);
        if over > 0 {
            self.tail.drain(..over);
            self.dropped += over as u64;
        }
    }

    /// The bytes held.
    #[cfg(test)]
    pub(crate) fn held(&self) -> usize {
        self.head.len() + self.tail.len()
    }

    /// The text kept, with a line naming what was left out.
    pub(crate) fn text(&self) -> String {
        let mut text = String::from_utf8_lossy(&self.head).into_owned();
        if self.dropped > 0 {
            text.push_str(&format!(
                "\n[stagecraft: {} bytes of output left out here; {} are kept]\n",
                self.dropped, self.limit
            ));
        }
        let (front, back) = self.tail.as_slices();
        let mut tail = front.to_vec();
        tail.extend_from_slice(back);
        text.push_str(&String::from_utf8_lossy(&tail));
        text
    }
}

/// One run of an image and what it must do.
///
/// By default the run must exit with code 0 within 60 s; add output
/// expectations with the `expect_*` methods.
///
/// ```
/// use std::time::Duration;
/// use stagecraft::engine::SmokeTest;
///
/// let test = SmokeTest::new("fortune:scratch")
///     .args(["-s"])
///     .env("LANG", "C.UTF-8")
///     .timeout(Duration::from_secs(10))
///     .expect_exit(0)
///     .expect_stdout_non_empty();
/// assert_eq!(test.image(), "fortune:scratch");
/// ```
#[derive(Debug, Clone)]
pub struct SmokeTest {
    image: String,
    args: Vec<String>,
    entrypoint: Option<Vec<String>>,
    env: Vec<(String, String)>,
    stdin: Option<Vec<u8>>,
    timeout: Duration,
    network: bool,
    labels: HashMap<String, String>,
    files: Vec<(String, Vec<u8>)>,
    expect_exit: Option<i64>,
    stdout_contains: Vec<String>,
    stdout_equals: Option<String>,
    stdout_non_empty: bool,
    stderr_contains: Vec<String>,
}

impl SmokeTest {
    /// Runs `image` with its own entrypoint and command.
    pub fn new(image: impl Into<String>) -> Self {
        SmokeTest {
            image: image.into(),
            args: Vec::new(),
            entrypoint: None,
            env: Vec::new(),
            stdin: None,
            timeout: Duration::from_secs(60),
            network: true,
            labels: HashMap::new(),
            files: Vec::new(),
            expect_exit: Some(0),
            stdout_contains: Vec::new(),
            stdout_equals: None,
            stdout_non_empty: false,
            stderr_contains: Vec::new(),
        }
    }

    /// The image to run.
    pub fn image(&self) -> &str {
        &self.image
    }

    /// The command (after the entrypoint), replacing the image's `CMD`.
    /// An image with neither `CMD` nor `ENTRYPOINT` needs one.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args = args.into_iter().map(Into::into).collect();
        self
    }

    /// Replaces the image's `ENTRYPOINT` (exec form).
    pub fn entrypoint<I, S>(mut self, entrypoint: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.entrypoint = Some(entrypoint.into_iter().map(Into::into).collect());
        self
    }

    /// An environment variable.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Bytes written to the container's stdin, which is then closed.
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    /// How long the run may take (default 60 s); past it the container is
    /// killed and removed and [`EngineError::SmokeTimeout`] returned.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Runs without a network (default: the daemon's default network).
    pub fn without_network(mut self) -> Self {
        self.network = false;
        self
    }

    /// A file put into the container after it is created and before it
    /// starts, through the Engine's archive API (as `docker cp` does): the
    /// way to give input to an image without a shell or a package manager
    /// (`FROM scratch`, distroless) without baking it into the image.
    ///
    /// `path` is absolute, without `.` or `..` parts; the file is written
    /// as root, mode 0644 (readable by any user the image runs as). Missing
    /// parent directories are created by the daemon, owned by root and not
    /// writable by others, so a non-root program that also writes should
    /// get its files in a directory the image already has, such as `/tmp`.
    /// An invalid path is reported by [`Engine::smoke`] as
    /// [`EngineError::InvalidSmokeTest`] before any container is made.
    ///
    /// ```
    /// use stagecraft::engine::SmokeTest;
    ///
    /// let test = SmokeTest::new("lightgbm:distroless")
    ///     .file("/tmp/train.svm", "1 1:0.5 2:1.25\n0 1:0.1 2:0.3\n")
    ///     .args(["task=train", "data=/tmp/train.svm"])
    ///     .expect_stdout_contains("Finished");
    /// assert_eq!(test.files().len(), 1);
    /// assert_eq!(test.files()[0].0, "/tmp/train.svm");
    /// ```
    pub fn file(mut self, path: impl Into<String>, contents: impl Into<Vec<u8>>) -> Self {
        self.files.push((path.into(), contents.into()));
        self
    }

    /// The files [`file`](Self::file) puts into the container: (path, contents).
    pub fn files(&self) -> &[(String, Vec<u8>)] {
        &self.files
    }

    /// A label on the container.
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    /// Labels the container `stagecraft.run=<id>` ([`RUN_LABEL`]).
    pub fn run_label(self, id: impl Into<String>) -> Self {
        self.label(RUN_LABEL, id)
    }

    /// The exit code expected (default 0).
    pub fn expect_exit(mut self, code: i64) -> Self {
        self.expect_exit = Some(code);
        self
    }

    /// Any exit code is fine.
    pub fn any_exit(mut self) -> Self {
        self.expect_exit = None;
        self
    }

    /// Stdout must contain `text`.
    pub fn expect_stdout_contains(mut self, text: impl Into<String>) -> Self {
        self.stdout_contains.push(text.into());
        self
    }

    /// Stdout must equal `text`, trailing whitespace aside.
    pub fn expect_stdout_equals(mut self, text: impl Into<String>) -> Self {
        self.stdout_equals = Some(text.into());
        self
    }

    /// Stdout must have something other than whitespace.
    pub fn expect_stdout_non_empty(mut self) -> Self {
        self.stdout_non_empty = true;
        self
    }

    /// Stderr must contain `text`.
    pub fn expect_stderr_contains(mut self, text: impl Into<String>) -> Self {
        self.stderr_contains.push(text.into());
        self
    }

    /// The expectations `outcome` fails, in words.
    pub fn check(&self, outcome: &SmokeOutcome) -> Vec<String> {
        let mut failures = Vec::new();
        if let Some(code) = self.expect_exit {
            if outcome.exit_code != code {
                failures.push(format!(
                    "exit code {} where {code} was expected",
                    outcome.exit_code
                ));
            }
        }
        for text in &self.stdout_contains {
            if !outcome.stdout.contains(text.as_str()) {
                failures.push(format!("stdout does not contain {text:?}"));
            }
        }
        if let Some(expected) = &self.stdout_equals {
            if outcome.stdout.trim_end() != expected.trim_end() {
                failures.push(format!(
                    "stdout is {:?}, not {expected:?}",
                    outcome.stdout.trim_end()
                ));
            }
        }
        if self.stdout_non_empty && outcome.stdout.trim().is_empty() {
            failures.push("stdout is empty".to_string());
        }
        for text in &self.stderr_contains {
            if !outcome.stderr.contains(text.as_str()) {
                failures.push(format!("stderr does not contain {text:?}"));
            }
        }
        failures
    }
}

/// What a smoke run did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SmokeOutcome {
    /// The image run.
    pub image: String,
    /// The exit code (a non-zero exit is an outcome, not an error).
    pub exit_code: i64,
    /// What was written to stdout (lossy UTF-8): all of it up to
    /// [`SMOKE_OUTPUT_LIMIT`] bytes, else its first and last halves of that
    /// around a line that says how many bytes were left out.
    pub stdout: String,
    /// What was written to stderr, bounded as `stdout` is.
    pub stderr: String,
    /// From container creation to exit.
    pub duration: Duration,
}

/// Removes its container when dropped, unless [`ContainerGuard::remove`]
/// already did: on an error, a timeout, a panic or a cancelled future.
// Shared with the server tests (`serve.rs`), which start containers the same way.
pub(super) struct ContainerGuard {
    pub(super) docker: Docker,
    pub(super) id: Option<String>,
}

impl ContainerGuard {
    pub(super) async fn remove(mut self) -> Result<(), EngineError> {
        if let Some(id) = self.id.take() {
            super::remove_container(&self.docker, &id).await?;
        }
        Ok(())
    }
}

impl Drop for ContainerGuard {
    fn drop(&mut self) {
        let Some(id) = self.id.take() else {
            return;
        };
        let docker = self.docker.clone();
        // Dropped inside a runtime that may be going away: remove from a
        // thread of its own with a runtime of its own, and wait for it.
        let removal = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                let _ = runtime.block_on(super::remove_container(&docker, &id));
            }
        });
        let _ = removal.join();
    }
}

impl Engine {
    /// Runs `test`'s image once and checks its expectations; the container
    /// is removed whatever happens.
    ///
    /// # Errors
    ///
    /// [`EngineError::SmokeFailed`] (with the outcome) when an expectation
    /// fails, [`EngineError::SmokeTimeout`], [`EngineError::NothingToRun`]
    /// for an image without `CMD`/`ENTRYPOINT` and no command given.
    ///
    /// ```no_run
    /// # async fn demo(engine: stagecraft::engine::Engine) -> Result<(), stagecraft::engine::EngineError> {
    /// use stagecraft::engine::SmokeTest;
    ///
    /// let test = SmokeTest::new("debian:bookworm-slim")
    ///     .args(["sh", "-c", "read name; echo hello $name"])
    ///     .stdin("world\n")
    ///     .expect_stdout_equals("hello world");
    /// let outcome = engine.smoke(&test).await?;
    /// assert_eq!(outcome.exit_code, 0);
    /// # Ok(()) }
    /// ```
    pub async fn smoke(&self, test: &SmokeTest) -> Result<SmokeOutcome, EngineError> {
        if test.args.is_empty() && test.entrypoint.is_none() {
            let image =
                self.docker.inspect_image(&test.image).await.map_err(|e| {
                    EngineError::docker(format!("inspecting image {}", test.image), e)
                })?;
            let config = image.config.unwrap_or_default();
            let empty = |v: &Option<Vec<String>>| v.as_ref().is_none_or(|v| v.is_empty());
            if empty(&config.cmd) && empty(&config.entrypoint) {
                return Err(EngineError::NothingToRun {
                    image: test.image.clone(),
                });
            }
        }
        let files = files_archive(&test.files)?;
        let start = Instant::now();
        let mut labels = test.labels.clone();
        labels.insert(SMOKE_LABEL.to_string(), "1".to_string());
        let with_stdin = test.stdin.is_some();
        let body = ContainerCreateBody {
            image: Some(test.image.clone()),
            cmd: (!test.args.is_empty()).then(|| test.args.clone()),
            entrypoint: test.entrypoint.clone(),
            env: Some(test.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
            labels: Some(labels),
            attach_stdin: Some(with_stdin),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            open_stdin: Some(with_stdin),
            stdin_once: Some(with_stdin),
            tty: Some(false),
            network_disabled: Some(!test.network),
            ..Default::default()
        };
        let created = self
            .docker
            .create_container(None, body)
            .await
            .map_err(|e| {
                EngineError::docker(format!("creating a container of {}", test.image), e)
            })?;
        let guard = ContainerGuard {
            docker: self.docker.clone(),
            id: Some(created.id.clone()),
        };
        let run = async {
            if let Some(archive) = files {
                self.docker
                    .upload_to_container(
                        &created.id,
                        Some(UploadToContainerOptionsBuilder::new().path("/").build()),
                        bollard::body_full(archive.into()),
                    )
                    .await
                    .map_err(|e| {
                        EngineError::docker("putting the smoke test's files into the container", e)
                    })?;
            }
            self.run_container(&created.id, test.stdin.as_deref()).await
        };
        let result = tokio::time::timeout(test.timeout, run).await;
        // Removed here on every path; on a panic or a cancelled future the
        // guard's Drop does it.
        let removed = guard.remove().await;
        let (exit_code, stdout, stderr) = match result {
            Err(_) => {
                return Err(EngineError::SmokeTimeout {
                    image: test.image.clone(),
                    timeout: test.timeout,
                })
            }
            Ok(run) => run?,
        };
        removed?;
        let outcome = SmokeOutcome {
            image: test.image.clone(),
            exit_code,
            stdout: stdout.text(),
            stderr: stderr.text(),
            duration: start.elapsed(),
        };
        let failures = test.check(&outcome);
        if failures.is_empty() {
            Ok(outcome)
        } else {
            Err(EngineError::SmokeFailed(Box::new(SmokeFailure {
                image: test.image.clone(),
                failures,
                outcome,
            })))
        }
    }

    /// Starts the container, feeds stdin, and returns exit code and output.
    async fn run_container(
        &self,
        id: &str,
        stdin: Option<&[u8]>,
    ) -> Result<(i64, Capture, Capture), EngineError> {
        let docker = &self.docker;
        let mut stdout = Capture::new(SMOKE_OUTPUT_LIMIT);
        let mut stderr = Capture::new(SMOKE_OUTPUT_LIMIT);
        if let Some(input) = stdin {
            // Attach before starting so that no output is missed.
            let attached = docker
                .attach_container(
                    id,
                    Some(
                        AttachContainerOptionsBuilder::new()
                            .stdin(true)
                            .stdout(true)
                            .stderr(true)
                            .stream(true)
                            .build(),
                    ),
                )
                .await
                .map_err(|e| EngineError::docker("attaching to the container", e))?;
            docker
                .start_container(id, None)
                .await
                .map_err(|e| EngineError::docker("starting the container", e))?;
            let mut writer = attached.input;
            let write = async {
                writer.write_all(input).await?;
                writer.flush().await?;
                writer.shutdown().await
            };
            // A program that exits without reading makes the write fail: fine.
            let _ = write.await;
            let mut output = attached.output;
            while let Some(chunk) = output.next().await {
                match chunk {
                    Ok(bollard::container::LogOutput::StdErr { message }) => stderr.push(&message),
                    Ok(other) => stdout.push(other.as_ref()),
                    Err(_) => break,
                }
            }
            drop(writer);
        } else {
            docker
                .start_container(id, None)
                .await
                .map_err(|e| EngineError::docker("starting the container", e))?;
        }
        let code = wait_exit(docker, id).await?;
        if stdin.is_none() {
            let mut logs = docker.logs(
                id,
                Some(LogsOptionsBuilder::new().stdout(true).stderr(true).build()),
            );
            while let Some(chunk) = logs.next().await {
                match chunk.map_err(|e| EngineError::docker("reading the container's logs", e))? {
                    bollard::container::LogOutput::StdErr { message } => stderr.push(&message),
                    other => stdout.push(other.as_ref()),
                }
            }
        }
        Ok((code, stdout, stderr))
    }
}

/// The tar archive of a smoke test's files, with paths relative to `/`;
/// `None` when there are none.
fn files_archive(files: &[(String, Vec<u8>)]) -> Result<Option<Vec<u8>>, EngineError> {
    if files.is_empty() {
        return Ok(None);
    }
    let mut builder = tar::Builder::new(Vec::new());
    builder.mode(tar::HeaderMode::Deterministic);
    for (path, contents) in files {
        let invalid =
            |why: &str| EngineError::InvalidSmokeTest(format!("input file {path:?}: {why}"));
        let relative = path
            .strip_prefix('/')
            .ok_or_else(|| invalid("the path must be absolute"))?;
        if relative.is_empty()
            || relative
                .split('/')
                .any(|part| part.is_empty() || part == "." || part == "..")
        {
            return Err(invalid(
                "the path must name a file, without empty, `.` or `..` parts",
            ));
        }
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(contents.len() as u64);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(0);
        builder
            .append_data(&mut header, relative, contents.as_slice())
            .map_err(|e| invalid(&e.to_string()))?;
    }
    builder
        .into_inner()
        .map(Some)
        .map_err(|e| EngineError::InvalidSmokeTest(format!("input files: {e}")))
}

/// The container's exit code; bollard reports a non-zero one as an error.
async fn wait_exit(docker: &Docker, id: &str) -> Result<i64, EngineError> {
    let mut wait = docker.wait_container(id, None);
    let mut code = None;
    while let Some(item) = wait.next().await {
        match item {
            Ok(response) => code = Some(response.status_code),
            Err(bollard::errors::Error::DockerContainerWaitError { code: exit, .. }) => {
                code = Some(exit)
            }
            Err(e) => return Err(EngineError::docker("waiting for the container", e)),
        }
    }
    code.ok_or_else(|| {
        EngineError::docker(
            "waiting for the container",
            bollard::errors::Error::DockerStreamError {
                error: "the wait stream ended without an exit code".to_string(),
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_become_one_archive_relative_to_the_root() {
        let archive = files_archive(&[
            ("/tmp/a.txt".to_string(), b"a".to_vec()),
            ("/opt/data/b.svm".to_string(), b"bb".to_vec()),
        ])
        .unwrap()
        .expect("an archive");
        let mut read = tar::Archive::new(archive.as_slice());
        let entries: Vec<(String, u64, u32)> = read
            .entries()
            .unwrap()
            .map(|entry| {
                let entry = entry.unwrap();
                let header = entry.header();
                (
                    entry.path().unwrap().display().to_string(),
                    header.size().unwrap(),
                    header.mode().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            entries,
            [
                ("tmp/a.txt".to_string(), 1, 0o644),
                ("opt/data/b.svm".to_string(), 2, 0o644)
            ]
        );
        assert!(files_archive(&[]).unwrap().is_none());
    }

    #[test]
    fn file_paths_must_be_absolute_and_plain() {
        for bad in [
            "tmp/a",
            "/",
            "/tmp/../etc/passwd",
            "/tmp//a",
            "/tmp/./a",
            "/tmp/",
        ] {
            let error = files_archive(&[(bad.to_string(), Vec::new())]).unwrap_err();
            assert!(
                matches!(&error, EngineError::InvalidSmokeTest(message) if message.contains(bad)),
                "{bad}: {error}"
            );
        }
    }

    /// 256 MiB of output, fed as the daemon streams it: at most the limit
    /// is held, and the start and the end are kept.
    #[test]
    fn output_is_bounded() {
        let mut capture = Capture::new(SMOKE_OUTPUT_LIMIT);
        let chunk = vec![b'y'; 64 << 10];
        capture.push(b"first line\n");
        let mut peak = 0;
        for _ in 0..(256 << 20) / chunk.len() {
            capture.push(&chunk);
            peak = peak.max(capture.held());
        }
        capture.push(b"\nlast line\n");
        assert!(peak <= SMOKE_OUTPUT_LIMIT, "{peak}");
        let text = capture.text();
        assert!(text.starts_with("first line\nyyy"));
        assert!(text.ends_with("yyy\nlast line\n"));
        let dropped = (256u64 << 20) + 11 + 11 - SMOKE_OUTPUT_LIMIT as u64;
        assert!(text.contains(&format!(
            "[stagecraft: {dropped} bytes of output left out here"
        )));
        // Small output: all of it, no marker.
        let mut small = Capture::new(16);
        small.push(b"0123456789");
        small.push(b"abcde");
        assert_eq!(small.text(), "0123456789abcde");
        small.push(b"XY");
        assert_eq!(
            small.text(),
            "01234567\n[stagecraft: 1 bytes of output left out here; 16 are kept]\n9abcdeXY"
        );
    }
}
