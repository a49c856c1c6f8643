FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends python3=3.11.2-1+b1 \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/*
