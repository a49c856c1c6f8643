FROM python:3.12-slim
RUN pip wheel --no-cache-dir --wheel-dir=/wheels flask==3.0.0 \
    && pip install --no-cache-dir --no-index --find-links=/wheels flask==3.0.0 \
    && rm -rf /wheels
