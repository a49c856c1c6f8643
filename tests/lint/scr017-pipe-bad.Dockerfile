FROM debian:bookworm-slim
RUN wget -O - https://example.org | wc -l > /number
