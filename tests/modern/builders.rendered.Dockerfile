ARG BASE=golang:1.23-bookworm

FROM --platform=$BUILDPLATFORM $BASE AS build
ARG TARGETARCH
COPY --parents --exclude=*_test.go go.mod go.sum /src/
ADD --keep-git-dir https://github.com/moby/buildkit.git#v0.13.1 /src/bk/

FROM scratch AS runtime
COPY --from=build --link /app /app
COPY --from=ghcr.io/astral-sh/uv:0.5 /uv /bin/
COPY --from=docs /index.html /www/
VOLUME ["/data"]
EXPOSE ${PORT}/udp
HEALTHCHECK --start-interval=1s --retries=2 CMD ["/app", "ok"]
ONBUILD WORKDIR /app
# the end
ENTRYPOINT ["/app"]
