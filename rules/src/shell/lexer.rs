//! The tokenizer: a single linear pass with no recursion.

use super::{ShellError, Span};

/// An operator token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    AndIf,
    OrIf,
    Semi,
    /// `;;`, `;&` or `;;&`: ends a `case` branch.
    CaseEnd,
    Amp,
    Pipe,
    LParen,
    RParen,
    /// A redirection operator; its text is in the token's span.
    Redirect,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Word {
        /// After quote removal (expansions kept as written).
        value: String,
        /// No expansion or substitution in it.
        literal: bool,
    },
    /// A number right before a redirection operator (`2>`).
    IoNumber,
    Op(Op),
    Newline,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    pub(crate) span: Span,
}

struct PendingHeredoc {
    offset: usize,
    delimiter: String,
    strip_tabs: bool,
}

pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>, ShellError> {
    let bytes = text.as_bytes();
    let len = bytes.len();
    let mut tokens = Vec::new();
    let mut pending: Vec<PendingHeredoc> = Vec::new();
    // Set after `<<`/`<<-`: (offset of the operator, strip tabs).
    let mut expect_delimiter: Option<(usize, bool)> = None;
    let mut i = 0;
    while i < len {
        let b = bytes[i];
        match b {
            b' ' | b'\t' => i += 1,
            b'\\' if bytes.get(i + 1) == Some(&b'\n') => i = skip_continuation(bytes, i),
            b'\n' => {
                tokens.push(Token {
                    kind: TokenKind::Newline,
                    span: (i, i + 1),
                });
                i += 1;
                for heredoc in pending.drain(..) {
                    i = skip_heredoc_body(text, i, &heredoc)?;
                }
            }
            b'#' => i = skip_comment(bytes, i),
            b'&' | b'|' | b';' | b'(' | b')' | b'<' | b'>' => {
                let (op, end) = operator(bytes, i);
                if op == Op::Redirect && matches!(&text[i..end], "<<" | "<<-") {
                    expect_delimiter = Some((i, end - i == 3));
                }
                tokens.push(Token {
                    kind: TokenKind::Op(op),
                    span: (i, end),
                });
                i = end;
            }
            _ => {
                let (value, literal, end) = word(text, i)?;
                let is_io_number = value.bytes().all(|c| c.is_ascii_digit())
                    && end - i == value.len()
                    && matches!(bytes.get(end), Some(b'<' | b'>'));
                if is_io_number {
                    tokens.push(Token {
                        kind: TokenKind::IoNumber,
                        span: (i, end),
                    });
                } else {
                    if let Some((offset, strip_tabs)) = expect_delimiter.take() {
                        pending.push(PendingHeredoc {
                            offset,
                            delimiter: value.clone(),
                            strip_tabs,
                        });
                    }
                    tokens.push(Token {
                        kind: TokenKind::Word { value, literal },
                        span: (i, end),
                    });
                }
                i = end;
            }
        }
    }
    if let Some(heredoc) = pending.into_iter().next() {
        return Err(ShellError::UnterminatedHeredoc {
            offset: heredoc.offset,
            delimiter: heredoc.delimiter,
        });
    }
    Ok(tokens)
}

/// Skips `\` + newline at `i`, and, as Docker does inside a continued
/// instruction, the comment lines right after it.
fn skip_continuation(bytes: &[u8], mut i: usize) -> usize {
    i += 2;
    loop {
        let mut j = i;
        while j < bytes.len() && matches!(bytes[j], b' ' | b'\t') {
            j += 1;
        }
        if bytes.get(j) != Some(&b'#') {
            return i;
        }
        // A comment line: drop it with its newline.
        while j < bytes.len() && bytes[j] != b'\n' {
            j += 1;
        }
        i = (j + 1).min(bytes.len());
        if j >= bytes.len() {
            return i;
        }
    }
}

/// Skips a comment starting at `i`. A comment ends at a newline that is not a
/// line continuation: Docker joins continued lines before the shell sees
/// them, so the comment swallows them.
fn skip_comment(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        if bytes[i] == b'\n' && (i == 0 || bytes[i - 1] != b'\\') {
            return i;
        }
        i += 1;
    }
    i
}

fn skip_heredoc_body(
    text: &str,
    mut i: usize,
    heredoc: &PendingHeredoc,
) -> Result<usize, ShellError> {
    let bytes = text.as_bytes();
    while i < bytes.len() {
        let line_end = bytes[i..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |p| i + p);
        let mut line = &text[i..line_end];
        if heredoc.strip_tabs {
            line = line.trim_start_matches('\t');
        }
        i = (line_end + 1).min(bytes.len());
        if line == heredoc.delimiter {
            return Ok(i);
        }
    }
    Err(ShellError::UnterminatedHeredoc {
        offset: heredoc.offset,
        delimiter: heredoc.delimiter.clone(),
    })
}

fn operator(bytes: &[u8], i: usize) -> (Op, usize) {
    let at = |k: usize| bytes.get(i + k).copied();
    match (bytes[i], at(1), at(2)) {
        (b'&', Some(b'&'), _) => (Op::AndIf, i + 2),
        (b'&', Some(b'>'), Some(b'>')) => (Op::Redirect, i + 3),
        (b'&', Some(b'>'), _) => (Op::Redirect, i + 2),
        (b'&', _, _) => (Op::Amp, i + 1),
        (b'|', Some(b'|'), _) => (Op::OrIf, i + 2),
        (b'|', Some(b'&'), _) => (Op::Pipe, i + 2),
        (b'|', _, _) => (Op::Pipe, i + 1),
        (b';', Some(b';'), Some(b'&')) => (Op::CaseEnd, i + 3),
        (b';', Some(b';' | b'&'), _) => (Op::CaseEnd, i + 2),
        (b';', _, _) => (Op::Semi, i + 1),
        (b'(', _, _) => (Op::LParen, i + 1),
        (b')', _, _) => (Op::RParen, i + 1),
        (b'<', Some(b'<'), Some(b'-' | b'<')) => (Op::Redirect, i + 3),
        (b'<', Some(b'<' | b'&' | b'>'), _) => (Op::Redirect, i + 2),
        (b'>', Some(b'>' | b'&' | b'|'), _) => (Op::Redirect, i + 2),
        _ => (Op::Redirect, i + 1),
    }
}

fn is_meta(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>'
    )
}

/// Lexes one word starting at `start`: returns its value after quote
/// removal, whether it is a plain literal, and its end.
fn word(text: &str, start: usize) -> Result<(String, bool, usize), ShellError> {
    let bytes = text.as_bytes();
    let len = bytes.len();
    let mut value: Vec<u8> = Vec::new();
    let mut literal = true;
    let mut i = start;
    while i < len {
        let b = bytes[i];
        if is_meta(b) {
            break;
        }
        match b {
            b'\\' => match bytes.get(i + 1) {
                Some(b'\n') => i += 2,
                Some(&next) => {
                    value.push(next);
                    i += 2;
                }
                None => {
                    value.push(b'\\');
                    i += 1;
                }
            },
            b'\'' => {
                let close = find_byte(bytes, i + 1, b'\'')
                    .ok_or(ShellError::UnterminatedSingleQuote { offset: i })?;
                push_without_continuations(&mut value, &bytes[i + 1..close]);
                i = close + 1;
            }
            b'"' => {
                let (end, plain) = double_quoted(bytes, i, &mut value)?;
                literal &= plain;
                i = end;
            }
            b'`' | b'$' => {
                let (end, plain) = expansion(bytes, i, &mut value)?;
                literal &= plain;
                i = end;
            }
            _ => {
                value.push(b);
                i += 1;
            }
        }
    }
    let value = String::from_utf8(value)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned());
    Ok((value, literal, i))
}

fn find_byte(bytes: &[u8], from: usize, needle: u8) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&b| b == needle)
        .map(|p| from + p)
}

fn push_without_continuations(value: &mut Vec<u8>, mut content: &[u8]) {
    while let Some(p) = content.windows(2).position(|w| w == b"\\\n") {
        value.extend_from_slice(&content[..p]);
        content = &content[p + 2..];
    }
    value.extend_from_slice(content);
}

/// Lexes `"..."` at `start`; returns its end and whether it held no expansion.
fn double_quoted(
    bytes: &[u8],
    start: usize,
    value: &mut Vec<u8>,
) -> Result<(usize, bool), ShellError> {
    let mut plain = true;
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return Ok((i + 1, plain)),
            b'\\' => match bytes.get(i + 1) {
                Some(b'\n') => i += 2,
                Some(&next @ (b'$' | b'`' | b'"' | b'\\')) => {
                    value.push(next);
                    i += 2;
                }
                _ => {
                    value.push(b'\\');
                    i += 1;
                }
            },
            b'`' | b'$' => {
                let (end, literal) = expansion(bytes, i, value)?;
                plain &= literal;
                i = end;
            }
            other => {
                value.push(other);
                i += 1;
            }
        }
    }
    Err(ShellError::UnterminatedDoubleQuote { offset: start })
}

/// Lexes an expansion at `start` (a `$`); returns its end. A `$` that starts
/// no expansion ends at `start + 1`.
/// A `` `...` `` or `$...` starting at `start`, appended to `value` as
/// written. Returns its end and whether the word can stay a plain literal,
/// which only a lone `$` allows.
fn expansion(bytes: &[u8], start: usize, value: &mut Vec<u8>) -> Result<(usize, bool), ShellError> {
    let end = if bytes[start] == b'`' {
        skip_nested(bytes, start, Mode::Backtick)?
    } else {
        dollar(bytes, start)?
    };
    if bytes[start] == b'$' && end == start + 1 {
        value.push(b'$');
        return Ok((end, true));
    }
    value.extend_from_slice(&bytes[start..end]);
    Ok((end, false))
}

fn dollar(bytes: &[u8], start: usize) -> Result<usize, ShellError> {
    match bytes.get(start + 1) {
        Some(b'(') => skip_nested(bytes, start + 1, Mode::Paren),
        Some(b'{') => skip_nested(bytes, start + 1, Mode::Brace),
        Some(b'\'') => {
            // ANSI-C quoting: backslash escapes a quote.
            let mut i = start + 2;
            while i < bytes.len() {
                match bytes[i] {
                    b'\\' => i += 2,
                    b'\'' => return Ok(i + 1),
                    _ => i += 1,
                }
            }
            Err(ShellError::UnterminatedSingleQuote { offset: start + 1 })
        }
        Some(b'"') => {
            let mut scratch = Vec::new();
            double_quoted(bytes, start + 1, &mut scratch).map(|(end, _)| end)
        }
        Some(b) if b.is_ascii_alphabetic() || *b == b'_' => {
            let mut i = start + 1;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            Ok(i)
        }
        Some(b'0'..=b'9' | b'@' | b'*' | b'#' | b'?' | b'-' | b'$' | b'!') => Ok(start + 2),
        _ => Ok(start + 1),
    }
}

/// The command substitutions (`$(...)` and `` `...` ``) at the top level
/// of a word as written, as byte ranges of their inner text in `raw`.
/// Arithmetic `$((...))` and `${...}` are skipped; substitutions nested in a
/// substitution are found when its inner text is parsed in turn.
pub(crate) fn substitutions(raw: &str) -> Vec<(usize, usize)> {
    let bytes = raw.as_bytes();
    let mut found = Vec::new();
    let mut double = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\'' if !double => match find_byte(bytes, i + 1, b'\'') {
                Some(close) => i = close + 1,
                None => break,
            },
            b'"' => {
                double = !double;
                i += 1;
            }
            b'`' => match skip_nested(bytes, i, Mode::Backtick) {
                Ok(end) => {
                    found.push((i + 1, end.saturating_sub(1).max(i + 1)));
                    i = end;
                }
                Err(_) => break,
            },
            b'$' if bytes.get(i + 1) == Some(&b'(') => {
                let arithmetic = bytes.get(i + 2) == Some(&b'(');
                match skip_nested(bytes, i + 1, Mode::Paren) {
                    Ok(end) => {
                        if !arithmetic {
                            found.push((i + 2, end.saturating_sub(1).max(i + 2)));
                        }
                        i = end;
                    }
                    Err(_) => break,
                }
            }
            b'$' if bytes.get(i + 1) == Some(&b'{') => match skip_nested(bytes, i + 1, Mode::Brace)
            {
                Ok(end) => i = end,
                Err(_) => break,
            },
            _ => i += 1,
        }
    }
    found
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Paren,
    Brace,
    DoubleQuote,
    Backtick,
}

/// Skips a nested construct whose opening (`(`, `{` or `` ` ``) is at
/// `open`; returns the offset after its closing. Uses an explicit stack, so
/// nesting depth costs heap, not call stack.
fn skip_nested(bytes: &[u8], open: usize, first: Mode) -> Result<usize, ShellError> {
    let unterminated = || match first {
        Mode::Paren => ShellError::UnterminatedExpansion {
            offset: open.saturating_sub(1),
            opening: "$(",
        },
        Mode::Brace => ShellError::UnterminatedExpansion {
            offset: open.saturating_sub(1),
            opening: "${",
        },
        Mode::DoubleQuote => ShellError::UnterminatedDoubleQuote { offset: open },
        Mode::Backtick => ShellError::UnterminatedBacktick { offset: open },
    };
    let mut stack = vec![first];
    let mut i = open + 1;
    while let Some(&mode) = stack.last() {
        let Some(&b) = bytes.get(i) else {
            return Err(unterminated());
        };
        match (mode, b) {
            (_, b'\\') => i += 2,
            (Mode::DoubleQuote, b'"') | (Mode::Backtick, b'`') => {
                stack.pop();
                i += 1;
            }
            (Mode::Paren, b')') | (Mode::Brace, b'}') => {
                stack.pop();
                i += 1;
            }
            (Mode::Paren | Mode::Brace, b'\'') => {
                i = find_byte(bytes, i + 1, b'\'').ok_or_else(unterminated)? + 1;
            }
            (Mode::Paren | Mode::Brace, b'"') => {
                stack.push(Mode::DoubleQuote);
                i += 1;
            }
            (Mode::Paren | Mode::Brace | Mode::DoubleQuote, b'`') => {
                stack.push(Mode::Backtick);
                i += 1;
            }
            (Mode::Paren, b'(') => {
                stack.push(Mode::Paren);
                i += 1;
            }
            (Mode::Paren | Mode::Brace | Mode::DoubleQuote, b'$') => match bytes.get(i + 1) {
                Some(b'(') => {
                    stack.push(Mode::Paren);
                    i += 2;
                }
                Some(b'{') => {
                    stack.push(Mode::Brace);
                    i += 2;
                }
                _ => i += 1,
            },
            _ => i += 1,
        }
    }
    Ok(i.min(bytes.len()))
}
