ARG VERSION=3.12
FROM Python:${VERSION}-slim
FROM python:${VERSION}-${FLAVOUR}
CMD ["true"]
