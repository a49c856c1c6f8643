FROM debian:bookworm-slim
RUN useradd --system app
# A comment between them does not make a layer.
RUN mkdir -p /srv/app
RUN chown app /srv/app
USER app
ENTRYPOINT ["/bin/true"]
