FROM debian:bookworm-slim
RUNN make
