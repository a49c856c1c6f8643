FROM debian:bookworm-slim
ENV LANG C.UTF-8
ENV A=1 B="two words"
LABEL version="1.0" description="a thing"
EXPOSE 8080/tcp
VOLUME ["/data"]
STOPSIGNAL SIGTERM
USER 65534:65534
HEALTHCHECK --interval=30s CMD curl -f http://localhost/ || exit 1
