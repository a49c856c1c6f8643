FROM debian:bookworm-slim
RUN apt-cache policy bash
