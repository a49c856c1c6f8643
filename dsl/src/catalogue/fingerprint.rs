//! What makes a catalogue image unchanged: the SHA-256 of its Dockerfile,
//! its context's files, its build arguments, its target and its parents'
//! image ids, kept as a label on the image built.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::tree::is_catalogue_file;
use super::CatalogueError;

/// The label a catalogue build puts on its image:
/// `stagecraft.catalogue.fingerprint=sha256:...`. An image whose label
/// matches what would be built now is skipped.
pub const FINGERPRINT_LABEL: &str = "stagecraft.catalogue.fingerprint";

/// The files of a context directory as sent: every file under `dir`
/// (links as links), except the Dockerfiles and manifest directly in it.
pub(crate) fn context_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, CatalogueError> {
    let mut files = Vec::new();
    collect(dir, "", &mut files)?;
    Ok(files)
}

fn collect(
    dir: &Path,
    prefix: &str,
    files: &mut Vec<(String, PathBuf)>,
) -> Result<(), CatalogueError> {
    let read_error = |source| CatalogueError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries = std::fs::read_dir(dir)
        .map_err(read_error)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(read_error)?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if prefix.is_empty() && is_catalogue_file(&name) {
            continue;
        }
        let relative = format!("{prefix}{name}");
        let kind = entry.file_type().map_err(read_error)?;
        if kind.is_dir() {
            collect(&entry.path(), &format!("{relative}/"), files)?;
        } else {
            files.push((relative, entry.path()));
        }
    }
    Ok(())
}

/// The SHA-256 of a context directory's files: each file's path, mode and
/// contents (a link's target), in path order.
///
/// ```
/// use stagecraft::catalogue::context_digest;
///
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n")?;
/// let empty = context_digest(dir.path())?;
/// std::fs::write(dir.path().join("data.txt"), "1")?;
/// let one = context_digest(dir.path())?;
/// assert_ne!(empty, one);
/// std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\nCOPY data.txt /\n")?;
/// assert_eq!(context_digest(dir.path())?, one, "the Dockerfile is fingerprinted on its own");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`CatalogueError::Read`] for a file that cannot be read.
pub fn context_digest(dir: &Path) -> Result<String, CatalogueError> {
    let mut hasher = Sha256::new();
    for (relative, path) in context_files(dir)? {
        let read_error = |source| CatalogueError::Read {
            path: path.clone(),
            source,
        };
        let meta = std::fs::symlink_metadata(&path).map_err(read_error)?;
        hasher.update(relative.as_bytes());
        hasher.update([0]);
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path).map_err(read_error)?;
            hasher.update(b"link\0");
            hasher.update(target.to_string_lossy().as_bytes());
        } else {
            use std::os::unix::fs::PermissionsExt;
            hasher.update(format!("file {:o}\0", meta.permissions().mode() & 0o7777));
            hasher.update(std::fs::read(&path).map_err(read_error)?);
        }
        hasher.update([0]);
    }
    Ok(hex(hasher.finalize().as_slice()))
}

/// The fingerprint of one build.
pub(crate) fn fingerprint(
    dockerfile: &str,
    context: Option<&str>,
    build_args: &BTreeMap<String, String>,
    target: Option<&str>,
    parents: &[&str],
) -> String {
    let mut hasher = Sha256::new();
    let mut field = |name: &str, value: &str| {
        hasher.update(name.as_bytes());
        hasher.update((value.len() as u64).to_le_bytes());
        hasher.update(value.as_bytes());
    };
    field("dockerfile", dockerfile);
    field("context", context.unwrap_or(""));
    for (name, value) in build_args {
        field("arg", name);
        field("value", value);
    }
    field("target", target.unwrap_or(""));
    for parent in parents {
        field("parent", parent);
    }
    format!("sha256:{}", hex(hasher.finalize().as_slice()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_changes_the_fingerprint() {
        let args = BTreeMap::from([("A".to_string(), "1".to_string())]);
        let base = fingerprint("FROM x\n", Some("c"), &args, None, &["sha256:p"]);
        assert_eq!(
            base,
            fingerprint("FROM x\n", Some("c"), &args, None, &["sha256:p"])
        );
        let other_args = BTreeMap::from([("A".to_string(), "2".to_string())]);
        for changed in [
            fingerprint("FROM y\n", Some("c"), &args, None, &["sha256:p"]),
            fingerprint("FROM x\n", Some("d"), &args, None, &["sha256:p"]),
            fingerprint("FROM x\n", Some("c"), &other_args, None, &["sha256:p"]),
            fingerprint("FROM x\n", Some("c"), &args, Some("t"), &["sha256:p"]),
            fingerprint("FROM x\n", Some("c"), &args, None, &["sha256:q"]),
        ] {
            assert_ne!(base, changed);
        }
    }
}
