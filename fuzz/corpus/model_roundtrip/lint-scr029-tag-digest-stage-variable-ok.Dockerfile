# A tag, a digest, scratch, an earlier stage and a variable need no tag.
ARG BASE=debian:bookworm-slim
FROM golang:1.22-bookworm AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .
FROM build AS test
RUN go test ./...
FROM $BASE AS tools
COPY --from=build /out/app /app
FROM debian@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef AS pinned
COPY --from=build /out/app /app
FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
