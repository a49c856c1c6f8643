FROM debian:bookworm-slim
RUN \
  --MOUNT=type=cache,target=/c \
  --network=none \
  echo "a\\" \
  && echo b
