FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        cmake \
        g++ \
        make \
        libboost-filesystem-dev \
        libboost-system-dev \
        ocl-icd-opencl-dev \
        pocl-opencl-icd \
 && rm -rf /var/lib/apt/lists/*
ADD https://files.pythonhosted.org/packages/68/0b/a2e9f5c5da7ef047cc60cef37f86185088845e8433e54d2e7ed439cce8a3/lightgbm-4.6.0.tar.gz /opt/
WORKDIR /opt
RUN echo 'cb1c59720eb569389c0ba74d14f52351b573af489f230032a1c9f314f8bab7fe  lightgbm-4.6.0.tar.gz' > lightgbm-4.6.0.tar.gz.sha256 \
 && sha256sum -c lightgbm-4.6.0.tar.gz.sha256 \
 && tar -xzf lightgbm-4.6.0.tar.gz \
 && rm -r lightgbm-4.6.0/lightgbm \
 && sed -i 's/^cmake_minimum_required(VERSION 3.28)$/cmake_minimum_required(VERSION 3.25)/' lightgbm-4.6.0/CMakeLists.txt \
 && cmake -S lightgbm-4.6.0 -B lightgbm-4.6.0/build -DUSE_GPU=ON -DCMAKE_BUILD_TYPE=Release \
 && cmake --build lightgbm-4.6.0/build --target lightgbm -j "$(nproc)" \
 && mv lightgbm-4.6.0/lightgbm /usr/local/bin/lightgbm
ENTRYPOINT ["/usr/local/bin/lightgbm"]
