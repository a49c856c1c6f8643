# The image runs as root: the last USER of the target stage.
FROM debian:bookworm-slim
RUN useradd --system app
USER app
USER root
CMD ["/bin/true"]
