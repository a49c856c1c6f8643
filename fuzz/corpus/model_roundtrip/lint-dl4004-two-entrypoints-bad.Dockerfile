# Only the last ENTRYPOINT takes effect.
FROM debian:bookworm-slim
ENTRYPOINT ["/bin/true"]
ENTRYPOINT ["/bin/false"]
