# Every image is from a trusted registry, or a stage, or scratch.
FROM registry.example.com/base:1.0 AS build
RUN echo built > /out
FROM scratch
COPY --from=build /out /out
