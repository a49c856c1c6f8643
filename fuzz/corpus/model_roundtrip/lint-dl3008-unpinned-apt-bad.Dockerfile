# `curl` is whatever the mirror has that day.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u12 jq \
    && rm -rf /var/lib/apt/lists/*
