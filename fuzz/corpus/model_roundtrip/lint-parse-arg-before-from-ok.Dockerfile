ARG ALPINE=3.19
FROM alpine:${ALPINE}
ARG ALPINE
RUN apk add --no-cache curl=8.5.0-r0
