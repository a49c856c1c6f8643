//! Character-level grammars shared by the recipes, and shell quoting.

/// Quotes a checked word for POSIX sh when it has characters the shell would
/// interpret (`>`, `[`, `*`, ...); plain words stay as they are.
///
/// Only ever called on words a grammar accepted, which never contain a quote
/// character, so single quotes are always enough.
pub(super) fn quote(word: &str) -> String {
    let plain = word.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(c, '-' | '_' | '.' | '/' | ':' | '+' | '=' | '@' | ',' | '%')
    });
    if plain {
        word.to_string()
    } else {
        shlex::try_quote(word)
            .map(|quoted| quoted.into_owned())
            .unwrap_or_else(|_| format!("'{word}'"))
    }
}

/// Checks that every character of `text` satisfies `allowed`, naming the first that does not.
pub(super) fn only(
    what: &str,
    text: &str,
    allowed: impl Fn(char) -> bool,
    allowed_text: &str,
) -> Result<(), String> {
    if text.is_empty() {
        return Err(format!("the {what} is empty"));
    }
    match text.chars().find(|&c| !allowed(c)) {
        None => Ok(()),
        Some(c) => Err(format!(
            "{} is not allowed in a {what} ({allowed_text})",
            describe(c)
        )),
    }
}

/// A character as a user would name it in an error message.
pub(super) fn describe(c: char) -> String {
    match c {
        '\n' => "a newline".to_string(),
        '\r' => "a carriage return".to_string(),
        '\t' => "a tab".to_string(),
        ' ' => "a space".to_string(),
        '\0' => "a NUL byte".to_string(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        c => format!("{c:?}"),
    }
}

/// Splits `spec` at the first comparison operator among `operators`
/// (longest first), returning name, operator and version.
pub(super) fn split_operator<'a>(
    spec: &'a str,
    operators: &[&'a str],
) -> Option<(&'a str, &'a str, &'a str)> {
    let start = spec.find(|c: char| "=<>~!".contains(c))?;
    let rest = &spec[start..];
    let operator = operators
        .iter()
        .filter(|op| rest.starts_with(**op))
        .max_by_key(|op| op.len())?;
    Some((&spec[..start], operator, &rest[operator.len()..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(quote("fortunes-min"), "fortunes-min");
        assert_eq!(quote("libc6=2.36-9"), "libc6=2.36-9");
        assert_eq!(quote("numpy>=1.26"), "'numpy>=1.26'");
        assert_eq!(quote("pkg[extra]"), "'pkg[extra]'");
    }

    #[test]
    fn splits_on_longest_operator() {
        assert_eq!(
            split_operator("numpy>=1.2", &[">", ">="]),
            Some(("numpy", ">=", "1.2"))
        );
        assert_eq!(split_operator("numpy", &[">="]), None);
    }
}
