FROM debian:bookworm-slim
RUN --mount=type=volume,target=/x true
