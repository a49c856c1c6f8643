# Only the last CMD takes effect.
FROM debian:bookworm-slim
CMD ["/bin/true"]
CMD ["/bin/false"]
