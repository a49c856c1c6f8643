FROM python:3.12-slim
COPY --chown=app:app requirements.txt /usr/src/app/
