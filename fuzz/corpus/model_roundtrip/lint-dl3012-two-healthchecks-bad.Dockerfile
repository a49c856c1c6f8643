# Only the last HEALTHCHECK of a stage takes effect.
FROM debian:bookworm-slim
HEALTHCHECK CMD ["/bin/true"]
HEALTHCHECK --interval=5s CMD ["/bin/false"]
