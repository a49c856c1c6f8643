FROM debian:bookworm-slim
RUN useradd --no-log-init -u 123456789 app && useradd -u 10001 other
