# syntax=docker/dockerfile:1
FROM debian:bookworm-slim
RUN cat <<A > /a && cat <<B > /b
first
A
second
B
COPY <<EOF /etc/app.conf
key=value
EOF
