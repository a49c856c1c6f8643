FROM debian:bookworm-slim
ENV APP=/opt/app BIN=${APP}/bin
