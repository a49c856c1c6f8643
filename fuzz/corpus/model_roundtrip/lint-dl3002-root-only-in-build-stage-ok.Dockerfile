# A build-only stage running as root (`USER 0`) ships nothing of its user
# (hadolint reports line 3 anyway); the image runs as 10001 (`app`).
FROM debian:bookworm-slim AS build
USER 0
RUN echo built > /out
FROM debian:bookworm-slim
RUN useradd --system --uid 10001 app
COPY --from=build /out /out
USER 10001
CMD ["/bin/true"]
