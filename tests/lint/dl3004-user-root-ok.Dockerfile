# USER root around the RUN that needs it instead of sudo.
FROM debian:bookworm-slim
USER root
RUN rm -rf /tmp/cache
USER nobody
