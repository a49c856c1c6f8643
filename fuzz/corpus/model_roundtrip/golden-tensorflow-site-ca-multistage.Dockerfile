FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        python3 \
        python3-venv \
 && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/venv
COPY stagecraft-site-ca.pem /etc/ssl/stagecraft-site-ca.pem
ARG PIP_CERT=/etc/ssl/stagecraft-site-ca.pem
ARG REQUESTS_CA_BUNDLE=/etc/ssl/stagecraft-site-ca.pem
ARG SSL_CERT_FILE=/etc/ssl/stagecraft-site-ca.pem
ARG CURL_CA_BUNDLE=/etc/ssl/stagecraft-site-ca.pem
ARG NODE_EXTRA_CA_CERTS=/etc/ssl/stagecraft-site-ca.pem
ARG CARGO_HTTP_CAINFO=/etc/ssl/stagecraft-site-ca.pem
ARG GIT_SSL_CAINFO=/etc/ssl/stagecraft-site-ca.pem
RUN /opt/venv/bin/python -m pip install --no-cache-dir tensorflow-cpu==2.21.0

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/venv /opt/venv
ENTRYPOINT ["/opt/venv/bin/python"]
