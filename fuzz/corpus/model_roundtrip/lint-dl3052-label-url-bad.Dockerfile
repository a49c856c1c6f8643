FROM debian:bookworm-slim
LABEL org.opencontainers.image.source=github.com/org/repo
