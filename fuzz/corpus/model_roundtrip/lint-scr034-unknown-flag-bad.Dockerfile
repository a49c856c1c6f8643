FROM debian:bookworm-slim
COPY --chmode=644 app /app
RUN --mnt=type=cache,target=/root/.cache echo
