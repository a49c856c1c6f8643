//! Heredocs: `RUN <<EOF` ... `EOF`, one or several per `RUN`, and the
//! heredoc sources of a `COPY` or `ADD` (`COPY <<app.conf /etc/app/`, held
//! in [`Copy::heredocs`](super::Copy::heredocs) and
//! [`Add::heredocs`](super::Add::heredocs)), one grammar for all: a
//! [`Heredoc`] is a delimiter, a body, tab stripping and expansion. A `COPY`
//! or `ADD` source's delimiter is the name of the file it writes, so it may hold `.`
//! and `-` as well.
//!
//! A [`HeredocScript`] is the `RUN` line's command (`<<EOF`, `python3 <<EOF`,
//! `<<A cat > /a && <<B cat > /b`) and the bodies of its heredocs, in order.
//! It is checked by reading its rendering back with the Dockerfile parser
//! `stagecraft lint` uses, so the command names exactly these heredocs and no
//! body line ends one early.
//!
//! ```
//! use stagecraft::model::{Heredoc, HeredocScript};
//!
//! let script = HeredocScript::script(Heredoc::new("EOF", "set -e\nmake\n"));
//! assert_eq!(script.to_string(), "<<EOF\nset -e\nmake\nEOF");
//!
//! let python = HeredocScript::with_interpreter("python3", Heredoc::new("PY", "print('hi')").literal());
//! assert_eq!(python.to_string(), "python3 <<'PY'\nprint('hi')\nPY");
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};
use stagecraft_rules::dockerfile::parse as parse_text;

pub use crate::error::HeredocError;

/// One heredoc: `<<EOF` (or `<<-EOF`, `<<'EOF'`), its body, then `EOF`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heredoc {
    /// The delimiter word.
    pub delimiter: String,
    /// `<<-`: leading tabs are stripped from the body lines and the delimiter.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub strip_tabs: bool,
    /// A quoted delimiter (`<<'EOF'`): `$VAR` in the body is not expanded.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub literal: bool,
    /// The body, each line ending in `\n`.
    pub body: String,
}

impl Heredoc {
    /// A heredoc with this delimiter and body (a final newline is added
    /// when the body lacks one).
    ///
    /// ```
    /// let heredoc = stagecraft::model::Heredoc::new("EOF", "echo hi");
    /// assert_eq!(heredoc.body, "echo hi\n");
    /// assert_eq!(heredoc.opener(), "<<EOF");
    /// ```
    pub fn new(delimiter: impl Into<String>, body: impl Into<String>) -> Heredoc {
        let mut body = body.into();
        if !body.is_empty() && !body.ends_with('\n') {
            body.push('\n');
        }
        Heredoc {
            delimiter: delimiter.into(),
            strip_tabs: false,
            literal: false,
            body,
        }
    }

    /// `<<-`: strip leading tabs.
    pub fn strip_tabs(mut self) -> Heredoc {
        self.strip_tabs = true;
        self
    }

    /// A quoted delimiter: no expansion in the body.
    pub fn literal(mut self) -> Heredoc {
        self.literal = true;
        self
    }

    /// The `<<EOF` word that opens it.
    pub fn opener(&self) -> String {
        let dash = if self.strip_tabs { "-" } else { "" };
        if self.literal {
            format!("<<{dash}'{}'", self.delimiter)
        } else {
            format!("<<{dash}{}", self.delimiter)
        }
    }

    fn check(&self) -> Result<(), HeredocError> {
        let delimiter = &self.delimiter;
        let plain = !delimiter.is_empty()
            && delimiter
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !plain {
            return Err(HeredocError::BadDelimiter {
                delimiter: delimiter.clone(),
            });
        }
        self.check_body()
    }

    /// Checks a heredoc that is a `COPY` or `ADD` source, whose delimiter names the
    /// file it writes (`COPY <<app.conf /etc/`): a file name
    /// ([`heredoc_file_name`](stagecraft_rules::names::heredoc_file_name)),
    /// and a body that cannot end it early.
    pub(crate) fn check_as_file(&self) -> Result<(), HeredocError> {
        if !stagecraft_rules::names::heredoc_file_name(&self.delimiter) {
            return Err(HeredocError::BadFileName {
                name: self.delimiter.clone(),
            });
        }
        self.check_body()
    }

    /// No byte a Dockerfile cannot carry, no body line equal to the delimiter.
    fn check_body(&self) -> Result<(), HeredocError> {
        let delimiter = &self.delimiter;
        if !self.body.is_empty() && !self.body.ends_with('\n') {
            return Err(HeredocError::NoFinalNewline {
                delimiter: delimiter.clone(),
            });
        }
        if self.body.contains(['\0', '\r']) {
            return Err(HeredocError::BadByte {
                delimiter: delimiter.clone(),
            });
        }
        for (index, line) in self.body.lines().enumerate() {
            let line = if self.strip_tabs {
                line.trim_start_matches('\t')
            } else {
                line
            };
            if line == delimiter {
                return Err(HeredocError::DelimiterInBody {
                    delimiter: delimiter.clone(),
                    line: index + 1,
                });
            }
        }
        Ok(())
    }
}

/// What a heredoc `RUN` runs: its command line and its heredocs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeredocScript {
    /// The `RUN` line after its flags, with a `<<NAME` for each heredoc.
    pub command: String,
    /// The heredocs, in the order the command opens them.
    pub heredocs: Vec<Heredoc>,
}

impl HeredocScript {
    /// `RUN <<EOF`: the body is the script, run by the shell, or by the
    /// interpreter of its `#!` line.
    pub fn script(heredoc: Heredoc) -> HeredocScript {
        HeredocScript {
            command: heredoc.opener(),
            heredocs: vec![heredoc],
        }
    }

    /// `RUN python3 <<EOF`: the body is the interpreter's standard input.
    pub fn with_interpreter(interpreter: impl Into<String>, heredoc: Heredoc) -> HeredocScript {
        HeredocScript {
            command: format!("{} {}", interpreter.into(), heredoc.opener()),
            heredocs: vec![heredoc],
        }
    }

    /// Any command line that opens `heredocs`, in order, e.g.
    /// `"<<A cat > /a && <<B cat > /b"`.
    pub fn new(command: impl Into<String>, heredocs: Vec<Heredoc>) -> HeredocScript {
        HeredocScript {
            command: command.into(),
            heredocs,
        }
    }

    /// Checks the heredocs, then reads the rendering back with the
    /// Dockerfile parser: the command must open exactly these heredocs.
    pub(crate) fn check(&self) -> Result<parse_text::Run, HeredocError> {
        for heredoc in &self.heredocs {
            heredoc.check()?;
        }
        let unreadable = |reason: String| HeredocError::Unreadable {
            command: self.command.clone(),
            reason,
        };
        if self.command.contains(['\n', '\r', '\0']) || self.command.trim_end().ends_with('\\') {
            return Err(unreadable(
                "it must be one line, without a continuation".to_string(),
            ));
        }
        let text = format!("FROM scratch\nRUN {self}\n");
        let parsed =
            parse_text::Dockerfile::parse(&text).map_err(|error| unreadable(error.to_string()))?;
        let run = match parsed
            .stages
            .first()
            .and_then(|stage| stage.instructions.first())
            .map(|instruction| &instruction.kind)
        {
            Some(parse_text::InstructionKind::Run(run)) => run.clone(),
            _ => return Err(unreadable("it is not read as one RUN".to_string())),
        };
        let matches = run.heredocs.len() == self.heredocs.len()
            && run.heredocs.iter().zip(&self.heredocs).all(|(read, own)| {
                read.name == own.delimiter
                    && read.chomp == own.strip_tabs
                    && read.expand != own.literal
                    && read.content == own.body
            });
        if !matches {
            let names = |names: Vec<String>| {
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            };
            return Err(HeredocError::Mismatch {
                command: self.command.clone(),
                expected: names(self.heredocs.iter().map(Heredoc::opener).collect()),
                found: names(
                    run.heredocs
                        .iter()
                        .map(|h| {
                            Heredoc {
                                delimiter: h.name.clone(),
                                strip_tabs: h.chomp,
                                literal: !h.expand,
                                body: String::new(),
                            }
                            .opener()
                        })
                        .collect(),
                ),
            });
        }
        Ok(run)
    }
}

impl fmt::Display for HeredocScript {
    /// The text after `RUN [flags] `: the command line, then each body and
    /// its delimiter line (no final newline).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.command)?;
        for heredoc in &self.heredocs {
            write!(f, "\n{}{}", heredoc.body, heredoc.delimiter)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_must_open_the_heredocs() {
        let one = HeredocScript::script(Heredoc::new("EOF", "make"));
        assert!(one.check().is_ok());
        let two = HeredocScript::new(
            "<<A cat > /a && <<-'B' cat > /b",
            vec![
                Heredoc::new("A", "a"),
                Heredoc::new("B", "\tb").strip_tabs().literal(),
            ],
        );
        assert_eq!(two.check().unwrap().heredocs.len(), 2);
        let wrong = HeredocScript::new("cat <<B", vec![Heredoc::new("A", "a")]);
        let error = wrong.check().unwrap_err();
        assert!(
            error.to_string().contains("`<<B` is never closed"),
            "{error}"
        );
        let quoted = HeredocScript::new("cat <<'A'", vec![Heredoc::new("A", "a")]);
        let error = quoted.check().unwrap_err();
        assert!(error.to_string().contains("(it opens <<'A')"), "{error}");
        let none = HeredocScript::new("make", vec![Heredoc::new("A", "a")]);
        assert!(none.check().is_err());
    }

    #[test]
    fn bodies_cannot_end_early() {
        let early = HeredocScript::script(Heredoc::new("EOF", "a\nEOF\nUSER root\n"));
        assert_eq!(
            early.check().unwrap_err(),
            HeredocError::DelimiterInBody {
                delimiter: "EOF".into(),
                line: 2
            }
        );
        let tabbed = HeredocScript::script(Heredoc::new("EOF", "\tEOF\n").strip_tabs());
        assert!(tabbed.check().is_err());
        let bad = HeredocScript::script(Heredoc::new("E OF", "a"));
        assert!(matches!(
            bad.check(),
            Err(HeredocError::BadDelimiter { .. })
        ));
        let newline = HeredocScript::new("<<EOF\nUSER root", vec![Heredoc::new("EOF", "a")]);
        assert!(matches!(
            newline.check(),
            Err(HeredocError::Unreadable { .. })
        ));
    }
}
