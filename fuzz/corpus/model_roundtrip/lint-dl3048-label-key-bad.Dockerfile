FROM debian:bookworm-slim
LABEL Version=1 com.docker.x=1 org..example=1
