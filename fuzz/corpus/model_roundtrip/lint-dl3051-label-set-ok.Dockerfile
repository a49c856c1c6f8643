FROM debian:bookworm-slim
LABEL org.opencontainers.image.authors="Team <team@example.org>"
