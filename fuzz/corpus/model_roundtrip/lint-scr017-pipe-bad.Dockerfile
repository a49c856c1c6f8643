FROM debian:bookworm-slim
RUN wget -qO - https://example.org | wc -l > /number
