FROM debian:bookworm-slim
RUN apt-get -qq update && apt-get -qq install --no-install-recommends curl=7.88.1-10+deb12u12 && rm -rf /var/lib/apt/lists/*
