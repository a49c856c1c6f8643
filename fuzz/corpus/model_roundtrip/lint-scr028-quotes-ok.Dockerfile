FROM debian:bookworm-slim
RUN echo 'hello world' "and $HOME"
