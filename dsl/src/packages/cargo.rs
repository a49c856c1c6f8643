//! Rust: `cargo build --release` of one binary.

use super::cache::{CacheMount, Cached, CachedRecipe};
use super::grammar::only;
use super::{Recipe, RecipeError};
use crate::model::Step;

/// `cargo build --release --locked` of one binary, copied to `/usr/local/bin`.
///
/// The cleaned form deletes the target directory and cargo's registry and git
/// caches in the same `RUN`; the cached form keeps all three in cache mounts,
/// so a rebuild after a one-line change recompiles one crate, and copies the
/// binary out of the mounted target directory before the `RUN` ends (what is
/// in a mount is not in the layer).
///
/// ```
/// use stagecraft::packages::{Cargo, CachedRun};
/// use stagecraft::Run;
///
/// let run = Run::from_recipe(Cargo::build_release("hello")).unwrap();
/// assert_eq!(
///     run.script().to_shell(),
///     "cargo build --release --locked --target-dir /build/target --bin hello \
///      && cp /build/target/release/hello /usr/local/bin/hello \
///      && rm -rf /build/target /usr/local/cargo/registry /usr/local/cargo/git"
/// );
/// let run = CachedRun::new(Cargo::build_release("hello").cached()).unwrap();
/// assert_eq!(
///     run.instruction(),
///     "RUN --mount=type=cache,target=/usr/local/cargo/registry \\\n    \
///      --mount=type=cache,target=/usr/local/cargo/git \\\n    \
///      --mount=type=cache,target=/build/target \\\n    \
///      cargo build --release --locked --target-dir /build/target --bin hello \\\n \
///      && cp /build/target/release/hello /usr/local/bin/hello"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cargo {
    bin: String,
    target_dir: String,
    cargo_home: String,
    install_dir: String,
    target: Option<String>,
}

impl Cargo {
    /// Builds the binary `bin` of the package in the working directory.
    pub fn build_release(bin: impl Into<String>) -> Cargo {
        Cargo {
            bin: bin.into(),
            target_dir: "/build/target".to_string(),
            cargo_home: "/usr/local/cargo".to_string(),
            install_dir: "/usr/local/bin".to_string(),
            target: None,
        }
    }

    /// Builds for the target triple `triple` (`--target`), e.g. so that
    /// `CARGO_TARGET_<TRIPLE>_RUSTFLAGS=-C target-feature=+crt-static` links
    /// a static binary while build scripts and proc-macros stay dynamic.
    ///
    /// ```
    /// use stagecraft::packages::{CachedRun, Cargo};
    /// let run = CachedRun::new(
    ///     Cargo::build_release("hello").target("x86_64-unknown-linux-gnu").cached(),
    /// )
    /// .unwrap();
    /// assert!(run.shell().ends_with(
    ///     "--bin hello --target x86_64-unknown-linux-gnu \
    ///      && cp /build/target/x86_64-unknown-linux-gnu/release/hello /usr/local/bin/hello"
    /// ));
    /// ```
    pub fn target(mut self, triple: impl Into<String>) -> Cargo {
        self.target = Some(triple.into());
        self
    }

    /// The target directory (default `/build/target`).
    pub fn target_dir(mut self, dir: impl Into<String>) -> Cargo {
        self.target_dir = dir.into();
        self
    }

    /// `CARGO_HOME` of the toolchain (default `/usr/local/cargo`, as in the
    /// official Rust images; rustup's own default is `/root/.cargo`).
    pub fn cargo_home(mut self, dir: impl Into<String>) -> Cargo {
        self.cargo_home = dir.into();
        self
    }

    /// Where the binary is copied (default `/usr/local/bin`).
    pub fn install_dir(mut self, dir: impl Into<String>) -> Cargo {
        self.install_dir = dir.into();
        self
    }

    /// The cached form (see the type's documentation).
    pub fn cached(self) -> Cached<Cargo> {
        Cached { recipe: self }
    }

    fn build_steps(&self) -> Result<Vec<Step>, RecipeError> {
        only(
            "binary name",
            &self.bin,
            |c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'),
            "",
        )
        .map_err(|_| RecipeError::InvalidArgument {
            manager: "cargo",
            what: "binary name",
            value: self.bin.clone(),
            reason: "a binary name is letters, digits, '_' and '-'",
        })?;
        if self.bin.starts_with('-') {
            return Err(RecipeError::InvalidArgument {
                manager: "cargo",
                what: "binary name",
                value: self.bin.clone(),
                reason: "a binary name starts with a letter, digit or '_'",
            });
        }
        for (what, dir) in [
            ("target directory", &self.target_dir),
            ("CARGO_HOME", &self.cargo_home),
            ("install directory", &self.install_dir),
        ] {
            check_dir(what, dir)?;
        }
        let target_dir = self.target_dir.trim_end_matches('/');
        let install = self.install_dir.trim_end_matches('/');
        let mut build = Step::new([
            "cargo",
            "build",
            "--release",
            "--locked",
            "--target-dir",
            target_dir,
            "--bin",
            &self.bin,
        ]);
        let mut out_dir = target_dir.to_string();
        if let Some(triple) = &self.target {
            let literal = !triple.is_empty()
                && !triple.starts_with('-')
                && triple
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            if !literal {
                return Err(RecipeError::InvalidArgument {
                    manager: "cargo",
                    what: "target triple",
                    value: triple.clone(),
                    reason: "a target triple is letters, digits, '_', '-' and '.', \
                             e.g. x86_64-unknown-linux-gnu",
                });
            }
            build.words.extend(["--target".to_string(), triple.clone()]);
            out_dir = format!("{target_dir}/{triple}");
        }
        Ok(vec![
            build,
            Step::new([
                "cp".to_string(),
                format!("{out_dir}/release/{}", self.bin),
                format!("{install}/{}", self.bin),
            ]),
        ])
    }

    fn home(&self, cache: &str) -> String {
        format!("{}/{cache}", self.cargo_home.trim_end_matches('/'))
    }
}

impl Recipe for Cargo {
    fn steps(&self) -> Result<Vec<Step>, RecipeError> {
        let mut steps = self.build_steps()?;
        steps.push(Step::new([
            "rm".to_string(),
            "-rf".to_string(),
            self.target_dir.trim_end_matches('/').to_string(),
            self.home("registry"),
            self.home("git"),
        ]));
        Ok(steps)
    }
}

impl CachedRecipe for Cached<Cargo> {
    fn manager(&self) -> &'static str {
        "cargo"
    }

    fn mounts(&self) -> Vec<CacheMount> {
        vec![
            CacheMount::new(self.recipe.home("registry")),
            CacheMount::new(self.recipe.home("git")),
            CacheMount::new(self.recipe.target_dir.trim_end_matches('/')),
        ]
    }

    fn steps(&self) -> Result<Vec<Step>, RecipeError> {
        self.recipe.build_steps()
    }
}

/// An absolute directory made of characters the shell takes literally.
fn check_dir(what: &'static str, dir: &str) -> Result<(), RecipeError> {
    let literal = dir.starts_with('/')
        && dir.len() > 1
        && dir
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-'));
    if literal {
        Ok(())
    } else {
        Err(RecipeError::InvalidArgument {
            manager: "cargo",
            what,
            value: dir.to_string(),
            reason: "name an absolute directory of letters, digits, '/', '.', '_' and '-'",
        })
    }
}
