FROM debian:bookworm-slim
RUN apt-get install -y --no-install-recommends curl && apt-get update && rm -rf /var/lib/apt/lists/*
