//! conda, mamba and micromamba.

use super::cache::{CacheMount, Cached, CachedRecipe, Sharing};
use super::grammar::{only, quote};
use super::{collect, packages_as_words, Recipe, RecipeError};
use crate::model::Step;

/// Which conda-compatible tool a [`Conda`] recipe runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CondaTool {
    /// `conda`.
    Conda,
    /// `mamba`, the faster drop-in solver.
    Mamba,
    /// `micromamba`, the single static binary (installs into `-n base` unless a prefix is given).
    Micromamba,
}

impl CondaTool {
    fn command(self) -> &'static str {
        match self {
            CondaTool::Conda => "conda",
            CondaTool::Mamba => "mamba",
            CondaTool::Micromamba => "micromamba",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
    Install,
    Create { prefix: String },
    EnvCreate { prefix: String, file: String },
}

/// `conda install -y ... && conda clean -afy`, `conda create -p PREFIX`, and
/// `conda env create -p PREFIX -f FILE`, with mamba and micromamba forms.
///
/// `clean -afy` removes the package tarballs, the extracted package cache and
/// the index cache, which otherwise stay in the layer (hundreds of MB for a
/// scientific environment).
///
/// ```
/// use stagecraft::{packages::{Conda, CondaTool}, Run};
///
/// let run = Run::from_recipe(Conda::create("/opt/env", ["python=3.11", "numpy"]).channel("conda-forge")).unwrap();
/// assert_eq!(
///     run.script().to_shell(),
///     "conda create -y -p /opt/env -c conda-forge python=3.11 numpy && conda clean -afy"
/// );
///
/// let run = Run::from_recipe(Conda::env_create("/opt/qiime2", "qiime2.yml").tool(CondaTool::Mamba)).unwrap();
/// assert_eq!(
///     run.script().to_shell(),
///     "mamba env create -p /opt/qiime2 -f qiime2.yml && mamba clean -afy"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conda {
    tool: CondaTool,
    action: Action,
    packages: Vec<String>,
    channels: Vec<String>,
    sorted: bool,
    /// The cached form's pkgs directory, when not `/opt/conda/pkgs`.
    pkgs_dir: Option<String>,
}

impl Conda {
    /// `conda install -y` into the active (base) environment.
    pub fn install<I, S>(packages: I) -> Conda
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Conda::new(Action::Install, collect(packages))
    }

    /// `conda create -y -p PREFIX`: a new environment at an absolute path,
    /// the form that copies cleanly into a runtime stage.
    pub fn create<I, S>(prefix: impl Into<String>, packages: I) -> Conda
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Conda::new(
            Action::Create {
                prefix: prefix.into(),
            },
            collect(packages),
        )
    }

    /// `conda env create -p PREFIX -f FILE`: an environment from a YAML file.
    pub fn env_create(prefix: impl Into<String>, file: impl Into<String>) -> Conda {
        Conda::new(
            Action::EnvCreate {
                prefix: prefix.into(),
                file: file.into(),
            },
            Vec::new(),
        )
    }

    fn new(action: Action, packages: Vec<String>) -> Conda {
        Conda {
            tool: CondaTool::Conda,
            action,
            packages,
            channels: Vec::new(),
            sorted: false,
            pkgs_dir: None,
        }
    }

    /// Runs mamba or micromamba instead of conda.
    pub fn tool(mut self, tool: CondaTool) -> Conda {
        self.tool = tool;
        self
    }

    /// Adds `-c CHANNEL` (in order of priority).
    pub fn channel(mut self, channel: impl Into<String>) -> Conda {
        self.channels.push(channel.into());
        self
    }

    /// Renders the packages sorted instead of in the given order.
    pub fn sorted(mut self) -> Conda {
        self.sorted = true;
        self
    }

    /// The cached form: the package tarballs and their extracted copies stay
    /// in a cache mount on the pkgs directory (`/opt/conda/pkgs`, the official
    /// images' root prefix; set another with [`Cached::pkgs_dir`]), with
    /// `sharing=locked`; no `conda clean`.
    ///
    /// ```
    /// use stagecraft::packages::{CachedRun, Conda};
    /// let run = CachedRun::new(Conda::install(["numpy"]).cached()).unwrap();
    /// assert_eq!(run.shell(), "conda install -y numpy");
    /// assert_eq!(run.mounts()[0].to_string(),
    ///            "--mount=type=cache,target=/opt/conda/pkgs,sharing=locked");
    /// ```
    pub fn cached(self) -> Cached<Conda> {
        Cached { recipe: self }
    }
}

impl Cached<Conda> {
    /// The pkgs directory of the installation (`<root prefix>/pkgs`, e.g.
    /// `/root/micromamba/pkgs` for micromamba's default root prefix).
    pub fn pkgs_dir(mut self, dir: impl Into<String>) -> Cached<Conda> {
        self.recipe.pkgs_dir = Some(dir.into());
        self
    }
}

impl CachedRecipe for Cached<Conda> {
    fn manager(&self) -> &'static str {
        self.recipe.tool.command()
    }

    fn mounts(&self) -> Vec<CacheMount> {
        let dir = self.recipe.pkgs_dir.as_deref().unwrap_or("/opt/conda/pkgs");
        vec![CacheMount::new(dir).sharing(Sharing::Locked)]
    }

    fn steps(&self) -> Result<Vec<Step>, RecipeError> {
        let mut steps = self.recipe.steps()?;
        steps.truncate(1);
        Ok(steps)
    }
}

impl Recipe for Conda {
    fn steps(&self) -> Result<Vec<Step>, RecipeError> {
        let manager = self.tool.command();
        let mut words = vec![manager.to_string()];
        let items = match &self.action {
            Action::Install => {
                words.extend(["install", "-y"].map(String::from));
                if self.tool == CondaTool::Micromamba {
                    words.extend(["-n", "base"].map(String::from));
                }
                Some(())
            }
            Action::Create { prefix } => {
                words.extend(["create", "-y", "-p"].map(String::from));
                words.push(check_path(manager, "environment prefix", prefix)?);
                Some(())
            }
            Action::EnvCreate { prefix, file } => {
                if self.tool == CondaTool::Micromamba {
                    words.extend(["create", "-y", "-p"].map(String::from));
                } else {
                    words.extend(["env", "create", "-p"].map(String::from));
                }
                words.push(check_path(manager, "environment prefix", prefix)?);
                words.push("-f".to_string());
                words.push(check_path(manager, "environment file", file)?);
                None
            }
        };
        for channel in &self.channels {
            only(
                "channel",
                channel,
                |c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':'),
                "",
            )
            .map_err(|_| RecipeError::InvalidArgument {
                manager,
                what: "channel",
                value: channel.clone(),
                reason: "a channel is a name like conda-forge or a URL without spaces or quotes",
            })?;
            if channel.starts_with('-') {
                return Err(RecipeError::InvalidArgument {
                    manager,
                    what: "channel",
                    value: channel.clone(),
                    reason: "a channel starting with '-' is read as an option: \
                             give the channel's name or URL",
                });
            }
            words.push("-c".to_string());
            words.push(channel.clone());
        }
        let items = match items {
            Some(()) => packages_as_words(manager, &self.packages, self.sorted, check_match_spec)?,
            None => Vec::new(),
        };
        Ok(vec![
            Step { words, items },
            Step::new([manager, "clean", "-afy"]),
        ])
    }
}

fn check_path(
    manager: &'static str,
    what: &'static str,
    path: &str,
) -> Result<String, RecipeError> {
    let bad = path.is_empty() || path.contains('\'') || path.chars().any(char::is_control);
    if bad {
        return Err(RecipeError::InvalidArgument {
            manager,
            what,
            value: path.to_string(),
            reason: "give a non-empty path without quote or control characters",
        });
    }
    if path.starts_with('-') {
        return Err(RecipeError::InvalidArgument {
            manager,
            what,
            value: path.to_string(),
            reason:
                "a path starting with '-' is read as an option: write it as ./-name or absolute",
        });
    }
    Ok(quote(path))
}

/// Refuses a word that the tool would read as an option (`-y`, `--force`):
/// a leading `-` turns a package, channel or path into a flag.
fn refuse_option(what: &str, word: &str) -> Result<(), String> {
    if word.starts_with('-') {
        return Err(format!(
            "a {what} starting with '-' would be read as an option: \
             give options through the recipe's methods, not as a {what}"
        ));
    }
    Ok(())
}

/// A conda match spec: `[channel::]name[ version[ build]]` written without
/// spaces, e.g. `python=3.11`, `numpy>=1.26,<2`, `conda-forge::tzdata`.
fn check_match_spec(spec: &str) -> Result<(), String> {
    refuse_option("package", spec)?;
    let spec_without_channel = match spec.rsplit_once("::") {
        Some((channel, rest)) => {
            refuse_option("channel", channel)?;
            only(
                "channel",
                channel,
                |c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'),
                "letters, digits, '.', '_', '-' and '/'",
            )?;
            rest
        }
        None => spec,
    };
    let name_end = spec_without_channel
        .find(|c: char| "=<>!~".contains(c))
        .unwrap_or(spec_without_channel.len());
    let (name, version) = spec_without_channel.split_at(name_end);
    only(
        "conda package name",
        name,
        |c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'),
        "letters, digits, '.', '_' and '-'",
    )?;
    if !version.is_empty() {
        only(
            "version spec",
            version,
            |c| c.is_ascii_alphanumeric() || "=<>!~.*,|_+-".contains(c),
            "a version with =, ==, >=, <=, !=, ~=, '*', ',' and '|', without spaces",
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
            "python=3.11",
            "numpy>=1.26,<2",
            "conda-forge::tzdata",
            "openblas=*=*openmp*",
            "r-base",
        ] {
            assert_eq!(check_match_spec(ok), Ok(()), "{ok}");
        }
        for bad in ["numpy 1.2", "x;y", "a\nb", "$(id)"] {
            assert!(check_match_spec(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn micromamba_installs_into_base() {
        let steps = Conda::install(["numpy"])
            .tool(CondaTool::Micromamba)
            .steps()
            .unwrap();
        let lines: Vec<String> = steps.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "micromamba install -y -n base numpy",
                "micromamba clean -afy"
            ]
        );
    }

    #[test]
    fn leading_dash_is_refused_everywhere() {
        for bad in ["-y", "--force-reinstall", "-c::numpy", "--offline=1"] {
            let error = check_match_spec(bad).unwrap_err();
            assert!(error.contains("read as an option"), "{bad}: {error}");
        }
        // Conda's own underscore-led names stay valid.
        assert_eq!(check_match_spec("_openmp_mutex=4.5"), Ok(()));
        for tool in [CondaTool::Conda, CondaTool::Mamba, CondaTool::Micromamba] {
            let error = Conda::install(["numpy", "--yes"])
                .tool(tool)
                .steps()
                .unwrap_err();
            assert!(error.to_string().contains("\"--yes\""), "{error}");
            assert!(error.to_string().contains("read as an option"), "{error}");
        }
        let error = Conda::install(["numpy"])
            .channel("--override-channels")
            .steps()
            .unwrap_err();
        assert!(error.to_string().contains("read as an option"), "{error}");
        let error = Conda::create("-n", ["numpy"]).steps().unwrap_err();
        assert!(error.to_string().contains("read as an option"), "{error}");
        let error = Conda::env_create("/opt/env", "--file=x.yml")
            .steps()
            .unwrap_err();
        assert!(error.to_string().contains("read as an option"), "{error}");
    }

    #[test]
    fn bad_channel_is_named() {
        let error = Conda::install(["numpy"])
            .channel("evil channel")
            .steps()
            .unwrap_err();
        assert!(error.to_string().contains("\"evil channel\""), "{error}");
    }
}
