//! lolcow: `fortune | cowsay | lolcat`, the workshop's "trick question".
//!
//! `fortune` is a C program, but `cowsay` is a Perl script
//! (`#!/usr/bin/perl`) and `lolcat` a Ruby script (`#!/usr/bin/ruby`), and
//! the entrypoint is a shell pipe. Can it be built `FROM scratch`? Only by
//! carrying a shell to run the pipe, both interpreters, the Perl modules and
//! Ruby gems the scripts load, the cows, the fortunes and every shared
//! library of all of it. No ELF header lists the modules, so `ldd` (and the
//! resolved harvest) cannot find them; a run can. The [`Variant::Traced`]
//! answer runs the pipe once under `strace -f` in a throwaway stage
//! (`stagecraft::harvest::trace`, feature `engine`) and copies into
//! `FROM scratch` exactly what that run executed, opened or looked up, with
//! explicit `COPY --from=build` lines:
//!
//! * `/bin/sh` (dash), `/usr/games/fortune`, `/usr/games/cowsay`,
//!   `/usr/games/lolcat`, and the interpreters their `#!` lines name,
//!   `/usr/bin/perl` and `/usr/bin/ruby` (ruby 3.1);
//! * the shared libraries of all of them, and the dynamic loader
//!   (`libc`, `libm`, `libcrypt`, `libruby-3.1`, `libgmp`, `libz`, ...),
//!   plus `/etc/ld.so.cache`;
//! * the Perl modules `cowsay` loads (`strict`, `warnings`, `Text::Wrap`,
//!   `Getopt::Std`, ...) and the default cow;
//! * Ruby's own library files, its encoding extensions (`enc/*.so`), the
//!   RubyGems files it loads at start, and the gems `lolcat` requires
//!   (`lolcat`, `paint`, `optimist`) with every gem specification
//!   RubyGems reads at start;
//! * the fortune files (declared with `package_files("fortunes-min")` as
//!   well, because `fortune` picks one at random).
//!
//! ## Measured here
//!
//! On `debian:bookworm-slim` with Debian's docker.io daemon (2026-11-28,
//! `tests/lolcow_build.rs`): `naive` 167.5 MB, `traced` 15.3 MB (91 %
//! smaller; 196 paths, 8 of them shared libraries, from a run of 2,523
//! system calls in 4 processes). The workshop: 233 MB on `ubuntu:16.04`
//! (188 MB after its best-practice steps) and 43.3 MB for its `alpine:3.12`
//! answer. The figure for naive on bookworm is 352 MB; the
//! difference is most likely the recommended packages, which every apt
//! recipe here leaves out (`--no-install-recommends`; not measured here).
//!
//! ## The trade-off
//!
//! The traced image holds only what one run used: a code path that run did
//! not take finds its files missing. `cowsay -f dragon` needs a cow that
//! was never opened (declare `package_files("cowsay")` for all of them); a
//! Perl module loaded only on an error path, a Ruby gem required only by an
//! option, a locale or a time zone a user sets, a program the pipe would
//! call under other input: all absent, and the failure shows only when that
//! path runs. `lolcat` colours only when told to (`-f`) or when writing to
//! a terminal, and the colouring code loads more of the `paint` gem: the
//! traced pipe forces colour so the trace and the CI smoke test (no
//! terminal) take the same path as `docker run -t`. There is no package
//! manager and no shell beyond dash to debug with. In exchange the image is
//! a fraction of the naive one, holds no compiler, package manager or
//! unused interpreter library, and every file in it is listed with the
//! reason it is there (`Resolution::to_text`). Trace a run representative
//! of the real ones, declare what is known to vary, and smoke-test the
//! result, as `tests/lolcow_build.rs` does.

use stagecraft::harvest::Harvest;
use stagecraft::packages::Apt;
use stagecraft::{scratch, CopySpec, Dockerfile, Errors, StageRef, WithShell};

/// The base of today's variants: Debian 12, imported locally by `scripts/`.
pub const BASE: &str = "debian:bookworm-slim";
/// The base the workshop used in 2021.
pub const SEED_BASE: &str = "ubuntu:16.04";

/// Debian 12's packages: the program, its data, the cow, the colours.
pub const PACKAGES: [&str; 4] = ["fortune-mod", "fortunes-min", "cowsay", "lolcat"];
/// The workshop's packages on Ubuntu 16.04 (`fortune` as in its fortune image).
pub const SEED_PACKAGES: [&str; 4] = ["fortune", "fortunes-min", "cowsay", "lolcat"];

/// The pipe. `lolcat -f` forces colour: a container without a terminal
/// (CI, `docker run` without `-t`) would otherwise get plain text.
pub const PIPE: &str = "fortune | cowsay | lolcat -f";
/// The workshop's pipe, colouring only on a terminal.
pub const SEED_PIPE: &str = "fortune | cowsay | lolcat";

/// The entrypoint of every variant: the shell runs the pipe.
pub const ENTRYPOINT: [&str; 3] = ["/bin/sh", "-c", PIPE];

/// The games live in `/usr/games`, which Debian's default `PATH` lacks.
pub const PATH: &str = "/usr/games:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The stage of [`build_stage`] the trace runs in and the `COPY` lines copy from.
pub const BUILD_STAGE: &str = "build";

/// A line of the cow (its eyes), in the output once the colour codes are removed.
pub const COW: &str = "^__^";

crate::variants! {
    example: "lolcow",
    hint: "a multi-stage variant on the slim base would copy both interpreters by hand, which is what traced automates",
    /// The variants this example renders.
    pub enum Variant {
        /// One stage on the slim base with the four packages (Perl, Ruby and
        /// their libraries come with them): everything ships.
        Naive => "naive",
        /// `FROM scratch` with what a traced run of the pipe used (see the
        /// module documentation): its `COPY` lines come from the build, so its
        /// Dockerfile exists only after a trace ([`traced`]).
        Traced => "traced" | "scratch" | "minimal",
    }
}

/// The naive Dockerfile: one stage, the packages installed the right way
/// (one apt recipe with cleanup), the pipe as the entrypoint.
pub fn naive() -> Result<Dockerfile, Errors> {
    naive_on(BASE, PACKAGES, PIPE)
}

/// The workshop's 2021 Dockerfile of `variant`, where it can be
/// reconstructed: the naive one on [`SEED_BASE`]. The workshop's traced
/// answer does not exist (it asks the question) and its `alpine:3.12`
/// answer (43.3 MB) is known only by its size.
pub fn seed(variant: Variant) -> Option<Result<Dockerfile, Errors>> {
    match variant {
        Variant::Naive => Some(naive_on(SEED_BASE, SEED_PACKAGES, SEED_PIPE)),
        Variant::Traced => None,
    }
}

fn naive_on(base: &str, packages: [&str; 4], pipe: &str) -> Result<Dockerfile, Errors> {
    let mut df = Dockerfile::builder();
    df.anonymous_stage(base)
        .install(Apt::install(packages))
        .env("PATH", PATH)
        .entrypoint(["/bin/sh", "-c", pipe]);
    df.build()
}

/// The build stage alone (`AS build`): what [`harvest`] is traced in. Its
/// instructions are the naive image's, so the builder's cache serves both.
pub fn build_stage() -> Result<Dockerfile, Errors> {
    traced_with(|_| None)
}

/// What the traced variant harvests: every file the pipe's run uses
/// ([`Harvest::traced`] of [`ENTRYPOINT`]), and all the fortune files
/// (`fortune` opens one at random, which another run may not).
pub fn harvest() -> Harvest {
    Harvest::new()
        .package_files("fortunes-min")
        .traced(ENTRYPOINT)
}

/// The traced Dockerfile: the build stage, then `FROM scratch` with the
/// `COPY --from=build` lines `copies` gives for the build stage, e.g.
/// `|build| traced.resolution.copy_specs(build)` after
/// `stagecraft::harvest::trace(.., &build_stage()?, BUILD_STAGE, &harvest(), ..)`.
pub fn traced(
    copies: impl FnOnce(&StageRef<WithShell>) -> Vec<CopySpec>,
) -> Result<Dockerfile, Errors> {
    traced_with(|build| Some(copies(build)))
}

fn traced_with(
    copies: impl FnOnce(&StageRef<WithShell>) -> Option<Vec<CopySpec>>,
) -> Result<Dockerfile, Errors> {
    let mut df = Dockerfile::builder();
    let build = df
        .stage(BUILD_STAGE, BASE)
        .install(Apt::install(PACKAGES))
        .env("PATH", PATH)
        .done();
    if let Some(copies) = copies(&build) {
        copies
            .into_iter()
            .fold(df.anonymous_stage(scratch()), |stage, spec| {
                stage.copy_spec(spec)
            })
            .env("PATH", PATH)
            .entrypoint(ENTRYPOINT);
    }
    df.build()
}
