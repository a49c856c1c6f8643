//! The strace log parser: pure, from the text of `strace -f -y -o` to
//! the paths a run used ([`TraceLog`]).

use super::*;

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
pub(super) struct Call {
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
pub(super) const AT_CALLS: [&str; 9] = [
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
pub(super) const FOUND_CALLS: [&str; 14] = [
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

pub(super) fn push_once(list: &mut Vec<String>, seen: &mut HashSet<String>, path: String) {
    if seen.insert(path.clone()) {
        list.push(path);
    }
}

/// The calls of a log, `<unfinished ...>` and `<... resumed>` parts joined per pid.
pub(super) fn calls(log: &str) -> Vec<Call> {
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
pub(super) fn split_pid(line: &str) -> (u32, &str) {
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
pub(super) fn parse_call(pid: u32, text: &str) -> Option<Call> {
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
pub(super) fn succeeded(ret: &str) -> bool {
    ret.starts_with(|c: char| c.is_ascii_digit())
}

pub(super) fn leading_number(ret: &str) -> Option<u64> {
    let digits: String = ret.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The path of a `-y` decoration: `AT_FDCWD</dir>` or `3</dir>` -> `/dir`.
pub(super) fn decoration(arg: &str) -> Option<String> {
    let start = arg.find('<')?;
    let inner = arg[start + 1..].strip_suffix('>')?;
    inner.starts_with('/').then(|| unescape(inner))
}

/// A C string argument `"..."` unescaped; `None` for anything else or a
/// string strace cut short (`"..."...`).
pub(super) fn string(arg: &str) -> Option<String> {
    let inner = arg.strip_prefix('"')?.strip_suffix('"')?;
    Some(unescape(inner))
}

/// strace's escapes: `\\`, `\"`, `\n`, `\t`, `\r`, `\v`, `\f`, `\ooo`, `\xhh`.
pub(super) fn unescape(text: &str) -> String {
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
}
