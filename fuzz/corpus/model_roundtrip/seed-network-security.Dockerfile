FROM debian:bookworm-slim
RUN --network=default true
RUN --network=none true
RUN --network=host --security=sandbox true
RUN --security=insecure true
