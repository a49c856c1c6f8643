# $BUILDPLATFORM for a cross-compiling stage is what the flag is for.
FROM --platform=$BUILDPLATFORM debian:bookworm-slim AS build
FROM debian:bookworm-slim
COPY --from=build /etc/os-release /etc/build-os-release
