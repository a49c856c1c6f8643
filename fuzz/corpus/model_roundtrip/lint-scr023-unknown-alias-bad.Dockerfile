FROM debian:bookworm-slim
COPY --from=foo bar /bar
