# hadolint global ignore=DL3008
FROM debian:bookworm-slim
# hadolint shell=bash
# an ordinary comment
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
CMD ["/usr/bin/curl", "--version"]
