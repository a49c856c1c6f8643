#!/usr/bin/env bash
# A local container registry (Debian's docker-registry, distribution 2.8) on
# loopback, for the catalogue's push tests.
#
#   bash scripts/registry.sh          # install if missing, start, wait until /v2/ answers
#   bash scripts/registry.sh stop     # stop the one this script started
#
# STAGECRAFT_REGISTRY_ADDR (default 127.0.0.1:5000) is where it listens; its
# data and pid file live under STAGECRAFT_REGISTRY_DIR (default
# /var/tmp/stagecraft-registry). Docker treats 127.0.0.0/8 registries as
# insecure by default, so plain HTTP needs no daemon configuration.
set -euo pipefail

addr="${STAGECRAFT_REGISTRY_ADDR:-127.0.0.1:5000}"
dir="${STAGECRAFT_REGISTRY_DIR:-/var/tmp/stagecraft-registry}"
pidfile="$dir/registry.pid"

answers() { curl -fsS -o /dev/null "http://$addr/v2/" 2>/dev/null; }

if [[ "${1:-start}" == stop ]]; then
    if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        kill "$(cat "$pidfile")"
        echo "registry.sh: stopped the registry at $addr"
    fi
    rm -f "$pidfile"
    exit 0
fi

if answers; then
    echo "registry.sh: a registry answers at http://$addr"
    exit 0
fi
if ! command -v docker-registry >/dev/null; then
    echo "registry.sh: installing Debian's docker-registry"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker-registry >/dev/null
fi
mkdir -p "$dir/data"
cat > "$dir/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: $addr
YAML
setsid docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 < /dev/null &
echo $! > "$pidfile"
for _ in $(seq 1 50); do
    if answers; then
        echo "registry.sh: registry $(cat "$pidfile") answers at http://$addr"
        exit 0
    fi
    sleep 0.2
done
echo "registry.sh: the registry did not answer at http://$addr within 10 s; see $dir/registry.log" >&2
exit 1
