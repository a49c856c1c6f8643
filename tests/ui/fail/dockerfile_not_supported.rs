// What the model has no place for yet is refused, each with its line,
// rather than dropped.
fn main() {
    let _ = stagecraft::dockerfile!(r#"FROM debian:bookworm-slim
RUN --device=gpu make
RUN --mount=type=cache,target=/root/.cache ["make", "install"]
EXPOSE 8000-8010
"#);
}
