// SCR003 in the stage that ships: the apt lists stay in the image.
fn main() {
    let _ = stagecraft::dockerfile!(r#"
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl
ENTRYPOINT ["curl"]
"#);
}
