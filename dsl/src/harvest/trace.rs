//! The *traced* harvest strategy (feature `engine`); documented on
//! [`trace`], the entry point.

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
/// use stagecraft::harvest::{trace_blocking, Harvest, Traced};
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
/// let traced = trace_blocking(&engine, &dockerfile(None), "build", &harvest, &BuildOptions::new())?;
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

/// [`trace`] for callers without an async runtime.
pub fn trace_blocking(
    engine: &crate::engine::blocking::Engine,
    dockerfile: &Dockerfile,
    build_stage: &str,
    harvest: &Harvest,
    options: &BuildOptions,
) -> Result<Traced, TraceError> {
    engine.block_on(trace(
        engine.as_async(),
        dockerfile,
        build_stage,
        harvest,
        options,
    ))
}

/// `dockerfile` with the throwaway trace stage added after its stages:
/// `FROM <build_stage> AS <build_stage>-trace` (another free alias if that
/// one is taken), `strace` installed with an apt recipe, and one `RUN` that
/// runs each [`Harvest::traced`] command under `strace -f`; returns the new
/// Dockerfile and the trace stage's alias. Pure: see [`trace`] for the rest.
///
/// ```
/// use stagecraft::harvest::{trace_stage, Harvest};
/// use stagecraft::packages::Apt;
/// use stagecraft::Dockerfile;
///
/// let mut df = Dockerfile::builder();
/// df.stage("build", "debian:bookworm-slim").install(Apt::install(["cowsay"]));
/// let harvest = Harvest::new().traced(["/usr/games/cowsay", "moo"]);
/// let (dockerfile, alias) = trace_stage(&df.build()?, "build", &harvest)?;
/// assert_eq!(alias, "build-trace");
/// let text = dockerfile.render();
/// assert!(text.contains("FROM build AS build-trace\n"));
/// assert!(text.contains("strace -f -qq -y -e trace=%file,chdir,fchdir,clone,clone3,fork,vfork \
///                        -o /stagecraft-trace/0.log -- '/usr/games/cowsay' 'moo' > /stagecraft-trace/0.out"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`TraceError::NothingTraced`], [`TraceError::NoSuchStage`],
/// [`TraceError::NoShell`], [`TraceError::InvalidCommand`].
pub fn trace_stage(
    dockerfile: &Dockerfile,
    build_stage: &str,
    harvest: &Harvest,
) -> Result<(Dockerfile, String), TraceError> {
    let commands = commands(harvest);
    if commands.is_empty() {
        return Err(TraceError::NothingTraced);
    }
    let stages = dockerfile.stages();
    let Some(index) = stages.iter().position(|stage| {
        stage
            .alias
            .as_deref()
            .is_some_and(|alias| alias.eq_ignore_ascii_case(build_stage))
    }) else {
        return Err(TraceError::NoSuchStage {
            stage: build_stage.to_string(),
        });
    };
    if !dockerfile.stage_has_shell(index) {
        return Err(TraceError::NoShell {
            stage: build_stage.to_string(),
        });
    }
    let build_alias = stages[index].alias.clone().unwrap_or_default();
    let taken = |alias: &str| dockerfile.stage(alias).is_some();
    let mut alias = format!("{build_alias}-trace");
    let mut n = 2;
    while taken(&alias) {
        alias = format!("{build_alias}-trace-{n}");
        n += 1;
    }

    let mut script = format!("mkdir -p {TRACE_DIR} && pwd > {TRACE_DIR}/cwd");
    for (n, command) in commands.iter().enumerate() {
        if command.is_empty() {
            return Err(TraceError::InvalidCommand {
                command: String::new(),
                reason: "the command is empty: name the program to run".to_string(),
            });
        }
        if let Some(word) = command
            .iter()
            .find(|word| word.chars().any(char::is_control))
        {
            return Err(TraceError::InvalidCommand {
                command: shell_words(command),
                reason: format!("{word:?} holds a control character"),
            });
        }
        script.push_str(&format!(
            " && strace -f -qq -y -e trace={STRACE_CALLS} -o {TRACE_DIR}/{n}.log -- {} > {TRACE_DIR}/{n}.out",
            shell_words(command)
        ));
    }
    let shown = commands
        .iter()
        .map(|c| shell_words(c))
        .collect::<Vec<_>>()
        .join("; ");
    let traced_run = Run::checked(script).map_err(|violations| TraceError::InvalidCommand {
        command: shown.clone(),
        reason: violations.to_string(),
    })?;
    let install =
        Run::from_recipe(Apt::install(["strace"])).map_err(|error| TraceError::InvalidCommand {
            command: "apt-get install strace".to_string(),
            reason: error.to_string(),
        })?;

    let mut instructions = Vec::new();
    let user = super::stage_user(stages, index);
    let switch = user.as_deref().is_some_and(|user| !super::is_root(user));
    if switch {
        instructions.push(Instruction::User("root".to_string()));
    }
    instructions.push(Instruction::Run(install));
    if let (true, Some(user)) = (switch, user) {
        instructions.push(Instruction::User(user));
    }
    instructions.push(Instruction::Run(traced_run));
    let mut all = stages.to_vec();
    all.push(Stage {
        alias: Some(alias.clone()),
        base: Base::Stage(build_alias),
        platform: stages[index].platform.clone(),
        instructions,
    });
    let traced = Dockerfile::from_parts(dockerfile.args().to_vec(), all).map_err(|errors| {
        TraceError::InvalidCommand {
            command: shown,
            reason: errors.to_string(),
        }
    })?;
    Ok((traced, alias))
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

/// The files one traced run used, from its `strace -f` log.
///
/// Every path is absolute, without `.` or empty components, each listed
/// once, in the order first used; only successful calls count. A `..` is
/// kept: after a symbolic link it is not the lexical parent
/// (`/lib/x86_64-linux-gnu/../../share` is `/usr/share` where `/lib` links
/// to `usr/lib`), so only the stage's filesystem can say where it leads,
/// and the harvest resolves it there.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TraceLog {
    /// The command traced.
    pub command: Vec<String>,
    /// The working directory it started in.
    pub cwd: String,
    /// Paths executed (`execve`, `execveat`).
    pub executed: Vec<String>,
    /// Paths opened (`open`, `openat`, `openat2`, `creat`), directories included.
    pub opened: Vec<String>,
    /// Paths found without being opened (`stat`, `newfstatat`, `statx`,
    /// `access`, `readlink`, ... that succeeded).
    pub found: Vec<String>,
    /// Relative names whose directory the log does not tell.
    pub unresolved: Vec<String>,
    /// How many system calls the log holds (successful or not).
    pub calls: usize,
    /// How many processes the run had.
    pub processes: usize,
    /// The run's standard output (its first MiB).
    pub stdout: String,
}

/// One system call of the log, `<unfinished ...>` parts joined.
#[derive(Debug)]
struct Call {
    pid: u32,
    name: String,
    args: Vec<String>,
    ret: String,
}

impl TraceLog {
    /// Parses the output of `strace -f -y -o FILE` (`-y` optional: it tells
    /// the directory of each `AT_FDCWD` and descriptor, which makes relative
    /// names exact) of a run started in `cwd`. Lines that are not system
    /// calls (signals, exits, strace's own notes) are skipped.
    ///
    /// ```
    /// use stagecraft::harvest::TraceLog;
    ///
    /// let log = r#"7  execve("/usr/games/fortune", ["fortune"], 0x7ffd /* 4 vars */) = 0
    /// 7  openat(AT_FDCWD</>, "/lib/x86_64-linux-gnu/libc.so.6", O_RDONLY|O_CLOEXEC) = 3</usr/lib/x86_64-linux-gnu/libc.so.6>
    /// 7  openat(AT_FDCWD</>, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory)
    /// 7  chdir("/usr/share") = 0
    /// 7  access("games/fortunes/fortunes.dat", R_OK) = 0
    /// 7  +++ exited with 0 +++
    /// "#;
    /// let parsed = TraceLog::parse(log, "/");
    /// assert_eq!(parsed.executed, ["/usr/games/fortune"]);
    /// assert_eq!(parsed.opened, ["/lib/x86_64-linux-gnu/libc.so.6"]);
    /// assert_eq!(parsed.found, ["/usr/share/games/fortunes/fortunes.dat"]);
    /// ```
    pub fn parse(log: &str, cwd: &str) -> TraceLog {
        let calls = calls(log);
        let mut parents: HashMap<u32, u32> = HashMap::new();
        for call in &calls {
            if matches!(call.name.as_str(), "clone" | "clone3" | "fork" | "vfork") {
                if let Some(child) = leading_number(&call.ret) {
                    if let Ok(child) = u32::try_from(child) {
                        if child > 0 {
                            parents.entry(child).or_insert(call.pid);
                        }
                    }
                }
            }
        }
        let start = clean(cwd);
        let mut out = TraceLog {
            cwd: start.clone(),
            calls: calls.len(),
            ..TraceLog::default()
        };
        let mut cwds: HashMap<u32, String> = HashMap::new();
        let mut seen: [HashSet<String>; 4] = Default::default();
        let mut pids = HashSet::new();
        for call in &calls {
            pids.insert(call.pid);
            if !cwds.contains_key(&call.pid) {
                // A new process starts where its parent is (or the run began).
                let mut inherited = None;
                let mut at = parents.get(&call.pid);
                let mut hops = 0;
                while let (Some(parent), true) = (at, hops < 64) {
                    if let Some(dir) = cwds.get(parent) {
                        inherited = Some(dir.clone());
                        break;
                    }
                    at = parents.get(parent);
                    hops += 1;
                }
                cwds.insert(call.pid, inherited.unwrap_or_else(|| start.clone()));
            }
            let cwd = cwds[&call.pid].clone();
            if !succeeded(&call.ret) {
                continue;
            }
            let name = call.name.as_str();
            if matches!(name, "clone" | "clone3" | "fork" | "vfork") {
                // The child starts where its parent is when the call returns
                // (the parent cannot move while inside it).
                if let Some(child) = leading_number(&call.ret).and_then(|n| u32::try_from(n).ok()) {
                    cwds.entry(child).or_insert_with(|| cwd.clone());
                }
                continue;
            }
            if name == "fchdir" {
                if let Some(dir) = call.args.first().and_then(|a| decoration(a)) {
                    cwds.insert(call.pid, clean(&dir));
                }
                continue;
            }
            let at = AT_CALLS.contains(&name);
            let (dir_arg, path_arg) = if at {
                (call.args.first(), call.args.get(1))
            } else {
                (None, call.args.first())
            };
            let Some(path) = path_arg.and_then(|a| string(a)) else {
                continue;
            };
            if path.is_empty() {
                // `AT_EMPTY_PATH`: the call is about a descriptor already counted.
                continue;
            }
            let absolute = if path.starts_with('/') {
                clean(&path)
            } else {
                let base = match dir_arg {
                    Some(arg) if arg.starts_with("AT_FDCWD") => {
                        decoration(arg).unwrap_or_else(|| cwd.clone())
                    }
                    Some(arg) => match decoration(arg) {
                        Some(dir) => dir,
                        None => {
                            push_once(&mut out.unresolved, &mut seen[3], path);
                            continue;
                        }
                    },
                    None => cwd.clone(),
                };
                clean(&format!("{base}/{path}"))
            };
            let (list, set) = match name {
                "chdir" => {
                    cwds.insert(call.pid, absolute);
                    continue;
                }
                "execve" | "execveat" => (&mut out.executed, &mut seen[0]),
                "open" | "openat" | "openat2" | "creat" => (&mut out.opened, &mut seen[1]),
                _ if FOUND_CALLS.contains(&name) => (&mut out.found, &mut seen[2]),
                _ => continue,
            };
            push_once(list, set, absolute);
        }
        out.processes = pids.len();
        out
    }

    /// Every path the run used, executed first, then opened, then found.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.executed
            .iter()
            .chain(&self.opened)
            .chain(&self.found)
            .map(String::as_str)
    }
}

/// Calls whose first argument is a directory descriptor and second a name.
const AT_CALLS: [&str; 9] = [
    "openat",
    "openat2",
    "execveat",
    "newfstatat",
    "fstatat64",
    "statx",
    "faccessat",
    "faccessat2",
    "readlinkat",
];

/// Calls that find a file without opening it.
const FOUND_CALLS: [&str; 14] = [
    "stat",
    "lstat",
    "stat64",
    "lstat64",
    "newfstatat",
    "fstatat64",
    "statx",
    "access",
    "faccessat",
    "faccessat2",
    "readlink",
    "readlinkat",
    "statfs",
    "statfs64",
];

fn push_once(list: &mut Vec<String>, seen: &mut HashSet<String>, path: String) {
    if seen.insert(path.clone()) {
        list.push(path);
    }
}

/// The calls of a log, `<unfinished ...>` and `<... resumed>` parts joined per pid.
fn calls(log: &str) -> Vec<Call> {
    let mut pending: HashMap<u32, String> = HashMap::new();
    let mut calls = Vec::new();
    for line in log.lines() {
        let (pid, rest) = split_pid(line);
        let rest = rest.trim_start();
        if rest.is_empty()
            || rest.starts_with("---")
            || rest.starts_with("+++")
            || rest.starts_with("strace:")
        {
            continue;
        }
        let text = if let Some(resumed) = rest.strip_prefix("<... ") {
            let Some(end) = resumed.find(" resumed>") else {
                continue;
            };
            let Some(start) = pending.remove(&pid) else {
                continue;
            };
            format!("{start}{}", &resumed[end + " resumed>".len()..])
        } else {
            rest.to_string()
        };
        if let Some(start) = text.strip_suffix("<unfinished ...>") {
            pending.insert(pid, start.to_string());
            continue;
        }
        if let Some(call) = parse_call(pid, &text) {
            calls.push(call);
        }
    }
    calls
}

/// `1234  rest`, `[pid  1234] rest`, or `rest` (pid 0).
fn split_pid(line: &str) -> (u32, &str) {
    if let Some(rest) = line.strip_prefix("[pid") {
        if let Some(end) = rest.find(']') {
            if let Ok(pid) = rest[..end].trim().parse() {
                return (pid, &rest[end + 1..]);
            }
        }
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && line[digits..].starts_with([' ', '\t']) {
        if let Ok(pid) = line[..digits].parse() {
            return (pid, &line[digits..]);
        }
    }
    (0, line)
}

/// `name(arg, arg, ...) = ret`.
fn parse_call(pid: u32, text: &str) -> Option<Call> {
    let open = text.find('(')?;
    let name = &text[..open];
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    let bytes = text.as_bytes();
    let mut args = Vec::new();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut start = open + 1;
    let mut i = open + 1;
    let mut close = None;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'(' | b'[' | b'{' | b'<' => depth += 1,
                b']' | b'}' | b'>' => depth = depth.saturating_sub(1),
                b')' if depth == 0 => {
                    close = Some(i);
                    break;
                }
                b')' => depth -= 1,
                b',' if depth == 0 => {
                    args.push(text[start..i].trim().to_string());
                    start = i + 1;
                }
                _ => {}
            }
        }
        i += 1;
    }
    let close = close?;
    let last = text[start..close].trim();
    if !last.is_empty() {
        args.push(last.to_string());
    }
    let ret = text[close + 1..].trim_start().strip_prefix('=')?.trim();
    Some(Call {
        pid,
        name: name.to_string(),
        args,
        ret: ret.to_string(),
    })
}

/// A return value that is not an error: `0`, `3</path>`, `13`, `0x7f...`.
fn succeeded(ret: &str) -> bool {
    ret.starts_with(|c: char| c.is_ascii_digit())
}

fn leading_number(ret: &str) -> Option<u64> {
    let digits: String = ret.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The path of a `-y` decoration: `AT_FDCWD</dir>` or `3</dir>` -> `/dir`.
fn decoration(arg: &str) -> Option<String> {
    let start = arg.find('<')?;
    let inner = arg[start + 1..].strip_suffix('>')?;
    inner.starts_with('/').then(|| unescape(inner))
}

/// A C string argument `"..."` unescaped; `None` for anything else or a
/// string strace cut short (`"..."...`).
fn string(arg: &str) -> Option<String> {
    let inner = arg.strip_prefix('"')?.strip_suffix('"')?;
    Some(unescape(inner))
}

/// strace's escapes: `\\`, `\"`, `\n`, `\t`, `\r`, `\v`, `\f`, `\ooo`, `\xhh`.
fn unescape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' || i + 1 == bytes.len() {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let next = bytes[i + 1];
        i += 2;
        match next {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'v' => out.push(0x0b),
            b'f' => out.push(0x0c),
            b'x' => {
                let hex: String = text[i..].chars().take(2).collect();
                match u8::from_str_radix(&hex, 16) {
                    Ok(byte) if hex.len() == 2 => {
                        out.push(byte);
                        i += 2;
                    }
                    _ => out.push(b'x'),
                }
            }
            b'0'..=b'7' => {
                let mut value = u32::from(next - b'0');
                let mut taken = 0;
                while taken < 2 && i < bytes.len() && (b'0'..=b'7').contains(&bytes[i]) {
                    value = value * 8 + u32::from(bytes[i] - b'0');
                    i += 1;
                    taken += 1;
                }
                out.push(value as u8);
            }
            other => out.push(other),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Where a logged `path` is in the stage: a path with `..` has its
/// directory resolved in `fs` (links followed, as the kernel did in the
/// run), its last component kept, so a link there stays a link. A path
/// without `..`, or one whose directory `fs` does not have, is returned
/// with its `..` collapsed lexically.
fn physical(fs: &StageFs, path: &str) -> String {
    if !path.split('/').any(|part| part == "..") {
        return path.to_string();
    }
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    if name == ".." {
        return match fs.lookup(path, true) {
            Ok(found) => found.path,
            Err(_) => collapse_dot_dot(path),
        };
    }
    match fs.lookup(if dir.is_empty() { "/" } else { dir }, true) {
        Ok(found) if found.path == "/" => format!("/{name}"),
        Ok(found) => format!("{}/{name}", found.path),
        Err(_) => collapse_dot_dot(path),
    }
}

/// Whether the runtime gets `path` from the engine (or it is the trace's own).
fn provided(path: &str) -> bool {
    path == TRACE_DIR
        || path.starts_with(&format!("{TRACE_DIR}/"))
        || PROVIDED
            .iter()
            .any(|p| path == *p || (path.starts_with(p) && path[p.len()..].starts_with('/')))
}

/// How much of each file of [`TRACE_DIR`] is read: the working directory,
/// the logs (strace's lines are short; a log this long is cut, its last
/// line skipped as unfinished), the standard output; nothing else.
fn trace_file_limit(name: &str) -> Option<u64> {
    let name = name.rsplit('/').next().unwrap_or(name);
    if name == "cwd" {
        Some(4 << 10)
    } else if name.ends_with(".log") {
        Some(MAX_LOG)
    } else if name.ends_with(".out") {
        Some(MAX_STDOUT)
    } else {
        None
    }
}

/// The most of a trace log read (see [`trace_file_limit`]).
const MAX_LOG: u64 = 256 << 20;

/// The most of a traced run's standard output kept in [`TraceLog::stdout`].
const MAX_STDOUT: u64 = 1 << 20;

/// A never-started container of the trace image, to read files out of.
struct TraceReader<'e> {
    engine: &'e Engine,
    id: String,
    stage: String,
}

impl<'e> TraceReader<'e> {
    async fn create(
        engine: &'e Engine,
        image: &str,
        stage: &str,
    ) -> Result<TraceReader<'e>, TraceError> {
        let id = archive::create_reader(
            engine.docker(),
            image,
            TRACE_LABEL,
            "/stagecraft-trace-read",
        )
        .await
        .map_err(|source| ResolveError::Docker {
            what: format!("creating a container of the trace stage {stage:?} to read it"),
            source,
        })?;
        Ok(TraceReader {
            engine,
            id,
            stage: stage.to_string(),
        })
    }

    /// The regular files of the archive of `path` (a file or a directory)
    /// that `limit` asks for, each cut at its limit while the archive is
    /// read ([`archive::files_of`]); with `first_only`, the first alone.
    async fn read(
        &self,
        path: &str,
        limit: fn(&str) -> Option<u64>,
        first_only: bool,
    ) -> Result<Vec<ArchiveFile>, TraceError> {
        archive::read_files(self.engine.docker(), &self.id, path, limit, first_only)
            .await
            .map(Option::unwrap_or_default)
            .map_err(|error| TraceError::Read {
                stage: self.stage.clone(),
                cause: format!("{path}: {error}"),
            })
    }
}

/// The logs of every command, and the first line of every script the runs
/// executed (by canonical path in the build stage), interpreters included.
async fn read_trace(
    reader: &TraceReader<'_>,
    fs: &StageFs,
    commands: &[Vec<String>],
) -> Result<(Vec<TraceLog>, HashMap<String, String>), TraceError> {
    let files: HashMap<String, Vec<u8>> = reader
        .read(TRACE_DIR, trace_file_limit, false)
        .await?
        .into_iter()
        .map(|file| {
            let name = file.name.rsplit('/').next().unwrap_or("").to_string();
            (name, file.content)
        })
        .collect();
    let text = |name: &str| {
        files
            .get(name)
            .map(|c| String::from_utf8_lossy(c).into_owned())
    };
    let cwd = text("cwd").unwrap_or_else(|| "/".to_string());
    let mut logs = Vec::new();
    for (n, command) in commands.iter().enumerate() {
        let log = text(&format!("{n}.log")).ok_or_else(|| TraceError::Read {
            stage: reader.stage.clone(),
            cause: format!("{TRACE_DIR}/{n}.log is missing"),
        })?;
        let mut parsed = TraceLog::parse(&log, cwd.trim_end());
        parsed.command = command.clone();
        parsed.stdout = text(&format!("{n}.out")).unwrap_or_default();
        logs.push(parsed);
    }
    let mut heads: HashMap<String, String> = HashMap::new();
    let mut wanted: Vec<String> = logs
        .iter()
        .flat_map(|log| log.executed.iter())
        .filter_map(|path| script(fs, path))
        .collect();
    for _ in 0..MAX_INTERPRETERS {
        let mut next = Vec::new();
        for path in wanted {
            if heads.contains_key(&path) {
                continue;
            }
            let content = reader
                .read(&path, |_| Some(256), true)
                .await?
                .into_iter()
                .next()
                .map(|file| file.content)
                .unwrap_or_default();
            let head = String::from_utf8_lossy(&content)
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            if let Some((interpreter, _)) = shebang(&head) {
                next.extend(script(fs, &interpreter));
            }
            heads.insert(path, head);
        }
        if next.is_empty() {
            break;
        }
        wanted = next;
    }
    Ok((logs, heads))
}

/// The canonical path of `path` in the build stage when it is a regular
/// file that is not ELF (a script, to read the first line of).
fn script(fs: &StageFs, path: &str) -> Option<String> {
    let found = fs.lookup(path, true).ok()?;
    match fs.file(&found.path) {
        Some((_, None, _)) => Some(found.path),
        _ => None,
    }
}

/// `#!/usr/bin/perl -w` -> (`/usr/bin/perl`, `-w`).
fn shebang(head: &str) -> Option<(String, String)> {
    let rest = head.strip_prefix("#!")?.trim();
    let (interpreter, argument) = rest.split_once([' ', '\t']).unwrap_or((rest, ""));
    interpreter
        .starts_with('/')
        .then(|| (interpreter.to_string(), argument.trim().to_string()))
}

/// Turns the parsed logs into harvest declarations and resolves them with
/// the others in `fs`.
fn assemble(
    fs: &StageFs,
    harvest: &Harvest,
    logs: Vec<TraceLog>,
    heads: &HashMap<String, String>,
) -> Result<Traced, TraceError> {
    let declared = declared_only(harvest);
    let mut derived = declared.clone();
    // What the runtime base provides (`except_packages`) is not harvested
    // from the trace either, only reported.
    let except = harvest.except().map_err(ResolveError::from)?;
    let (excepted, _) = fs.excepted_paths(&except);
    let mut provided_by_base: BTreeMap<String, String> = BTreeMap::new();
    let mut added: HashSet<(bool, String)> = HashSet::new();
    // Runtime path -> the command that used it first.
    let mut traced: BTreeMap<String, String> = BTreeMap::new();
    let mut absent = BTreeSet::new();
    let mut push = |binary: bool, path: &str, command: &str, derived: &mut Harvest| {
        traced
            .entry(path.to_string())
            .or_insert_with(|| command.to_string());
        if added.insert((binary, path.to_string())) {
            derived.declared.push(if binary {
                Declared::Binary(path.to_string())
            } else {
                Declared::Path(path.to_string())
            });
        }
    };
    for log in &logs {
        let command = shell_words(&log.command);
        let place = |paths: &[String]| -> Vec<String> {
            paths.iter().map(|path| physical(fs, path)).collect()
        };
        let (executed_paths, opened_paths, found_paths) =
            (place(&log.executed), place(&log.opened), place(&log.found));
        let executed: HashSet<&str> = executed_paths.iter().map(String::as_str).collect();
        for path in &executed_paths {
            if provided(path) {
                continue;
            }
            // The program, then up the `#!` chain to an ELF interpreter.
            let mut at = path.clone();
            for _ in 0..=MAX_INTERPRETERS {
                let Ok(found) = fs.lookup(&at, true) else {
                    absent.insert(at.clone());
                    break;
                };
                match fs.file(&found.path) {
                    Some((_, Some(_), _)) => {
                        push(true, &at, &command, &mut derived);
                        break;
                    }
                    Some((_, None, _)) => {
                        push(false, &at, &command, &mut derived);
                        match heads.get(&found.path).and_then(|head| shebang(head)) {
                            Some((interpreter, _)) => at = interpreter,
                            None => break,
                        }
                    }
                    None => break,
                }
            }
        }
        let opened: HashSet<&str> = opened_paths.iter().map(String::as_str).collect();
        for path in opened_paths.iter().chain(&found_paths) {
            if provided(path) || executed.contains(path.as_str()) {
                continue;
            }
            match fs.lookup(path, true) {
                Ok(found) if excepted.contains_key(&found.path) => {
                    provided_by_base
                        .entry(path.clone())
                        .or_insert_with(|| excepted[&found.path].clone());
                }
                Ok(found) if fs.file(&found.path).is_some() => {
                    push(false, path, &command, &mut derived);
                }
                Ok(_) => {}
                Err(_) if opened.contains(path.as_str()) => {
                    absent.insert(path.clone());
                }
                Err(_) => {}
            }
        }
    }
    if derived.declared.is_empty() {
        return Err(TraceError::NothingTraced);
    }
    let mut resolution = fs.resolve(&derived)?;
    resolution.warnings.extend(
        provided_by_base
            .iter()
            .filter(|(path, _)| !resolution.files.iter().any(|entry| &entry.path == *path))
            .map(|(path, package)| {
                format!("traced {path} left out: package {package} provides it")
            }),
    );
    let own: HashSet<String> = declared
        .declared
        .iter()
        .filter_map(|d| match d {
            Declared::Binary(p) | Declared::Path(p) => Some(collapse_dot_dot(p)),
            _ => None,
        })
        .collect();
    for entry in &mut resolution.files {
        if matches!(entry.reason, Reason::Binary | Reason::Path) && !own.contains(&entry.path) {
            if let Some(command) = traced.get(&entry.path) {
                entry.reason = Reason::Traced {
                    command: command.clone(),
                };
            }
        }
    }
    let (declared_resolution, not_declared) = if declared.declared.is_empty() {
        (None, traced.keys().cloned().collect())
    } else {
        let alone = fs.resolve(&declared)?;
        let missing = not_covered(fs, &alone, traced.keys());
        (Some(alone), missing)
    };
    Ok(Traced {
        resolution,
        declared: declared_resolution,
        not_declared,
        absent: absent.into_iter().collect(),
        logs,
    })
}

/// The paths of `paths` that `resolution` does not harvest: neither at
/// that path, nor the same file under another name, nor inside a directory
/// it copies whole.
fn not_covered<'a>(
    fs: &StageFs,
    resolution: &Resolution,
    paths: impl Iterator<Item = &'a String>,
) -> Vec<String> {
    let mut exact = HashSet::new();
    let mut canonical = HashSet::new();
    let mut dirs = Vec::new();
    for entry in &resolution.files {
        exact.insert(entry.path.clone());
        if let Ok(found) = fs.lookup(&entry.source, true) {
            if fs.is_dir(&found.path) {
                dirs.push(format!("{}/", found.path.trim_end_matches('/')));
                dirs.push(format!("{}/", entry.path.trim_end_matches('/')));
            } else {
                canonical.insert(found.path);
            }
        }
    }
    paths
        .filter(|path| {
            if exact.contains(*path) || dirs.iter().any(|d| path.starts_with(d.as_str())) {
                return false;
            }
            match fs.lookup(path, true) {
                Ok(found) => !canonical.contains(&found.path),
                Err(_) => true,
            }
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = r#"11    execve("/bin/sh", ["/bin/sh", "-c", "fortune | cowsay"], 0x7ffd537c1a20 /* 4 vars */) = 0
11    openat(AT_FDCWD</>, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3</etc/ld.so.cache>
11    newfstatat(3</etc/ld.so.cache>, "", {st_mode=S_IFREG|0644, st_size=5639, ...}, AT_EMPTY_PATH) = 0
11    newfstatat(AT_FDCWD</>, "/usr/games/fortune", {st_mode=S_IFREG|0755, st_size=31408, ...}, 0) = 0
11    clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7ffaddf7aa10) = 12
11    chdir("/usr/share") = 0
11    clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>
12    execve("/usr/games/fortune", ["fortune"], 0x55e700259978 /* 4 vars */ <unfinished ...>
11    <... clone resumed>, child_tidptr=0x7ffaddf7aa10) = 13
12    <... execve resumed>)             = 0
13    execve("/usr/games/cowsay", ["cowsay"], 0x55e700259978 /* 4 vars */) = 0
12    openat(AT_FDCWD</>, "/lib/x86_64-linux-gnu/librecode.so.0", O_RDONLY|O_CLOEXEC <unfinished ...>
13    access("/etc/ld.so.preload", R_OK <unfinished ...>
12    <... openat resumed>)             = 3</usr/lib/x86_64-linux-gnu/librecode.so.0.0.0>
13    <... access resumed>)             = -1 ENOENT (No such file or directory)
12    newfstatat(AT_FDCWD, "games/fortunes", {st_mode=S_IFDIR|0755, st_size=4096, ...}, 0) = 0
13    open("perl5/x.pm", O_RDONLY) = 4
12    openat(3</usr/share/games/fortunes>, "fortunes.dat", O_RDONLY) = 5</usr/share/games/fortunes/fortunes.dat>
13    readlink("/proc/self/exe",  <unfinished ...>
13    <... readlink resumed>"/usr/bin/perl", 4095) = 13
13    openat(7, "rel", O_RDONLY) = 3
13    newfstatat(AT_FDCWD</>, "/usr/share/games/fortunes/w\303\244rme \"x\"", {st_mode=S_IFREG|0644}, 0) = 0
11    --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=12, si_uid=0, si_status=0} ---
13    fchdir(3</usr/share/perl>) = 0
13    openat(AT_FDCWD, "../cowsay/cows/default.cow", O_RDONLY) = 3
12    +++ exited with 0 +++
"#;

    #[test]
    fn parses_successful_calls_of_every_process() {
        let log = TraceLog::parse(LOG, "/");
        assert_eq!(
            log.executed,
            ["/bin/sh", "/usr/games/fortune", "/usr/games/cowsay"]
        );
        assert_eq!(
            log.opened,
            [
                "/etc/ld.so.cache",
                "/lib/x86_64-linux-gnu/librecode.so.0",
                // 13 was cloned after 11's chdir: it starts in /usr/share.
                "/usr/share/perl5/x.pm",
                "/usr/share/games/fortunes/fortunes.dat",
                // `..` kept: the stage says where it leads.
                "/usr/share/perl/../cowsay/cows/default.cow",
            ]
        );
        assert_eq!(
            log.found,
            [
                "/usr/games/fortune",
                // 12 was cloned before the chdir: it is still in /.
                "/games/fortunes",
                "/proc/self/exe",
                "/usr/share/games/fortunes/w\u{e4}rme \"x\"",
            ]
        );
        assert_eq!(log.unresolved, ["rel"]);
        assert_eq!(log.processes, 3);
        assert_eq!(log.calls, 19);
    }

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
