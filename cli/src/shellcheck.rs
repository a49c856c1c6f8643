//! ShellCheck over the `RUN`s, as hadolint runs it (`Rule/Shellcheck.hs`):
//! each shell-form `RUN` (and a script heredoc's body) becomes a script with
//! the stage's shell as its `#!` line (`SHELL`, or a `# hadolint shell=`
//! pragma) and `export NAME=1` for the stage's `ARG`/`ENV` names and the
//! proxy variables; ShellCheck's findings come back at the Dockerfile's line
//! with its own `SC` codes.
//!
//! Unlike hadolint, which links ShellCheck in, this runs the `shellcheck`
//! binary on PATH: all the scripts of a run are written to one temporary
//! directory and handed to a few `shellcheck` processes (one per core), each
//! under a time limit. With a [`Cache`], a script checked before (the same
//! text, dialect and names, the same ShellCheck) is not handed to it again,
//! and a run whose scripts were all checked before starts no `shellcheck`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde::Deserialize;
use stagecraft::lint::{Options, Severity};
use stagecraft_rules::dockerfile::parse::{Command as RunCommand, Run};
use stagecraft_rules::dockerfile::{Dockerfile, InstructionKind};
use wait_timeout::ChildExt;

use crate::finding::{Finding, Source};
use crate::shellcheck_cache::{self, Cache};

/// ShellCheck codes left out, as hadolint leaves them out: ash is not
/// supported (2187), and `source` cannot be followed from a Dockerfile
/// (1090, 1091).
const EXCLUDED: &str = "2187,1090,1091";

/// The options every `shellcheck` is run with (before the script files);
/// part of every [`Cache`] key.
pub const OPTIONS: [&str; 4] = ["--norc", "--format=json1", "--exclude", EXCLUDED];

/// Variables every stage has (hadolint's `defaultShellOpts`).
const PROXY_VARS: [&str; 8] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// One script for ShellCheck.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// Which file (an index into the caller's list).
    pub file: usize,
    /// `sh`, `bash`, `dash` or `ksh`.
    pub dialect: &'static str,
    /// The names exported before the script.
    pub vars: Vec<String>,
    /// The script itself.
    pub text: String,
    /// The Dockerfile line of each line of `text`.
    pub lines: Vec<usize>,
    /// The codes the instruction's pragmas (and the file's global ones) ignore.
    pub ignores: Vec<String>,
}

impl Script {
    /// The text handed to ShellCheck: the `#!` line, one `export` line for
    /// the names that can matter to this script, the script.
    fn full_text(&self) -> String {
        let mut text = format!("#!/bin/{}\n", self.dialect);
        let vars = self.relevant_vars();
        if !vars.is_empty() {
            text.push_str("export");
            for var in &vars {
                text.push(' ');
                text.push_str(var);
                text.push_str("=1");
            }
            text.push('\n');
        }
        text.push_str(&self.text);
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text
    }

    /// How many lines [`Script::full_text`] puts before the script.
    fn header_lines(&self) -> usize {
        1 + usize::from(!self.relevant_vars().is_empty())
    }

    /// The exported names ShellCheck's verdict can depend on: those the
    /// script's text contains, and those close enough to a `$NAME` it
    /// references to be offered as its spelling (SC2153: at most two edits,
    /// ignoring case). An exported name the script never mentions changes
    /// no finding, and each one costs ShellCheck time (hadolint exports
    /// every name, one `export` command each: the corpus's scripts took
    /// about twice as long to check).
    fn relevant_vars(&self) -> Vec<&str> {
        let references = references(&self.text);
        self.vars
            .iter()
            .map(String::as_str)
            .filter(|var| {
                self.text.contains(var)
                    || references
                        .iter()
                        .any(|reference| near_spelling(var, reference))
            })
            .collect()
    }

    /// The Dockerfile line of line `line` of [`Script::full_text`].
    fn dockerfile_line(&self, line: usize) -> Option<usize> {
        let index = line.checked_sub(self.header_lines() + 1)?;
        self.lines.get(index).or_else(|| self.lines.last()).copied()
    }
}

/// The names `text` references as `$NAME` or `${NAME...}`.
fn references(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        rest = &rest[at + 1..];
        let name = rest.strip_prefix('{').unwrap_or(rest);
        let end = name
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(name.len());
        if end > 0 && !name.starts_with(|c: char| c.is_ascii_digit()) {
            names.push(&name[..end]);
        }
    }
    names
}

/// Whether ShellCheck could offer `var` as the spelling of `reference`:
/// within two edits of it, case ignored (its SC2153 takes at most one edit
/// for names over 3 characters, two for names over 7).
fn near_spelling(var: &str, reference: &str) -> bool {
    let (a, b): (Vec<u8>, Vec<u8>) = (
        var.bytes().map(|c| c.to_ascii_lowercase()).collect(),
        reference.bytes().map(|c| c.to_ascii_lowercase()).collect(),
    );
    if a.len().abs_diff(b.len()) > 2 {
        return false;
    }
    // Levenshtein distance, one row at a time.
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()] <= 2
}

/// The ShellCheck dialect of a shell program, `None` for a shell ShellCheck
/// cannot read (PowerShell, cmd, zsh, fish, ...).
fn dialect(program: &str) -> Option<&'static str> {
    let name = program.rsplit('/').next().unwrap_or(program);
    Some(match name {
        "sh" | "ash" | "busybox" => "sh",
        "bash" => "bash",
        "dash" => "dash",
        "ksh" | "mksh" | "ksh93" => "ksh",
        _ => return None,
    })
}

/// `# hadolint shell=NAME` comment lines: `(line, program)`.
pub fn shell_pragmas(source: &str) -> Vec<(usize, String)> {
    source
        .lines()
        .enumerate()
        .filter_map(|(index, line)| {
            let comment = line.trim_start().strip_prefix('#')?.trim();
            let rest = comment
                .strip_prefix("hadolint")
                .or_else(|| comment.strip_prefix("stagecraft"))?;
            let value = rest.trim_start().strip_prefix("shell")?;
            let value = value.trim_start().strip_prefix('=')?.trim();
            let program = value.split_whitespace().next()?;
            Some((index + 1, program.to_owned()))
        })
        .collect()
}

/// The shell a stage runs `RUN` with, and the names it has.
#[derive(Debug, Clone)]
struct ShellState {
    dialect: Option<&'static str>,
    vars: Vec<String>,
}

impl Default for ShellState {
    fn default() -> Self {
        Self {
            dialect: Some("sh"),
            vars: PROXY_VARS.iter().map(|v| (*v).to_owned()).collect(),
        }
    }
}

impl ShellState {
    fn add_var(&mut self, name: &str) {
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if valid && !self.vars.iter().any(|v| v == name) {
            self.vars.push(name.to_owned());
        }
    }
}

/// The scripts of one Dockerfile (file number `file`), in line order.
/// Shell-less stages are left out (their `RUN`s are SCR022's), as are
/// exec-form `RUN`s (no shell runs them).
pub fn scripts(file: usize, df: &Dockerfile, source: &str, options: &Options) -> Vec<Script> {
    let infos = stagecraft::rules::dockerfile::stages(df, options);
    let pragmas = shell_pragmas(source);
    let mut states: Vec<ShellState> = Vec::with_capacity(df.stages.len());
    let mut out = Vec::new();
    for (index, stage) in df.stages.iter().enumerate() {
        // A stage built FROM an earlier one keeps its shell and names.
        let mut state = df
            .stage_index(&stage.from.image)
            .filter(|&earlier| earlier < index)
            .and_then(|earlier| states.get(earlier).cloned())
            .unwrap_or_else(|| {
                // A Windows image runs `RUN` with cmd, no shell ShellCheck reads.
                let windows = stagecraft::rules::dockerfile::is_windows_image(&stage.from.image);
                ShellState {
                    dialect: if windows { None } else { Some("sh") },
                    ..ShellState::default()
                }
            });
        let end = df
            .stages
            .get(index + 1)
            .map_or(usize::MAX, |next| next.line);
        let mut previous = stage.line;
        for instruction in &stage.instructions {
            for (_, program) in pragmas
                .iter()
                .filter(|(line, _)| *line > previous && *line < instruction.line)
            {
                state.dialect = dialect(program);
            }
            previous = instruction.end_line;
            match &instruction.kind {
                InstructionKind::Arg(args) => {
                    args.iter().for_each(|(name, _)| state.add_var(name));
                }
                InstructionKind::Env(pairs) => {
                    pairs.iter().for_each(|(name, _)| state.add_var(name));
                }
                InstructionKind::Shell(shell) => {
                    state.dialect = shell.first().and_then(|program| dialect(program));
                }
                InstructionKind::Run(run) if !infos[index].shell_less => {
                    let Some(stage_dialect) = state.dialect else {
                        continue;
                    };
                    let mut ignores = instruction.ignores.clone();
                    ignores.extend(df.global_ignores.iter().cloned());
                    ignores.extend(df.stage_ignores_at(instruction.line).iter().cloned());
                    for (script_dialect, text, lines) in
                        run_scripts(run, instruction.line, stage_dialect)
                    {
                        out.push(Script {
                            file,
                            dialect: script_dialect,
                            vars: state.vars.clone(),
                            text,
                            lines,
                            ignores: ignores.clone(),
                        });
                    }
                }
                _ => {}
            }
        }
        // Pragmas after the last instruction still change the stage's shell
        // for the stages built FROM it.
        for (_, program) in pragmas
            .iter()
            .filter(|(line, _)| *line > previous && *line < end)
        {
            state.dialect = dialect(program);
        }
        states.push(state);
    }
    out
}

/// The scripts of one `RUN`: `(dialect, text, Dockerfile line per line)`.
fn run_scripts(
    run: &Run,
    line: usize,
    stage: &'static str,
) -> Vec<(&'static str, String, Vec<usize>)> {
    let RunCommand::Shell(text) = &run.command else {
        return Vec::new();
    };
    let text_lines = text.lines().count().max(1);
    if run.heredocs.is_empty() {
        return vec![(stage, text.clone(), vec![line; text_lines])];
    }
    let first_word = text.split_whitespace().next().unwrap_or("");
    let heredoc = &run.heredocs[0];
    let stdin_shell =
        dialect(first_word).filter(|_| !text.split_whitespace().any(|word| word == "-c"));
    let whole = first_word
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .starts_with("<<");
    if whole || stdin_shell.is_some() {
        // The heredoc is the script: its body, at its own lines, in the
        // dialect its `#!` line names (another interpreter: not shell).
        let mut body = heredoc.content.as_str();
        let mut first = heredoc.line;
        let mut body_dialect = stdin_shell.unwrap_or(stage);
        if let Some(shebang) = body.lines().next().filter(|l| l.starts_with("#!")) {
            let named = shebang
                .trim_start_matches("#!")
                .split_whitespace()
                .find_map(dialect);
            match named {
                Some(named) => body_dialect = named,
                None => return Vec::new(),
            }
            body = &body[shebang.len()..];
            body = body.strip_prefix('\n').unwrap_or(body);
            first += 1;
        }
        let count = body.lines().count();
        let lines = (first..first + count.max(1)).collect();
        return vec![(body_dialect, body.to_owned(), lines)];
    }
    // A heredoc of data (`cat <<EOF > file`): the command with its heredocs.
    let mut full = text.clone();
    full.push('\n');
    let mut lines = vec![line; text_lines];
    for heredoc in &run.heredocs {
        full.push_str(&heredoc.content);
        full.push_str(&heredoc.name);
        full.push('\n');
        let count = heredoc.content.lines().count();
        lines.extend(heredoc.line..=heredoc.line + count);
    }
    vec![(stage, full, lines)]
}

/// Where `shellcheck` is on PATH, if it is.
pub fn find_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("shellcheck"))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// What the ShellCheck runs gave.
#[derive(Debug, Default)]
pub struct Outcome {
    /// `(file, finding)`, the pragmas' ignores applied.
    pub findings: Vec<(usize, Finding)>,
    /// What went wrong (a timeout, a crash), for standard error.
    pub notes: Vec<String>,
}

#[derive(Deserialize)]
struct Json1 {
    comments: Vec<Comment>,
}

#[derive(Deserialize)]
struct Comment {
    file: String,
    line: usize,
    code: u32,
    level: String,
    message: String,
}

/// Runs `binary` over `scripts`, in at most one process per core, each
/// stopped after `timeout`; the scripts `cache` holds are not run, and what
/// the processes find is kept in it.
pub fn run(binary: &Path, scripts: &[Script], timeout: Duration, cache: Option<&Cache>) -> Outcome {
    let mut outcome = Outcome::default();
    if scripts.is_empty() {
        return outcome;
    }
    let texts: Vec<String> = scripts.iter().map(Script::full_text).collect();
    let mut comments: Vec<(usize, shellcheck_cache::Comment)> = Vec::new();
    let mut missing: Vec<usize> = Vec::new();
    for (index, text) in texts.iter().enumerate() {
        match cache.and_then(|cache| cache.get(text)) {
            Some(found) => comments.extend(found.into_iter().map(|comment| (index, comment))),
            None => missing.push(index),
        }
    }
    if !missing.is_empty() {
        check(
            binary,
            &texts,
            &missing,
            timeout,
            cache,
            &mut comments,
            &mut outcome,
        );
    }
    // In script order, each script's in ShellCheck's order: the same
    // findings in the same order whether they came from the cache or not.
    comments.sort_by_key(|(index, _)| *index);
    for (index, comment) in comments {
        let script = &scripts[index];
        let Some(line) = script.dockerfile_line(comment.line) else {
            continue;
        };
        let finding = Finding {
            line,
            source: Source::ShellCheck(comment.code),
            severity: match comment.level.as_str() {
                "error" => Severity::Error,
                "warning" => Severity::Warning,
                "info" => Severity::Info,
                _ => Severity::Style,
            },
            message: comment.message,
        };
        if !script.ignores.iter().any(|code| finding.is_named(code)) {
            outcome.findings.push((script.file, finding));
        }
    }
    outcome
        .findings
        .sort_by_key(|(file, finding)| (*file, finding.line));
    outcome.findings.dedup();
    outcome
}

/// What one `shellcheck` process gave: its comments, or why there are none.
type BatchOutcome = Result<Vec<Comment>, String>;

/// Hands the scripts `missing` (indices into `texts`) to `shellcheck`
/// processes; their comments go to `comments`, and to `cache` for each
/// batch that finished normally.
fn check(
    binary: &Path,
    texts: &[String],
    missing: &[usize],
    timeout: Duration,
    cache: Option<&Cache>,
    comments: &mut Vec<(usize, shellcheck_cache::Comment)>,
    outcome: &mut Outcome,
) {
    let dir = match tempfile::Builder::new().prefix("stagecraft-sh").tempdir() {
        Ok(dir) => dir,
        Err(error) => {
            outcome.notes.push(format!(
                "shellcheck was not run: no temporary directory for the scripts: {error}"
            ));
            return;
        }
    };
    for &index in missing {
        if let Err(error) = std::fs::write(dir.path().join(format!("{index}.sh")), &texts[index]) {
            outcome.notes.push(format!(
                "shellcheck was not run: cannot write its scripts: {error}"
            ));
            return;
        }
    }
    let per_batch = batch_size(
        missing.len(),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    );
    let results: Vec<(&[usize], BatchOutcome)> = std::thread::scope(|scope| {
        let handles: Vec<_> = missing
            .chunks(per_batch)
            .map(|batch| {
                let dir = dir.path();
                (
                    batch,
                    scope.spawn(move || run_batch(binary, dir, batch, timeout)),
                )
            })
            .collect();
        handles
            .into_iter()
            .map(|(batch, handle)| {
                let result = handle
                    .join()
                    .unwrap_or_else(|_| Err("a shellcheck batch panicked".to_owned()));
                (batch, result)
            })
            .collect()
    });
    for (batch, result) in results {
        match result {
            Ok(found) => {
                let mut by_script: Vec<(usize, shellcheck_cache::Comment)> = found
                    .into_iter()
                    .filter_map(|comment| {
                        let index = script_index(&comment.file)?;
                        batch.contains(&index).then(|| {
                            let kept = shellcheck_cache::Comment {
                                line: comment.line,
                                code: comment.code,
                                level: comment.level,
                                message: comment.message,
                            };
                            (index, kept)
                        })
                    })
                    .collect();
                by_script.sort_by_key(|(index, _)| *index);
                if let Some(cache) = cache {
                    for &index in batch {
                        let own: Vec<shellcheck_cache::Comment> = by_script
                            .iter()
                            .filter(|(of, _)| *of == index)
                            .map(|(_, comment)| comment.clone())
                            .collect();
                        cache.put(&texts[index], &own);
                    }
                }
                comments.extend(by_script);
            }
            Err(note) => outcome.notes.push(note),
        }
    }
}

/// Scripts per `shellcheck` process: a process costs about as much to
/// start as checking five scripts, so a few scripts (one file's, as a hook
/// lints them) go to one process, and only a run with more than
/// [`MIN_PER_PROCESS`] scripts a core is spread over the cores. A batch may
/// hold scripts of several dialects: each file's `#!` line names its own.
fn batch_size(scripts: usize, cores: usize) -> usize {
    let processes = scripts.div_ceil(MIN_PER_PROCESS).clamp(1, cores.max(1));
    scripts.div_ceil(processes).clamp(1, 500)
}

/// Fewest scripts worth a `shellcheck` process of their own.
const MIN_PER_PROCESS: usize = 32;

/// `7` for `.../7.sh`.
fn script_index(file: &str) -> Option<usize> {
    Path::new(file).file_stem()?.to_str()?.parse().ok()
}

fn run_batch(binary: &Path, dir: &Path, batch: &[usize], timeout: Duration) -> BatchOutcome {
    let first = batch.first().copied().unwrap_or(0);
    let last = batch.last().copied().unwrap_or(0);
    let which = format!("the RUNs of scripts {first}..={last} were not checked");
    let mut child = Command::new(binary)
        .args(OPTIONS)
        .args(batch.iter().map(|index| format!("{index}.sh")))
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("shellcheck could not start ({error}); {which}"))?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    // Read while it runs (a full pipe would stop it); a reader left behind
    // by a timeout ends with the process.
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let error_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let status = match child.wait_timeout(timeout) {
        Ok(Some(status)) => status,
        Ok(None) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "shellcheck did not finish within {} s and was stopped; {which} \
                 (set STAGECRAFT_SHELLCHECK_TIMEOUT to allow more seconds)",
                timeout.as_secs_f64()
            ));
        }
        Err(error) => {
            return Err(format!(
                "shellcheck could not be waited for ({error}); {which}"
            ))
        }
    };
    let text = reader.join().unwrap_or_default();
    let errors = error_reader.join().unwrap_or_default();
    // 0: no findings, 1: findings; anything else is ShellCheck failing.
    if !matches!(status.code(), Some(0 | 1)) {
        let reason = errors.lines().next().unwrap_or("no message").to_owned();
        return Err(format!("shellcheck failed ({status}: {reason}); {which}"));
    }
    serde_json::from_str::<Json1>(&text)
        .map(|json| json.comments)
        .map_err(|error| format!("shellcheck's output is not its JSON ({error}); {which}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scripts_of(text: &str) -> Vec<Script> {
        let df = Dockerfile::parse(text).unwrap();
        scripts(0, &df, text, &Options::default())
    }

    #[test]
    fn a_run_becomes_a_script_with_the_stage_shell_and_names() {
        let found = scripts_of(
            "FROM debian:bookworm-slim\nARG VERSION\nENV HOME_DIR=/x\n\
             SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN echo $VERSION\n",
        );
        assert_eq!(found.len(), 1);
        let script = &found[0];
        assert_eq!(script.dialect, "bash");
        assert!(script.vars.iter().any(|v| v == "VERSION"));
        assert!(script.vars.iter().any(|v| v == "HOME_DIR"));
        assert!(script.vars.iter().any(|v| v == "http_proxy"));
        assert_eq!(script.text, "echo $VERSION");
        // Only the names the script can be judged by are exported.
        let full = script.full_text();
        assert_eq!(full, "#!/bin/bash\nexport VERSION=1\necho $VERSION\n");
        assert_eq!(script.dockerfile_line(full.lines().count()), Some(5));
    }

    /// A Windows image's `RUN`s are cmd's (the rules' default shell for it):
    /// ShellCheck is given none of them, unless a `SHELL` names a POSIX shell.
    #[test]
    fn a_windows_stage_has_no_script_for_shellcheck() {
        let found = scripts_of(
            "FROM mcr.microsoft.com/windows/servercore:ltsc2022
RUN dir C:\\ && echo %PATH%
             FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL [\"bash\", \"-c\"]
RUN echo $PATH
             FROM debian:bookworm-slim
RUN echo $PATH
",
        );
        let shown: Vec<_> = found.iter().map(|s| (s.dialect, s.text.as_str())).collect();
        assert_eq!(shown, [("bash", "echo $PATH"), ("sh", "echo $PATH")]);
    }

    #[test]
    fn exported_names_are_those_mentioned_or_a_misspelling_away() {
        let script = |text: &str| Script {
            file: 0,
            dialect: "sh",
            vars: ["http_proxy", "APP_VERSION", "LANG", "PATH"]
                .map(str::to_owned)
                .to_vec(),
            text: text.to_owned(),
            lines: vec![3],
            ignores: Vec::new(),
        };
        assert_eq!(script("make install").relevant_vars(), Vec::<&str>::new());
        assert_eq!(
            script("make install").full_text(),
            "#!/bin/sh\nmake install\n"
        );
        assert_eq!(script("make install").dockerfile_line(2), Some(3));
        assert_eq!(
            script("curl --proxy \"$http_proxy\" -O x; echo ${APP_VERSON}").relevant_vars(),
            ["http_proxy", "APP_VERSION"]
        );
        // `PATH=...` mentions PATH; `$lang` is LANG in another case.
        assert_eq!(
            script("PATH=/x:$PATH; echo $lang").relevant_vars(),
            ["LANG", "PATH"]
        );
        let with_header = script("echo $PATH");
        assert_eq!(
            with_header.full_text(),
            "#!/bin/sh\nexport PATH=1\necho $PATH\n"
        );
        assert_eq!(with_header.dockerfile_line(3), Some(3));
        assert_eq!(references("a ${B:-x} $1 $_c d$"), ["B", "_c"]);
        assert!(near_spelling("APP_VERSION", "app_verson"));
        assert!(near_spelling("VERSION", "VERSOIN"));
        assert!(!near_spelling("VERSION", "VARIANT"));
    }

    #[test]
    fn one_process_for_a_few_scripts_the_cores_for_many() {
        assert_eq!(batch_size(3, 2), 3);
        assert_eq!(batch_size(32, 2), 32);
        assert_eq!(batch_size(33, 2), 17);
        assert_eq!(batch_size(400, 2), 200);
        assert_eq!(batch_size(400, 64), 31);
        assert_eq!(batch_size(5000, 2), 500);
        assert_eq!(batch_size(1, 0), 1);
    }

    #[test]
    fn pragmas_exec_form_and_shell_less_stages() {
        let found = scripts_of(
            "FROM debian:bookworm-slim AS build\n# hadolint shell=bash\nRUN echo a\n\
             RUN [\"echo\", \"b\"]\nFROM build\nRUN echo c\n\
             FROM scratch\nRUN echo d\n",
        );
        let shown: Vec<_> = found.iter().map(|s| (s.dialect, s.text.as_str())).collect();
        assert_eq!(shown, [("bash", "echo a"), ("bash", "echo c")]);
        let found = scripts_of("FROM a\nSHELL [\"pwsh\", \"-c\"]\nRUN Write-Host x\n");
        assert!(found.is_empty());
        assert_eq!(
            shell_pragmas("# hadolint shell=ksh\nFROM a\n"),
            [(1, "ksh".to_owned())]
        );
    }

    #[test]
    fn heredoc_bodies_keep_their_lines() {
        let found = scripts_of("FROM a\nRUN <<EOF\nset -e\necho $1\nEOF\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].text, "set -e\necho $1\n");
        assert_eq!(found[0].lines, [3, 4]);
        let found = scripts_of("FROM a\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n");
        assert!(found.is_empty());
        let found = scripts_of("FROM a\nRUN <<EOF\n#!/bin/bash\necho $1\nEOF\n");
        assert_eq!(
            (found[0].dialect, found[0].lines.as_slice()),
            ("bash", &[4][..])
        );
        let found = scripts_of("FROM a\nRUN cat <<EOF > /x\nhello\nEOF\n");
        assert_eq!(found[0].text, "cat <<EOF > /x\nhello\nEOF\n");
        assert_eq!(found[0].lines, [2, 3, 4]);
    }
}
