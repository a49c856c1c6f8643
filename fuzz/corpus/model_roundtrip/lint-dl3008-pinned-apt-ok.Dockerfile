# A version, a release and a local .deb are all pinned.
FROM debian:bookworm-slim
COPY tool.deb /tmp/tool.deb
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u12 \
        jq/bookworm-backports /tmp/tool.deb \
    && rm -rf /var/lib/apt/lists/*
