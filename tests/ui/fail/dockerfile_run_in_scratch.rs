// SCR022: a scratch stage has no /bin/sh to run a RUN with.
fn main() {
    let _ = stagecraft::dockerfile!(r#"
FROM scratch
COPY app /app
RUN chmod +x /app
ENTRYPOINT ["/app"]
"#);
}
