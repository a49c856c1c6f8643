#!/usr/bin/env bash
# One-stop environment setup for stagecraft (CI and developers):
#   1. scripts/docker-up.sh      - make sure a Docker Engine answers
#   2. scripts/base-images.sh    - build base images locally (no registry access)
#   3. scripts/modern-daemon.sh  - a second, modern dockerd (26.1, BuildKit) beside it,
#                                  on unix:///run/stagecraft-modern/docker.sock
#   4. scripts/tools.sh          - ShellCheck, which `stagecraft lint` runs over RUNs
#   5. scripts/registry.sh       - a local registry on 127.0.0.1:5000 (catalogue push tests),
#                                  and one asking for a password on 127.0.0.1:5001
#   6. scripts/extra-daemon.sh   - two more dockerds for the catalogue's multi-daemon tests:
#                                  `third` and `spare` (the one the fault test kills)
#   7. scripts/sshd.sh           - a loopback sshd on 127.0.0.1:22022 (the engine's ssh:// tests)
# Every step is idempotent; re-running is cheap once everything is in place.
#
# STAGECRAFT_SKIP_MODERN_DAEMON=1 skips steps 3 and 6 (the tests that need them
# then skip); STAGECRAFT_SKIP_EXTRA_DAEMONS=1 skips step 6 alone.
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
bash "$here/registry.sh" auth
extra_daemons=1
[[ "${STAGECRAFT_SKIP_MODERN_DAEMON:-}" != 1 && "${STAGECRAFT_SKIP_EXTRA_DAEMONS:-}" != 1 ]] || extra_daemons=
if [[ -n "$extra_daemons" ]]; then
    bash "$here/extra-daemon.sh" third up
    bash "$here/extra-daemon.sh" spare up
fi
bash "$here/sshd.sh" up

echo "setup: done in $((SECONDS - start))s"
docker version --format 'setup: docker server {{.Server.Version}}, API {{.Server.APIVersion}} (client {{.Client.Version}})'
if [[ "${STAGECRAFT_SKIP_MODERN_DAEMON:-}" != 1 ]]; then
    bash "$here/modern-daemon.sh" status | sed 's/^modern-daemon: up:/setup: modern daemon:/'
fi
if [[ -n "$extra_daemons" ]]; then
    bash "$here/extra-daemon.sh" third status | sed 's/^extra-daemon third: up:/setup: third daemon:/'
    bash "$here/extra-daemon.sh" spare status | sed 's/^extra-daemon spare: up:/setup: spare daemon:/'
fi
echo "setup: images present:"
docker images --format "{{.Repository}}:{{.Tag}}  {{.ID}}  {{.Size}}" | sed "s/^/  /"
