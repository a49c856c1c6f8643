//! `Engine::build`: options, outcome, and the streamed classic build.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bollard::query_parameters::{BuildImageOptionsBuilder, TagImageOptionsBuilder};
use futures_util::StreamExt;

use super::builder::{self, BuildKitSupport, Builder, SecretSource};
use super::context::{self, Entry, Source};
use super::error::{BuildFailure, EngineError, StageId};
use super::progress::{Display, LineBuffer, Sink, Tail};
use super::steps::{self, StepKind, Tracker};
use super::{Engine, RUN_LABEL};
use crate::image_ref::ImageRef;
use crate::model::{literal, quoted_text, Instruction, KeyValue};
use crate::site_ca::{self, SiteCa};
use crate::Dockerfile;

/// How many lines of output a [`BuildFailure`] keeps.
const TAIL_LINES: usize = 20;

/// How long a build may go without any message from the daemon, by default.
pub const DEFAULT_PROGRESS_DEADLINE: Duration = Duration::from_secs(30 * 60);

/// When base images are pulled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum PullPolicy {
    /// Use a local base image; pull only one that is missing (Docker's default).
    #[default]
    Missing,
    /// Always try to pull a newer base image (`docker build --pull`).
    Always,
}

/// How a build shows its progress on stderr.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgressMode {
    /// A progress bar when stderr is a terminal and `CI` is not set, else plain lines.
    #[default]
    Auto,
    /// A progress bar with the current `Step N/M`.
    Bar,
    /// Every output line, prefixed with the UTC time and the seconds since the start.
    Plain,
    /// Nothing (the output is still kept for a failure's log tail).
    Quiet,
}

/// What to build and how: the typed form of `docker build`'s options.
///
/// ```
/// use stagecraft::engine::{BuildOptions, PullPolicy};
///
/// let options = BuildOptions::new()
///     .target("build")
///     .tag("fortune:build")
///     .build_arg("DEBIAN_FRONTEND", "noninteractive")
///     .label("org.opencontainers.image.title", "fortune")
///     .pull(PullPolicy::Missing)
///     .context_file("fortunes/extra", "extra")
///     .quiet();
/// assert_eq!(options.tags(), ["fortune:build"]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub(super) builder: Builder,
    pub(super) secrets: BTreeMap<String, SecretSource>,
    pub(super) ssh_agent: bool,
    pub(super) progress_deadline: Option<Duration>,
    pub(super) sink: Sink,
    pub(super) target: Option<String>,
    pub(super) tags: Vec<String>,
    pub(super) build_args: BTreeMap<String, String>,
    pub(super) labels: BTreeMap<String, String>,
    pub(super) platform: Option<String>,
    pub(super) no_cache: bool,
    pub(super) pull: PullPolicy,
    pub(super) context: Vec<(String, Source)>,
    pub(super) run_label: Option<String>,
    pub(super) progress: ProgressMode,
    pub(super) site_ca: Option<SiteCa>,
}

impl BuildOptions {
    /// No target (the last stage), no tag, the cache used, progress shown,
    /// BuildKit when the daemon has it ([`Builder::Auto`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Which builder gets the build (default [`Builder::Auto`]).
    pub fn builder(mut self, builder: Builder) -> Self {
        self.builder = builder;
        self
    }

    /// The builder asked for.
    pub fn builder_choice(&self) -> Builder {
        self.builder
    }

    /// A secret for `RUN --mount=type=secret,id=<id>` (BuildKit only): its
    /// value is read from the host when the step runs and is kept in no
    /// layer, no image configuration, no history and no log this library
    /// prints (lines holding it are shown with `***`). A second call with
    /// the same id replaces the first.
    pub fn secret(mut self, id: impl Into<String>, source: SecretSource) -> Self {
        self.secrets.insert(id.into(), source);
        self
    }

    /// The ids of the secrets given, in order.
    pub fn secret_ids(&self) -> Vec<&str> {
        self.secrets.keys().map(String::as_str).collect()
    }

    /// Forwards the SSH agent of `SSH_AUTH_SOCK` for `RUN --mount=type=ssh`
    /// (BuildKit only).
    pub fn ssh_agent(mut self, forward: bool) -> Self {
        self.ssh_agent = forward;
        self
    }

    /// How long the build may go without any message from the daemon before
    /// it is given up as stalled ([`EngineError::ProgressStalled`]); default
    /// [`DEFAULT_PROGRESS_DEADLINE`]. A step that prints nothing for longer
    /// (a long silent compile) needs a larger one.
    pub fn progress_deadline(mut self, deadline: Duration) -> Self {
        self.progress_deadline = Some(deadline);
        self
    }

    /// Plain progress lines ([`ProgressMode::Plain`], or `Auto` outside a
    /// terminal) go to `writer` instead of stderr, e.g. to keep a build log.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use stagecraft::engine::{BuildOptions, ProgressMode};
    ///
    /// let log = Arc::new(Mutex::new(Vec::<u8>::new()));
    /// let options = BuildOptions::new()
    ///     .progress(ProgressMode::Plain)
    ///     .progress_writer(log.clone());
    /// # let _ = options;
    /// ```
    pub fn progress_writer(
        mut self,
        writer: std::sync::Arc<std::sync::Mutex<dyn std::io::Write + Send>>,
    ) -> Self {
        self.sink = Sink(Some(writer));
        self
    }

    /// Builds up to this stage (`--target`); checked against the
    /// Dockerfile's aliases before anything is sent.
    pub fn target(mut self, alias: impl Into<String>) -> Self {
        self.target = Some(alias.into());
        self
    }

    /// Tags the image (`-t`); may be given several times.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// A build argument (`--build-arg NAME=value`).
    pub fn build_arg(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.build_args.insert(name.into(), value.into());
        self
    }

    /// A label on the final image (`--label key=value`). The classic
    /// builder adds one `LABEL` step per label at the end.
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    /// The platform to build for (`--platform os/arch`).
    pub fn platform(mut self, platform: impl Into<String>) -> Self {
        self.platform = Some(platform.into());
        self
    }

    /// Ignore the build cache (`--no-cache`).
    pub fn no_cache(mut self, no_cache: bool) -> Self {
        self.no_cache = no_cache;
        self
    }

    /// When to pull base images.
    pub fn pull(mut self, policy: PullPolicy) -> Self {
        self.pull = policy;
        self
    }

    /// Puts a host file or directory (recursively) into the build context at
    /// `context_path` (relative, no `..`), for `COPY`/`ADD` to use. Nothing
    /// else of the host goes into the context.
    pub fn context_file(
        mut self,
        host_path: impl Into<PathBuf>,
        context_path: impl Into<String>,
    ) -> Self {
        self.context
            .push((context_path.into(), Source::Host(host_path.into())));
        self
    }

    /// Puts bytes into the build context at `context_path`, with Unix `mode`.
    pub fn context_data(
        mut self,
        context_path: impl Into<String>,
        data: impl Into<Vec<u8>>,
        mode: u32,
    ) -> Self {
        self.context.push((
            context_path.into(),
            Source::Bytes {
                data: data.into(),
                mode,
            },
        ));
        self
    }

    /// Puts the site's CA bundle into the build context at
    /// [`site_ca::CONTEXT_PATH`], for the stages that
    /// [`trust_site_ca`](crate::StageBuilder::trust_site_ca). Harmless for a
    /// Dockerfile that does not use it (the file is sent, nothing copies
    /// it); [`Engine::build`] refuses one that does when this is not given.
    /// A second call replaces the first.
    ///
    /// ```
    /// use stagecraft::engine::BuildOptions;
    /// use stagecraft::site_ca::SiteCa;
    ///
    /// let mut options = BuildOptions::new().tag("app:build");
    /// if let Some(site) = SiteCa::from_env()? {
    ///     options = options.site_ca(&site);
    /// }
    /// # Ok::<(), stagecraft::site_ca::SiteCaError>(())
    /// ```
    pub fn site_ca(mut self, site: &SiteCa) -> Self {
        self.site_ca = Some(site.clone());
        self
    }

    /// The site CA bundle given with [`BuildOptions::site_ca`].
    pub fn site_ca_bundle(&self) -> Option<&SiteCa> {
        self.site_ca.as_ref()
    }

    /// Labels every image this build makes, each stage's included, with
    /// `stagecraft.run=<id>` ([`RUN_LABEL`]), so that
    /// [`Engine::cleanup`]`(id)`, given the same id, removes them all. A `LABEL` line is added at
    /// the end of every stage of the Dockerfile sent.
    pub fn run_label(mut self, id: impl Into<String>) -> Self {
        self.run_label = Some(id.into());
        self
    }

    /// How progress is shown (default [`ProgressMode::Auto`]).
    pub fn progress(mut self, mode: ProgressMode) -> Self {
        self.progress = mode;
        self
    }

    /// Shows no progress: same as `progress(ProgressMode::Quiet)`.
    pub fn quiet(self) -> Self {
        self.progress(ProgressMode::Quiet)
    }

    /// The tags asked for.
    pub fn tags(&self) -> &[String] {
        &self.tags
    }
}

/// One step as the build went.
///
/// The classic builder numbers the whole Dockerfile (`Step N/M`); BuildKit
/// numbers each stage (`[build N/M]`), and reports only the steps it ran
/// or found cached (not `ENV`, `LABEL`, `CMD` and the like).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StepRecord {
    /// `N` of `Step N/M`.
    pub number: usize,
    /// `M` of `Step N/M`.
    pub total: usize,
    /// The stage it belongs to (`None` for a global `ARG`).
    pub stage: Option<StageId>,
    /// The instruction's text.
    pub instruction: String,
    /// It reported `---> Using cache`.
    pub cached: bool,
}

/// A successful build.
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct BuildOutcome {
    /// The builder that built it ([`Builder::BuildKit`] or [`Builder::Classic`]).
    pub builder: Builder,
    /// The final image's id (`sha256:...`).
    pub image_id: String,
    /// The image of each stage built, in order; the last is [`Self::image_id`].
    /// The classic builder makes one per stage; BuildKit makes only the
    /// final one (build a stage as the `target` for its image).
    pub stage_images: Vec<String>,
    /// The tags given to it.
    pub tags: Vec<String>,
    /// Every instruction step came from the cache: nothing ran.
    pub fully_cached: bool,
    /// The steps, as reported.
    pub steps: Vec<StepRecord>,
    /// Wall time, context upload included.
    pub duration: Duration,
    /// The Dockerfile text that was sent.
    pub dockerfile: String,
}

/// The Dockerfile text to send: `dockerfile` rendered, with the run label
/// at the end of every stage when asked for.
fn text_to_send(dockerfile: &Dockerfile, run_label: Option<&str>) -> Result<String, EngineError> {
    let Some(id) = run_label else {
        return Ok(dockerfile.render());
    };
    let mut stages = dockerfile.stages().to_vec();
    for stage in &mut stages {
        stage
            .instructions
            .push(Instruction::Label(vec![KeyValue::new(
                RUN_LABEL,
                literal(id),
            )]));
    }
    Dockerfile::from_parts(dockerfile.args().to_vec(), stages)
        .map(|labelled| labelled.render())
        .map_err(|errors| EngineError::InvalidOption(format!("run label {id:?}: {errors}")))
}

/// `text` with `LABEL <RUN_LABEL>="<id>"` at the end of every stage: before
/// each `FROM` after the first, and at the end.
fn labelled_text(
    text: &str,
    parsed: &stagecraft_rules::dockerfile::Dockerfile,
    id: &str,
) -> String {
    // The id as a word Docker reads back unchanged (quotes, `$`, backslashes).
    let label = format!(
        "LABEL {RUN_LABEL}={}\n",
        quoted_text(&literal(id), parsed.escape)
    );
    let starts: Vec<usize> = parsed
        .stages
        .iter()
        .skip(1)
        .map(|stage| stage.line)
        .collect();
    let mut out = String::with_capacity(text.len() + label.len() * (starts.len() + 1));
    for (index, line) in text.split_inclusive('\n').enumerate() {
        if starts.contains(&(index + 1)) {
            out.push_str(&label);
        }
        out.push_str(line);
    }
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&label);
    out
}

/// The declared context entries, checked, the site CA bundle last.
fn context_entries(options: &BuildOptions) -> Result<Vec<Entry>, EngineError> {
    let mut entries = Vec::with_capacity(options.context.len());
    for (context_path, source) in &options.context {
        let shown = match source {
            Source::Host(path) => path.display().to_string(),
            Source::Bytes { .. } => "<bytes>".to_string(),
        };
        let context_path = context::normalize(context_path, &shown)?;
        if entries
            .iter()
            .any(|e: &Entry| e.context_path == context_path)
        {
            return Err(EngineError::Context {
                host_path: shown,
                context_path,
                reason: "declared twice".to_string(),
            });
        }
        entries.push(Entry {
            context_path,
            source: source.clone(),
        });
    }
    if let Some(site) = &options.site_ca {
        let context_path = site_ca::CONTEXT_PATH.to_string();
        if entries.iter().any(|e| e.context_path == context_path) {
            return Err(EngineError::Context {
                host_path: site.path().display().to_string(),
                context_path,
                reason: "declared twice: by `BuildOptions::site_ca` and as a context file"
                    .to_string(),
            });
        }
        entries.push(Entry {
            context_path,
            source: Source::Bytes {
                data: site.pem().to_vec(),
                mode: 0o644,
            },
        });
    }
    Ok(entries)
}

/// A Dockerfile whose built stages (up to the target) trust the site CA
/// needs the bundle in the context: from [`BuildOptions::site_ca`], or a
/// context entry at [`site_ca::CONTEXT_PATH`].
fn check_site_ca(dockerfile: &Dockerfile, options: &BuildOptions) -> Result<(), EngineError> {
    let stages = dockerfile
        .stages()
        .iter()
        .enumerate()
        .map(|(index, stage)| (index, stage.alias.as_deref(), site_ca::trusts(stage)));
    require_site_ca(options, stages)
}

/// [`check_site_ca`] for Dockerfile text: a stage trusts the site CA when
/// it copies [`site_ca::CONTEXT_PATH`] from the context.
fn check_site_ca_text(
    parsed: &stagecraft_rules::dockerfile::Dockerfile,
    options: &BuildOptions,
) -> Result<(), EngineError> {
    use stagecraft_rules::dockerfile::InstructionKind;
    let stages = parsed.stages.iter().enumerate().map(|(index, stage)| {
        let trusts = stage.instructions.iter().any(|instruction| {
            matches!(&instruction.kind, InstructionKind::Copy(copy)
            if copy.from.is_none()
                && copy.sources.iter().any(|source| {
                    source.trim_start_matches("./") == site_ca::CONTEXT_PATH
                }))
        });
        (index, stage.from.alias.as_deref(), trusts)
    });
    require_site_ca(options, stages)
}

/// The check itself, over (index, alias, trusts) of every stage in order:
/// the stages after the target are not built, so they do not count.
fn require_site_ca<'a>(
    options: &BuildOptions,
    stages: impl Iterator<Item = (usize, Option<&'a str>, bool)>,
) -> Result<(), EngineError> {
    if options.site_ca.is_some() {
        return Ok(());
    }
    let declared = options
        .context
        .iter()
        .any(|(path, _)| context::normalize(path, "").is_ok_and(|p| p == site_ca::CONTEXT_PATH));
    if declared {
        return Ok(());
    }
    let mut trusting = Vec::new();
    for (index, alias, trusts) in stages {
        if trusts {
            trusting.push(alias.map_or_else(|| format!("#{index}"), str::to_string));
        }
        let is_target = match (&options.target, alias) {
            (Some(target), Some(alias)) => alias.eq_ignore_ascii_case(target),
            _ => false,
        };
        if is_target {
            break;
        }
    }
    if trusting.is_empty() {
        Ok(())
    } else {
        Err(EngineError::SiteCaMissing { stages: trusting })
    }
}

fn check_map(kind: &str, map: &BTreeMap<String, String>) -> Result<(), EngineError> {
    for (key, value) in map {
        if key.is_empty() || key.contains(['=', '\n', '\0']) || value.contains('\0') {
            return Err(EngineError::InvalidOption(format!(
                "{kind} {key:?}={value:?}: names must be non-empty without `=`, newlines or NUL"
            )));
        }
    }
    Ok(())
}

/// `repo:tag` of a tag option, checked.
fn split_tag(tag: &str) -> Result<(String, String), EngineError> {
    let reference = ImageRef::parse(tag)
        .map_err(|error| EngineError::InvalidOption(format!("tag {tag:?}: {error}")))?;
    if reference.digest().is_some() {
        return Err(EngineError::InvalidOption(format!(
            "tag {tag:?}: a tag cannot have a digest"
        )));
    }
    Ok((
        reference.name(),
        reference.tag().unwrap_or("latest").to_string(),
    ))
}

impl Engine {
    /// Builds `dockerfile` with the classic builder and returns the image id.
    ///
    /// The context holds the rendered Dockerfile and exactly the files
    /// declared in `options`. Progress goes to stderr as `options` says.
    /// A build whose every instruction came from the cache says so in
    /// [`BuildOutcome::fully_cached`].
    ///
    /// # Errors
    ///
    /// * [`EngineError::UnknownTarget`], [`EngineError::Context`],
    ///   [`EngineError::InvalidOption`] before anything is sent;
    /// * [`EngineError::SiteCaMissing`] before anything is sent, when a
    ///   stage the build reaches calls
    ///   [`trust_site_ca`](crate::StageBuilder::trust_site_ca) and the
    ///   options have no [`BuildOptions::site_ca`];
    /// * [`EngineError::BuildFailed`] when the daemon refuses the build or a
    ///   step fails: the [`BuildFailure`] names the step, stage and
    ///   instruction and has the last lines of output. The intermediate
    ///   containers and images the failed build made are removed first.
    ///
    /// ```no_run
    /// # async fn demo(engine: stagecraft::engine::Engine) -> Result<(), Box<dyn std::error::Error>> {
    /// use stagecraft::engine::{BuildOptions, EngineError};
    /// use stagecraft::{run, Dockerfile};
    ///
    /// let mut df = Dockerfile::builder();
    /// df.stage("check", "debian:bookworm-slim").run(run!("test -e /nonexistent"));
    /// match engine.build(&df.build()?, &BuildOptions::new().quiet()).await {
    ///     Err(EngineError::BuildFailed(failure)) => {
    ///         assert_eq!(failure.stage.as_ref().unwrap().alias.as_deref(), Some("check"));
    ///         eprintln!("{failure}");
    ///     }
    ///     other => panic!("expected a failure, got {other:?}"),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn build(
        &self,
        dockerfile: &Dockerfile,
        options: &BuildOptions,
    ) -> Result<BuildOutcome, EngineError> {
        let start = Instant::now();
        if let Some(target) = &options.target {
            if dockerfile.stage(target).is_none() {
                return Err(EngineError::UnknownTarget {
                    target: target.clone(),
                    available: dockerfile
                        .stages()
                        .iter()
                        .filter_map(|stage| stage.alias.clone())
                        .collect(),
                });
            }
        }
        check_site_ca(dockerfile, options)?;
        let text = text_to_send(dockerfile, options.run_label.as_deref())?;
        self.build_rendered(text, options, start).await
    }

    /// Builds Dockerfile **text** as written, without the model's checks:
    /// for measuring the images stagecraft refuses to write, such as the
    /// workshop's naive ones (a lone `apt-get update`, caches left in
    /// layers). Everything else is as for [`Engine::build`]: the same
    /// options, progress, failure report and clean-up; a run label
    /// ([`BuildOptions::run_label`]) is added as a `LABEL` line at the end
    /// of every stage, so cleaning up by label also finds the stage images.
    ///
    /// The text is parsed first (with the parser `stagecraft lint` uses),
    /// so a malformed file or an unknown target is reported before anything
    /// is sent: [`EngineError::DockerfileText`] with the line, or
    /// [`EngineError::UnknownTarget`]; so is a `COPY stagecraft-site-ca.pem`
    /// without [`BuildOptions::site_ca`] ([`EngineError::SiteCaMissing`]).
    ///
    /// ```no_run
    /// # async fn demo(engine: stagecraft::engine::Engine) -> Result<(), Box<dyn std::error::Error>> {
    /// use stagecraft::engine::BuildOptions;
    ///
    /// // What the model would refuse (SCR002: the lists stay in a layer of their own).
    /// let naive = "FROM debian:bookworm-slim\nRUN apt-get update\nRUN apt-get install -y fortune-mod\n";
    /// let built = engine.build_text(naive, &BuildOptions::new().tag("fortune:naive")).await?;
    /// println!("{}", built.image_id);
    /// # Ok(()) }
    /// ```
    pub async fn build_text(
        &self,
        text: &str,
        options: &BuildOptions,
    ) -> Result<BuildOutcome, EngineError> {
        let start = Instant::now();
        let parsed = stagecraft_rules::dockerfile::Dockerfile::parse(text).map_err(|error| {
            EngineError::DockerfileText {
                line: error.line,
                message: error.kind.to_string(),
            }
        })?;
        if let Some(target) = &options.target {
            if parsed.stage_index(target).is_none() {
                return Err(EngineError::UnknownTarget {
                    target: target.clone(),
                    available: parsed
                        .stages
                        .iter()
                        .filter_map(|stage| stage.from.alias.clone())
                        .collect(),
                });
            }
        }
        check_site_ca_text(&parsed, options)?;
        let text = match options.run_label.as_deref() {
            Some(id) => labelled_text(text, &parsed, id),
            None => text.to_string(),
        };
        self.build_rendered(text, options, start).await
    }

    /// The build of `text`, which is final: what [`Engine::build`] and
    /// [`Engine::build_text`] share after their checks.
    async fn build_rendered(
        &self,
        text: String,
        options: &BuildOptions,
        start: Instant,
    ) -> Result<BuildOutcome, EngineError> {
        check_map("build argument", &options.build_args)?;
        check_map("label", &options.labels)?;
        let tags = options
            .tags
            .iter()
            .map(|tag| split_tag(tag))
            .collect::<Result<Vec<_>, _>>()?;
        let parsed = stagecraft_rules::dockerfile::Dockerfile::parse(&text).ok();
        let chosen = self.choose_builder(options, parsed.as_ref()).await?;
        if let Some(parsed) = &parsed {
            self.check_base_images(parsed, options).await?;
        }
        let table = steps::step_table(&text);
        let mut attempts = 0;
        let mut uncached;
        let mut options = options;
        loop {
            attempts += 1;
            let entries = context_entries(options)?;
            let archive = context::Context::new(&text, entries);
            let plan = Plan {
                text: text.clone(),
                table: table.clone(),
                archive,
                tags: tags.clone(),
                start,
            };
            let archiving = plan.archive.failure_slot();
            let length = plan.archive.length_gauge();
            let built = if chosen == Builder::Classic {
                self.build_classic(plan, options).await
            } else {
                let built = self.build_buildkit(plan, options).await;
                self.remove_context_record(length.total()).await;
                built
            };
            // A context that could not be archived ends the upload, and the
            // daemon's answer to that says less than the reason.
            let built = match (built, context::Context::failure_of(&archiving)) {
                (Err(_), Some(reason)) => Err(reason),
                (built, _) => built,
            };
            match built {
                Err(EngineError::BuildFailed(failure))
                    if attempts < FLIGHTCONTROL_ATTEMPTS && is_flightcontrol_timeout(&failure) =>
                {
                    eprintln!(
                        "stagecraft: BuildKit's cache record of a step is broken \
                         ({FLIGHTCONTROL_TIMEOUT}); building again without the cache \
                         (attempt {} of {FLIGHTCONTROL_ATTEMPTS})",
                        attempts + 1
                    );
                    // The same step of a build running beside this one is
                    // what BuildKit 0.8 waits on: give it time to finish.
                    tokio::time::sleep(FLIGHTCONTROL_PAUSE * attempts as u32).await;
                    uncached = options.clone().no_cache(true);
                    options = &uncached;
                }
                built => return built,
            }
        }
    }

    /// The builder for this build, and the checks that come with it: a
    /// construct the builder cannot build, a required secret not given.
    async fn choose_builder(
        &self,
        options: &BuildOptions,
        parsed: Option<&stagecraft_rules::dockerfile::Dockerfile>,
    ) -> Result<Builder, EngineError> {
        let constructs = parsed.map(builder::buildkit_constructs).unwrap_or_default();
        let wants_session = !options.secrets.is_empty() || options.ssh_agent;
        let syntax = parsed.and_then(|p| p.syntax.as_deref());
        let refuse = |chosen: Builder, docker: Option<&str>, why: &str| match builder::refusal(
            &constructs,
            chosen,
            docker,
            syntax,
            why,
        ) {
            Some(error) => Err(error),
            None => Ok(()),
        };
        let classic_refusal = |reason: &str, docker: Option<&str>| -> Result<(), EngineError> {
            refuse(Builder::Classic, docker, reason)?;
            if wants_session {
                return Err(EngineError::InvalidOption(format!(
                    "secrets and SSH forwarding need BuildKit, but {reason}: use \
                     `Builder::Auto` or `Builder::BuildKit` on a daemon that has it"
                )));
            }
            Ok(())
        };
        if options.builder == Builder::Classic {
            classic_refusal("the options ask for `Builder::Classic`", None)?;
            return Ok(Builder::Classic);
        }
        let version = self
            .docker
            .version()
            .await
            .map_err(|e| EngineError::docker("reading the daemon's version", e))?;
        let api = version.api_version.clone().unwrap_or_default();
        let engine = version.version.clone().unwrap_or_default();
        let os = version.os.clone().unwrap_or_default();
        let support = BuildKitSupport::from_version(&api, &os);
        if !support.available {
            if options.builder == Builder::BuildKit {
                return Err(EngineError::BuildKitUnavailable {
                    host: self.host.clone(),
                    api,
                    version: engine,
                    os,
                });
            }
            let reason = format!(
                "the daemon at {} has no BuildKit (API {api}, Docker {engine}, {os})",
                self.host
            );
            classic_refusal(&reason, Some(&engine))?;
            say_once_why_classic(&reason);
            return Ok(Builder::Classic);
        }
        refuse(Builder::BuildKit, Some(&engine), "")?;
        if let Some(parsed) = parsed {
            for (line, id, required) in builder::secret_mounts(parsed) {
                if required && !options.secrets.contains_key(&id) {
                    return Err(EngineError::SecretMissing { line, id });
                }
            }
        }
        Ok(Builder::BuildKit)
    }

    /// Every `FROM` of an image (not a stage, not `scratch`) must be on the
    /// daemon unless it may be pulled: no registry may be reachable, and
    /// the daemon's own lookup error says nothing useful.
    async fn check_base_images(
        &self,
        parsed: &stagecraft_rules::dockerfile::Dockerfile,
        options: &BuildOptions,
    ) -> Result<(), EngineError> {
        let mut aliases: Vec<&str> = Vec::new();
        for stage in &parsed.stages {
            let image = stage.from.image.as_str();
            let is_stage = aliases.iter().any(|a| a.eq_ignore_ascii_case(image));
            if let Some(alias) = &stage.from.alias {
                aliases.push(alias);
            }
            if is_stage || image.eq_ignore_ascii_case("scratch") || image.contains('$') {
                continue;
            }
            if options.pull == PullPolicy::Always {
                continue;
            }
            match self.docker.inspect_image(image).await {
                Ok(_) => {}
                Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 404, ..
                }) => {
                    // Not here: the daemon would try a registry. Ask it
                    // now, so the answer is about this image only.
                    if let Err(cause) = self.try_pull(image).await {
                        return Err(EngineError::BaseImageMissing {
                            image: image.to_string(),
                            line: stage.line,
                            host: self.host.clone(),
                            cause,
                        });
                    }
                }
                Err(e) => {
                    return Err(EngineError::docker(
                        format!("inspecting base image {image}"),
                        e,
                    ))
                }
            }
        }
        Ok(())
    }

    async fn try_pull(&self, image: &str) -> Result<(), String> {
        use bollard::query_parameters::CreateImageOptionsBuilder;
        let options = CreateImageOptionsBuilder::new().from_image(image).build();
        let mut stream = self.docker.create_image(Some(options), None, None);
        while let Some(item) = stream.next().await {
            if let Err(error) = item {
                let text = super::error::cause_chain(&error);
                return Err(text.lines().next().unwrap_or_default().to_string());
            }
        }
        Ok(())
    }

    /// The classic builder: `Step N/M` lines, `forcerm`.
    async fn build_classic(
        &self,
        plan: Plan,
        options: &BuildOptions,
    ) -> Result<BuildOutcome, EngineError> {
        let Plan {
            text,
            table,
            archive,
            tags,
            start,
        } = plan;
        let mut builder = BuildImageOptionsBuilder::new()
            .dockerfile(context::DOCKERFILE_NAME)
            .rm(true)
            .forcerm(true)
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
        if !options.build_args.is_empty() {
            let args: HashMap<&str, &str> = options
                .build_args
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            builder = builder.buildargs(&args);
        }
        if !options.labels.is_empty() {
            let labels: HashMap<&str, &str> = options
                .labels
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            builder = builder.labels(&labels);
        }

        let mut display = Display::new(options.progress, options.sink.clone());
        let mut lines = LineBuffer::default();
        let mut tail = Tail::new(TAIL_LINES);
        let mut tracker = Tracker::default();
        let mut stage_images: Vec<String> = Vec::new();
        let mut failure: Option<(String, Option<bollard::errors::Error>)> = None;

        let handle =
            |line: String, display: &mut Display, tail: &mut Tail, tracker: &mut Tracker| {
                let step = tracker.line(&line, &table);
                display.line(&line, step);
                tail.push(&line);
            };

        let body = bollard::body_try_stream(archive.body());
        let mut stream = self.docker.build_image(builder.build(), None, Some(body));
        let deadline = options
            .progress_deadline
            .unwrap_or(DEFAULT_PROGRESS_DEADLINE);
        loop {
            let Ok(next) = tokio::time::timeout(deadline, stream.next()).await else {
                drop(stream);
                display.finish("build stalled");
                self.remove_leftovers(&tracker).await;
                return Err(EngineError::ProgressStalled {
                    deadline,
                    elapsed: start.elapsed(),
                });
            };
            let Some(item) = next else { break };
            match item {
                Ok(info) => {
                    if let Some(text) = info.stream.as_deref() {
                        for line in lines.push(text) {
                            handle(line, &mut display, &mut tail, &mut tracker);
                        }
                    }
                    if let Some(status) = info.status.as_deref() {
                        let status = super::progress::clean_line(status);
                        let line = match &info.id {
                            Some(id) => format!("{id}: {status}"),
                            None => status,
                        };
                        handle(line, &mut display, &mut tail, &mut tracker);
                    }
                    if let Some(bollard::models::BuildInfoAux::Default(image)) = info.aux {
                        if let Some(id) = image.id {
                            stage_images.push(id);
                        }
                    }
                    if let Some(detail) = info.error_detail {
                        failure = Some((detail.message.unwrap_or_default(), None));
                        break;
                    }
                }
                Err(error) => {
                    let message = match &error {
                        bollard::errors::Error::DockerStreamError { error } => error.clone(),
                        bollard::errors::Error::DockerResponseServerError { message, .. } => {
                            message.clone()
                        }
                        other => super::error::cause_chain(other),
                    };
                    failure = Some((message, Some(error)));
                    break;
                }
            }
        }
        drop(stream);
        if let Some(rest) = lines.finish() {
            handle(rest, &mut display, &mut tail, &mut tracker);
        }

        if let Some((message, error)) = failure {
            display.finish(&format!(
                "build failed after {:.1}s",
                start.elapsed().as_secs_f64()
            ));
            let removed = self.remove_leftovers(&tracker).await;
            let is_daemon_answer = matches!(
                error,
                None | Some(bollard::errors::Error::DockerStreamError { .. })
                    | Some(bollard::errors::Error::DockerResponseServerError { .. })
            );
            if !is_daemon_answer {
                if let Some(error) = error {
                    if is_transport(&error) {
                        return Err(self.connection_lost(start, message).await);
                    }
                    return Err(EngineError::docker("building an image", error));
                }
            }
            return Err(EngineError::BuildFailed(Box::new(failure_at(
                &tracker, &table, message, tail, removed,
            ))));
        }

        let image_id = match stage_images.last() {
            Some(id) => id.clone(),
            None => match &tracker.successfully_built {
                Some(short) => self
                    .docker
                    .inspect_image(short)
                    .await
                    .ok()
                    .and_then(|image| image.id)
                    .unwrap_or_else(|| short.clone()),
                None => {
                    return Err(EngineError::BuildFailed(Box::new(failure_at(
                        &tracker,
                        &table,
                        "the build stream ended without an image id".to_string(),
                        tail,
                        0,
                    ))))
                }
            },
        };
        for (repo, tag) in tags.iter().skip(1) {
            self.docker
                .tag_image(
                    &image_id,
                    Some(TagImageOptionsBuilder::new().repo(repo).tag(tag).build()),
                )
                .await
                .map_err(|e| {
                    EngineError::docker(format!("tagging {image_id} as {repo}:{tag}"), e)
                })?;
        }
        let fully_cached = tracker.fully_cached(&table);
        let duration = start.elapsed();
        let short = image_id.trim_start_matches("sha256:");
        display.finish(&format!(
            "built {} in {:.1}s{}",
            &short[..short.len().min(12)],
            duration.as_secs_f64(),
            if fully_cached { " (fully cached)" } else { "" }
        ));
        let steps = tracker
            .steps
            .iter()
            .map(|state| {
                let info = state.number.checked_sub(1).and_then(|i| table.get(i));
                StepRecord {
                    number: state.number,
                    total: state.total,
                    stage: info.and_then(|i| i.stage.clone()),
                    instruction: info.map_or_else(|| added_step(state.number), |i| i.text.clone()),
                    cached: state.cached,
                }
            })
            .collect();
        Ok(BuildOutcome {
            builder: Builder::Classic,
            image_id,
            stage_images,
            tags: options.tags.clone(),
            fully_cached,
            steps,
            duration,
            dockerfile: text,
        })
    }

    /// [`EngineError::ConnectionLost`] for a build whose connection broke
    /// with `cause`, saying whether the daemon answers a ping now.
    pub(crate) async fn connection_lost(&self, start: Instant, cause: String) -> EngineError {
        let elapsed = start.elapsed();
        let ping = tokio::time::timeout(Duration::from_secs(3), self.docker.ping()).await;
        EngineError::ConnectionLost {
            host: self.host.clone(),
            elapsed,
            cause,
            daemon_answers: matches!(ping, Ok(Ok(_))),
        }
    }

    /// Removes the intermediate containers a failed build left. The images
    /// of the steps that succeeded stay: they are the cache that makes a
    /// retry fast (run-labelled builds label them, so `cleanup` finds them).
    async fn remove_leftovers(&self, tracker: &Tracker) -> usize {
        let mut removed = 0;
        for id in &tracker.containers {
            if matches!(super::remove_container(&self.docker, id).await, Ok(true)) {
                removed += 1;
            }
        }
        removed
    }
}

/// The connection itself failed (as opposed to the daemon answering with
/// an error): the transport's errors and the client's own timeout.
pub(crate) fn is_transport(error: &bollard::errors::Error) -> bool {
    use bollard::errors::Error;
    matches!(
        error,
        Error::HyperResponseError { .. }
            | Error::IOError { .. }
            | Error::HyperLegacyError { .. }
            | Error::HttpClientError { .. }
            | Error::RequestTimeoutError
    )
}

/// What a build is sent with, once checked.
pub(crate) struct Plan {
    pub text: String,
    pub table: Vec<steps::StepInfo>,
    /// Streamed when sent.
    pub archive: context::Context,
    pub tags: Vec<(String, String)>,
    pub start: Instant,
}

/// Prints, once per process, why a build goes to the classic builder.
fn say_once_why_classic(reason: &str) {
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| eprintln!("stagecraft: building with the classic builder: {reason}"));
}

fn added_step(number: usize) -> String {
    format!("LABEL (step {number}, added by BuildOptions::label)")
}

fn failure_at(
    tracker: &Tracker,
    table: &[steps::StepInfo],
    message: String,
    tail: Tail,
    removed: usize,
) -> BuildFailure {
    let last = tracker.steps.last();
    let info = last
        .and_then(|s| s.number.checked_sub(1))
        .and_then(|i| table.get(i));
    let instruction = match (last, info) {
        (_, Some(info)) => Some(info.text.clone()),
        (Some(state), None) => Some(added_step(state.number)),
        (None, None) => None,
    };
    let stage = match (last, info) {
        (_, Some(info)) => info.stage.clone(),
        // A step past the table is a label of the options: the last stage's.
        (Some(_), None) => table
            .iter()
            .rev()
            .find(|s| s.kind == StepKind::From)
            .and_then(|s| s.stage.clone()),
        (None, None) => None,
    };
    BuildFailure {
        step: last.map(|s| (s.number, s.total)),
        stage,
        instruction,
        message: super::daemon_paths::in_stage(&message).into_owned(),
        log_tail: tail
            .lines()
            .iter()
            .map(|line| super::daemon_paths::in_stage(line).into_owned())
            .collect(),
        removed,
    }
}

/// What BuildKit 0.8 (Docker 20.10's) answers for a step whose cache record
/// it cannot settle: the step did not fail, and every later build of it
/// fails the same way until the build cache is pruned (seen on this
/// project's daemons after builds cut or cancelled mid-solve); the same
/// build without the cache goes through.
const FLIGHTCONTROL_TIMEOUT: &str = "flightcontrol: exceeded retry timeout";

/// How many times a build that met [`FLIGHTCONTROL_TIMEOUT`] is sent in all
/// (the later times without the cache): once more without the cache went
/// through in sessions 5-6, but not always when another build ran the same
/// steps at the same time (a `.ci/run` of 2026-12-03 failed so on the
/// second attempt), hence a third one after a pause.
const FLIGHTCONTROL_ATTEMPTS: usize = 3;

/// The pause before each retry of [`FLIGHTCONTROL_ATTEMPTS`], times the
/// attempts made.
const FLIGHTCONTROL_PAUSE: Duration = Duration::from_secs(3);

fn is_flightcontrol_timeout(failure: &BuildFailure) -> bool {
    failure.message.contains(FLIGHTCONTROL_TIMEOUT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Run;

    #[test]
    fn run_label_goes_at_the_end_of_every_stage() {
        let mut df = Dockerfile::builder();
        let build = df
            .stage("build", "debian:bookworm-slim")
            .run(Run::checked("echo hi > /x").unwrap())
            .done();
        df.anonymous_stage(crate::scratch())
            .copy_from(&build, "/x", "/x");
        let text = text_to_send(&df.build().unwrap(), Some("t-1")).unwrap();
        assert_eq!(
            text,
            "FROM debian:bookworm-slim AS build\n\
             RUN echo hi > /x\n\
             LABEL stagecraft.run=\"t-1\"\n\
             \n\
             FROM scratch\n\
             COPY --from=build /x /x\n\
             LABEL stagecraft.run=\"t-1\"\n"
        );
    }

    /// A build stage that trusts the site CA, and a runtime stage that does not.
    fn trusting_dockerfile() -> Dockerfile {
        let mut df = Dockerfile::builder();
        df.stage("base", "debian:bookworm-slim").done();
        let build = df
            .stage("build", "debian:bookworm-slim")
            .trust_site_ca()
            .run(Run::checked("echo hi > /x").unwrap())
            .done();
        df.anonymous_stage(crate::scratch())
            .copy_from(&build, "/x", "/x");
        df.build().unwrap()
    }

    fn test_site_ca() -> (tempfile::TempDir, SiteCa) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bundle.pem");
        std::fs::write(
            &path,
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let site = SiteCa::new(&path).unwrap();
        (dir, site)
    }

    #[test]
    fn trusting_the_site_ca_needs_a_bundle() {
        let dockerfile = trusting_dockerfile();
        let error = check_site_ca(&dockerfile, &BuildOptions::new()).unwrap_err();
        assert!(
            matches!(&error, EngineError::SiteCaMissing { stages } if stages == &["build"]),
            "{error:?}"
        );
        let text = error.to_string();
        assert!(
            text.starts_with("`trust_site_ca()` in stage(s) build needs"),
            "{text}"
        );
        assert!(text.contains("BuildOptions::site_ca"), "{text}");
        assert!(text.contains("STAGECRAFT_SITE_CA"), "{text}");

        let (_dir, site) = test_site_ca();
        check_site_ca(&dockerfile, &BuildOptions::new().site_ca(&site)).unwrap();
        // A hand-declared context file at the same path serves too.
        let by_hand = BuildOptions::new().context_file(site.path(), "./stagecraft-site-ca.pem");
        check_site_ca(&dockerfile, &by_hand).unwrap();
        // A target before the trusting stage does not build it.
        check_site_ca(&dockerfile, &BuildOptions::new().target("base")).unwrap();
        assert!(check_site_ca(&dockerfile, &BuildOptions::new().target("build")).is_err());
        // Dockerfile text is checked the same way.
        let text = dockerfile.render();
        let parsed = stagecraft_rules::dockerfile::Dockerfile::parse(&text).unwrap();
        assert!(matches!(
            check_site_ca_text(&parsed, &BuildOptions::new()),
            Err(EngineError::SiteCaMissing { stages }) if stages == ["build"]
        ));
        check_site_ca_text(&parsed, &BuildOptions::new().target("base")).unwrap();
        check_site_ca_text(&parsed, &BuildOptions::new().site_ca(&site)).unwrap();
        // A Dockerfile that does not trust it needs nothing.
        let mut plain = Dockerfile::builder();
        plain.anonymous_stage("debian:bookworm-slim");
        check_site_ca(&plain.build().unwrap(), &BuildOptions::new()).unwrap();
    }

    #[test]
    fn the_site_ca_goes_into_the_context() {
        let (_dir, site) = test_site_ca();
        let options = BuildOptions::new()
            .context_data("app.txt", "hi", 0o644)
            .site_ca(&site);
        assert_eq!(options.site_ca_bundle(), Some(&site));
        let entries = context_entries(&options).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].context_path, "stagecraft-site-ca.pem");
        assert_eq!(
            entries[1].source,
            Source::Bytes {
                data: site.pem().to_vec(),
                mode: 0o644
            }
        );
        // Declared by hand as well: refused, not sent twice.
        let twice = options.context_file(site.path(), site_ca::CONTEXT_PATH);
        assert!(matches!(
            context_entries(&twice),
            Err(EngineError::Context { reason, .. }) if reason.starts_with("declared twice")
        ));
    }

    #[test]
    fn tags_are_checked() {
        assert_eq!(
            split_tag("fortune:naive").unwrap(),
            ("fortune".to_string(), "naive".to_string())
        );
        assert_eq!(split_tag("localhost:5000/a/b").unwrap().1, "latest");
        assert!(split_tag("Fortune").is_err());
    }

    #[test]
    fn failure_names_stage_and_instruction() {
        let table = steps::step_table("FROM a AS one\nRUN ok\n\nFROM a AS two\nRUN false\n");
        let mut tracker = Tracker::default();
        for line in [
            "Step 1/4 : FROM a AS one",
            "Step 2/4 : RUN ok",
            "Step 3/4 : FROM a AS two",
            "Step 4/4 : RUN false",
        ] {
            tracker.line(line, &table);
        }
        let failure = failure_at(&tracker, &table, "boom".into(), Tail::new(2), 0);
        assert_eq!(failure.step, Some((4, 4)));
        assert_eq!(
            failure.stage.as_ref().unwrap().alias.as_deref(),
            Some("two")
        );
        assert_eq!(failure.instruction.as_deref(), Some("RUN false"));
        assert!(failure.to_string().starts_with(
            "image build failed at step 4/4 in stage 1 \"two\", instruction `RUN false`: boom"
        ));
    }
}
