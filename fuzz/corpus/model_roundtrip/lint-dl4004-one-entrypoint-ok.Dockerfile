# One ENTRYPOINT, with a CMD for its arguments.
FROM debian:bookworm-slim
ENTRYPOINT ["/bin/echo"]
CMD ["hello"]
