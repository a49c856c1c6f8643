# The official python images on trixie (apt 3.0) end with `apt-get dist-clean`,
# which removes the package lists too.
FROM debian:trixie-slim
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates=20250419; \
    apt-get dist-clean
