FROM alpine:3.19 AS app
RUN apk add --no-cache curl
FROM alpine:3.19 AS debug
RUN apk add strace
