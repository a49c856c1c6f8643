// SCR008: a cleanup in a later RUN frees nothing: the earlier layer keeps the bytes.
fn main() {
    let _dockerfile = stagecraft::dockerfile!(
        r#"
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir requests && apt-get update
RUN rm -rf /var/lib/apt/lists/*
"#
    );
}
