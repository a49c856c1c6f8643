FROM scratch AS a
FROM debian:bookworm-slim
COPY --from=2 /x /x
