FROM debian:bookworm-slim
RUN apt-get update \
    # the tools we need
    && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u12 \
  # and their lists go
    && rm -rf /var/lib/apt/lists/*
USER 65534
