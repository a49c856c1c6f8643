//! `checkstyle`: Checkstyle 4.3 XML, as hadolint writes it
//! (`Checkstyle.hs`): a `<file>` per file, an `<error>` per finding with
//! `line`, `column="1"`, `severity`, `message` and `source` (the code).

use crate::finding::Report;

pub fn render(reports: &[Report]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<checkstyle version=\"4.3\">\n");
    for report in reports {
        out.push_str(&format!("  <file name=\"{}\">\n", escape(&report.file)));
        for finding in &report.findings {
            out.push_str(&format!(
                "    <error line=\"{}\" column=\"1\" severity=\"{}\" message=\"{}\" \
                 source=\"{}\"/>\n",
                finding.line,
                finding.severity.as_str(),
                escape(&finding.message),
                escape(&finding.code()),
            ));
        }
        out.push_str("  </file>\n");
    }
    out.push_str("</checkstyle>\n");
    out
}

/// `text` as an XML attribute value: the five special characters as
/// entities, the other control characters (not allowed in XML 1.0) as `?`.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            c if c.is_control() => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_values_are_escaped() {
        assert_eq!(
            escape("a<b & \"c\"\n\u{1}"),
            "a&lt;b &amp; &quot;c&quot;&#10;?"
        );
    }
}
