FROM debian:bookworm-slim
WORKDIR /usr/src/app
RUN make
