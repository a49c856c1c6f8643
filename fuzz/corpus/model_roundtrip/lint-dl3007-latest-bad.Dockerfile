# `latest` moves: two builds get different bases; COPY --from an image too.
FROM ubuntu:latest
COPY --from=busybox:latest /bin/busybox /busybox
