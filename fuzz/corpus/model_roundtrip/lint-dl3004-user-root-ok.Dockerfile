# USER 0 (root) around the RUN that needs it instead of sudo.
FROM debian:bookworm-slim
USER 0
RUN rm -rf /tmp/cache
USER 65534
