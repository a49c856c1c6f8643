FROM python:3.7.4-slim-buster AS py
ARG VERSION=2.3.0
RUN pip install --no-cache-dir --upgrade pip && pip install --no-cache-dir tensorflow==$VERSION

FROM nvidia/cuda:10.1-cudnn7-devel-ubuntu18.04 AS lib
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libnvinfer6=6.0.1-1+cuda10.1 \
        libnvinfer-plugin6=6.0.1-1+cuda10.1 \
        libhdf5-serial-dev \
        libzmq3-dev \
 && rm -rf /var/lib/apt/lists/*

FROM gcr.io/distroless/python3-debian10
COPY --from=py /usr/local/lib/python3.7/site-packages /site-packages
COPY --from=lib /usr/local/cuda/lib64/ /usr/local/cuda/lib64/
COPY --from=lib /usr/local/cuda/extras/CUPTI/lib64/ /usr/local/cuda/extras/CUPTI/lib64/
COPY --from=lib /usr/lib/x86_64-linux-gnu/libcudnn.so.7* /usr/lib/x86_64-linux-gnu/libcublas*.so.10* /usr/lib/x86_64-linux-gnu/libnvinfer*.so.6* /usr/lib/x86_64-linux-gnu/
COPY --from=lib /usr/lib/x86_64-linux-gnu/hdf5/serial/ /usr/lib/x86_64-linux-gnu/hdf5/serial/
COPY --from=lib /usr/lib/x86_64-linux-gnu/libzmq.so.5* /usr/lib/x86_64-linux-gnu/
ENV LD_LIBRARY_PATH=/usr/local/cuda/lib64:/usr/local/cuda/extras/CUPTI/lib64:/usr/lib/x86_64-linux-gnu
ENV PYTHONPATH=/site-packages
ENV LANG=C.UTF-8
ENTRYPOINT ["/usr/bin/python"]
