FROM debian:bookworm-slim
RUN apt-get update && rm -rf /var/lib/apt/lists/* && apt-get install -y --no-install-recommends curl
