//! Debian and Ubuntu: `apt-get`.

use super::cache::{CacheMount, Cached, CachedRecipe, Sharing};
use super::grammar::only;
use super::{collect, packages_as_words, Recipe, RecipeError};
use crate::model::Step;

/// `apt-get update && apt-get install -y --no-install-recommends ... && rm -rf /var/lib/apt/lists/*`.
///
/// The index update, the install and the removal of the index share one
/// `RUN`: an update in an earlier layer would be a stale cache, and a removal
/// in a later layer frees nothing.
///
/// ```
/// use stagecraft::packages::Apt;
/// use stagecraft::Run;
///
/// let run = Run::from_recipe(Apt::install(["fortune", "fortunes-min"])).unwrap();
/// assert_eq!(
///     run.script().to_shell(),
///     "apt-get update && apt-get install -y --no-install-recommends fortune fortunes-min \
///      && rm -rf /var/lib/apt/lists/*"
/// );
///
/// let error = Run::from_recipe(Apt::install(["curl; rm -rf /"])).unwrap_err();
/// assert!(error.to_string().contains(r#"invalid package "curl; rm -rf /""#));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Apt {
    packages: Vec<String>,
    clean: bool,
    sorted: bool,
}

impl Apt {
    /// Installs packages: `name`, `name=version` (a pin), `name:arch` or `name/release`.
    pub fn install<I, S>(packages: I) -> Apt
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Apt {
            packages: collect(packages),
            clean: false,
            sorted: false,
        }
    }

    /// Also runs `apt-get clean`, for bases that keep downloaded `.deb` files
    /// in `/var/cache/apt/archives` (the official Debian and Ubuntu images
    /// delete them already through `/etc/apt/apt.conf.d/docker-clean`).
    pub fn clean_cache(mut self) -> Apt {
        self.clean = true;
        self
    }

    /// Renders the packages sorted (and without duplicates) instead of in the given order.
    pub fn sorted(mut self) -> Apt {
        self.sorted = true;
        self
    }

    /// The cached form: the package lists (`/var/lib/apt`) and the downloaded
    /// `.deb` files (`/var/cache/apt`) live in cache mounts with
    /// `sharing=locked` (apt locks both; a concurrent build waits instead of
    /// failing), so nothing is deleted and a rebuild downloads only what changed.
    ///
    /// The official Debian and Ubuntu images delete the `.deb` files after
    /// every install through `/etc/apt/apt.conf.d/docker-clean`; the cached form
    /// moves that hook aside for the `RUN` and puts it back at its end, so
    /// the image keeps it. (On a base without the hook the first step fails:
    /// use the plain [`Apt::install`] there.)
    ///
    /// ```
    /// use stagecraft::packages::{Apt, CachedRun};
    /// let run = CachedRun::new(Apt::install(["curl"]).cached()).unwrap();
    /// assert_eq!(
    ///     run.shell(),
    ///     "mv /etc/apt/apt.conf.d/docker-clean /etc/apt/docker-clean.off \
    ///      && apt-get update && apt-get install -y --no-install-recommends curl \
    ///      && mv /etc/apt/docker-clean.off /etc/apt/apt.conf.d/docker-clean"
    /// );
    /// assert_eq!(run.mounts()[1].to_string(),
    ///            "--mount=type=cache,target=/var/lib/apt,sharing=locked");
    /// ```
    pub fn cached(self) -> Cached<Apt> {
        Cached { recipe: self }
    }

    fn install_steps(&self) -> Result<Vec<Step>, RecipeError> {
        let packages = packages_as_words("apt-get", &self.packages, self.sorted, check_package)?;
        Ok(vec![
            Step::new(["apt-get", "update"]),
            Step::new(["apt-get", "install", "-y", "--no-install-recommends"]).with_items(packages),
        ])
    }
}

/// The hook of the official images that deletes downloaded packages, and
/// where the cached form keeps it during its `RUN`.
const DOCKER_CLEAN: &str = "/etc/apt/apt.conf.d/docker-clean";
const DOCKER_CLEAN_ASIDE: &str = "/etc/apt/docker-clean.off";

impl CachedRecipe for Cached<Apt> {
    fn manager(&self) -> &'static str {
        "apt-get"
    }

    fn mounts(&self) -> Vec<CacheMount> {
        ["/var/cache/apt", "/var/lib/apt"]
            .map(|dir| CacheMount::new(dir).sharing(Sharing::Locked))
            .into()
    }

    fn steps(&self) -> Result<Vec<Step>, RecipeError> {
        let mut steps = vec![Step::new(["mv", DOCKER_CLEAN, DOCKER_CLEAN_ASIDE])];
        steps.extend(self.recipe.install_steps()?);
        steps.push(Step::new(["mv", DOCKER_CLEAN_ASIDE, DOCKER_CLEAN]));
        Ok(steps)
    }
}

impl Recipe for Apt {
    fn steps(&self) -> Result<Vec<Step>, RecipeError> {
        let mut steps = self.install_steps()?;
        if self.clean {
            steps.push(Step::new(["apt-get", "clean"]));
        }
        steps.push(Step::new(["rm", "-rf", "/var/lib/apt/lists/*"]));
        Ok(steps)
    }
}

/// Debian policy: names are lowercase letters, digits, `+`, `-`, `.`, at
/// least two characters, starting with a letter or digit; versions are
/// `[epoch:]upstream[-revision]` starting with a digit.
pub(crate) fn check_package(spec: &str) -> Result<(), String> {
    let (name, version) = match spec.split_once('=') {
        Some((name, version)) => (name, Some(version)),
        None => (spec, None),
    };
    let (name, qualifier) = match name.find([':', '/']) {
        Some(at) => (&name[..at], Some(&name[at + 1..])),
        None => (name, None),
    };
    only(
        "Debian package name",
        name,
        |c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '+' | '-' | '.'),
        "lowercase letters, digits, '+', '-' and '.'",
    )?;
    if name.len() < 2 || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(
            "a Debian package name has at least two characters and starts with a letter or digit"
                .to_string(),
        );
    }
    if let Some(qualifier) = qualifier {
        only(
            "architecture or release qualifier",
            qualifier,
            |c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '+'),
            "write name:arch (e.g. libc6:amd64) or name/release (e.g. cmake/bookworm-backports)",
        )?;
    }
    if let Some(version) = version {
        only(
            "Debian version",
            version,
            |c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '~' | ':' | '-'),
            "letters, digits, '.', '+', '~', ':' and '-', e.g. 2.36-9+deb12u4",
        )?;
        if !version.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!(
                "the version {version:?} does not start with a digit (write name=version, e.g. libc6=2.36-9)"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_debian_names_and_pins() {
        for spec in [
            "fortune",
            "fortunes-min",
            "libstdc++6",
            "g++",
            "libc6=2.36-9+deb12u4",
            "python3.11",
            "libc6:amd64",
            "cmake/bookworm-backports",
            "tzdata=2024a-0+deb12u1",
            "foo=1:2.0~rc1-1",
        ] {
            assert_eq!(check_package(spec), Ok(()), "{spec}");
        }
    }

    #[test]
    fn rejects_bad_names_naming_the_problem() {
        let cases = [
            ("Fortune", "'F' is not allowed"),
            ("a", "at least two characters"),
            ("curl && rm -rf /", "a space is not allowed"),
            ("curl\nRUN x", "a newline is not allowed"),
            ("$(reboot)", "'$' is not allowed"),
            ("libc6=latest", "does not start with a digit"),
            ("libc6=", "Debian version is empty"),
            ("-y", "starts with a letter or digit"),
        ];
        for (spec, expected) in cases {
            let error = check_package(spec).unwrap_err();
            assert!(error.contains(expected), "{spec}: {error}");
        }
    }

    #[test]
    fn renders_clean_and_sorted() {
        let steps = Apt::install(["bb", "a1", "bb"])
            .sorted()
            .clean_cache()
            .steps()
            .unwrap();
        let lines: Vec<String> = steps.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "apt-get update",
                "apt-get install -y --no-install-recommends a1 bb",
                "apt-get clean",
                "rm -rf /var/lib/apt/lists/*"
            ]
        );
    }
}
