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

FROM debian:bookworm-slim AS cc-rootfs
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /tmp/debs
RUN set -eu; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates; \
    mkdir -p /rootfs/usr/bin /rootfs/usr/sbin /rootfs/usr/lib /rootfs/usr/lib64 /rootfs/var/lib/dpkg/status.d /rootfs/etc/ssl/certs /rootfs/home/nonroot; \
    for dir in bin sbin lib lib64; do ln -s usr/$dir /rootfs/$dir; done; \
    chown _apt /tmp/debs; \
    apt-get download base-files netbase tzdata media-types libc6 libssl3 libgcc-s1 libgomp1 libstdc++6; \
    for deb in /tmp/debs/*.deb; do \
      dpkg-deb --fsys-tarfile "$deb" | tar -x --keep-directory-symlink -C /rootfs; \
      dpkg-deb -f "$deb" > "/rootfs/var/lib/dpkg/status.d/$(dpkg-deb -f "$deb" Package)"; \
    done; \
    cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/; \
    printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' > /rootfs/etc/passwd; \
    printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'tty:x:5:' 'staff:x:50:' 'nonroot:x:65532:' > /rootfs/etc/group; \
    printf '%s\n' 'passwd: compat' 'group: compat' 'shadow: compat' 'hosts: files dns' 'networks: files' 'protocols: db files' 'services: db files' 'ethers: db files' 'rpc: db files' > /rootfs/etc/nsswitch.conf; \
    chown 65532:65532 /rootfs/home/nonroot; chmod 1777 /rootfs/tmp; \
    find /rootfs/usr/share/doc -type f ! -name copyright -delete; \
    rm -rf /rootfs/usr/share/man /rootfs/usr/share/info /rootfs/usr/share/lintian; \
    rm -rf /var/lib/apt/lists/* /tmp/debs/*.deb

FROM scratch AS cc
COPY --from=cc-rootfs /rootfs/ /
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
USER 65532:65532
WORKDIR /home/nonroot

FROM cc
COPY --from=build /usr/local/bin/lightgbm /usr/local/bin/lightgbm
ENV POCL_CACHE_DIR=/tmp/pocl-cache
ENTRYPOINT ["/usr/local/bin/lightgbm"]
