FROM debian:bookworm-slim AS build
RUN true
FROM node:20
COPY --from=build foo .
COPY --from=0 foo .
