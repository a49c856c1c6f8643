FROM debian:bookworm-slim
RUN [ -d /etc ] && echo ok
ENTRYPOINT ["/usr/bin/app"]
CMD ["--port", "80"]
