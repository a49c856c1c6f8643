//! Distroless runtime bases: the upstream images where a registry is
//! reachable, or an equivalent **assembled** from Debian packages in a build
//! stage, for air-gapped sites. Either way the stage built on it is
//! shell-less.
//!
//! The assembled base follows what the upstream images hold:
//!
//! | flavor | packages | upstream |
//! | --- | --- | --- |
//! | [`Flavor::Static`] | base-files, netbase, tzdata, media-types; a CA bundle; `/etc/passwd`, `/etc/group` (root, nobody, nonroot 65532), `/etc/nsswitch.conf`, `/tmp` (1777) | `gcr.io/distroless/static-debian12` |
//! | [`Flavor::Base`] | static + libc6, libssl3 | `gcr.io/distroless/base-debian12` |
//! | [`Flavor::Cc`] | base + libgcc-s1, libgomp1, libstdc++6 | `gcr.io/distroless/cc-debian12` |
//! | [`Flavor::Python3`] | cc + python3.11-minimal, libpython3.11-minimal, libpython3.11-stdlib and the libraries they load (expat, zlib, bz2, lzma, ffi, sqlite, readline, ncurses, uuid, crypt, db5.3, nsl/tirpc with Kerberos), python3-distutils; `/usr/bin/python3` and `/usr/bin/python` -> `python3.11`, the entrypoint; `LANG=C.UTF-8` | `gcr.io/distroless/python3-debian12` |
//!
//! Packages are unpacked with `dpkg-deb` (no maintainer scripts run, as in
//! the upstream build) into a merged-/usr tree, and each package's control
//! file is kept under `/var/lib/dpkg/status.d/` so that image scanners still
//! see what is inside. Documentation is dropped, copyright files kept.
//!
//! ```
//! use stagecraft::distroless::{Distroless, Flavor};
//! use stagecraft::Dockerfile;
//!
//! let mut df = Dockerfile::builder();
//! // Upstream (needs a registry): just a shell-less FROM line.
//! let upstream = df.distroless_base("cc", &Distroless::new(Flavor::Cc));
//! df.anonymous_stage(&upstream).entrypoint(["/app"]);
//! assert!(df.build().unwrap().render().starts_with("FROM gcr.io/distroless/cc-debian12\n"));
//!
//! // Assembled from Debian packages: two more stages, then the same FROM.
//! let mut df = Dockerfile::builder();
//! let assembled = df.distroless_base(
//!     "cc",
//!     &Distroless::new(Flavor::Cc).nonroot().assembled_from("debian:bookworm-slim"),
//! );
//! df.anonymous_stage(&assembled).entrypoint(["/app"]);
//! let text = df.build().unwrap().render();
//! assert!(text.contains("FROM debian:bookworm-slim AS cc-rootfs\n"));
//! assert!(text.contains("FROM scratch AS cc\nCOPY --from=cc-rootfs /rootfs/ /\n"));
//! assert!(text.contains("USER 65532:65532\n"));
//! assert!(text.ends_with("FROM cc\nENTRYPOINT [\"/app\"]\n"));
//! ```

use crate::error::{ErrorKind, Part};
use crate::model::{Base, Instruction, Run};
use crate::stage::{
    scratch, shell_less, DockerfileBuilder, IntoBase, ShellLess, ShellLessImage, StageRef,
};

/// Which distroless image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// No libc: for static binaries (Go, Rust with musl or crt-static).
    Static,
    /// glibc and OpenSSL.
    Base,
    /// glibc, OpenSSL and the C++/OpenMP runtimes.
    Cc,
    /// cc + Debian 12's Python 3.11 (interpreter and standard library), with
    /// `/usr/bin/python3` and `/usr/bin/python`, `LANG=C.UTF-8` and
    /// `ENTRYPOINT ["/usr/bin/python3.11"]` like upstream. Packages installed with pip for Debian's `python3` in a
    /// build stage on bookworm run on it: the same interpreter, version and
    /// ABI (`cp311`).
    Python3,
}

impl Flavor {
    fn name(self) -> &'static str {
        match self {
            Flavor::Static => "static",
            Flavor::Base => "base",
            Flavor::Cc => "cc",
            Flavor::Python3 => "python3",
        }
    }

    /// The Debian 12 packages unpacked into the assembled base; each flavor
    /// holds the one before it.
    ///
    /// ```
    /// use stagecraft::distroless::Flavor;
    /// assert_eq!(Flavor::Base.packages()[4..], ["libc6", "libssl3"]);
    /// assert!(Flavor::Cc.packages().contains(&"libstdc++6"));
    /// let python = Flavor::Python3.packages();
    /// assert!(python.starts_with(&Flavor::Cc.packages()));
    /// assert!(python.contains(&"python3.11-minimal") && python.contains(&"libpython3.11-stdlib"));
    /// ```
    pub fn packages(self) -> Vec<&'static str> {
        const STATIC: [&str; 4] = ["base-files", "netbase", "tzdata", "media-types"];
        const BASE: [&str; 2] = ["libc6", "libssl3"];
        const CC: [&str; 3] = ["libgcc-s1", "libgomp1", "libstdc++6"];
        // The interpreter and its standard library, then every library
        // their `Depends` reach (`apt-cache depends --recurse` in bookworm),
        // minus what cc has, minus mime-support -> mailcap -> perl and the
        // data-only readline-common and libtirpc-common (media-types is in
        // static); and distutils, which Debian splits from the standard
        // library. The same list as upstream's `python3/python.bzl`.
        const PYTHON3: [&str; 24] = [
            "python3.11-minimal",
            "libpython3.11-minimal",
            "libpython3.11-stdlib",
            "libbz2-1.0",
            "libcom-err2",
            "libcrypt1",
            "libdb5.3",
            "libexpat1",
            "libffi8",
            "libgssapi-krb5-2",
            "libk5crypto3",
            "libkeyutils1",
            "libkrb5-3",
            "libkrb5support0",
            "liblzma5",
            "libncursesw6",
            "libnsl2",
            "libreadline8",
            "libsqlite3-0",
            "libtinfo6",
            "libtirpc3",
            "libuuid1",
            "zlib1g",
            "python3-distutils",
        ];
        let layers: &[&[&'static str]] = match self {
            Flavor::Static => &[&STATIC],
            Flavor::Base => &[&STATIC, &BASE],
            Flavor::Cc => &[&STATIC, &BASE, &CC],
            Flavor::Python3 => &[&STATIC, &BASE, &CC, &PYTHON3],
        };
        layers.concat()
    }
}

/// A distroless base: flavor, user, and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Distroless {
    flavor: Flavor,
    nonroot: bool,
    assembled_from: Option<String>,
}

impl Distroless {
    /// The upstream image of `flavor` (`gcr.io/distroless/<flavor>-debian12`).
    pub fn new(flavor: Flavor) -> Distroless {
        Distroless {
            flavor,
            nonroot: false,
            assembled_from: None,
        }
    }

    /// Run as `nonroot` (65532) in `/home/nonroot`, like the `:nonroot` tags.
    pub fn nonroot(mut self) -> Distroless {
        self.nonroot = true;
        self
    }

    /// Assemble it from Debian 12 packages in a build stage on `image` (a
    /// Debian bookworm image with apt), instead of pulling the upstream image.
    pub fn assembled_from(mut self, image: impl Into<String>) -> Distroless {
        self.assembled_from = Some(image.into());
        self
    }

    /// The upstream reference, e.g. `gcr.io/distroless/cc-debian12:nonroot`.
    pub fn upstream_reference(&self) -> String {
        let tag = if self.nonroot { ":nonroot" } else { "" };
        format!("gcr.io/distroless/{}-debian12{tag}", self.flavor.name())
    }
}

/// A distroless base declared in a Dockerfile; a shell-less stage base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DistrolessBase {
    /// The upstream image.
    Upstream(ShellLessImage),
    /// The last stage of the assembly.
    Assembled(StageRef<ShellLess>),
}

impl IntoBase for &DistrolessBase {
    type Shell = ShellLess;
    fn into_base(self, builder: u64) -> Result<Base, ErrorKind> {
        match self {
            DistrolessBase::Upstream(image) => image.clone().into_base(builder),
            DistrolessBase::Assembled(stage) => stage.into_base(builder),
        }
    }
}

impl DockerfileBuilder {
    /// Declares a distroless base. Upstream: nothing is added, the base is
    /// the image. Assembled: a stage `<alias>-rootfs` builds the tree and a
    /// stage `<alias>` (`FROM scratch`) holds it, with the environment,
    /// user and working directory of the upstream image.
    pub fn distroless_base(&mut self, alias: &str, spec: &Distroless) -> DistrolessBase {
        let Some(image) = &spec.assembled_from else {
            return DistrolessBase::Upstream(shell_less(spec.upstream_reference()));
        };
        let script = assembly_script(spec.flavor);
        let rootfs = self
            .stage(format!("{alias}-rootfs"), image.as_str())
            .shell(["/bin/bash", "-o", "pipefail", "-c"])
            .workdir("/tmp/debs");
        let rootfs = match Run::checked(script) {
            Ok(run) => rootfs.instruction(Instruction::Run(run)),
            Err(error) => rootfs.record(Part::Instruction(2, "RUN"), ErrorKind::Run(error)),
        }
        .done();
        let mut stage = self
            .stage(alias, scratch())
            .copy_from(&rootfs, "/rootfs/", "/")
            .env("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt");
        if spec.nonroot {
            stage = stage.user("65532:65532").workdir("/home/nonroot");
        }
        if spec.flavor == Flavor::Python3 {
            stage = stage
                .env("LANG", "C.UTF-8")
                .entrypoint([PYTHON3_INTERPRETER]);
        }
        DistrolessBase::Assembled(stage.done())
    }
}

/// The interpreter of [`Flavor::Python3`] (Debian 12's), its entrypoint;
/// `/usr/bin/python3` and `/usr/bin/python` link to it.
pub const PYTHON3_INTERPRETER: &str = "/usr/bin/python3.11";

/// The assembly `RUN`, one fragment per line (see the harvest script for the form).
fn assembly_script(flavor: Flavor) -> String {
    let packages = flavor.packages().join(" ");
    // What a flavor adds after unpacking: python3's maintainer scripts
    // (which do not run) would make the `python3` link.
    let extra: &[&str] = match flavor {
        Flavor::Python3 => &[
            "ln -s python3.11 /rootfs/usr/bin/python3; ln -s python3.11 /rootfs/usr/bin/python;",
        ],
        _ => &[],
    };
    let lines = [
        "set -eu;".to_string(),
        "apt-get update;".to_string(),
        "apt-get install -y --no-install-recommends ca-certificates;".to_string(),
        "mkdir -p /rootfs/usr/bin /rootfs/usr/sbin /rootfs/usr/lib /rootfs/usr/lib64 \
         /rootfs/var/lib/dpkg/status.d /rootfs/etc/ssl/certs /rootfs/home/nonroot;"
            .to_string(),
        "for dir in bin sbin lib lib64; do ln -s usr/$dir /rootfs/$dir; done;".to_string(),
        "chown _apt /tmp/debs;".to_string(),
        format!("apt-get download {packages};"),
        "for deb in /tmp/debs/*.deb; do".to_string(),
        "  dpkg-deb --fsys-tarfile \"$deb\" | tar -x --keep-directory-symlink -C /rootfs;"
            .to_string(),
        "  dpkg-deb -f \"$deb\" > \"/rootfs/var/lib/dpkg/status.d/$(dpkg-deb -f \"$deb\" Package)\";"
            .to_string(),
        "done;".to_string(),
    ]
    .into_iter()
    .chain(extra.iter().map(|line| line.to_string()))
    .chain([
        "cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/;".to_string(),
        "printf '%s\\n' 'root:x:0:0:root:/root:/sbin/nologin' \
         'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
         'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' > /rootfs/etc/passwd;"
            .to_string(),
        "printf '%s\\n' 'root:x:0:' 'nobody:x:65534:' 'tty:x:5:' 'staff:x:50:' \
         'nonroot:x:65532:' > /rootfs/etc/group;"
            .to_string(),
        "printf '%s\\n' 'passwd: compat' 'group: compat' 'shadow: compat' \
         'hosts: files dns' 'networks: files' 'protocols: db files' 'services: db files' \
         'ethers: db files' 'rpc: db files' > /rootfs/etc/nsswitch.conf;"
            .to_string(),
        "chown 65532:65532 /rootfs/home/nonroot; chmod 1777 /rootfs/tmp;".to_string(),
        "find /rootfs/usr/share/doc -type f ! -name copyright -delete;".to_string(),
        "rm -rf /rootfs/usr/share/man /rootfs/usr/share/info /rootfs/usr/share/lintian;"
            .to_string(),
        "rm -rf /var/lib/apt/lists/* /tmp/debs/*.deb".to_string(),
    ])
    .collect::<Vec<_>>();
    lines.join(" \\\n    ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_references() {
        assert_eq!(
            Distroless::new(Flavor::Static).upstream_reference(),
            "gcr.io/distroless/static-debian12"
        );
        assert_eq!(
            Distroless::new(Flavor::Base).nonroot().upstream_reference(),
            "gcr.io/distroless/base-debian12:nonroot"
        );
        assert_eq!(
            Distroless::new(Flavor::Python3).upstream_reference(),
            "gcr.io/distroless/python3-debian12"
        );
    }

    /// The assembled python3 holds cc, the interpreter and the libraries the
    /// standard library's extension modules load; the `python3` link and the
    /// entrypoint are upstream's, and the other flavors have neither.
    #[test]
    fn assembled_python3() {
        let packages = Flavor::Python3.packages();
        assert!(packages.starts_with(&Flavor::Cc.packages()));
        for package in [
            "python3.11-minimal",
            "libpython3.11-minimal",
            "libpython3.11-stdlib",
            "libexpat1",
            "zlib1g",
            "libffi8",
            "libsqlite3-0",
        ] {
            assert!(packages.contains(&package), "{package}");
        }
        // mime-support would pull mailcap and perl; upstream has neither.
        assert!(!packages
            .iter()
            .any(|p| p.contains("perl") || *p == "mime-support"));
        let mut unique = packages.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), packages.len(), "a package is listed twice");

        let script = assembly_script(Flavor::Python3);
        assert!(script.contains("ln -s python3.11 /rootfs/usr/bin/python3;"));
        assert!(script.contains("ln -s python3.11 /rootfs/usr/bin/python;"));
        assert!(!assembly_script(Flavor::Cc).contains("python"));

        let render = |flavor| {
            let mut df = DockerfileBuilder::new();
            let spec = Distroless::new(flavor)
                .nonroot()
                .assembled_from("debian:bookworm-slim");
            let base = df.distroless_base("rt", &spec);
            df.anonymous_stage(&base).cmd(["-c", "print(1)"]);
            df.build().unwrap().render()
        };
        let python = render(Flavor::Python3);
        assert!(
            python.contains(
                "USER 65532:65532\nWORKDIR /home/nonroot\nENV LANG=C.UTF-8\n\
                 ENTRYPOINT [\"/usr/bin/python3.11\"]\n"
            ),
            "{python}"
        );
        assert!(!render(Flavor::Cc).contains("ENTRYPOINT"));
    }

    #[test]
    fn assembly_is_valid_run_text() {
        for flavor in [Flavor::Static, Flavor::Base, Flavor::Cc, Flavor::Python3] {
            let script = assembly_script(flavor);
            assert_eq!(stagecraft_rules::text::check_run_text(&script), Ok(()));
            assert!(script.contains(&format!(
                "apt-get download {};",
                flavor.packages().join(" ")
            )));
        }
    }
}

#[cfg(test)]
mod rule_tests {
    use super::*;
    use stagecraft_rules::{check_run, RunContext};

    /// The assembly passes every rule in its stage, whose SHELL sets pipefail.
    #[test]
    fn the_assembly_passes_every_rule() {
        for flavor in [Flavor::Static, Flavor::Base, Flavor::Cc, Flavor::Python3] {
            let text = assembly_script(flavor);
            let context = RunContext::build_only().with_pipefail(true);
            let mut findings = check_run(&text, &context).unwrap();
            // The packages are the flavour's choice: their versions are not
            // the assembly's to pin.
            findings.retain(|f| !stagecraft_rules::catalogue::PINNING.contains(&f.rule));
            assert!(findings.is_empty(), "{flavor:?}: {findings:#?}");
        }
    }
}
