FROM gcr.io/distroless/cc-debian12 AS runtime
FROM runtime
RUN /app --init
