FROM python:3.12-slim
ENV PIP_NO_CACHE_DIR=0
RUN pip install flask==3.0.0
