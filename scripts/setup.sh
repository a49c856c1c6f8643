#!/usr/bin/env bash
# One-stop environment setup for stagecraft (CI and developers):
#   1. scripts/docker-up.sh      - make sure a Docker Engine answers
#   2. scripts/base-images.sh    - build base images locally (no registry access)
#   3. scripts/modern-daemon.sh  - a second, modern dockerd (26.1, BuildKit) beside it,
#                                  on unix:///run/stagecraft-modern/docker.sock
#   4. scripts/tools.sh          - ShellCheck, which `stagecraft lint` runs over RUNs
#   5. scripts/registry.sh       - a local registry on 127.0.0.1:5000 (catalogue push tests)
# Every step is idempotent; re-running is cheap once everything is in place.
#
# STAGECRAFT_SKIP_MODERN_DAEMON=1 skips step 3 (the tests that need it then skip).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
start=$SECONDS

bash "$here/docker-up.sh"
# docker-up.sh may have started dockerd on the default socket; make sure the
# rest of this script talks to the same daemon.
export DOCKER_HOST="${DOCKER_HOST:-unix:///var/run/docker.sock}"
bash "$here/base-images.sh"
if [[ "${STAGECRAFT_SKIP_MODERN_DAEMON:-}" != 1 ]]; then
    bash "$here/modern-daemon.sh" up
fi
bash "$here/tools.sh"
bash "$here/registry.sh"

echo "setup: done in $((SECONDS - start))s"
docker version --format 'setup: docker server {{.Server.Version}}, API {{.Server.APIVersion}} (client {{.Client.Version}})'
if [[ "${STAGECRAFT_SKIP_MODERN_DAEMON:-}" != 1 ]]; then
    bash "$here/modern-daemon.sh" status | sed 's/^modern-daemon: up:/setup: modern daemon:/'
fi
echo "setup: images present:"
docker images --format "{{.Repository}}:{{.Tag}}  {{.ID}}  {{.Size}}" | sed "s/^/  /"
