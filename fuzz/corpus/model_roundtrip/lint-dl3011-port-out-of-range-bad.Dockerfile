# Ports are 16 bits: Docker refuses 70000.
FROM debian:bookworm-slim
EXPOSE 80 70000/tcp
