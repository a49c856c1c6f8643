FROM debian:bookworm-slim AS build
LABEL org.opencontainers.image.version=1.2.0
FROM debian:bookworm-slim
COPY --from=build /etc/os-release /os-release
