ARG APP_UID=10001
FROM debian:bookworm-slim
ARG APP_GID=10001
RUN useradd --system --uid 10001 app
USER 10001
USER 10001:10001
USER ${APP_UID}:$APP_GID
CMD ["/app"]
