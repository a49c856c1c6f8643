//! The grammars of the small values a Dockerfile holds (variable names,
//! platforms, signals, users, modes) and the characters no one-line value
//! may carry. One copy, used by the library's model checks and by the
//! Dockerfile macros' compile-time checks, so the two cannot disagree.

/// An `ENV`/`ARG` name: a letter or `_`, then letters, digits and `_`.
///
/// ```
/// use stagecraft_rules::names::variable_name;
/// assert!(variable_name("LD_LIBRARY_PATH"));
/// assert!(!variable_name("MY VAR") && !variable_name("PATH=/x") && !variable_name("1X"));
/// ```
pub fn variable_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `--platform`: `os/arch[/variant]` in lowercase, or a build arg (`$BUILDPLATFORM`).
///
/// ```
/// use stagecraft_rules::names::platform;
/// assert!(platform("linux/arm64/v8") && platform("${TARGETPLATFORM}"));
/// assert!(!platform("Linux/amd64") && !platform("amd64"));
/// ```
pub fn platform(platform: &str) -> bool {
    if let Some(variable) = platform.strip_prefix('$') {
        let name = variable
            .strip_prefix('{')
            .and_then(|v| v.strip_suffix('}'))
            .unwrap_or(variable);
        return variable_name(name);
    }
    let parts: Vec<&str> = platform.split('/').collect();
    (2..=3).contains(&parts.len())
        && parts.iter().all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

/// `STOPSIGNAL`: a name like `SIGTERM` or `SIGRTMIN+3`, a number, or a variable.
///
/// ```
/// use stagecraft_rules::names::stop_signal;
/// assert!(stop_signal("SIGINT") && stop_signal("9") && stop_signal("$SIGNAL"));
/// assert!(!stop_signal("TERM") && !stop_signal(""));
/// ```
pub fn stop_signal(signal: &str) -> bool {
    signal.starts_with('$')
        && signal.len() > 1
        && signal[1..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '{' | '}'))
        || !signal.is_empty() && signal.chars().all(|c| c.is_ascii_digit())
        || signal.len() > 3
            && signal.starts_with("SIG")
            && signal[3..]
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '+')
}

/// `USER` and `--chown`: a name or id, optionally with `:group`.
///
/// ```
/// use stagecraft_rules::names::owner;
/// assert!(owner("65532:65532") && owner("nonroot") && owner("${UID}"));
/// assert!(!owner("root\nRUN id") && !owner("a:") && !owner(""));
/// ```
pub fn owner(value: &str) -> bool {
    let part_ok = |part: &str| {
        !part.is_empty()
            && part.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '$' | '{' | '}')
            })
    };
    let mut parts = value.splitn(2, ':');
    let user_ok = parts.next().is_some_and(part_ok);
    let group_ok = parts.next().is_none_or(part_ok);
    user_ok && group_ok
}

/// `--chmod`: 3 or 4 octal digits.
///
/// ```
/// use stagecraft_rules::names::chmod;
/// assert!(chmod("0755") && chmod("644"));
/// assert!(!chmod("u+x") && !chmod("0789"));
/// ```
pub fn chmod(value: &str) -> bool {
    (3..=4).contains(&value.len()) && value.chars().all(|c| ('0'..='7').contains(&c))
}

/// The delimiter of a heredoc `COPY` source, which is the name of the file
/// it writes: letters, digits, `_`, `.` and `-`, not starting with `-` (which
/// `<<-` would take for its tab stripping), and neither `.` nor `..`.
///
/// ```
/// use stagecraft_rules::names::heredoc_file_name;
/// assert!(heredoc_file_name("app.conf") && heredoc_file_name(".env") && heredoc_file_name("EOF"));
/// assert!(!heredoc_file_name("a/b") && !heredoc_file_name("-x") && !heredoc_file_name(".."));
/// assert!(!heredoc_file_name("") && !heredoc_file_name("a b"));
/// ```
pub fn heredoc_file_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// The first character that cannot stand in a value written on one line
/// (NUL, then newline, then carriage return), described for a message.
///
/// ```
/// use stagecraft_rules::names::forbidden_character;
/// assert_eq!(forbidden_character("a\nb"), Some("a newline"));
/// assert_eq!(forbidden_character("fine"), None);
/// ```
pub fn forbidden_character(value: &str) -> Option<&'static str> {
    if value.contains('\0') {
        Some("a NUL byte")
    } else if value.contains('\n') {
        Some("a newline")
    } else if value.contains('\r') {
        Some("a carriage return")
    } else {
        None
    }
}

/// An `ADD --checksum`: `sha256:` and 64 hex digits, or a git commit's 40
/// hex digits.
///
/// ```
/// use stagecraft_rules::names::checksum;
/// assert!(checksum(&format!("sha256:{}", "a".repeat(64))) && checksum(&"0".repeat(40)));
/// assert!(!checksum("sha256:abc") && !checksum("sha"));
/// ```
pub fn checksum(checksum: &str) -> bool {
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    checksum
        .strip_prefix("sha256:")
        .is_some_and(|digest| hex(digest, 64))
        || hex(checksum, 40)
}

/// A source BuildKit's `ADD` reads as a git repository.
///
/// ```
/// use stagecraft_rules::names::git_source;
/// assert!(git_source("https://github.com/o/r.git#v1") && git_source("git@github.com:o/r.git"));
/// assert!(!git_source("https://example.com/a.tar.gz"));
/// ```
pub fn git_source(source: &str) -> bool {
    let without_fragment = source.split('#').next().unwrap_or(source);
    source.starts_with("git@")
        || source.starts_with("git://")
        || ((source.starts_with("https://") || source.starts_with("http://"))
            && without_fragment.ends_with(".git"))
}
