# syntax=docker/dockerfile:1
FROM debian:bookworm-slim
RUN <<EOF
set -eux
apt-get update
apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u12
rm -rf /var/lib/apt/lists/*
EOF
