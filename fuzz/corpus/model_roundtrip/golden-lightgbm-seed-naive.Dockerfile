ARG VERSION=2.3.1

FROM nvidia/opencl:devel
ARG VERSION
ARG DEBIAN_FRONTEND=noninteractive
ENV LANG=C.UTF-8 \
    LC_ALL=C.UTF-8
ENV OPENCL_LIBRARIES=/usr/lib/x86_64-linux-gnu
ENV OPENCL_INCLUDE_DIR=/usr/include/CL
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        build-essential \
        wget \
        ca-certificates \
        libglib2.0-0 \
        libxext6 \
        libsm6 \
        libxrender1 \
        cmake \
        libboost-dev \
        libboost-system-dev \
        libboost-filesystem-dev \
        gcc \
        g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt
RUN wget -q https://github.com/microsoft/LightGBM/archive/v${VERSION}.tar.gz \
 && tar xf v${VERSION}.tar.gz \
 && rm v${VERSION}.tar.gz \
 && cd LightGBM-${VERSION} \
 && mkdir build \
 && cd build \
 && cmake -DUSE_GPU=1 -DOpenCL_LIBRARY=${OPENCL_LIBRARIES}/libOpenCL.so.1 -DOpenCL_INCLUDE_DIR=$OPENCL_INCLUDE_DIR .. \
 && make -j"$(nproc)"
ENV PATH=/opt/LightGBM-${VERSION}:${PATH}
ENTRYPOINT ["lightgbm"]
