FROM debian:bookworm-slim
RUN echo 'hello
