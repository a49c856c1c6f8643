FROM python:3.12-slim
RUN set -eux; pip install --no-cache-dir numpy==2.0.0; echo installed
RUN pip install --no-cache-dir scipy==1.14.0 || exit 1
