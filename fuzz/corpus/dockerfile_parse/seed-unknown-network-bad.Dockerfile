FROM debian:bookworm-slim
RUN --network=bridge --security=privileged true
