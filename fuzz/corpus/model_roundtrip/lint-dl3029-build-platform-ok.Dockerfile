# The build platform for a cross-compiling stage is what the flag is for.
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
FROM debian:bookworm-slim
