//! Trusting a site's CA during builds only: for networks that intercept TLS
//! (corporate and university proxies re-sign every certificate with their
//! own CA, which the host trusts and a fresh container does not).
//!
//! Inside `docker build`, `pip`, `curl`, `git` and friends check servers
//! against the image's CA store (or their own, like pip's certifi), so
//! behind such a proxy they fail with `CERTIFICATE_VERIFY_FAILED`. The
//! answer here has two halves:
//!
//! * in the Dockerfile, [`StageBuilder::trust_site_ca`](crate::StageBuilder::trust_site_ca)
//!   on a stage that fetches over HTTPS: a `COPY` of the bundle from the
//!   build context ([`CONTEXT_PATH`]) to [`IMAGE_PATH`], and one `ARG` per
//!   client ([`VARIABLES`]) pointing at it. `ARG`, not `ENV`: the later
//!   `RUN`s of that stage see the variables, the image's configuration does
//!   not keep them;
//! * at build time (feature `engine`), `BuildOptions::site_ca(&SiteCa)` puts
//!   the bundle into the build context. `Engine::build` refuses a Dockerfile
//!   that trusts the site CA when the options carry none, before anything is
//!   sent.
//!
//! The Dockerfile is the same on every network only if the stage always
//! trusts the bundle; a Dockerfile meant to be published usually calls
//! `trust_site_ca()` only when a [`SiteCa`] is configured (see
//! [`SiteCa::from_env`]), so its everyday text does not change.
//!
//! ```
//! use stagecraft::packages::Pip;
//! use stagecraft::site_ca::{self, SiteCa};
//! use stagecraft::{shell_less, Dockerfile};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // STAGECRAFT_SITE_CA=/etc/ssl/certs/ca-certificates.crt, say; None when unset.
//! let site: Option<SiteCa> = SiteCa::from_env()?;
//! // A Dockerfile for any network would trust it only `if site.is_some()`.
//!
//! let mut df = Dockerfile::builder();
//! let build = df
//!     .stage("build", "python:3.11-slim")
//!     .trust_site_ca() // right before the step that fetches
//!     .install(Pip::install(["requests==2.32.3"]).python("/usr/local/bin/python"))
//!     .done();
//! df.anonymous_stage(shell_less("gcr.io/distroless/python3-debian12"))
//!     .copy_from(&build, "/usr/local/lib/python3.11/site-packages", "/site-packages");
//! let dockerfile = df.build()?;
//!
//! let text = dockerfile.render();
//! assert!(text.contains("COPY stagecraft-site-ca.pem /etc/ssl/stagecraft-site-ca.pem\n"));
//! assert!(text.contains("ARG PIP_CERT=/etc/ssl/stagecraft-site-ca.pem\n"));
//! // Only the build stage trusts it; the shipped stage has neither file nor variables.
//! assert_eq!(site_ca::trusting_stages(&dockerfile), [0]);
//! # Ok(()) }
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use crate::model::{Dockerfile, Instruction, Stage};

/// The environment variable that names the bundle: [`SiteCa::from_env`].
pub const ENV_VAR: &str = "STAGECRAFT_SITE_CA";

/// The bundle's path in the build context.
pub const CONTEXT_PATH: &str = "stagecraft-site-ca.pem";

/// Where a stage that trusts the site CA keeps the bundle. Not in
/// `/usr/local/share/ca-certificates/`, so that an `update-ca-certificates`
/// in the stage does not fold it into the image's own store.
pub const IMAGE_PATH: &str = "/etc/ssl/stagecraft-site-ca.pem";

/// The build arguments [`StageBuilder::trust_site_ca`](crate::StageBuilder::trust_site_ca)
/// sets to [`IMAGE_PATH`], one per client, each read from the environment
/// by that client:
///
/// | variable | read by |
/// | --- | --- |
/// | `PIP_CERT` | pip (`--cert`; pip uses its own certifi bundle otherwise) |
/// | `REQUESTS_CA_BUNDLE` | Python `requests` (and what uses it: conda, twine, ...) |
/// | `SSL_CERT_FILE` | OpenSSL's default verify paths (Python's `ssl` and `urllib`, Ruby), Go's `crypto/x509`, the `curl` tool |
/// | `CURL_CA_BUNDLE` | the `curl` tool (and `requests`, after `REQUESTS_CA_BUNDLE`) |
/// | `NODE_EXTRA_CA_CERTS` | Node.js and npm (added to Node's built-in roots) |
/// | `CARGO_HTTP_CAINFO` | cargo (`http.cainfo`) |
/// | `GIT_SSL_CAINFO` | git over HTTPS |
///
/// Not covered: apt (`Acquire::https::CAInfo`, a configuration file, not a
/// variable; Debian's mirrors are fetched over HTTP by default), wget
/// (`--ca-certificate` or `/etc/wgetrc`), and programs on libcurl, which set
/// `CURLOPT_CAINFO` themselves. Each variable is read when its program
/// starts, so it reaches every `RUN` after the call.
pub const VARIABLES: [&str; 7] = [
    "PIP_CERT",
    "REQUESTS_CA_BUNDLE",
    "SSL_CERT_FILE",
    "CURL_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
    "CARGO_HTTP_CAINFO",
    "GIT_SSL_CAINFO",
];

/// What a PEM bundle must contain at least once.
const PEM_MARKER: &[u8] = b"-----BEGIN CERTIFICATE-----";

/// A PEM bundle on the host that builds should trust, read and checked.
///
/// Most clients *replace* their trust store with the file they are given
/// (`PIP_CERT`, `SSL_CERT_FILE`, `CURL_CA_BUNDLE`, ...), so the bundle must
/// trust everything a build reaches, not only the proxy: take the host's
/// whole store (`/etc/ssl/certs/ca-certificates.crt` on Debian and Ubuntu,
/// `/etc/pki/tls/certs/ca-bundle.crt` on Fedora), in which the site CA is
/// installed, rather than the site CA alone.
///
/// The bytes are read once, when the `SiteCa` is made; a build uses those.
///
/// ```
/// use stagecraft::site_ca::{SiteCa, SiteCaError};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("bundle.pem");
/// std::fs::write(&path, "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n")?;
/// let site = SiteCa::new(&path)?;
/// assert_eq!(site.certificates(), 1);
///
/// std::fs::write(&path, "not a certificate")?;
/// assert!(matches!(SiteCa::new(&path), Err(SiteCaError::NotPem { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SiteCa {
    path: PathBuf,
    pem: Vec<u8>,
}

impl fmt::Debug for SiteCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SiteCa")
            .field("path", &self.path)
            .field("bytes", &self.pem.len())
            .field("certificates", &self.certificates())
            .finish()
    }
}

/// Why a site CA bundle cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SiteCaError {
    /// The file cannot be read (missing, a directory, no permission).
    #[error(
        "cannot read the site CA bundle {}{}: {source}; {}",
        .path.display(),
        origin(*.from_env),
        fix(*.from_env)
    )]
    Unreadable {
        /// The path given.
        path: PathBuf,
        /// It came from [`ENV_VAR`].
        from_env: bool,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file holds no PEM certificate.
    #[error(
        "the site CA bundle {}{} holds no `-----BEGIN CERTIFICATE-----`: it must be a PEM \
         bundle of CA certificates; {}",
        .path.display(),
        origin(*.from_env),
        fix(*.from_env)
    )]
    NotPem {
        /// The path given.
        path: PathBuf,
        /// It came from [`ENV_VAR`].
        from_env: bool,
    },
}

fn origin(from_env: bool) -> String {
    if from_env {
        format!(" (from {ENV_VAR})")
    } else {
        String::new()
    }
}

fn fix(from_env: bool) -> String {
    if from_env {
        format!(
            "set {ENV_VAR} to a PEM bundle that trusts the site's CA and every server the build \
             reaches, e.g. /etc/ssl/certs/ca-certificates.crt on a Debian host that trusts it, \
             or unset it"
        )
    } else {
        "give a PEM bundle that trusts the site's CA and every server the build reaches, e.g. \
         /etc/ssl/certs/ca-certificates.crt on a Debian host that trusts it"
            .to_string()
    }
}

impl SiteCa {
    /// Reads the bundle at `path` and checks it holds at least one PEM
    /// certificate.
    ///
    /// # Errors
    ///
    /// [`SiteCaError::Unreadable`] or [`SiteCaError::NotPem`], each saying
    /// what to give instead.
    pub fn new(path: impl Into<PathBuf>) -> Result<SiteCa, SiteCaError> {
        Self::read(path.into(), false)
    }

    /// The bundle named by [`ENV_VAR`] (`STAGECRAFT_SITE_CA`): `None` when
    /// the variable is unset or empty.
    ///
    /// # Errors
    ///
    /// As [`SiteCa::new`], the message naming the variable.
    ///
    /// ```
    /// use stagecraft::site_ca::SiteCa;
    /// if let Some(site) = SiteCa::from_env()? {
    ///     println!("builds trust {}", site.path().display());
    /// }
    /// # Ok::<(), stagecraft::site_ca::SiteCaError>(())
    /// ```
    pub fn from_env() -> Result<Option<SiteCa>, SiteCaError> {
        match std::env::var_os(ENV_VAR) {
            Some(value) if !value.is_empty() => Self::read(PathBuf::from(value), true).map(Some),
            _ => Ok(None),
        }
    }

    fn read(path: PathBuf, from_env: bool) -> Result<SiteCa, SiteCaError> {
        let pem = match std::fs::read(&path) {
            Ok(pem) => pem,
            Err(source) => {
                return Err(SiteCaError::Unreadable {
                    path,
                    from_env,
                    source,
                })
            }
        };
        let site = SiteCa { path, pem };
        if site.certificates() == 0 {
            return Err(SiteCaError::NotPem {
                path: site.path,
                from_env,
            });
        }
        Ok(site)
    }

    /// The host path it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The bundle's bytes, as read.
    pub fn pem(&self) -> &[u8] {
        &self.pem
    }

    /// How many certificates the bundle holds (its `BEGIN CERTIFICATE` lines).
    pub fn certificates(&self) -> usize {
        self.pem
            .windows(PEM_MARKER.len())
            .filter(|window| *window == PEM_MARKER)
            .count()
    }
}

/// Whether `stage` trusts the site CA: it copies [`CONTEXT_PATH`] from the
/// build context, as [`StageBuilder::trust_site_ca`](crate::StageBuilder::trust_site_ca)
/// does (a hand-written `COPY` of that path counts too).
pub fn trusts(stage: &Stage) -> bool {
    stage.instructions.iter().any(|instruction| {
        matches!(instruction, Instruction::Copy(copy)
            if copy.from.is_none()
                && copy.sources.iter().any(|source| source.trim_start_matches("./") == CONTEXT_PATH))
    })
}

/// The 0-based indices of the stages of `dockerfile` that trust the site CA
/// (see [`trusts`]); a build of one of them needs the bundle in its context.
pub fn trusting_stages(dockerfile: &Dockerfile) -> Vec<usize> {
    dockerfile
        .stages()
        .iter()
        .enumerate()
        .filter(|(_, stage)| trusts(stage))
        .map(|(index, _)| index)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

    #[test]
    fn a_bundle_is_read_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bundle.pem");
        std::fs::write(&path, format!("# two\n{PEM}{PEM}")).unwrap();
        let site = SiteCa::new(&path).unwrap();
        assert_eq!(site.certificates(), 2);
        assert_eq!(site.path(), path);
        assert_eq!(site.pem().len(), 6 + 2 * PEM.len());
        assert!(format!("{site:?}").contains("certificates: 2"));
    }

    #[test]
    fn a_missing_file_says_what_to_do() {
        let error = SiteCaError::Unreadable {
            path: "/nonexistent/ca.pem".into(),
            from_env: true,
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        };
        let text = error.to_string();
        assert!(
            text.starts_with(
                "cannot read the site CA bundle /nonexistent/ca.pem (from STAGECRAFT_SITE_CA): "
            ),
            "{text}"
        );
        assert!(
            text.contains("set STAGECRAFT_SITE_CA to a PEM bundle"),
            "{text}"
        );
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        match SiteCa::new(&missing) {
            Err(SiteCaError::Unreadable { path, from_env, .. }) => {
                assert_eq!(path, missing);
                assert!(!from_env);
            }
            other => panic!("expected Unreadable, got {other:?}"),
        }
        // A directory cannot be read as a file either.
        assert!(matches!(
            SiteCa::new(dir.path()),
            Err(SiteCaError::Unreadable { .. })
        ));
    }

    #[test]
    fn a_file_without_certificates_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.pem");
        std::fs::write(&path, "-----BEGIN PRIVATE KEY-----\nMIIE\n").unwrap();
        let error = SiteCa::new(&path).unwrap_err();
        assert!(matches!(
            error,
            SiteCaError::NotPem {
                from_env: false,
                ..
            }
        ));
        assert!(error
            .to_string()
            .contains("holds no `-----BEGIN CERTIFICATE-----`"));
    }

    /// The only test that touches the process environment, so no other
    /// test races with it.
    #[test]
    fn from_env_reads_the_variable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bundle.pem");
        std::fs::write(&path, PEM).unwrap();
        let saved = std::env::var_os(ENV_VAR);
        std::env::set_var(ENV_VAR, "");
        assert!(SiteCa::from_env().unwrap().is_none());
        std::env::remove_var(ENV_VAR);
        assert!(SiteCa::from_env().unwrap().is_none());
        std::env::set_var(ENV_VAR, &path);
        assert_eq!(SiteCa::from_env().unwrap().unwrap().path(), path);
        std::env::set_var(ENV_VAR, dir.path().join("missing.pem"));
        let error = SiteCa::from_env().unwrap_err();
        assert!(matches!(
            error,
            SiteCaError::Unreadable { from_env: true, .. }
        ));
        assert!(error.to_string().contains("(from STAGECRAFT_SITE_CA)"));
        match saved {
            Some(value) => std::env::set_var(ENV_VAR, value),
            None => std::env::remove_var(ENV_VAR),
        }
    }
}
