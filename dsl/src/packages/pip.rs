//! Python: `pip` and `python -m pip`.

use super::cache::{CacheMount, Cached, CachedRecipe};
use super::grammar::{describe, only, quote};
use super::{collect, packages_as_words, Recipe, RecipeError};
use crate::model::Step;

/// `pip install --no-cache-dir ...`: wheels and downloads are not kept in
/// `~/.cache/pip`, where they would stay in the layer.
///
/// ```
/// use stagecraft::{packages::Pip, Run};
///
/// let run = Run::from_recipe(Pip::install(["tensorflow-cpu==2.17.0"])).unwrap();
/// assert_eq!(run.script().to_shell(), "pip install --no-cache-dir tensorflow-cpu==2.17.0");
///
/// let run = Run::from_recipe(Pip::install(["numpy>=1.26,<3", "scikit-learn[benchmark]"]).python("python3")).unwrap();
/// assert_eq!(
///     run.script().to_shell(),
///     "python3 -m pip install --no-cache-dir 'numpy>=1.26,<3' 'scikit-learn[benchmark]'"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pip {
    requirements: Vec<String>,
    requirement_files: Vec<String>,
    python: Option<String>,
    upgrade: bool,
    break_system_packages: bool,
    sorted: bool,
}

impl Pip {
    /// Installs requirements: `name`, `name[extra,...]`, and version specifiers
    /// (`==`, `!=`, `<=`, `>=`, `<`, `>`, `~=`, `===`, comma-separated).
    pub fn install<I, S>(requirements: I) -> Pip
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Pip {
            requirements: collect(requirements),
            requirement_files: Vec::new(),
            python: None,
            upgrade: false,
            break_system_packages: false,
            sorted: false,
        }
    }

    /// Installs from a requirements file (`-r path`), e.g. one copied into the stage.
    pub fn requirements_file(path: impl Into<String>) -> Pip {
        let mut pip = Pip::install(Vec::<String>::new());
        pip.requirement_files.push(path.into());
        pip
    }

    /// Runs pip as `<python> -m pip` (e.g. `python3`), the form that always
    /// matches the interpreter.
    pub fn python(mut self, executable: impl Into<String>) -> Pip {
        self.python = Some(executable.into());
        self
    }

    /// `--upgrade`.
    pub fn upgrade(mut self) -> Pip {
        self.upgrade = true;
        self
    }

    /// `--break-system-packages`: install into a distribution's Python (PEP 668),
    /// as in a build stage on `debian:bookworm-slim`.
    pub fn break_system_packages(mut self) -> Pip {
        self.break_system_packages = true;
        self
    }

    /// Renders the requirements sorted instead of in the given order.
    pub fn sorted(mut self) -> Pip {
        self.sorted = true;
        self
    }

    /// The cached form: pip's cache on `/root/.cache/pip` (pip's cache as
    /// root) is a cache mount, so `--no-cache-dir` is dropped, and the
    /// wheels are kept there explicitly: `pip wheel` puts every wheel the
    /// requirements need (downloaded, or built from an sdist) in
    /// [`PIP_WHEELHOUSE`], and `pip install --no-index` installs from it. pip's
    /// own HTTP cache keeps a download only when the index's answer carries
    /// caching headers, and a TLS-intercepting proxy (the site-CA case) strips
    /// them: pip then downloads every wheel again on each rebuild. `pip wheel`
    /// skips a file already in the directory ("File was already downloaded"),
    /// whatever the headers said; it still asks the index which version to
    /// take.
    ///
    /// ```
    /// use stagecraft::packages::{CachedRun, Pip};
    /// let run = CachedRun::new(Pip::install(["flask==3.0.3"]).cached()).unwrap();
    /// assert_eq!(
    ///     run.instruction(),
    ///     "RUN --mount=type=cache,target=/root/.cache/pip \\\n    \
    ///      pip wheel --wheel-dir=/root/.cache/pip/wheelhouse flask==3.0.3 \\\n \
    ///      && pip install --no-index --find-links=/root/.cache/pip/wheelhouse flask==3.0.3"
    /// );
    /// ```
    pub fn cached(self) -> Cached<Pip> {
        Cached { recipe: self }
    }
}

impl CachedRecipe for Cached<Pip> {
    fn manager(&self) -> &'static str {
        "pip"
    }

    fn mounts(&self) -> Vec<CacheMount> {
        vec![CacheMount::new("/root/.cache/pip")]
    }

    fn steps(&self) -> Result<Vec<Step>, RecipeError> {
        let mut wheel = self.recipe.program()?;
        wheel.push("wheel".to_string());
        wheel.push(format!("--wheel-dir={PIP_WHEELHOUSE}"));
        let mut install = self.recipe.program()?;
        install.push("install".to_string());
        install.push("--no-index".to_string());
        install.push(format!("--find-links={PIP_WHEELHOUSE}"));
        Ok(vec![
            self.recipe.step(wheel, false)?,
            self.recipe.step(install, true)?,
        ])
    }
}

/// Where the cached form of [`Pip`] keeps the wheels of its requirements:
/// inside pip's cache mount, so they are in no layer and outlive the build.
pub const PIP_WHEELHOUSE: &str = "/root/.cache/pip/wheelhouse";

impl Recipe for Pip {
    fn steps(&self) -> Result<Vec<Step>, RecipeError> {
        let mut words = self.program()?;
        words.push("install".to_string());
        words.push("--no-cache-dir".to_string());
        Ok(vec![self.step(words, true)?])
    }
}

impl Pip {
    /// `pip`, or `<python> -m pip`.
    fn program(&self) -> Result<Vec<String>, RecipeError> {
        Ok(match &self.python {
            Some(python) => {
                only(
                    "Python executable",
                    python,
                    |c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'),
                    "a command or path such as python3 or /opt/venv/bin/python",
                )
                .map_err(|_| RecipeError::InvalidArgument {
                    manager: "pip",
                    what: "Python executable",
                    value: python.clone(),
                    reason: "use a command or path made of letters, digits, '.', '_', '-' and '/'",
                })?;
                vec![python.clone(), "-m".to_string(), "pip".to_string()]
            }
            None => vec!["pip".to_string()],
        })
    }

    /// `words` (the program and its subcommand) with the requirements; with
    /// the install options (`--upgrade`, `--break-system-packages`) when
    /// `installs`.
    fn step(&self, mut words: Vec<String>, installs: bool) -> Result<Step, RecipeError> {
        if installs && self.upgrade {
            words.push("--upgrade".to_string());
        }
        if installs && self.break_system_packages {
            words.push("--break-system-packages".to_string());
        }
        for file in &self.requirement_files {
            if let Some(c) = file.chars().find(|c| c.is_control()) {
                return Err(RecipeError::InvalidArgument {
                    manager: "pip",
                    what: "requirements file",
                    value: file.clone(),
                    reason: if describe(c) == "a newline" {
                        "it contains a newline; name a file path"
                    } else {
                        "it contains a control character; name a file path"
                    },
                });
            }
            if file.contains('\'') || file.is_empty() {
                return Err(RecipeError::InvalidArgument {
                    manager: "pip",
                    what: "requirements file",
                    value: file.clone(),
                    reason: "name a non-empty file path without quote characters",
                });
            }
            words.push("-r".to_string());
            words.push(quote(file));
        }
        let items = if self.requirements.is_empty() && !self.requirement_files.is_empty() {
            Vec::new()
        } else {
            packages_as_words("pip", &self.requirements, self.sorted, check_requirement)?
        };
        Ok(Step { words, items })
    }
}

/// A PEP 508 requirement without URLs and environment markers:
/// `name[extras] specifier,...`.
fn check_requirement(spec: &str) -> Result<(), String> {
    let name_end = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .unwrap_or(spec.len());
    let (name, mut rest) = spec.split_at(name_end);
    if name.is_empty() {
        return Err(
            "a requirement starts with a project name (letters, digits, '.', '_', '-')".to_string(),
        );
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !name.ends_with(|c: char| c.is_ascii_alphanumeric())
    {
        return Err("a Python project name starts and ends with a letter or digit".to_string());
    }
    if let Some(extras) = rest.strip_prefix('[') {
        let Some((extras, after)) = extras.split_once(']') else {
            return Err("the extras list is not closed with ']'".to_string());
        };
        for extra in extras.split(',') {
            only(
                "extra",
                extra.trim(),
                |c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'),
                "letters, digits, '.', '_' and '-'",
            )?;
        }
        rest = after;
    }
    if rest.is_empty() {
        return Ok(());
    }
    for clause in rest.split(',') {
        let operator = ["===", "==", "!=", "<=", ">=", "~=", "<", ">"]
            .into_iter()
            .find(|op| clause.starts_with(op))
            .ok_or_else(|| {
                format!(
                    "{clause:?} is not a version specifier: use ==, !=, <=, >=, ~=, <, > or === \
                     followed by a version, without spaces (e.g. numpy>=1.26,<3)"
                )
            })?;
        only(
            "version",
            &clause[operator.len()..],
            |c| c.is_ascii_alphanumeric() || matches!(c, '.' | '*' | '+' | '!' | '_' | '-'),
            "letters, digits, '.', '*', '+', '!', '_' and '-'",
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
            "numpy",
            "numpy==1.26.4",
            "numpy>=1.26,<3",
            "scikit-learn[benchmark,tests]",
            "tensorflow-cpu~=2.17",
            "zope.interface",
            "pkg===1.0+local",
        ] {
            assert_eq!(check_requirement(ok), Ok(()), "{ok}");
        }
        for bad in [
            "numpy; rm -rf /",
            "numpy >=1",
            "-e .",
            "git+https://example.com/x.git",
            "pkg[extra",
            "numpy>=1.0\nRUN id",
            "numpy-",
            "x@ file:///tmp",
        ] {
            assert!(check_requirement(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_cached_form_keeps_its_wheels_inside_its_mount() {
        let step_texts = |cached: &Cached<Pip>| -> Vec<String> {
            let steps = cached.steps().unwrap();
            steps.iter().map(|step| step.to_string()).collect()
        };
        let cached = Pip::install(["numpy==1.26.4"])
            .python("python3")
            .upgrade()
            .break_system_packages()
            .cached();
        assert!(cached
            .mounts()
            .iter()
            .any(|mount| PIP_WHEELHOUSE.starts_with(&format!("{}/", mount.target()))));
        assert_eq!(
            step_texts(&cached),
            [
                "python3 -m pip wheel --wheel-dir=/root/.cache/pip/wheelhouse numpy==1.26.4",
                "python3 -m pip install --no-index --find-links=/root/.cache/pip/wheelhouse \
                 --upgrade --break-system-packages numpy==1.26.4"
            ]
        );
        assert_eq!(
            step_texts(&Pip::requirements_file("requirements.txt").cached()),
            [
                "pip wheel --wheel-dir=/root/.cache/pip/wheelhouse -r requirements.txt",
                "pip install --no-index --find-links=/root/.cache/pip/wheelhouse -r requirements.txt"
            ]
        );
    }

    #[test]
    fn requirements_file_form() {
        let steps = Pip::requirements_file("requirements.txt").steps().unwrap();
        assert_eq!(
            steps[0].to_string(),
            "pip install --no-cache-dir -r requirements.txt"
        );
        let error = Pip::requirements_file("a\nb").steps().unwrap_err();
        assert!(error.to_string().contains("newline"), "{error}");
    }
}
