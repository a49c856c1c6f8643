// SCR023: COPY --from a stage that does not exist.
fn main() {
    let _ = stagecraft::dockerfile!(r#"
FROM debian:bookworm-slim AS build
RUN make
FROM scratch
COPY --from=biuld /app /app
ENTRYPOINT ["/app"]
"#);
}
