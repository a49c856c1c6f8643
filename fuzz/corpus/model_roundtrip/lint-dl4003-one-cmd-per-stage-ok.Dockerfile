# One CMD in each stage.
FROM debian:bookworm-slim AS base
CMD ["/bin/true"]
FROM base
CMD ["/bin/false"]
