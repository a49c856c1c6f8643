FROM python:3.12-slim
RUN pip wheel --wheel-dir=/wheels flask==3.0.0
