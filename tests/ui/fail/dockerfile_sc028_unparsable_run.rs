// SCR028: a RUN whose shell text cannot be read.
fn main() {
    let _dockerfile = stagecraft::dockerfile!(
        r#"
FROM debian:bookworm-slim
RUN echo 'unterminated
"#
    );
}
