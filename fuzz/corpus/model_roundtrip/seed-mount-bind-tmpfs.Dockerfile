FROM debian:bookworm-slim AS seed
RUN --mount=type=bind,target=/src,source=app,from=seed,rw --mount=type=bind,target=/context --mount=type=tmpfs,target=/scratch,size=67108864 --network=none make -C /src
RUN --mount=target=/default-is-bind true
