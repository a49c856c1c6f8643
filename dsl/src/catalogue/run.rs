//! Building a catalogue over a pool of daemons: parents first, unchanged
//! images skipped, parents moved by save/load, and the builds of a daemon
//! that stops answering moved to the others.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::fingerprint::{self, FINGERPRINT_LABEL};
use super::pool::Endpoint;
use super::report::{CatalogueReport, DaemonSummary, ImageResult, ImageStatus, Move, SmokeResult};
use super::transfer::{transfer_image, TransferError};
use super::{BuildGraph, Catalogue, CatalogueError, CatalogueImage, ImageSource};
use crate::engine::{BuildOptions, ConnectOptions, Engine, SmokeTest};
use crate::site_ca::SiteCa;

/// How long a worker waits before looking for work again.
const POLL: Duration = Duration::from_millis(50);

/// One line of progress while a catalogue builds.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Progress {
    /// A build started.
    Started {
        /// The image.
        image: String,
        /// The daemon.
        daemon: String,
        /// 1 for the first try.
        attempt: u32,
    },
    /// A parent was moved to a daemon by save/load.
    Transferred {
        /// The parent image.
        image: String,
        /// From.
        from: String,
        /// To.
        to: String,
        /// Seconds it took.
        seconds: f64,
    },
    /// An image is done (built, skipped, or failed).
    Finished {
        /// The image.
        image: String,
        /// The daemon.
        daemon: String,
        /// What happened.
        status: ImageStatus,
        /// Seconds it took.
        seconds: f64,
        /// Images done so far, and in all.
        done: usize,
        /// Images in the catalogue.
        total: usize,
    },
    /// A parent was pulled from the registry the run pushes to, on a daemon
    /// that lacked it (instead of save/load).
    Pulled {
        /// The parent image.
        image: String,
        /// What was pulled (`registry/repo@sha256:...`).
        reference: String,
        /// The daemon that pulled it.
        to: String,
        /// Seconds it took.
        seconds: f64,
    },
    /// Pulling a parent failed; it is moved by save/load instead.
    PullFailed {
        /// The parent image.
        image: String,
        /// The daemon that tried.
        to: String,
        /// Why.
        error: String,
    },
    /// A daemon stopped answering; the images it was building go back in the queue.
    DaemonLost {
        /// The daemon.
        daemon: String,
        /// Why it is considered lost.
        reason: String,
    },
    /// An image goes back in the queue.
    Requeued {
        /// The image.
        image: String,
        /// Why.
        reason: String,
    },
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Progress::Started {
                image,
                daemon,
                attempt,
            } => {
                write!(f, "{image}: started on {daemon}")?;
                if *attempt > 1 {
                    write!(f, " (attempt {attempt})")?;
                }
                Ok(())
            }
            Progress::Transferred {
                image,
                from,
                to,
                seconds,
            } => write!(f, "{image}: moved from {from} to {to} in {seconds:.1}s"),
            Progress::Finished {
                image,
                daemon,
                status,
                seconds,
                done,
                total,
            } => {
                write!(
                    f,
                    "[{done}/{total}] {image}: {} on {daemon} in {seconds:.1}s",
                    status.word()
                )?;
                if let ImageStatus::Failed { error } = status {
                    write!(f, ": {}", error.lines().next().unwrap_or(""))?;
                }
                Ok(())
            }
            Progress::Pulled {
                image,
                reference,
                to,
                seconds,
            } => write!(f, "{image}: pulled {reference} on {to} in {seconds:.1}s"),
            Progress::PullFailed { image, to, error } => write!(
                f,
                "{image}: pull on {to} failed, moving it by save/load instead: {error}"
            ),
            Progress::DaemonLost { daemon, reason } => {
                write!(f, "daemon {daemon} lost: {reason}")
            }
            Progress::Requeued { image, reason } => write!(f, "{image}: queued again: {reason}"),
        }
    }
}

type ProgressSink = Arc<dyn Fn(&Progress) + Send + Sync>;

/// How a catalogue is built.
///
/// ```
/// use std::time::Duration;
/// use stagecraft::catalogue::RunOptions;
///
/// let options = RunOptions::new()
///     .run_label("nightly-42")
///     .max_attempts(2)
///     .on_progress(|line| println!("{line}"));
/// # let _ = options;
/// ```
#[derive(Clone)]
pub struct RunOptions {
    run_label: Option<String>,
    max_attempts: u32,
    force: bool,
    no_cache: bool,
    push: Option<String>,
    push_credentials: Option<bollard::auth::DockerCredentials>,
    site_ca: Option<SiteCa>,
    progress: Option<ProgressSink>,
    connect_timeout: Duration,
    liveness_timeout: Duration,
    heartbeat: Duration,
}

impl fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunOptions")
            .field("run_label", &self.run_label)
            .field("max_attempts", &self.max_attempts)
            .field("force", &self.force)
            .field("no_cache", &self.no_cache)
            .field("push", &self.push)
            .field("connect_timeout", &self.connect_timeout)
            .field("liveness_timeout", &self.liveness_timeout)
            .field("heartbeat", &self.heartbeat)
            .finish_non_exhaustive()
    }
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            run_label: None,
            max_attempts: 3,
            force: false,
            no_cache: false,
            push: None,
            push_credentials: None,
            site_ca: None,
            progress: None,
            connect_timeout: Duration::from_secs(5),
            liveness_timeout: Duration::from_secs(3),
            heartbeat: Duration::from_secs(5),
        }
    }
}

impl RunOptions {
    /// Three attempts per image, unchanged images skipped, progress as
    /// plain lines on stderr.
    pub fn new() -> RunOptions {
        RunOptions::default()
    }

    /// Labels everything built and every smoke container with
    /// `stagecraft.run=<id>` (see `BuildOptions::run_label`).
    pub fn run_label(mut self, id: impl Into<String>) -> RunOptions {
        self.run_label = Some(id.into());
        self
    }

    /// How many times an image is started before it is reported failed
    /// because its daemons kept being lost (at least 1; default 3). A build
    /// that fails on a daemon that still answers is not retried.
    pub fn max_attempts(mut self, attempts: u32) -> RunOptions {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Builds every image even when it is unchanged.
    pub fn force(mut self, force: bool) -> RunOptions {
        self.force = force;
        self
    }

    /// Builds without the daemons' layer cache (`--no-cache`); with
    /// [`RunOptions::force`], every image is built from scratch, as for
    /// measuring a cold catalogue build.
    pub fn no_cache(mut self, no_cache: bool) -> RunOptions {
        self.no_cache = no_cache;
        self
    }

    /// Tags every image that was built or found unchanged, and passed its
    /// smoke test if it has one, as `<registry>/<tag>` and pushes it (e.g.
    /// `127.0.0.1:5000`); the row's `pushed` holds the digest. A failed push
    /// fails the image. No credentials are sent unless
    /// [`RunOptions::push_credentials`] gives some (a registry that needs
    /// none, such as `scripts/registry.sh`'s); see also
    /// [`RunOptions::push_with_docker_config`].
    pub fn push(mut self, registry: impl Into<String>) -> RunOptions {
        self.push = Some(registry.into());
        self
    }

    /// The credentials every push sends (see [`super::DockerConfig`]).
    pub fn push_credentials(mut self, credentials: bollard::auth::DockerCredentials) -> RunOptions {
        self.push_credentials = Some(credentials);
        self
    }

    /// [`RunOptions::push`] to `registry` with its credentials from Docker's
    /// `config.json` ([`super::DockerConfig::load`]), anonymous when it has
    /// none for it.
    ///
    /// # Errors
    ///
    /// A [`super::CredentialsError`] for a config that cannot be read, a bad
    /// `auth`, or credentials kept by a credential helper.
    pub fn push_with_docker_config(
        self,
        registry: impl Into<String>,
    ) -> Result<RunOptions, super::CredentialsError> {
        let registry = registry.into();
        let credentials = match super::DockerConfig::load()? {
            Some(config) => config.credentials(&registry)?,
            None => None,
        };
        let options = self.push(registry);
        Ok(match credentials {
            Some(credentials) => options.push_credentials(credentials),
            None => options,
        })
    }

    /// The site's CA bundle, for images that trust it.
    pub fn site_ca(mut self, site: &SiteCa) -> RunOptions {
        self.site_ca = Some(site.clone());
        self
    }

    /// Where progress goes (default: one plain line each on stderr).
    pub fn on_progress(mut self, sink: impl Fn(&Progress) + Send + Sync + 'static) -> RunOptions {
        self.progress = Some(Arc::new(sink));
        self
    }

    /// How long each daemon has to answer when the run starts (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> RunOptions {
        self.connect_timeout = timeout;
        self
    }

    /// How often a daemon is pinged while it builds (default 5 s); two
    /// pings in a row without an answer within the liveness timeout make it
    /// lost, so a daemon that hangs with its connections open is noticed too.
    pub fn heartbeat(mut self, every: Duration) -> RunOptions {
        self.heartbeat = every.max(Duration::from_millis(100));
        self
    }

    /// How long a daemon has to answer a ping after an error before it is
    /// considered lost (default 3 s).
    pub fn liveness_timeout(mut self, timeout: Duration) -> RunOptions {
        self.liveness_timeout = timeout;
        self
    }
}

/// Where an image stands.
#[derive(Debug, Clone)]
enum Status {
    Pending,
    Running,
    Done { id: String, on: BTreeSet<usize> },
    Failed,
    NotBuilt,
}

struct State {
    status: Vec<Status>,
    attempts: Vec<u32>,
    results: Vec<Option<ImageResult>>,
    alive: Vec<bool>,
    lost: Vec<Option<String>>,
    built_on: Vec<usize>,
    transfers: Vec<usize>,
    moves: Vec<Move>,
    /// The index in `moves` of an image's move whose destination is not known yet.
    open_move: BTreeMap<usize, usize>,
    /// (parent, daemon) pairs being moved now.
    moving: BTreeSet<(usize, usize)>,
    done: usize,
}

struct Daemon {
    host: String,
    jobs: usize,
    engine: Option<Engine>,
}

struct Shared<'a> {
    catalogue: &'a Catalogue,
    graph: BuildGraph,
    daemons: Vec<Daemon>,
    state: Mutex<State>,
    options: &'a RunOptions,
    start: Instant,
}

/// What one attempt came to.
enum Attempt {
    /// The image exists on daemon `at` (built or found there), and on `on`.
    Done {
        row: Box<ImageResult>,
        id: String,
        at: usize,
        on: BTreeSet<usize>,
    },
    Failed(Box<ImageResult>),
    /// Try again: a daemon stopped answering (this one, or a parent's
    /// source: `Some`), or a parent is gone with the daemon that had it.
    Again {
        lost: Option<usize>,
        reason: String,
    },
}

/// Builds `catalogue` on `endpoints`: parents first, each image on a daemon
/// that has (or is given) its parents, `jobs` builds at a time per daemon.
///
/// An image that a daemon of the pool already has, tagged like it with the
/// same fingerprint ([`FINGERPRINT_LABEL`]: Dockerfile, context, build args,
/// target, parents' ids), is skipped: its row names that daemon (the one
/// whose worker looked, if it has it, else the first that does), its tests
/// and push run there, and no parent is moved for it; a child built on
/// another daemon gets it by save/load like any parent. A build that fails on a daemon that
/// still answers is reported failed and its descendants not built; one
/// whose daemon does not answer a ping within the liveness timeout moves,
/// with everything else of that daemon, to the daemons left (at most
/// [`RunOptions::max_attempts`] starts per image), and an image whose only
/// copy was there is built again where its children need it.
///
/// ```no_run
/// # async fn demo() -> Result<(), stagecraft::catalogue::CatalogueError> {
/// use stagecraft::catalogue::{build, Catalogue, Endpoint, RunOptions};
///
/// let catalogue = Catalogue::from_dir("images")?;
/// let report = build(&catalogue, &Endpoint::from_env(2)?, &RunOptions::new()).await?;
/// println!("{}", report.to_table());
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// The graph's errors ([`Catalogue::graph`]) and [`CatalogueError::NoDaemon`]
/// when no endpoint answers; everything that happens to an image is in the report.
pub async fn build(
    catalogue: &Catalogue,
    endpoints: &[Endpoint],
    options: &RunOptions,
) -> Result<CatalogueReport, CatalogueError> {
    let start = Instant::now();
    let graph = catalogue.graph()?;
    let connections = futures_util::future::join_all(endpoints.iter().map(|endpoint| {
        let connect = ConnectOptions::new()
            .host(endpoint.host.clone())
            .connect_timeout(options.connect_timeout);
        async move { Engine::connect_with(&connect).await }
    }))
    .await;
    let mut daemons = Vec::new();
    let mut lost = Vec::new();
    for (endpoint, connection) in endpoints.iter().zip(connections) {
        let (engine, why) = match connection {
            Ok(engine) => (Some(engine), None),
            Err(error) => (None, Some(error.to_string())),
        };
        daemons.push(Daemon {
            host: endpoint.host.clone(),
            jobs: endpoint.jobs,
            engine,
        });
        lost.push(why);
    }
    if daemons.iter().all(|daemon| daemon.engine.is_none()) {
        return Err(CatalogueError::NoDaemon {
            causes: lost.into_iter().flatten().collect(),
        });
    }
    let count = catalogue.len();
    let state = State {
        status: vec![Status::Pending; count],
        attempts: vec![0; count],
        results: vec![None; count],
        alive: daemons.iter().map(|d| d.engine.is_some()).collect(),
        lost,
        built_on: vec![0; daemons.len()],
        transfers: vec![0; daemons.len()],
        moves: Vec::new(),
        open_move: BTreeMap::new(),
        moving: BTreeSet::new(),
        done: 0,
    };
    let shared = Shared {
        catalogue,
        graph,
        daemons,
        state: Mutex::new(state),
        options,
        start,
    };
    let workers = shared
        .daemons
        .iter()
        .enumerate()
        .flat_map(|(index, daemon)| {
            let shared = &shared;
            (0..daemon.jobs).map(move |_| shared.worker(index))
        });
    futures_util::future::join_all(workers).await;
    Ok(shared.report())
}

impl Shared<'_> {
    fn emit(&self, progress: Progress) {
        match &self.options.progress {
            Some(sink) => sink(&progress),
            None => eprintln!("[{:6.1}s] {progress}", self.start.elapsed().as_secs_f64()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn worker(&self, daemon: usize) {
        while let Some(image) = self.next_job(daemon).await {
            let attempt = match self.watched(daemon, self.attempt(daemon, image)).await {
                Ok(attempt) => attempt,
                Err(reason) => Attempt::Again {
                    lost: Some(daemon),
                    reason,
                },
            };
            self.finish(daemon, image, attempt);
        }
    }

    /// The next image this daemon should build, waiting while others run;
    /// `None` when the daemon is lost or nothing is left it could build.
    async fn next_job(&self, daemon: usize) -> Option<usize> {
        loop {
            {
                let mut state = self.lock();
                if !state.alive[daemon] {
                    return None;
                }
                if let Some(image) = self.pick(&state, daemon) {
                    state.status[image] = Status::Running;
                    state.attempts[image] += 1;
                    if let Some(index) = state.open_move.remove(&image) {
                        state.moves[index].to = Some(self.daemons[daemon].host.clone());
                    }
                    let attempt = state.attempts[image];
                    drop(state);
                    self.emit(Progress::Started {
                        image: self.name(image).to_string(),
                        daemon: self.daemons[daemon].host.clone(),
                        attempt,
                    });
                    return Some(image);
                }
                let running = state
                    .status
                    .iter()
                    .any(|status| matches!(status, Status::Running));
                if !running {
                    self.give_up(&mut state);
                    return None;
                }
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// A pending image whose parents are all built on a daemon that
    /// answers; one whose parents are all on `daemon` first.
    fn pick(&self, state: &State, daemon: usize) -> Option<usize> {
        let mut ready = self.graph.order().iter().copied().filter(|&image| {
            matches!(state.status[image], Status::Pending)
                && self.graph.parents(image).iter().all(|&parent| {
                    matches!(&state.status[parent], Status::Done { on, .. }
                        if on.iter().any(|&d| state.alive[d]))
                })
        });
        let first = ready.next()?;
        let local = |image: usize| {
            self.graph.parents(image).iter().all(|&parent| {
                matches!(&state.status[parent], Status::Done { on, .. } if on.contains(&daemon))
            })
        };
        if local(first) {
            return Some(first);
        }
        Some(ready.find(|&image| local(image)).unwrap_or(first))
    }

    /// Nothing runs and nothing can start: what is left is not built.
    fn give_up(&self, state: &mut State) {
        let any_alive = state.alive.iter().any(|&alive| alive);
        for image in 0..state.status.len() {
            if matches!(state.status[image], Status::Pending) {
                let reason = if any_alive {
                    "a parent was not built".to_string()
                } else {
                    "no daemon of the pool answers any more".to_string()
                };
                state.status[image] = Status::NotBuilt;
                state.results[image] = Some(self.row(
                    image,
                    ImageStatus::NotBuilt { reason },
                    None,
                    0.0,
                    state.attempts[image],
                ));
            }
        }
    }

    fn name(&self, image: usize) -> &str {
        self.catalogue.images()[image].name()
    }

    fn row(
        &self,
        image: usize,
        status: ImageStatus,
        daemon: Option<usize>,
        seconds: f64,
        attempts: u32,
    ) -> ImageResult {
        let entry = &self.catalogue.images()[image];
        ImageResult {
            name: entry.name().to_string(),
            tags: entry.tags().to_vec(),
            status,
            daemon: daemon.map(|d| self.daemons[d].host.clone()),
            seconds,
            started: Some((self.start.elapsed().as_secs_f64() - seconds).max(0.0)),
            image_id: None,
            size: None,
            parent: self.graph.base(image).map(str::to_string),
            parent_size: None,
            smoke: None,
            serve: None,
            attempts,
            pushed: None,
        }
    }

    /// Whether `daemon` answers a ping in time.
    async fn answers(&self, daemon: usize) -> Result<(), String> {
        let Some(engine) = &self.daemons[daemon].engine else {
            return Err("never connected".into());
        };
        match tokio::time::timeout(self.options.liveness_timeout, engine.docker().ping()).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(error)) => Err(format!("ping failed: {error}")),
            Err(_) => Err(format!(
                "no answer to a ping within {:?}",
                self.options.liveness_timeout
            )),
        }
    }

    /// Runs `work` (one attempt: moving parents, building, measuring, the
    /// smoke test, the push) while pinging `daemon` every
    /// [`RunOptions::heartbeat`]; two missed pings in a row drop `work` (a
    /// daemon that hangs without closing its connections) and say why.
    async fn watched<F: std::future::Future>(
        &self,
        daemon: usize,
        work: F,
    ) -> Result<F::Output, String> {
        let watchdog = async {
            let mut missed = 0;
            loop {
                tokio::time::sleep(self.options.heartbeat).await;
                match self.answers(daemon).await {
                    Ok(()) => missed = 0,
                    Err(why) => {
                        missed += 1;
                        if missed >= 2 {
                            return format!(
                                "{why}, twice in a row while it was working on an image"
                            );
                        }
                    }
                }
            }
        };
        let work = std::pin::pin!(work);
        let watchdog = std::pin::pin!(watchdog);
        match futures_util::future::select(work, watchdog).await {
            futures_util::future::Either::Left((output, _)) => Ok(output),
            futures_util::future::Either::Right((why, _)) => Err(why),
        }
    }

    async fn attempt(&self, daemon: usize, image: usize) -> Attempt {
        let started = Instant::now();
        let engine = self.daemons[daemon]
            .engine
            .clone()
            .expect("only connected daemons have workers");
        let entry = &self.catalogue.images()[image];
        let attempts = self.lock().attempts[image];
        let failed = |error: String| {
            Attempt::Failed(Box::new(self.row(
                image,
                ImageStatus::Failed { error },
                Some(daemon),
                started.elapsed().as_secs_f64(),
                attempts,
            )))
        };

        // The fingerprint needs the parents' ids only, not the parents
        // here: an image found unchanged elsewhere moves no parent.
        let parent_ids = match self.parent_ids(image) {
            Ok(ids) => ids,
            Err(ParentError::Again { lost, reason }) => return Attempt::Again { lost, reason },
            Err(ParentError::Failed(error)) => return failed(error),
        };
        let text = entry.source().text();
        let context = match entry.context() {
            Some(dir) => match fingerprint::context_digest(dir) {
                Ok(digest) => Some(digest),
                Err(error) => return failed(error.to_string()),
            },
            None => None,
        };
        let ids: Vec<&str> = parent_ids.iter().map(String::as_str).collect();
        let print = fingerprint::fingerprint(
            &text,
            context.as_deref(),
            entry.build_args(),
            entry.target_stage(),
            &ids,
        );
        let tag = entry.primary_tag().expect("catalogue images have a tag");

        if !self.options.force {
            let holders = self.unchanged(daemon, tag, &print).await;
            // This daemon if it has it, else the first of the pool that does.
            let found = holders
                .iter()
                .find(|(at, _)| *at == daemon)
                .or_else(|| holders.first())
                .cloned();
            if let Some((at, id)) = found {
                let on = holders
                    .iter()
                    .filter(|(_, other)| *other == id)
                    .map(|(d, _)| *d)
                    .collect();
                return self
                    .complete(at, image, ImageStatus::Skipped, id, on, started, attempts)
                    .await;
            }
        }

        // An error on this daemon: a failure if it still answers, else lost.
        let judge = |error: String| async move {
            match self.answers(daemon).await {
                Ok(()) => failed(error),
                Err(why) => Attempt::Again {
                    lost: Some(daemon),
                    reason: format!("{why} (after: {})", first_line(&error)),
                },
            }
        };
        for &parent in self.graph.parents(image) {
            match self.ensure_parent(daemon, parent, &engine).await {
                Ok(_) => {}
                Err(ParentError::Again { lost, reason }) => return Attempt::Again { lost, reason },
                Err(ParentError::Failed(error)) => return judge(error).await,
            }
        }
        let options = match self.build_options(entry, &print) {
            Ok(options) => options,
            Err(error) => return failed(error.to_string()),
        };
        let built = match entry.source() {
            ImageSource::Model(dockerfile) => engine.build(dockerfile, &options).await,
            ImageSource::Text { text, .. } => engine.build_text(text, &options).await,
        };
        match built {
            Ok(outcome) => {
                let status = if outcome.fully_cached {
                    ImageStatus::Cached
                } else {
                    ImageStatus::Built
                };
                let on = BTreeSet::from([daemon]);
                self.complete(
                    daemon,
                    image,
                    status,
                    outcome.image_id,
                    on,
                    started,
                    attempts,
                )
                .await
            }
            Err(error) => judge(error.to_string()).await,
        }
    }

    /// The ids of `image`'s parents, which the scheduler started it after.
    fn parent_ids(&self, image: usize) -> Result<Vec<String>, ParentError> {
        let state = self.lock();
        self.graph
            .parents(image)
            .iter()
            .map(|&parent| match &state.status[parent] {
                Status::Done { id, .. } => Ok(id.clone()),
                _ => Err(ParentError::Again {
                    lost: None,
                    reason: format!("its parent {} is to be built again", self.name(parent)),
                }),
            })
            .collect()
    }

    /// Every daemon of the pool that answers and has an image tagged `tag`
    /// with fingerprint `print`, with that image's id; `daemon` (the one
    /// asking) first. Another daemon that does not answer the lookup within
    /// the liveness timeout counts as not having it.
    async fn unchanged(&self, daemon: usize, tag: &str, print: &str) -> Vec<(usize, String)> {
        let candidates: Vec<usize> = {
            let state = self.lock();
            std::iter::once(daemon)
                .chain((0..self.daemons.len()).filter(|&d| d != daemon))
                .filter(|&d| state.alive[d])
                .collect()
        };
        let lookups = candidates.into_iter().filter_map(|at| {
            let engine = self.daemons[at].engine.as_ref()?;
            Some(async move {
                let lookup = engine.docker().inspect_image(tag);
                let found = match tokio::time::timeout(self.options.liveness_timeout, lookup).await
                {
                    Ok(Ok(found)) => found,
                    _ => return None,
                };
                let label = found
                    .config
                    .as_ref()
                    .and_then(|config| config.labels.as_ref())
                    .and_then(|labels| labels.get(FINGERPRINT_LABEL));
                if label.map(String::as_str) == Some(print) {
                    found.id.map(|id| (at, id))
                } else {
                    None
                }
            })
        });
        futures_util::future::join_all(lookups)
            .await
            .into_iter()
            .flatten()
            .collect()
    }

    /// The rest of an attempt once the image exists on daemon `at` (built
    /// there, or found unchanged there): its size and its parent's, the
    /// smoke and server tests, the push.
    #[allow(clippy::too_many_arguments)]
    async fn complete(
        &self,
        at: usize,
        image: usize,
        status: ImageStatus,
        image_id: String,
        on: BTreeSet<usize>,
        started: Instant,
        attempts: u32,
    ) -> Attempt {
        let engine = self.daemons[at]
            .engine
            .clone()
            .expect("only connected daemons hold images");
        let entry = &self.catalogue.images()[image];
        let tag = entry.primary_tag().expect("catalogue images have a tag");
        // An error on `at`: a failure if it still answers, else lost.
        let judge = |error: String| async move {
            match self.answers(at).await {
                Ok(()) => Attempt::Failed(Box::new(self.row(
                    image,
                    ImageStatus::Failed { error },
                    Some(at),
                    started.elapsed().as_secs_f64(),
                    attempts,
                ))),
                Err(why) => Attempt::Again {
                    lost: Some(at),
                    reason: format!("{why} (after: {})", first_line(&error)),
                },
            }
        };

        let mut row = self.row(image, status, Some(at), 0.0, attempts);
        row.image_id = Some(image_id.clone());
        match engine.inspect(&image_id).await {
            Ok(report) => row.size = Some(report.size),
            Err(error) => return judge(error.to_string()).await,
        }
        row.parent_size = self.parent_size(image, &engine).await;
        if let Some(smoke) = entry.smoke_test() {
            let result = self.smoke(&engine, tag, smoke).await;
            // A smoke test that failed because its daemon went away says
            // nothing of the image: the image is built again elsewhere.
            if !result.passed {
                if let Err(why) = self.answers(at).await {
                    return Attempt::Again {
                        lost: Some(at),
                        reason: format!("{why} (after: {})", first_line(&result.detail)),
                    };
                }
            }
            row.smoke = Some(result);
        }
        if let Some(serve) = entry.serve_test() {
            let result = self.serve(&engine, tag, serve).await;
            if !result.passed {
                if let Err(why) = self.answers(at).await {
                    return Attempt::Again {
                        lost: Some(at),
                        reason: format!("{why} (after: {})", first_line(&result.detail)),
                    };
                }
            }
            row.serve = Some(result);
        }
        if let Some(registry) = &self.options.push {
            let passed = |test: &Option<SmokeResult>| test.as_ref().is_none_or(|test| test.passed);
            if passed(&row.smoke) && passed(&row.serve) {
                let reference = super::push::registry_reference(registry, tag);
                let credentials = self.options.push_credentials.as_ref();
                match super::push::push(&engine, &image_id, &reference, credentials).await {
                    Ok(digest) => row.pushed = Some(format!("{reference}@{digest}")),
                    Err(error) => return judge(error).await,
                }
            }
        }
        row.seconds = started.elapsed().as_secs_f64();
        row.started = Some(started.duration_since(self.start).as_secs_f64());
        Attempt::Done {
            row: Box::new(row),
            id: image_id,
            at,
            on,
        }
    }

    fn build_options(
        &self,
        entry: &CatalogueImage,
        print: &str,
    ) -> Result<BuildOptions, CatalogueError> {
        let mut options = BuildOptions::new()
            .quiet()
            .no_cache(self.options.no_cache)
            .label(FINGERPRINT_LABEL, print);
        for tag in entry.tags() {
            options = options.tag(tag.clone());
        }
        for (name, value) in entry.build_args() {
            options = options.build_arg(name.clone(), value.clone());
        }
        if let Some(target) = entry.target_stage() {
            options = options.target(target);
        }
        if let Some(id) = &self.options.run_label {
            options = options.run_label(id.clone());
        }
        if let Some(site) = &self.options.site_ca {
            options = options.site_ca(site);
        }
        if let Some(dir) = entry.context() {
            for (relative, path) in fingerprint::context_files(dir)? {
                options = options.context_file(path, relative);
            }
        }
        Ok(options)
    }

    /// The size of the image the built stage starts from.
    async fn parent_size(&self, image: usize, engine: &Engine) -> Option<u64> {
        let base = self.graph.base(image)?;
        engine.inspect(base).await.ok().map(|report| report.size)
    }

    async fn smoke(&self, engine: &Engine, tag: &str, smoke: &super::Smoke) -> SmokeResult {
        let mut test = SmokeTest::new(tag)
            .expect_exit(smoke.exit_code)
            .timeout(Duration::from_secs(smoke.timeout_secs.unwrap_or(60)));
        if !smoke.args.is_empty() {
            test = test.args(smoke.args.clone());
        }
        if let Some(text) = &smoke.stdout_contains {
            test = test.expect_stdout_contains(text.clone());
        }
        if let Some(id) = &self.options.run_label {
            test = test.run_label(id.clone());
        }
        match engine.smoke(&test).await {
            Ok(outcome) => SmokeResult {
                passed: true,
                detail: first_line(&outcome.stdout).to_string(),
            },
            Err(error) => SmokeResult {
                passed: false,
                detail: error.to_string(),
            },
        }
    }

    async fn serve(&self, engine: &Engine, tag: &str, serve: &super::Serve) -> SmokeResult {
        let mut test = serve.to_test(tag);
        if let Some(id) = &self.options.run_label {
            test = test.run_label(id.clone());
        }
        match engine.serve_test(&test).await {
            Ok(outcome) => SmokeResult {
                passed: true,
                detail: format!(
                    "{} after {:.1}s; {}",
                    outcome.ready,
                    outcome.ready_after.as_secs_f64(),
                    outcome.probe
                ),
            },
            Err(error) => SmokeResult {
                passed: false,
                detail: error.to_string(),
            },
        }
    }

    /// Makes sure `daemon` has catalogue image `parent`: already there (by
    /// id), or exported from a daemon that has it and loaded.
    async fn ensure_parent(
        &self,
        daemon: usize,
        parent: usize,
        engine: &Engine,
    ) -> Result<String, ParentError> {
        // One move of a parent to a daemon at a time: another worker of that
        // daemon that needs it too waits, then finds it there.
        loop {
            if self.lock().moving.insert((parent, daemon)) {
                break;
            }
            tokio::time::sleep(POLL).await;
        }
        let _moving = Moving {
            shared: self,
            key: (parent, daemon),
        };
        self.ensure_parent_once(daemon, parent, engine).await
    }

    async fn ensure_parent_once(
        &self,
        daemon: usize,
        parent: usize,
        engine: &Engine,
    ) -> Result<String, ParentError> {
        let (id, sources) = {
            let state = self.lock();
            match &state.status[parent] {
                Status::Done { id, on } => (
                    id.clone(),
                    on.iter()
                        .copied()
                        .filter(|&d| state.alive[d])
                        .collect::<Vec<_>>(),
                ),
                _ => {
                    return Err(ParentError::Again {
                        lost: None,
                        reason: format!("its parent {} is to be built again", self.name(parent)),
                    })
                }
            }
        };
        if sources.contains(&daemon) {
            return Ok(id);
        }
        let tag = self.catalogue.images()[parent]
            .primary_tag()
            .expect("catalogue images have a tag");
        // The same daemon behind two addresses, or built there before.
        if let Ok(found) = engine.docker().inspect_image(tag).await {
            if found.id.as_deref() == Some(id.as_str()) {
                self.located(parent, daemon);
                return Ok(id);
            }
        }
        // A run that pushes moves a pushed parent through the registry: one
        // push, and each daemon pulls only the layers it lacks.
        let pushed = self.lock().results[parent]
            .as_ref()
            .and_then(|row| row.pushed.clone());
        if let Some(pushed) = pushed {
            let started = Instant::now();
            let credentials = self.options.push_credentials.as_ref();
            match super::push::pull_as(engine, &pushed, tag, credentials).await {
                Ok((pulled, reference)) if pulled == id => {
                    self.located(parent, daemon);
                    self.lock().transfers[daemon] += 1;
                    self.emit(Progress::Pulled {
                        image: self.name(parent).to_string(),
                        reference,
                        to: self.daemons[daemon].host.clone(),
                        seconds: started.elapsed().as_secs_f64(),
                    });
                    return Ok(id);
                }
                Ok((other, _)) => self.emit(Progress::PullFailed {
                    image: self.name(parent).to_string(),
                    to: self.daemons[daemon].host.clone(),
                    error: format!("it pulled as {other}, not {id}"),
                }),
                Err(error) => self.emit(Progress::PullFailed {
                    image: self.name(parent).to_string(),
                    to: self.daemons[daemon].host.clone(),
                    error,
                }),
            }
        }
        let Some(&source) = sources.first() else {
            return Err(ParentError::Again {
                lost: None,
                reason: format!(
                    "no daemon that answers has its parent {}",
                    self.name(parent)
                ),
            });
        };
        let from = self.daemons[source]
            .engine
            .as_ref()
            .expect("alive daemons are connected");
        let started = Instant::now();
        match transfer_image(from, engine, tag).await {
            Ok(_) => {}
            Err(error @ TransferError::Save { .. }) => {
                return Err(match self.answers(source).await {
                    Ok(()) => ParentError::Failed(error.to_string()),
                    Err(why) => ParentError::Again {
                        lost: Some(source),
                        reason: why,
                    },
                })
            }
            Err(error) => return Err(ParentError::Failed(error.to_string())),
        }
        self.located(parent, daemon);
        self.lock().transfers[daemon] += 1;
        self.emit(Progress::Transferred {
            image: self.name(parent).to_string(),
            from: self.daemons[source].host.clone(),
            to: self.daemons[daemon].host.clone(),
            seconds: started.elapsed().as_secs_f64(),
        });
        Ok(id)
    }

    fn located(&self, image: usize, daemon: usize) {
        if let Status::Done { on, .. } = &mut self.lock().status[image] {
            on.insert(daemon);
        }
    }

    fn finish(&self, daemon: usize, image: usize, attempt: Attempt) {
        let mut lines = Vec::new();
        {
            let mut state = self.lock();
            match attempt {
                Attempt::Done { row, id, at, on } => {
                    state.status[image] = Status::Done { id, on };
                    state.built_on[at] += 1;
                    state.done += 1;
                    lines.push(self.finished_line(&state, &row, at));
                    state.results[image] = Some(*row);
                }
                Attempt::Failed(row) => {
                    state.status[image] = Status::Failed;
                    state.done += 1;
                    lines.push(self.finished_line(&state, &row, daemon));
                    state.results[image] = Some(*row);
                    for child in self.graph.descendants(image) {
                        if matches!(state.status[child], Status::Pending) {
                            state.status[child] = Status::NotBuilt;
                            state.done += 1;
                            let reason = format!("its parent {} failed", self.name(image));
                            state.results[child] = Some(self.row(
                                child,
                                ImageStatus::NotBuilt { reason },
                                None,
                                0.0,
                                state.attempts[child],
                            ));
                        }
                    }
                }
                Attempt::Again { lost, reason } => {
                    let why = match lost {
                        Some(lost) => {
                            if state.alive[lost] {
                                state.alive[lost] = false;
                                state.lost[lost] = Some(reason.clone());
                                lines.push(Progress::DaemonLost {
                                    daemon: self.daemons[lost].host.clone(),
                                    reason: reason.clone(),
                                });
                                lines.extend(self.orphans(&mut state, lost));
                            }
                            format!(
                                "daemon {} stopped answering: {reason}",
                                self.daemons[lost].host
                            )
                        }
                        None => reason,
                    };
                    let host = self.daemons[daemon].host.clone();
                    if state.attempts[image] >= self.options.max_attempts {
                        let error = format!(
                            "gave up after {} attempts; the last, on {host}: {why}",
                            state.attempts[image]
                        );
                        let row = self.row(
                            image,
                            ImageStatus::Failed { error },
                            Some(daemon),
                            0.0,
                            state.attempts[image],
                        );
                        state.status[image] = Status::Failed;
                        state.done += 1;
                        lines.push(self.finished_line(&state, &row, daemon));
                        state.results[image] = Some(row);
                    } else {
                        state.status[image] = Status::Pending;
                        let index = state.moves.len();
                        state.moves.push(Move {
                            image: self.name(image).to_string(),
                            from: host,
                            to: None,
                            reason: why.clone(),
                        });
                        state.open_move.insert(image, index);
                        lines.push(Progress::Requeued {
                            image: self.name(image).to_string(),
                            reason: why,
                        });
                    }
                }
            }
        }
        for line in lines {
            self.emit(line);
        }
    }

    /// Images whose only copies were on `lost` and that a child still
    /// needs go back in the queue, to be built again elsewhere.
    fn orphans(&self, state: &mut State, lost: usize) -> Vec<Progress> {
        let mut lines = Vec::new();
        for image in 0..state.status.len() {
            let Status::Done { on, .. } = &state.status[image] else {
                continue;
            };
            if on.iter().any(|&d| state.alive[d]) {
                continue;
            }
            let needed = self
                .graph
                .descendants(image)
                .into_iter()
                .any(|child| matches!(state.status[child], Status::Pending | Status::Running));
            if !needed {
                continue;
            }
            state.status[image] = Status::Pending;
            state.done -= 1;
            state.results[image] = None;
            let reason = format!(
                "its only copy was on {}, which stopped answering, and a child needs it",
                self.daemons[lost].host
            );
            let index = state.moves.len();
            state.moves.push(Move {
                image: self.name(image).to_string(),
                from: self.daemons[lost].host.clone(),
                to: None,
                reason: reason.clone(),
            });
            state.open_move.insert(image, index);
            lines.push(Progress::Requeued {
                image: self.name(image).to_string(),
                reason,
            });
        }
        lines
    }

    fn finished_line(&self, state: &State, row: &ImageResult, daemon: usize) -> Progress {
        Progress::Finished {
            image: row.name.clone(),
            daemon: self.daemons[daemon].host.clone(),
            status: row.status.clone(),
            seconds: row.seconds,
            done: state.done,
            total: self.catalogue.len(),
        }
    }

    fn report(&self) -> CatalogueReport {
        let mut state = self.lock();
        self.give_up(&mut state);
        let images = self
            .graph
            .order()
            .iter()
            .map(|&image| {
                state.results[image].clone().unwrap_or_else(|| {
                    self.row(
                        image,
                        ImageStatus::NotBuilt {
                            reason: "never started".into(),
                        },
                        None,
                        0.0,
                        state.attempts[image],
                    )
                })
            })
            .collect();
        let daemons = self
            .daemons
            .iter()
            .enumerate()
            .map(|(index, daemon)| DaemonSummary {
                host: daemon.host.clone(),
                jobs: daemon.jobs,
                images: state.built_on[index],
                transfers: state.transfers[index],
                lost: state.lost[index].clone(),
            })
            .collect();
        CatalogueReport::new(
            images,
            state.moves.clone(),
            daemons,
            self.start.elapsed().as_secs_f64(),
        )
    }
}

/// A parent being moved to a daemon (see [`Shared::ensure_parent`]), until
/// dropped: also when the attempt is dropped by the heartbeat.
struct Moving<'s, 'a> {
    shared: &'s Shared<'a>,
    key: (usize, usize),
}

impl Drop for Moving<'_, '_> {
    fn drop(&mut self) {
        self.shared.lock().moving.remove(&self.key);
    }
}

enum ParentError {
    Again { lost: Option<usize>, reason: String },
    Failed(String),
}

fn first_line(text: &str) -> &str {
    text.lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("")
}
