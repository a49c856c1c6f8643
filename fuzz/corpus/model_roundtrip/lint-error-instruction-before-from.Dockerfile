RUN make
FROM debian:bookworm-slim
