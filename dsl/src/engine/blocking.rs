//! The engine for callers without an async runtime: [`Engine`] owns a
//! tokio runtime and blocks on each call.
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
}
