//! ShellCheck's verdicts kept between runs, so that linting one file per
//! process (a pre-commit hook, an editor) does not start a `shellcheck`
//! for scripts it has already checked.
//!
//! ShellCheck run as we run it (`--norc`, our options, a `#!` line naming the
//! dialect, the `export` line, no `source` followed) is a pure function of
//! its version and the script's text: an entry is keyed by the SHA-1 of the
//! cache format, the binary's identity (its resolved path, size, inode and
//! modification time) and the version it prints, the command-line options,
//! and the whole text handed to it (which holds the dialect and the exported
//! names). A different ShellCheck, another option or another byte of the
//! script is another key; nothing is ever looked up by file name. Only the
//! results of a `shellcheck` that finished normally are kept (no timeout, no
//! crash, no output that was not its JSON), one small JSON file per script.
//!
//! Where: `$STAGECRAFT_SHELLCHECK_CACHE` when it names a directory, else
//! `$XDG_CACHE_HOME/stagecraft/shellcheck`, else
//! `~/.cache/stagecraft/shellcheck`. Off with `--no-shellcheck-cache` or
//! `STAGECRAFT_SHELLCHECK_CACHE=off` (or `0`, `false`, empty). Nothing
//! expires: deleting the directory empties it. A cache that cannot be read
//! or written is a miss, never an error.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use wait_timeout::ChildExt;

/// Bumped when an entry's meaning or layout changes.
const FORMAT: &str = "stagecraft-shellcheck-cache-1";

/// One ShellCheck comment as kept: its line in the text handed to ShellCheck.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    /// The line in the script's full text (the `#!` line is 1).
    pub line: usize,
    /// The `SC` number.
    pub code: u32,
    /// `error`, `warning`, `info` or `style`.
    pub level: String,
    /// ShellCheck's message.
    pub message: String,
}

/// The cache of one `shellcheck` binary's verdicts.
#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    /// The binary's identity and version, and the options: the part of
    /// every key that is not the script.
    tool: String,
}

/// The directory `STAGECRAFT_SHELLCHECK_CACHE`, `XDG_CACHE_HOME` and `HOME`
/// give, `None` when the cache is turned off or no directory is known.
pub fn directory(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    match env("STAGECRAFT_SHELLCHECK_CACHE") {
        Some(value) => {
            let value = value.trim();
            if value.is_empty() || ["0", "off", "false", "no"].contains(&value) {
                None
            } else {
                Some(PathBuf::from(value))
            }
        }
        None => env("XDG_CACHE_HOME")
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from)
            .or_else(|| env("HOME").map(|home| Path::new(&home).join(".cache")))
            .map(|root| root.join("stagecraft").join("shellcheck")),
    }
}

impl Cache {
    /// The cache in `dir` for `binary` run with `options`; `None` when the
    /// binary cannot be identified or tells no version within `timeout`, or
    /// `dir` cannot be written (then nothing is cached). The version is asked of the binary once
    /// per binary identity and kept in `dir` too.
    pub fn open(dir: PathBuf, binary: &Path, options: &[&str], timeout: Duration) -> Option<Self> {
        let identity = identity(binary)?;
        let version = version(&dir, binary, &identity, timeout)?;
        let tool = format!("{identity}\0{version}\0{}", options.join("\0"));
        Some(Self { dir, tool })
    }

    fn entry(&self, text: &str) -> PathBuf {
        let mut hash = sha1_smol::Sha1::new();
        for part in [FORMAT, &self.tool, text] {
            hash.update(part.as_bytes());
            hash.update(b"\0");
        }
        self.dir.join(format!("{}.json", hash.digest()))
    }

    /// ShellCheck's comments on `text`, if it was checked before.
    pub fn get(&self, text: &str) -> Option<Vec<Comment>> {
        let bytes = std::fs::read(self.entry(text)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Keeps `comments` as ShellCheck's verdict on `text` (written to a
    /// temporary name and renamed, so a reader never sees half an entry).
    pub fn put(&self, text: &str, comments: &[Comment]) {
        let Ok(json) = serde_json::to_vec(comments) else {
            return;
        };
        let entry = self.entry(text);
        let _ = write_atomically(&self.dir, &entry, &json);
    }
}

fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".{}.tmp", std::process::id()));
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path)
}

/// The resolved path, size, inode and modification time of `binary`: what
/// changes when it is replaced or upgraded.
fn identity(binary: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let resolved = std::fs::canonicalize(binary).ok()?;
    let meta = std::fs::metadata(&resolved).ok()?;
    Some(format!(
        "{}\0{}\0{}:{}\0{}.{}",
        resolved.display(),
        meta.len(),
        meta.dev(),
        meta.ino(),
        meta.mtime(),
        meta.mtime_nsec()
    ))
}

/// What `binary --version` prints, remembered per identity in `dir` (asked
/// once, not once per run; `None` if it fails, takes over `timeout`, or
/// cannot be remembered).
fn version(dir: &Path, binary: &Path, identity: &str, timeout: Duration) -> Option<String> {
    let memo = dir.join(format!(
        "version-{}",
        sha1_smol::Sha1::from(identity.as_bytes()).digest()
    ));
    if let Ok(text) = std::fs::read_to_string(&memo) {
        if !text.trim().is_empty() {
            return Some(text);
        }
    }
    let spawn = || {
        Command::new(binary)
            .arg("--version")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
    };
    // A binary written a moment ago can be "busy" while another thread's
    // fork still holds its write descriptor (ETXTBSY, until that child
    // execs): a short wait ends it.
    let mut child = spawn();
    for _ in 0..3 {
        match &child {
            Err(error) if error.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(Duration::from_millis(50));
                child = spawn();
            }
            _ => break,
        }
    }
    let mut child = child.ok()?;
    // A few lines: they fit in the pipe, so it can be read after the end.
    let status = match child.wait_timeout(timeout) {
        Ok(Some(status)) => status,
        _ => {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
    };
    let mut text = String::new();
    child.stdout.take()?.read_to_string(&mut text).ok()?;
    if !status.success() || !text.contains("version") {
        return None;
    }
    // A directory that cannot be written would cost a `--version` every
    // run and hold nothing: no cache then.
    write_atomically(dir, &memo, text.as_bytes()).ok()?;
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    /// Generous: a loaded CI machine took over a second to start `sh`
    /// (the test is about keys, not time; the timeout has its own test).
    const TIMEOUT: Duration = Duration::from_secs(30);

    #[test]
    fn the_directory_and_how_to_turn_it_off() {
        let dir = |pairs: &[(&str, &str)]| directory(&env_of(pairs));
        assert_eq!(
            dir(&[("HOME", "/h")]),
            Some(PathBuf::from("/h/.cache/stagecraft/shellcheck"))
        );
        assert_eq!(
            dir(&[("HOME", "/h"), ("XDG_CACHE_HOME", "/x")]),
            Some(PathBuf::from("/x/stagecraft/shellcheck"))
        );
        assert_eq!(
            dir(&[("HOME", "/h"), ("STAGECRAFT_SHELLCHECK_CACHE", "/c")]),
            Some(PathBuf::from("/c"))
        );
        for off in ["off", "0", "false", ""] {
            assert_eq!(
                dir(&[("HOME", "/h"), ("STAGECRAFT_SHELLCHECK_CACHE", off)]),
                None
            );
        }
        assert_eq!(dir(&[]), None);
    }

    /// A stand-in `shellcheck` whose `--version` prints `version`.
    fn fake(dir: &Path, version: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("shellcheck");
        std::fs::write(&path, format!("#!/bin/sh\necho 'version: {version}'\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn an_entry_is_found_by_its_text_tool_and_options_only() {
        let root = tempfile::tempdir().unwrap();
        let bin = root.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let binary = fake(&bin, "0.9.0");
        let dir = root.path().join("cache");
        let cache = Cache::open(dir.clone(), &binary, &["--norc"], TIMEOUT).unwrap();
        // A directory that cannot be made (here: under a file) is no cache.
        let file = root.path().join("a-file");
        std::fs::write(&file, "").unwrap();
        assert!(Cache::open(file.join("cache"), &binary, &["--norc"], TIMEOUT).is_none());
        let comment = Comment {
            line: 2,
            code: 2086,
            level: "info".into(),
            message: "Double quote to prevent globbing and word splitting.".into(),
        };
        let text = "#!/bin/sh\necho $1\n";
        assert_eq!(cache.get(text), None);
        cache.put(text, std::slice::from_ref(&comment));
        assert_eq!(cache.get(text), Some(vec![comment.clone()]));
        cache.put("#!/bin/sh\ntrue\n", &[]);
        assert_eq!(cache.get("#!/bin/sh\ntrue\n"), Some(vec![]));
        // Another dialect (the `#!` line) is another script.
        assert_eq!(cache.get("#!/bin/bash\necho $1\n"), None);
        // Other options, another key.
        let other = Cache::open(dir.clone(), &binary, &["--norc", "-S", "error"], TIMEOUT).unwrap();
        assert_eq!(other.get(text), None);
        // Another binary (an upgrade rewrites it: size and time change),
        // another version: nothing of the old one's is found.
        std::thread::sleep(std::time::Duration::from_millis(10));
        let binary = fake(&bin, "0.10.0-upgraded");
        let upgraded = Cache::open(dir.clone(), &binary, &["--norc"], TIMEOUT).unwrap();
        assert_eq!(upgraded.get(text), None);
        // A damaged entry is a miss.
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "json") {
                std::fs::write(&path, "{").unwrap();
            }
        }
        assert_eq!(cache.get(text), None);
    }

    #[test]
    fn a_binary_that_gives_no_version_is_not_cached() {
        let root = tempfile::tempdir().unwrap();
        // One second: what hangs is given up after it.
        let second = Duration::from_secs(1);
        let open = |binary: &Path| Cache::open(root.path().join("c"), binary, &[], second);
        assert!(open(&root.path().join("none")).is_none());
        use std::os::unix::fs::PermissionsExt;
        for (name, script) in [("fails", "exit 3"), ("hangs", "exec sleep 30")] {
            let path = root.path().join(name);
            std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            let started = std::time::Instant::now();
            assert!(open(&path).is_none(), "{name}");
            assert!(started.elapsed() < Duration::from_secs(10), "{name}");
        }
    }
}
