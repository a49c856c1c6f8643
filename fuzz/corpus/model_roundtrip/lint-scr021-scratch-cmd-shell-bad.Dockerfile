FROM debian:bookworm-slim AS build
RUN true
FROM scratch
COPY --from=build /bin/true /true
CMD /true
