# The whole filesystem of the build stage, tools and caches included.
FROM debian:bookworm-slim AS build
FROM debian:bookworm-slim
COPY --from=build / /
