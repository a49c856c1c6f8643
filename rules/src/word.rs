//! Dockerfile words: the quote removal and escapes Docker applies to the
//! arguments it word-processes (`ENV`, `ARG`, `LABEL`, `WORKDIR`, `USER`,
//! `COPY`/`ADD`, flag values).
//!
//! Docker also expands `$NAME` / `${NAME}` there. The linter reads values
//! with their references left as written; the typed model (see
//! `stagecraft::model::word`) needs one more distinction, an *escaped* `$`
//! (a literal dollar sign) against an unescaped one (a reference), so
//! [`value`] keeps the former as `\$`.

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
    resolve(word, escape, false)
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
/// ```
pub fn value(word: &str, escape: char) -> String {
    resolve(word, escape, true)
}

fn resolve(word: &str, escape: char, mark_literal_dollar: bool) -> String {
    let mut out = String::with_capacity(word.len());
    let literal = |out: &mut String, c: char| {
        if c == '$' && mark_literal_dollar {
            out.push('\\');
        }
        out.push(c);
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
                    out.push(c);
                    out.push(next);
                }
                None => out.push(c),
            },
            Some(_) => out.push(c),
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == escape => {
                if let Some(next) = chars.next() {
                    literal(&mut out, next);
                }
            }
            None => out.push(c),
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
    }
}
