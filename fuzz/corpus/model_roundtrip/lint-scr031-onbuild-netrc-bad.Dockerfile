FROM debian:bookworm-slim
ONBUILD COPY .netrc /root/.netrc
