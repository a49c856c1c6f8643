//! The engine's typed errors.

use std::fmt;
use std::time::Duration;

use super::smoke::SmokeOutcome;

/// Everything that can go wrong talking to the Docker daemon.
///
/// ```
/// use stagecraft::engine::EngineError;
///
/// let error = EngineError::NoDaemon {
///     host: "tcp://127.0.0.1:1".into(),
///     cause: "Connection refused (os error 111)".into(),
/// };
/// assert!(error.to_string().starts_with("no Docker daemon at tcp://127.0.0.1:1: Connection refused"));
/// assert!(error.is_no_daemon());
/// // The hint is for any user: no script of stagecraft's own repository.
/// assert!(!error.to_string().contains("scripts/"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// Nothing answered at the daemon address (or it did not speak the Engine API).
    #[error(
        "no Docker daemon at {host}: {cause}; start one (e.g. `sudo systemctl start docker`) \
         or point DOCKER_HOST at one"
    )]
    NoDaemon {
        /// The address tried, e.g. `unix:///var/run/docker.sock`.
        host: String,
        /// Why the connection failed, with the underlying causes.
        cause: String,
    },
    /// The daemon address has a scheme this build cannot use.
    #[error("cannot use Docker host {host:?}: {cause} (use unix://, tcp://, http:// or ssh://)")]
    InvalidHost {
        /// The address given.
        host: String,
        /// The client's complaint.
        cause: String,
    },
    /// `BuildOptions::target` names no stage of the Dockerfile; nothing was sent.
    #[error("build target {target:?} is not a stage of this Dockerfile (stages with an alias: {})", list(.available))]
    UnknownTarget {
        /// The target asked for.
        target: String,
        /// The aliases the Dockerfile has.
        available: Vec<String>,
    },
    /// A declared context file is unusable; nothing was sent.
    #[error("build context entry {context_path:?} (from {host_path}): {reason}")]
    Context {
        /// The file on the host, if the entry comes from one.
        host_path: String,
        /// Where it goes in the build context.
        context_path: String,
        /// What is wrong.
        reason: String,
    },
    /// The Dockerfile trusts the site CA
    /// ([`trust_site_ca`](crate::StageBuilder::trust_site_ca)) in a stage
    /// the build reaches, but the options carry no bundle; nothing was sent.
    #[error(
        "`trust_site_ca()` in stage(s) {} needs the site's CA bundle in the build context, but \
         the build options have none: pass one with `BuildOptions::site_ca(&SiteCa::new(path)?)` (or `SiteCa::from_env()`, \
         with {} set to e.g. /etc/ssl/certs/ca-certificates.crt)",
        list(.stages),
        crate::site_ca::ENV_VAR
    )]
    SiteCaMissing {
        /// The stages that trust it (alias, or `#index` for an anonymous one).
        stages: Vec<String>,
    },
    /// Dockerfile text given to [`Engine::build_text`](super::Engine::build_text)
    /// does not parse; nothing was sent.
    #[error("the Dockerfile text does not parse: line {line}: {message}")]
    DockerfileText {
        /// The line (1-based) the problem is on.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The Dockerfile uses a construct the chosen builder cannot build;
    /// nothing was sent.
    #[error("line {line}: {construct} cannot be built by {builder} (stage {stage}): {fix}")]
    NeedsBuildKit {
        /// The line of the Dockerfile sent.
        line: usize,
        /// The stage it is in: its alias, or `#index` for an anonymous one.
        stage: String,
        /// The construct, e.g. `` `RUN --mount=type=cache` ``.
        construct: String,
        /// The builder that would have got it.
        builder: String,
        /// What to do about it.
        fix: String,
    },
    /// `Builder::BuildKit` was asked for but the daemon has no BuildKit;
    /// nothing was sent.
    #[error(
        "BuildKit was asked for (`Builder::BuildKit`) but the daemon at {host} has none \
         (API {api}, Docker {version}, {os}): use `Builder::Auto` to fall back to the classic \
         builder, or a daemon with BuildKit (Docker 18.09 or later on Linux)"
    )]
    BuildKitUnavailable {
        /// The daemon address.
        host: String,
        /// Its API version.
        api: String,
        /// Its engine version.
        version: String,
        /// Its OS.
        os: String,
    },
    /// A `RUN --mount=type=secret,id=<id>,required=true` asks for a secret
    /// the build options do not give; nothing was sent.
    #[error(
        "line {line}: `RUN --mount=type=secret,id={id},required=true` needs secret {id:?}, \
         but the build options have none: add `BuildOptions::secret({id:?}, \
         SecretSource::File(path))` or `SecretSource::Env(name)`"
    )]
    SecretMissing {
        /// The line of the `RUN`.
        line: usize,
        /// The secret id.
        id: String,
    },
    /// The daemon sent nothing for longer than the progress deadline
    /// ([`BuildOptions::progress_deadline`](super::BuildOptions::progress_deadline));
    /// the build was abandoned (dropping the request cancels it).
    #[error(
        "the daemon sent no build progress for {deadline:?} (after {elapsed:.1?} of build): \
         it may be stalled; the build was cancelled. Raise `BuildOptions::progress_deadline` \
         for steps that run silently for longer"
    )]
    ProgressStalled {
        /// The deadline.
        deadline: Duration,
        /// Time since the build started.
        elapsed: Duration,
    },
    /// The connection to the daemon broke while a build was under way (the
    /// daemon stopped or restarted, a proxy or SSH tunnel in between went,
    /// the network dropped). A daemon cancels a build whose client has gone:
    /// its step containers go with it, and no image of it is kept but the
    /// cache of the steps that had finished.
    #[error(
        "the connection to the daemon at {host} broke {elapsed:.1?} into the build ({cause}); {}",
        if *.daemon_answers {
            "the daemon answers again: build again"
        } else {
            "it does not answer now: check it (`docker info`, its log) and build again once it is back"
        }
    )]
    ConnectionLost {
        /// The daemon address.
        host: String,
        /// Time since the build started.
        elapsed: Duration,
        /// The transport's error, with its causes.
        cause: String,
        /// Whether a ping right after the loss was answered.
        daemon_answers: bool,
    },
    /// A base image of the Dockerfile is not present on the daemon and it
    /// could not be pulled; nothing was built.
    #[error(
        "base image {image:?} (line {line}) is not present on the daemon at {host}, and it \
         could not be pulled ({cause}): load it (`docker load -i image.tar`, or `docker save` \
         it on a machine that has it), pull it where a registry is reachable \
         (`docker pull {image}`), or change the `FROM`"
    )]
    BaseImageMissing {
        /// The image as written in `FROM`.
        image: String,
        /// The `FROM` line.
        line: usize,
        /// The daemon address.
        host: String,
        /// The daemon's own message.
        cause: String,
    },
    /// A smoke test is unusable (an input file with a bad path); no
    /// container was made.
    #[error("invalid smoke test: {0}")]
    InvalidSmokeTest(String),
    /// A build option is unusable (a bad tag, label, or build argument); nothing was sent.
    #[error("invalid build option: {0}")]
    InvalidOption(String),
    /// The daemon refused the build or a step failed.
    #[error(transparent)]
    BuildFailed(Box<BuildFailure>),
    /// A smoke test ran but its expectations were not met.
    #[error(transparent)]
    SmokeFailed(Box<SmokeFailure>),
    /// A smoke test did not finish in time; its container was removed.
    #[error("smoke test of {image} timed out after {timeout:?}; its container was removed")]
    SmokeTimeout {
        /// The image run.
        image: String,
        /// The time it was given.
        timeout: Duration,
    },
    /// The image has neither `CMD` nor `ENTRYPOINT` and the smoke test gave no command.
    #[error("image {image} has no CMD and no ENTRYPOINT: give the smoke test a command (`SmokeTest::args` or `SmokeTest::entrypoint`)")]
    NothingToRun {
        /// The image.
        image: String,
    },
    /// Any other Engine API failure.
    #[error("Docker Engine API error while {action}: {}", cause_chain(.source))]
    Docker {
        /// What the engine was doing.
        action: String,
        /// The client error.
        #[source]
        source: bollard::errors::Error,
    },
    /// The blocking engine could not start its tokio runtime.
    #[error("cannot start the engine's runtime: {0}")]
    Runtime(#[source] std::io::Error),
}

impl EngineError {
    /// Whether this error means that no daemon answered (the case tests skip on).
    pub fn is_no_daemon(&self) -> bool {
        matches!(self, EngineError::NoDaemon { .. })
    }

    /// The build failure, when this is one.
    pub fn as_build_failure(&self) -> Option<&BuildFailure> {
        match self {
            EngineError::BuildFailed(failure) => Some(failure),
            _ => None,
        }
    }

    pub(crate) fn docker(action: impl Into<String>, source: bollard::errors::Error) -> Self {
        EngineError::Docker {
            action: action.into(),
            source,
        }
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

/// An error and its `source()` chain on one line, without repeats.
pub(crate) fn cause_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

/// A stage of the Dockerfile: its index in `FROM` order (Docker's numbering
/// for `COPY --from=<index>`, from 0) and its alias, if it has one.
///
/// ```
/// use stagecraft::engine::StageId;
/// let stage = StageId { index: 1, alias: Some("runtime".into()) };
/// assert_eq!(stage.to_string(), "stage 1 \"runtime\"");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct StageId {
    /// 0-based index in `FROM` order.
    pub index: usize,
    /// `AS alias`.
    pub alias: Option<String>,
}

impl fmt::Display for StageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.alias {
            Some(alias) => write!(f, "stage {} {alias:?}", self.index),
            None => write!(f, "stage {} (unnamed)", self.index),
        }
    }
}

/// Why a build failed, and where.
///
/// The classic builder numbers every global `ARG`, every `FROM` and every
/// instruction (comments excluded) as one step; the failing `Step N/M` is
/// mapped back to the stage and the instruction of the Dockerfile sent.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BuildFailure {
    /// `(N, M)` of the last `Step N/M` reported, if the build got that far.
    pub step: Option<(usize, usize)>,
    /// The stage that step belongs to (`None` for a global `ARG`, or before any step).
    pub stage: Option<StageId>,
    /// The instruction's text as sent (may span lines), or a description of
    /// a step the build options added (`LABEL` of `BuildOptions::label`).
    pub instruction: Option<String>,
    /// The daemon's message, e.g. `The command '/bin/sh -c false' returned a non-zero code: 1`.
    pub message: String,
    /// The last lines of build output (ANSI colours removed), oldest first.
    pub log_tail: Vec<String>,
    /// Containers the failed build left, which were removed (the images of
    /// the steps that succeeded stay, as the cache of a retry).
    pub removed: usize,
}

impl fmt::Display for BuildFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("image build failed")?;
        if let Some((n, m)) = self.step {
            write!(f, " at step {n}/{m}")?;
        }
        if let Some(stage) = &self.stage {
            write!(f, " in {stage}")?;
        }
        if let Some(instruction) = &self.instruction {
            let first = instruction.lines().next().unwrap_or_default();
            let more = if instruction.lines().nth(1).is_some() {
                " ..."
            } else {
                ""
            };
            write!(f, ", instruction `{first}{more}`")?;
        }
        // The classic builder echoes the whole command (a harvest step's is
        // about 5 KB): the line that matters first, the command on request.
        match long_command(&self.message).filter(|_| !f.alternate()) {
            Some(LongCommand { open, head, close }) => {
                let said = self.log_tail.iter().rev().find(|line| {
                    let line = line.trim();
                    !line.is_empty()
                        && !line.starts_with("Step ")
                        && !line.starts_with("--->")
                        && !line.starts_with("Removing intermediate container")
                });
                if let Some(said) = said {
                    write!(f, ": {}", said.trim_end())?;
                }
                write!(
                    f,
                    "\n{open}{head} ...{close} (the whole command: \
                     BuildFailure::message, or format with {{:#}})"
                )?;
            }
            None => write!(f, ": {}", self.message.trim_end())?,
        }
        if !self.log_tail.is_empty() {
            write!(f, "\nlast {} lines of output:", self.log_tail.len())?;
            for line in &self.log_tail {
                match line.char_indices().nth(200).filter(|_| !f.alternate()) {
                    Some((end, _)) => write!(f, "\n  | {} ...", &line[..end])?,
                    None => write!(f, "\n  | {line}")?,
                }
            }
        }
        Ok(())
    }
}

impl std::error::Error for BuildFailure {}

/// A builder's "this command failed" message whose command is over 200
/// bytes, cut to the command's first 60 characters: `open` + `head` + ` ...`
/// + `close` is what is shown.
struct LongCommand<'a> {
    open: &'a str,
    head: &'a str,
    close: &'a str,
}

/// The three forms the builders write: the classic builder's
/// `The command '<command>' returned <code>`, BuildKit 0.8's
/// `executor failed running [<command>]: exit code: 1`, and newer BuildKit's
/// `process "<command>" did not complete successfully: exit code: 1`.
fn long_command(message: &str) -> Option<LongCommand<'_>> {
    let message = message.trim_end();
    let forms: [(&str, &str); 3] = [
        ("The command '", "' returned "),
        ("executor failed running [", "]: "),
        ("process \"", "\" did not complete successfully"),
    ];
    forms.into_iter().find_map(|(open_text, close_text)| {
        let start = message.find(open_text)?;
        let command_start = start + open_text.len();
        let command_end = command_start + message[command_start..].rfind(close_text)?;
        let command = &message[command_start..command_end];
        if command.len() <= 200 {
            return None;
        }
        let end = command
            .char_indices()
            .nth(60)
            .map_or(command.len(), |(i, _)| i);
        Some(LongCommand {
            open: &message[..command_start],
            head: &command[..end],
            close: &message[command_end..],
        })
    })
}

/// A smoke test whose expectations were not met, with what the run gave.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SmokeFailure {
    /// The image run.
    pub image: String,
    /// Each expectation that failed, in words.
    pub failures: Vec<String>,
    /// What the run gave.
    pub outcome: SmokeOutcome,
}

impl fmt::Display for SmokeFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "smoke test of {} failed: {}",
            self.image,
            self.failures.join("; ")
        )?;
        write!(f, "\nexit code: {}", self.outcome.exit_code)?;
        for (name, text) in [
            ("stdout", &self.outcome.stdout),
            ("stderr", &self.outcome.stderr),
        ] {
            if !text.is_empty() {
                write!(f, "\n{name}:")?;
                let lines: Vec<&str> = text.lines().collect();
                let start = lines.len().saturating_sub(20);
                for line in &lines[start..] {
                    write!(f, "\n  | {line}")?;
                }
            }
        }
        Ok(())
    }
}

impl std::error::Error for SmokeFailure {}

#[cfg(test)]
mod tests {
    use super::long_command;

    #[test]
    fn every_builders_long_command_is_cut_and_keeps_its_exit_code() {
        let command = format!("/bin/sh -c set -eu; {}", "x=1; ".repeat(60));
        for message in [
            format!("The command '{command}' returned a non-zero code: 1"),
            format!("executor failed running [{command}]: exit code: 1"),
            format!("process \"{command}\" did not complete successfully: exit code: 1"),
        ] {
            let long = long_command(&message).expect(&message);
            let shown = format!("{}{} ...{}", long.open, long.head, long.close);
            assert!(shown.len() < 150, "{shown}");
            assert!(shown.contains("/bin/sh -c set -eu;"), "{shown}");
            assert!(shown.ends_with(": 1"), "{shown}");
        }
        assert!(long_command("executor failed running [/bin/sh -c false]: exit code: 1").is_none());
    }
}
