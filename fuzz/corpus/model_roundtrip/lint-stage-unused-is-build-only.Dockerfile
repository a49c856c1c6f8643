FROM python:3.12 AS tests
RUN pip install pytest
FROM python:3.12-slim
CMD ["python3"]
