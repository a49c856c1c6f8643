FROM python:3.7.4-slim-buster AS py
ARG VERSION=2.3.0
RUN pip install --no-cache-dir --upgrade pip && pip install --no-cache-dir tensorflow==$VERSION

FROM gcr.io/distroless/python3-debian10
COPY --from=py /usr/local/lib/python3.7/site-packages /site-packages
ENV PYTHONPATH=/site-packages
ENV LANG=C.UTF-8
ENTRYPOINT ["/usr/bin/python"]
