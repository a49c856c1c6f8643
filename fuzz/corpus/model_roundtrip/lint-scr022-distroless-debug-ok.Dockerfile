FROM gcr.io/distroless/base-debian12:debug
RUN ["/busybox/sh", "-c", "echo ready"]
