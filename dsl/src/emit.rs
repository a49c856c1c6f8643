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
use std::io::{self, Write};
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
///
/// A symbolic link at `path` is followed: the file it points to is replaced
/// and the link stays. The replaced file keeps its permission bits. The
/// temporary file has an unpredictable name and is created exclusively (a
/// link planted beside the Dockerfile is never followed), and it is removed
/// when writing fails (a full disk leaves nothing behind).
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), EmitError> {
    write_atomically_with(path, bytes, |file, bytes| file.write_all(bytes))
}

/// [`write_atomically`] with the write itself given, so a test can make it fail.
fn write_atomically_with(
    path: &Path,
    bytes: &[u8],
    write: impl FnOnce(&mut fs::File, &[u8]) -> io::Result<()>,
) -> Result<(), EmitError> {
    let io_error = |source| EmitError::Io {
        action: "write",
        path: path.to_path_buf(),
        source,
    };
    let target = follow_links(path).map_err(io_error)?;
    let file_name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "Dockerfile".to_string());
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let existing = fs::metadata(&target).ok().map(|meta| meta.permissions());
    let prefix = format!(".{file_name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".stagecraft");
    #[cfg(unix)]
    let default_permissions = {
        use std::os::unix::fs::PermissionsExt;
        // As `fs::write` creates a file: 0666 less the umask.
        fs::Permissions::from_mode(0o666)
    };
    #[cfg(unix)]
    builder.permissions(existing.clone().unwrap_or(default_permissions));
    // Removed on drop: every early return below cleans up.
    let mut temporary = builder.tempfile_in(&dir).map_err(io_error)?;
    write(temporary.as_file_mut(), bytes).map_err(io_error)?;
    if let Some(permissions) = existing {
        // The umask applied at creation; the old file's bits exactly.
        temporary
            .as_file()
            .set_permissions(permissions)
            .map_err(io_error)?;
    }
    temporary
        .persist(&target)
        .map_err(|error| io_error(error.error))?;
    Ok(())
}

/// `path` with symbolic links in its last component followed (a dangling
/// link gives the path it points to, which is then created).
fn follow_links(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    // As the kernel's limit on links followed in one lookup.
    for _ in 0..40 {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            Ok(_) => return Ok(current),
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(current),
            Err(error) => return Err(error),
        }
    }
    Err(io::Error::other(format!(
        "too many levels of symbolic links from {}",
        path.display()
    )))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_failed_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Dockerfile");
        fs::write(&path, "FROM old\n").unwrap();
        let error = write_atomically_with(&path, b"FROM new\n", |file, bytes| {
            file.write_all(&bytes[..4])?;
            Err(io::Error::from_raw_os_error(28))
        })
        .unwrap_err();
        assert!(
            error.to_string().contains("No space left on device"),
            "{error}"
        );
        assert_eq!(names(dir.path()), ["Dockerfile"]);
        assert_eq!(fs::read_to_string(&path).unwrap(), "FROM old\n");
    }

    #[test]
    fn a_symlinked_dockerfile_stays_a_link_and_its_target_is_written() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("docker")).unwrap();
        let target = dir.path().join("docker/Dockerfile.real");
        fs::write(&target, "FROM old\n").unwrap();
        let link = dir.path().join("Dockerfile");
        symlink("docker/Dockerfile.real", &link).unwrap();
        write_atomically(&link, b"FROM new\n").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&target).unwrap(), "FROM new\n");
        assert_eq!(names(&dir.path().join("docker")), ["Dockerfile.real"]);
        // A dangling link: the file it names is created.
        let dangling = dir.path().join("Dangling");
        symlink("docker/created", &dangling).unwrap();
        write_atomically(&dangling, b"FROM x\n").unwrap();
        assert!(fs::symlink_metadata(&dangling)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            fs::read_to_string(dir.path().join("docker/created")).unwrap(),
            "FROM x\n"
        );
    }

    #[test]
    fn the_mode_of_the_replaced_file_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Dockerfile");
        fs::write(&path, "FROM old\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomically(&path, b"FROM new\n").unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o640);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        write_atomically(&path, b"FROM newer\n").unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o755);
        // A new file: readable by all, as `fs::write` would make it (umask 022).
        let fresh = dir.path().join("Fresh");
        write_atomically(&fresh, b"FROM x\n").unwrap();
        let mode = fs::metadata(&fresh).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode & 0o644, 0o644, "{mode:o}");
    }

    #[test]
    fn a_link_planted_at_the_old_temporary_name_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, "precious\n").unwrap();
        let path = dir.path().join("Dockerfile");
        // The name the old code used, and a few near it.
        let id = std::process::id();
        for pid in [id, id + 1, id.saturating_sub(1)] {
            symlink(
                &victim,
                dir.path().join(format!(".Dockerfile.stagecraft-{pid}")),
            )
            .unwrap();
        }
        write_atomically(&path, b"FROM new\n").unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
        assert_eq!(fs::read_to_string(&path).unwrap(), "FROM new\n");
        assert!(!fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_symlink());
    }
}
