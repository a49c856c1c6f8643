// SCR020 (DL3025), a warning in a stage with a shell: the shell form gets no signals.
#![deny(deprecated)]

fn main() {
    let _dockerfile = stagecraft::dockerfile!(
        r#"
FROM debian:bookworm-slim
CMD sleep infinity
"#
    );
}
