FROM debian:bookworm-slim
RUN useradd --system app
# A comment between them does not make a layer.
RUN mkdir -p /srv/app && chown app /srv/app
RUN touch /srv/app/ready
USER app
ENTRYPOINT ["/bin/true"]
