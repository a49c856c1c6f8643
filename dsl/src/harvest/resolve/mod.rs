//! The *resolved* harvest strategy (feature `engine`); documented on
//! [`resolve`], the entry point.

mod elf;
mod error;
mod export;
mod fs;
mod ldso;
mod manifest;
mod partial;
mod walk;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use thiserror::Error;

use self::elf::ElfInfo;
pub use self::error::{MissingLibrary, ResolveError};
pub use self::fs::StageFs;
use self::fs::{Found, LookupError, Node};
pub use self::manifest::{EntryKind, ManifestEntry, Reason, Resolution};
pub use self::partial::Fetched;
use super::dpkg::{DpkgStatus, STATUS_FILE};
use super::path::{clean, file_name, parent};
use super::{Declared, Harvest, HarvestError, PackageFiles};
use crate::engine::archive::StreamRead;
use crate::engine::{BuildOptions, Engine, EngineError};
use crate::stage::{CopySpec, ShellKind, StageBuilder, StageSource};
use crate::Dockerfile;

/// The label on the (never started) containers made to export a stage.
pub const EXPORT_LABEL: &str = "stagecraft.harvest-export";

/// The documentation a [`Harvest::package_files`] leaves out.
const DOC_DIRS: [&str; 4] = [
    "/usr/share/doc/",
    "/usr/share/man/",
    "/usr/share/info/",
    "/usr/share/lintian/",
];

/// The *resolved* harvest strategy (feature `engine`): builds `build_stage`
/// of `dockerfile` (`options` with `--target`, so only that stage), reads its
/// filesystem, resolves what `harvest` declares in Rust, and returns the
/// manifest, which renders explicit, reviewable `COPY --from` lines like the
/// workshop's hand-written answers.
///
/// Nothing of the build stage is ever executed, on the host or in a
/// container:
///
/// 1. [`resolve`] builds the stage (`--target`) and indexes the parts of
///    its filesystem the harvest needs with [`StageFs::export_for`]: a few
///    containers of its image (never started) are read in parallel through
///    the Engine API's archive endpoint, in rounds, until resolving the
///    harvest asks nothing the index lacks. The [`StageFs`] index holds each
///    path read (directory, file and size, symbolic link and target) with
///    the loader-relevant ELF data of every ELF file (read with the `object`
///    crate) and the text of `/etc/ld.so.conf*`,
///    `/var/lib/dpkg/info/*.list` and `/var/lib/dpkg/status`. Other
///    contents are streamed past; nothing is written to disk.
///    ([`StageFs::export`] indexes the whole filesystem, `docker export`.)
/// 2. [`StageFs::resolve`] follows each declared binary's `PT_INTERP` (the
///    dynamic loader) and `DT_NEEDED` breadth first, searching like `ld.so`:
///    a name with a `/` is a path; a name an already loaded object has as
///    its `DT_SONAME` (the loader's included) is not searched again; else the
///    `DT_RPATH` of the requesting object and of the objects that loaded it
///    (only when the requesting object has no `DT_RUNPATH`), then its
///    `DT_RUNPATH` (`$ORIGIN`, `$LIB`, `$PLATFORM` expanded), then the
///    directories of `/etc/ld.so.conf` (its `include` lines followed), then
///    the default directories (`/lib/<multiarch>`, `/usr/lib/<multiarch>`,
///    `/lib`, `/usr/lib`, `/lib64`, `/usr/lib64`). `LD_LIBRARY_PATH` is
///    ignored, as it is unset in a runtime image. A candidate of another ELF
///    class or machine is skipped, as `ld.so` does. Symbolic links are
///    resolved inside the stage's filesystem, loops detected.
/// 3. [`Resolution`] is the manifest: every path the runtime stage gets,
///    its size, and why ([`Reason`]); [`Resolution::to_text`] and
///    [`Resolution::to_json`] print it, [`StageBuilder::copy_resolved`]
///    adds the `COPY --from` lines, one per directory with all its files.
///
/// ## Symbolic links
///
/// `COPY --from` follows a symbolic link given as a source, so a link
/// becomes a regular file holding its target's content: a `COPY` line cannot
/// create a link. The resolution therefore copies each library **to the path
/// the loader asks for** (e.g. `/lib/x86_64-linux-gnu/librecode.so.0`, the
/// `DT_NEEDED` name in the directory where the search found it), and the
/// link's target (`librecode.so.0.0.0`) is not copied a second time: no byte
/// ships twice, and the loader finds every name it looks for. The manifest
/// keeps the chain ([`ManifestEntry::links`], [`EntryKind::Symlink`]), and
/// directory links met on the way (`/lib -> usr/lib` on merged-/usr
/// systems) become real directories in a `scratch` stage.
///
/// A `COPY` of a *directory* keeps the links inside it. So a declared
/// [`path`](Harvest::path) that is a directory is copied whole, and so is a
/// directory whose every entry is harvested when one of them is a link to a
/// file beside it (`fortunes.u8 -> fortunes`, listed by `fortunes-min`):
/// the link stays a link ([`Resolution::whole_directories`]), and the
/// resolved fortune image is no bigger than the hand-listed one. When every
/// link must stay a link, use the self-contained strategy
/// ([`DockerfileBuilder::harvest`](crate::DockerfileBuilder::harvest)).
///
/// A library that only the `/etc/ld.so.conf` directories find (not the
/// default ones) is found at run time through the loader's cache, so
/// `/etc/ld.so.cache` is harvested too ([`Reason::LoaderCache`]).
///
/// ```no_run
/// use stagecraft::engine::{blocking::Engine, BuildOptions};
/// use stagecraft::harvest::Harvest;
/// use stagecraft::packages::Apt;
/// use stagecraft::{scratch, Dockerfile, StageRef, WithShell};
///
/// fn dockerfile(resolution: Option<&stagecraft::harvest::Resolution>) -> Dockerfile {
///     let mut df = Dockerfile::builder();
///     let build: StageRef<WithShell> = df
///         .stage("build", "debian:bookworm-slim")
///         .install(Apt::install(["fortune-mod", "fortunes-min"]))
///         .done();
///     if let Some(resolution) = resolution {
///         df.anonymous_stage(scratch())
///             .copy_resolved(&build, resolution)
///             .entrypoint(["/usr/games/fortune"]);
///     }
///     df.build().unwrap()
/// }
///
/// let harvest = Harvest::new()
///     .binary("/usr/games/fortune")
///     .package_files("fortunes-min");
/// let engine = Engine::connect()?;
/// let resolution = engine.resolve(&dockerfile(None), "build", &harvest, &BuildOptions::new())?;
/// print!("{}", resolution.to_text());
/// print!("{}", dockerfile(Some(&resolution)).render());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// An invalid declaration, a failed build or export, and every
/// [`ResolveError`] of [`StageFs::resolve`], all before a runtime image is built.
pub async fn resolve(
    engine: &Engine,
    dockerfile: &Dockerfile,
    build_stage: &str,
    harvest: &Harvest,
    options: &BuildOptions,
) -> Result<Resolution, ResolveError> {
    harvest.calls()?;
    harvest.except()?;
    let built = engine
        .build(dockerfile, &options.clone().target(build_stage))
        .await
        .map_err(|source| ResolveError::Build {
            stage: build_stage.to_string(),
            source: Box::new(source),
        })?;
    let fs = StageFs::export_for(engine, &built.image_id, build_stage, harvest).await?;
    fs.resolve(harvest)
}

impl StageFs {
    /// Resolves `harvest` in this filesystem: pure computation on the index,
    /// see [`resolve`].
    ///
    /// # Errors
    ///
    /// Every declaration is checked: a path that does not exist, a binary
    /// that is not ELF, a symbolic link loop, a package that is not
    /// installed; libraries not found are collected over all closures and
    /// reported together in [`ResolveError::MissingLibraries`].
    ///
    /// On an index made by [`StageFs::export_for`] for another harvest,
    /// [`ResolveError::Incomplete`] when this one asks about paths it lacks.
    pub fn resolve(&self, harvest: &Harvest) -> Result<Resolution, ResolveError> {
        self.take_needs();
        let resolution = self.resolve_on_index(harvest);
        let lacks = self.take_needs();
        if !lacks.is_empty() {
            return Err(ResolveError::Incomplete {
                stage: self.stage.clone(),
                lacks: lacks
                    .into_iter()
                    .map(|need| match need {
                        fs::Need::Stat(path) | fs::Need::Fetch(path) => path,
                    })
                    .collect(),
            });
        }
        resolution
    }

    /// [`StageFs::resolve`] on what the index has; on a partial index, what
    /// it lacked is recorded (see [`partial`]).
    pub(crate) fn resolve_on_index(&self, harvest: &Harvest) -> Result<Resolution, ResolveError> {
        harvest.calls()?;
        let except = harvest.except()?;
        let mut resolver = Resolver {
            fs: self,
            conf_dirs: self.conf_dirs(),
            except: HashMap::new(),
            files: Vec::new(),
            seen: HashMap::new(),
            missing: Vec::new(),
            warnings: Vec::new(),
            cache_for: None,
            process: HashSet::new(),
        };
        let (excepted, not_installed) = self.excepted_paths(&except);
        resolver.except = excepted;
        resolver.warnings.extend(not_installed);
        // Binaries first: a declared library is dlopen'ed into their process,
        // where what they loaded (the loader, libc) is found by name.
        let (binaries, others): (Vec<&Declared>, Vec<&Declared>) = harvest
            .declared
            .iter()
            .partition(|declared| matches!(declared, Declared::Binary(_)));
        for declared in binaries.into_iter().chain(others) {
            match declared {
                Declared::Binary(path) => resolver.closure("binary", path)?,
                Declared::Library(path) => resolver.closure("library", path)?,
                Declared::Package(files) => resolver.package_files(files, &except)?,
                Declared::Path(path) => resolver.path(path)?,
                Declared::File {
                    source,
                    destination,
                } => resolver.file(source, destination)?,
                // Refused by `harvest.calls()` above; `trace` resolves what the run touched.
                Declared::Traced(_) => {}
            }
        }
        if !resolver.missing.is_empty() {
            return Err(ResolveError::MissingLibraries {
                stage: self.stage.clone(),
                missing: resolver.missing,
            });
        }
        if let Some(library) = resolver.cache_for.take() {
            match self.lookup("/etc/ld.so.cache", true) {
                Ok(found) => {
                    let size = self.file(&found.path).map_or(0, |f| f.0);
                    resolver.add(
                        "/etc/ld.so.cache",
                        "/etc/ld.so.cache",
                        &found,
                        size,
                        Reason::LoaderCache { library },
                    );
                }
                Err(_) => resolver.warnings.push(format!(
                    "{library} is found only through /etc/ld.so.conf, but stage {:?} has no \
                     /etc/ld.so.cache: add its directory to the runtime's search path",
                    self.stage
                )),
            }
        }
        let files = resolver.finish();
        let (files, whole_directories) = self.whole_directories(files);
        Ok(Resolution {
            stage: self.stage.clone(),
            files,
            whole_directories,
            warnings: resolver.warnings,
        })
    }

    /// Finds the directories to copy whole: every entry of the directory is
    /// harvested at its own path, none is a directory, and at least one is a
    /// link to a file in the same directory (which a `COPY` of the link
    /// alone would duplicate). Marks those links kept.
    fn whole_directories(
        &self,
        mut files: Vec<ManifestEntry>,
    ) -> (Vec<ManifestEntry>, Vec<String>) {
        let mut by_dir: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (index, entry) in files.iter().enumerate() {
            if entry.path == entry.source && !matches!(entry.kind, EntryKind::Directory { .. }) {
                by_dir
                    .entry(parent(&entry.path).to_string())
                    .or_default()
                    .push(index);
            }
        }
        let mut whole = Vec::new();
        for (dir, indexes) in by_dir {
            if dir == "/" {
                continue;
            }
            let Ok(canonical) = self.lookup(&dir, true) else {
                continue;
            };
            let names: HashSet<&str> = indexes.iter().map(|&i| file_name(&files[i].path)).collect();
            let inner_link = |entry: &ManifestEntry| matches!(&entry.kind, EntryKind::Symlink { target, .. } if parent(target) == canonical.path);
            let links_inside = indexes.iter().all(|&i| match &files[i].kind {
                EntryKind::Symlink { target, .. } => parent(target) == canonical.path,
                _ => true,
            });
            // Decided without listing the directory where possible (a
            // partial index would have to read it whole): a link to a file
            // beside it that is not harvested is an entry not harvested.
            let target_left_out = indexes.iter().any(|&i| {
                matches!(&files[i].kind, EntryKind::Symlink { target, .. } if !names.contains(file_name(target)))
            });
            if !links_inside || target_left_out || !indexes.iter().any(|&i| inner_link(&files[i])) {
                continue;
            }
            let children: Vec<&str> = self.children(&canonical.path).collect();
            let complete = children.len() == names.len()
                && children.iter().all(|child| {
                    names.contains(child) && !self.is_dir(&format!("{}/{child}", canonical.path))
                });
            if !complete {
                continue;
            }
            for &i in &indexes {
                let entry = &mut files[i];
                if let EntryKind::Symlink { kept_as_link, .. } = &mut entry.kind {
                    *kept_as_link = true;
                    let path = format!("{}/{}", canonical.path, file_name(&entry.path));
                    if let Some(Node::Symlink(text)) = self.node(&path) {
                        entry.size = text.len() as u64;
                    }
                }
            }
            whole.push(dir);
        }
        (files, whole)
    }

    /// The text of the package's `dpkg` file list, under any architecture qualifier.
    /// The files (canonical paths) of the packages of `except`, each with
    /// its package, and a warning for each of them that is not installed.
    pub(crate) fn excepted_paths(
        &self,
        except: &[String],
    ) -> (HashMap<String, String>, Vec<String>) {
        let mut paths = HashMap::new();
        let mut warnings = Vec::new();
        for name in except {
            match self.package_list(name) {
                Some(list) => {
                    for line in list.lines() {
                        if let Ok(found) = self.lookup(line.trim_end(), true) {
                            paths.insert(found.path, name.clone());
                        }
                    }
                }
                None => warnings.push(format!(
                    "except_packages: {name} is not installed in stage {:?}",
                    self.stage
                )),
            }
        }
        (paths, warnings)
    }

    fn package_list(&self, name: &str) -> Option<&str> {
        let dir = "/var/lib/dpkg/info";
        let plain = format!("{dir}/{name}.list");
        if let Some((_, _, Some(text))) = self.file(&plain) {
            return Some(text);
        }
        let qualified = format!("{name}:");
        let found = self
            .children(dir)
            .find(|child| child.starts_with(&qualified) && child.ends_with(".list"))?;
        self.file(&format!("{dir}/{found}")).and_then(|f| f.2)
    }
}

pub(super) struct Resolver<'f> {
    fs: &'f StageFs,
    conf_dirs: Vec<String>,
    /// Canonical paths the runtime base provides, with their package.
    except: HashMap<String, String>,
    files: Vec<ManifestEntry>,
    /// Runtime path -> index in `files`.
    seen: HashMap<String, usize>,
    missing: Vec<MissingLibrary>,
    warnings: Vec<String>,
    /// The first library found only through `/etc/ld.so.conf`.
    cache_for: Option<String>,
    /// The names the declared binaries' closures loaded (their process).
    process: HashSet<String>,
}

impl<'f> Resolver<'f> {
    pub(super) fn stage(&self) -> String {
        self.fs.stage.clone()
    }

    /// Resolves a declared path, mapping failures to typed errors.
    pub(super) fn lookup(&self, what: &'static str, path: &str) -> Result<Found, ResolveError> {
        self.fs.lookup(path, true).map_err(|error| match error {
            LookupError::NotFound(missing) => ResolveError::NotFound {
                what,
                path: path.to_string(),
                missing,
                stage: self.stage(),
            },
            LookupError::Loop => ResolveError::SymlinkLoop {
                what,
                path: path.to_string(),
                stage: self.stage(),
            },
        })
    }

    /// [`lookup`](Self::lookup), refusing a path that resolves to one no
    /// strategy harvests ([`super::path::refusal`]).
    pub(super) fn lookup_harvestable(
        &self,
        what: &'static str,
        path: &str,
    ) -> Result<Found, ResolveError> {
        let found = self.lookup(what, path)?;
        match super::path::refusal(&found.path) {
            None => Ok(found),
            Some(reason) => Err(ResolveError::Refused {
                what,
                path: path.to_string(),
                resolved: found.path,
                reason,
                stage: self.stage(),
            }),
        }
    }

    /// Records that `path` (runtime) is copied from `source`, resolved as `found`.
    pub(super) fn add(
        &mut self,
        path: &str,
        source: &str,
        found: &Found,
        size: u64,
        reason: Reason,
    ) {
        if self.seen.contains_key(path) {
            return;
        }
        let kind = if self.fs.is_dir(&found.path) {
            EntryKind::Directory {
                files: self.fs.tree_size(&found.path).0,
            }
        } else {
            let last_is_link = self
                .fs
                .lookup(source, false)
                .ok()
                .and_then(|f| self.fs.node(&f.path).cloned());
            match last_is_link {
                Some(Node::Symlink(_)) => EntryKind::Symlink {
                    target: found.path.clone(),
                    kept_as_link: false,
                },
                _ => EntryKind::File,
            }
        };
        self.seen.insert(path.to_string(), self.files.len());
        self.files.push(ManifestEntry {
            path: path.to_string(),
            source: source.to_string(),
            size,
            kind,
            links: found
                .links
                .iter()
                .map(|(link, target)| format!("{link} -> {target}"))
                .collect(),
            reason,
        });
    }

    /// A [`PackageFiles`] declaration: the package's files, then those of
    /// its dependencies when asked for (the walk ending at `except`).
    pub(super) fn package_files(
        &mut self,
        files: &PackageFiles,
        except: &[String],
    ) -> Result<(), ResolveError> {
        let name = files.name.as_str();
        self.package(
            name,
            files.docs,
            Reason::Package {
                name: name.to_string(),
            },
        )?;
        if !files.dependencies {
            return Ok(());
        }
        let status = match self.fs.lookup(STATUS_FILE, true) {
            Ok(found) => match self.fs.file(&found.path) {
                Some((_, _, Some(text))) => DpkgStatus::parse(text),
                _ => DpkgStatus::default(),
            },
            Err(_) => DpkgStatus::default(),
        };
        if !status.is_installed(name) {
            return Err(ResolveError::NotFound {
                what: "package database",
                path: STATUS_FILE.to_string(),
                missing: format!("{STATUS_FILE} entry of an installed {name}"),
                stage: self.stage(),
            });
        }
        let pulled = status.closure(name, except).map_err(|unsatisfied| {
            ResolveError::DependencyNotInstalled {
                package: name.to_string(),
                dependency: unsatisfied.dependency,
                of: unsatisfied.package,
                stage: self.stage(),
            }
        })?;
        for dependency in pulled {
            self.package(
                &dependency.name,
                files.docs,
                Reason::Dependency {
                    name: dependency.name.clone(),
                    of: dependency.of,
                },
            )?;
        }
        Ok(())
    }

    /// What `/var/lib/dpkg/info/<name>.list` lists, directories left to
    /// `COPY` to create, each with `reason`.
    pub(super) fn package(
        &mut self,
        name: &str,
        docs: bool,
        reason: Reason,
    ) -> Result<(), ResolveError> {
        let list = self
            .fs
            .package_list(name)
            .ok_or_else(|| ResolveError::PackageNotInstalled {
                name: name.to_string(),
                stage: self.stage(),
            })?;
        for line in list.lines() {
            let path = line.trim_end();
            if !path.starts_with('/') || path == "/." {
                continue;
            }
            if !docs && DOC_DIRS.iter().any(|dir| path.starts_with(dir)) {
                continue;
            }
            let path = clean(path);
            let listed = match self.fs.lookup(&path, false) {
                Ok(found) => found,
                Err(LookupError::NotFound(_)) => {
                    self.warnings.push(format!(
                        "package {name} lists {path}, which stage {:?} does not have",
                        self.fs.stage
                    ));
                    continue;
                }
                Err(LookupError::Loop) => {
                    return Err(ResolveError::SymlinkLoop {
                        what: "package file",
                        path,
                        stage: self.stage(),
                    })
                }
            };
            if self.fs.is_dir(&listed.path) {
                continue;
            }
            let found = match self.fs.lookup(&path, true) {
                Ok(found) => found,
                Err(LookupError::NotFound(_)) => {
                    self.warnings.push(format!(
                        "package {name}: {path} is a dangling symbolic link, left out"
                    ));
                    continue;
                }
                Err(LookupError::Loop) => {
                    return Err(ResolveError::SymlinkLoop {
                        what: "package file",
                        path,
                        stage: self.stage(),
                    })
                }
            };
            if self.fs.is_dir(&found.path) {
                // A directory link the package lists files under (`/lib` on
                // merged-/usr systems) is a directory to it: nothing to say.
                let under = format!("{path}/");
                if !list.lines().any(|line| line.starts_with(&under)) {
                    self.warnings.push(format!(
                        "package {name}: {path} is a link to the directory {}, left out (declare it with path())",
                        found.path
                    ));
                }
                continue;
            }
            let size = self.fs.file(&found.path).map_or(0, |f| f.0);
            self.add(&path, &path, &found, size, reason.clone());
        }
        Ok(())
    }

    /// `path(p)`: a file, or a directory copied whole.
    pub(super) fn path(&mut self, declared: &str) -> Result<(), ResolveError> {
        let path = clean(declared);
        let found = self.lookup_harvestable("path", &path)?;
        let size = if self.fs.is_dir(&found.path) {
            self.fs.tree_size(&found.path).1
        } else {
            self.fs.file(&found.path).map_or(0, |f| f.0)
        };
        self.add(&path, &path, &found, size, Reason::Path);
        Ok(())
    }

    /// `file(source, destination)`.
    pub(super) fn file(&mut self, source: &str, destination: &str) -> Result<(), ResolveError> {
        let source = clean(source);
        let found = self.lookup_harvestable("file source", &source)?;
        let size = if self.fs.is_dir(&found.path) {
            self.fs.tree_size(&found.path).1
        } else {
            self.fs.file(&found.path).map_or(0, |f| f.0)
        };
        self.add(&clean(destination), &source, &found, size, Reason::File);
        Ok(())
    }

    /// The entries, without the files a declared directory copies anyway.
    pub(super) fn finish(&mut self) -> Vec<ManifestEntry> {
        let dirs: Vec<String> = self
            .files
            .iter()
            .filter(|e| matches!(e.kind, EntryKind::Directory { .. }) && e.path == e.source)
            .map(|e| format!("{}/", e.path.trim_end_matches('/')))
            .collect();
        std::mem::take(&mut self.files)
            .into_iter()
            .filter(|e| {
                matches!(e.kind, EntryKind::Directory { .. })
                    || e.path != e.source
                    || !dirs.iter().any(|dir| e.path.starts_with(dir.as_str()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::fs::tests::tar_of;
    use super::ldso::wildcard;
    use super::*;

    fn stage() -> StageFs {
        let tar = tar_of(&[
            ("usr/games", "dir"),
            ("usr/games/script", "file:#!/bin/sh\necho hi\n"),
            ("usr/share/games/fortunes/fortunes", "file:a fortune\n%\n"),
            ("usr/share/games/fortunes/fortunes.u8", "link:fortunes"),
            ("usr/share/doc/fortunes-min/copyright", "file:(c)"),
            ("loop/a", "link:b"),
            ("loop/b", "link:a"),
            (
                "var/lib/dpkg/info/fortunes-min.list",
                "file:/.\n/usr\n/usr/share\n/usr/share/games/fortunes\n\
                 /usr/share/games/fortunes/fortunes\n/usr/share/games/fortunes/fortunes.u8\n\
                 /usr/share/doc/fortunes-min/copyright\n/usr/share/doc/fortunes-min/gone\n",
            ),
            ("etc/ld.so.conf", "file:include /etc/ld.so.conf.d/*.conf\n"),
            ("etc/ld.so.conf.d/a.conf", "file:# comment\n/opt/a/lib\n"),
            ("etc/ld.so.conf.d/b.conf", "file:/usr/local/lib:/opt/b\n"),
            ("etc/ld.so.conf.d/skip.txt", "file:/nope\n"),
            ("etc/localtime", "link:/usr/share/zoneinfo/UTC"),
            ("usr/share/zoneinfo/UTC", "file:TZif"),
        ]);
        StageFs::from_tar(&tar[..], "build").unwrap()
    }

    #[test]
    fn reads_ld_so_conf_with_includes() {
        assert_eq!(
            stage().conf_dirs(),
            ["/opt/a/lib", "/usr/local/lib", "/opt/b"]
        );
        assert!(wildcard(b"*.conf", b"libc.conf"));
        assert!(!wildcard(b"*.conf", b"libc.conf.bak"));
    }

    /// A hostile `/etc/ld.so.conf`: files that include their whole
    /// directory and themselves, and a pattern that made the old matcher
    /// backtrack exponentially. Each file is read once (the old walk read
    /// 40^8 of them), in a bounded number of steps.
    #[test]
    fn a_hostile_ld_so_conf_is_read_once_per_file() {
        let mut entries: Vec<(String, String)> = vec![(
            "etc/ld.so.conf".into(),
            "file:include /etc/ld.so.conf.d/*.conf\ninclude /etc/ld.so.conf\n\
             include /etc/ld.so.conf.d/*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b\n"
                .into(),
        )];
        for i in 0..40 {
            entries.push((
                format!("etc/ld.so.conf.d/{i:02}.conf"),
                format!(
                    "file:/opt/{i:02}\ninclude *.conf\ninclude /etc/ld.so.conf.d/{i:02}.conf\n"
                ),
            ));
        }
        entries.push(("etc/ld.so.conf.d/loop.conf".into(), "link:loop.conf".into()));
        entries.push((
            format!("etc/ld.so.conf.d/{}", "a".repeat(200)),
            "file:/x\n".into(),
        ));
        let entries: Vec<(&str, &str)> = entries
            .iter()
            .map(|(path, kind)| (path.as_str(), kind.as_str()))
            .collect();
        let fs = StageFs::from_tar(&tar_of(&entries)[..], "build").unwrap();
        let walk = fs.walk_conf();
        assert_eq!(walk.read.len(), 41, "{:?}", walk.read);
        let expected: Vec<String> = (0..40).map(|i| format!("/opt/{i:02}")).collect();
        assert_eq!(walk.dirs, expected);
        assert!(!wildcard(
            b"*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
            "a".repeat(200).as_bytes()
        ));
        assert!(wildcard(b"*a*b", b"xxaxxb"));
        assert!(wildcard(b"?*.conf", b"x.conf"));
        assert!(!wildcard(b"?*.conf", b".conf"));
        assert!(wildcard(b"*", b""));
        assert!(!wildcard(b"a", b""));
    }

    /// A path whose link leads to the root is refused, as the
    /// self-contained step refuses it (it used to be the whole stage).
    #[test]
    fn a_path_resolving_to_the_root_is_refused() {
        let tar = tar_of(&[
            ("opt/app/data/up", "link:../../.."),
            ("opt/app/data/file", "file:x"),
            ("opt/app/proc", "link:/proc"),
            // docker export has the engine's mount points, empty.
            ("proc", "dir"),
        ]);
        let fs = StageFs::from_tar(&tar[..], "build").unwrap();
        let error = fs
            .resolve(&Harvest::new().path("/opt/app/data/up"))
            .unwrap_err();
        assert!(
            matches!(&error, ResolveError::Refused { what: "path", resolved, .. } if resolved == "/"),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "harvest path \"/opt/app/data/up\" in stage \"build\" resolves to /: it is the \
             whole filesystem (/): harvest the directories the program needs instead"
        );
        let error = fs
            .resolve(&Harvest::new().file("/opt/app/proc", "/x"))
            .unwrap_err();
        assert!(error.to_string().contains("provides /proc"), "{error}");
        assert!(fs.resolve(&Harvest::new().path("/opt/app/data")).is_ok());
    }

    #[test]
    fn bad_input_is_typed_and_named() {
        let fs = stage();
        let error = fs
            .resolve(&Harvest::new().binary("/usr/games/nope"))
            .unwrap_err();
        assert!(
            matches!(&error, ResolveError::NotFound { what: "binary", path, stage, .. } if path == "/usr/games/nope" && stage == "build"),
            "{error:?}"
        );
        let error = fs
            .resolve(&Harvest::new().binary("/usr/games/script"))
            .unwrap_err();
        assert!(matches!(error, ResolveError::NotElf { .. }), "{error:?}");
        assert!(
            error
                .to_string()
                .contains("is a file of 18 bytes, not an ELF file"),
            "{error}"
        );
        let error = fs.resolve(&Harvest::new().path("/loop/a")).unwrap_err();
        assert!(
            matches!(error, ResolveError::SymlinkLoop { .. }),
            "{error:?}"
        );
        let error = fs
            .resolve(&Harvest::new().package_files("cowsay"))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "harvest package \"cowsay\" is not installed in stage \"build\" (no \
             /var/lib/dpkg/info/cowsay.list): install it in the build stage"
        );
    }

    #[test]
    fn package_dependencies_come_with_why() {
        let tar = tar_of(&[
            (
                "var/lib/dpkg/status",
                "file:Package: fortune-mod\nStatus: install ok installed\n\
                 Depends: librecode0 (>= 3.6), fortunes-min | fortunes\n\n\
                 Package: librecode0\nStatus: install ok installed\nDepends: libc6\n\n\
                 Package: libc6\nStatus: install ok installed\n\n\
                 Package: fortunes-min\nStatus: install ok installed\nDepends: gone\n",
            ),
            (
                "var/lib/dpkg/info/fortune-mod.list",
                "file:/usr/games/fortune\n",
            ),
            (
                "var/lib/dpkg/info/librecode0.list",
                "file:/usr/lib/librecode.so.0\n",
            ),
            ("var/lib/dpkg/info/libc6.list", "file:/usr/lib/libc.so.6\n"),
            (
                "var/lib/dpkg/info/fortunes-min.list",
                "file:/usr/share/games/fortunes/fortunes\n",
            ),
            ("usr/games/fortune", "file:not elf, a package file"),
            ("usr/lib/librecode.so.0", "file:recode"),
            ("usr/lib/libc.so.6", "file:libc"),
            ("usr/share/games/fortunes/fortunes", "file:a fortune\n%\n"),
        ]);
        let fs = StageFs::from_tar(&tar[..], "build").unwrap();
        let harvest = Harvest::new().package_files_with_dependencies("fortune-mod");
        let error = fs.resolve(&harvest).unwrap_err();
        assert_eq!(
            error.to_string(),
            "harvest package \"fortune-mod\": its dependency \"gone\" (of fortunes-min) is \
             satisfied by no package installed in stage \"build\""
        );
        // The base has what fortunes-min needs: the walk stops there.
        let resolution = fs
            .resolve(&harvest.except_packages(["gone", "libc6"]))
            .unwrap();
        let why: Vec<(&str, String)> = resolution
            .files
            .iter()
            .map(|e| (e.path.as_str(), e.reason.describe()))
            .collect();
        assert_eq!(
            why,
            [
                ("/usr/games/fortune", "package fortune-mod".to_string()),
                (
                    "/usr/lib/librecode.so.0",
                    "package librecode0 (dependency of fortune-mod)".to_string()
                ),
                (
                    "/usr/share/games/fortunes/fortunes",
                    "package fortunes-min (dependency of fortune-mod)".to_string()
                ),
            ]
        );
        assert!(resolution.to_json().contains("\"why\": \"dependency\""));
    }

    #[test]
    fn packages_paths_and_files_render_grouped_copies() {
        let fs = stage();
        let harvest = Harvest::new()
            .package_files("fortunes-min")
            .file("/etc/localtime", "/etc/localtime")
            .file("/usr/share/zoneinfo/UTC", "/etc/timezone-file");
        let resolution = fs.resolve(&harvest).unwrap();
        let paths: Vec<&str> = resolution.files.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/usr/share/games/fortunes/fortunes",
                "/usr/share/games/fortunes/fortunes.u8",
                "/etc/localtime",
                "/etc/timezone-file"
            ]
        );
        assert_eq!(
            resolution.files[1].kind,
            EntryKind::Symlink {
                target: "/usr/share/games/fortunes/fortunes".to_string(),
                kept_as_link: true,
            }
        );
        assert_eq!(resolution.files[1].size, "fortunes".len() as u64);
        assert_eq!(resolution.whole_directories, ["/usr/share/games/fortunes"]);
        assert_eq!(resolution.warnings.len(), 0, "{:?}", resolution.warnings);
        let mut df = crate::Dockerfile::builder();
        let build = df.stage("build", "debian:bookworm-slim").done();
        df.anonymous_stage(crate::scratch())
            .copy_resolved(&build, &resolution);
        let text = df.build().unwrap().render();
        assert!(
            text.ends_with(
                "FROM scratch\n\
                 COPY --from=build /etc/localtime /etc/\n\
                 COPY --from=build /usr/share/zoneinfo/UTC /etc/timezone-file\n\
                 COPY --from=build /usr/share/games/fortunes/ /usr/share/games/fortunes/\n"
            ),
            "{text}"
        );
        let table = resolution.to_text();
        assert!(table.starts_with("PATH"), "{table}");
        assert!(table.contains("package fortunes-min"), "{table}");
        let json = resolution.to_json();
        assert!(json.contains("\"why\": \"package\""), "{json}");

        // A declared directory takes in the files under it.
        let with_dir = fs
            .resolve(&harvest.path("/usr/share/games/fortunes/"))
            .unwrap();
        let dirs: Vec<_> = with_dir
            .files
            .iter()
            .filter(|e| e.path.starts_with("/usr/share/games"))
            .collect();
        assert_eq!(dirs.len(), 1, "{dirs:?}");
        assert_eq!(dirs[0].kind, EntryKind::Directory { files: 1 });
    }
}
