FROM gcr.io/distroless/static-debian12
COPY app /app
HEALTHCHECK CMD /app --health
ENTRYPOINT ["/app"]
