// SCR026 (DL3000), a warning: a relative WORKDIR depends on the one before it.
#![deny(deprecated)]

fn main() {
    let _dockerfile = stagecraft::dockerfile!(
        r#"
FROM debian:bookworm-slim
WORKDIR src
"#
    );
}
