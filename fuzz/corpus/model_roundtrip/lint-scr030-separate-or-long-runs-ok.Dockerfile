# RUNs separated by another instruction, RUNs with different flags, and RUNs
# of more than one command (chains that look deliberate, as hadolint reads
# them) are not reported.
FROM debian:bookworm-slim
RUN useradd --system --uid 10001 app
WORKDIR /srv/app
RUN mkdir -p /srv/app/data
RUN --mount=type=cache,target=/var/cache/app mkdir -p /var/cache/app/x
RUN mkdir -p /srv/app/logs && chown app /srv/app/logs
RUN touch /srv/app/ready && chown app /srv/app/ready
USER 10001
ENTRYPOINT ["/bin/true"]
