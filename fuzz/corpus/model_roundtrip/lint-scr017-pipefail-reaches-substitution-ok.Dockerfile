# `set -o pipefail` holds inside $(...): a subshell inherits it.
FROM debian:bookworm-slim
RUN set -o pipefail; sum=$(curl -fsSL https://example.org/f | sha256sum) && echo "$sum"
