//! Checks on the raw text of a shell-form `RUN` command.
//!
//! A `RUN` line is copied into the Dockerfile as written, so its text must not
//! be able to end the instruction early and start another one: a bare newline
//! would do exactly that (`apt-get update\nUSER root`). A newline is only
//! allowed right after a backslash, where it is a line continuation both for
//! the Dockerfile parser and for the shell.

use thiserror::Error;

/// Why a `RUN` command's text cannot be placed in a Dockerfile as it is.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TextError {
    /// Nothing but whitespace.
    #[error("the RUN command is empty: write the command to run, e.g. `apt-get update`")]
    Empty,
    /// A NUL byte, which no Dockerfile or shell can carry.
    #[error("the RUN command contains a NUL byte at byte {offset}: remove it")]
    Nul {
        /// Byte offset of the NUL.
        offset: usize,
    },
    /// A carriage return, which Docker's parser would treat as part of a word.
    #[error("the RUN command contains a carriage return at byte {offset}: use Unix line endings")]
    CarriageReturn {
        /// Byte offset of the `\r`.
        offset: usize,
    },
    /// A newline that is not a line continuation.
    #[error(
        "the RUN command has a newline on line {line} that is not a line continuation: \
         a bare newline ends the instruction and the rest would be read as a new Dockerfile \
         instruction; join the commands with `&&`, or end the line with ` \\` to continue it"
    )]
    BareNewline {
        /// 1-based line of the command text on which the bare newline ends.
        line: usize,
    },
    /// The text ends with a comment line inside a line continuation: Docker
    /// skips that line and goes on with the next Dockerfile line.
    #[error(
        "the RUN command ends with a comment line inside a line continuation: Docker skips \
         the comment and would continue into the next Dockerfile line; end the command with \
         a line of shell, or remove the comment"
    )]
    TrailingComment,
    /// The text ends with a backslash, which would swallow the next Dockerfile line.
    #[error(
        "the RUN command ends with a backslash: it would continue into the next Dockerfile \
         line; remove the trailing `\\`"
    )]
    TrailingBackslash,
    /// Text that Docker would read as `RUN` flags.
    #[error(
        "the RUN command starts with `--`, which Docker reads as a RUN flag \
         (`--mount`, `--network`, ...), not as the command: give mounts and \
         options as typed values, or start the command with its program"
    )]
    ReadAsFlag,
    /// Text that Docker would read as the exec form: a JSON array of strings.
    #[error(
        "the RUN command is a JSON array of strings, which Docker reads as the exec (JSON) \
         form, not as shell text: use the exec form's own constructor, or start the command \
         with its program"
    )]
    ReadAsExecForm,
}

/// Checks that shell text placed after `RUN ` is read as shell text, by the
/// rule Docker's parser (and the lint's, [`Dockerfile::parse`](crate::dockerfile::Dockerfile::parse))
/// applies: not as flags (`--` and a letter) nor as the exec form (the
/// whole text, continuations joined, a JSON array of strings). A `[` that
/// starts a test (`[ -f x ] && make`) is shell text, as in Docker.
///
/// ```
/// use stagecraft_rules::text::{check_run_start, TextError};
///
/// assert_eq!(check_run_start("--network=none make"), Err(TextError::ReadAsFlag));
/// assert_eq!(check_run_start(" [\"make\", \"all\"]"), Err(TextError::ReadAsExecForm));
/// assert_eq!(check_run_start("[\"make\", \\\n \"all\"]"), Err(TextError::ReadAsExecForm));
/// assert!(check_run_start(" [ -f x ] && make").is_ok());
/// assert!(check_run_start("make -- [x]").is_ok());
/// ```
pub fn check_run_start(text: &str) -> Result<(), TextError> {
    let start = text.trim_start();
    let flag = start
        .strip_prefix("--")
        .is_some_and(|after| after.starts_with(|c: char| c.is_ascii_alphabetic()));
    if flag {
        Err(TextError::ReadAsFlag)
    } else if start.starts_with('[')
        && crate::dockerfile::parse::parse_json_array(
            &crate::dockerfile::model_view::join_continuations(start),
        )
        .is_some()
    {
        Err(TextError::ReadAsExecForm)
    } else {
        Ok(())
    }
}

/// Checks that `text` can be written after `RUN ` as it is.
///
/// A newline must end a line continuation (a backslash right before it).
/// A line inside a continuation that starts with `#` is a comment line,
/// which Docker removes before it reads the instruction (the continuation
/// goes on after it), so its newline needs no backslash; the text the shell
/// runs is [`without_comment_lines`].
///
/// ```
/// use stagecraft_rules::text::{check_run_text, TextError};
///
/// assert!(check_run_text("apt-get update \\\n && apt-get install -y curl").is_ok());
/// assert!(check_run_text("apt-get update \\\n  # the tools\n && apt-get install -y curl").is_ok());
/// assert_eq!(check_run_text("make\nUSER root"), Err(TextError::BareNewline { line: 1 }));
/// assert_eq!(check_run_text("make \\\n# done"), Err(TextError::TrailingComment));
/// assert_eq!(check_run_text("  "), Err(TextError::Empty));
/// ```
pub fn check_run_text(text: &str) -> Result<(), TextError> {
    if text.trim().is_empty() {
        return Err(TextError::Empty);
    }
    for (offset, byte) in text.bytes().enumerate() {
        match byte {
            0 => return Err(TextError::Nul { offset }),
            b'\r' => return Err(TextError::CarriageReturn { offset }),
            _ => {}
        }
    }
    let lines: Vec<&str> = text.split('\n').collect();
    let mut continued = false;
    for (index, line) in lines.iter().enumerate() {
        let last = index + 1 == lines.len();
        if continued && is_comment_line(line) {
            if last {
                return Err(TextError::TrailingComment);
            }
            continue;
        }
        continued = line.ends_with('\\');
        if !last && !continued {
            return Err(TextError::BareNewline { line: index + 1 });
        }
    }
    if text.trim_end().ends_with('\\') {
        return Err(TextError::TrailingBackslash);
    }
    Ok(())
}

/// Whether `line` is a comment line when it stands inside a continuation.
fn is_comment_line(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// The text Docker runs for `text` (a text [`check_run_text`] accepts): its
/// comment lines inside line continuations removed, the continuations kept.
///
/// ```
/// use stagecraft_rules::text::without_comment_lines;
///
/// assert_eq!(
///     without_comment_lines("apt-get update \\\n  # the tools\n && apt-get install -y curl"),
///     "apt-get update \\\n && apt-get install -y curl"
/// );
/// assert_eq!(without_comment_lines("echo '#' \\\n x"), "echo '#' \\\n x");
/// ```
pub fn without_comment_lines(text: &str) -> std::borrow::Cow<'_, str> {
    let mut continued = false;
    let mut kept: Vec<&str> = Vec::new();
    let mut dropped = false;
    for line in text.split('\n') {
        if continued && is_comment_line(line) {
            dropped = true;
            continue;
        }
        continued = line.ends_with('\\');
        kept.push(line);
    }
    if dropped {
        std::borrow::Cow::Owned(kept.join("\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_continuations() {
        assert_eq!(check_run_text("a \\\n && b \\\n && c"), Ok(()));
    }

    #[test]
    fn rejects_each_kind_of_bad_text() {
        assert_eq!(check_run_text(""), Err(TextError::Empty));
        assert_eq!(check_run_text("a\0b"), Err(TextError::Nul { offset: 1 }));
        assert_eq!(
            check_run_text("a\r\nb"),
            Err(TextError::CarriageReturn { offset: 1 })
        );
        assert_eq!(
            check_run_text("a \\\nb\nc"),
            Err(TextError::BareNewline { line: 2 })
        );
        assert_eq!(
            check_run_text("\nb"),
            Err(TextError::BareNewline { line: 1 })
        );
        assert_eq!(check_run_text("make \\"), Err(TextError::TrailingBackslash));
        // A comment line ends no instruction inside a continuation, and
        // nowhere else is it one.
        assert_eq!(check_run_text("a \\\n# c \\\n# d\n && b"), Ok(()));
        assert_eq!(
            check_run_text("a\n# c\nb"),
            Err(TextError::BareNewline { line: 1 })
        );
        assert_eq!(
            check_run_text("a \\\n b\n# c\n && d"),
            Err(TextError::BareNewline { line: 2 })
        );
        assert_eq!(
            check_run_text("a \\\n  # c"),
            Err(TextError::TrailingComment)
        );
        assert_eq!(
            without_comment_lines("a \\\n# c \\\n  # d\n && b"),
            "a \\\n && b"
        );
    }
}
