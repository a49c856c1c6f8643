# The target stage sets no USER: it inherits `USER root` from its base stage.
FROM debian:bookworm-slim AS base
USER root
FROM base
CMD ["/bin/true"]
