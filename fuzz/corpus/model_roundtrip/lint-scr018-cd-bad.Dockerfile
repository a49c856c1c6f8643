FROM debian:bookworm-slim
RUN cd /usr/src/app && make
