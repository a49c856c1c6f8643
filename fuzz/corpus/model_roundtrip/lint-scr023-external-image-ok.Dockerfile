FROM debian:bookworm-slim
COPY --from=haskell:9.8 bar /bar
COPY --from=docker.io/library/busybox /bin/busybox /busybox
