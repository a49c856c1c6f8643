//! A site's catalogue of images: declared in Rust or read from a directory
//! tree, ordered by what each image is built `FROM`, rendered as a BuildKit
//! bake file, and (feature `catalogue`) built over a pool of daemons.
//!
//! The declaration, the build graph, the report's data and the bake file
//! need no feature and no async runtime; building needs the feature
//! `catalogue` (which turns on `engine`), and reading `catalogue.toml`
//! manifests the feature `catalogue-toml`.
//!
//! ```
//! use stagecraft::catalogue::{Catalogue, CatalogueImage, Smoke};
//! use stagecraft::Dockerfile;
//!
//! let mut base = Dockerfile::builder();
//! base.stage("base", "debian:bookworm-slim")
//!     .run(stagecraft::run!("echo base > /etc/site-base"));
//!
//! let mut catalogue = Catalogue::new();
//! catalogue.add(CatalogueImage::from_model("base", base.build()?).tag("site/base:1"))?;
//! catalogue.add(
//!     CatalogueImage::from_text("tool", "FROM site/base:1\nRUN cat /etc/site-base\n")
//!         .tag("site/tool:1")
//!         .build_arg("LEVEL", "2")
//!         .smoke(Smoke::new(["cat", "/etc/site-base"]).expect_stdout_contains("base")),
//! )?;
//! let graph = catalogue.graph()?;
//! assert_eq!(graph.order_names(&catalogue), ["base", "tool"]);
//! assert_eq!(graph.parents(1), [0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod bake;
mod error;
mod graph;
mod report;
mod tree;

#[cfg(feature = "catalogue")]
mod fingerprint;
#[cfg(feature = "catalogue")]
mod pool;
#[cfg(feature = "catalogue")]
mod push;
#[cfg(feature = "catalogue")]
mod run;
#[cfg(feature = "catalogue")]
mod transfer;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use self::bake::to_bake_json;
pub use self::error::CatalogueError;
pub use self::graph::BuildGraph;
pub use self::report::{
    CatalogueReport, DaemonSummary, ImageResult, ImageStatus, Move, SmokeResult, Totals,
};
pub use self::tree::MANIFEST_NAME;

#[cfg(feature = "catalogue")]
pub use self::fingerprint::{context_digest, FINGERPRINT_LABEL};
#[cfg(feature = "catalogue")]
pub use self::pool::{Endpoint, HOSTS_ENV};
#[cfg(feature = "catalogue")]
pub use self::push::{registry_reference, CredentialsError, DockerConfig};
#[cfg(feature = "catalogue")]
pub use self::run::{build, Progress, RunOptions};
#[cfg(feature = "catalogue")]
pub use self::transfer::{transfer_image, TransferError};

use crate::Dockerfile;

/// Where an image's Dockerfile comes from.
#[derive(Debug, Clone)]
pub enum ImageSource {
    /// A model built in Rust: checked by the model, rendered, and built with
    /// `Engine::build`.
    Model(Box<Dockerfile>),
    /// Dockerfile text, built as written with `Engine::build_text` (parsed
    /// with the lint's parser first).
    Text {
        /// The text.
        text: String,
        /// The file it was read from, if any (for messages and the bake file).
        path: Option<PathBuf>,
    },
}

impl ImageSource {
    /// The Dockerfile text that is built (the model rendered).
    pub fn text(&self) -> String {
        match self {
            ImageSource::Model(dockerfile) => dockerfile.render(),
            ImageSource::Text { text, .. } => text.clone(),
        }
    }
}

/// A smoke test of a catalogue image, as plain data: run the image with
/// `args` (as `CMD`) and check the exit code and the output.
///
/// ```
/// use stagecraft::catalogue::Smoke;
///
/// let smoke = Smoke::new(["python3", "--version"]).expect_stdout_contains("Python 3");
/// assert_eq!(smoke.args, ["python3", "--version"]);
/// assert_eq!(smoke.exit_code, 0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Smoke {
    /// The command (replaces the image's `CMD`); empty runs the image as it is.
    #[serde(default)]
    pub args: Vec<String>,
    /// The exit code expected (default 0).
    #[serde(default)]
    pub exit_code: i64,
    /// Text standard output must contain.
    #[serde(default)]
    pub stdout_contains: Option<String>,
    /// Seconds the run may take (default 60).
    #[serde(default)]
    pub timeout_secs: Option<u64>,
}

impl Smoke {
    /// Runs `args`, expects exit code 0.
    pub fn new<I, S>(args: I) -> Smoke
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Smoke {
            args: args.into_iter().map(Into::into).collect(),
            exit_code: 0,
            stdout_contains: None,
            timeout_secs: None,
        }
    }

    /// Standard output must contain `text`.
    pub fn expect_stdout_contains(mut self, text: impl Into<String>) -> Smoke {
        self.stdout_contains = Some(text.into());
        self
    }

    /// The exit code expected.
    pub fn expect_exit(mut self, code: i64) -> Smoke {
        self.exit_code = code;
        self
    }
}

/// The smoke test of a server, as plain data: start the image, wait until
/// `port` answers or its `HEALTHCHECK` reports healthy (within
/// `timeout_secs`), probe it with an HTTP GET or a command, then stop and
/// remove it. In `catalogue.toml`:
///
/// ```toml
/// [images."web/Dockerfile"]
/// serve = { port = 8000, http_get = "/", body_contains = "Directory listing" }
///
/// [images."db/Dockerfile"]
/// serve = { ready = "healthy", exec = ["pg_isready"], timeout_secs = 90 }
/// ```
///
/// ```
/// use stagecraft::catalogue::Serve;
///
/// let serve = Serve::http(8000, "/").expect_body_contains("hello");
/// assert_eq!(serve.port, Some(8000));
/// assert_eq!(serve.status, 200);
/// let by_command = Serve::exec(["cat", "/run/ready"]).ready_when_healthy();
/// assert_eq!(by_command.ready.as_deref(), Some("healthy"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Serve {
    /// The container port the server listens on (published on an
    /// ephemeral port of the daemon's host during the test).
    #[serde(default)]
    pub port: Option<u16>,
    /// `"port"`, `"healthy"` or (default) `"auto"`: healthy when the image
    /// has a `HEALTHCHECK`, else the port answers.
    #[serde(default)]
    pub ready: Option<String>,
    /// Probe with `GET <path>` on the port.
    #[serde(default)]
    pub http_get: Option<String>,
    /// The HTTP status expected (default 200).
    #[serde(default = "default_status")]
    pub status: u16,
    /// Text the HTTP body must contain.
    #[serde(default)]
    pub body_contains: Option<String>,
    /// Probe by running this command in the server instead.
    #[serde(default)]
    pub exec: Option<Vec<String>>,
    /// The command's exit code expected (default 0).
    #[serde(default)]
    pub exit_code: i64,
    /// Text the command's output must contain.
    #[serde(default)]
    pub stdout_contains: Option<String>,
    /// The command the server runs, replacing its `CMD`.
    #[serde(default)]
    pub args: Vec<String>,
    /// Seconds the server has to become ready (default 60).
    #[serde(default)]
    pub timeout_secs: Option<u64>,
}

#[cfg(feature = "catalogue")]
impl Serve {
    /// The engine's test of `image` this declaration stands for.
    ///
    /// ```
    /// use stagecraft::catalogue::Serve;
    /// use stagecraft::engine::{Probe, Ready};
    ///
    /// let test = Serve::http(8000, "/health").to_test("site/web:1");
    /// assert_eq!(test.ready(), Ready::Auto);
    /// assert!(matches!(test.probe(), Probe::Http { path, status: 200, .. } if path == "/health"));
    /// ```
    pub fn to_test(&self, image: &str) -> crate::engine::ServeTest {
        use crate::engine::{Ready, ServeTest};
        let mut test = ServeTest::new(image)
            .ready_when(match self.ready.as_deref() {
                Some("port") => Ready::Port,
                Some("healthy") => Ready::Healthy,
                _ => Ready::Auto,
            })
            .ready_within(std::time::Duration::from_secs(
                self.timeout_secs.unwrap_or(60),
            ));
        if let Some(port) = self.port {
            test = test.port(port);
        }
        if !self.args.is_empty() {
            test = test.args(self.args.clone());
        }
        if let Some(path) = &self.http_get {
            test = test.http_get(path.clone(), self.status);
            if let Some(text) = &self.body_contains {
                test = test.body_contains(text.clone());
            }
        } else if let Some(command) = &self.exec {
            test = test.exec(command.clone(), self.exit_code);
            if let Some(text) = &self.stdout_contains {
                test = test.stdout_contains(text.clone());
            }
        }
        test
    }
}

fn default_status() -> u16 {
    200
}

impl Serve {
    fn empty() -> Serve {
        Serve {
            port: None,
            ready: None,
            http_get: None,
            status: 200,
            body_contains: None,
            exec: None,
            exit_code: 0,
            stdout_contains: None,
            args: Vec::new(),
            timeout_secs: None,
        }
    }

    /// Ready when `port` answers (or the image's `HEALTHCHECK` says
    /// healthy), then `GET path` must answer 200.
    pub fn http(port: u16, path: impl Into<String>) -> Serve {
        Serve {
            port: Some(port),
            http_get: Some(path.into()),
            ..Serve::empty()
        }
    }

    /// Ready when the image's `HEALTHCHECK` says healthy (or, with
    /// [`Serve::on_port`], the port answers), then `command` run in it
    /// must exit 0.
    pub fn exec<I, S>(command: I) -> Serve
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Serve {
            exec: Some(command.into_iter().map(Into::into).collect()),
            ..Serve::empty()
        }
    }

    /// The container port the server listens on.
    pub fn on_port(mut self, port: u16) -> Serve {
        self.port = Some(port);
        self
    }

    /// Waits for the `HEALTHCHECK`, not the port.
    pub fn ready_when_healthy(mut self) -> Serve {
        self.ready = Some("healthy".into());
        self
    }

    /// The HTTP status expected.
    pub fn expect_status(mut self, status: u16) -> Serve {
        self.status = status;
        self
    }

    /// Text the HTTP body must contain.
    pub fn expect_body_contains(mut self, text: impl Into<String>) -> Serve {
        self.body_contains = Some(text.into());
        self
    }

    /// Text the command's output must contain.
    pub fn expect_stdout_contains(mut self, text: impl Into<String>) -> Serve {
        self.stdout_contains = Some(text.into());
        self
    }

    /// Seconds the server has to become ready.
    pub fn timeout_secs(mut self, seconds: u64) -> Serve {
        self.timeout_secs = Some(seconds);
        self
    }

    /// What is wrong with the declaration, in words with the fix.
    fn problem(&self) -> Option<String> {
        if !matches!(
            self.ready.as_deref(),
            None | Some("auto" | "port" | "healthy")
        ) {
            return Some(format!(
                "has ready = {:?}: use \"port\", \"healthy\" or \"auto\"",
                self.ready.as_deref().unwrap_or_default()
            ));
        }
        if self.http_get.is_some() && self.exec.is_some() {
            return Some("has both http_get and exec: keep one probe".into());
        }
        if self.http_get.is_some() && self.port.is_none() {
            return Some("has http_get but no port: say which port the server listens on".into());
        }
        if self.ready.as_deref() == Some("port") && self.port.is_none() {
            return Some("waits for its port but names none: add port".into());
        }
        if let Some(path) = self
            .http_get
            .as_deref()
            .filter(|path| !path.starts_with('/'))
        {
            return Some(format!("has http_get = {path:?}: a path starts with /"));
        }
        None
    }
}

/// One image of a catalogue: its Dockerfile, tags, context directory, build
/// arguments, target and optional smoke test.
///
/// ```
/// use stagecraft::catalogue::CatalogueImage;
///
/// let image = CatalogueImage::from_text("hello", "FROM debian:bookworm-slim\nRUN echo hi\n")
///     .tag("site/hello:1")
///     .tag("site/hello:latest")
///     .context_dir("images/hello")
///     .target("");
/// assert_eq!(image.tags(), ["site/hello:1", "site/hello:latest"]);
/// assert_eq!(image.primary_tag(), Some("site/hello:1"));
/// ```
#[derive(Debug, Clone)]
pub struct CatalogueImage {
    name: String,
    source: ImageSource,
    tags: Vec<String>,
    context_dir: Option<PathBuf>,
    build_args: BTreeMap<String, String>,
    target: Option<String>,
    smoke: Option<Smoke>,
    serve: Option<Serve>,
}

impl CatalogueImage {
    /// An image built from a model (a [`Dockerfile`] value).
    pub fn from_model(name: impl Into<String>, dockerfile: Dockerfile) -> CatalogueImage {
        Self::new(name.into(), ImageSource::Model(Box::new(dockerfile)))
    }

    /// An image built from Dockerfile text, as written.
    pub fn from_text(name: impl Into<String>, text: impl Into<String>) -> CatalogueImage {
        Self::new(
            name.into(),
            ImageSource::Text {
                text: text.into(),
                path: None,
            },
        )
    }

    /// An image built from a Dockerfile on disk, as written; its directory
    /// is the build context unless [`CatalogueImage::context_dir`] says otherwise.
    ///
    /// # Errors
    ///
    /// [`CatalogueError::Read`] when the file cannot be read.
    pub fn from_file(
        name: impl Into<String>,
        path: impl AsRef<Path>,
    ) -> Result<CatalogueImage, CatalogueError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| CatalogueError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut image = Self::new(
            name.into(),
            ImageSource::Text {
                text,
                path: Some(path.to_path_buf()),
            },
        );
        image.context_dir = path.parent().map(Path::to_path_buf);
        Ok(image)
    }

    fn new(name: String, source: ImageSource) -> CatalogueImage {
        CatalogueImage {
            name,
            source,
            tags: Vec::new(),
            context_dir: None,
            build_args: BTreeMap::new(),
            target: None,
            smoke: None,
            serve: None,
        }
    }

    /// Adds a tag; the first is the one other images name in `FROM`.
    pub fn tag(mut self, tag: impl Into<String>) -> CatalogueImage {
        self.tags.push(tag.into());
        self
    }

    /// Replaces the tags.
    pub fn tags_replaced<I, S>(mut self, tags: I) -> CatalogueImage
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// The directory sent as the build context (every file under it, the
    /// Dockerfiles and manifests left out). Without one, the context holds
    /// only the Dockerfile.
    pub fn context_dir(mut self, dir: impl Into<PathBuf>) -> CatalogueImage {
        self.context_dir = Some(dir.into());
        self
    }

    /// A build argument.
    pub fn build_arg(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> CatalogueImage {
        self.build_args.insert(name.into(), value.into());
        self
    }

    /// Builds up to this stage; an empty alias means the last stage.
    pub fn target(mut self, alias: impl Into<String>) -> CatalogueImage {
        let alias = alias.into();
        self.target = (!alias.is_empty()).then_some(alias);
        self
    }

    /// Runs this smoke test after the image is built.
    pub fn smoke(mut self, smoke: Smoke) -> CatalogueImage {
        self.smoke = Some(smoke);
        self
    }

    /// Runs this server test after the image is built (and after its
    /// [`Smoke`] test, if it has one).
    pub fn serve(mut self, serve: Serve) -> CatalogueImage {
        self.serve = Some(serve);
        self
    }

    /// The image's name in the catalogue (unique; the report's key).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its Dockerfile.
    pub fn source(&self) -> &ImageSource {
        &self.source
    }

    /// Its tags.
    pub fn tags(&self) -> &[String] {
        &self.tags
    }

    /// The first tag.
    pub fn primary_tag(&self) -> Option<&str> {
        self.tags.first().map(String::as_str)
    }

    /// The build context directory.
    pub fn context(&self) -> Option<&Path> {
        self.context_dir.as_deref()
    }

    /// The build arguments.
    pub fn build_args(&self) -> &BTreeMap<String, String> {
        &self.build_args
    }

    /// The target stage, if not the last.
    pub fn target_stage(&self) -> Option<&str> {
        self.target.as_deref()
    }

    /// The smoke test.
    pub fn smoke_test(&self) -> Option<&Smoke> {
        self.smoke.as_ref()
    }

    /// The server test.
    pub fn serve_test(&self) -> Option<&Serve> {
        self.serve.as_ref()
    }
}

/// A set of images with unique names and tags.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    images: Vec<CatalogueImage>,
}

impl Catalogue {
    /// An empty catalogue.
    pub fn new() -> Catalogue {
        Catalogue::default()
    }

    /// Adds an image.
    ///
    /// # Errors
    ///
    /// [`CatalogueError::Duplicate`] when its name or one of its tags is
    /// already taken, [`CatalogueError::NoTag`] when it has no tag,
    /// [`CatalogueError::BadTag`] for a tag that is not an image reference
    /// with a tag.
    pub fn add(&mut self, image: CatalogueImage) -> Result<&mut Catalogue, CatalogueError> {
        if image.tags.is_empty() {
            return Err(CatalogueError::NoTag { image: image.name });
        }
        for tag in &image.tags {
            check_tag(&image.name, tag)?;
        }
        if let Some(reason) = image.serve.as_ref().and_then(Serve::problem) {
            return Err(CatalogueError::BadServe {
                image: image.name,
                reason,
            });
        }
        for other in &self.images {
            if other.name == image.name {
                return Err(CatalogueError::Duplicate {
                    what: format!("name {:?}", image.name),
                    first: other.name.clone(),
                    second: image.name.clone(),
                });
            }
            if let Some(tag) = image
                .tags
                .iter()
                .find(|tag| other.tags.iter().any(|t| same_reference(t, tag)))
            {
                return Err(CatalogueError::Duplicate {
                    what: format!("tag {tag:?}"),
                    first: other.name.clone(),
                    second: image.name.clone(),
                });
            }
        }
        self.images.push(image);
        Ok(self)
    }

    /// The images, in the order they were added.
    pub fn images(&self) -> &[CatalogueImage] {
        &self.images
    }

    /// The image named `name`.
    pub fn image(&self, name: &str) -> Option<&CatalogueImage> {
        self.images.iter().find(|image| image.name == name)
    }

    /// Whether the catalogue is empty.
    pub fn is_empty(&self) -> bool {
        self.images.is_empty()
    }

    /// The number of images.
    pub fn len(&self) -> usize {
        self.images.len()
    }

    /// The build graph: which image is built after which, in an order
    /// where every parent comes before its children.
    ///
    /// # Errors
    ///
    /// [`CatalogueError::Dockerfile`] for text that does not parse,
    /// [`CatalogueError::MissingParent`] for a reference to a repository of
    /// the catalogue with a tag it does not have, [`CatalogueError::Cycle`]
    /// naming the images of a cycle.
    pub fn graph(&self) -> Result<BuildGraph, CatalogueError> {
        BuildGraph::new(self)
    }

    /// The images named in `names` (by name or by one of their tags) and
    /// every catalogue image they are built from, directly or not, in this
    /// catalogue's order: what `stagecraft build --only` builds. The parents
    /// come along so that the build has them; the usual skip applies to them
    /// (an unchanged parent that a daemon of the pool holds is not built
    /// again), so they are built only when they changed.
    ///
    /// ```
    /// use stagecraft::catalogue::{Catalogue, CatalogueError, CatalogueImage};
    ///
    /// let mut catalogue = Catalogue::new();
    /// catalogue.add(CatalogueImage::from_text("base", "FROM debian:bookworm-slim\n").tag("site/base:1"))?;
    /// catalogue.add(CatalogueImage::from_text("jq", "FROM site/base:1\n").tag("site/jq:1.6"))?;
    /// catalogue.add(CatalogueImage::from_text("xz", "FROM site/base:1\n").tag("site/xz:5.4"))?;
    /// let only = catalogue.only(["site/jq:1.6"])?;
    /// let names: Vec<&str> = only.images().iter().map(|image| image.name()).collect();
    /// assert_eq!(names, ["base", "jq"]);
    /// let error = catalogue.only(["j"]).unwrap_err();
    /// assert!(error.to_string().contains("(did you mean jq?)"), "{error}");
    /// # Ok::<(), CatalogueError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CatalogueError::UnknownImage`] for a name that is no image's name
    /// or tag, and the errors of [`Catalogue::graph`].
    pub fn only<I, S>(&self, names: I) -> Result<Catalogue, CatalogueError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let graph = self.graph()?;
        let mut wanted = std::collections::BTreeSet::new();
        for name in names {
            let name = name.as_ref();
            let index = self
                .images
                .iter()
                .position(|image| {
                    image.name == name || image.tags.iter().any(|tag| same_reference(tag, name))
                })
                .ok_or_else(|| {
                    let lower = name.to_lowercase();
                    CatalogueError::UnknownImage {
                        name: name.to_string(),
                        similar: self
                            .images
                            .iter()
                            .filter(|image| image.name.to_lowercase().contains(&lower))
                            .map(|image| image.name.clone())
                            .take(5)
                            .collect(),
                    }
                })?;
            wanted.insert(index);
            wanted.extend(graph.ancestors(index));
        }
        Ok(Catalogue {
            images: wanted
                .into_iter()
                .map(|index| self.images[index].clone())
                .collect(),
        })
    }

    /// Reads every `Dockerfile*` under `root`.
    ///
    /// # Reading a tree
    ///
    /// It takes every file named `Dockerfile` or
    /// `Dockerfile.<variant>` under the root (hidden directories and `target/`
    /// left out), in path order. Each is built as written, with its directory as
    /// the build context. Its name is its directory relative to the root
    /// (`tools/samtools/1.17`, with `.<variant>` added for a variant), and its
    /// tag comes from the same path: the last directory is the tag, the ones
    /// before it the repository (`tools/samtools:1.17`); a Dockerfile one level
    /// down is tagged `latest` (`base/Dockerfile` is `base:latest`), a variant
    /// adds `-<variant>` to the tag; everything is lower-cased.
    ///
    /// A `catalogue.toml` manifest (feature `catalogue-toml`) in any directory
    /// overrides that for the Dockerfiles under it; the root's may also set a
    /// `prefix` for every generated tag. Keys of `[images]` are Dockerfile
    /// paths relative to the manifest's directory; a deeper manifest wins over
    /// the root's for the same file:
    ///
    /// ```toml
    /// prefix = "site"                       # root manifest only: site/tools/samtools:1.17
    ///
    /// [images."tools/samtools/1.17/Dockerfile"]
    /// name = "samtools"                     # the name in the report (default: the path)
    /// tags = ["site/samtools:1.17", "site/samtools:latest"]
    /// target = "runtime"                    # build up to this stage
    /// context = "tools"                     # relative to this manifest's directory
    /// args = { SAMTOOLS_VERSION = "1.17" }
    /// smoke = { args = ["samtools", "--version"], stdout_contains = "samtools 1.17" }
    ///
    /// [images."scratchpad/Dockerfile"]
    /// skip = true                           # not part of the catalogue
    /// ```
    ///
    /// A runnable example (with the feature `catalogue-toml`):
    ///
    /// ```
    /// # #[cfg(feature = "catalogue-toml")] {
    /// use stagecraft::catalogue::Catalogue;
    ///
    /// let root = tempfile::tempdir()?;
    /// let write = |path: &str, text: &str| -> std::io::Result<()> {
    ///     let path = root.path().join(path);
    ///     std::fs::create_dir_all(path.parent().unwrap())?;
    ///     std::fs::write(path, text)
    /// };
    /// write("base/Dockerfile", "FROM debian:bookworm-slim\n")?;
    /// write("tools/samtools/1.17/Dockerfile", "FROM site/base:latest\n")?;
    /// write("catalogue.toml", r#"
    ///     prefix = "site"
    ///     [images."tools/samtools/1.17/Dockerfile"]
    ///     name = "samtools"
    ///     args = { SAMTOOLS_VERSION = "1.17" }
    /// "#)?;
    /// let catalogue = Catalogue::from_dir(root.path())?;
    /// assert_eq!(catalogue.images()[0].tags(), ["site/base:latest"]);
    /// let samtools = catalogue.image("samtools").unwrap();
    /// assert_eq!(samtools.tags(), ["site/tools/samtools:1.17"]);
    /// assert_eq!(catalogue.graph()?.parents(1), [0]);
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CatalogueError::Read`], [`CatalogueError::Manifest`] and the errors of
    /// [`Catalogue::add`].
    pub fn from_dir(root: impl AsRef<Path>) -> Result<Catalogue, CatalogueError> {
        tree::read(root.as_ref())
    }
}

/// `tag` must parse as an image reference and carry a tag (no digest).
fn check_tag(image: &str, tag: &str) -> Result<(), CatalogueError> {
    let bad = |reason: String| CatalogueError::BadTag {
        image: image.to_string(),
        tag: tag.to_string(),
        reason,
    };
    let parsed = crate::ImageRef::parse(tag).map_err(|error| bad(error.to_string()))?;
    if parsed.digest().is_some() {
        return Err(bad("a tag cannot carry a digest".into()));
    }
    Ok(())
}

/// The reference with `:latest` made explicit, for comparing references.
pub(crate) fn normalized(reference: &str) -> String {
    match crate::ImageRef::parse(reference) {
        Ok(parsed) if parsed.tag().is_none() && parsed.digest().is_none() => {
            format!("{}:latest", parsed.name())
        }
        _ => reference.to_string(),
    }
}

/// The repository part of a reference (no tag, no digest).
pub(crate) fn repository(reference: &str) -> Option<String> {
    crate::ImageRef::parse(reference)
        .ok()
        .map(|parsed| parsed.name())
}

fn same_reference(a: &str, b: &str) -> bool {
    normalized(a) == normalized(b)
}
