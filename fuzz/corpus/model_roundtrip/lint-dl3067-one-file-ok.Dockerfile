# Only the file the image needs.
FROM debian:bookworm-slim AS build
FROM debian:bookworm-slim
COPY --from=build /etc/os-release /etc/build-os-release
