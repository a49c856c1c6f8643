FROM busybox:1.36
WORKDIR "relative/dir"
