FROM debian:bookworm-slim
LABEL org.opencontainers.image.revision=0a1b2c3
