FROM --platform=$BUILDPLATFORM golang:1.22 AS build
WORKDIR /src
COPY --link go.* ./
RUN --mount=type=cache,target=/root/.cache/go-build --network=none go build -o /out/app .
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build --chown=65532:65532 --chmod=0755 /out/app /app
USER 65532
ENTRYPOINT ["/app"]
