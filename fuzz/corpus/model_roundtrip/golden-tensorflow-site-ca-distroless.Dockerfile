FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        python3 \
        python3-venv \
 && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/venv
COPY stagecraft-site-ca.pem /etc/ssl/stagecraft-site-ca.pem
ARG PIP_CERT=/etc/ssl/stagecraft-site-ca.pem
ARG REQUESTS_CA_BUNDLE=/etc/ssl/stagecraft-site-ca.pem
ARG SSL_CERT_FILE=/etc/ssl/stagecraft-site-ca.pem
ARG CURL_CA_BUNDLE=/etc/ssl/stagecraft-site-ca.pem
ARG NODE_EXTRA_CA_CERTS=/etc/ssl/stagecraft-site-ca.pem
ARG CARGO_HTTP_CAINFO=/etc/ssl/stagecraft-site-ca.pem
ARG GIT_SSL_CAINFO=/etc/ssl/stagecraft-site-ca.pem
RUN /opt/venv/bin/python -m pip install --no-cache-dir tensorflow-cpu==2.21.0

FROM debian:bookworm-slim AS python3-rootfs
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /tmp/debs
RUN set -eu; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates; \
    mkdir -p /rootfs/usr/bin /rootfs/usr/sbin /rootfs/usr/lib /rootfs/usr/lib64 /rootfs/var/lib/dpkg/status.d /rootfs/etc/ssl/certs /rootfs/home/nonroot; \
    for dir in bin sbin lib lib64; do ln -s usr/$dir /rootfs/$dir; done; \
    chown _apt /tmp/debs; \
    apt-get download base-files netbase tzdata media-types libc6 libssl3 libgcc-s1 libgomp1 libstdc++6 python3.11-minimal libpython3.11-minimal libpython3.11-stdlib libbz2-1.0 libcom-err2 libcrypt1 libdb5.3 libexpat1 libffi8 libgssapi-krb5-2 libk5crypto3 libkeyutils1 libkrb5-3 libkrb5support0 liblzma5 libncursesw6 libnsl2 libreadline8 libsqlite3-0 libtinfo6 libtirpc3 libuuid1 zlib1g python3-distutils; \
    for deb in /tmp/debs/*.deb; do \
      dpkg-deb --fsys-tarfile "$deb" | tar -x --keep-directory-symlink -C /rootfs; \
      dpkg-deb -f "$deb" > "/rootfs/var/lib/dpkg/status.d/$(dpkg-deb -f "$deb" Package)"; \
    done; \
    ln -s python3.11 /rootfs/usr/bin/python3; ln -s python3.11 /rootfs/usr/bin/python; \
    cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/; \
    printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' > /rootfs/etc/passwd; \
    printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'tty:x:5:' 'staff:x:50:' 'nonroot:x:65532:' > /rootfs/etc/group; \
    printf '%s\n' 'passwd: compat' 'group: compat' 'shadow: compat' 'hosts: files dns' 'networks: files' 'protocols: db files' 'services: db files' 'ethers: db files' 'rpc: db files' > /rootfs/etc/nsswitch.conf; \
    chown 65532:65532 /rootfs/home/nonroot; chmod 1777 /rootfs/tmp; \
    find /rootfs/usr/share/doc -type f ! -name copyright -delete; \
    rm -rf /rootfs/usr/share/man /rootfs/usr/share/info /rootfs/usr/share/lintian; \
    rm -rf /var/lib/apt/lists/* /tmp/debs/*.deb

FROM scratch AS python3
COPY --from=python3-rootfs /rootfs/ /
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
USER 65532:65532
WORKDIR /home/nonroot
ENV LANG=C.UTF-8
ENTRYPOINT ["/usr/bin/python3.11"]

FROM python3
COPY --from=build /opt/venv/lib/python3.11/site-packages /site-packages
ENV PYTHONPATH=/site-packages
ENTRYPOINT ["/usr/bin/python3"]
