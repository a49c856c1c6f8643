# `--auto-remove` removes the unused packages, and asks first.
FROM debian:bookworm-slim
RUN apt-get purge --auto-remove
