FROM debian:bookworm-slim
RUN apt-get update && apt-get install --assume-yes --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
