//! Dockerfile words: the quote removal and escapes Docker applies to the
//! arguments it word-processes (`ENV`, `ARG`, `LABEL`, `WORKDIR`, `USER`,
//! `COPY`/`ADD`, flag values).
//!
//! Docker also expands `$NAME` / `${NAME}` there. The linter reads values
//! with their references left as written; the typed model (see
//! `stagecraft::model::word`) needs one more distinction, an *escaped* `$`
//! (a literal dollar sign) against an unescaped one (a reference), so
//! [`value`] keeps the former as `\$`, and writes a literal backslash
//! right before a `$` as `\\` (Docker's `\\$HOME`, a backslash then the
//! expansion of `HOME`, is the model's `\\$HOME`).

/// The word with its quotes removed and escapes resolved (`"a b"` gives
/// `a b`, `a\ b` gives `a b`, `'x'` gives `x`); `$` references are left as
/// they are, and so is an escaped `$` (it becomes a plain `$`).
///
/// ```
/// use stagecraft_rules::word::unquote;
/// assert_eq!(unquote(r#""a \"b\"""#, '\\'), r#"a "b""#);
/// assert_eq!(unquote(r"\$HOME", '\\'), "$HOME");
/// ```
pub fn unquote(word: &str, escape: char) -> String {
    resolve(word, escape)
}

/// The word as a value of the typed model: as [`unquote`], except that a
/// `$` that Docker takes literally (escaped, or inside single quotes) is
/// written `\$`, so it cannot be read as a reference.
///
/// ```
/// use stagecraft_rules::word::value;
/// assert_eq!(value(r#""\$5""#, '\\'), r"\$5");
/// assert_eq!(value("'$5'", '\\'), r"\$5");
/// assert_eq!(value("${PATH}:/x", '\\'), "${PATH}:/x");
/// assert_eq!(value(r#""C:\x""#, '\\'), r"C:\x");
/// // A literal backslash right before a reference, and before a literal `$`:
/// assert_eq!(value(r#""C:\\$DIR""#, '\\'), r"C:\\$DIR");
/// assert_eq!(value(r"C:\\\$5", '\\'), r"C:\\\$5");
/// ```
pub fn value(word: &str, escape: char) -> String {
    let mut out = String::with_capacity(word.len() + 2);
    // Literal backslashes not yet written: how they are spelled depends on
    // whether a `$` follows.
    let mut backslashes = 0;
    for piece in pieces(word, escape) {
        match piece {
            Piece::Literal('\\') => backslashes += 1,
            Piece::Literal(c) => {
                let before_dollar = c == '$';
                push_backslashes(&mut out, backslashes, before_dollar);
                backslashes = 0;
                if before_dollar {
                    out.push('\\');
                }
                out.push(c);
            }
            Piece::Reference => {
                push_backslashes(&mut out, backslashes, true);
                backslashes = 0;
                out.push('$');
            }
        }
    }
    push_backslashes(&mut out, backslashes, false);
    out
}

/// `count` literal backslashes in the model's spelling: doubled right
/// before a `$` (where one would escape it), as they are anywhere else.
fn push_backslashes(out: &mut String, count: usize, before_dollar: bool) {
    let each = if before_dollar { 2 } else { 1 };
    out.extend(std::iter::repeat_n('\\', count * each));
}

/// What Docker's word processing makes of one character of a word.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Piece {
    /// A character that reaches the value as it is (an escaped `$` too).
    Literal(char),
    /// A `$` that Docker expands.
    Reference,
}

fn resolve(word: &str, escape: char) -> String {
    pieces(word, escape)
        .into_iter()
        .map(|piece| match piece {
            Piece::Literal(c) => c,
            Piece::Reference => '$',
        })
        .collect()
}

fn pieces(word: &str, escape: char) -> Vec<Piece> {
    let mut out = Vec::with_capacity(word.len());
    let literal = |out: &mut Vec<Piece>, c: char| out.push(Piece::Literal(c));
    let plain = |out: &mut Vec<Piece>, c: char| {
        out.push(if c == '$' {
            Piece::Reference
        } else {
            Piece::Literal(c)
        })
    };
    let mut quote: Option<char> = None;
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            // Inside single quotes everything is literal.
            Some('\'') => literal(&mut out, c),
            // Inside double quotes only `"`, `$` and the escape itself can be
            // escaped; any other escape character is kept.
            Some(_) if c == escape => match chars.next() {
                Some(next) if matches!(next, '"' | '$') || next == escape => {
                    literal(&mut out, next)
                }
                Some(next) => {
                    literal(&mut out, c);
                    plain(&mut out, next);
                }
                None => literal(&mut out, c),
            },
            Some(_) => plain(&mut out, c),
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == escape => {
                if let Some(next) = chars.next() {
                    literal(&mut out, next);
                }
            }
            None => plain(&mut out, c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_quotes() {
        assert_eq!(unquote("plain", '\\'), "plain");
        assert_eq!(unquote(r"a\ b", '\\'), "a b");
        assert_eq!(unquote(r#""a\b""#, '\\'), r"a\b");
        assert_eq!(unquote(r#""a\\b""#, '\\'), r"a\b");
        assert_eq!(unquote("'a\\b'", '\\'), r"a\b");
        assert_eq!(unquote("\"a`\"b\"", '`'), "a\"b");
        assert_eq!(value(r"\$x${Y}", '\\'), r"\$x${Y}");
        assert_eq!(value("`$x", '`'), r"\$x");
        // Backslashes right before a `$` are doubled, others are not.
        assert_eq!(value(r"\\$X", '\\'), r"\\$X");
        assert_eq!(value(r#""\\\\$X""#, '\\'), r"\\\\$X");
        assert_eq!(value(r"'\$X'", '\\'), r"\\\$X");
        assert_eq!(value(r#""a\b\\c""#, '\\'), r"a\b\c");
        assert_eq!(value(r"\$X", '`'), r"\\$X");
        assert_eq!(unquote(r"\\$X", '\\'), r"\$X");
    }
}
