FROM debian:bookworm-slim
RUN wget https://example.org/x.tgz
