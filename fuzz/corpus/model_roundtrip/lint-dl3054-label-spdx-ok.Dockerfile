FROM debian:bookworm-slim
LABEL org.opencontainers.image.licenses=Apache-2.0
