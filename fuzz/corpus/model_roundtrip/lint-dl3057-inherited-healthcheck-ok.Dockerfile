FROM debian:bookworm-slim AS base
HEALTHCHECK CMD ["/app", "--check"]
FROM base AS build
RUN true
FROM build
CMD ["/app"]
