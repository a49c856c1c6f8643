FROM python:3.12-slim
RUN pip install --no-cache-dir numpy==2.0.0 || true
RUN pip install --no-cache-dir scipy==1.14.0; echo installed
