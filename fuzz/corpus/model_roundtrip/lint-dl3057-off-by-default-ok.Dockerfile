FROM debian:bookworm-slim AS base
HEALTHCHECK CMD ["/app", "--check"]
FROM debian:bookworm-slim
CMD ["/app"]
