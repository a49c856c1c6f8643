FROM debian:bookworm-slim AS build
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
COPY lightgbm-train.svm /tmp/lightgbm-train.svm
COPY lightgbm-valid.svm /tmp/lightgbm-valid.svm

FROM build AS build-trace
RUN apt-get update \
 && apt-get install -y --no-install-recommends strace \
 && rm -rf /var/lib/apt/lists/*
RUN mkdir -p /stagecraft-trace && pwd > /stagecraft-trace/cwd && strace -f -qq -y -e trace=%file,chdir,fchdir,clone,clone3,fork,vfork -o /stagecraft-trace/0.log -- '/usr/local/bin/lightgbm' 'task=train' 'data=/tmp/lightgbm-train.svm' 'valid=/tmp/lightgbm-valid.svm' 'objective=binary' 'metric=auc' 'max_bin=63' 'num_leaves=255' 'num_iterations=50' 'learning_rate=0.1' 'min_data_in_leaf=1' 'min_sum_hessian_in_leaf=100' 'device=gpu' 'gpu_platform_id=0' 'gpu_device_id=0' 'num_threads=2' 'output_model=/tmp/lightgbm-model.txt' > /stagecraft-trace/0.out && strace -f -qq -y -e trace=%file,chdir,fchdir,clone,clone3,fork,vfork -o /stagecraft-trace/1.log -- '/usr/local/bin/lightgbm' 'task=train' 'data=/tmp/lightgbm-train.svm' 'valid=/tmp/lightgbm-valid.svm' 'objective=binary' 'metric=auc' 'max_bin=63' 'num_leaves=255' 'num_iterations=50' 'learning_rate=0.1' 'min_data_in_leaf=1' 'min_sum_hessian_in_leaf=100' 'device=cpu' 'gpu_platform_id=0' 'gpu_device_id=0' 'num_threads=2' 'output_model=/tmp/lightgbm-model.txt' > /stagecraft-trace/1.out
