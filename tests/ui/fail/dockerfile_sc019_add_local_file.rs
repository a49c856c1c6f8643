// SCR019 (DL3020), a warning: ADD where COPY does.
#![deny(deprecated)]

fn main() {
    let _dockerfile = stagecraft::dockerfile!(
        r#"
FROM debian:bookworm-slim
ADD app.conf /etc/app.conf
"#
    );
}
