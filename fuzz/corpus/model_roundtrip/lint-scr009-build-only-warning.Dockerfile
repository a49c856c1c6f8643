FROM python:3.12-slim AS build
RUN pip install --prefix=/install flask==3.0.0
FROM python:3.12-slim
COPY --from=build /install /usr/local
CMD ["flask", "run"]
