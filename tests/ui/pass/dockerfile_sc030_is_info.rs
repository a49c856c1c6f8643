// SCR030 (DL3059), consecutive short RUNs, is an info: no compile-time effect,
// even under `#![deny(deprecated)]` (only warnings become deprecations).
#![deny(deprecated)]

use stagecraft::{dockerfile, Dockerfile};

fn main() {
    let df: Dockerfile = dockerfile!(
        r#"
FROM debian:bookworm-slim
RUN useradd --system --uid 10001 app
RUN mkdir -p /srv/app
USER 10001
ENTRYPOINT ["/bin/true"]
"#
    );
    let findings = df.lint(None);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].rule.id, "SCR030");
    assert_eq!(findings[0].line, 3); // of the rendering, which starts with the FROM
    assert!(df.validate().is_ok());
}
