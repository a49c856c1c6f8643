# syntax=docker/dockerfile:1
# check=skip=JSONArgsRecommended
# The base is chosen at build time.
ARG BASE=debian:bookworm-slim
# A second global argument.
ARG VERSION=1.2.3

# The build stage.
FROM --platform=$BUILDPLATFORM ${BASE:-debian:bookworm-slim} AS build
ARG TARGETARCH
# Fetch the sources.
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool-1.2.3.tar.gz /src/
ADD --link --keep-git-dir https://github.com/moby/buildkit.git#v0.13.1 /src/buildkit/
WORKDIR /src
COPY --parents --exclude=*.md --exclude=docs/ src/ ./
RUN make

# The runtime.
FROM $BASE
COPY --from=ghcr.io/astral-sh/uv:0.5 /uv /uvx /bin/
COPY --from=build --chown=65532:65532 --chmod=0755 --link /src/app /usr/local/bin/app
VOLUME ["/data"]
EXPOSE ${PORT}/tcp
EXPOSE 8080
STOPSIGNAL SIGINT
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --start-interval=2s --retries=3 CMD ["/usr/local/bin/app", "health"]
ONBUILD COPY . /app/
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/app"]
# The end.
