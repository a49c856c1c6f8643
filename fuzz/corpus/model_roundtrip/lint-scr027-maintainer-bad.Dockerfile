FROM busybox:1.36
MAINTAINER Lukas <me@example.org>
