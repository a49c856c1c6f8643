# syntax=docker/dockerfile:1
FROM python:3.12-slim
RUN --mount=type=cache,target=/root/.cache/pip \
    pip wheel --wheel-dir=/root/.cache/pip/wheelhouse flask==3.0.0 \
    && pip install --no-index --find-links=/root/.cache/pip/wheelhouse flask==3.0.0
