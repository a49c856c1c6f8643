FROM python:3.12-slim AS base
WORKDIR /app
FROM base
COPY app.py .
FROM python:3.12-slim
COPY app.py /srv/
COPY --from=base /app/app.py $HOME/
