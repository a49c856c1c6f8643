//! Package recipes: each renders one correct `RUN`, install and cleanup
//! together, cleanup after install, so the package manager's caches never
//! reach a layer.
//!
//! | recipe | renders |
//! | --- | --- |
//! | [`Apt::install`] | `apt-get update && apt-get install -y --no-install-recommends ... && rm -rf /var/lib/apt/lists/*` |
//! | [`Apk::add`] | `apk add --no-cache ...` |
//! | [`Dnf::install`], [`Dnf::yum`], [`Dnf::microdnf`] | `dnf install -y ... && dnf clean all && rm -rf /var/cache/dnf` (and the yum/microdnf forms) |
//! | [`Zypper::install`] | `zypper --non-interactive install --no-recommends ... && zypper clean -a` |
//! | [`Pip::install`] | `pip install --no-cache-dir ...` (or `python3 -m pip ...`) |
//! | [`Conda::install`], [`Conda::create`], [`Conda::env_create`] | `conda install -y ... && conda clean -afy` (and mamba/micromamba) |
//! | [`Npm::ci`], [`Npm::install_global`], [`Yarn::install`] | `npm ci --omit=dev && npm cache clean --force`, `yarn install ... && yarn cache clean` |
//! | [`Cargo::build_release`] | `cargo build --release --locked ... && cp .../release/BIN /usr/local/bin/ && rm -rf <target> <registry> <git>` |
//!
//! Each has a cached form, `.cached()`, whose caches live in BuildKit cache
//! mounts instead of being deleted (see [`CachedRun`]): a rebuild downloads
//! (and, for cargo, compiles) only what changed, and the layer holds none of it.
//!
//! Every package name and version is checked against its manager's grammar
//! before anything is rendered: a name with whitespace, a newline or a shell
//! metacharacter is an error naming it, so nothing can be injected into the
//! shell through a recipe. Requirements that need quoting for the shell
//! (`numpy>=1.26`) are single-quoted.
//!
//! Several recipes share one `RUN` with [`Recipe::and`]:
//!
//! ```
//! use stagecraft::packages::{Apt, Pip, Recipe};
//! use stagecraft::Run;
//!
//! let run = Run::from_recipe(
//!     Apt::install(["python3-pip"]).and(Pip::install(["numpy>=1.26"]).break_system_packages()),
//! )
//! .unwrap();
//! assert_eq!(
//!     run.script().to_shell(),
//!     "apt-get update && apt-get install -y --no-install-recommends python3-pip \
//!      && rm -rf /var/lib/apt/lists/* \
//!      && pip install --no-cache-dir --break-system-packages 'numpy>=1.26'"
//! );
//! ```

mod apk;
mod apt;
mod cache;
mod cargo;
mod conda;
mod grammar;
mod node;
mod pip;
mod rpm;
#[cfg(test)]
mod truth_table;

pub use self::apk::Apk;
pub(crate) use self::apt::check_package as check_debian_package;
pub use self::apt::Apt;
pub use self::cache::{CacheMount, Cached, CachedChain, CachedRecipe, CachedRun, Sharing};
pub use self::cargo::Cargo;
pub use self::conda::{Conda, CondaTool};
pub use self::node::{Npm, Yarn};
pub use self::pip::{Pip, PIP_WHEELHOUSE};
pub use self::rpm::{Dnf, DnfTool, Zypper};
pub use crate::error::RecipeError;
use crate::model::{Run, Step};

/// A package-manager invocation that renders as the steps of one `RUN`.
pub trait Recipe {
    /// The steps: install, then cleanup. Fails on bad input, naming it.
    fn steps(&self) -> Result<Vec<Step>, RecipeError>;

    /// This recipe, then `next`, in the same `RUN`.
    fn and<R: Recipe>(self, next: R) -> Chain<Self, R>
    where
        Self: Sized,
    {
        Chain {
            first: self,
            second: next,
        }
    }
}

/// Two recipes in one `RUN`; made by [`Recipe::and`].
#[derive(Debug, Clone)]
pub struct Chain<A, B> {
    first: A,
    second: B,
}

impl<A: Recipe, B: Recipe> Recipe for Chain<A, B> {
    fn steps(&self) -> Result<Vec<Step>, RecipeError> {
        let mut steps = self.first.steps()?;
        steps.extend(self.second.steps()?);
        Ok(steps)
    }
}

impl Run {
    /// The `RUN` of a recipe.
    ///
    /// ```
    /// use stagecraft::{packages::Apk, Run};
    /// let run = Run::from_recipe(Apk::add(["curl"])).unwrap();
    /// assert_eq!(run.script().to_shell(), "apk add --no-cache curl");
    /// ```
    pub fn from_recipe(recipe: impl Recipe) -> Result<Run, RecipeError> {
        let steps = recipe.steps()?;
        Run::from_steps(steps).map_err(RecipeError::Run)
    }
}

/// Validates each package with `check`, failing on an empty list; returns them
/// quoted for the shell, in the given order or sorted.
fn packages_as_words(
    manager: &'static str,
    packages: &[String],
    sort: bool,
    check: fn(&str) -> Result<(), String>,
) -> Result<Vec<String>, RecipeError> {
    if packages.is_empty() {
        return Err(RecipeError::EmptyPackageList { manager });
    }
    let mut words = Vec::with_capacity(packages.len());
    for name in packages {
        check(name).map_err(|reason| RecipeError::InvalidPackage {
            manager,
            name: name.clone(),
            reason,
        })?;
        words.push(grammar::quote(name));
    }
    if sort {
        words.sort();
        words.dedup();
    }
    Ok(words)
}

fn collect<I, S>(items: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    items.into_iter().map(Into::into).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use stagecraft_rules::{check_run, RunContext};

    /// Every recipe renders a RUN the rule catalogue has nothing to say
    /// about, not even a warning.
    #[test]
    fn recipes_pass_every_rule() {
        let runs = [
            Run::from_recipe(Apt::install(["curl", "ca-certificates"]).clean_cache()),
            Run::from_recipe(Apk::add(["curl"])),
            // Versions pinned, or DL3041/DL3033/DL3037 warn (as hadolint does).
            Run::from_recipe(Dnf::install(["gcc-11.4.1"])),
            Run::from_recipe(Dnf::yum(["gcc-11.4.1"])),
            Run::from_recipe(Dnf::microdnf(["gcc-11.4.1"])),
            Run::from_recipe(Zypper::install(["gcc=13"])),
            Run::from_recipe(Pip::install(["numpy>=1.26"]).python("python3")),
            Run::from_recipe(Pip::requirements_file("requirements.txt")),
            Run::from_recipe(Conda::create("/opt/env", ["numpy"]).channel("conda-forge")),
            Run::from_recipe(Conda::env_create("/opt/env", "env.yml").tool(CondaTool::Mamba)),
            Run::from_recipe(Conda::install(["numpy"]).tool(CondaTool::Micromamba)),
            Run::from_recipe(Apt::install(["python3-pip"]).and(Pip::install(["x"]))),
        ];
        for run in runs {
            let text = run.expect("the recipe builds").script().to_shell();
            let mut findings = check_run(&text, &RunContext::shipped()).unwrap();
            // The package names (and so their versions) are the caller's:
            // a recipe cannot pin them.
            findings.retain(|f| !stagecraft_rules::catalogue::PINNING.contains(&f.rule));
            assert!(findings.is_empty(), "{text}: {findings:?}");
        }
    }
}
