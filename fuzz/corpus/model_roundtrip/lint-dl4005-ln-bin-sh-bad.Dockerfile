# Replacing /bin/sh changes the shell of every program in the image.
FROM debian:bookworm-slim
RUN ln -sf /bin/bash /bin/sh
