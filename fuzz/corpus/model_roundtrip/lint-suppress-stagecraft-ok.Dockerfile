FROM debian:bookworm-slim
# stagecraft ignore=SCR003,DL3008
RUN apt-get update && apt-get install -y --no-install-recommends curl
