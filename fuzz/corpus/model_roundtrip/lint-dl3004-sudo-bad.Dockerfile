# A RUN already runs as the stage USER: sudo needs a password or a NOPASSWD rule.
FROM debian:bookworm-slim
RUN sudo rm -rf /tmp/cache
