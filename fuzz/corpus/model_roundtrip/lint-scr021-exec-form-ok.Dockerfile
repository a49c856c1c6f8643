FROM gcr.io/distroless/static-debian12:nonroot
COPY app /app
HEALTHCHECK CMD ["/app", "--health"]
ENTRYPOINT ["/app"]
