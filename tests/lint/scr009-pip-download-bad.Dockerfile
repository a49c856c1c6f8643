FROM python:3.12-slim
RUN python3 -m pip download --dest /wheels flask==3.0.0
