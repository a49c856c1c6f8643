FROM debian:bookworm-slim
LABEL org.opencontainers.image.version=1.2.0
