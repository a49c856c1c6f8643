# Names that are no secrets.
ARG VERSION=1
FROM debian:bookworm-slim
ARG BUILD_DATE
ENV APP_PORT=8080 LANG=C.UTF-8
