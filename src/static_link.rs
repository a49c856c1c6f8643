//! static: the workshop's last section, static linking as the alternative
//! to copying libraries.
//!
//! A small C program (`examples/static/dgemm.c`: a 256x256 `cblas_dgemm`
//! with OpenBLAS that prints a checksum) is built three ways: dynamically on
//! a full base that ships the compilers; dynamically, with the binary and
//! the closure of its libraries harvested into `FROM scratch`; and with
//! `gcc -static` into `FROM scratch`, where the one file is all there is. A
//! dependency-free Rust program (`examples/static/hello-rs/`) computing the
//! same checksum is linked statically the same way: the natural case for
//! `build.rs` users, whose binaries are already Rust.
//!
//! The sources are not in the Dockerfiles: a build puts them in the build
//! context, at the paths [`context`] lists.

use std::path::PathBuf;

use stagecraft::harvest::Harvest;
use stagecraft::packages::Apt;
use stagecraft::{run, scratch, Dockerfile, Errors};

/// The base of every variant: Debian 12, imported locally by `scripts/`.
pub const BASE: &str = "debian:bookworm-slim";

/// The C compiler and Debian's OpenBLAS. `libopenblas-dev` selects the
/// pthread build (`libopenblas-pthread-dev`), which ships both the shared
/// library and `libopenblas.a` under
/// `/usr/lib/x86_64-linux-gnu/openblas-pthread/`, reached through
/// `/etc/alternatives` links from `/usr/lib/x86_64-linux-gnu/`.
pub const C_PACKAGES: [&str; 2] = ["build-essential", "libopenblas-dev"];

/// Debian 12's Rust 1.63 and cargo. Debian ships no musl target for Rust
/// (there is no `libstd-rust-dev-musl`) and rustup is not reachable here, so
/// the program is linked statically on the gnu target
/// (`-C target-feature=+crt-static`), against glibc's static `libc.a` from
/// `libc6-dev`; `gcc` is the linker rustc calls.
pub const RUST_PACKAGES: [&str; 4] = ["cargo", "rustc", "gcc", "libc6-dev"];

/// Where the C program lands in every variant.
pub const DGEMM: &str = "/usr/local/bin/dgemm";
/// Where the Rust program lands.
pub const HELLO_RS: &str = "/usr/local/bin/hello-static";
/// The Rust target, named so that `RUSTFLAGS` would not reach build scripts
/// and proc macros if the program ever grew dependencies.
pub const RUST_TARGET: &str = "x86_64-unknown-linux-gnu";

/// What every variant prints, before the checksum: `dgemm 256x256 checksum -785 ok`.
pub const OUTPUT_PREFIX: &str = "dgemm 256x256 checksum ";
/// The checksum of the product (the entries are small integers, so it is
/// exact and the same however the program is built or linked).
pub const CHECKSUM: &str = "-785";

/// The files a build puts into the build context: (host path, context path).
pub fn context() -> Vec<(PathBuf, &'static str)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/static");
    [
        "dgemm.c",
        "hello-rs/Cargo.toml",
        "hello-rs/Cargo.lock",
        "hello-rs/src/main.rs",
    ]
    .into_iter()
    .map(|path| (dir.join(path), path))
    .collect()
}

crate::variants! {
    example: "static",
    /// The variants this example renders.
    pub enum Variant {
        /// One stage: compilers, headers and OpenBLAS installed, the program
        /// built and run where it was built. Everything ships.
        Dynamic => "dynamic" | "naive",
        /// The same dynamic build; a harvest stage collects the binary, the
        /// closure of its shared libraries (OpenBLAS through its
        /// `/etc/alternatives` links, libgfortran, libquadmath, libgcc_s, libm,
        /// libc) and the loader; `FROM scratch` receives them.
        Scratch => "scratch" | "dynamic-scratch",
        /// `gcc -static`: OpenBLAS, libm and libc linked into the binary, the
        /// only file of a `FROM scratch` image.
        Static => "static" | "minimal",
        /// The Rust program, `+crt-static` on the gnu target, alone in `FROM scratch`.
        RustStatic => "rust-static" | "rust",
    }
}

impl Variant {
    /// The program the image runs.
    pub fn entrypoint(self) -> &'static str {
        match self {
            Variant::RustStatic => HELLO_RS,
            _ => DGEMM,
        }
    }
}

/// Today's Dockerfile of `variant`, on [`BASE`].
pub fn dockerfile(variant: Variant) -> Result<Dockerfile, Errors> {
    let mut df = Dockerfile::builder();
    match variant {
        Variant::Dynamic => {
            df.anonymous_stage(BASE)
                .install(Apt::install(C_PACKAGES))
                .workdir("/src")
                .copy("dgemm.c", "./")
                .run(run!("gcc -O2 -o /usr/local/bin/dgemm dgemm.c -lopenblas"))
                .entrypoint([DGEMM]);
        }
        Variant::Scratch => {
            let build = df
                .stage("build", BASE)
                .install(Apt::install(C_PACKAGES))
                .workdir("/src")
                .copy("dgemm.c", "./")
                .run(run!("gcc -O2 -o /usr/local/bin/dgemm dgemm.c -lopenblas"))
                .done();
            let collected = df.harvest("harvest", &build, Harvest::new().binary(DGEMM));
            df.anonymous_stage(scratch())
                .copy_harvest(&collected)
                .entrypoint([DGEMM]);
        }
        Variant::Static => {
            let build = df
                .stage("build", BASE)
                .install(Apt::install(C_PACKAGES))
                .workdir("/src")
                .copy("dgemm.c", "./")
                .run(run!(
                    "gcc -O2 -static -o /usr/local/bin/dgemm dgemm.c -lopenblas -lpthread -lm"
                ))
                .done();
            df.anonymous_stage(scratch())
                .copy_from(&build, DGEMM, DGEMM)
                .entrypoint([DGEMM]);
        }
        Variant::RustStatic => {
            let build = df
                .stage("build", BASE)
                .install(Apt::install(RUST_PACKAGES))
                .workdir("/src")
                .copy("hello-rs/", "./")
                .env("RUSTFLAGS", "-C target-feature=+crt-static")
                .run(run!(
                    "cargo build --release --locked --offline --target x86_64-unknown-linux-gnu"
                ))
                .done();
            df.anonymous_stage(scratch())
                .copy_from(
                    &build,
                    format!("/src/target/{RUST_TARGET}/release/hello-static"),
                    HELLO_RS,
                )
                .entrypoint([HELLO_RS]);
        }
    }
    df.build()
}

/// The workshop's version of `variant`: none. The workshop reports only the
/// sizes of its dgemm images (1.29 GB single-stage, 42.9 MB dynamic scratch,
/// 26.6 MB static scratch), not their Dockerfiles, so there is nothing to
/// reproduce.
pub fn seed(_variant: Variant) -> Option<Result<Dockerfile, Errors>> {
    None
}
