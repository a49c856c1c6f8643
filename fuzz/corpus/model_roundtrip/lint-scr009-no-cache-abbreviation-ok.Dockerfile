# pip accepts `--no-cache`, an unambiguous prefix of `--no-cache-dir`.
FROM python:3.12-slim
RUN pip install --no-cache flask==3.0.3
