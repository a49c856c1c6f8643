FROM debian:bookworm-slim AS base
ENV APP=/opt/app
ENV BIN=${APP}/bin
FROM base
ENV APP=/srv BIN=$APP/bin PATH=$PATH:/x
