FROM debian:bookworm-slim
RUN make &&
