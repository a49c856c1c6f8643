//! Checking one `RUN` against the catalogue, and the per-`RUN` facts a
//! Dockerfile-level checker needs across `RUN`s.

use crate::catalogue::{Rule, Severity, StageKind};
use crate::family::{self, Action, Analysis};
use crate::shell::{ShellError, Span};

/// What is known about the `RUN` beyond its text.
///
/// ```
/// use stagecraft_rules::run_check::RunContext;
///
/// let ctx = RunContext::build_only()
///     .with_env("PIP_NO_CACHE_DIR", "1")
///     .with_cache_mount("/var/cache/apt")
///     .with_cache_mount("/var/lib/apt")
///     .with_pipefail(true);
/// assert_eq!(ctx.env_var("PIP_NO_CACHE_DIR"), Some("1"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunContext {
    /// Whether the stage ships (see [`StageKind`]).
    pub stage: StageKind,
    /// Environment variables set in the stage before this `RUN` (`ENV`, and
    /// `ARG`s in scope), e.g. `("PIP_NO_CACHE_DIR", "1")`.
    pub env: Vec<(String, String)>,
    /// Targets of the `RUN`'s BuildKit cache mounts
    /// (`--mount=type=cache,target=/var/cache/apt`): what is written there
    /// never enters the layer, so a cache mount satisfies the cleanup rules
    /// for the caches under it.
    pub cache_mounts: Vec<String>,
    /// Whether the stage's `SHELL` sets `-o pipefail`.
    pub pipefail: bool,
}

impl RunContext {
    /// A `RUN` in a stage that ships, with no env, mounts or pipefail.
    pub fn shipped() -> Self {
        Self::default()
    }

    /// A `RUN` in a stage that is only copied from.
    pub fn build_only() -> Self {
        Self {
            stage: StageKind::BuildOnly,
            ..Self::default()
        }
    }

    /// With an environment variable set in the stage.
    pub fn with_env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// With a BuildKit cache mount on `target`.
    pub fn with_cache_mount(mut self, target: impl Into<String>) -> Self {
        self.cache_mounts.push(target.into());
        self
    }

    /// With (or without) `-o pipefail` in the stage's `SHELL`.
    pub fn with_pipefail(mut self, pipefail: bool) -> Self {
        self.pipefail = pipefail;
        self
    }

    /// The value of an environment variable of the stage (the last one set).
    pub fn env_var(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Whether a cache mount covers `path` (is `path` or one of its parents).
    pub(crate) fn mount_covers(&self, path: &str) -> bool {
        self.cache_mounts
            .iter()
            .any(|mount| path_covers(mount, path))
    }
}

/// Whether directory `dir` is `path` or one of its parents (both absolute,
/// trailing slashes and `/*` ignored).
pub(crate) fn path_covers(dir: &str, path: &str) -> bool {
    let dir = trim_path(dir);
    let path = trim_path(path);
    !dir.is_empty()
        && (path == dir
            || path
                .strip_prefix(dir)
                .is_some_and(|rest| rest.starts_with('/')))
}

/// `path` without trailing `/`, `/*`, `/.` or `*`.
pub(crate) fn trim_path(mut path: &str) -> &str {
    loop {
        let trimmed = path
            .trim_end_matches('*')
            .trim_end_matches("/.")
            .trim_end_matches('/');
        if trimmed == path {
            return path;
        }
        path = trimmed;
    }
}

/// One rule violation in a `RUN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule violated.
    pub rule: &'static Rule,
    /// Its severity in this `RUN`'s stage.
    pub severity: Severity,
    /// The byte range `(start, end)` of the offending command in the text.
    pub span: Span,
    /// What is wrong, why it costs, and the fix.
    pub message: String,
}

/// Checks the text of one shell-form `RUN` against every per-`RUN` rule.
///
/// Findings come in text order. The text is analysed with
/// [`crate::shell::parse`]; a text it cannot analyse is an error.
///
/// ```
/// use stagecraft_rules::run_check::{check_run, RunContext};
///
/// let clean = "set -eux; apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \
///              && rm -rf /var/lib/apt/lists/*";
/// assert!(check_run(clean, &RunContext::shipped()).unwrap().is_empty());
///
/// let findings = check_run("pip install flask==3.0.3", &RunContext::shipped()).unwrap();
/// assert_eq!(findings[0].rule.id, "SCR009");
/// assert_eq!(findings[0].span, (0, 24));
/// assert!(findings[0].message.contains("--no-cache-dir"));
///
/// let cached = RunContext::shipped().with_cache_mount("/root/.cache/pip");
/// assert!(check_run("pip install flask==3.0.3", &cached).unwrap().is_empty());
/// ```
pub fn check_run(text: &str, ctx: &RunContext) -> Result<Vec<Finding>, ShellError> {
    let analysis = Analysis::new(text)?;
    Ok(findings_of(&analysis, ctx))
}

/// Everything a Dockerfile-level checker needs from one `RUN`, from a single
/// parse of its text: the same results as [`check_run`], [`installs`] and
/// [`cleanup_only`] on that text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RunFacts {
    /// What [`check_run`] returns.
    pub(crate) findings: Vec<Finding>,
    /// What [`installs`] returns.
    pub(crate) installs: Vec<Install>,
    /// What [`cleanup_only`] returns.
    pub(crate) cleanups: Vec<Cleanup>,
}

/// [`check_run`], [`installs`] and [`cleanup_only`] in one pass: the text
/// is parsed and its package-manager events found once.
pub(crate) fn run_facts(text: &str, ctx: &RunContext) -> Result<RunFacts, ShellError> {
    let analysis = Analysis::new(text)?;
    Ok(RunFacts {
        findings: findings_of(&analysis, ctx),
        installs: installs_of(&analysis),
        cleanups: cleanups_of(&analysis),
    })
}

fn findings_of(analysis: &Analysis<'_>, ctx: &RunContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    family::check_all(analysis, ctx, &mut findings);
    findings.sort_by(|a, b| a.span.0.cmp(&b.span.0).then(a.rule.id.cmp(b.rule.id)));
    findings
}

/// A package manager (or language package tool) whose caches the rules know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Manager {
    /// `apt-get` / `apt` (Debian, Ubuntu).
    Apt,
    /// `apk` (Alpine).
    Apk,
    /// `pip`, `pip3`, `python -m pip`.
    Pip,
    /// `conda`, `mamba`, `micromamba`.
    Conda,
    /// `yum`.
    Yum,
    /// `dnf`, `microdnf`.
    Dnf,
    /// `zypper`.
    Zypper,
    /// `npm`.
    Npm,
    /// `yarn`.
    Yarn,
}

impl Manager {
    /// The usual command name.
    pub fn name(self) -> &'static str {
        match self {
            Manager::Apt => "apt-get",
            Manager::Apk => "apk",
            Manager::Pip => "pip",
            Manager::Conda => "conda",
            Manager::Yum => "yum",
            Manager::Dnf => "dnf",
            Manager::Zypper => "zypper",
            Manager::Npm => "npm",
            Manager::Yarn => "yarn",
        }
    }
}

/// What a package-manager command leaves in the layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InstallKind {
    /// Packages installed (or upgraded).
    Packages,
    /// Only the package index refreshed (`apt-get update`, `apk update`).
    IndexOnly,
}

/// A package-manager command of a `RUN` that writes caches into the layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Install {
    /// Which manager.
    pub manager: Manager,
    /// Packages, or only the index.
    pub kind: InstallKind,
    /// The command in the text.
    pub span: Span,
    /// Whether its caches are gone by the end of the `RUN`: a flag such as
    /// `--no-cache-dir`/`--no-cache`, or a cleanup later in the same `RUN`.
    /// (Cache mounts and stage env are not known here; see [`check_run`].)
    pub cleaned_up: bool,
}

/// A cache cleanup command of a `RUN` (`rm -rf /var/lib/apt/lists/*`,
/// `conda clean -afy`, `dnf clean all`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleanup {
    /// Whose caches it removes.
    pub manager: Manager,
    /// The command in the text.
    pub span: Span,
}

/// The package-manager commands of a `RUN` that write caches, in text order.
///
/// With [`cleanup_only`], this lets a Dockerfile-level checker report
/// "`apt-get update` alone in a `RUN`" (an [`InstallKind::IndexOnly`] entry
/// with no `Packages` entry of the same manager after it) and which installs
/// an earlier `RUN` left uncleaned.
///
/// ```
/// use stagecraft_rules::run_check::{installs, InstallKind, Manager};
///
/// let found = installs("apt-get update && apt-get install -y x && pip install --no-cache-dir y").unwrap();
/// assert_eq!(found.len(), 3);
/// assert_eq!((found[0].manager, found[0].kind), (Manager::Apt, InstallKind::IndexOnly));
/// assert!(!found[1].cleaned_up);
/// assert!(found[2].cleaned_up);
/// ```
pub fn installs(text: &str) -> Result<Vec<Install>, ShellError> {
    Ok(installs_of(&Analysis::new(text)?))
}

fn installs_of(analysis: &Analysis<'_>) -> Vec<Install> {
    analysis
        .events
        .iter()
        .filter_map(|event| {
            let (kind, self_cleaning) = match event.action {
                Action::Install { leaves_cache } => (InstallKind::Packages, !leaves_cache),
                Action::IndexUpdate { leaves_cache } => (InstallKind::IndexOnly, !leaves_cache),
                _ => return None,
            };
            Some(Install {
                manager: event.manager,
                kind,
                span: analysis.span(event.index),
                cleaned_up: self_cleaning || analysis.cleaned_after(event.manager, event.index),
            })
        })
        .collect()
}

/// The cleanups of a `RUN` that free nothing in its own layer: no install or
/// index update of the same manager comes before them in the `RUN`. If an
/// earlier `RUN` installed with that manager, the bytes stay in that earlier
/// layer (rule [`SCR008`](crate::catalogue::SCR008)).
///
/// ```
/// use stagecraft_rules::run_check::{cleanup_only, Manager};
///
/// let later = cleanup_only("rm -rf /var/lib/apt/lists/* && conda clean -afy").unwrap();
/// assert_eq!(later.iter().map(|c| c.manager).collect::<Vec<_>>(), [Manager::Apt, Manager::Conda]);
/// assert!(cleanup_only("apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*")
///     .unwrap()
///     .is_empty());
/// ```
pub fn cleanup_only(text: &str) -> Result<Vec<Cleanup>, ShellError> {
    Ok(cleanups_of(&Analysis::new(text)?))
}

fn cleanups_of(analysis: &Analysis<'_>) -> Vec<Cleanup> {
    analysis
        .events
        .iter()
        .filter(|event| event.action == Action::Cleanup)
        .filter(|event| {
            // A command that cleans several managers' caches (`dnf clean all`
            // also counts for yum) frees something if any of them installed.
            let managers_of_command = analysis
                .events
                .iter()
                .filter(|e| e.index == event.index && e.action == Action::Cleanup)
                .map(|e| e.manager);
            !managers_of_command.into_iter().any(|manager| {
                analysis.events.iter().any(|other| {
                    other.manager == manager
                        && other.index < event.index
                        && matches!(
                            other.action,
                            Action::Install { .. } | Action::IndexUpdate { .. }
                        )
                })
            })
        })
        .map(|event| Cleanup {
            manager: event.manager,
            span: analysis.span(event.index),
        })
        .collect()
}
