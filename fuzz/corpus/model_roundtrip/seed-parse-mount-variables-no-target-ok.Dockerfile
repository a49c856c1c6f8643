# BuildKit expands build variables in a mount's options (a cache per target
# platform, as moby/buildkit's own lint file keys its caches), and mounts a
# bind or cache mount written without a target at the working directory
# (`--mount=type=bind` over WORKDIR /src: the build context, read-only).
FROM golang:1.23 AS build
ARG TARGETPLATFORM
WORKDIR /src
RUN --mount=type=cache,id=go-build-${TARGETPLATFORM},target=/root/.cache/go-build \
    --mount=type=bind \
    CGO_ENABLED=0 go build -o /out/app .
FROM scratch
COPY --from=build /out/app /app
USER 65532:65532
ENTRYPOINT ["/app"]
