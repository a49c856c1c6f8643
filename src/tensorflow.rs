//! TensorFlow: a large Python package on a distroless Python base, the
//! workshop's "TensorFlow distroless" section.
//!
//! `pip install tensorflow-cpu` brings 334 MB of wheels, 1.55 GB installed: TensorFlow
//! itself, Keras, NumPy, h5py, grpcio and friends, all manylinux wheels with
//! their shared libraries inside. None of it needs a compiler, pip or a shell
//! at run time, only the interpreter the wheels were built for (CPython 3.11,
//! `cp311`) and the C/C++ runtime. So the build stage installs them into a
//! virtual environment on `debian:bookworm-slim` with Debian's `python3`,
//! and the runtime is a distroless Python 3.11, assembled from the very same
//! Debian packages ([`Flavor::Python3`]), which receives the site-packages
//! directory and `PYTHONPATH`.
//!
//! Why a virtual environment: Debian's Python is "externally managed"
//! (PEP 668), so `pip install` into it refuses unless told
//! `--break-system-packages`. A venv (`python3 -m venv /opt/venv`, which
//! brings its own pip) keeps pip's packages apart from Debian's in one
//! directory that is easy to copy, and needs no `python3-pip` package.
//!
//! ## Measured here
//!
//! On `debian:bookworm-slim` with Debian's docker.io daemon (20.10.24),
//! 2026-11-28, `cargo run --example tensorflow -- --build` and
//! `tests/tensorflow.rs`; every image prints `tensorflow 2.21.0 matmul sum
//! 24.0`:
//!
//! | variant | size | saved | workshop (2.3.0) |
//! | --- | --- | --- | --- |
//! | naive | 1,679,644,953 B (1,680 MB) | - | 582 MB, the official image |
//! | multistage | 1,671,997,185 B (1,672 MB) | 0.5 % | - |
//! | distroless | 1,604,445,903 B (1,604 MB) | 4.5 % | 227 MB (61 %) |
//! | pruned | 1,314,878,531 B (1,315 MB) | 21.7 % | - |
//!
//! Builds: naive 150.6 s cold (pip 72 s of it), then multistage 58.1 s,
//! distroless 44.8 s (the base's assembly and the copy), pruned 22.1 s.
//! The site-packages directory is 1,553 MB (TensorFlow's
//! `libtensorflow_cc.so.2` alone 752 MiB, its C++ headers 287 MiB), the
//! assembled distroless Python 51.5 MB: distroless takes away the
//! distribution (75 MB, with the shell, apt and pip). The same step took
//! 61 % of the workshop's 2.3.0 image and takes 4.5 % of today's: the rest
//! is in the wheels, which [`Variant::Pruned`] starts on. The workshop's GPU figure
//! (18 %) could not be measured: no GPU and no `nvidia/cuda` image here.
//!
//! `ldd` over the 136 shared objects of the venv resolves, outside the
//! wheels' bundled libraries, only to libc6, libgcc-s1, libstdc++6 and
//! zlib1g, all in [`Flavor::Python3`]: nothing needs harvesting (the heavy
//! test checks it on every run).
//!
//! ## Sites whose egress re-signs TLS
//!
//! pip checks PyPI's certificate against its own CA bundle. Where the
//! network re-signs TLS with a site CA (as on the machine these figures were
//! measured on), [`dockerfile_for_site`] makes the pip stage trust the
//! site's bundle with [`trust_site_ca`](stagecraft::StageBuilder::trust_site_ca),
//! right before pip and in that stage only: the bundle comes from the build
//! context ([`stagecraft::site_ca`]; the example and the heavy test pass
//! `STAGECRAFT_SITE_CA` with `BuildOptions::site_ca`) and pip finds it
//! through a build argument (`PIP_CERT`), so nothing of it reaches the
//! distroless or multi-stage image.

use stagecraft::distroless::{Distroless, Flavor};
use stagecraft::packages::{Apt, Pip};
use stagecraft::{run, CopySpec, Dockerfile, Errors, StageBuilder, WithShell};

/// The base of today's variants: Debian 12, imported locally by `scripts/`.
/// Its `python3` is 3.11, the interpreter the distroless base carries.
pub const BASE: &str = "debian:bookworm-slim";

/// The TensorFlow release installed: the newest PyPI serves for CPython
/// 3.11 on x86-64 (`tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl`;
/// bookworm's glibc is 2.36).
pub const TF_VERSION: &str = "2.21.0";

/// The CPU-only package, pinned: the GPU build (`tensorflow`) carries
/// CUDA wheels this machine cannot use.
pub const REQUIREMENT: &str = "tensorflow-cpu==2.21.0";

/// The virtual environment the build stage installs into.
pub const VENV: &str = "/opt/venv";

/// The venv's interpreter, a link to Debian's `/usr/bin/python3`.
pub const VENV_PYTHON: &str = "/opt/venv/bin/python";

/// What the distroless image receives: the venv's site-packages directory.
pub const SITE_PACKAGES: &str = "/opt/venv/lib/python3.11/site-packages";

/// Where it lands in the distroless image (`PYTHONPATH`), as in the workshop.
pub const DISTROLESS_SITE_PACKAGES: &str = "/site-packages";

/// What [`Variant::Pruned`] removes from the venv before copying it:
/// pip and setuptools (pip's own `uninstall`), and TensorFlow's C++
/// headers, which only `tf.sysconfig.get_include()` users compiling custom
/// ops need (287 MB of the 1.54 GB site-packages of 2.21.0).
pub const PRUNE: &str = "/opt/venv/bin/python -m pip uninstall -y pip setuptools \
     && rm -rf /opt/venv/lib/python3.11/site-packages/tensorflow/include";

/// The Python program every smoke test runs (`python -c SMOKE_PROGRAM`):
/// a 2x3 by 3x4 matrix product of ones, summed: 24.
pub const SMOKE_PROGRAM: &str = "import tensorflow as tf; \
     total = tf.reduce_sum(tf.matmul(tf.ones((2, 3)), tf.ones((3, 4)))); \
     print('tensorflow', tf.__version__, 'matmul sum', float(total))";

/// What [`SMOKE_PROGRAM`] prints when TensorFlow works.
pub const SMOKE_OUTPUT: &str = "tensorflow 2.21.0 matmul sum 24.0";

crate::variants! {
    example: "tensorflow",
    /// The variants this example renders.
    pub enum Variant {
        /// One stage: Debian's Python, a venv, TensorFlow in it. Everything
        /// ships: apt, the shell, pip, Debian's base.
        Naive => "naive",
        /// The same venv built in a stage `build`, copied whole into a fresh
        /// `debian:bookworm-slim` with only `python3` installed.
        Multistage => "multistage" | "multi-stage",
        /// The venv's site-packages on the assembled distroless Python 3.11
        /// (nonroot), with `PYTHONPATH`: no shell, no apt, no pip binary.
        Distroless => "distroless" | "minimal",
        /// [`Variant::Distroless`] without what the wheels bring for building
        /// rather than running: TensorFlow's C++ headers (`tensorflow/include`,
        /// for compiling custom ops) and pip and setuptools themselves, removed
        /// in a stage `pruned` on top of the build stage (see [`PRUNE`]).
        Pruned => "pruned",
    }
}

impl Variant {
    /// The interpreter the image runs (its entrypoint).
    pub fn interpreter(self) -> &'static str {
        match self {
            Variant::Naive | Variant::Multistage => VENV_PYTHON,
            Variant::Distroless | Variant::Pruned => "/usr/bin/python3",
        }
    }
}

/// Today's Dockerfile of `variant`, on [`BASE`].
///
/// ```
/// use stagecraft_workshop::tensorflow::{dockerfile, Variant, REQUIREMENT};
///
/// let text = dockerfile(Variant::Distroless).unwrap().render();
/// assert!(text.contains(REQUIREMENT));
/// assert!(text.contains("FROM python3\nCOPY --from=build /opt/venv/lib/python3.11/site-packages /site-packages\n"));
/// assert!(text.ends_with("ENTRYPOINT [\"/usr/bin/python3\"]\n"));
/// ```
pub fn dockerfile(variant: Variant) -> Result<Dockerfile, Errors> {
    dockerfile_for_site(variant, false)
}

/// [`dockerfile`], with the pip stage trusting the site's CA bundle when
/// `site_ca` is true (see the module documentation); its build then needs
/// `BuildOptions::site_ca`. The `COPY` and the `ARG`s come right before
/// pip, so the layers before them are the same either way.
///
/// ```
/// use stagecraft::site_ca;
/// use stagecraft_workshop::tensorflow::{dockerfile_for_site, Variant};
///
/// let dockerfile = dockerfile_for_site(Variant::Multistage, true).unwrap();
/// let text = dockerfile.render();
/// assert!(text.contains("COPY stagecraft-site-ca.pem /etc/ssl/stagecraft-site-ca.pem\nARG PIP_CERT=/etc/ssl/stagecraft-site-ca.pem\n"));
/// // Only in the build stage: the runtime stage never sees it.
/// assert_eq!(site_ca::trusting_stages(&dockerfile), [0]);
/// assert!(!text.split("\n\n").last().unwrap().contains("site-ca"));
/// ```
pub fn dockerfile_for_site(variant: Variant, site_ca: bool) -> Result<Dockerfile, Errors> {
    let mut df = Dockerfile::builder();
    match variant {
        Variant::Naive => {
            install_tensorflow(df.anonymous_stage(BASE), site_ca).entrypoint([VENV_PYTHON]);
        }
        Variant::Multistage => {
            let build = install_tensorflow(df.stage("build", BASE), site_ca).done();
            df.anonymous_stage(BASE)
                .install(Apt::install(["python3"]))
                .copy_from(&build, VENV, VENV)
                .entrypoint([VENV_PYTHON]);
        }
        Variant::Distroless | Variant::Pruned => {
            let mut build = install_tensorflow(df.stage("build", BASE), site_ca).done();
            if variant == Variant::Pruned {
                build = df
                    .stage("pruned", &build)
                    .run(run!(
                        "/opt/venv/bin/python -m pip uninstall -y pip setuptools \
                     && rm -rf /opt/venv/lib/python3.11/site-packages/tensorflow/include"
                    ))
                    .done();
            }
            let python = df.distroless_base(
                "python3",
                &Distroless::new(Flavor::Python3)
                    .nonroot()
                    .assembled_from(BASE),
            );
            df.anonymous_stage(&python)
                .copy_from(&build, SITE_PACKAGES, DISTROLESS_SITE_PACKAGES)
                .env("PYTHONPATH", DISTROLESS_SITE_PACKAGES)
                .entrypoint([Variant::Distroless.interpreter()]);
        }
    }
    df.build()
}

/// What installs TensorFlow into [`VENV`]: Debian's Python with venv, the
/// venv, pip. The build stage of every variant (the naive image's only
/// stage) starts with the same instructions, so the builder's cache serves
/// all three.
fn install_tensorflow<N>(
    stage: StageBuilder<'_, WithShell, N>,
    site_ca: bool,
) -> StageBuilder<'_, WithShell, N> {
    let stage = stage
        .install(Apt::install(["python3", "python3-venv"]))
        .run(run!("python3 -m venv /opt/venv"));
    let stage = if site_ca {
        stage.trust_site_ca()
    } else {
        stage
    };
    stage.install(Pip::install([REQUIREMENT]).python(VENV_PYTHON))
}

/// The arguments that run [`SMOKE_PROGRAM`] on an image of any variant
/// (its entrypoint is the interpreter).
pub fn smoke_args() -> [&'static str; 2] {
    ["-c", SMOKE_PROGRAM]
}

/// The workshop's version of `variant`: its CPU image on
/// `gcr.io/distroless/python3-debian10` for [`Variant::Distroless`] (see
/// [`seed_cpu`]). Its naive image is the official
/// `tensorflow/tensorflow:2.3.0`, known here only by its size (582 MB), and
/// it has neither a multi-stage nor a pruned one.
pub fn seed(variant: Variant) -> Option<Result<Dockerfile, Errors>> {
    match variant {
        Variant::Distroless => Some(seed_cpu()),
        Variant::Naive | Variant::Multistage | Variant::Pruned => None,
    }
}

/// The workshop's 2021 version.
pub const SEED_VERSION: &str = "2.3.0";
/// The workshop's build base.
pub const SEED_BASE: &str = "python:3.7.4-slim-buster";
/// The workshop's runtime base (Debian 10's Python 3.7, like the build's).
pub const SEED_RUNTIME: &str = "gcr.io/distroless/python3-debian10";
/// The site-packages directory of [`SEED_BASE`]'s Python.
pub const SEED_SITE_PACKAGES: &str = "/usr/local/lib/python3.7/site-packages";
/// The CUDA image the workshop's GPU variant takes its libraries from.
pub const SEED_CUDA: &str = "nvidia/cuda:10.1-cudnn7-devel-ubuntu18.04";

/// The workshop's CPU image: stage `py` upgrades pip and installs
/// `tensorflow==$VERSION` (`ARG VERSION=2.3.0`), the distroless stage
/// receives its site-packages.
///
/// One change: the workshop's `pip install --upgrade pip` kept pip's cache
/// in the `py` layer. A build-only stage, so those bytes never shipped, but
/// the model holds every `RUN` to the rules of a stage that ships (`SCR010`),
/// so it says `--no-cache-dir` here too.
pub fn seed_cpu() -> Result<Dockerfile, Errors> {
    seed_with(false)
}

/// The workshop's GPU image, as far as its description goes: [`seed_cpu`]
/// plus a stage `lib` on [`SEED_CUDA`] that installs TensorRT 6 (pinned),
/// hdf5 and zmq, whose CUDA, cuDNN, TensorRT, CUPTI, hdf5 and zmq libraries
/// the final stage copies, with `LD_LIBRARY_PATH`. The reference records
/// which libraries, not the exact paths and pins: those here are the usual
/// ones of that CUDA image, a reconstruction.
pub fn seed_gpu() -> Result<Dockerfile, Errors> {
    seed_with(true)
}

// The workshop's file upgrades pip to whatever is newest, which DL3013 (pin
// pip's packages) warns about at compile time; the seed reproduces it as it was.
#[allow(deprecated)]
fn seed_with(gpu: bool) -> Result<Dockerfile, Errors> {
    let mut df = Dockerfile::builder();
    let py = df
        .stage("py", SEED_BASE)
        .arg("VERSION", Some(SEED_VERSION))
        .run(run!(
            "pip install --no-cache-dir --upgrade pip && pip install --no-cache-dir tensorflow==$VERSION"
        ))
        .done();
    let lib = gpu.then(|| {
        df.stage("lib", SEED_CUDA)
            .install(Apt::install([
                "libnvinfer6=6.0.1-1+cuda10.1",
                "libnvinfer-plugin6=6.0.1-1+cuda10.1",
                "libhdf5-serial-dev",
                "libzmq3-dev",
            ]))
            .done()
    });
    let mut last = df
        .anonymous_stage(stagecraft::shell_less(SEED_RUNTIME))
        .copy_from(&py, SEED_SITE_PACKAGES, DISTROLESS_SITE_PACKAGES);
    if let Some(lib) = &lib {
        const GNU: &str = "/usr/lib/x86_64-linux-gnu/";
        for (sources, destination) in [
            (vec!["/usr/local/cuda/lib64/"], "/usr/local/cuda/lib64/"),
            (
                vec!["/usr/local/cuda/extras/CUPTI/lib64/"],
                "/usr/local/cuda/extras/CUPTI/lib64/",
            ),
            (
                vec![
                    "/usr/lib/x86_64-linux-gnu/libcudnn.so.7*",
                    "/usr/lib/x86_64-linux-gnu/libcublas*.so.10*",
                    "/usr/lib/x86_64-linux-gnu/libnvinfer*.so.6*",
                ],
                GNU,
            ),
            (
                vec!["/usr/lib/x86_64-linux-gnu/hdf5/serial/"],
                "/usr/lib/x86_64-linux-gnu/hdf5/serial/",
            ),
            (vec!["/usr/lib/x86_64-linux-gnu/libzmq.so.5*"], GNU),
        ] {
            last = last.copy_spec(CopySpec::new(sources, destination).from(lib));
        }
        last = last.env(
            "LD_LIBRARY_PATH",
            "/usr/local/cuda/lib64:/usr/local/cuda/extras/CUPTI/lib64:/usr/lib/x86_64-linux-gnu",
        );
    }
    last.env("PYTHONPATH", DISTROLESS_SITE_PACKAGES)
        .env("LANG", "C.UTF-8")
        .entrypoint(["/usr/bin/python"]);
    df.build()
}
