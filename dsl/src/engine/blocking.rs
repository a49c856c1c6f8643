//! The engine for callers without an async runtime: [`Engine`] owns a
//! tokio runtime and blocks on each call.
//!
//! It is the one blocking shape of the crate: every async entry point that
//! talks to a daemon has its blocking twin here as a method of the same
//! name ([`Engine::build`], [`Engine::resolve`], [`Engine::trace`],
//! [`Engine::export`], ...), never a `*_blocking` free function.
//!
//! Do not call it from inside an async runtime (tokio refuses to block a
//! runtime's thread); use the async [`super::Engine`] there.
//!
//! ```no_run
//! use stagecraft::engine::{blocking::Engine, BuildOptions, SmokeTest};
//! use stagecraft::Dockerfile;
//!
//! let mut df = Dockerfile::builder();
//! df.anonymous_stage("debian:bookworm-slim").cmd(["true"]);
//! let dockerfile = df.build()?;
//!
//! let engine = Engine::connect()?;
//! let built = engine.build(&dockerfile, &BuildOptions::new().tag("demo:latest"))?;
//! let outcome = engine.smoke(&SmokeTest::new(&built.image_id))?;
//! assert_eq!(outcome.exit_code, 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use tokio::runtime::{Builder, Runtime};

use super::{
    BuildOptions, BuildOutcome, Cleanup, ConnectOptions, EngineError, SmokeOutcome, SmokeTest,
};
use crate::harvest::{Harvest, Resolution, ResolveError, StageFs, TraceError, Traced};
use crate::report::{Comparison, ImageReport};
use crate::Dockerfile;

/// A blocking client of one Docker daemon, with its own runtime.
#[derive(Debug)]
pub struct Engine {
    runtime: Runtime,
    inner: super::Engine,
}

impl Engine {
    /// Connects as [`ConnectOptions::new`] says (`DOCKER_HOST`, else the
    /// local socket) and negotiates the API version.
    ///
    /// # Errors
    ///
    /// [`EngineError::NoDaemon`] when nothing answers.
    pub fn connect() -> Result<Engine, EngineError> {
        Self::connect_with(&ConnectOptions::new())
    }

    /// Connects to the daemon `options` name.
    pub fn connect_with(options: &ConnectOptions) -> Result<Engine, EngineError> {
        let runtime = Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("stagecraft-engine")
            .enable_all()
            .build()
            .map_err(EngineError::Runtime)?;
        let inner = runtime.block_on(super::Engine::connect_with(options))?;
        Ok(Engine { runtime, inner })
    }

    /// The async engine inside, e.g. to clone into other code.
    pub fn as_async(&self) -> &super::Engine {
        &self.inner
    }

    /// The daemon address.
    pub fn host(&self) -> &str {
        self.inner.host()
    }

    /// The negotiated API version, e.g. `1.41`.
    pub fn api_version(&self) -> String {
        self.inner.api_version()
    }

    /// See [`super::Engine::build`].
    pub fn build(
        &self,
        dockerfile: &Dockerfile,
        options: &BuildOptions,
    ) -> Result<BuildOutcome, EngineError> {
        self.runtime.block_on(self.inner.build(dockerfile, options))
    }

    /// See [`super::Engine::build_text`].
    pub fn build_text(
        &self,
        text: &str,
        options: &BuildOptions,
    ) -> Result<BuildOutcome, EngineError> {
        self.runtime.block_on(self.inner.build_text(text, options))
    }

    /// See [`super::Engine::inspect`].
    pub fn inspect(&self, image: &str) -> Result<ImageReport, EngineError> {
        self.runtime.block_on(self.inner.inspect(image))
    }

    /// See [`super::Engine::compare`].
    pub fn compare(&self, variants: &[(&str, &str)]) -> Result<Comparison, EngineError> {
        self.runtime.block_on(self.inner.compare(variants))
    }

    /// See [`super::Engine::smoke`].
    pub fn smoke(&self, test: &SmokeTest) -> Result<SmokeOutcome, EngineError> {
        self.runtime.block_on(self.inner.smoke(test))
    }

    /// See [`super::Engine::cleanup`]: everything of run `run_id`.
    pub fn cleanup(&self, run_id: &str) -> Result<Cleanup, EngineError> {
        self.runtime.block_on(self.inner.cleanup(run_id))
    }

    /// See [`super::Engine::cleanup_label`].
    pub fn cleanup_label(&self, label: &str) -> Result<Cleanup, EngineError> {
        self.runtime.block_on(self.inner.cleanup_label(label))
    }

    /// See [`super::Engine::remove_image`].
    pub fn remove_image(&self, image: &str) -> Result<bool, EngineError> {
        self.runtime.block_on(self.inner.remove_image(image))
    }

    /// Runs any future on the engine's runtime, e.g. a [`bollard`] call
    /// through [`super::Engine::docker`].
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// See [`crate::harvest::resolve`]: builds `build_stage` of
    /// `dockerfile`, reads what `harvest` needs from it and resolves it.
    ///
    /// ```no_run
    /// use stagecraft::engine::{blocking::Engine, BuildOptions};
    /// use stagecraft::harvest::Harvest;
    /// use stagecraft::packages::Apt;
    /// use stagecraft::Dockerfile;
    ///
    /// let mut df = Dockerfile::builder();
    /// df.stage("build", "debian:bookworm-slim")
    ///     .install(Apt::install(["fortune-mod"]));
    /// let harvest = Harvest::new().binary("/usr/games/fortune");
    /// let engine = Engine::connect()?;
    /// let resolution = engine.resolve(&df.build()?, "build", &harvest, &BuildOptions::new())?;
    /// print!("{}", resolution.to_text());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`crate::harvest::resolve`].
    pub fn resolve(
        &self,
        dockerfile: &Dockerfile,
        build_stage: &str,
        harvest: &Harvest,
        options: &BuildOptions,
    ) -> Result<Resolution, ResolveError> {
        self.runtime.block_on(crate::harvest::resolve(
            &self.inner,
            dockerfile,
            build_stage,
            harvest,
            options,
        ))
    }

    /// See [`crate::harvest::trace`]: runs the harvest's traced commands in
    /// a trace stage of `build_stage` and resolves what they used.
    ///
    /// # Errors
    ///
    /// As [`crate::harvest::trace`].
    pub fn trace(
        &self,
        dockerfile: &Dockerfile,
        build_stage: &str,
        harvest: &Harvest,
        options: &BuildOptions,
    ) -> Result<Traced, TraceError> {
        self.runtime.block_on(crate::harvest::trace(
            &self.inner,
            dockerfile,
            build_stage,
            harvest,
            options,
        ))
    }

    /// See [`StageFs::export`]: the whole filesystem of `image`, indexed;
    /// `stage` names it in errors.
    ///
    /// # Errors
    ///
    /// As [`StageFs::export`].
    pub fn export(&self, image: &str, stage: impl Into<String>) -> Result<StageFs, ResolveError> {
        self.runtime
            .block_on(StageFs::export(&self.inner, image, stage))
    }

    /// See [`StageFs::export_for`]: only what resolving `harvest` in
    /// `image` needs.
    ///
    /// ```no_run
    /// use stagecraft::engine::blocking::Engine;
    /// use stagecraft::harvest::Harvest;
    ///
    /// let engine = Engine::connect()?;
    /// let harvest = Harvest::new().binary("/usr/games/fortune");
    /// let fs = engine.export_for("stagecraft-example/fortune:build", "build", &harvest)?;
    /// print!("{}", fs.resolve(&harvest)?.to_text());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`StageFs::export_for`].
    pub fn export_for(
        &self,
        image: &str,
        stage: impl Into<String>,
        harvest: &Harvest,
    ) -> Result<StageFs, ResolveError> {
        self.runtime
            .block_on(StageFs::export_for(&self.inner, image, stage, harvest))
    }

    /// See [`StageFs::export_with`]: for a harvest that depends on the
    /// filesystem, called each round with the index so far.
    ///
    /// ```no_run
    /// use stagecraft::engine::blocking::Engine;
    /// use stagecraft::harvest::Harvest;
    ///
    /// // python3 and every extension module numpy installed.
    /// let engine = Engine::connect()?;
    /// let (fs, harvest) = engine.export_with("python-numpy:build", "build", |fs| {
    ///     fs.files_under("/usr/lib/python3/dist-packages/numpy")
    ///         .filter(|(path, _)| path.ends_with(".so"))
    ///         .fold(Harvest::new().binary("/usr/bin/python3"), |h, (path, _)| h.library(path))
    /// })?;
    /// print!("{}", fs.resolve(&harvest)?.to_text());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`StageFs::export_with`].
    pub fn export_with<F>(
        &self,
        image: &str,
        stage: impl Into<String>,
        harvest: F,
    ) -> Result<(StageFs, Harvest), ResolveError>
    where
        F: FnMut(&StageFs) -> Harvest,
    {
        self.runtime
            .block_on(StageFs::export_with(&self.inner, image, stage, harvest))
    }

    /// See [`crate::catalogue::build`]: builds `catalogue` over the pool
    /// `endpoints`, on a runtime of its own.
    ///
    /// An associated function, not a method: the pool connects to each of
    /// its endpoints itself and goes on without those that do not answer,
    /// so it needs no engine connected beforehand (the CLI's `stagecraft
    /// build` calls it with no local daemon).
    ///
    /// ```no_run
    /// use stagecraft::catalogue::{Catalogue, Endpoint, RunOptions};
    /// use stagecraft::engine::blocking::Engine;
    ///
    /// let catalogue = Catalogue::from_dir("images")?;
    /// let report = Engine::build_catalogue(&catalogue, &Endpoint::from_env(2)?, &RunOptions::new())?;
    /// println!("{}", report.to_table());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`crate::catalogue::build`], and
    /// [`CatalogueError::Runtime`](crate::catalogue::CatalogueError::Runtime)
    /// when no runtime can be made.
    #[cfg(feature = "catalogue")]
    pub fn build_catalogue(
        catalogue: &crate::catalogue::Catalogue,
        endpoints: &[crate::catalogue::Endpoint],
        options: &crate::catalogue::RunOptions,
    ) -> Result<crate::catalogue::CatalogueReport, crate::catalogue::CatalogueError> {
        let runtime = Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(crate::catalogue::CatalogueError::Runtime)?;
        runtime.block_on(crate::catalogue::build(catalogue, endpoints, options))
    }
}
