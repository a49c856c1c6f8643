FROM python:3.12-slim
RUN ["/bin/sh", "-c", "pip install flask"]
