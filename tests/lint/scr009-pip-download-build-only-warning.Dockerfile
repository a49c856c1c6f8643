FROM python:3.12-slim AS wheels
RUN pip download --dest /wheels flask==3.0.0
FROM python:3.12-slim
COPY --from=wheels /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links=/wheels flask==3.0.0
CMD ["flask", "run"]
