# Versions, a requirements file, the project itself, a wheel, a VCS ref.
FROM python:3.12-slim
ENV PIP_NO_CACHE_DIR=1
COPY . /src
RUN pip install "flask>=3,<4" \
    && pip install -r /src/requirements.txt \
    && pip install /src/dist/app-1.0-py3-none-any.whl \
    && pip install git+https://github.com/psf/requests@v2.32.3
