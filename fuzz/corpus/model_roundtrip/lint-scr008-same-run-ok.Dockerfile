FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u12 ca-certificates=20230311 \
    && rm -rf /var/lib/apt/lists/*
RUN rm -rf /var/lib/apt/lists/*
