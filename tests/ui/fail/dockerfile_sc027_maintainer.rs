// SCR027 (DL4000): MAINTAINER is deprecated (and the model has no place for it).
fn main() {
    let _dockerfile = stagecraft::dockerfile!(
        r#"
FROM debian:bookworm-slim
MAINTAINER someone@example.com
"#
    );
}
