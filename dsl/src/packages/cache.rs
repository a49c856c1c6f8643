//! The cached form of a recipe: the package manager's caches live in BuildKit
//! cache mounts (`RUN --mount=type=cache,...`) instead of being deleted, so a
//! rebuild downloads only what changed and the layer still holds none of it.
//!
//! Each recipe has a `.cached()` form ([`crate::packages::Apt::cached`], ...)
//! that implements [`CachedRecipe`]: the mounts it needs and its steps
//! without the cleanup. [`CachedRun::new`] checks the rendered `RUN` with the
//! rules, given the mounts, so a cached recipe can only be built when the rules
//! agree that its mounts keep the caches out of the layer (one truth for both).
//!
//! ```
//! use stagecraft::packages::{Apt, CachedRecipe, CachedRun, Pip};
//!
//! let run = CachedRun::new(
//!     Apt::install(["python3-pip"]).cached().and(Pip::install(["numpy>=1.26"]).cached()),
//! )
//! .unwrap();
//! assert_eq!(
//!     run.instruction(),
//!     "RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\\n    \
//!      --mount=type=cache,target=/var/lib/apt,sharing=locked \\\n    \
//!      --mount=type=cache,target=/root/.cache/pip \\\n    \
//!      mv /etc/apt/apt.conf.d/docker-clean /etc/apt/docker-clean.off \\\n \
//!      && apt-get update \\\n \
//!      && apt-get install -y --no-install-recommends python3-pip \\\n \
//!      && mv /etc/apt/docker-clean.off /etc/apt/apt.conf.d/docker-clean \\\n \
//!      && pip wheel --wheel-dir=/root/.cache/pip/wheelhouse 'numpy>=1.26' \\\n \
//!      && pip install --no-index --find-links=/root/.cache/pip/wheelhouse 'numpy>=1.26'"
//! );
//! ```

use std::fmt;

use stagecraft_rules::accept::Rejection;
use stagecraft_rules::text::check_run_text;
use stagecraft_rules::{check_run, RunContext, Severity};

use super::RecipeError;
use crate::model::{self, Mount, Run, RunError, RunSpec, Step};

/// How concurrent builds share a cache mount (`sharing=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sharing {
    /// Several builds use the cache at once (BuildKit's default).
    #[default]
    Shared,
    /// One build at a time; the others wait (`sharing=locked`), for managers
    /// that lock their cache and fail when another process holds it (apt).
    Locked,
    /// Each concurrent build gets its own copy (`sharing=private`).
    Private,
}

/// A BuildKit cache mount: `--mount=type=cache,target=<dir>[,id=..][,sharing=..]`.
///
/// What a `RUN` writes under `target` is kept between builds by BuildKit and
/// never enters the layer.
///
/// ```
/// use stagecraft::packages::{CacheMount, Sharing};
/// let mount = CacheMount::new("/var/cache/apt").sharing(Sharing::Locked);
/// assert_eq!(mount.to_string(), "--mount=type=cache,target=/var/cache/apt,sharing=locked");
/// assert_eq!(CacheMount::new("/app/target").id("app-target").to_string(),
///            "--mount=type=cache,target=/app/target,id=app-target");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheMount {
    target: String,
    id: Option<String>,
    sharing: Sharing,
}

impl CacheMount {
    /// A shared cache mount on the absolute directory `target`.
    pub fn new(target: impl Into<String>) -> CacheMount {
        CacheMount {
            target: target.into(),
            id: None,
            sharing: Sharing::Shared,
        }
    }

    /// The cache's id (by default BuildKit uses the target).
    pub fn id(mut self, id: impl Into<String>) -> CacheMount {
        self.id = Some(id.into());
        self
    }

    /// How concurrent builds share it.
    pub fn sharing(mut self, sharing: Sharing) -> CacheMount {
        self.sharing = sharing;
        self
    }

    /// The mounted directory.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The cache's id, when set.
    pub fn cache_id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Its sharing mode.
    pub fn sharing_mode(&self) -> Sharing {
        self.sharing
    }

    /// Refuses a target or id that cannot be written as a mount option:
    /// relative, empty, or holding `,`, `=`, a quote, whitespace or a control
    /// character.
    fn check(&self, manager: &'static str) -> Result<(), RecipeError> {
        let plain = |value: &str| {
            !value.is_empty()
                && !value.chars().any(|c| {
                    c.is_whitespace() || c.is_control() || matches!(c, ',' | '=' | '"' | '\'')
                })
        };
        if !self.target.starts_with('/') || !plain(&self.target) {
            return Err(RecipeError::InvalidArgument {
                manager,
                what: "cache mount target",
                value: self.target.clone(),
                reason: "name an absolute directory without ',', '=', quotes or whitespace",
            });
        }
        if let Some(id) = &self.id {
            if !plain(id) {
                return Err(RecipeError::InvalidArgument {
                    manager,
                    what: "cache mount id",
                    value: id.clone(),
                    reason: "use an id without ',', '=', quotes or whitespace",
                });
            }
        }
        Ok(())
    }
}

impl fmt::Display for CacheMount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "--mount=type=cache,target={}", self.target)?;
        if let Some(id) = &self.id {
            write!(f, ",id={id}")?;
        }
        match self.sharing {
            Sharing::Shared => Ok(()),
            Sharing::Locked => f.write_str(",sharing=locked"),
            Sharing::Private => f.write_str(",sharing=private"),
        }
    }
}

/// A recipe whose caches live in cache mounts: made by a recipe's
/// `.cached()`, chained with [`CachedRecipe::and`], built with [`CachedRun::new`].
pub trait CachedRecipe {
    /// The package manager, for error messages.
    fn manager(&self) -> &'static str;

    /// The cache mounts the steps write their caches to.
    fn mounts(&self) -> Vec<CacheMount>;

    /// The steps: install, without the cleanup the mounts make needless.
    fn steps(&self) -> Result<Vec<Step>, RecipeError>;

    /// This recipe, then `next`, in the same `RUN` (mounts of both, once each).
    fn and<R: CachedRecipe>(self, next: R) -> CachedChain<Self, R>
    where
        Self: Sized,
    {
        CachedChain {
            first: self,
            second: next,
        }
    }
}

/// A recipe's cached form: made by `.cached()` on [`super::Apt`], [`super::Pip`], ...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cached<R> {
    pub(crate) recipe: R,
}

/// Two cached recipes in one `RUN`; made by [`CachedRecipe::and`].
#[derive(Debug, Clone)]
pub struct CachedChain<A, B> {
    first: A,
    second: B,
}

impl<A: CachedRecipe, B: CachedRecipe> CachedRecipe for CachedChain<A, B> {
    fn manager(&self) -> &'static str {
        self.first.manager()
    }

    fn mounts(&self) -> Vec<CacheMount> {
        let mut mounts = self.first.mounts();
        for mount in self.second.mounts() {
            if !mounts.iter().any(|m| m.target == mount.target) {
                mounts.push(mount);
            }
        }
        mounts
    }

    fn steps(&self) -> Result<Vec<Step>, RecipeError> {
        let mut steps = self.first.steps()?;
        steps.extend(self.second.steps()?);
        Ok(steps)
    }
}

/// A `RUN` with cache mounts, checked by the rules with those mounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedRun {
    mounts: Vec<CacheMount>,
    steps: Vec<Step>,
}

impl CachedRun {
    /// Renders `recipe` and checks it: the mounts can be written, and the rules
    /// find no error in the `RUN` given its mounts (the context
    /// [`CachedRun::lint_context`] returns).
    pub fn new(recipe: impl CachedRecipe) -> Result<CachedRun, RecipeError> {
        let mounts = recipe.mounts();
        for mount in &mounts {
            mount.check(recipe.manager())?;
        }
        let run = CachedRun {
            mounts,
            steps: recipe.steps()?,
        };
        let text = run.shell();
        check_run_text(&text).map_err(Rejection::from)?;
        let errors: Vec<_> = check_run(&text, &run.lint_context())
            .map_err(Rejection::from)?
            .into_iter()
            .filter(|finding| finding.severity == Severity::Error)
            .collect();
        if !errors.is_empty() {
            return Err(RecipeError::Run(Rejection::Rules(errors)));
        }
        Ok(run)
    }

    /// The cache mounts, in order.
    pub fn mounts(&self) -> &[CacheMount] {
        &self.mounts
    }

    /// The steps, in order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The script as one line of shell (steps joined with ` && `).
    pub fn shell(&self) -> String {
        self.steps
            .iter()
            .map(Step::to_string)
            .collect::<Vec<_>>()
            .join(" && ")
    }

    /// What the rules know of this `RUN`: a shipped stage with its mounts.
    pub fn lint_context(&self) -> RunContext {
        self.mounts
            .iter()
            .fold(RunContext::shipped(), |ctx, mount| {
                ctx.with_cache_mount(mount.target.clone())
            })
    }

    /// The `RUN` in the model, its mounts typed ([`Mount::Cache`]), for
    /// [`StageBuilder::run`](crate::StageBuilder::run): the model's own checks
    /// see the mounts as the rules here did.
    ///
    /// ```
    /// use stagecraft::packages::{Apt, CachedRun};
    /// use stagecraft::Dockerfile;
    ///
    /// let run = CachedRun::new(Apt::install(["curl"]).cached()).unwrap().to_run().unwrap();
    /// let mut df = Dockerfile::builder();
    /// df.stage("build", "debian:bookworm-slim").run(run);
    /// let text = df.build().unwrap().render();
    /// assert!(text.contains("RUN --mount=type=cache,target=/var/cache/apt,sharing=locked"));
    /// ```
    pub fn to_run(&self) -> Result<Run, RecipeError> {
        let spec = self.mounts.iter().fold(RunSpec::new(), |spec, mount| {
            let mut typed = Mount::cache(mount.target.clone());
            typed.id = mount.id.clone();
            typed.sharing = match mount.sharing {
                Sharing::Shared => None,
                Sharing::Locked => Some(model::Sharing::Locked),
                Sharing::Private => Some(model::Sharing::Private),
            };
            spec.mount(typed)
        });
        spec.shell(self.shell()).map_err(|error| match error {
            RunError::Refused(rejection) => RecipeError::Run(rejection),
            other => RecipeError::InvalidArgument {
                manager: "RUN",
                what: "cached RUN",
                value: other.to_string(),
                reason: "the model refuses this RUN's mounts",
            },
        })
    }

    /// The `RUN` instruction: one mount a line, then one step a line.
    pub fn instruction(&self) -> String {
        let mut text = String::from("RUN ");
        for mount in &self.mounts {
            text.push_str(&mount.to_string());
            text.push_str(" \\\n    ");
        }
        let steps: Vec<String> = self.steps.iter().map(step_text).collect();
        text.push_str(&steps.join(" \\\n && "));
        text
    }
}

/// A step on one line, or its items one per line when there are several
/// (the layout of the model's renderer).
fn step_text(step: &Step) -> String {
    if step.items.len() < 2 {
        return step.to_string();
    }
    let mut text = step.words.join(" ");
    for item in &step.items {
        text.push_str(" \\\n        ");
        text.push_str(item);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_options_that_cannot_be_written_are_refused() {
        for (mount, expected) in [
            (CacheMount::new("var/cache"), "absolute directory"),
            (CacheMount::new("/a,b"), "absolute directory"),
            (CacheMount::new("/a b"), "absolute directory"),
            (CacheMount::new("/a").id("x=y"), "an id without"),
            (CacheMount::new("/a").id(""), "an id without"),
        ] {
            let error = mount.check("pip").unwrap_err().to_string();
            assert!(error.contains(expected), "{mount}: {error}");
        }
        assert!(CacheMount::new("/root/.cache/pip").check("pip").is_ok());
    }
}
