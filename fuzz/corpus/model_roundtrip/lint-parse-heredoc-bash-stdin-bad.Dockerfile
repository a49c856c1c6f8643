# syntax=docker/dockerfile:1
FROM python:3.12-slim
RUN bash <<EOF
set -e
pip install flask
EOF
