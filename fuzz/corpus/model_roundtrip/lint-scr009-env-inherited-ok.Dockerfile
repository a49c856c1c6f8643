FROM python:3.12-slim AS base
ENV PIP_NO_CACHE_DIR=off
ENV PIP_NO_CACHE_DIR=1
FROM base
RUN pip3 install flask==3.0.0
