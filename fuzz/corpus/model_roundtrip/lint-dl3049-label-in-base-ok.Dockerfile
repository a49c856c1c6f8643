FROM debian:bookworm-slim AS base
LABEL org.opencontainers.image.version=1.2.0
FROM base
