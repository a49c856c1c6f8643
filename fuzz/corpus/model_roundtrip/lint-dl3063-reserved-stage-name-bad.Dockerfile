# BuildKit reserves `scratch` (the empty image) and `context`.
FROM debian:bookworm-slim AS scratch
FROM debian:bookworm-slim AS context
