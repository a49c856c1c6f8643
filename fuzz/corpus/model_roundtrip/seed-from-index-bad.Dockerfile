FROM debian:bookworm-slim
RUN touch /a
FROM debian:bookworm-slim
RUN --mount=type=bind,from=0,target=/seed cp /seed/a /a
COPY --from=0 /a /b
