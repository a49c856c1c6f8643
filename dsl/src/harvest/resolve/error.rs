//! What can go wrong in a resolution, in the stage's own paths.

use super::*;

/// A harvest that cannot be resolved, naming the path and the stage.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// A declaration that is invalid before anything is built.
    #[error(transparent)]
    Harvest(#[from] HarvestError),
    /// The build stage did not build.
    #[error("building stage {stage:?} to resolve its harvest: {source}")]
    Build {
        /// The build stage.
        stage: String,
        /// What the engine said.
        #[source]
        source: Box<EngineError>,
    },
    /// A call to the daemon failed.
    #[error("{what}: {source}")]
    Docker {
        /// What was being done.
        what: String,
        /// The client's error.
        #[source]
        source: bollard::errors::Error,
    },
    /// The exported filesystem could not be read.
    #[error("exporting the filesystem of stage {stage:?}: {cause}")]
    Export {
        /// The build stage.
        stage: String,
        /// What went wrong.
        cause: String,
    },
    /// A declared path does not exist in the build stage.
    #[error("harvest {what} {path:?} does not exist in stage {stage:?} (no {missing})")]
    NotFound {
        /// `binary`, `library`, `path`, `file source`.
        what: &'static str,
        /// The path declared.
        path: String,
        /// The first path that does not exist, after symbolic links.
        missing: String,
        /// The build stage.
        stage: String,
    },
    /// A declared binary or library that is not an ELF file.
    #[error(
        "harvest {what} {path:?} in stage {stage:?} is {found}, not an ELF file: harvest a \
         script's interpreter with binary() and the script with path()"
    )]
    NotElf {
        /// `binary` or `library`.
        what: &'static str,
        /// The path declared.
        path: String,
        /// What it is instead (`a directory`, `a file of 120 bytes`, ...).
        found: String,
        /// The build stage.
        stage: String,
    },
    /// Libraries the loader would not find, each with who needs it.
    #[error(
        "{} shared librar{} cannot be found or loaded in stage {stage:?}: {}",
        missing.len(),
        if missing.len() == 1 { "y" } else { "ies" },
        missing.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    )]
    MissingLibraries {
        /// The build stage.
        stage: String,
        /// Every library not found.
        missing: Vec<MissingLibrary>,
    },
    /// A declared path that resolves, through its symbolic links, to a
    /// path no strategy harvests: the root, a directory holding the
    /// harvest directory, or what the engine mounts (`/proc`, `/sys`,
    /// `/dev`). The self-contained step refuses it with the same words.
    #[error("harvest {what} {path:?} in stage {stage:?} resolves to {resolved}: {reason}")]
    Refused {
        /// `path` or `file source`.
        what: &'static str,
        /// The path declared.
        path: String,
        /// Where its links lead.
        resolved: String,
        /// Why it is refused.
        reason: &'static str,
        /// The build stage.
        stage: String,
    },
    /// A declared path whose symbolic links loop.
    #[error(
        "harvest {what} {path:?} in stage {stage:?}: too many levels of symbolic links (a loop)"
    )]
    SymlinkLoop {
        /// Which declaration.
        what: &'static str,
        /// The path declared.
        path: String,
        /// The build stage.
        stage: String,
    },
    /// A dependency of a [`PackageFiles::dependencies`] declaration that no
    /// package installed in the build stage satisfies.
    #[error(
        "harvest package {package:?}: its dependency {dependency:?} (of {of}) is satisfied by \
         no package installed in stage {stage:?}"
    )]
    DependencyNotInstalled {
        /// The package declared.
        package: String,
        /// The dependency as its package declares it (`a | b (>= 1)`).
        dependency: String,
        /// The package that declares it: the declared one or one of its dependencies.
        of: String,
        /// The build stage.
        stage: String,
    },
    /// [`StageFs::resolve`] on an index made for another harvest by
    /// [`StageFs::export_for`], which lacks what this one asks about.
    #[error(
        "the index of stage {stage:?} was made for another harvest and lacks {}: make it with \
         StageFs::export_for(this harvest), or StageFs::export",
        lacks.join(", ")
    )]
    Incomplete {
        /// The build stage.
        stage: String,
        /// The paths it lacks.
        lacks: Vec<String>,
    },
    /// `package_files` of a package the build stage does not have.
    #[error(
        "harvest package {name:?} is not installed in stage {stage:?} (no \
         /var/lib/dpkg/info/{name}.list): install it in the build stage"
    )]
    PackageNotInstalled {
        /// The package.
        name: String,
        /// The build stage.
        stage: String,
    },
}

/// A `DT_NEEDED` library the loader would not find.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingLibrary {
    /// The name asked for (`DT_NEEDED` or `PT_INTERP`).
    pub library: String,
    /// The object that needs it.
    pub needed_by: String,
    /// The directories searched, in order.
    pub searched: Vec<String>,
    /// What the search found that the loader cannot load, in the stage's
    /// paths: `/usr/lib/libx.so.1: a file of 13 bytes, not ELF`,
    /// `...: ELF of another class or machine`, `...: a directory`.
    pub unusable: Vec<String>,
}

impl std::fmt::Display for MissingLibrary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (needed by {}", self.library, self.needed_by)?;
        if !self.searched.is_empty() {
            write!(f, "; searched {}", self.searched.join(", "))?;
        }
        if !self.unusable.is_empty() {
            write!(f, "; the stage has {}", self.unusable.join(", "))?;
        }
        f.write_str(")")
    }
}
