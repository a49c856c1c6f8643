//! RPM distributions: dnf, yum and microdnf (Fedora, RHEL/UBI, Rocky,
//! Alma) and zypper (openSUSE, SLES).

use super::cache::{CacheMount, Cached, CachedRecipe, Sharing};
use super::grammar::{only, split_operator};
use super::{collect, packages_as_words, Recipe, RecipeError};
use crate::model::Step;

/// Which dnf-family tool a [`Dnf`] recipe runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnfTool {
    /// `dnf` (Fedora, EL8 and later).
    Dnf,
    /// `yum` (EL7, and an alias of dnf on EL8+).
    Yum,
    /// `microdnf` (the UBI/minimal images, which have no dnf).
    Microdnf,
}

impl DnfTool {
    fn command(self) -> &'static str {
        match self {
            DnfTool::Dnf => "dnf",
            DnfTool::Yum => "yum",
            DnfTool::Microdnf => "microdnf",
        }
    }
}

/// `dnf install -y ... && dnf clean all && rm -rf /var/cache/dnf`, and its
/// yum and microdnf forms.
///
/// Weak dependencies (the rpm side of "recommends") are not installed. The
/// yum form removes both `/var/cache/yum` and `/var/cache/dnf`: on EL8 and
/// later `yum` is dnf and keeps its cache in the latter.
///
/// ```
/// use stagecraft::{packages::Dnf, Run};
///
/// let run = Run::from_recipe(Dnf::install(["gcc-c++", "cmake"])).unwrap();
/// assert_eq!(
///     run.script().to_shell(),
///     "dnf install -y --setopt=install_weak_deps=False gcc-c++ cmake \
///      && dnf clean all && rm -rf /var/cache/dnf"
/// );
/// let run = Run::from_recipe(Dnf::microdnf(["shadow-utils"])).unwrap();
/// assert_eq!(
///     run.script().to_shell(),
///     "microdnf install -y --nodocs --setopt=install_weak_deps=0 shadow-utils \
///      && microdnf clean all"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dnf {
    tool: DnfTool,
    packages: Vec<String>,
    sorted: bool,
}

impl Dnf {
    /// `dnf install`.
    pub fn install<I, S>(packages: I) -> Dnf
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Dnf::with_tool(DnfTool::Dnf, packages)
    }

    /// `yum install`.
    pub fn yum<I, S>(packages: I) -> Dnf
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Dnf::with_tool(DnfTool::Yum, packages)
    }

    /// `microdnf install`.
    pub fn microdnf<I, S>(packages: I) -> Dnf
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Dnf::with_tool(DnfTool::Microdnf, packages)
    }

    /// Installs with the given tool.
    pub fn with_tool<I, S>(tool: DnfTool, packages: I) -> Dnf
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Dnf {
            tool,
            packages: collect(packages),
            sorted: false,
        }
    }

    /// Renders the packages sorted instead of in the given order.
    pub fn sorted(mut self) -> Dnf {
        self.sorted = true;
        self
    }
}

impl Dnf {
    /// The cached form: `keepcache` on, and the cache directory
    /// (`/var/cache/dnf`, or `/var/cache/yum` for yum and microdnf) in a cache
    /// mount with `sharing=locked` (the manager locks it); no `clean all`.
    ///
    /// ```
    /// use stagecraft::packages::{CachedRun, Dnf};
    /// let run = CachedRun::new(Dnf::install(["gcc-11.4.1"]).cached()).unwrap();
    /// assert_eq!(
    ///     run.instruction(),
    ///     "RUN --mount=type=cache,target=/var/cache/dnf,sharing=locked \\\n    \
    ///      dnf install -y --setopt=install_weak_deps=False --setopt=keepcache=True gcc-11.4.1"
    /// );
    /// ```
    pub fn cached(self) -> Cached<Dnf> {
        Cached { recipe: self }
    }
}

impl CachedRecipe for Cached<Dnf> {
    fn manager(&self) -> &'static str {
        self.recipe.tool.command()
    }

    fn mounts(&self) -> Vec<CacheMount> {
        // yum is dnf on EL8 and later and keeps its cache in /var/cache/dnf.
        let dirs: &[&str] = match self.recipe.tool {
            DnfTool::Dnf => &["/var/cache/dnf"],
            DnfTool::Yum => &["/var/cache/yum", "/var/cache/dnf"],
            DnfTool::Microdnf => &["/var/cache/yum"],
        };
        dirs.iter()
            .map(|dir| CacheMount::new(*dir).sharing(Sharing::Locked))
            .collect()
    }

    fn steps(&self) -> Result<Vec<Step>, RecipeError> {
        let mut steps = self.recipe.steps()?;
        steps.truncate(1);
        steps[0].words.push("--setopt=keepcache=True".to_string());
        Ok(steps)
    }
}

impl Recipe for Dnf {
    fn steps(&self) -> Result<Vec<Step>, RecipeError> {
        let (manager, install, cleanup): (&'static str, &[&str], &[&[&str]]) = match self.tool {
            DnfTool::Dnf => (
                "dnf",
                &["dnf", "install", "-y", "--setopt=install_weak_deps=False"],
                &[&["dnf", "clean", "all"], &["rm", "-rf", "/var/cache/dnf"]],
            ),
            DnfTool::Yum => (
                "yum",
                &["yum", "install", "-y"],
                &[
                    &["yum", "clean", "all"],
                    &["rm", "-rf", "/var/cache/yum", "/var/cache/dnf"],
                ],
            ),
            DnfTool::Microdnf => (
                "microdnf",
                &[
                    "microdnf",
                    "install",
                    "-y",
                    "--nodocs",
                    "--setopt=install_weak_deps=0",
                ],
                &[&["microdnf", "clean", "all"]],
            ),
        };
        let packages = packages_as_words(manager, &self.packages, self.sorted, check_rpm_name)?;
        let mut steps = vec![Step::new(install.iter().copied()).with_items(packages)];
        steps.extend(cleanup.iter().map(|words| Step::new(words.iter().copied())));
        Ok(steps)
    }
}

/// `zypper --non-interactive install --no-recommends ... && zypper clean -a`.
///
/// ```
/// use stagecraft::{packages::Zypper, Run};
/// let run = Run::from_recipe(Zypper::install(["gcc", "make>=4"])).unwrap();
/// assert_eq!(
///     run.script().to_shell(),
///     "zypper --non-interactive install --no-recommends gcc 'make>=4' && zypper clean -a"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zypper {
    packages: Vec<String>,
    sorted: bool,
}

impl Zypper {
    /// Installs packages: `name`, or `name` with `=`, `>=`, `<=`, `>` or `<` and a version.
    pub fn install<I, S>(packages: I) -> Zypper
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Zypper {
            packages: collect(packages),
            sorted: false,
        }
    }

    /// Renders the packages sorted instead of in the given order.
    pub fn sorted(mut self) -> Zypper {
        self.sorted = true;
        self
    }
}

impl Zypper {
    /// The cached form: zypper's cache (`/var/cache/zypp`: metadata and, with
    /// `--keep-packages` set on the repositories, packages) in a cache mount
    /// with `sharing=locked`; no `zypper clean`.
    ///
    /// ```
    /// use stagecraft::packages::{CachedRun, Zypper};
    /// let run = CachedRun::new(Zypper::install(["gcc=13"]).cached()).unwrap();
    /// assert_eq!(run.shell(), "zypper --non-interactive install --no-recommends gcc=13");
    /// assert_eq!(run.mounts()[0].target(), "/var/cache/zypp");
    /// ```
    pub fn cached(self) -> Cached<Zypper> {
        Cached { recipe: self }
    }
}

impl CachedRecipe for Cached<Zypper> {
    fn manager(&self) -> &'static str {
        "zypper"
    }

    fn mounts(&self) -> Vec<CacheMount> {
        vec![CacheMount::new("/var/cache/zypp").sharing(Sharing::Locked)]
    }

    fn steps(&self) -> Result<Vec<Step>, RecipeError> {
        let mut steps = self.recipe.steps()?;
        steps.truncate(1);
        Ok(steps)
    }
}

impl Recipe for Zypper {
    fn steps(&self) -> Result<Vec<Step>, RecipeError> {
        let packages = packages_as_words("zypper", &self.packages, self.sorted, check_zypper)?;
        Ok(vec![
            Step::new(["zypper", "--non-interactive", "install", "--no-recommends"])
                .with_items(packages),
            Step::new(["zypper", "clean", "-a"]),
        ])
    }
}

/// RPM names, optionally with `-version[-release][.arch]` and an epoch `:`.
fn check_rpm_name(spec: &str) -> Result<(), String> {
    only(
        "RPM package name",
        spec,
        |c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-' | ':'),
        "letters, digits, '.', '_', '+', '-' and ':'; write a version as name-1.2.3",
    )?;
    if !spec.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err("an RPM package name starts with a letter or digit".to_string());
    }
    Ok(())
}

fn check_zypper(spec: &str) -> Result<(), String> {
    match split_operator(spec, &["=", ">=", "<=", ">", "<"]) {
        Some((name, _, version)) => {
            check_rpm_name(name)?;
            only(
                "RPM version",
                version,
                |c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-' | ':' | '~'),
                "letters, digits, '.', '_', '+', '-', '~' and ':'",
            )
        }
        None => check_rpm_name(spec),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yum_cleans_both_caches() {
        let steps = Dnf::yum(["which"]).steps().unwrap();
        let lines: Vec<String> = steps.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "yum install -y which",
                "yum clean all",
                "rm -rf /var/cache/yum /var/cache/dnf"
            ]
        );
    }

    #[test]
    fn grammar() {
        for ok in ["gcc-c++", "kernel-devel-5.14.0", "perl:5.32", "python3.11"] {
            assert_eq!(check_rpm_name(ok), Ok(()), "{ok}");
        }
        for bad in ["gcc*", "a b", "-y", "x>1"] {
            assert!(check_rpm_name(bad).is_err(), "{bad}");
        }
        assert_eq!(check_zypper("make>=4.3"), Ok(()));
        assert!(check_zypper("make>=$(id)").is_err());
        assert_eq!(
            Dnf::install(Vec::<String>::new()).steps(),
            Err(RecipeError::EmptyPackageList { manager: "dnf" })
        );
    }
}
