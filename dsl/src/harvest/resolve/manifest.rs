//! The outcome of a resolution: the manifest (path, size, kind, why;
//! text and JSON) and the `COPY --from` lines it renders.

use super::*;
use crate::model::literal;

/// The most sources one generated `COPY` names (see [`Resolution::copy_specs`]).
const COPY_SOURCES: usize = 32;

/// What a resolved harvest copies into the runtime stage: the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolution {
    /// The build stage the files come from.
    pub stage: String,
    /// Every path the runtime stage gets, in the order found.
    pub files: Vec<ManifestEntry>,
    /// Directories copied whole by one `COPY` (so that the links in them
    /// stay links): every entry inside is harvested, and at least one is a
    /// link to a file in the same directory, e.g. `fortunes.u8 -> fortunes`.
    pub whole_directories: Vec<String>,
    /// What was left out and why (a dangling link a package lists, a
    /// library a base package provides).
    pub warnings: Vec<String>,
}

/// One path of a [`Resolution`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestEntry {
    /// The path in the runtime stage.
    pub path: String,
    /// The path in the build stage (the same unless [`Harvest::file`] renames it).
    pub source: String,
    /// Bytes shipped: the file's (its target's, for a link copied as a
    /// file; the link text's, for a link kept), or the sum of a directory's files.
    pub size: u64,
    /// What the source is in the build stage.
    #[serde(flatten)]
    pub kind: EntryKind,
    /// The symbolic links met resolving the source, `link -> target` as written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
    /// Why it is copied.
    pub reason: Reason,
}

/// What a [`ManifestEntry`]'s source is in the build stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A symbolic link to the regular file `target` (canonical path).
    /// Copied as a regular file with the target's content, unless
    /// `kept_as_link`: its directory is copied whole (see
    /// [`Resolution::whole_directories`]), so it stays a link and costs
    /// only its own few bytes ([`ManifestEntry::size`]).
    Symlink {
        /// Where the link chain ends.
        target: String,
        /// The link itself ships.
        kept_as_link: bool,
    },
    /// A directory, copied whole (links inside kept).
    Directory {
        /// Regular files inside.
        files: usize,
    },
}

/// Why a [`ManifestEntry`] is copied. Non-exhaustive: new kinds of
/// declarations bring new reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "why", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// A declared [`Harvest::binary`].
    Binary,
    /// A declared [`Harvest::library`].
    Library,
    /// The dynamic loader (`PT_INTERP`) of `by`.
    Loader {
        /// The binary.
        by: String,
    },
    /// `DT_NEEDED` `library` of `by`.
    NeededBy {
        /// The name asked for.
        library: String,
        /// The object that asks.
        by: String,
    },
    /// The loader's cache, for `library`, found only through `/etc/ld.so.conf`.
    LoaderCache {
        /// The first such library.
        library: String,
    },
    /// Listed by the Debian package [`Harvest::package_files`] names.
    Package {
        /// The package.
        name: String,
    },
    /// Listed by the Debian package `name`, a dependency of `of`, taken
    /// by [`Harvest::package_files_with_dependencies`] (see
    /// [`PackageFiles::dependencies`]).
    Dependency {
        /// The package the file belongs to.
        name: String,
        /// The package that depends on it (the declared one or another dependency).
        of: String,
    },
    /// A declared [`Harvest::path`].
    Path,
    /// A declared [`Harvest::file`].
    File,
    /// Opened, executed or found by the [`Harvest::traced`] run of `command`
    /// (see the `harvest::trace` module).
    Traced {
        /// The traced command, as a shell would read it.
        command: String,
    },
}

impl Reason {
    pub(super) fn describe(&self) -> String {
        match self {
            Reason::Binary => "binary".to_string(),
            Reason::Library => "library".to_string(),
            Reason::Loader { by } => format!("loader of {by}"),
            Reason::NeededBy { library, by } => format!("{library} needed by {by}"),
            Reason::LoaderCache { library } => {
                format!("loader cache: {library} is found through /etc/ld.so.conf")
            }
            Reason::Package { name } => format!("package {name}"),
            Reason::Dependency { name, of } => format!("package {name} (dependency of {of})"),
            Reason::Path => "path".to_string(),
            Reason::File => "file".to_string(),
            Reason::Traced { command } => format!("traced: {command}"),
        }
    }
}

impl Resolution {
    /// The shared libraries and loaders of the closures (what `ldd` would list).
    pub fn libraries(&self) -> usize {
        self.files
            .iter()
            .filter(|e| matches!(e.reason, Reason::NeededBy { .. } | Reason::Loader { .. }))
            .count()
    }

    /// The bytes the runtime stage gets.
    pub fn total_size(&self) -> u64 {
        self.files.iter().map(|e| e.size).sum()
    }

    /// The `COPY --from=<from>` instructions, sorted by destination: one
    /// per directory (per 32 files) with every file copied into it under its own name,
    /// one per directory copied whole, one per renamed file.
    ///
    /// `from` must be the build stage the resolution was made in.
    ///
    /// The paths are the stage's real file names: each is written as a
    /// [`literal`] value, so a `$` in a name is not read as a variable.
    pub fn copy_specs(&self, from: &impl StageSource) -> Vec<CopySpec> {
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut copies: Vec<(String, CopySpec)> = Vec::new();
        for dir in &self.whole_directories {
            let dir = format!("{dir}/");
            copies.push((
                dir.clone(),
                CopySpec::new([literal(&dir)], literal(&dir)).from(from),
            ));
        }
        for entry in &self.files {
            if entry.path == entry.source
                && !matches!(entry.kind, EntryKind::Directory { .. })
                && self
                    .whole_directories
                    .iter()
                    .any(|dir| dir == parent(&entry.path))
            {
                continue;
            }
            match entry.kind {
                EntryKind::Directory { .. } => {
                    let dir = |p: &str| {
                        if p == "/" {
                            "/".to_string()
                        } else {
                            format!("{p}/")
                        }
                    };
                    copies.push((
                        dir(&entry.path),
                        CopySpec::new([literal(&dir(&entry.source))], literal(&dir(&entry.path)))
                            .from(from),
                    ));
                }
                _ if file_name(&entry.source) == file_name(&entry.path) => {
                    let dir = parent(&entry.path);
                    let dir = if dir == "/" {
                        "/".to_string()
                    } else {
                        format!("{dir}/")
                    };
                    groups.entry(dir).or_default().push(literal(&entry.source));
                }
                _ => copies.push((
                    entry.path.clone(),
                    CopySpec::new([literal(&entry.source)], literal(&entry.path)).from(from),
                )),
            }
        }
        for (dir, mut sources) in groups {
            sources.sort();
            // At most COPY_SOURCES a line: BuildKit 0.8 fails a file op of
            // many actions at random ("flightcontrol: exceeded retry
            // timeout", moby/buildkit#1822; 260 gconv modules did here).
            for chunk in sources.chunks(COPY_SOURCES) {
                copies.push((
                    dir.clone(),
                    CopySpec::new(chunk.to_vec(), literal(&dir)).from(from),
                ));
            }
        }
        copies.sort_by(|a, b| a.0.cmp(&b.0));
        copies.into_iter().map(|(_, spec)| spec).collect()
    }

    /// The manifest as an aligned table: path (`-> target` for a link,
    /// `/` after a directory), size, why; then the totals.
    pub fn to_text(&self) -> String {
        let rows: Vec<[String; 3]> = self
            .files
            .iter()
            .map(|entry| {
                let path = match &entry.kind {
                    EntryKind::File => entry.path.clone(),
                    EntryKind::Symlink {
                        target,
                        kept_as_link: true,
                    } => format!("{} -> {target} (link)", entry.path),
                    EntryKind::Symlink { target, .. } => format!("{} -> {target}", entry.path),
                    EntryKind::Directory { files } => {
                        format!("{}/ ({files} files)", entry.path.trim_end_matches('/'))
                    }
                };
                let path = if entry.source != entry.path {
                    format!("{path} (from {})", entry.source)
                } else {
                    path
                };
                [path, human(entry.size), entry.reason.describe()]
            })
            .collect();
        let header = ["PATH".to_string(), "SIZE".to_string(), "WHY".to_string()];
        let width = |i: usize| {
            rows.iter()
                .chain(std::iter::once(&header))
                .map(|row| row[i].chars().count())
                .max()
                .unwrap_or(0)
        };
        let (w0, w1) = (width(0), width(1));
        let mut out = String::new();
        for row in std::iter::once(&header).chain(rows.iter()) {
            out.push_str(&format!("{:<w0$}  {:>w1$}  {}\n", row[0], row[1], row[2]));
        }
        out.push_str(&format!(
            "{} paths, {} libraries, {} from stage {:?}\n",
            self.files.len(),
            self.libraries(),
            human(self.total_size()),
            self.stage
        ));
        for warning in &self.warnings {
            out.push_str(&format!("warning: {warning}\n"));
        }
        out
    }

    /// The manifest as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// `27 B`, `27.1 kB`, `1.94 MB` (decimal units, as Docker shows sizes).
fn human(bytes: u64) -> String {
    if bytes < 1000 {
        format!("{bytes} B")
    } else if bytes < 1_000_000 {
        format!("{:.1} kB", bytes as f64 / 1000.0)
    } else {
        crate::report::megabytes(bytes)
    }
}

impl<S: ShellKind, N> StageBuilder<'_, S, N> {
    /// Adds the `COPY --from=<build>` lines of a [`Resolution`] made in
    /// stage `build` ([`Resolution::copy_specs`]).
    pub fn copy_resolved(self, build: &impl StageSource, resolution: &Resolution) -> Self {
        resolution
            .copy_specs(build)
            .into_iter()
            .fold(self, |stage, spec| stage.copy_spec(spec))
    }
}
