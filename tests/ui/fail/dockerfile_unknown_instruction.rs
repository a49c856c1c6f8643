// A parse error, with its line.
fn main() {
    let _ = stagecraft::dockerfile!(r#"FROM debian:bookworm-slim
RUNN make
"#);
}
