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

FROM build AS harvest
RUN set -eu; \
    die() { echo "stagecraft harvest: $*" >&2; exit 1; }; \
    keep() { n=0; p=$1; \
      while :; do \
        n=$((n + 1)); [ "$n" -le 64 ] || die "$1: too many levels of symbolic links"; \
        d=; rest=${p#/}; found=; \
        while [ -n "$rest" ]; do \
          c=${rest%%/*}; if [ "$c" = "$rest" ]; then rest=; else rest=${rest#*/}; fi; \
          [ -n "$c" ] || continue; d=$d/$c; \
          if [ -L "$d" ]; then found=1; break; fi; \
        done; \
        if [ -z "$found" ]; then \
          [ -e "$p" ] || die "$1: no such file or directory"; \
          if [ ! -d "$p" ] && [ -e "$H$p" ]; then return 0; fi; \
          if [ -d "$p" ]; then mkdir -p "$H$p"; cp -a "$p/." "$H$p/"; \
          else mkdir -p "$H${p%/*}"; cp -a "$p" "$H$p"; fi; \
          s=$(du -sb "$p"); echo "stagecraft harvest: ${s%%/*}$p ($R)"; return 0; \
        fi; \
        [ -L "$H$d" ] || { mkdir -p "$H${d%/*}"; cp -P "$d" "$H$d"; \
          echo "stagecraft harvest: link $d -> $(readlink "$d") ($R)"; }; \
        t=$(readlink "$d"); \
        case $t in /*) ;; *) t=$(readlink -f "${d%/*}/$(dirname "$t")")/${t##*/} ;; esac; \
        if [ -n "$rest" ]; then p=$t/$rest; else p=$t; fi; \
      done; }; \
    closure() { if [ ! -e "$1" ]; then \
        [ -L "$1" ] && die "$1: a dangling or looping symbolic link"; \
        die "$1: no such file or directory"; fi; \
      case $(od -An -tx1 -N4 "$1") in *'7f 45 4c 46'*) ;; \
        *) die "$1 is not an ELF file: harvest a script's interpreter with binary() and the script with path()" ;; esac; \
      R="binary"; keep "$1"; \
      if ! ldd "$1" > /tmp/stagecraft-ldd 2>&1; then \
        grep -q -e 'not a dynamic executable' -e 'statically linked' /tmp/stagecraft-ldd && return 0; \
        die "ldd $1 failed: $(cat /tmp/stagecraft-ldd)"; \
      fi; \
      missing=$(awk '$2 == "=>" && $3 == "not" { print $1 }' /tmp/stagecraft-ldd); \
      [ -z "$missing" ] || die "$1 needs libraries that cannot be found:" $missing; \
      for lib in $(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' /tmp/stagecraft-ldd); do \
        provided "$lib" || { R="needed by $1"; keep "$lib"; }; \
      done; }; \
    provided() { [ -n "$EXCEPT" ] || return 1; \
      dpkg -S "$1" > /tmp/stagecraft-owner 2>/dev/null \
        || dpkg -S "$(readlink -f "$1")" > /tmp/stagecraft-owner 2>/dev/null || return 1; \
      case " $EXCEPT " in *" $(awk -F: 'NR == 1 { print $1 }' /tmp/stagecraft-owner) "*) return 0 ;; esac; \
      return 1; }; \
    package() { dpkg -L "$1" > /tmp/stagecraft-dpkg 2>/dev/null || die "package $1 is not installed in this stage"; \
      while IFS= read -r f; do \
        case $f in /*) ;; *) continue ;; esac; \
        if [ "$2" = nodocs ]; then case $f in /usr/share/doc/*|/usr/share/man/*|/usr/share/info/*|/usr/share/lintian/*) continue ;; esac; fi; \
        if [ -d "$f" ] && [ ! -L "$f" ]; then continue; fi; \
        R="package $1"; keep "$f"; \
      done < /tmp/stagecraft-dpkg; }; \
    H=/harvest; EXCEPT='base-files netbase tzdata media-types libc6 libssl3 libgcc-s1 libgomp1 libstdc++6'; mkdir -p "$H"; \
    closure '/usr/local/bin/lightgbm'; \
    rm -f /tmp/stagecraft-ldd /tmp/stagecraft-dpkg /tmp/stagecraft-owner

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
COPY --from=harvest /harvest/ /
COPY nvidia.icd /etc/OpenCL/vendors/nvidia.icd
ENTRYPOINT ["/usr/local/bin/lightgbm"]
