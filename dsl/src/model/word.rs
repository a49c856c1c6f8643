//! Values in the slots Docker word-processes, and how they are written.
//!
//! Docker reads the arguments of `ENV`, `ARG`, `LABEL`, `WORKDIR`, `USER`
//! and `COPY`/`ADD` (the JSON form included) as shell-like *words*: quotes
//! are removed, a backslash escapes the next character, and `$NAME`,
//! `${NAME}` and `${NAME:-word}` are replaced by the variable's value. A value
//! written into a Dockerfile as it is can therefore reach the image as
//! something else (`a"b` does not parse, `it's` opens a quote, `C:\x` loses
//! its backslash).
//!
//! The model's value in such a slot is what should reach the image, with one
//! convention for variables: **`$` starts a reference that Docker expands**
//! (as in a Dockerfile: `"/usr/games:${PATH}"`), and **`\$` is a literal
//! dollar sign**. Right before a `$`, **`\\` is a literal backslash**, as in
//! a Dockerfile: `C:\\$DIR` is a backslash then the value of `DIR`,
//! `C:\\\$5` a backslash then a dollar (of a run of backslashes before a
//! `$`, each pair is one backslash, and an odd one left escapes the `$`).
//! Every other character, a backslash anywhere else included, is itself
//! (`C:\x`, `a\\b` as they are). [`literal`] turns any text into a value
//! that reaches the image unchanged.
//! The renderer ([`render`](mod@crate::render)) writes each value so that the
//! three builders (the classic builder, BuildKit 0.8, BuildKit of Docker 26)
//! give back exactly that; `tests/engine_values.rs` builds hostile values and
//! reads them back from the image.
//!
//! ```
//! use stagecraft::model::literal;
//! use stagecraft::Dockerfile;
//!
//! let mut builder = Dockerfile::builder();
//! builder
//!     .stage("app", "debian:bookworm-slim")
//!     .env("PRICE", literal("$5 \"a pint\""))
//!     .env("PATH", "/opt/app/bin:${PATH}")
//!     .done();
//! let dockerfile = builder.build().unwrap();
//! assert!(dockerfile
//!     .render()
//!     .contains(r#"ENV PRICE="\$5 \"a pint\"""#));
//! assert!(dockerfile.render().contains("PATH=/opt/app/bin:${PATH}"));
//! ```
//!
//! A literal backslash right before a reference (a Windows-style path under
//! a variable), and the same characters taken literally:
//!
//! ```
//! use stagecraft::model::literal;
//! use stagecraft::Dockerfile;
//!
//! let mut builder = Dockerfile::builder();
//! builder
//!     .anonymous_stage("debian:bookworm-slim")
//!     .env("ROOT", "/opt")
//!     .env("UNDER", r"C:\\${ROOT}")
//!     .env("AS_WRITTEN", literal(r"C:\${ROOT}"));
//! let dockerfile = builder.build().unwrap();
//! let text = dockerfile.render();
//! // Docker gives `C:\/opt`, then `C:\${ROOT}`.
//! assert!(text.contains(r#"UNDER="C:\\${ROOT}""#), "{text}");
//! assert!(text.contains(r#"AS_WRITTEN="C:\\\${ROOT}""#), "{text}");
//! assert_eq!(literal(r"C:\${ROOT}"), r"C:\\\${ROOT}");
//! assert_eq!(Dockerfile::parse(&text).unwrap(), dockerfile);
//! ```

/// `text` as a model value that reaches the image unchanged: each `$` becomes
/// `\$`, and each backslash right before a `$` `\\`, so Docker expands
/// nothing in it.
///
/// ```
/// assert_eq!(stagecraft::model::literal("a$b"), r"a\$b");
/// assert_eq!(stagecraft::model::literal(r"C:\x"), r"C:\x");
/// assert_eq!(stagecraft::model::literal(r"C:\$x"), r"C:\\\$x");
/// ```
pub fn literal(text: &str) -> String {
    spelled(text.chars().map(Char::Literal))
}

/// The model value of `chars`: a literal `$` as `\$`, the backslashes right
/// before a `$` doubled.
fn spelled(chars: impl IntoIterator<Item = Char>) -> String {
    let mut out = String::new();
    let mut backslashes = 0;
    for c in chars {
        let (dollar, text) = match c {
            Char::Literal('\\') => {
                backslashes += 1;
                continue;
            }
            Char::Literal('$') => (true, "\\$".to_owned()),
            Char::Expand => (true, "$".to_owned()),
            Char::Literal(c) => (false, c.to_string()),
        };
        let each = if dollar { 2 } else { 1 };
        out.extend(std::iter::repeat_n('\\', backslashes * each));
        backslashes = 0;
        out.push_str(&text);
    }
    out.extend(std::iter::repeat_n('\\', backslashes));
    out
}

/// The model value's characters, each either a literal character or the
/// start of a variable reference (`$`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Char {
    /// A character that reaches the image as it is.
    Literal(char),
    /// A `$` that Docker expands.
    Expand,
}

/// The characters of a model value: of a run of backslashes right before a
/// `$`, each pair is one literal backslash and an odd one left makes the
/// `$` literal; any other backslash is itself.
fn chars(value: &str) -> impl Iterator<Item = Char> + '_ {
    let mut out = Vec::with_capacity(value.len());
    let mut rest = value.chars().peekable();
    while let Some(c) = rest.next() {
        match c {
            '\\' => {
                let mut run = 1;
                while rest.peek() == Some(&'\\') {
                    rest.next();
                    run += 1;
                }
                if rest.peek() == Some(&'$') {
                    out.extend(std::iter::repeat_n(Char::Literal('\\'), run / 2));
                    if run % 2 == 1 {
                        rest.next();
                        out.push(Char::Literal('$'));
                    }
                } else {
                    out.extend(std::iter::repeat_n(Char::Literal('\\'), run));
                }
            }
            '$' => out.push(Char::Expand),
            c => out.push(Char::Literal(c)),
        }
    }
    out.into_iter()
}

/// Whether a value can be written as a bare word: nothing Docker's word
/// processing would change, nothing the instruction's own splitting would.
fn bare(value: &str, escape: char) -> bool {
    !value.is_empty()
        && !value.starts_with(['[', '#'])
        // Bare, the first word of `WORKDIR --x` or `USER --x` reads as a flag.
        && !value.starts_with("--")
        // `\$` is a literal dollar, which needs the escape character.
        && !value.contains("\\$")
        && value.chars().all(|c| {
            // Under `# escape=`` ` `` a backslash is an ordinary character.
            (c == '\\' && escape != '\\')
                || c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    '$' | '{' | '}' | '/' | ':' | '.' | '_' | '-' | '+' | ',' | '=' | '@' | '%'
                        // Patterns of COPY sources; Docker's words do not glob.
                        | '*' | '?' | '[' | ']' | '~'
                        // A URL's fragment (`repo.git#v1`); not at the start.
                        | '#'
                )
        })
}

/// A value as one Dockerfile word: bare when nothing in it needs quoting,
/// else double-quoted with `"`, the escape character and literal `$`
/// escaped. `escape` is the file's escape character (`\`, or `` ` `` after
/// `# escape=`). Docker's reading of it ([`stagecraft_rules::word::value`])
/// gives the value back.
///
/// ```
/// # use stagecraft::model::word_text;
/// assert_eq!(word_text("C.UTF-8", '\\'), "C.UTF-8");
/// assert_eq!(word_text("/usr/games:${PATH}", '\\'), "/usr/games:${PATH}");
/// assert_eq!(word_text("say \"hi\"", '\\'), r#""say \"hi\"""#);
/// assert_eq!(word_text(r"\$5", '\\'), r#""\$5""#);
/// assert_eq!(word_text(r"C:\\\$5", '`'), r#""C:\`$5""#);
/// assert_eq!(word_text(r"C:\\$DIR", '\\'), r#""C:\\$DIR""#);
/// assert_eq!(word_text("", '\\'), r#""""#);
/// // Bare, `WORKDIR --link/dir` would read as a flag: quoted.
/// assert_eq!(word_text("--link/dir", '\\'), r#""--link/dir""#);
/// ```
pub fn word_text(value: &str, escape: char) -> String {
    if bare(value, escape) {
        value.to_string()
    } else {
        quoted_text(value, escape)
    }
}

/// A value as one double-quoted Dockerfile word, however plain (the form
/// `LABEL` values are rendered in).
///
/// ```
/// # use stagecraft::model::quoted_text;
/// assert_eq!(quoted_text("1.0", '\\'), r#""1.0""#);
/// assert_eq!(quoted_text(r"a\b \$x ${Y}", '\\'), r#""a\\b \$x ${Y}""#);
/// assert_eq!(quoted_text(r"a\b \$x", '`'), r#""a\b `$x""#);
/// ```
pub fn quoted_text(value: &str, escape: char) -> String {
    // Inside double quotes only `"`, `$` and the escape character itself
    // can be escaped (and need to be).
    format!("\"{}\"", escaped(value, escape, &['"']))
}

/// A value as the text of one element of a JSON-form `COPY`/`ADD` (before
/// JSON's own escaping): Docker word-processes the element after decoding
/// it, outside any quotes, so quotes and backslashes are escaped there.
pub(crate) fn json_element_text(value: &str, escape: char) -> String {
    escaped(value, escape, &['"', '\''])
}

/// `value`'s text with `escape` before each literal `$`, each escape
/// character and each of `quotes`; references (`$NAME`) stay as they are.
fn escaped(value: &str, escape: char, quotes: &[char]) -> String {
    let mut text = String::with_capacity(value.len() + 2);
    for c in chars(value) {
        match c {
            Char::Expand => text.push('$'),
            Char::Literal(c) => {
                if c == '$' || c == escape || quotes.contains(&c) {
                    text.push(escape);
                }
                text.push(c);
            }
        }
    }
    text
}

/// Whether a `COPY`/`ADD` source can be written so that every builder finds
/// it: BuildKit matches sources as patterns, in which a backslash escapes
/// the next character, while the classic builder takes it literally; no
/// spelling reaches both, so a source holding a literal backslash is refused.
pub(crate) fn source_backslash(value: &str) -> bool {
    chars(value).any(|c| c == Char::Literal('\\'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_reads_back_from_its_text() {
        for value in [
            "plain",
            "a b",
            r#"a"b"#,
            "a'b",
            r"a\b",
            r"end\",
            r"\$5",
            "${HOME}/x",
            r"a\\$b",
            r"a\\\$b",
            r"\\\\${HOME}",
            r"a\\b\$c",
            r"x\\",
            "ü✓ tab\tx",
            "-lead",
            "#hash",
            "",
        ] {
            for escape in ['\\', '`'] {
                let text = word_text(value, escape);
                assert_eq!(
                    stagecraft_rules::word::value(&text, escape),
                    value,
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn literal_values_have_no_reference() {
        for text in ["a$b", "$$", r"\$", r"\\$x", r"a\b", "${X:-y}", r"end\"] {
            let value = literal(text);
            assert!(chars(&value).all(|c| c != Char::Expand), "{value}");
            let round: String = chars(&value)
                .map(|c| match c {
                    Char::Literal(c) => c,
                    Char::Expand => '$',
                })
                .collect();
            assert_eq!(round, text);
        }
    }

    #[test]
    fn backslashes_before_a_dollar_pair_up() {
        use Char::{Expand, Literal};
        let read = |value: &str| chars(value).collect::<Vec<_>>();
        assert_eq!(read(r"\\$X"), [Literal('\\'), Expand, Literal('X')]);
        assert_eq!(read(r"\\\$X"), [Literal('\\'), Literal('$'), Literal('X')]);
        assert_eq!(read(r"\\b"), [Literal('\\'), Literal('\\'), Literal('b')]);
        for value in [r"\\$X", r"\\\$X", r"\\\\$X", r"a\b\\", r"$\$"] {
            assert_eq!(spelled(chars(value)), value);
        }
        // The rendering gives Docker a backslash, then the reference.
        assert_eq!(word_text(r"C:\\$DIR", '\\'), r#""C:\\$DIR""#);
        assert_eq!(word_text(r"C:\\$DIR", '`'), r#""C:\$DIR""#);
    }

    #[test]
    fn json_elements_escape_what_word_processing_reads() {
        assert_eq!(json_element_text(r#"a"b"#, '\\'), r#"a\"b"#);
        assert_eq!(json_element_text("it's", '\\'), r"it\'s");
        assert_eq!(json_element_text(r"\$x", '\\'), r"\$x");
        assert_eq!(json_element_text("$x", '\\'), "$x");
        assert_eq!(json_element_text("sp ace", '\\'), "sp ace");
    }
}
