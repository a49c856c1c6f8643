// SCR025: two stages named `build`.
fn main() {
    let _ = stagecraft::dockerfile!(r#"
FROM debian:bookworm-slim AS build
RUN make
FROM debian:bookworm-slim AS build
RUN make install
"#);
}
