//! The *traced* harvest strategy (feature `engine`); documented on
//! [`trace`], the entry point.

mod assemble;
mod read;
mod stage;
mod strace;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;
use thiserror::Error;

use super::path::{clean, collapse_dot_dot};
use super::resolve::{Reason, Resolution, ResolveError, StageFs};
use super::{Declared, Harvest};
use crate::engine::archive::{self, ArchiveFile};
use crate::engine::{BuildOptions, Engine, EngineError};
use crate::model::{Base, Instruction, Run, Stage};
use crate::packages::Apt;
use crate::Dockerfile;

use self::assemble::assemble;
use self::read::{read_trace, TraceReader};
pub use self::stage::trace_stage;
pub use self::strace::TraceLog;

/// Where the trace stage keeps what the traced runs left: `cwd` (the
/// working directory they started in), and for the `n`-th traced command
/// `n.log` (strace's output) and `n.out` (the command's standard output).
pub const TRACE_DIR: &str = "/stagecraft-trace";

/// The label on the (never started) containers made to read a trace.
pub const TRACE_LABEL: &str = "stagecraft.harvest-trace";

/// The system calls traced (`strace -e trace=...`): every call taking a
/// file name (`open`, `openat`, `openat2`, `execve`, `stat`, `newfstatat`,
/// `statx`, `access`, `readlink`, ...), the working-directory changes, and
/// the process creations (to follow the working directory into children).
pub const STRACE_CALLS: &str = "%file,chdir,fchdir,clone,clone3,fork,vfork";

/// Paths the runtime gets from the container engine, never from the image.
const PROVIDED: [&str; 6] = [
    "/proc",
    "/sys",
    "/dev",
    "/etc/hosts",
    "/etc/hostname",
    "/etc/resolv.conf",
];

/// How deep a script's interpreter may itself be a script (the kernel allows 4).
const MAX_INTERPRETERS: usize = 4;

/// The *traced* harvest strategy (feature `engine`): runs each
/// [`Harvest::traced`] command in the build stage under `strace -f`, and
/// harvests every file the run opened, executed or found, merged with the
/// other declarations of `harvest`, as a [`Resolution`]: the same manifest,
/// the same explicit `COPY --from` lines
/// ([`StageBuilder::copy_resolved`](crate::StageBuilder::copy_resolved)) as
/// the resolved strategy.
///
/// This is what makes interpreted programs harvestable: the modules a Perl,
/// Ruby or Python program loads are not in any ELF header, but its run opens
/// them.
///
/// ## How
///
/// 1. [`trace_stage`] adds a throwaway stage to a copy of `dockerfile`:
///    `FROM <build_stage> AS <build_stage>-trace`, an apt recipe installing
///    `strace`, and one `RUN` that runs each command under
///    `strace -f -qq -y -e trace=`[`STRACE_CALLS`] with its log and its
///    output written under [`TRACE_DIR`]. Nothing copies from that stage: it
///    never ships, the build stage is not changed (its cache stays valid),
///    and the builder caches the traced run like any other step, so
///    tracing again after an unchanged build costs no run at all. A stage
///    instead of a container made from the built image: the run is part of
///    the build (its failure is a build failure naming the step), cached,
///    and needs no network access at trace time. The build stage must be
///    Debian-based (apt) and have a shell; a `USER` it sets is kept for the
///    traced run (`strace` is installed as root).
/// 2. [`trace`] builds the build stage and the trace stage (`--target`),
///    indexes the build stage's filesystem ([`StageFs::export`]), and reads
///    the trace directory out of a container of the trace image that is
///    never started (the archive API, as `docker cp` does).
/// 3. [`TraceLog::parse`] keeps the successful calls of every process
///    (`-f` follows forks; interleaved `<unfinished ...>` / `<... resumed>`
///    lines are joined per pid), resolves relative names against the
///    directory strace shows for the call (`AT_FDCWD</dir>`, `3</dir>`), or
///    else the process's working directory, followed through `chdir`,
///    `fchdir` and from parent to child.
/// 4. Each path is looked up in the **build** stage: an executed ELF file is
///    harvested as a [`Harvest::binary`] (its loader and the closure of its
///    libraries, resolved like `ld.so` would); an executed script is
///    harvested with its `#!` interpreter (the kernel loads it without any
///    `open` a trace would show; the first line is read from the trace
///    image, never run); every other regular file the run opened or found
///    (`stat`, `access`, `readlink`) is harvested at the path it was used
///    by. The runtime's own mounts (`/proc`, `/sys`, `/dev`, `/etc/hosts`,
///    `/etc/hostname`, `/etc/resolv.conf`) and directories are left out;
///    files the build stage does not have (the run wrote them) are listed in
///    [`Traced::absent`].
/// 5. The other declarations are resolved as by [`resolve`](super::resolve),
///    in the same resolution; traced entries carry [`Reason::Traced`].
///    [`Traced::declared`] is the resolution of the declarations alone and
///    [`Traced::not_declared`] lists what the run used that they miss:
///    tracing *verifies* a declared harvest as well as completing it.
///
/// Nothing runs on the host: the commands run inside the trace stage's
/// build container.
///
/// ## The risk
///
/// A trace sees one run. A code path the traced command did not take (an
/// option, an error path, a locale, another input) may need files the image
/// will not have. Trace a run representative of the real one, declare what
/// is known to be needed ([`Harvest::package_files`] for data a program
/// picks at random), and smoke-test the result.
///
/// ```no_run
/// use stagecraft::engine::{blocking::Engine, BuildOptions};
/// use stagecraft::harvest::{Harvest, Traced};
/// use stagecraft::packages::Apt;
/// use stagecraft::{scratch, Dockerfile};
///
/// fn dockerfile(traced: Option<&Traced>) -> Dockerfile {
///     let mut df = Dockerfile::builder();
///     let build = df
///         .stage("build", "debian:bookworm-slim")
///         .install(Apt::install(["cowsay"]))
///         .done();
///     if let Some(traced) = traced {
///         df.anonymous_stage(scratch())
///             .copy_resolved(&build, &traced.resolution)
///             .entrypoint(["/usr/games/cowsay", "moo"]);
///     }
///     df.build().unwrap()
/// }
///
/// let harvest = Harvest::new().traced(["/usr/games/cowsay", "moo"]);
/// let engine = Engine::connect()?;
/// let traced = engine.trace(&dockerfile(None), "build", &harvest, &BuildOptions::new())?;
/// print!("{}", traced.resolution.to_text());
/// print!("{}", dockerfile(Some(&traced)).render());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`TraceError`]: an invalid declaration or command, a build stage that
/// does not build ([`ResolveError::Build`] inside [`TraceError::Resolve`]),
/// a traced run that fails ([`TraceError::Run`]), a log that cannot be read,
/// and every [`ResolveError`] of the resolution.
pub async fn trace(
    engine: &Engine,
    dockerfile: &Dockerfile,
    build_stage: &str,
    harvest: &Harvest,
    options: &BuildOptions,
) -> Result<Traced, TraceError> {
    let declared = declared_only(harvest);
    if !declared.declared.is_empty() {
        declared.calls().map_err(ResolveError::from)?;
    }
    declared.except().map_err(ResolveError::from)?;
    let (traced_dockerfile, alias) = trace_stage(dockerfile, build_stage, harvest)?;
    let commands = commands(harvest);
    let built = engine
        .build(&traced_dockerfile, &options.clone().target(build_stage))
        .await
        .map_err(|source| ResolveError::Build {
            stage: build_stage.to_string(),
            source: Box::new(source),
        })?;
    let trace_built = engine
        .build(&traced_dockerfile, &options.clone().target(&alias))
        .await
        .map_err(|source| TraceError::Run {
            stage: alias.clone(),
            commands: commands.iter().map(|c| shell_words(c)).collect(),
            source: Box::new(source),
        })?;
    let fs = StageFs::export(engine, &built.image_id, build_stage).await?;
    let reader = TraceReader::create(engine, &trace_built.image_id, &alias).await?;
    let read = read_trace(&reader, &fs, &commands).await;
    let removed = crate::engine::remove_container(engine.docker(), &reader.id).await;
    let (logs, heads) = read?;
    removed.map_err(|error| TraceError::Read {
        stage: alias.clone(),
        cause: format!("removing the trace container {}: {error}", reader.id),
    })?;
    assemble(&fs, harvest, logs, &heads)
}

/// The traced commands, in declaration order.
fn commands(harvest: &Harvest) -> Vec<Vec<String>> {
    harvest
        .declared
        .iter()
        .filter_map(|declared| match declared {
            Declared::Traced(command) => Some(command.clone()),
            _ => None,
        })
        .collect()
}

/// `harvest` without its traced commands.
fn declared_only(harvest: &Harvest) -> Harvest {
    Harvest {
        declared: harvest
            .declared
            .iter()
            .filter(|declared| !matches!(declared, Declared::Traced(_)))
            .cloned()
            .collect(),
        except: harvest.except.clone(),
        form: harvest.form,
    }
}

/// The words of a command as a POSIX shell reads them back: each in single quotes.
fn shell_words(command: &[String]) -> String {
    command
        .iter()
        .map(|word| format!("'{}'", word.replace('\'', r"'\''")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the traced strategy could not do, naming the stage.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TraceError {
    /// An invalid declaration, the build stage failing to build, and every
    /// error of the resolution of what was traced.
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// The harvest has no [`Harvest::traced`] command.
    #[error("the harvest traces nothing: add traced([\"/path/to/program\", \"arg\"])")]
    NothingTraced,
    /// The build stage is not in the Dockerfile.
    #[error("no stage {stage:?} to trace in")]
    NoSuchStage {
        /// The alias asked for.
        stage: String,
    },
    /// The build stage has no shell to install `strace` with and run it.
    #[error("stage {stage:?} has no shell: strace cannot be installed and run in it")]
    NoShell {
        /// The build stage.
        stage: String,
    },
    /// A command that cannot be traced as given.
    #[error("cannot trace {command}: {reason}")]
    InvalidCommand {
        /// The command, quoted.
        command: String,
        /// What is wrong.
        reason: String,
    },
    /// The trace stage failed: installing `strace`, or a traced command
    /// exiting non-zero (its output is in the build failure).
    #[error("the traced run in stage {stage:?} failed ({}): {source}", commands.join("; "))]
    Run {
        /// The trace stage.
        stage: String,
        /// The commands, quoted.
        commands: Vec<String>,
        /// What the engine said.
        #[source]
        source: Box<EngineError>,
    },
    /// The trace could not be read out of the trace stage's image.
    #[error("reading the trace of stage {stage:?}: {cause}")]
    Read {
        /// The trace stage.
        stage: String,
        /// What went wrong.
        cause: String,
    },
}

/// What a traced harvest found: the resolution to render, and the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Traced {
    /// Everything: the declarations and what the traced runs used
    /// ([`Reason::Traced`]), for
    /// [`StageBuilder::copy_resolved`](crate::StageBuilder::copy_resolved).
    pub resolution: Resolution,
    /// The declarations other than [`Harvest::traced`] resolved alone, when
    /// there are some: the harvest the trace verifies.
    pub declared: Option<Resolution>,
    /// Files the traced runs used (at the path they used) that
    /// [`declared`](Self::declared) does not harvest: empty when the
    /// declarations suffice for the traced runs.
    pub not_declared: Vec<String>,
    /// Files the runs opened that the build stage does not have (written by
    /// the run itself, or belonging to the trace stage's `strace`): left out.
    pub absent: Vec<String>,
    /// One parsed log per traced command.
    pub logs: Vec<TraceLog>,
}

#[cfg(test)]
mod tests {
    use super::assemble::*;
    use super::read::*;
    use super::strace::*;
    use super::*;

    #[test]
    fn pieces() {
        assert_eq!(collapse_dot_dot("/a/./b//../c/"), "/a/c");
        assert_eq!(collapse_dot_dot("/.."), "/");
        assert_eq!(clean("/a/./b//../c/"), "/a/b/../c");
        assert_eq!(clean("rel/./x"), "/rel/x");
        assert_eq!(unescape(r#"a\"b\\c\n\x41\101"#), "a\"b\\c\nAA");
        assert_eq!(
            shebang("#!/usr/bin/perl -w"),
            Some(("/usr/bin/perl".to_string(), "-w".to_string()))
        );
        assert_eq!(shebang("#! /bin/sh"), Some(("/bin/sh".into(), "".into())));
        assert_eq!(shebang("echo"), None);
        assert!(provided("/proc/self/exe"));
        assert!(provided("/dev"));
        assert!(!provided("/devices"));
        assert!(provided("/stagecraft-trace/0.log"));
        assert_eq!(
            shell_words(&["/bin/sh".into(), "-c".into(), "it's | x".into()]),
            r"'/bin/sh' '-c' 'it'\''s | x'"
        );
        assert_eq!(split_pid("[pid  42] x()"), (42, " x()"));
        assert_eq!(split_pid("x() = 0"), (0, "x() = 0"));
    }

    fn fs() -> StageFs {
        fs_of(&[
            ("usr/games/cowsay", "file:#!/usr/bin/perl\nprint 1;\n"),
            ("usr/bin/perl", "link:perl5.36"),
            ("usr/bin/perl5.36", "file:(an ELF file here)"),
            ("usr/share/cowsay/cows/default.cow", "file:cow"),
            ("usr/share/cowsay/cows/tux.cow", "file:tux"),
            ("usr/share/perl5/x.pm", "file:1;"),
            ("etc/hosts", "file:127.0.0.1 localhost"),
            ("usr/share/games", "dir"),
        ])
    }

    fn fs_of(entries: &[(&str, &str)]) -> StageFs {
        let mut builder = tar::Builder::new(Vec::new());
        for &(path, kind) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_mode(0o755);
            if kind == "dir" {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_size(0);
                builder.append_data(&mut header, path, &[][..]).unwrap();
            } else if let Some(target) = kind.strip_prefix("link:") {
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_size(0);
                builder.append_link(&mut header, path, target).unwrap();
            } else {
                let content = kind.strip_prefix("file:").unwrap().as_bytes();
                header.set_size(content.len() as u64);
                builder.append_data(&mut header, path, content).unwrap();
            }
        }
        StageFs::from_tar(&builder.into_inner().unwrap()[..], "build").unwrap()
    }

    /// pocl opens its headers as `/lib/x86_64-linux-gnu/../../share/pocl/..`:
    /// through the merged-/usr link that is `/usr/share/pocl`, not `/share`.
    #[test]
    fn dot_dot_after_a_link_is_resolved_in_the_stage() {
        let fs = fs_of(&[
            ("lib", "link:usr/lib"),
            ("usr/lib/x86_64-linux-gnu/libpocl.so.2", "file:(ELF)"),
            ("usr/share/pocl/include/_kernel.h", "file:// kernel"),
            ("usr/share/pocl/include/types.h", "link:_kernel.h"),
        ]);
        let log = TraceLog::parse(
            r#"9  openat(AT_FDCWD, "/lib/x86_64-linux-gnu/../../share/pocl/include/_kernel.h", O_RDONLY) = 3
9  newfstatat(AT_FDCWD, "/lib/x86_64-linux-gnu/./../../share/pocl/include/types.h", {st_mode=S_IFREG|0644, st_size=9, ...}, 0) = 0
9  newfstatat(AT_FDCWD, "/lib/x86_64-linux-gnu/../..", {st_mode=S_IFDIR|0755, st_size=4096, ...}, 0) = 0
"#,
            "/",
        );
        assert_eq!(
            log.opened,
            ["/lib/x86_64-linux-gnu/../../share/pocl/include/_kernel.h"]
        );
        assert_eq!(
            physical(&fs, &log.opened[0]),
            "/usr/share/pocl/include/_kernel.h"
        );
        assert_eq!(
            physical(&fs, &log.found[0]),
            "/usr/share/pocl/include/types.h"
        );
        assert_eq!(physical(&fs, &log.found[1]), "/usr");
        assert_eq!(physical(&fs, "/nowhere/../x"), "/x");
        let harvest = Harvest::new().traced(["clinfo"]);
        let traced = assemble(&fs, &harvest, vec![log], &HashMap::new()).unwrap();
        let paths: Vec<&str> = traced
            .resolution
            .files
            .iter()
            .map(|e| e.path.as_str())
            .collect();
        assert!(
            paths.contains(&"/usr/share/pocl/include/_kernel.h")
                && paths.contains(&"/usr/share/pocl/include/types.h"),
            "{paths:?}"
        );
        assert!(traced.absent.is_empty(), "{:?}", traced.absent);
    }

    /// A traced file of a package the runtime base has (`except_packages`)
    /// is left out with a warning, like a library of a binary's closure.
    #[test]
    fn traced_files_of_excepted_packages_are_left_out() {
        let fs = fs_of(&[
            ("lib", "link:usr/lib"),
            ("usr/lib/x86_64-linux-gnu/libgomp.so.1", "file:(ELF)"),
            ("usr/share/app/data.txt", "file:data"),
            (
                "var/lib/dpkg/info/libgomp1:amd64.list",
                "file:/.\n/usr\n/usr/lib/x86_64-linux-gnu/libgomp.so.1\n",
            ),
        ]);
        let log = TraceLog {
            command: vec!["app".into()],
            cwd: "/".into(),
            opened: vec![
                "/lib/x86_64-linux-gnu/libgomp.so.1".into(),
                "/usr/share/app/data.txt".into(),
            ],
            ..TraceLog::default()
        };
        let harvest = Harvest::new().traced(["app"]).except_packages(["libgomp1"]);
        let traced = assemble(&fs, &harvest, vec![log], &HashMap::new()).unwrap();
        let paths: Vec<&str> = traced
            .resolution
            .files
            .iter()
            .map(|e| e.path.as_str())
            .collect();
        assert_eq!(paths, ["/usr/share/app/data.txt"]);
        assert_eq!(
            traced.resolution.warnings,
            ["traced /lib/x86_64-linux-gnu/libgomp.so.1 left out: package libgomp1 provides it"]
        );
    }

    #[test]
    fn scripts_bring_their_interpreter_and_traced_files_their_reason() {
        let fs = fs();
        let log = TraceLog {
            command: vec!["cowsay".into()],
            cwd: "/".into(),
            executed: vec!["/usr/games/cowsay".into()],
            opened: vec![
                "/usr/share/perl5/x.pm".into(),
                "/usr/share/cowsay/cows/default.cow".into(),
                "/tmp/written".into(),
                "/etc/hosts".into(),
            ],
            found: vec!["/usr/share/games".into(), "/nope".into()],
            ..TraceLog::default()
        };
        assert_eq!(
            script(&fs, "/usr/games/cowsay").as_deref(),
            Some("/usr/games/cowsay")
        );
        let heads = HashMap::from([(
            "/usr/games/cowsay".to_string(),
            "#!/usr/bin/perl".to_string(),
        )]);
        let harvest = Harvest::new()
            .path("/usr/share/perl5/x.pm")
            .traced(["cowsay"]);
        let traced = assemble(&fs, &harvest, vec![log], &heads).unwrap();
        let rows: Vec<(&str, &Reason)> = traced
            .resolution
            .files
            .iter()
            .map(|e| (e.path.as_str(), &e.reason))
            .collect();
        let by = Reason::Traced {
            command: "'cowsay'".into(),
        };
        assert_eq!(
            rows,
            [
                ("/usr/share/perl5/x.pm", &Reason::Path),
                ("/usr/games/cowsay", &by),
                ("/usr/bin/perl", &by),
                ("/usr/share/cowsay/cows/default.cow", &by),
            ]
        );
        assert_eq!(traced.absent, ["/tmp/written"]);
        assert_eq!(
            traced.not_declared,
            [
                "/usr/bin/perl",
                "/usr/games/cowsay",
                "/usr/share/cowsay/cows/default.cow"
            ]
        );
        assert!(traced.declared.is_some());
        assert!(traced.resolution.to_text().contains("traced: 'cowsay'"));
    }

    #[test]
    fn the_trace_stage_is_checked_and_keeps_the_user() {
        let mut df = Dockerfile::builder();
        df.stage("build", "debian:bookworm-slim").user("app");
        df.stage("build-trace", "debian:bookworm-slim");
        let dockerfile = df.build().unwrap();
        let harvest = Harvest::new().traced(["/bin/sh", "-c", "echo 'hi' | cat"]);
        let (traced, alias) = trace_stage(&dockerfile, "build", &harvest).unwrap();
        assert_eq!(alias, "build-trace-2");
        let text = traced.render();
        assert!(
            text.contains("FROM build AS build-trace-2\nUSER root\nRUN apt-get update"),
            "{text}"
        );
        assert!(
            text.contains("\nUSER app\nRUN mkdir -p /stagecraft-trace"),
            "{text}"
        );
        assert!(
            text.contains(r"-- '/bin/sh' '-c' 'echo '\''hi'\'' | cat' > /stagecraft-trace/0.out"),
            "{text}"
        );
        assert!(matches!(
            trace_stage(&dockerfile, "nope", &harvest),
            Err(TraceError::NoSuchStage { .. })
        ));
        assert!(matches!(
            trace_stage(&dockerfile, "build", &Harvest::new().binary("/bin/sh")),
            Err(TraceError::NothingTraced)
        ));
        assert!(matches!(
            trace_stage(
                &dockerfile,
                "build",
                &Harvest::new().traced(Vec::<String>::new())
            ),
            Err(TraceError::InvalidCommand { .. })
        ));
        let error = Harvest::new().traced(["x"]).calls().unwrap_err();
        assert!(
            error.to_string().contains("needs the traced strategy"),
            "{error}"
        );
    }
}
