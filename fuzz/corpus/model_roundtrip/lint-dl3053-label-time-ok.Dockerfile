FROM debian:bookworm-slim
LABEL org.opencontainers.image.created=2024-05-01T12:00:00Z
