FROM debian:bookworm-slim AS seed
RUN --mount=type=cache,id=pip,target=/root/.cache/pip,sharing=locked,from=seed,source=/cache,mode=0755,uid=1000,gid=1000 --mount=type=cache,target=/ro,sharing=shared,ro pip install numpy==2.1.0
RUN --mount=type=cache,dst=/var/cache/apt,sharing=private,readonly=true --mount=type=cache,destination=/x,src=/y,ro=false true
