# The images are chosen at build time, as pangeo-docker-images does.
ARG PYTHON_VERSION=3.12
ARG REGISTRY=docker.io
ARG TAG
ARG SUITE

FROM python:${PYTHON_VERSION}-slim AS build
RUN python3 -m venv /opt/venv

FROM ${REGISTRY}/pangeo/base-notebook:${TAG} AS notebook
COPY --from=build /opt/venv /opt/venv

FROM debian:${SUITE:-bookworm}-slim
COPY --from=notebook /opt/venv /opt/venv
CMD ["/opt/venv/bin/python3"]
