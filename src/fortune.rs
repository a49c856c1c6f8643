//! fortune: the workshop's first example.
//!
//! `fortune` on a full distribution image is a few hundred MB; in a
//! `FROM scratch` stage holding the binary, the two shared libraries it
//! loads, the dynamic loader and the fortune data it is about 4 MB and runs
//! the same.

use stagecraft::harvest::Harvest;
use stagecraft::packages::Apt;
use stagecraft::{scratch, Dockerfile, Errors};

/// The base of today's variants: Debian 12, imported locally by `scripts/`.
pub const BASE: &str = "debian:bookworm-slim";
/// The base the workshop used in 2021.
pub const SEED_BASE: &str = "ubuntu:16.04";

/// What the scratch stage needs, found with `ldd /usr/games/fortune` in the
/// build stage (the workshop's hand-written list; each is copied to the same
/// path). Paths under `/lib` resolve through the `/lib -> usr/lib` link on
/// merged-/usr systems such as Debian 12, so the list works on both bases.
pub const SCRATCH_FILES: [&str; 6] = [
    "/usr/games/fortune",
    "/usr/lib/x86_64-linux-gnu/librecode.so.0",
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/lib64/ld-linux-x86-64.so.2",
    "/usr/share/doc/fortunes-min/",
    "/usr/share/games/fortunes/",
];

crate::variants! {
    example: "fortune",
    /// The variants this example renders.
    pub enum Variant {
        /// One stage on a full base: packages installed the right way, but the
        /// whole distribution ships.
        Naive => "naive",
        /// A build stage installs; a runtime stage on the same slim base receives
        /// only the program, its library and its data.
        Multistage => "multistage" | "multi-stage",
        /// A build stage installs; a harvest stage collects the program, the
        /// closure of its libraries, the loader and the package's data; a
        /// `FROM scratch` stage receives them: no shell, no package manager.
        Scratch => "scratch" | "minimal",
        /// The workshop's answer on today's base: the same scratch stage with the
        /// files listed by hand (found with `ldd`), one `COPY --from` each.
        ScratchListed => "scratch-listed",
    }
}

/// Today's Dockerfile of `variant`, on [`BASE`] with Debian's package names.
pub fn dockerfile(variant: Variant) -> Result<Dockerfile, Errors> {
    build(variant, BASE, ["fortune-mod", "fortunes-min"])
}

/// The workshop's 2021 Dockerfile of `variant` (on [`SEED_BASE`]), where it
/// has one: the workshop shows the naive and the hand-listed scratch answer
/// only (the latter is its `scratch`).
pub fn seed(variant: Variant) -> Option<Result<Dockerfile, Errors>> {
    let packages = ["fortune", "fortunes-min"];
    match variant {
        Variant::Naive => Some(build(variant, SEED_BASE, packages)),
        Variant::Scratch => Some(build(Variant::ScratchListed, SEED_BASE, packages)),
        Variant::Multistage | Variant::ScratchListed => None,
    }
}

fn build(variant: Variant, base: &str, packages: [&str; 2]) -> Result<Dockerfile, Errors> {
    let mut df = Dockerfile::builder();
    let install = Apt::install(packages);
    match variant {
        Variant::Naive => {
            df.anonymous_stage(base)
                .install(install)
                .env("PATH", "/usr/games:${PATH}")
                .entrypoint(["fortune"]);
        }
        Variant::Multistage => {
            let build = df.stage("build", base).install(install).done();
            df.anonymous_stage(base)
                .copy_from(&build, "/usr/games/fortune", "/usr/games/fortune")
                .copy_from(
                    &build,
                    "/usr/lib/x86_64-linux-gnu/librecode.so.0",
                    "/usr/lib/x86_64-linux-gnu/librecode.so.0",
                )
                .copy_from(
                    &build,
                    "/usr/share/games/fortunes/",
                    "/usr/share/games/fortunes/",
                )
                .env("PATH", "/usr/games:${PATH}")
                .entrypoint(["fortune"]);
        }
        Variant::Scratch => {
            let build = df.stage("build", base).install(install).done();
            let harvest = Harvest::new()
                .binary("/usr/games/fortune")
                .package_files("fortunes-min");
            let collected = df.harvest("harvest", &build, harvest);
            df.anonymous_stage(scratch())
                .copy_harvest(&collected)
                .env("PATH", "/usr/games:${PATH}")
                .entrypoint(["fortune"]);
        }
        Variant::ScratchListed => {
            let build = df.stage("build", base).install(install).done();
            let mut runtime = df.anonymous_stage(scratch());
            for path in SCRATCH_FILES {
                runtime = runtime.copy_from(&build, path, path);
            }
            runtime
                .env("PATH", "/usr/games:${PATH}")
                .entrypoint(["fortune"]);
        }
    }
    df.build()
}
