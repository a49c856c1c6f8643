FROM debian:bookworm-slim AS build
RUN true
FROM node:20
COPY --from=build foo /foo
COPY --from=0 foo /foo
