// What the model has no place for yet is refused, each with its line,
// rather than dropped.
fn main() {
    let _ = stagecraft::dockerfile!(r#"FROM debian:bookworm-slim
RUN --mount=type=cache,target=/root/.cache make
RUN ["make", "install"]
COPY --from=0 /a /b
"#);
}
