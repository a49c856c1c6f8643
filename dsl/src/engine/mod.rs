//! Building, measuring and smoke-testing images through the Docker Engine
//! API (feature `engine`).
//!
//! [`Engine`] is the async API (tokio, through [`bollard`]);
//! [`blocking::Engine`] wraps it with a runtime of its own for callers that
//! have none. Both connect the same way: the `DOCKER_HOST` environment
//! variable (`unix://`, `tcp://`, `http://`, `ssh://`) or an explicit
//! [`ConnectOptions::host`], else the local socket, and then always
//! negotiate the API version (a Debian `docker.io` daemon speaks API 1.41).
//! An `ssh://[user@]host[:port]` daemon is reached as the docker CLI
//! reaches it: through `ssh ... docker system dial-stdio` (the user's ssh
//! and its configuration; the remote host needs the `docker` CLI).
//!
//! * [`Engine::build`] sends a tar context holding exactly the rendered
//!   Dockerfile and the files declared in [`BuildOptions`] to the daemon's
//!   BuildKit when it has one, else to the classic builder
//!   ([`BuildOptions::builder`] forces either), and streams progress (one
//!   line per stage on a terminal, plain timestamped lines in CI or when
//!   stderr is not a terminal). A failed step comes back as a
//!   [`BuildFailure`] naming the stage and instruction; the failed build's
//!   containers are removed, the cache of the steps that succeeded stays.
//!   Secrets ([`BuildOptions::secret`]) reach `RUN --mount=type=secret`
//!   and nothing else.
//! * [`Engine::inspect`] and [`Engine::compare`] measure images into
//!   [`crate::report`] values (text table, JSON, SVG bar chart).
//! * [`Engine::smoke`] runs an image with a [`SmokeTest`] and checks its exit
//!   code and output; its container is always removed.
//! * [`Engine::cleanup`]`(id)` removes the images and containers of the run
//!   `id` ([`BuildOptions::run_label`]`(id)`, [`SmokeTest::run_label`]`(id)`);
//!   [`Engine::cleanup_label`] removes by any label.
//!
//! ```no_run
//! use stagecraft::engine::{blocking::Engine, BuildOptions, SmokeTest};
//! use stagecraft::Dockerfile;
//!
//! let mut df = Dockerfile::builder();
//! df.anonymous_stage("debian:bookworm-slim").cmd(["echo", "hello"]);
//! let dockerfile = df.build()?;
//!
//! let engine = Engine::connect()?;
//! let built = engine.build(&dockerfile, &BuildOptions::new().tag("hello:latest"))?;
//! println!("{} ({} cached)", built.image_id, if built.fully_cached { "fully" } else { "not" });
//! let run = engine.smoke(&SmokeTest::new("hello:latest").expect_stdout_contains("hello"))?;
//! assert_eq!(run.exit_code, 0);
//! println!("{}", engine.inspect("hello:latest")?.to_table());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub(crate) mod archive;
pub mod blocking;
mod build;
mod builder;
mod buildkit;
mod context;
mod control;
mod daemon_paths;
mod error;
mod progress;
mod serve;
mod smoke;
pub(crate) mod ssh;
mod steps;
mod vertices;

use std::collections::HashMap;
use std::time::Duration;

use bollard::query_parameters::{
    ListContainersOptionsBuilder, ListImagesOptionsBuilder, RemoveContainerOptionsBuilder,
    RemoveImageOptionsBuilder,
};
use bollard::Docker;

/// The Docker Engine API client this module is built on, for calls through [`Engine::docker`].
pub use bollard;

pub use self::build::{
    BuildOptions, BuildOutcome, ProgressMode, PullPolicy, StepRecord, DEFAULT_PROGRESS_DEADLINE,
};
pub use self::builder::{Builder, SecretSource};
pub use self::error::{BuildFailure, EngineError, SmokeFailure, StageId};
pub use self::serve::{Probe, Ready, ServeError, ServeOutcome, ServeTest};
pub use self::smoke::{SmokeOutcome, SmokeTest, SMOKE_OUTPUT_LIMIT};
pub use self::ssh::SSH_OPTIONS_ENV;
use crate::report::{Comparison, ImageReport, LayerReport};

/// The label [`BuildOptions::run_label`] and [`SmokeTest::run_label`] put on
/// what they create: `stagecraft.run=<id>`; [`Engine::cleanup`]`(id)` removes
/// it all. The key says which tool made it, not "test": release builds carry
/// it too.
pub const RUN_LABEL: &str = "stagecraft.run";

/// The address used when neither `DOCKER_HOST` nor [`ConnectOptions::host`] says one.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// How to reach the daemon.
///
/// ```
/// use std::time::Duration;
/// use stagecraft::engine::ConnectOptions;
///
/// let options = ConnectOptions::new()
///     .host("tcp://127.0.0.1:2375")
///     .connect_timeout(Duration::from_secs(2));
/// assert_eq!(options.resolved_host(), "tcp://127.0.0.1:2375");
/// ```
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    host: Option<String>,
    ssh_options: Option<Vec<String>>,
    connect_timeout: Duration,
    request_timeout: Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            host: None,
            ssh_options: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
        }
    }
}

impl ConnectOptions {
    /// `DOCKER_HOST` if set, else the local socket; 10 s to answer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Use this daemon address (`unix:///path`, `tcp://host:port`,
    /// `http://host:port`, `ssh://[user@]host[:port][/remote/socket]`)
    /// instead of `DOCKER_HOST`.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Extra arguments for `ssh` when the address is `ssh://` (before the
    /// destination; e.g. `["-F", "/path/ssh_config"]` or `["-i", key]`).
    /// Without them, the shell words of `STAGECRAFT_SSH_OPTIONS`
    /// ([`SSH_OPTIONS_ENV`]) if set, else none: ssh reads `~/.ssh/config`
    /// as for `docker -H ssh://...`. `BatchMode=yes` is always added, so
    /// ssh never prompts.
    ///
    /// ```
    /// use stagecraft::engine::ConnectOptions;
    ///
    /// let options = ConnectOptions::new()
    ///     .host("ssh://root@build-box:2222")
    ///     .ssh_options(["-F", "/etc/stagecraft/ssh_config"]);
    /// assert_eq!(options.resolved_ssh_options(), ["-F", "/etc/stagecraft/ssh_config"]);
    /// ```
    pub fn ssh_options<I, S>(mut self, options: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.ssh_options = Some(options.into_iter().map(Into::into).collect());
        self
    }

    /// The extra `ssh` arguments that will be used (see
    /// [`ConnectOptions::ssh_options`]).
    pub fn resolved_ssh_options(&self) -> Vec<String> {
        match &self.ssh_options {
            Some(options) => options.clone(),
            None => std::env::var(SSH_OPTIONS_ENV)
                .ok()
                .and_then(|words| shlex::split(&words))
                .unwrap_or_default(),
        }
    }

    /// How long the daemon has to answer the version negotiation (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The client's timeout for each request's response headers (default
    /// 120 s; a build's streamed body is not limited by it).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// The address that will be tried: the explicit host, else a non-empty
    /// `DOCKER_HOST`, else [`DEFAULT_HOST`].
    pub fn resolved_host(&self) -> String {
        self.host
            .clone()
            .or_else(|| std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty()))
            .unwrap_or_else(|| DEFAULT_HOST.to_string())
    }
}

/// What [`Engine::cleanup`] removed, and what it could not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cleanup {
    /// Containers removed.
    pub containers: usize,
    /// Images removed (an image the daemon had already removed with its
    /// parent counts as removed).
    pub images: usize,
    /// What could not be removed: `(id, why)`.
    pub failed: Vec<(String, String)>,
}

impl Cleanup {
    /// Everything carrying the label is gone.
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty()
    }
}

/// An async client of one Docker daemon. Cheap to clone.
///
/// ```no_run
/// # async fn demo() -> Result<(), stagecraft::engine::EngineError> {
/// use stagecraft::engine::{ConnectOptions, Engine};
///
/// let engine = Engine::connect_with(&ConnectOptions::new().host("unix:///var/run/docker.sock")).await?;
/// println!("API {}", engine.api_version());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Engine {
    docker: Docker,
    host: String,
    /// The local end of an `ssh://` daemon's connections, kept as long as
    /// a clone of the engine is.
    ssh_bridge: Option<std::sync::Arc<ssh::SshBridge>>,
}

impl Engine {
    /// Connects as [`ConnectOptions::new`] says: `DOCKER_HOST`, else the
    /// local socket, then negotiates the API version.
    ///
    /// # Errors
    ///
    /// [`EngineError::NoDaemon`] when nothing answers, with what to do about it.
    pub async fn connect() -> Result<Engine, EngineError> {
        Self::connect_with(&ConnectOptions::new()).await
    }

    /// Connects to the daemon `options` name and negotiates the API version.
    ///
    /// # Errors
    ///
    /// [`EngineError::NoDaemon`] when nothing answers in time,
    /// [`EngineError::InvalidHost`] for an address of an unknown scheme.
    pub async fn connect_with(options: &ConnectOptions) -> Result<Engine, EngineError> {
        let host = options.resolved_host();
        let timeout = options.request_timeout.as_secs().max(1);
        let version = bollard::API_DEFAULT_VERSION;
        let bridge = if host.starts_with("ssh://") {
            let target =
                ssh::SshTarget::parse(&host).map_err(|cause| EngineError::InvalidHost {
                    host: host.clone(),
                    cause,
                })?;
            let bridge = ssh::SshBridge::start(&target, &options.resolved_ssh_options()).map_err(
                |error| EngineError::NoDaemon {
                    host: host.clone(),
                    cause: format!("cannot open the local end of the ssh connection: {error}"),
                },
            )?;
            Some(std::sync::Arc::new(bridge))
        } else {
            None
        };
        let connected = if let Some(bridge) = &bridge {
            Docker::connect_with_unix(&bridge.uri(), timeout, version)
        } else if host.starts_with("unix://") {
            Docker::connect_with_unix(&host, timeout, version)
        } else if host.starts_with("tcp://") || host.starts_with("http://") {
            Docker::connect_with_http(&host, timeout, version)
        } else {
            Docker::connect_with_host(&host)
                .map(|docker| docker.with_timeout(options.request_timeout))
        };
        let docker = connected.map_err(|error| match error {
            bollard::errors::Error::SocketNotFoundError(path) => EngineError::NoDaemon {
                host: host.clone(),
                cause: format!("socket {path} does not exist"),
            },
            other => EngineError::InvalidHost {
                host: host.clone(),
                cause: error::cause_chain(&other),
            },
        })?;
        // What ssh said is the reason an ssh:// daemon did not answer.
        let with_ssh = |cause: String| match bridge.as_ref().and_then(|b| b.said()) {
            Some(said) => format!("{cause}; ssh said: {said}"),
            None => cause,
        };
        let negotiated = tokio::time::timeout(options.connect_timeout, docker.negotiate_version())
            .await
            .map_err(|_| EngineError::NoDaemon {
                host: host.clone(),
                cause: with_ssh(format!("no answer within {:?}", options.connect_timeout)),
            })?;
        let docker = negotiated.map_err(|error| EngineError::NoDaemon {
            host: host.clone(),
            cause: with_ssh(error::cause_chain(&error)),
        })?;
        Ok(Engine {
            docker,
            host,
            ssh_bridge: bridge,
        })
    }

    /// The daemon's socket as a connection of our own reaches it (the
    /// local end of the bridge for `ssh://`), if it can be dialled.
    pub(crate) fn dial(&self) -> Option<control::Dial> {
        match &self.ssh_bridge {
            Some(bridge) => control::Dial::of(&bridge.uri()),
            None => control::Dial::of(&self.host),
        }
    }

    /// The daemon address this engine talks to.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The negotiated API version, e.g. `1.41`.
    pub fn api_version(&self) -> String {
        let version = self.docker.client_version();
        format!("{}.{}", version.major_version, version.minor_version)
    }

    /// The underlying [`bollard`] client, for what this API does not cover.
    pub fn docker(&self) -> &Docker {
        &self.docker
    }

    /// Measures an image: id, total size, and each layer's size and the
    /// instruction that made it (oldest layer first).
    ///
    /// ```no_run
    /// # async fn demo(engine: stagecraft::engine::Engine) -> Result<(), stagecraft::engine::EngineError> {
    /// let report = engine.inspect("debian:bookworm-slim").await?;
    /// println!("{}", report.to_table());
    /// # Ok(()) }
    /// ```
    pub async fn inspect(&self, image: &str) -> Result<ImageReport, EngineError> {
        let inspected = self
            .docker
            .inspect_image(image)
            .await
            .map_err(|e| EngineError::docker(format!("inspecting image {image}"), e))?;
        let history =
            self.docker.image_history(image).await.map_err(|e| {
                EngineError::docker(format!("reading the history of image {image}"), e)
            })?;
        let layers = history
            .into_iter()
            .rev()
            .map(|item| LayerReport {
                id: (item.id != "<missing>").then_some(item.id),
                size: u64::try_from(item.size).unwrap_or(0),
                created_by: item.created_by,
            })
            .collect();
        Ok(ImageReport {
            image: image.to_string(),
            id: inspected.id.unwrap_or_default(),
            size: inspected
                .size
                .and_then(|size| u64::try_from(size).ok())
                .unwrap_or(0),
            layers,
        })
    }

    /// Measures several images and compares their sizes with the first one's.
    ///
    /// `variants` are `(name, image)` pairs, e.g. `("naive", "fortune:naive")`.
    ///
    /// ```no_run
    /// # async fn demo(engine: stagecraft::engine::Engine) -> Result<(), stagecraft::engine::EngineError> {
    /// let comparison = engine
    ///     .compare(&[("naive", "fortune:naive"), ("scratch", "fortune:scratch")])
    ///     .await?;
    /// println!("{}", comparison.to_table());
    /// std::fs::write("sizes.svg", comparison.to_svg()).unwrap();
    /// # Ok(()) }
    /// ```
    pub async fn compare(&self, variants: &[(&str, &str)]) -> Result<Comparison, EngineError> {
        let mut rows = Vec::with_capacity(variants.len());
        for (name, image) in variants {
            let report = self.inspect(image).await?;
            rows.push((name.to_string(), report.size));
        }
        Ok(Comparison::new(rows))
    }

    /// Removes every container and image of the run `run_id`: those
    /// labelled `RUN_LABEL=<run_id>` by [`BuildOptions::run_label`]`(run_id)`
    /// and [`SmokeTest::run_label`]`(run_id)`, the same id.
    ///
    /// It goes on past what it cannot remove and reports it in
    /// [`Cleanup::failed`]; see [`Engine::cleanup_label`].
    ///
    /// ```no_run
    /// # async fn demo(engine: stagecraft::engine::Engine) -> Result<(), stagecraft::engine::EngineError> {
    /// use stagecraft::engine::BuildOptions;
    /// let options = BuildOptions::new().run_label("my-run");
    /// // ... builds with `options` ...
    /// let removed = engine.cleanup("my-run").await?;
    /// println!("{} containers, {} images", removed.containers, removed.images);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`EngineError::InvalidOption`] for an id with `=` (a whole label such
    /// as `stagecraft.run=x` is for [`Engine::cleanup_label`]); listing
    /// failures.
    pub async fn cleanup(&self, run_id: &str) -> Result<Cleanup, EngineError> {
        if run_id.is_empty() || run_id.contains('=') {
            return Err(EngineError::InvalidOption(format!(
                "cleanup({run_id:?}): give the run id passed to `run_label` (e.g. \
                 `cleanup(\"my-run\")`); to remove by a whole label use `cleanup_label`"
            )));
        }
        self.cleanup_label(&format!("{RUN_LABEL}={run_id}")).await
    }

    /// Removes every container and image carrying `label` (`key` or
    /// `key=value`).
    ///
    /// Images are removed with `force` (all their tags go) and their
    /// untagged parents with them; an image still needed by another is
    /// retried after the others; one the daemon already removed along with
    /// its parent (it answers 500 "unrecognized image ID", or 404) counts as
    /// removed. Anything else that fails is recorded and the rest still goes.
    pub async fn cleanup_label(&self, label: &str) -> Result<Cleanup, EngineError> {
        let filters: HashMap<&str, Vec<&str>> = HashMap::from([("label", vec![label])]);
        let containers = self
            .docker
            .list_containers(Some(
                ListContainersOptionsBuilder::new()
                    .all(true)
                    .filters(&filters)
                    .build(),
            ))
            .await
            .map_err(|e| EngineError::docker("listing containers", e))?;
        let mut removed = Cleanup::default();
        for container in containers {
            if let Some(id) = container.id {
                match remove_container(&self.docker, &id).await {
                    Ok(true) => removed.containers += 1,
                    Ok(false) => {}
                    Err(error) => removed.failed.push((id, error.to_string())),
                }
            }
        }
        let images = self
            .docker
            .list_images(Some(
                ListImagesOptionsBuilder::new()
                    .all(true)
                    .filters(&filters)
                    .build(),
            ))
            .await
            .map_err(|e| EngineError::docker("listing images", e))?;
        let mut pending: Vec<String> = images.into_iter().map(|image| image.id).collect();
        // Children first: an image another one depends on is refused (409)
        // until that one is gone, so retry what was refused.
        for round in 0..4 {
            let mut refused = Vec::new();
            for id in pending {
                match remove_image(&self.docker, &id, false).await {
                    Ok(true) => removed.images += 1,
                    Ok(false) => {}
                    Err(error) if is_already_gone(&error) => {}
                    Err(error) if round < 3 && is_conflict(&error) => refused.push(id),
                    Err(error) => removed.failed.push((id, error.to_string())),
                }
            }
            pending = refused;
            if pending.is_empty() {
                break;
            }
        }
        Ok(removed)
    }

    /// Removes one image (all its tags, with `force`) and its untagged parents.
    /// Returns whether it existed.
    pub async fn remove_image(&self, image: &str) -> Result<bool, EngineError> {
        remove_image(&self.docker, image, false).await
    }
}

/// The daemon removed the image already (with its parent): 404, or 500
/// "unrecognized image ID" from Docker 20.10.
fn is_already_gone(error: &EngineError) -> bool {
    matches!(error, EngineError::Docker {
        source: bollard::errors::Error::DockerResponseServerError { status_code, message },
        ..
    } if *status_code == 404
        || (*status_code == 500 && message.contains("unrecognized image ID")))
}

/// 409: another image or a container still needs it.
fn is_conflict(error: &EngineError) -> bool {
    matches!(
        error,
        EngineError::Docker {
            source: bollard::errors::Error::DockerResponseServerError {
                status_code: 409,
                ..
            },
            ..
        }
    )
}

/// Removes a container (killing it first); `Ok(false)` when it was already gone.
pub(crate) async fn remove_container(docker: &Docker, id: &str) -> Result<bool, EngineError> {
    let options = RemoveContainerOptionsBuilder::new()
        .force(true)
        .v(true)
        .build();
    match docker.remove_container(id, Some(options)).await {
        Ok(()) => Ok(true),
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(false),
        // 409: removal already in progress.
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 409, ..
        }) => Ok(true),
        Err(e) => Err(EngineError::docker(format!("removing container {id}"), e)),
    }
}

/// Removes an image with `force`; `noprune` keeps its untagged parents.
/// `Ok(false)` when it was already gone.
pub(crate) async fn remove_image(
    docker: &Docker,
    id: &str,
    noprune: bool,
) -> Result<bool, EngineError> {
    let options = RemoveImageOptionsBuilder::new()
        .force(true)
        .noprune(noprune)
        .build();
    match docker.remove_image(id, Some(options), None).await {
        Ok(_) => Ok(true),
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(false),
        Err(e) => Err(EngineError::docker(format!("removing image {id}"), e)),
    }
}
