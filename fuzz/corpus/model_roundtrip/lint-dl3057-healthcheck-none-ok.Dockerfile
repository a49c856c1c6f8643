FROM debian:bookworm-slim AS build
RUN true
FROM debian:bookworm-slim
HEALTHCHECK NONE
CMD ["/app"]
