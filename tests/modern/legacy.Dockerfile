FROM debian:bookworm-slim
MAINTAINER Jane Doe <jane@example.com>
ENV LANG C.UTF-8
LABEL org.opencontainers.image.title demo
CMD ["bash"]
