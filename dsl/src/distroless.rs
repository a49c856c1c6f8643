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
    distroless, scratch, DockerfileBuilder, IntoBase, ShellLess, ShellLessImage, StageRef,
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
}

impl Flavor {
    fn name(self) -> &'static str {
        match self {
            Flavor::Static => "static",
            Flavor::Base => "base",
            Flavor::Cc => "cc",
        }
    }

    /// The Debian 12 packages unpacked into the assembled base; each flavor
    /// holds the one before it.
    ///
    /// ```
    /// use stagecraft::distroless::Flavor;
    /// assert_eq!(Flavor::Base.packages()[4..], ["libc6", "libssl3"]);
    /// assert!(Flavor::Cc.packages().contains(&"libstdc++6"));
    /// ```
    pub fn packages(self) -> Vec<&'static str> {
        const STATIC: [&str; 4] = ["base-files", "netbase", "tzdata", "media-types"];
        const BASE: [&str; 2] = ["libc6", "libssl3"];
        const CC: [&str; 3] = ["libgcc-s1", "libgomp1", "libstdc++6"];
        let layers: &[&[&'static str]] = match self {
            Flavor::Static => &[&STATIC],
            Flavor::Base => &[&STATIC, &BASE],
            Flavor::Cc => &[&STATIC, &BASE, &CC],
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
            return DistrolessBase::Upstream(distroless(spec.upstream_reference()));
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
        DistrolessBase::Assembled(stage.done())
    }
}

/// The assembly `RUN`, one fragment per line (see the harvest script for the form).
fn assembly_script(flavor: Flavor) -> String {
    let packages = flavor.packages().join(" ");
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
    ];
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
    }

    #[test]
    fn assembly_is_valid_run_text() {
        for flavor in [Flavor::Static, Flavor::Base, Flavor::Cc] {
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
        for flavor in [Flavor::Static, Flavor::Base, Flavor::Cc] {
            let text = assembly_script(flavor);
            let context = RunContext::build_only().with_pipefail(true);
            let findings = check_run(&text, &context).unwrap();
            assert!(findings.is_empty(), "{flavor:?}: {findings:#?}");
        }
    }
}
