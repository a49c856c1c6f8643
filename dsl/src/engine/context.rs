//! The build context: an in-memory tar of exactly the rendered Dockerfile
//! and the declared files, never a working directory.

use std::fs;
use std::path::{Component, Path, PathBuf};

use super::error::EngineError;

/// The Dockerfile's name inside the context.
pub(crate) const DOCKERFILE_NAME: &str = "Dockerfile";

/// One declared entry of the context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// A file or a directory (recursively) on the host.
    Host(PathBuf),
    /// Bytes with a Unix mode.
    Bytes { data: Vec<u8>, mode: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub context_path: String,
    pub source: Source,
}

/// A context path: relative, `/`-separated, no `..`, no leading `./`.
pub(crate) fn normalize(context_path: &str, host_path: &str) -> Result<String, EngineError> {
    let error = |reason: &str| EngineError::Context {
        host_path: host_path.to_string(),
        context_path: context_path.to_string(),
        reason: reason.to_string(),
    };
    let path = Path::new(context_path);
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(
                part.to_str()
                    .ok_or_else(|| error("the path is not UTF-8"))?
                    .to_string(),
            ),
            Component::CurDir => {}
            Component::ParentDir => return Err(error("`..` would leave the context")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(error("context paths are relative to the context root"))
            }
        }
    }
    if parts.is_empty() {
        return Err(error("the path is empty"));
    }
    let normalized = parts.join("/");
    if normalized == DOCKERFILE_NAME {
        return Err(error(
            "the name `Dockerfile` is taken by the rendered Dockerfile",
        ));
    }
    Ok(normalized)
}

/// The tar bytes of the context.
pub(crate) fn archive(dockerfile: &str, entries: &[Entry]) -> Result<Vec<u8>, EngineError> {
    let mut builder = tar::Builder::new(Vec::new());
    builder.mode(tar::HeaderMode::Deterministic);
    append_bytes(&mut builder, DOCKERFILE_NAME, dockerfile.as_bytes(), 0o644)
        .map_err(|e| io_error("<rendered>", DOCKERFILE_NAME, &e))?;
    for entry in entries {
        match &entry.source {
            Source::Bytes { data, mode } => {
                append_bytes(&mut builder, &entry.context_path, data, *mode)
                    .map_err(|e| io_error("<bytes>", &entry.context_path, &e))?;
            }
            Source::Host(path) => append_host(&mut builder, path, &entry.context_path)?,
        }
    }
    builder
        .into_inner()
        .map_err(|e| io_error("<archive>", "", &e))
}

fn io_error(host_path: &str, context_path: &str, error: &std::io::Error) -> EngineError {
    EngineError::Context {
        host_path: host_path.to_string(),
        context_path: context_path.to_string(),
        reason: error.to_string(),
    }
}

fn header(kind: tar::EntryType, size: u64, mode: u32) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_size(size);
    header.set_mode(mode);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    header
}

fn append_bytes(
    builder: &mut tar::Builder<Vec<u8>>,
    path: &str,
    data: &[u8],
    mode: u32,
) -> std::io::Result<()> {
    let mut header = header(tar::EntryType::Regular, data.len() as u64, mode);
    builder.append_data(&mut header, path, data)
}

/// A host file, symlink or directory tree at `context_path`, with
/// modes kept and owners and times zeroed (so equal files give equal contexts).
fn append_host(
    builder: &mut tar::Builder<Vec<u8>>,
    path: &Path,
    context_path: &str,
) -> Result<(), EngineError> {
    let shown = path.display().to_string();
    let fail = |e: std::io::Error| io_error(&shown, context_path, &e);
    let metadata = fs::symlink_metadata(path).map_err(fail)?;
    let mode = mode_of(&metadata);
    if metadata.file_type().is_symlink() {
        let target = fs::read_link(path).map_err(fail)?;
        let mut header = header(tar::EntryType::Symlink, 0, 0o777);
        builder
            .append_link(&mut header, context_path, &target)
            .map_err(fail)?;
    } else if metadata.is_dir() {
        let mut header = header(tar::EntryType::Directory, 0, mode);
        builder
            .append_data(&mut header, format!("{context_path}/"), std::io::empty())
            .map_err(fail)?;
        let mut children: Vec<_> = fs::read_dir(path)
            .map_err(fail)?
            .collect::<Result<_, _>>()
            .map_err(fail)?;
        children.sort_by_key(|child| child.file_name());
        for child in children {
            let name = child.file_name();
            let name = name.to_str().ok_or_else(|| EngineError::Context {
                host_path: child.path().display().to_string(),
                context_path: context_path.to_string(),
                reason: "the file name is not UTF-8".to_string(),
            })?;
            append_host(builder, &child.path(), &format!("{context_path}/{name}"))?;
        }
    } else if metadata.is_file() {
        let file = fs::File::open(path).map_err(fail)?;
        let mut header = header(tar::EntryType::Regular, metadata.len(), mode);
        builder
            .append_data(&mut header, context_path, file)
            .map_err(fail)?;
    } else {
        return Err(EngineError::Context {
            host_path: shown.clone(),
            context_path: context_path.to_string(),
            reason: "only files, directories and symlinks can go in a build context".to_string(),
        });
    }
    Ok(())
}

#[cfg(unix)]
fn mode_of(metadata: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode_of(metadata: &fs::Metadata) -> u32 {
    if metadata.is_dir() {
        0o755
    } else {
        0o644
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(bytes: &[u8]) -> Vec<String> {
        let mut archive = tar::Archive::new(bytes);
        archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect()
    }

    #[test]
    fn paths_are_checked() {
        assert_eq!(normalize("./app/main.rs", "x").unwrap(), "app/main.rs");
        assert!(normalize("../secret", "x").is_err());
        assert!(normalize("/etc/passwd", "x").is_err());
        assert!(normalize("Dockerfile", "x").is_err());
        assert!(normalize("", "x").is_err());
    }

    #[test]
    fn only_declared_entries_are_archived() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("conf")).unwrap();
        std::fs::write(dir.path().join("conf/b.txt"), "b").unwrap();
        std::fs::write(dir.path().join("conf/a.txt"), "a").unwrap();
        std::fs::write(dir.path().join("undeclared"), "no").unwrap();
        let entries = [
            Entry {
                context_path: "etc/app".into(),
                source: Source::Host(dir.path().join("conf")),
            },
            Entry {
                context_path: "hello.sh".into(),
                source: Source::Bytes {
                    data: b"echo hi\n".to_vec(),
                    mode: 0o755,
                },
            },
        ];
        let bytes = archive("FROM scratch\n", &entries).unwrap();
        assert_eq!(
            names(&bytes),
            [
                "Dockerfile",
                "etc/app/",
                "etc/app/a.txt",
                "etc/app/b.txt",
                "hello.sh"
            ]
        );
        // Deterministic: the same inputs give the same bytes.
        assert_eq!(bytes, archive("FROM scratch\n", &entries).unwrap());
    }
}
