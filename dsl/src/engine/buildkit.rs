//! `Engine::build` through BuildKit: the daemon's `/build` with a session
//! (status stream, vertices mapped to stages), or, for secrets and SSH
//! forwarding, BuildKit's control API through bollard's Moby driver (whose
//! session serves them) with the solve's status stream read beside it
//! (`control.rs`), mapped the same way.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use bollard::query_parameters::{BuildImageOptionsBuilder, BuilderVersion, TagImageOptionsBuilder};
use futures_util::StreamExt;

use super::build::{
    BuildOptions, BuildOutcome, Plan, PullPolicy, StepRecord, DEFAULT_PROGRESS_DEADLINE,
};
use super::builder::{Builder, SecretSource};
use super::control::{self, StatusUpdate};
use super::error::{BuildFailure, EngineError};
use super::progress::Display;
use super::steps::StepKind;
use super::vertices::VertexTracker;
use super::{context, daemon_paths, Engine};

/// How many lines of output a [`BuildFailure`] keeps.
const TAIL_LINES: usize = 20;

/// How long the status stream of a secrets build may go on once its solve
/// has returned (its last vertices come after the answer, or not at all
/// when the solve ended before the stream was open).
const STATUS_AFTER_SOLVE: std::time::Duration = std::time::Duration::from_secs(3);

/// A context smaller than this (1 MiB) leaves its cache record: see
/// `Engine::remove_context_record`.
const CONTEXT_RECORD_KEPT_BELOW: u64 = 1 << 20;

/// Replaces every secret value in the text with `***`.
pub(crate) struct Redactor {
    values: Vec<String>,
}

impl Redactor {
    /// The values of the secrets of `options` that can be read now; a
    /// secret that cannot be read cannot leak either.
    pub fn new(options: &BuildOptions) -> Redactor {
        let mut values = Vec::new();
        for source in options.secrets.values() {
            let value = match source {
                SecretSource::File(path) => std::fs::read(path)
                    .ok()
                    .map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
                SecretSource::Env(name) => std::env::var(name).ok(),
            };
            if let Some(value) = value {
                for form in [value.as_str(), value.trim()] {
                    if form.len() >= 3 && !values.iter().any(|v| v == form) {
                        values.push(form.to_string());
                    }
                }
            }
        }
        // Longest first, so a value containing another goes whole.
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        Redactor { values }
    }

    /// `text` as the user may see it: secret values replaced, the
    /// daemon's internal paths put back as the stage's
    /// ([`daemon_paths::in_stage`]).
    pub fn clean(&self, text: &str) -> String {
        self.redact(&daemon_paths::in_stage(text))
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for value in &self.values {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), "***");
            }
        }
        out
    }
}

fn session_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("stagecraft-{}-{nanos:x}", std::process::id())
}

impl Engine {
    /// Removes the cache record BuildKit kept of this build's context, a
    /// tar of `bytes` ([`control::remove_context_record`]): it is never used
    /// again, and every BuildKit build left one, the size of its context,
    /// until `docker builder prune` (300 MB a build of a large context filled
    /// this machine's disk once). Only for a context of at least
    /// [`CONTEXT_RECORD_KEPT_BELOW`]: the lookup and prune take 0.5-0.7 s
    /// (Docker 20.10, 900 records), more than a small record is worth. Best
    /// effort: a daemon this engine cannot reach over `/grpc` (TLS, a named
    /// pipe) or an error keeps the record, and the build's outcome is the same.
    pub(crate) async fn remove_context_record(&self, bytes: u64) {
        if bytes < CONTEXT_RECORD_KEPT_BELOW {
            return;
        }
        let Some(dial) = self.dial() else {
            return;
        };
        let _ = control::remove_context_record(dial, bytes).await;
    }

    /// Builds `plan` with the daemon's BuildKit.
    pub(crate) async fn build_buildkit(
        &self,
        plan: Plan,
        options: &BuildOptions,
    ) -> Result<BuildOutcome, EngineError> {
        let redactor = Redactor::new(options);
        if !options.secrets.is_empty() || options.ssh_agent {
            return self
                .build_with_session_services(plan, options, &redactor)
                .await;
        }
        let Plan {
            text,
            table,
            archive,
            tags,
            start,
        } = plan;
        let mut builder = BuildImageOptionsBuilder::new()
            .dockerfile(context::DOCKERFILE_NAME)
            .version(BuilderVersion::BuilderBuildKit)
            .session(&session_id())
            .nocache(options.no_cache);
        if let Some((repo, tag)) = tags.first() {
            builder = builder.t(&format!("{repo}:{tag}"));
        }
        if let Some(target) = &options.target {
            builder = builder.target(target);
        }
        if let Some(platform) = &options.platform {
            builder = builder.platform(platform);
        }
        if options.pull == PullPolicy::Always {
            builder = builder.pull("1");
        }
        let args: HashMap<&str, &str> = options
            .build_args
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if !args.is_empty() {
            builder = builder.buildargs(&args);
        }
        let labels: HashMap<&str, &str> = options
            .labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if !labels.is_empty() {
            builder = builder.labels(&labels);
        }

        let mut display = Display::stages(options.progress, options.sink.clone());
        let mut tracker = VertexTracker::new(table.clone(), TAIL_LINES);
        let redact = |text: &str| redactor.clean(text);
        let mut image_id: Option<String> = None;
        let mut stream_error: Option<String> = None;
        let deadline = options
            .progress_deadline
            .unwrap_or(DEFAULT_PROGRESS_DEADLINE);
        let body = bollard::body_try_stream(archive.body());
        let mut stream = self.docker.build_image(builder.build(), None, Some(body));
        loop {
            let Ok(next) = tokio::time::timeout(deadline, stream.next()).await else {
                // Dropping the stream closes the request: the daemon cancels
                // the solve, and BuildKit leaves no containers.
                drop(stream);
                display.finish("build stalled");
                return Err(EngineError::ProgressStalled {
                    deadline,
                    elapsed: start.elapsed(),
                });
            };
            let Some(item) = next else { break };
            match item {
                Ok(info) => {
                    match info.aux {
                        Some(bollard::models::BuildInfoAux::BuildKit(status)) => {
                            for event in tracker.status(&status, &redact) {
                                display.event(&event);
                            }
                        }
                        Some(bollard::models::BuildInfoAux::Default(image)) => {
                            if let Some(id) = image.id {
                                image_id = Some(id);
                            }
                        }
                        None => {}
                    }
                    if let Some(detail) = info.error_detail {
                        stream_error = Some(redact(&detail.message.unwrap_or_default()));
                        break;
                    }
                }
                Err(error) => {
                    let message = match &error {
                        bollard::errors::Error::DockerStreamError { error } => error.clone(),
                        bollard::errors::Error::DockerResponseServerError { message, .. } => {
                            message.clone()
                        }
                        other if super::build::is_transport(other) => {
                            drop(stream);
                            display.finish("connection to the daemon lost");
                            let cause = redactor.clean(&super::error::cause_chain(other));
                            return Err(self.connection_lost(start, cause).await);
                        }
                        other => {
                            drop(stream);
                            display.finish("build failed");
                            return Err(EngineError::Docker {
                                action: "building an image with BuildKit".to_string(),
                                source: redact_error(other, &redactor),
                            });
                        }
                    };
                    stream_error = Some(redact(&message));
                    break;
                }
            }
        }
        if let Some(message) = stream_error {
            display.finish(&format!(
                "build failed after {:.1}s",
                start.elapsed().as_secs_f64()
            ));
            return Err(EngineError::BuildFailed(Box::new(self.buildkit_failure(
                &mut tracker,
                &table,
                message,
                &redact,
            ))));
        }
        let Some(image_id) = image_id else {
            display.finish("build ended without an image");
            return Err(EngineError::BuildFailed(Box::new(BuildFailure {
                step: None,
                stage: None,
                instruction: None,
                message: "the BuildKit stream ended without an image id".to_string(),
                log_tail: tracker.tail.lines(),
                removed: 0,
            })));
        };
        self.tag_more(&image_id, &tags).await?;
        let fully_cached = tracker.fully_cached();
        let duration = start.elapsed();
        let short = image_id.trim_start_matches("sha256:");
        display.finish(&format!(
            "built {} with BuildKit in {:.1}s{}",
            &short[..short.len().min(12)],
            duration.as_secs_f64(),
            if fully_cached { " (fully cached)" } else { "" }
        ));
        let steps = step_records(&tracker);
        Ok(BuildOutcome {
            builder: Builder::BuildKit,
            stage_images: vec![image_id.clone()],
            image_id,
            tags: options.tags.clone(),
            fully_cached,
            steps,
            duration,
            dockerfile: text,
        })
    }

    /// The [`BuildFailure`] of a BuildKit build: the failed vertex, or
    /// the instruction the daemon's message names.
    fn buildkit_failure(
        &self,
        tracker: &mut VertexTracker,
        table: &[super::steps::StepInfo],
        message: String,
        redact: &dyn Fn(&str) -> String,
    ) -> BuildFailure {
        if let Some((step, lines)) = tracker.failed(redact) {
            return BuildFailure {
                step: Some((step.number, step.total)),
                stage: step.stage,
                instruction: Some(step.instruction),
                message: step.error.unwrap_or(message),
                log_tail: if lines.is_empty() {
                    tracker.tail.lines()
                } else {
                    lines
                },
                removed: 0,
            };
        }
        let message = grpc_message(&message);
        let named = table
            .iter()
            .find(|info| info.kind == StepKind::Instruction && names_command(&message, &info.text));
        let message = match &tracker.other_error {
            Some((name, error)) if !message.contains(error.as_str()) => {
                format!("{message} ({name}: {error})")
            }
            _ => message,
        };
        BuildFailure {
            step: None,
            stage: named.and_then(|info| info.stage.clone()),
            instruction: named.map(|info| info.text.clone()),
            message,
            log_tail: tracker.tail.lines(),
            removed: 0,
        }
    }

    async fn tag_more(&self, image_id: &str, tags: &[(String, String)]) -> Result<(), EngineError> {
        for (repo, tag) in tags.iter().skip(1) {
            self.docker
                .tag_image(
                    image_id,
                    Some(TagImageOptionsBuilder::new().repo(repo).tag(tag).build()),
                )
                .await
                .map_err(|e| {
                    EngineError::docker(format!("tagging {image_id} as {repo}:{tag}"), e)
                })?;
        }
        Ok(())
    }

    /// Secrets and SSH forwarding: BuildKit asks the client's session for
    /// them, and only bollard's control-API session (the Moby driver)
    /// serves them. The driver only sends the `Solve`; the progress is
    /// BuildKit's `Status` stream of the same ref, read through a `/grpc`
    /// connection of our own (`control.rs`) and shown as a plain BuildKit
    /// build's. Without it (an address that cannot be dialled, a refused
    /// upgrade) the build goes on with its start and end lines.
    async fn build_with_session_services(
        &self,
        plan: Plan,
        options: &BuildOptions,
        redactor: &Redactor,
    ) -> Result<BuildOutcome, EngineError> {
        use bollard::grpc::build::{ImageBuildFrontendOptions, ImageBuildLoadInput};
        use bollard::grpc::driver::{moby::Moby, Build};
        use bollard::grpc::BuildRef;
        use futures_util::stream;

        /// What the build's two streams say.
        enum Update {
            Status(StatusUpdate),
            Solved(Result<(), bollard::grpc::error::GrpcError>),
        }

        let Plan {
            text,
            table,
            archive,
            tags,
            start,
        } = plan;
        // The exporter needs a name; without a tag, a name of this build's
        // own, which is reported as its tag.
        let name = match tags.first() {
            Some((repo, tag)) => format!("{repo}:{tag}"),
            None => format!("stagecraft-build:{}", session_id()),
        };
        let mut frontend = ImageBuildFrontendOptions::builder()
            .dockerfile(std::path::Path::new(context::DOCKERFILE_NAME))
            .nocache(options.no_cache)
            .pull(options.pull == PullPolicy::Always)
            .enable_ssh(options.ssh_agent);
        if let Some(target) = &options.target {
            frontend = frontend.target(target);
        }
        for (key, value) in &options.build_args {
            frontend = frontend.buildarg(key, value);
        }
        for (key, value) in &options.labels {
            frontend = frontend.label(key, value);
        }
        for (id, source) in &options.secrets {
            frontend = frontend.set_secret(id, &source.to_bollard());
        }
        let mut display = Display::stages(options.progress, options.sink.clone());
        display.note(&format!(
            "building with BuildKit (secrets: {})",
            options.secret_ids().join(", ")
        ));
        let deadline = options
            .progress_deadline
            .unwrap_or(DEFAULT_PROGRESS_DEADLINE);
        let build_ref = BuildRef::random();
        let statuses = control::updates(self.dial(), build_ref.as_ref().to_string());
        let mut tracker = VertexTracker::new(table.clone(), TAIL_LINES);
        let redact = |text: &str| redactor.clean(text);
        // The solve borrows the name: its stream lives in this block.
        let solved = {
            let driver = Moby::new(&self.docker);
            let solve = driver.docker_build(
                &name,
                frontend.build(),
                // bollard's session driver takes the context as one buffer.
                ImageBuildLoadInput::Upload(archive.bytes()?.into()),
                None,
                Some(build_ref),
            );
            let updates = stream::select(
                stream::once(solve).map(Update::Solved),
                statuses.map(Update::Status),
            );
            let mut updates = std::pin::pin!(updates);
            let mut solved = None;
            loop {
                // Once solved, the status stream has a moment to say the rest.
                let wait = if solved.is_some() {
                    STATUS_AFTER_SOLVE
                } else {
                    deadline
                };
                let next = match tokio::time::timeout(wait, updates.next()).await {
                    Ok(next) => next,
                    Err(_) if solved.is_some() => break,
                    Err(_) => {
                        // Dropping the solve closes its request: the daemon
                        // cancels it.
                        display.finish("build stalled");
                        return Err(EngineError::ProgressStalled {
                            deadline,
                            elapsed: start.elapsed(),
                        });
                    }
                };
                match next {
                    None => break,
                    Some(Update::Solved(result)) => solved = Some(result),
                    Some(Update::Status(StatusUpdate::Status(status))) => {
                        for event in tracker.status(&status, &redact) {
                            display.event(&event);
                        }
                    }
                    Some(Update::Status(StatusUpdate::Unavailable(why))) => {
                        if solved.is_none() {
                            display.note(&format!("no progress to show: {}", redactor.clean(&why)));
                        }
                    }
                }
            }
            solved
        };
        if let Some(Err(error)) = solved {
            let message = redactor.clean(&super::error::cause_chain(&error));
            if grpc_transport_failed(&error) {
                display.finish("connection to the daemon lost");
                return Err(self.connection_lost(start, message).await);
            }
            display.finish(&format!(
                "build failed after {:.1}s",
                start.elapsed().as_secs_f64()
            ));
            return Err(EngineError::BuildFailed(Box::new(self.buildkit_failure(
                &mut tracker,
                &table,
                message,
                &redact,
            ))));
        }
        let image_id = self
            .docker
            .inspect_image(&name)
            .await
            .map_err(|e| EngineError::docker(format!("inspecting the image built as {name}"), e))?
            .id
            .unwrap_or_default();
        self.tag_more(&image_id, &tags).await?;
        let fully_cached = tracker.fully_cached();
        let duration = start.elapsed();
        display.finish(&format!(
            "built {name} with BuildKit in {:.1}s{}",
            duration.as_secs_f64(),
            if fully_cached { " (fully cached)" } else { "" }
        ));
        Ok(BuildOutcome {
            builder: Builder::BuildKit,
            stage_images: vec![image_id.clone()],
            image_id,
            tags: if options.tags.is_empty() {
                vec![name]
            } else {
                options.tags.clone()
            },
            fully_cached,
            steps: step_records(&tracker),
            duration,
            dockerfile: text,
        })
    }
}

/// The steps BuildKit reported, as the outcome lists them.
fn step_records(tracker: &VertexTracker) -> Vec<StepRecord> {
    tracker
        .steps()
        .map(|step| StepRecord {
            number: step.number,
            total: step.total,
            stage: step.stage.clone(),
            instruction: step.instruction.clone(),
            cached: step.cached,
        })
        .collect()
}

/// The session's connection broke (as opposed to the solve failing): a
/// transport error of the client or of gRPC, or a status that says the
/// channel went (`Unavailable`, `Cancelled`, tonic's "transport error").
fn grpc_transport_failed(error: &bollard::grpc::error::GrpcError) -> bool {
    use bollard::grpc::error::GrpcError;
    match error {
        GrpcError::DockerError { err } => super::build::is_transport(err),
        GrpcError::TonicError { .. } => true,
        GrpcError::TonicStatus { err } => {
            // gRPC's codes: 1 CANCELLED, 14 UNAVAILABLE.
            matches!(i32::from(err.code()), 1 | 14)
                || err.message().contains("transport error")
                || err.message().contains("h2 protocol error")
        }
        _ => false,
    }
}

/// The daemon's own message inside a gRPC status ("Grpc response failure:
/// status = ..., message = ...: code: ..., message: \"<this>\"").
fn grpc_message(text: &str) -> String {
    match text.rsplit_once("message: \"") {
        Some((_, rest)) => rest.strip_suffix('"').unwrap_or(rest).replace("\\\"", "\""),
        None => text.to_string(),
    }
}

/// Whether an error message quotes the command of this instruction: its
/// text after the keyword and the flags (`--mount=...`), continuations
/// joined, as BuildKit prints it (`[/bin/sh -c <command>]`).
fn names_command(message: &str, instruction: &str) -> bool {
    let joined = instruction.replace("\\\n", " ");
    let mut words = joined.split_whitespace().skip(1).peekable();
    while words.peek().is_some_and(|w| w.starts_with("--")) {
        words.next();
    }
    let command = words.collect::<Vec<_>>().join(" ");
    command.len() > 3 && message.contains(&command)
}

/// A client error with secret values taken out of its text.
fn redact_error(error: &bollard::errors::Error, redactor: &Redactor) -> bollard::errors::Error {
    bollard::errors::Error::DockerStreamError {
        error: redactor.clean(&super::error::cause_chain(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_failures_name_their_command() {
        let text = "Grpc response failure: status = Unknown error, message = process \
            \"/bin/sh -c false\" did not complete successfully: exit code: 1: code: \
            'Unknown error', message: \"process \\\"/bin/sh -c exit 7\\\" did not \
            complete successfully: exit code: 7\"";
        let message = grpc_message(text);
        assert_eq!(
            message,
            "process \"/bin/sh -c exit 7\" did not complete successfully: exit code: 7"
        );
        assert!(names_command(
            &message,
            "RUN --mount=type=secret,id=t exit 7"
        ));
        assert!(!names_command(&message, "RUN exit 8"));
        assert_eq!(grpc_message("plain"), "plain");
    }
}
