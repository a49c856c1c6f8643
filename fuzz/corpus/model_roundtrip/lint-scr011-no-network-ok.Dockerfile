# `apk add --no-network` downloads no index into /var/cache/apk.
FROM alpine:3.20
COPY tool-1.0-r0.apk /tmp/
RUN apk add --no-network --allow-untrusted /tmp/tool-1.0-r0.apk
