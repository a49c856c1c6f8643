//! Alpine: `apk`.

use super::cache::{CacheMount, Cached, CachedRecipe};
use super::grammar::{only, split_operator};
use super::{collect, packages_as_words, Recipe, RecipeError};
use crate::model::Step;

/// `apk add --no-cache ...`: the index is fetched to a temporary place and
/// never written to `/var/cache/apk`, so there is nothing to clean.
///
/// ```
/// use stagecraft::{packages::Apk, Run};
/// let run = Run::from_recipe(Apk::add(["fortune", "ruby=3.3.5-r0"])).unwrap();
/// assert_eq!(run.script().to_shell(), "apk add --no-cache fortune ruby=3.3.5-r0");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Apk {
    packages: Vec<String>,
    sorted: bool,
}

impl Apk {
    /// Adds packages: `name`, or `name` with a constraint (`=`, `~`, `>=`, `<=`, `>`, `<`) and a version.
    pub fn add<I, S>(packages: I) -> Apk
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Apk {
            packages: collect(packages),
            sorted: false,
        }
    }

    /// Renders the packages sorted instead of in the given order.
    pub fn sorted(mut self) -> Apk {
        self.sorted = true;
        self
    }

    /// The cached form: the indexes and packages stay in a cache mount on
    /// `/var/cache/apk`, which `--cache-dir` makes apk's cache for this
    /// command only (no `/etc/apk/cache` link is left in the image).
    ///
    /// ```
    /// use stagecraft::packages::{Apk, CachedRun};
    /// let run = CachedRun::new(Apk::add(["curl"]).cached()).unwrap();
    /// assert_eq!(run.shell(), "apk add --cache-dir=/var/cache/apk curl");
    /// ```
    pub fn cached(self) -> Cached<Apk> {
        Cached { recipe: self }
    }

    fn add_step(&self, option: &str) -> Result<Vec<Step>, RecipeError> {
        let packages = packages_as_words("apk", &self.packages, self.sorted, check_package)?;
        Ok(vec![Step::new(["apk", "add", option]).with_items(packages)])
    }
}

impl CachedRecipe for Cached<Apk> {
    fn manager(&self) -> &'static str {
        "apk"
    }

    fn mounts(&self) -> Vec<CacheMount> {
        vec![CacheMount::new("/var/cache/apk")]
    }

    fn steps(&self) -> Result<Vec<Step>, RecipeError> {
        self.recipe.add_step("--cache-dir=/var/cache/apk")
    }
}

impl Recipe for Apk {
    fn steps(&self) -> Result<Vec<Step>, RecipeError> {
        self.add_step("--no-cache")
    }
}

fn check_package(spec: &str) -> Result<(), String> {
    let (name, version) = match split_operator(spec, &["=", "~", ">=", "<=", ">", "<", "~="]) {
        Some((name, _, version)) => (name, Some(version)),
        None => (spec, None),
    };
    only(
        "Alpine package name",
        name,
        |c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-'),
        "letters, digits, '.', '_', '+' and '-'",
    )?;
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err("an Alpine package name starts with a letter or digit".to_string());
    }
    if let Some(version) = version {
        only(
            "Alpine version",
            version,
            |c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'),
            "letters, digits, '.', '_' and '-', e.g. 3.3.5-r0",
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar() {
        for ok in [
            "py3-pip",
            "so.1",
            "ruby=3.3.5-r0",
            "curl>=8",
            "busybox~1.36",
        ] {
            assert_eq!(check_package(ok), Ok(()), "{ok}");
        }
        for bad in ["curl|sh", "curl ", "-curl", "curl=", "`id`"] {
            assert!(check_package(bad).is_err(), "{bad}");
        }
        let steps = Apk::add(["curl>=8"]).steps().unwrap();
        assert_eq!(steps[0].to_string(), "apk add --no-cache 'curl>=8'");
    }
}
