# A build-only stage running as root ships nothing of its user
# (hadolint reports line 3 anyway); the image runs as `app`.
FROM debian:bookworm-slim AS build
USER root
RUN echo built > /out
FROM debian:bookworm-slim
RUN useradd --system app
COPY --from=build /out /out
USER app
CMD ["/bin/true"]
