# `curl` is whatever the Alpine mirror has that day.
FROM alpine:3.20
RUN apk add --no-cache curl
