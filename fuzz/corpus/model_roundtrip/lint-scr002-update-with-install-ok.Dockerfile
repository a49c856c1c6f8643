FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends git=1:2.39.5-0+deb12u2 && rm -rf /var/lib/apt/lists/*
