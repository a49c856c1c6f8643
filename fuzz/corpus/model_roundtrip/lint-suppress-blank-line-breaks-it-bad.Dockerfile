FROM debian:bookworm-slim
# stagecraft ignore=SCR003

RUN apt-get update && apt-get install -y --no-install-recommends curl
