// SCR027 (DL4000): MAINTAINER is deprecated. The model reads it (as the
// `LABEL org.opencontainers.image.authors` it renders); the macro reports it
// as a deprecation warning, denied here.
#![deny(deprecated)]
fn main() {
    let _dockerfile = stagecraft::dockerfile!(
        r#"
FROM debian:bookworm-slim
MAINTAINER someone@example.com
"#
    );
}
