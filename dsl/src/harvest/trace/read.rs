//! Reading what the traced runs left out of a never-started container of
//! the trace stage (through [`crate::engine::archive`]), limits applied
//! while reading.

use super::*;

/// How much of each file of [`TRACE_DIR`] is read: the working directory,
/// the logs (strace's lines are short; a log this long is cut, its last
/// line skipped as unfinished), the standard output; nothing else.
pub(super) fn trace_file_limit(name: &str) -> Option<u64> {
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
pub(super) const MAX_LOG: u64 = 256 << 20;

/// The most of a traced run's standard output kept in [`TraceLog::stdout`].
pub(super) const MAX_STDOUT: u64 = 1 << 20;

/// A never-started container of the trace image, to read files out of.
pub(super) struct TraceReader<'e> {
    pub(super) engine: &'e Engine,
    pub(super) id: String,
    pub(super) stage: String,
}

impl<'e> TraceReader<'e> {
    pub(super) async fn create(
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
pub(super) async fn read_trace(
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
pub(super) fn script(fs: &StageFs, path: &str) -> Option<String> {
    let found = fs.lookup(path, true).ok()?;
    match fs.file(&found.path) {
        Some((_, None, _)) => Some(found.path),
        _ => None,
    }
}

/// `#!/usr/bin/perl -w` -> (`/usr/bin/perl`, `-w`).
pub(super) fn shebang(head: &str) -> Option<(String, String)> {
    let rest = head.strip_prefix("#!")?.trim();
    let (interpreter, argument) = rest.split_once([' ', '\t']).unwrap_or((rest, ""));
    interpreter
        .starts_with('/')
        .then(|| (interpreter.to_string(), argument.trim().to_string()))
}
