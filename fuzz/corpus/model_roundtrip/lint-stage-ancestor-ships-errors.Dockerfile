FROM debian:bookworm-slim AS base
RUN apt-get update && apt-get install -y python3
FROM base AS app
COPY app.py /app.py
CMD ["python3", "/app.py"]
