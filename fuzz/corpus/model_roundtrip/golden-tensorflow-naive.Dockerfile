FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        python3 \
        python3-venv \
 && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/venv
RUN /opt/venv/bin/python -m pip install --no-cache-dir tensorflow-cpu==2.21.0
ENTRYPOINT ["/opt/venv/bin/python"]
