//! Reading a catalogue from a directory tree.
//!
//! The rules are documented on [`Catalogue::from_dir`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Catalogue, CatalogueError, CatalogueImage, Serve, Smoke};

/// The file name of a catalogue manifest.
pub const MANIFEST_NAME: &str = "catalogue.toml";

/// Directories never searched for Dockerfiles.
const SKIPPED_DIRS: &[&str] = &["target", "node_modules"];

pub(crate) fn read(root: &Path) -> Result<Catalogue, CatalogueError> {
    let mut dockerfiles = Vec::new();
    let mut manifests = Vec::new();
    walk(root, &mut dockerfiles, &mut manifests)?;
    let overrides = read_manifests(root, &manifests)?;
    let mut catalogue = Catalogue::new();
    for path in dockerfiles {
        let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        let generated = Generated::from_path(root, &relative, overrides.prefix.as_deref());
        let entry = overrides.images.get(&path);
        if entry.is_some_and(|entry| entry.skip) {
            continue;
        }
        let name = entry
            .and_then(|entry| entry.name.clone())
            .unwrap_or(generated.name);
        let mut image = CatalogueImage::from_file(name, &path)?;
        let tags = match entry.map(|entry| &entry.tags) {
            Some(tags) if !tags.is_empty() => tags.clone(),
            _ => vec![generated.tag],
        };
        image = image.tags_replaced(tags);
        if let Some(entry) = entry {
            if let Some(context) = &entry.context {
                image = image.context_dir(context.clone());
            }
            if let Some(target) = &entry.target {
                image = image.target(target.clone());
            }
            for (name, value) in &entry.args {
                image = image.build_arg(name.clone(), value.clone());
            }
            if let Some(smoke) = &entry.smoke {
                image = image.smoke(smoke.clone());
            }
            if let Some(serve) = &entry.serve {
                image = image.serve(serve.clone());
            }
        }
        catalogue.add(image)?;
    }
    Ok(catalogue)
}

fn walk(
    dir: &Path,
    dockerfiles: &mut Vec<PathBuf>,
    manifests: &mut Vec<PathBuf>,
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
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let path = entry.path();
        let kind = entry.file_type().map_err(|source| CatalogueError::Read {
            path: path.clone(),
            source,
        })?;
        if kind.is_dir() {
            if !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_ref()) {
                walk(&path, dockerfiles, manifests)?;
            }
        } else if name == MANIFEST_NAME {
            manifests.push(path);
        } else if is_dockerfile(&name) {
            dockerfiles.push(path);
        }
    }
    Ok(())
}

/// A file a tree gives meaning to, left out of the build context: a
/// Dockerfile (the one built is sent on its own) or a manifest.
#[cfg_attr(not(feature = "catalogue"), allow(dead_code))]
pub(crate) fn is_catalogue_file(name: &str) -> bool {
    is_dockerfile(name) || name == MANIFEST_NAME
}

fn is_dockerfile(name: &str) -> bool {
    name == "Dockerfile"
        || name
            .strip_prefix("Dockerfile.")
            .is_some_and(|v| !v.is_empty())
}

/// The name and tag a Dockerfile gets from its path.
struct Generated {
    name: String,
    tag: String,
}

impl Generated {
    fn from_path(root: &Path, relative: &Path, prefix: Option<&str>) -> Generated {
        let file = relative
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let variant = file.strip_prefix("Dockerfile.").map(str::to_string);
        let mut dirs: Vec<String> = relative
            .parent()
            .into_iter()
            .flat_map(|parent| parent.components())
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if dirs.is_empty() {
            let root_name = root
                .canonicalize()
                .ok()
                .and_then(|r| r.file_name().map(|f| f.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "image".to_string());
            dirs.push(root_name);
        }
        let mut name = dirs.join("/");
        let (repository, mut tag) = if dirs.len() == 1 {
            (dirs[0].clone(), "latest".to_string())
        } else {
            let tag = dirs.pop().unwrap_or_default();
            (dirs.join("/"), tag)
        };
        if let Some(variant) = &variant {
            name = format!("{name}.{variant}");
            tag = if tag == "latest" {
                variant.clone()
            } else {
                format!("{tag}-{variant}")
            };
        }
        let repository = match prefix {
            Some(prefix) if !prefix.is_empty() => {
                format!("{}/{repository}", prefix.trim_end_matches('/'))
            }
            _ => repository,
        };
        Generated {
            name,
            tag: format!("{repository}:{tag}").to_lowercase(),
        }
    }
}

/// What the manifests say, by absolute Dockerfile path.
#[derive(Default)]
struct Overrides {
    prefix: Option<String>,
    images: BTreeMap<PathBuf, Entry>,
}

/// One `[images."<path>"]` table of a manifest.
#[derive(Debug, Default, Clone)]
#[cfg_attr(feature = "catalogue-toml", derive(serde::Deserialize))]
#[cfg_attr(feature = "catalogue-toml", serde(deny_unknown_fields, default))]
struct Entry {
    name: Option<String>,
    tags: Vec<String>,
    target: Option<String>,
    context: Option<PathBuf>,
    args: BTreeMap<String, String>,
    smoke: Option<Smoke>,
    serve: Option<Serve>,
    skip: bool,
}

#[cfg(feature = "catalogue-toml")]
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Manifest {
    prefix: Option<String>,
    images: BTreeMap<String, Entry>,
}

#[cfg(not(feature = "catalogue-toml"))]
fn read_manifests(_root: &Path, manifests: &[PathBuf]) -> Result<Overrides, CatalogueError> {
    match manifests.first() {
        None => Ok(Overrides::default()),
        Some(path) => Err(CatalogueError::Manifest {
            path: path.clone(),
            message: "reading catalogue manifests needs stagecraft's feature `catalogue-toml`"
                .into(),
        }),
    }
}

#[cfg(feature = "catalogue-toml")]
fn read_manifests(root: &Path, manifests: &[PathBuf]) -> Result<Overrides, CatalogueError> {
    let mut manifests = manifests.to_vec();
    // Shallow first, so a deeper manifest's entry replaces the root's.
    manifests.sort_by_key(|path| path.components().count());
    let mut overrides = Overrides::default();
    for path in manifests {
        let text = std::fs::read_to_string(&path).map_err(|source| CatalogueError::Read {
            path: path.clone(),
            source,
        })?;
        let manifest: Manifest =
            toml::from_str(&text).map_err(|error| CatalogueError::Manifest {
                path: path.clone(),
                message: error.to_string().trim_end().to_string(),
            })?;
        let dir = path.parent().unwrap_or(root);
        if manifest.prefix.is_some() {
            if dir != root {
                return Err(CatalogueError::Manifest {
                    path: path.clone(),
                    message: "`prefix` is read from the root's manifest only".into(),
                });
            }
            overrides.prefix = manifest.prefix;
        }
        for (file, mut entry) in manifest.images {
            let dockerfile = dir.join(&file);
            if !dockerfile.is_file() {
                return Err(CatalogueError::Manifest {
                    path: path.clone(),
                    message: format!(
                        "[images.{file:?}] names no Dockerfile ({} is not a file)",
                        dockerfile.display()
                    ),
                });
            }
            entry.context = entry.context.map(|context| dir.join(context));
            overrides.images.insert(dockerfile, entry);
        }
    }
    Ok(overrides)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(relative: &str, prefix: Option<&str>) -> (String, String) {
        let generated = Generated::from_path(Path::new("/nowhere"), Path::new(relative), prefix);
        (generated.name, generated.tag)
    }

    #[test]
    fn tags_come_from_the_path() {
        assert_eq!(
            tag("base/Dockerfile", None),
            ("base".into(), "base:latest".into())
        );
        assert_eq!(
            tag("tools/Samtools/1.17/Dockerfile", Some("site/")),
            (
                "tools/Samtools/1.17".into(),
                "site/tools/samtools:1.17".into()
            )
        );
        assert_eq!(
            tag("py/3.11/Dockerfile.slim", None),
            ("py/3.11.slim".into(), "py:3.11-slim".into())
        );
        assert_eq!(
            tag("py/Dockerfile.dev", None),
            ("py.dev".into(), "py:dev".into())
        );
    }

    #[test]
    fn only_dockerfiles_count() {
        assert!(is_dockerfile("Dockerfile"));
        assert!(is_dockerfile("Dockerfile.cuda"));
        assert!(!is_dockerfile("Dockerfile."));
        assert!(!is_dockerfile("README.md"));
    }
}
