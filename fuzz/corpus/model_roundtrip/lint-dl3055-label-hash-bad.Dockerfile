FROM debian:bookworm-slim
LABEL org.opencontainers.image.revision=main
