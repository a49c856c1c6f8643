# A stage name of its own.
FROM debian:bookworm-slim AS base
FROM base
