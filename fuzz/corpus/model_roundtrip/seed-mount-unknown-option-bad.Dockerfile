FROM debian:bookworm-slim
RUN --mount=type=tmpfs,target=/x,sharing=locked --mount=type=cache,target=/c,size=1 true
