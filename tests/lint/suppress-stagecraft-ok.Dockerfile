FROM debian:bookworm-slim
# stagecraft ignore=SC003
RUN apt-get update && apt-get install -y --no-install-recommends curl
