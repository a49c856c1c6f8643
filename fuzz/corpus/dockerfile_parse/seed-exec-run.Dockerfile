FROM debian:bookworm-slim AS seed
RUN ["/bin/sh", "-c", "echo hi > /hi"]
RUN --security=sandbox ["/bin/true"]
FROM gcr.io/distroless/static-debian12:nonroot
RUN --mount=type=bind,target=/seed,from=seed ["/seed/bin/cp", "/seed/a", "/a"]
