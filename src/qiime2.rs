//! QIIME 2: the workshop's "suggest improvements" exercise.
//!
//! The workshop shows the classic single-stage QIIME 2 image
//! ([`CLASSIC`], kept as text in `examples/qiime2/Dockerfile.classic`):
//! `FROM continuumio/miniconda3` (untagged), then one `RUN` each for a
//! `mkdir`, `conda update`, `conda install wget`, the download of the
//! environment file, `conda env create`, the removal of the file, a
//! `source activate` that changes nothing (each `RUN` is a new shell), the
//! plugin cache and two `.bashrc` edits; no `conda clean` anywhere. Every
//! conda layer keeps its package cache, and the environment file removed in
//! a later `RUN` stays in the layer that downloaded it. `stagecraft lint`
//! finds the three conda layers ([`classic_findings`]: SCR010 on lines 17,
//! 18 and 20), the untagged base (SCR029, line 4) and the `RUN`s that could
//! be one with the `RUN` before them (SCR030, an info: lines 18-22, 26, 27).
//!
//! The improvement ([`Variant::Multistage`]): build the environment on a
//! pinned miniconda image with `conda env create -p /opt/qiime2 -f ... &&
//! conda clean -afy` in one `RUN`, then copy `/opt/qiime2` alone into a slim
//! Debian runtime. The workshop reports "about 50 %" smaller. It cannot be
//! built here: the conda channels and the miniconda image are out of reach
//! of this machine, so it is golden-tested text.
//!
//! What builds here is Debian 12's own QIIME 2 (`qiime` and `q2cli`,
//! release [`DEBIAN_RELEASE`]): [`Variant::Naive`] transposes the classic
//! mistakes to apt ([`NAIVE`]: a lone `apt-get update`, an install with the
//! recommended packages and without list cleanup; the DSL refuses those
//! `RUN`s, so this one is text built as written with
//! `Engine::build_text`), and
//! [`Variant::Improved`] installs the same plugins in one `RUN` with
//! `--no-install-recommends` and list cleanup.
//!
//! ## Measured here
//!
//! On `debian:bookworm-slim` with Debian's docker.io daemon (2026-11-28,
//! `cargo run --example qiime2 -- --build` and `STAGECRAFT_HEAVY=1 cargo
//! test --test qiime2`; both print `QIIME 2 version: 2022.11.1` and the same
//! nine plugins in `qiime info`):
//!
//! | variant | size | saved | workshop |
//! | --- | --- | --- | --- |
//! | naive | 2,649,172,366 B (2649 MB) | - | - |
//! | improved | 1,563,105,808 B (1563 MB) | 41.0 % | "about 50 %" (conda, multi-stage) |
//!
//! Almost all of the 41 % is `--no-install-recommends` (198 packages, led
//! by LLVM 14 and pandoc); the lists left by the lone `apt-get update` are
//! 19.9 MB, and the base image already deletes downloaded `.deb` files. The
//! workshop's conda figure is larger because conda's leftover is a second
//! copy of the whole environment in its package cache, plus the miniconda
//! base the runtime stage leaves behind. `classic` and `multistage` were not
//! built: conda's channels and the miniconda image are unreachable here.
//!
//! ## What `stagecraft lint` does not see in the classic file
//!
//! The environment file removed on line 21 but kept in the layer of line 19
//! (SCR008 knows package caches, not arbitrary files; SCR030 only says the
//! `RUN`s could be one), and the `source activate` of line 22, which changes
//! nothing. hadolint does not see them either, and has no rule for conda's
//! cache (our SCR010); the untagged `FROM` (its DL3006, our SCR029) and the
//! consecutive `RUN`s (DL3059, SCR030) both tools report on the same lines.

use stagecraft::packages::{Apt, Conda};
use stagecraft::{run, Dockerfile, Errors, Run};

/// The workshop's classic single-stage conda Dockerfile, hand-written
/// (`examples/qiime2/Dockerfile.classic`).
///
/// ```
/// assert!(stagecraft_workshop::qiime2::CLASSIC.contains("\nRUN conda update -q -y conda\n"));
/// ```
pub const CLASSIC: &str = include_str!("../examples/qiime2/Dockerfile.classic");

/// The classic mistakes transposed to Debian's packages
/// (`examples/qiime2/Dockerfile.naive`): what builds here of the classic.
///
/// ```
/// assert!(stagecraft_workshop::qiime2::NAIVE.contains("\nRUN apt-get update\n"));
/// ```
pub const NAIVE: &str = include_str!("../examples/qiime2/Dockerfile.naive");

/// The base of today's runtime stages: Debian 12, imported locally by `scripts/`.
pub const BASE: &str = "debian:bookworm-slim";

/// The pinned conda build image of [`Variant::Multistage`].
pub const MINICONDA: &str = "continuumio/miniconda3:24.9.2-0";

/// The QIIME 2 release of [`Variant::Multistage`] (the amplicon distribution).
pub const CONDA_RELEASE: &str = "2024.10";

/// The environment file of [`CONDA_RELEASE`]; `conda env create -f` reads a URL.
///
/// ```
/// use stagecraft_workshop::qiime2::{CONDA_ENV_FILE, CONDA_RELEASE};
/// assert!(CONDA_ENV_FILE.ends_with(&format!("qiime2-amplicon-{CONDA_RELEASE}-py310-linux-conda.yml")));
/// ```
pub const CONDA_ENV_FILE: &str =
    "https://data.qiime2.org/distro/amplicon/qiime2-amplicon-2024.10-py310-linux-conda.yml";

/// Where the environment lives, in the build stage and in the runtime stage
/// alike (conda writes its prefix into scripts and libraries).
pub const PREFIX: &str = "/opt/qiime2";

/// The QIIME 2 release Debian 12 packages.
pub const DEBIAN_RELEASE: &str = "2022.11";

/// What `qiime info` prints on the Debian variants: the smoke test's check.
///
/// ```
/// use stagecraft_workshop::qiime2::{DEBIAN_RELEASE, DEBIAN_VERSION_LINE};
/// assert!(DEBIAN_VERSION_LINE.contains(DEBIAN_RELEASE));
/// ```
pub const DEBIAN_VERSION_LINE: &str = "QIIME 2 version: 2022.11.1";

/// Debian's packages of the improved variant: the framework, the command
/// line, and the plugins the naive install brings through recommendations
/// (`qiime` recommends nine of them; `q2-quality-control` and `q2-taxa` come
/// with those), named explicitly because recommended packages are left out:
/// both images have the same nine plugins.
pub const DEBIAN_PACKAGES: [&str; 12] = [
    "qiime",
    "q2cli",
    "q2templates",
    "q2-cutadapt",
    "q2-types",
    "q2-metadata",
    "q2-demux",
    "q2-quality-filter",
    "q2-feature-classifier",
    "q2-feature-table",
    "q2-quality-control",
    "q2-taxa",
];

/// The home directory of the classic image, where the plugin cache is written.
pub const HOME: &str = "/home/qiime2";

/// The environment every variant sets, after the classic image: a
/// non-interactive matplotlib, a UTF-8 locale (click needs one), and the
/// home directory that holds q2cli's plugin cache.
pub const ENV: [(&str, &str); 5] = [
    ("MPLBACKEND", "agg"),
    ("LC_ALL", "C.UTF-8"),
    ("LANG", "C.UTF-8"),
    ("HOME", HOME),
    ("XDG_CONFIG_HOME", HOME),
];

/// The workshop's 2021 build image, release and runtime base (the seed of
/// [`Variant::Multistage`]).
pub const SEED_MINICONDA: &str = "continuumio/miniconda3:4.9.2";
/// The QIIME 2 release of the seed (the workshop's time).
pub const SEED_RELEASE: &str = "2021.4";
/// The runtime base of the seed: Debian 10, as the workshop's distroless images.
pub const SEED_BASE: &str = "debian:buster-slim";

crate::variants! {
    example: "qiime2",
    /// The variants this example renders.
    ///
    /// ```
    /// use stagecraft_workshop::qiime2::Variant;
    /// let names: Vec<&str> = Variant::ALL.iter().map(|v| v.name()).collect();
    /// assert_eq!(names, ["classic", "multistage", "naive", "improved"]);
    /// assert_eq!("conda".parse::<Variant>(), Ok(Variant::Multistage));
    /// ```
    pub enum Variant {
        /// The workshop's classic conda image, as text ([`CLASSIC`]): linted,
        /// not built (no conda channel and no miniconda image here).
        Classic => "classic",
        /// The workshop's improvement: the environment built on a pinned
        /// miniconda with `conda clean -afy` in the same `RUN`, copied into a
        /// slim runtime. Recommended; not buildable here.
        Multistage => "multistage" | "conda",
        /// The classic mistakes on Debian's packages, as text ([`NAIVE`]): built
        /// here as written with `Engine::build_text`.
        Naive => "naive",
        /// Debian's packages installed in one `RUN` without recommends and with
        /// list cleanup: built here.
        Improved => "improved" | "apt",
    }
}

impl Variant {
    /// The variants `--build` builds (the others need conda's channels).
    pub const BUILDABLE: [Variant; 2] = [Variant::Naive, Variant::Improved];

    /// Whether `--build` can build it here (only Debian's packages are reachable).
    ///
    /// ```
    /// use stagecraft_workshop::qiime2::Variant;
    /// assert!(Variant::Naive.buildable_here());
    /// assert!(!Variant::Multistage.buildable_here());
    /// ```
    pub fn buildable_here(self) -> bool {
        Variant::BUILDABLE.contains(&self)
    }
}

/// A variant's Dockerfile: the typed model, or the text the model refuses.
///
/// ```
/// use stagecraft_workshop::qiime2::{self, Rendered, Variant};
/// assert!(matches!(qiime2::dockerfile(Variant::Classic)?, Rendered::Text(_)));
/// assert!(matches!(qiime2::dockerfile(Variant::Multistage)?, Rendered::Model(_)));
/// # Ok::<(), stagecraft::Errors>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rendered {
    /// Rendered from the DSL: passes `stagecraft lint` with no error.
    Model(Dockerfile),
    /// Hand-written text that breaks the rules on purpose.
    Text(&'static str),
}

impl Rendered {
    /// The Dockerfile's text.
    ///
    /// ```
    /// use stagecraft_workshop::qiime2::{self, Variant};
    /// let text = qiime2::dockerfile(Variant::Naive).unwrap().text();
    /// assert_eq!(text, qiime2::NAIVE);
    /// ```
    pub fn text(&self) -> String {
        match self {
            Rendered::Model(dockerfile) => dockerfile.render(),
            Rendered::Text(text) => (*text).to_string(),
        }
    }
}

/// The Dockerfile of `variant`.
///
/// ```
/// use stagecraft_workshop::qiime2::{self, Rendered, Variant};
/// let Rendered::Model(improved) = qiime2::dockerfile(Variant::Improved)? else {
///     panic!("the improved variant is written with the DSL");
/// };
/// assert!(improved.validate().is_ok());
/// # Ok::<(), stagecraft::Errors>(())
/// ```
pub fn dockerfile(variant: Variant) -> Result<Rendered, Errors> {
    Ok(match variant {
        Variant::Classic => Rendered::Text(CLASSIC),
        Variant::Naive => Rendered::Text(NAIVE),
        Variant::Improved => Rendered::Model(improved()?),
        Variant::Multistage => Rendered::Model(multistage()?),
    })
}

/// The improved Debian image: the packages of [`DEBIAN_PACKAGES`] in one
/// apt recipe (update, install without recommends, list cleanup), the plugin
/// cache built once, `qiime` as the entrypoint.
///
/// ```
/// let text = stagecraft_workshop::qiime2::improved()?.render();
/// assert!(text.contains("--no-install-recommends"));
/// # Ok::<(), stagecraft::Errors>(())
/// ```
pub fn improved() -> Result<Dockerfile, Errors> {
    let mut df = Dockerfile::builder();
    df.anonymous_stage(BASE)
        .envs(ENV)
        .install(Apt::install(DEBIAN_PACKAGES))
        .workdir(HOME)
        .run(run!("qiime dev refresh-cache"))
        .entrypoint(["qiime"])
        .cmd(["info"]);
    df.build()
}

/// The workshop's improvement on today's images: a `build` stage on
/// [`MINICONDA`] creates the environment at [`PREFIX`] from
/// [`CONDA_ENV_FILE`] and cleans conda's caches in the same `RUN`; the
/// runtime stage on [`BASE`] receives `/opt/qiime2` only.
///
/// ```
/// let text = stagecraft_workshop::qiime2::multistage()?.render();
/// assert!(text.contains("conda clean -afy"));
/// assert!(text.contains("COPY --from=build /opt/qiime2 /opt/qiime2"));
/// # Ok::<(), stagecraft::Errors>(())
/// ```
pub fn multistage() -> Result<Dockerfile, Errors> {
    let mut df = Dockerfile::builder();
    let build = df
        .stage("build", MINICONDA)
        .install(Conda::env_create(PREFIX, CONDA_ENV_FILE))
        .done();
    runtime(&mut df, BASE, &build);
    df.build()
}

/// The workshop's 2021 Dockerfile of `variant`, as far as it is known: the
/// classic image is the seed of both [`Variant::Classic`] and
/// [`Variant::Naive`] (the naive one transposes it); the improvement is
/// reconstructed from the workshop's description on its 2021 images
/// ([`SEED_MINICONDA`], [`SEED_RELEASE`], [`SEED_BASE`]): the environment
/// file downloaded, used and removed in one `RUN` with `conda clean -a`.
/// The workshop has no Debian-package variant.
///
/// ```
/// use stagecraft_workshop::qiime2::{self, Variant};
/// assert_eq!(qiime2::seed(Variant::Naive).unwrap()?.text(), qiime2::CLASSIC);
/// assert!(qiime2::seed(Variant::Improved).is_none());
/// # Ok::<(), stagecraft::Errors>(())
/// ```
pub fn seed(variant: Variant) -> Option<Result<Rendered, Errors>> {
    match variant {
        Variant::Classic | Variant::Naive => Some(Ok(Rendered::Text(CLASSIC))),
        Variant::Improved => None,
        Variant::Multistage => Some(seed_multistage().map(Rendered::Model)),
    }
}

fn seed_multistage() -> Result<Dockerfile, Errors> {
    let file = format!("qiime2-{SEED_RELEASE}-py38-linux-conda.yml");
    let script = format!(
        "wget https://data.qiime2.org/distro/core/{file} \\\n \
         && conda env create -p {PREFIX} -f {file} \\\n \
         && conda clean -a \\\n \
         && rm {file}"
    );
    let run = Run::checked(script).expect("the seed's RUN follows the conda rule");
    let mut df = Dockerfile::builder();
    let build = df.stage("build", SEED_MINICONDA).run(run).done();
    runtime(&mut df, SEED_BASE, &build);
    df.build()
}

/// The runtime stage both improvements share: the environment, its `PATH`,
/// the classic image's environment, and the plugin cache.
fn runtime(
    df: &mut stagecraft::DockerfileBuilder,
    base: &str,
    build: &stagecraft::StageRef<stagecraft::WithShell>,
) {
    df.anonymous_stage(base)
        .copy_from(build, PREFIX, PREFIX)
        .env("PATH", format!("{PREFIX}/bin:${{PATH}}"))
        .envs(ENV)
        .workdir(HOME)
        .run(run!("qiime dev refresh-cache"))
        .entrypoint(["qiime"])
        .cmd(["info"]);
}

/// `stagecraft lint`'s findings on the classic Dockerfile, as `(line, rule)`.
///
/// ```
/// let findings = stagecraft_workshop::qiime2::classic_findings();
/// assert_eq!(findings[0], (4, "SCR029")); // FROM continuumio/miniconda3, untagged
/// let conda: Vec<_> = findings.iter().filter(|(_, rule)| *rule == "SCR010").collect();
/// assert_eq!(conda, [&(17, "SCR010"), &(18, "SCR010"), &(20, "SCR010")]);
/// ```
pub fn classic_findings() -> Vec<(usize, &'static str)> {
    let options = stagecraft::rules::dockerfile::Options::default();
    stagecraft::rules::dockerfile::lint(CLASSIC, &options)
        .expect("the classic Dockerfile parses")
        .iter()
        .map(|finding| (finding.line, finding.rule.id))
        .collect()
}

/// The plugins `qiime info` lists (`name: version` lines after
/// `Installed plugins`), in its order.
///
/// ```
/// let info = "System versions\nQIIME 2 version: 2022.11.1\n\nInstalled plugins\n\
///             demux: 2022.11.1\ntypes: 2022.11.1\n\nApplication config directory\n/home/qiime2/q2cli\n";
/// assert_eq!(stagecraft_workshop::qiime2::installed_plugins(info), ["demux", "types"]);
/// ```
pub fn installed_plugins(info: &str) -> Vec<&str> {
    info.lines()
        .skip_while(|line| line.trim() != "Installed plugins")
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split_once(':').map(|(name, _)| name.trim()))
        .collect()
}
