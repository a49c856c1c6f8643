# `apt-get purge`/`remove` of no package removes nothing and never asks.
FROM debian:bookworm-slim
RUN apt-get purge && apt-get remove
