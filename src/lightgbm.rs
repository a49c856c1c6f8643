//! LightGBM: the workshop's main exercise, a GPU (OpenCL) build of the
//! `lightgbm` command-line program, shipped three ways.
//!
//! The build stage compiles the CLI with `-DUSE_GPU=ON`: OpenCL through
//! Boost.Compute (vendored in the source tree) against Debian's ICD loader
//! (`ocl-icd-opencl-dev`) and Boost.Filesystem. No GPU is needed to build,
//! and none is needed to *run* here either: Debian's `pocl-opencl-icd` is an
//! OpenCL platform on the CPU, so `device=gpu` takes the same code path
//! (kernels compiled at run time, histograms built through OpenCL) that it
//! takes on a GPU host.
//!
//! ## The source
//!
//! GitHub is not reachable here, so the release tarball the workshop
//! downloaded (`v${VERSION}.tar.gz`) is not either. PyPI's source
//! distribution of the Python package, `lightgbm-4.6.0.tar.gz` (1.7 MB),
//! carries the whole C++ tree (`src/main.cpp`, `src/application/`,
//! `src/treelearner/gpu_tree_learner.cpp`, `external_libs/`) and a top
//! `CMakeLists.txt` with `BUILD_CLI` (on by default) and `USE_GPU`. The
//! Dockerfile fetches it with `ADD <url>` ([`SOURCE_URL`]: the
//! content-addressed file URL PyPI's simple index gives) and checks it
//! against [`SOURCE_SHA256`] before unpacking. `ADD` rather than `curl` in a
//! `RUN`: the daemon fetches the URL with the host's certificate store, while
//! a build container here cannot verify PyPI's certificate (the egress
//! proxy's CA is the host's, not Debian's `ca-certificates`); the classic
//! builder (Docker 20.10, API 1.41) has no `ADD --checksum`, hence the
//! `sha256sum -c`. The sdist's `CMakeLists.txt` asks for CMake 3.28 and
//! bookworm has 3.25: the build lowers the minimum with one `sed` (the
//! project configures and builds with 3.25 unchanged otherwise), which is
//! simpler than PyPI's `cmake` package (unreachable from the container for
//! the same certificate reason) or bookworm-backports.
//!
//! ## The variants
//!
//! * [`Variant::Naive`]: one stage with the compilers, headers, Boost, the
//!   ICD loader, pocl (and through it LLVM and Clang), the source and the
//!   build tree: everything stays.
//! * [`Variant::Runtime`]: the workshop's `nvidia/opencl:runtime` idea on
//!   today's base: `debian:bookworm-slim` with the runtime libraries
//!   installed by apt ([`RUNTIME_PACKAGES`]), the binary copied in.
//! * [`Variant::Distroless`] (recommended): the assembled distroless `cc`
//!   (nonroot) plus what a traced training run used. The workshop copied
//!   the `ldd` list and the NVIDIA vendor file `/etc/OpenCL/vendors/nvidia.icd`,
//!   leaving the OpenCL *platform* (the driver's `libnvidia-opencl.so.1`) to
//!   the NVIDIA container runtime, which mounts it in on a GPU host. Here the
//!   platform is pocl, which `dlopen`s LLVM and Clang, reads its kernel
//!   library and headers, and compiles each kernel at run time: none of that
//!   is in any ELF header. So the build stage runs a `device=gpu` and a
//!   `device=cpu` training under `strace -f` ([`harvest`]) and the image gets
//!   what those runs used ([`distroless`]), plus the closure of the binary
//!   and the ICD vendor files declared.
//! * [`Variant::DistrolessIcd`]: the workshop's answer on today's base: the
//!   binary, its library closure and the ICD loader harvested (the
//!   self-contained strategy, no trace) onto the same assembled base, with
//!   the NVIDIA vendor file `nvidia.icd` copied in. It needs the NVIDIA
//!   container runtime for `device=gpu`; here, without a GPU, only
//!   `device=cpu` runs (and `device=gpu` fails with "No OpenCL device
//!   found", which the end-to-end test checks).
//!
//! ## The data
//!
//! [`dataset`] generates a deterministic binary-classification set in
//! LIBSVM format (no download). The smoke tests put it into the container
//! at run time (`stagecraft::engine::SmokeTest::file`), so no image
//! carries it; only the build stage does, because the traced runs read it
//! there (and [`is_smoke_data`] keeps it out of the harvest).
//!
//! ## Measured here
//!
//! On `debian:bookworm-slim` with Debian's docker.io daemon (2026-11-28,
//! `cargo run --example lightgbm -- --build`, two shared cores): naive
//! 999,431,201 B (999 MB), runtime 638,601,487 B (639 MB, 36.1 % smaller),
//! distroless 362,704,692 B (363 MB, 63.7 %; 369,383,653 B before the trace
//! left out the files the `cc` base has), distroless-icd 31,722,233 B
//! (31.7 MB, 96.8 %). Every variant trained on both devices with a
//! validation AUC of 0.896942 after 50 iterations (distroless-icd on the
//! CPU only: without a GPU driver it reports "No OpenCL device found").
//! The cold build stage took 528 s (the compile about 470 s). The workshop:
//! 2.24 GB → 374 MB → 10.7 MB. Where the bytes are and the trade-off:
//! `examples/README.md`, section LightGBM.

use stagecraft::distroless::{Distroless, Flavor};
use stagecraft::harvest::Harvest;
use stagecraft::packages::Apt;
use stagecraft::{
    run, CopySpec, Dockerfile, DockerfileBuilder, Errors, Run, StageBuilder, StageRef, WithShell,
};

/// The base of today's variants: Debian 12, imported locally by `scripts/`.
pub const BASE: &str = "debian:bookworm-slim";

/// The LightGBM version built.
pub const VERSION: &str = "4.6.0";
/// PyPI's source distribution of `lightgbm` 4.6.0 (the content-addressed
/// URL its simple index lists).
pub const SOURCE_URL: &str = "https://files.pythonhosted.org/packages/68/0b/a2e9f5c5da7ef047cc60cef37f86185088845e8433e54d2e7ed439cce8a3/lightgbm-4.6.0.tar.gz";
/// The sha256 of [`SOURCE_URL`]'s file, as PyPI's index gives it.
pub const SOURCE_SHA256: &str = "cb1c59720eb569389c0ba74d14f52351b573af489f230032a1c9f314f8bab7fe";

/// What the build needs: CMake, the C++ compiler (with OpenMP), Boost's
/// filesystem and system libraries, the OpenCL ICD loader and headers, and
/// pocl, the OpenCL platform on the CPU the traced `device=gpu` run uses.
pub const BUILD_PACKAGES: [&str; 7] = [
    "cmake",
    "g++",
    "make",
    "libboost-filesystem-dev",
    "libboost-system-dev",
    "ocl-icd-opencl-dev",
    "pocl-opencl-icd",
];

/// What the runtime variant installs: the libraries `lightgbm` links
/// (`ldd`: Boost.Filesystem 1.74, OpenMP, the ICD loader; libstdc++ and
/// libgcc are in the base) and pocl, the platform `device=gpu` runs on here.
pub const RUNTIME_PACKAGES: [&str; 4] = [
    "libboost-filesystem1.74.0",
    "libgomp1",
    "ocl-icd-libopencl1",
    "pocl-opencl-icd",
];

/// Where every variant has the program.
pub const LIGHTGBM: &str = "/usr/local/bin/lightgbm";

/// The build stage's alias: what the harvests and the trace read.
pub const BUILD_STAGE: &str = "build";

/// The training set, where the smoke tests put it and the traced runs read
/// it: in `/tmp`, which every variant has and a non-root user may write to
/// (the model goes there too).
pub const TRAIN_FILE: &str = "/tmp/lightgbm-train.svm";
/// The validation set, beside [`TRAIN_FILE`].
pub const VALID_FILE: &str = "/tmp/lightgbm-valid.svm";
/// The model a training run writes.
pub const MODEL_FILE: &str = "/tmp/lightgbm-model.txt";

/// pocl's kernel headers (`include/`) and its kernel library, one LLVM
/// bitcode file per CPU family (`kernel-x86_64-pc-linux-gnu-avx512.bc`,
/// `-avx2`, ..., `-GENERIC`; 81 MB in all). Declared whole because a run
/// opens only the bitcode of the CPU it runs on, while the image must run
/// on others. (A run opens them as
/// `/lib/x86_64-linux-gnu/../../share/pocl/...`, through the merged-/usr
/// link; the trace resolves such paths in the stage since 2026-11-28; before,
/// it dropped them and the image failed with "`pocl_types.h` not found".)
pub const POCL_SHARE: &str = "/usr/share/pocl";

/// The directory where the ICD loader looks for vendor files.
pub const ICD_VENDORS: &str = "/etc/OpenCL/vendors";
/// The NVIDIA vendor file [`Variant::DistrolessIcd`] ships: one line
/// naming the driver's OpenCL library, which the NVIDIA container runtime
/// mounts in on a GPU host (what `nvidia/opencl` images write).
pub const NVIDIA_ICD: &str = "libnvidia-opencl.so.1\n";
/// The vendor file's name in the build context and in the image.
pub const NVIDIA_ICD_NAME: &str = "nvidia.icd";

/// Rows of the generated training set.
pub const TRAIN_ROWS: usize = 4000;
/// Rows of the generated validation set.
pub const VALID_ROWS: usize = 1000;
/// Features per row.
pub const FEATURES: usize = 12;

/// What a finished training run prints about its last iteration.
pub const AUC_MARKER: &str = "valid_1 auc : ";

crate::variants! {
    example: "lightgbm",
    /// The variants this example renders.
    pub enum Variant {
        /// One stage: build tools, source, build tree and pocl all ship.
        Naive => "naive",
        /// Build stage + `debian:bookworm-slim` with apt's runtime libraries.
        Runtime => "runtime" | "multistage",
        /// Assembled distroless `cc` + the traced closure of a GPU (pocl) and a
        /// CPU training run (recommended).
        Distroless => "distroless" | "minimal",
        /// Assembled distroless `cc` + the binary's closure, the ICD loader and
        /// the NVIDIA vendor file: the workshop's answer, for a GPU host.
        DistrolessIcd => "distroless-icd" | "nvidia",
    }
}

impl Variant {
    /// Whether `device=gpu` can run here (pocl is in the image).
    pub fn runs_gpu_here(self) -> bool {
        self != Variant::DistrolessIcd
    }
}

/// The training run of the smoke tests and of the trace: the GPU
/// tutorial's settings on the generated data, on `device` (`gpu` or `cpu`),
/// as arguments to `lightgbm`.
pub fn train_args(device: &str) -> Vec<String> {
    [
        "task=train".to_string(),
        format!("data={TRAIN_FILE}"),
        format!("valid={VALID_FILE}"),
        "objective=binary".to_string(),
        "metric=auc".to_string(),
        "max_bin=63".to_string(),
        "num_leaves=255".to_string(),
        "num_iterations=50".to_string(),
        "learning_rate=0.1".to_string(),
        "min_data_in_leaf=1".to_string(),
        "min_sum_hessian_in_leaf=100".to_string(),
        format!("device={device}"),
        "gpu_platform_id=0".to_string(),
        "gpu_device_id=0".to_string(),
        "num_threads=2".to_string(),
        format!("output_model={MODEL_FILE}"),
    ]
    .into()
}

/// The whole command of [`train_args`]: the program first.
pub fn train_command(device: &str) -> Vec<String> {
    std::iter::once(LIGHTGBM.to_string())
        .chain(train_args(device))
        .collect()
}

/// A deterministic binary-classification set in LIBSVM format
/// (`label 1:x1 2:x2 ...`), `rows` rows of [`FEATURES`] features; `seed`
/// picks the stream (the training and validation sets use different ones).
/// The label depends on a few features non-linearly, with noise, so a
/// boosted model scores an AUC well above 0.5 but not 1.
///
/// ```
/// let data = stagecraft_workshop::lightgbm::dataset(3, 1);
/// let lines: Vec<&str> = data.lines().collect();
/// assert_eq!(lines.len(), 3);
/// assert!(lines[0].starts_with("0 1:") || lines[0].starts_with("1 1:"));
/// assert_eq!(data, stagecraft_workshop::lightgbm::dataset(3, 1));
/// ```
pub fn dataset(rows: usize, seed: u64) -> String {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    // SplitMix64: a tiny, well-mixed generator with no dependency.
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut out = String::with_capacity(rows * FEATURES * 10);
    for _ in 0..rows {
        let x: Vec<f64> = (0..FEATURES).map(|_| next() * 2.0 - 1.0).collect();
        let score = 1.5 * x[0] - 2.0 * x[1] * x[2] + (3.0 * x[3]).sin() + x[4] * x[4] - 0.33
            + 0.8 * (next() - 0.5);
        let label = u8::from(score > 0.0);
        out.push_str(&label.to_string());
        for (i, value) in x.iter().enumerate() {
            out.push_str(&format!(" {}:{value:.4}", i + 1));
        }
        out.push('\n');
    }
    out
}

/// The training set: [`TRAIN_ROWS`] rows.
pub fn train_data() -> String {
    dataset(TRAIN_ROWS, 1)
}

/// The validation set: [`VALID_ROWS`] rows from another stream.
pub fn valid_data() -> String {
    dataset(VALID_ROWS, 2)
}

/// The files a build puts into the build context: (context path, bytes):
/// the data the traced runs read in the build stage, and [`NVIDIA_ICD`].
pub fn context() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("lightgbm-train.svm", train_data().into_bytes()),
        ("lightgbm-valid.svm", valid_data().into_bytes()),
        (NVIDIA_ICD_NAME, NVIDIA_ICD.as_bytes().to_vec()),
    ]
}

/// Verify, unpack, make room for the CLI (CMake writes it to the source
/// directory, where the sdist has its Python package `lightgbm/`), lower
/// the CMake minimum, configure with the GPU on, build the CLI only, and
/// put it on the `PATH`.
fn build_run() -> Run {
    run!(
        r#"echo 'cb1c59720eb569389c0ba74d14f52351b573af489f230032a1c9f314f8bab7fe  lightgbm-4.6.0.tar.gz' > lightgbm-4.6.0.tar.gz.sha256 \
 && sha256sum -c lightgbm-4.6.0.tar.gz.sha256 \
 && tar -xzf lightgbm-4.6.0.tar.gz \
 && rm -r lightgbm-4.6.0/lightgbm \
 && sed -i 's/^cmake_minimum_required(VERSION 3.28)$/cmake_minimum_required(VERSION 3.25)/' lightgbm-4.6.0/CMakeLists.txt \
 && cmake -S lightgbm-4.6.0 -B lightgbm-4.6.0/build -DUSE_GPU=ON -DCMAKE_BUILD_TYPE=Release \
 && cmake --build lightgbm-4.6.0/build --target lightgbm -j "$(nproc)" \
 && mv lightgbm-4.6.0/lightgbm /usr/local/bin/lightgbm"#
    )
}

/// The build's instructions, on a stage of [`BASE`]: the packages, the
/// source, the compiled CLI.
fn compile<N>(stage: StageBuilder<'_, WithShell, N>) -> StageBuilder<'_, WithShell, N> {
    stage
        .install(Apt::install(BUILD_PACKAGES))
        .add(SOURCE_URL, "/opt/")
        .workdir("/opt")
        .run(build_run())
}

/// Today's Dockerfile of `variant`, for the variants that need no trace;
/// for [`Variant::Distroless`] this is its build stage alone: its final
/// Dockerfile is [`distroless`], made of a trace (feature `engine`:
/// `stagecraft::harvest::trace` of [`build_stage`] and [`harvest`]).
///
/// # Errors
///
/// The model's checks (none expected: the golden tests render each variant).
pub fn dockerfile(variant: Variant) -> Result<Dockerfile, Errors> {
    match variant {
        Variant::Naive => naive(),
        Variant::Runtime => runtime(),
        Variant::Distroless => build_stage(),
        Variant::DistrolessIcd => distroless_icd(),
    }
}

/// One stage: everything the build needed ships with the program.
pub fn naive() -> Result<Dockerfile, Errors> {
    let mut df = Dockerfile::builder();
    compile(df.anonymous_stage(BASE)).entrypoint([LIGHTGBM]);
    df.build()
}

fn with_build(
    rest: impl FnOnce(&mut DockerfileBuilder, &StageRef<WithShell>),
) -> Result<Dockerfile, Errors> {
    let mut df = Dockerfile::builder();
    let build = compile(df.stage(BUILD_STAGE, BASE))
        .copy("lightgbm-train.svm", TRAIN_FILE)
        .copy("lightgbm-valid.svm", VALID_FILE)
        .done();
    rest(&mut df, &build);
    df.build()
}

/// The build stage alone (`AS build`), with the generated data the traced
/// runs read: what `stagecraft::harvest::trace_stage` adds the trace stage to.
pub fn build_stage() -> Result<Dockerfile, Errors> {
    with_build(|_, _| {})
}

/// The multi-stage variant on a Debian runtime base.
pub fn runtime() -> Result<Dockerfile, Errors> {
    with_build(|df, build| {
        df.anonymous_stage(BASE)
            .install(Apt::install(RUNTIME_PACKAGES))
            .copy_from(build, LIGHTGBM, LIGHTGBM)
            .entrypoint([LIGHTGBM]);
    })
}

/// The assembled distroless `cc` base (nonroot).
pub fn distroless_spec() -> Distroless {
    Distroless::new(Flavor::Cc).nonroot().assembled_from(BASE)
}

/// The workshop's distroless answer on today's base: the binary with the
/// closure of its libraries (the ICD loader `libOpenCL.so.1` among them),
/// and the NVIDIA vendor file from the context.
pub fn distroless_icd() -> Result<Dockerfile, Errors> {
    with_build(|df, build| {
        let collected = df.harvest(
            "harvest",
            build,
            Harvest::new()
                .binary(LIGHTGBM)
                .except_packages(Flavor::Cc.packages()),
        );
        let cc = df.distroless_base("cc", &distroless_spec());
        df.anonymous_stage(&cc)
            .copy_harvest(&collected)
            .copy(NVIDIA_ICD_NAME, format!("{ICD_VENDORS}/{NVIDIA_ICD_NAME}"))
            .entrypoint([LIGHTGBM]);
    })
}

/// What the distroless variant harvests: the binary's closure, the ICD
/// vendor files and pocl's kernel headers and library ([`POCL_SHARE`])
/// declared, and whatever a `device=gpu` and a `device=cpu` training run in
/// the build stage use: pocl, which the ICD loader `dlopen`s, with LLVM and
/// Clang (in-process) and the linker it runs to turn each compiled kernel
/// into a shared object (`/usr/bin/ld`, libbfd, and what it links against:
/// `crtbegin.o`, `libgcc.a`, the `libc.so` and `libm.so` linker scripts).
pub fn harvest() -> Harvest {
    Harvest::new()
        .binary(LIGHTGBM)
        .path(ICD_VENDORS)
        .path(POCL_SHARE)
        .except_packages(Flavor::Cc.packages())
        .traced(train_command("gpu"))
        .traced(train_command("cpu"))
}

/// Whether a path the traced runs used is the smoke data ([`TRAIN_FILE`],
/// [`VALID_FILE`]): read in the build stage, but an image does not ship its
/// test input, so it is left out of the harvest
/// (`resolution.files.retain(|e| !is_smoke_data(&e.path))`).
pub fn is_smoke_data(path: &str) -> bool {
    path == TRAIN_FILE || path == VALID_FILE
}

/// The recommended Dockerfile: the build stage, the assembled distroless
/// `cc`, and a stage on it with the `COPY --from=build` lines `copies`
/// gives, e.g. `|build| traced.resolution.copy_specs(build)` after
/// `stagecraft::harvest::trace(.., &build_stage()?, BUILD_STAGE, &harvest(), ..)`
/// and [`is_smoke_data`].
pub fn distroless(
    copies: impl FnOnce(&StageRef<WithShell>) -> Vec<CopySpec>,
) -> Result<Dockerfile, Errors> {
    with_build(|df, build| {
        let cc = df.distroless_base("cc", &distroless_spec());
        copies(build)
            .into_iter()
            .fold(df.anonymous_stage(&cc), |stage, spec| stage.copy_spec(spec))
            .env("POCL_CACHE_DIR", "/tmp/pocl-cache")
            .entrypoint([LIGHTGBM]);
    })
}

// ---------------------------------------------------------------------------
// The workshop's 2021 Dockerfiles.

/// The workshop's LightGBM version.
pub const SEED_VERSION: &str = "2.3.1";
/// The workshop's build base.
pub const SEED_BUILD_BASE: &str = "nvidia/opencl:devel";
/// The workshop's runtime base.
pub const SEED_RUNTIME_BASE: &str = "nvidia/opencl:runtime";
/// The workshop's distroless base.
pub const SEED_DISTROLESS_BASE: &str = "gcr.io/distroless/cc-debian10";

/// The workshop's build packages, in its order.
pub const SEED_BUILD_PACKAGES: [&str; 13] = [
    "build-essential",
    "wget",
    "ca-certificates",
    "libglib2.0-0",
    "libxext6",
    "libsm6",
    "libxrender1",
    "cmake",
    "libboost-dev",
    "libboost-system-dev",
    "libboost-filesystem-dev",
    "gcc",
    "g++",
];

/// The workshop's runtime packages, in its order.
pub const SEED_RUNTIME_PACKAGES: [&str; 7] = [
    "libxext6",
    "libsm6",
    "libxrender1",
    "libboost-system-dev",
    "libboost-filesystem-dev",
    "gcc",
    "g++",
];

/// The libraries the workshop found with `ldd` on Ubuntu 18.04 and copied
/// by hand into distroless, at the same paths.
pub const SEED_LIBRARIES: [&str; 11] = [
    "/usr/lib/x86_64-linux-gnu/libOpenCL.so.1",
    "/usr/lib/x86_64-linux-gnu/libboost_filesystem.so.1.65.1",
    "/usr/lib/x86_64-linux-gnu/libboost_system.so.1.65.1",
    "/usr/lib/x86_64-linux-gnu/libgomp.so.1",
    "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
    "/lib/x86_64-linux-gnu/libm.so.6",
    "/lib/x86_64-linux-gnu/libgcc_s.so.1",
    "/lib/x86_64-linux-gnu/libpthread.so.0",
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/lib/x86_64-linux-gnu/libdl.so.2",
    "/lib64/ld-linux-x86-64.so.2",
];

/// Where the workshop's build left the program and the library.
const SEED_DIR: &str = "/opt/LightGBM-${VERSION}";

/// The workshop's labels. Their keys are the workshop's; the values are
/// reconstructed (the workshop's text is not kept in the reference notes).
fn seed_labels() -> [(&'static str, &'static str); 5] {
    [
        ("maintainer", "UVA Research Computing"),
        ("homepage", "https://github.com/microsoft/LightGBM"),
        ("description", "LightGBM with GPU (OpenCL) support"),
        ("gpu", "true"),
        ("moduleclass", "data"),
    ]
}

/// The workshop's download and build step, as it wrote it (`cd` and all).
fn seed_build_run() -> Run {
    Run::checked(
        r#"wget -q https://github.com/microsoft/LightGBM/archive/v${VERSION}.tar.gz \
 && tar xf v${VERSION}.tar.gz \
 && rm v${VERSION}.tar.gz \
 && cd LightGBM-${VERSION} \
 && mkdir build \
 && cd build \
 && cmake -DUSE_GPU=1 -DOpenCL_LIBRARY=${OPENCL_LIBRARIES}/libOpenCL.so.1 -DOpenCL_INCLUDE_DIR=$OPENCL_INCLUDE_DIR .. \
 && make -j"$(nproc)""#,
    )
    .expect("the workshop's build step breaks no rule that is an error")
}

/// The workshop's build stage on `nvidia/opencl:devel`.
fn seed_compile<N>(stage: StageBuilder<'_, WithShell, N>) -> StageBuilder<'_, WithShell, N> {
    stage
        .arg("VERSION", None)
        .arg("DEBIAN_FRONTEND", Some("noninteractive"))
        .envs([("LANG", "C.UTF-8"), ("LC_ALL", "C.UTF-8")])
        .env("OPENCL_LIBRARIES", "/usr/lib/x86_64-linux-gnu")
        .env("OPENCL_INCLUDE_DIR", "/usr/include/CL")
        .install(Apt::install(SEED_BUILD_PACKAGES))
        .workdir("/opt")
        .run(seed_build_run())
}

/// The workshop's 2021 Dockerfile of `variant` (`ARG VERSION=2.3.1` before
/// the first `FROM`, re-declared in each stage): naive (the build stage as
/// one image), runtime (`nvidia/opencl:runtime`) and distroless
/// (`gcr.io/distroless/cc-debian10` with the `ldd` list). The workshop has
/// no [`Variant::DistrolessIcd`] distinct from its distroless one.
///
/// The DSL expresses all of it. Its download step `cd`s into the build
/// directory (`cd LightGBM-${VERSION} && mkdir build && cd build && cmake
/// .. && make`), which the rules flag as warnings (SCR018/DL3003: `WORKDIR`
/// or `make -C`); `run!` would raise them as compiler (deprecation)
/// warnings, which a `-D warnings` build rejects, so this step is made with
/// [`Run::checked`], the same checks at run time, to keep the workshop's
/// text. The label values are reconstructed (only their keys are known),
/// and the single-stage image is the build stage with `ENV PATH` and the
/// entrypoint.
pub fn seed(variant: Variant) -> Option<Result<Dockerfile, Errors>> {
    let mut df = Dockerfile::builder();
    df.arg("VERSION", Some(SEED_VERSION));
    match variant {
        Variant::Naive => {
            seed_compile(df.anonymous_stage(SEED_BUILD_BASE))
                .env("PATH", format!("{SEED_DIR}:${{PATH}}"))
                .entrypoint(["lightgbm"]);
        }
        Variant::Runtime => {
            let build = seed_compile(df.stage(BUILD_STAGE, SEED_BUILD_BASE)).done();
            df.anonymous_stage(SEED_RUNTIME_BASE)
                .arg("VERSION", None)
                .copy_from(
                    &build,
                    format!("{SEED_DIR}/lightgbm"),
                    format!("{SEED_DIR}/"),
                )
                .copy_from(
                    &build,
                    format!("{SEED_DIR}/lib_lightgbm.so"),
                    format!("{SEED_DIR}/"),
                )
                .env("PATH", format!("{SEED_DIR}:${{PATH}}"))
                .env(
                    "LD_LIBRARY_PATH",
                    format!("{SEED_DIR}:${{LD_LIBRARY_PATH}}"),
                )
                .install(Apt::install(SEED_RUNTIME_PACKAGES))
                .labels(seed_labels())
                .entrypoint(["lightgbm"]);
        }
        Variant::Distroless => {
            let build = seed_compile(df.stage(BUILD_STAGE, SEED_BUILD_BASE)).done();
            let stage = df
                .anonymous_stage(stagecraft::shell_less(SEED_DISTROLESS_BASE))
                .arg("VERSION", None)
                .copy_from(
                    &build,
                    format!("{SEED_DIR}/lightgbm"),
                    format!("{SEED_DIR}/"),
                )
                .copy_from(
                    &build,
                    format!("{SEED_DIR}/lib_lightgbm.so"),
                    format!("{SEED_DIR}/"),
                );
            SEED_LIBRARIES
                .into_iter()
                .fold(stage, |stage, library| {
                    stage.copy_from(&build, library, library)
                })
                .copy_from(
                    &build,
                    "/etc/OpenCL/vendors/nvidia.icd",
                    "/etc/OpenCL/vendors/nvidia.icd",
                )
                .env("PATH", format!("{SEED_DIR}:${{PATH}}"))
                .labels(seed_labels())
                .entrypoint(["lightgbm"]);
        }
        Variant::DistrolessIcd => return None,
    }
    Some(df.build())
}
