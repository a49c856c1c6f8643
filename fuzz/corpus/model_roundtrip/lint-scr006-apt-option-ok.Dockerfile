FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y -o APT::Install-Recommends=false curl=7.88.1-10+deb12u12 && rm -rf /var/lib/apt/lists/*
