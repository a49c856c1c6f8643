FROM alpine:3.19 AS base
RUN apk add curl
FROM base
RUN rm -rf /var/cache/apk/*
