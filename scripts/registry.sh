#!/usr/bin/env bash
# A local container registry (Debian's docker-registry, distribution 2.8) on
# loopback, for the catalogue's push tests.
#
#   bash scripts/registry.sh            # install if missing, start, wait until /v2/ answers
#   bash scripts/registry.sh stop       # stop the one this script started
#   bash scripts/registry.sh auth       # a second one that asks for a password (htpasswd)
#   bash scripts/registry.sh auth-stop  # stop that one
#
# STAGECRAFT_REGISTRY_ADDR (default 127.0.0.1:5000) is where the open one
# listens; its data and pid file live under STAGECRAFT_REGISTRY_DIR (default
# /var/tmp/stagecraft-registry). Docker treats 127.0.0.0/8 registries as
# insecure by default, so plain HTTP needs no daemon configuration.
#
# The `auth` one listens on STAGECRAFT_REGISTRY_AUTH_ADDR (default
# 127.0.0.1:5001), keeps its data under /var/tmp/stagecraft-registry-auth and
# accepts the user `stagecraft` with the password `stagecraft-test` (a test
# credential on loopback, nothing else: the catalogue's credential tests use
# it). Its htpasswd file is bcrypt, as distribution requires, made with
# apache2-utils' htpasswd (installed when missing). Basic auth over plain
# HTTP is acceptable on loopback only.
set -euo pipefail

mode="${1:-start}"
if [[ "$mode" == auth || "$mode" == auth-stop ]]; then
    addr="${STAGECRAFT_REGISTRY_AUTH_ADDR:-127.0.0.1:5001}"
    dir=/var/tmp/stagecraft-registry-auth
    auth_user=stagecraft
    auth_password=stagecraft-test
else
    addr="${STAGECRAFT_REGISTRY_ADDR:-127.0.0.1:5000}"
    dir="${STAGECRAFT_REGISTRY_DIR:-/var/tmp/stagecraft-registry}"
    auth_user=
fi
pidfile="$dir/registry.pid"

# /v2/ answers 200, or 401 when it asks for credentials: either is "up".
answers() {
    local code
    code="$(curl -sS -o /dev/null -w '%{http_code}' "http://$addr/v2/" 2>/dev/null)" || return 1
    [[ "$code" == 200 || ("$code" == 401 && -n "$auth_user") ]]
}

if [[ "$mode" == stop || "$mode" == auth-stop ]]; then
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
auth_section=
if [[ -n "$auth_user" ]]; then
    if ! command -v htpasswd >/dev/null; then
        echo "registry.sh: installing apache2-utils (htpasswd, for a bcrypt password file)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends apache2-utils >/dev/null
    fi
    htpasswd -Bbn "$auth_user" "$auth_password" >"$dir/htpasswd"
    auth_section="auth:
  htpasswd:
    realm: stagecraft-test
    path: $dir/htpasswd"
fi
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
$auth_section
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
