# A fixed platform builds amd64 everywhere, emulated on arm64.
FROM --platform=linux/amd64 debian:bookworm-slim
