FROM debian:bookworm-slim
CMD ['/usr/bin/app', '--port', '80']
ENTRYPOINT ["/app", ["--flag"]]
