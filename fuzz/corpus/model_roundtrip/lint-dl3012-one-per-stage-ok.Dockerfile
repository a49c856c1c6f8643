# One HEALTHCHECK in each stage.
FROM debian:bookworm-slim AS base
HEALTHCHECK CMD ["/bin/true"]
FROM base
HEALTHCHECK NONE
