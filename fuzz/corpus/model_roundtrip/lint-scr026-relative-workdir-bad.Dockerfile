FROM busybox:1.36
WORKDIR usr/src/app
