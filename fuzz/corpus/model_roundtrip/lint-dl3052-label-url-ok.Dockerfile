FROM debian:bookworm-slim
LABEL org.opencontainers.image.source=https://github.com/org/repo
