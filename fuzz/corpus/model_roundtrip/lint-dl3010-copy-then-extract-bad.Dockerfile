# The archive is in the COPY layer and its contents in the RUN layer.
FROM debian:bookworm-slim
COPY app.tar.gz /tmp/
RUN tar -xzf /tmp/app.tar.gz -C /opt
