# Ports, protocols, ranges and variables.
FROM debian:bookworm-slim
ARG PORT=8080
EXPOSE 80/tcp 53/udp 8000-8010 ${PORT}
