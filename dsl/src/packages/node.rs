//! Node.js: `npm` and `yarn` (classic).

use super::cache::{CacheMount, Cached, CachedRecipe};
use super::grammar::only;
use super::{collect, packages_as_words, Recipe, RecipeError};
use crate::model::Step;

/// `npm ci --omit=dev && npm cache clean --force`, or a global install.
///
/// npm keeps every tarball it fetches in `~/.npm/_cacache`; the cleaned form
/// removes it in the same `RUN`, the cached form keeps it in a cache mount on
/// `/root/.npm`.
///
/// ```
/// use stagecraft::packages::{CachedRun, Npm};
/// use stagecraft::Run;
///
/// let run = Run::from_recipe(Npm::ci()).unwrap();
/// assert_eq!(run.script().to_shell(), "npm ci --omit=dev && npm cache clean --force");
/// let run = CachedRun::new(Npm::install_global(["typescript@5.4.5"]).cached()).unwrap();
/// assert_eq!(
///     run.instruction(),
///     "RUN --mount=type=cache,target=/root/.npm \\\n    npm install -g typescript@5.4.5"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Npm {
    global: Vec<String>,
}

impl Npm {
    /// `npm ci --omit=dev`: the lock file's dependencies, without dev ones.
    pub fn ci() -> Npm {
        Npm { global: Vec::new() }
    }

    /// `npm install -g`: packages (`name`, `@scope/name`, with `@version`).
    pub fn install_global<I, S>(packages: I) -> Npm
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Npm {
            global: collect(packages),
        }
    }

    /// The cached form (see the type's documentation).
    pub fn cached(self) -> Cached<Npm> {
        Cached { recipe: self }
    }

    fn install_step(&self) -> Result<Step, RecipeError> {
        if self.global.is_empty() {
            return Ok(Step::new(["npm", "ci", "--omit=dev"]));
        }
        let packages = packages_as_words("npm", &self.global, false, check_npm_package)?;
        Ok(Step::new(["npm", "install", "-g"]).with_items(packages))
    }
}

impl Recipe for Npm {
    fn steps(&self) -> Result<Vec<Step>, RecipeError> {
        Ok(vec![
            self.install_step()?,
            Step::new(["npm", "cache", "clean", "--force"]),
        ])
    }
}

impl CachedRecipe for Cached<Npm> {
    fn manager(&self) -> &'static str {
        "npm"
    }

    fn mounts(&self) -> Vec<CacheMount> {
        vec![CacheMount::new("/root/.npm")]
    }

    fn steps(&self) -> Result<Vec<Step>, RecipeError> {
        Ok(vec![self.recipe.install_step()?])
    }
}

/// `yarn install --frozen-lockfile --production && yarn cache clean` (yarn 1).
///
/// The cached form keeps yarn's cache in a mount on
/// `/usr/local/share/.cache/yarn`, yarn 1's cache as root on the official
/// Node images.
///
/// ```
/// use stagecraft::packages::{CachedRun, Yarn};
/// use stagecraft::Run;
///
/// let run = Run::from_recipe(Yarn::install()).unwrap();
/// assert_eq!(
///     run.script().to_shell(),
///     "yarn install --frozen-lockfile --production && yarn cache clean"
/// );
/// let run = CachedRun::new(Yarn::install().cached()).unwrap();
/// assert_eq!(run.shell(), "yarn install --frozen-lockfile --production");
/// assert_eq!(run.mounts()[0].target(), "/usr/local/share/.cache/yarn");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Yarn {
    _private: (),
}

impl Yarn {
    /// `yarn install --frozen-lockfile --production`.
    pub fn install() -> Yarn {
        Yarn { _private: () }
    }

    /// The cached form (see the type's documentation).
    pub fn cached(self) -> Cached<Yarn> {
        Cached { recipe: self }
    }

    fn install_step() -> Step {
        Step::new(["yarn", "install", "--frozen-lockfile", "--production"])
    }
}

impl Recipe for Yarn {
    fn steps(&self) -> Result<Vec<Step>, RecipeError> {
        Ok(vec![
            Yarn::install_step(),
            Step::new(["yarn", "cache", "clean"]),
        ])
    }
}

impl CachedRecipe for Cached<Yarn> {
    fn manager(&self) -> &'static str {
        "yarn"
    }

    fn mounts(&self) -> Vec<CacheMount> {
        vec![CacheMount::new("/usr/local/share/.cache/yarn")]
    }

    fn steps(&self) -> Result<Vec<Step>, RecipeError> {
        Ok(vec![Yarn::install_step()])
    }
}

/// npm names: lowercase letters, digits, `-`, `.`, `_`, `~`, an optional
/// `@scope/`, and an optional `@version`.
fn check_npm_package(spec: &str) -> Result<(), String> {
    let (scope, rest) = match spec.strip_prefix('@') {
        Some(rest) => match rest.split_once('/') {
            Some((scope, rest)) => (Some(scope), rest),
            None => return Err("a scoped name is written @scope/name".to_string()),
        },
        None => (None, spec),
    };
    let (name, version) = match rest.split_once('@') {
        Some((name, version)) => (name, Some(version)),
        None => (rest, None),
    };
    let name_char = |c: char| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '_' | '~')
    };
    if let Some(scope) = scope {
        only(
            "npm scope",
            scope,
            name_char,
            "lowercase letters, digits, '-', '.', '_' and '~'",
        )?;
    }
    only(
        "npm package name",
        name,
        name_char,
        "lowercase letters, digits, '-', '.', '_' and '~'",
    )?;
    if name.starts_with(['.', '_', '-']) {
        return Err("an npm package name starts with a letter or digit".to_string());
    }
    if let Some(version) = version {
        only(
            "npm version",
            version,
            |c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '^' | '~'),
            "letters, digits, '.', '-', '+', '^' and '~', e.g. 5.4.5",
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npm_names() {
        for ok in [
            "typescript",
            "typescript@5.4.5",
            "@types/node@20.1.0",
            "lodash.merge",
        ] {
            assert_eq!(check_npm_package(ok), Ok(()), "{ok}");
        }
        for bad in ["-g", "@types", "Foo", "x@1;rm", "a b", "@/x", "x@"] {
            assert!(check_npm_package(bad).is_err(), "{bad}");
        }
    }
}
