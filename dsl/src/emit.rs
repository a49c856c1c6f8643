//! Writing a rendered Dockerfile from `build.rs`, and checking it in CI.
//!
//! [`write_if_changed`] writes only when the bytes differ, so the file's
//! modification time does not change and nothing that watches it rebuilds
//! in a loop. In check mode (the environment variable `STAGECRAFT_CHECK=1`,
//! or [`Mode::Check`]) nothing is written: a file that differs from the model
//! is an error with a unified diff, so CI fails when the committed Dockerfile
//! is stale.
//!
//! A `build.rs`:
//!
//! ```no_run
//! use stagecraft::packages::Apt;
//! use stagecraft::{emit, Dockerfile};
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let mut df = Dockerfile::builder();
//!     df.anonymous_stage("debian:bookworm-slim")
//!         .install(Apt::install(["ca-certificates"]))
//!         .entrypoint(["/usr/local/bin/app"]);
//!     emit::write_if_changed("Dockerfile", &df.build()?)?;
//!     println!("cargo:rerun-if-changed=build.rs");
//!     println!("cargo:rerun-if-env-changed=STAGECRAFT_CHECK");
//!     Ok(())
//! }
//! ```

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::model::Dockerfile;

/// The environment variable that turns on check mode (`1`, `true` or `yes`).
pub const CHECK_ENV: &str = "STAGECRAFT_CHECK";

/// Write the file, or only check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write when the bytes differ.
    Write,
    /// Never write; a missing or different file is an error.
    Check,
}

impl Mode {
    /// [`Mode::Check`] when `STAGECRAFT_CHECK` is `1`, `true` or `yes`, else [`Mode::Write`].
    pub fn from_env() -> Mode {
        match std::env::var(CHECK_ENV) {
            Ok(value) if matches!(value.to_ascii_lowercase().as_str(), "1" | "true" | "yes") => {
                Mode::Check
            }
            _ => Mode::Write,
        }
    }
}

/// What [`sync`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The file already had these bytes: not touched.
    Unchanged,
    /// The file was missing or different and has been written.
    Written,
}

/// Why the file could not be written or is stale.
///
/// Its `Debug` form is its message, so a `build.rs` whose `main` returns
/// `Result<(), Box<dyn Error>>` shows the diff as it is, not as an escaped string.
#[derive(Error)]
#[non_exhaustive]
pub enum EmitError {
    /// Check mode, and the file on disk differs from the model.
    #[error(
        "{path} is stale: it differs from the Dockerfile the model renders \
         (diff below, `-` on disk, `+` rendered); regenerate it by building without \
         {CHECK_ENV}=1 and commit the result\n{diff}"
    )]
    Stale {
        /// The file.
        path: PathBuf,
        /// A unified diff from the file to the rendering.
        diff: String,
    },
    /// Check mode, and the file does not exist.
    #[error("{path} does not exist: generate it by building without {CHECK_ENV}=1 and commit it")]
    Missing {
        /// The file.
        path: PathBuf,
    },
    /// Reading or writing failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
}

impl std::fmt::Debug for EmitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// Writes `dockerfile` to `path` when its bytes differ, or checks it when
/// `STAGECRAFT_CHECK` is set; see [`sync`].
pub fn write_if_changed(
    path: impl AsRef<Path>,
    dockerfile: &Dockerfile,
) -> Result<Outcome, EmitError> {
    sync(path, dockerfile, Mode::from_env())
}

/// Brings `path` in line with `dockerfile` (or checks that it is), by `mode`.
///
/// ```
/// use stagecraft::emit::{self, EmitError, Mode, Outcome};
/// use stagecraft::{scratch, Dockerfile};
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("Dockerfile");
/// let mut df = Dockerfile::builder();
/// df.anonymous_stage(scratch()).entrypoint(["/app"]);
/// let dockerfile = df.build().unwrap();
///
/// assert!(matches!(emit::sync(&path, &dockerfile, Mode::Check), Err(EmitError::Missing { .. })));
/// assert_eq!(emit::sync(&path, &dockerfile, Mode::Write).unwrap(), Outcome::Written);
/// assert_eq!(emit::sync(&path, &dockerfile, Mode::Write).unwrap(), Outcome::Unchanged);
/// assert_eq!(emit::sync(&path, &dockerfile, Mode::Check).unwrap(), Outcome::Unchanged);
///
/// std::fs::write(&path, "FROM scratch\n").unwrap();
/// let stale = emit::sync(&path, &dockerfile, Mode::Check).unwrap_err();
/// assert!(stale.to_string().contains("+ENTRYPOINT [\"/app\"]"));
/// ```
pub fn sync(
    path: impl AsRef<Path>,
    dockerfile: &Dockerfile,
    mode: Mode,
) -> Result<Outcome, EmitError> {
    let path = path.as_ref();
    let rendered = dockerfile.render();
    let current = match fs::read(path) {
        Ok(bytes) => Some(bytes),
        Err(error) if error.kind() == io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(EmitError::Io {
                action: "read",
                path: path.to_path_buf(),
                source,
            })
        }
    };
    if current.as_deref() == Some(rendered.as_bytes()) {
        return Ok(Outcome::Unchanged);
    }
    match (mode, current) {
        (Mode::Check, None) => Err(EmitError::Missing {
            path: path.to_path_buf(),
        }),
        (Mode::Check, Some(bytes)) => Err(EmitError::Stale {
            path: path.to_path_buf(),
            diff: unified_diff(&String::from_utf8_lossy(&bytes), &rendered, path),
        }),
        (Mode::Write, _) => {
            write_atomically(path, rendered.as_bytes())?;
            Ok(Outcome::Written)
        }
    }
}

/// A unified diff from `old` (on disk) to `new` (rendered).
pub fn unified_diff(old: &str, new: &str, path: &Path) -> String {
    let name = path.display().to_string();
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("{name} (on disk)"), &format!("{name} (rendered)"))
        .to_string()
}

/// Writes through a temporary file in the same directory and renames it, so
/// a reader never sees half a Dockerfile.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), EmitError> {
    let io_error = |source| EmitError::Io {
        action: "write",
        path: path.to_path_buf(),
        source,
    };
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "Dockerfile".to_string());
    let temporary = path.with_file_name(format!(".{file_name}.stagecraft-{}", std::process::id()));
    fs::write(&temporary, bytes).map_err(io_error)?;
    fs::rename(&temporary, path).map_err(|error| {
        let _ = fs::remove_file(&temporary);
        io_error(error)
    })
}
