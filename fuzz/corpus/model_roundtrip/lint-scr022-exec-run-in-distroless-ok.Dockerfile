FROM gcr.io/distroless/cc-debian12:nonroot
COPY app /app
RUN ["/app", "--init"]
