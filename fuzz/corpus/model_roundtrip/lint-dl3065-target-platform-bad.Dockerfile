# $TARGETPLATFORM is what a stage is built for anyway.
FROM --platform=$TARGETPLATFORM debian:bookworm-slim AS a
FROM --platform=${TARGETPLATFORM} debian:bookworm-slim
