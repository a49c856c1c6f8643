#!/usr/bin/env bash
# More real Docker daemons beside the host's and the modern one, for the
# catalogue's multi-daemon tests: each its own dockerd (the modern daemon's
# unpacked 26.1.5 binaries), data root, exec root, socket, loopback TCP
# address, bridge and NAT rules.
#
#   scripts/extra-daemon.sh NAME up       # start it, load the base image (idempotent)
#   scripts/extra-daemon.sh NAME down     # stop it; remove its bridge and NAT rules (images stay)
#   scripts/extra-daemon.sh NAME status   # does it answer: version, addresses, pid
#   scripts/extra-daemon.sh NAME pid      # the pid of its dockerd (what a fault test kills)
#   scripts/extra-daemon.sh NAME purge    # down, then delete its data root
#
# NAME is one of:
#   third   a third builder: unix:///run/stagecraft-third/docker.sock and
#           tcp://127.0.0.1:23761, bridge stagecraft1 (172.31.214.1/24)
#   spare   a disposable one the catalogue's fault test kills by its pid and
#           restarts with `up`: unix:///run/stagecraft-spare/docker.sock and
#           tcp://127.0.0.1:23762, bridge stagecraft2 (172.31.215.1/24)
# Never point a fault test at the host's or the modern daemon.
#
# The TCP address is plain HTTP on loopback with no TLS (--tls=false): for
# tests on this machine only. The network is lib.sh's setup_network, as for
# the modern daemon and for the same reasons (read modern-daemon.sh's header):
# our own bridge made with `ip link`, NAT rules tagged with a comment of our
# own, --iptables=false so the daemon never flushes the DOCKER chains the
# host's daemon owns, and never --bridge=none (it deletes docker0).
#
# A killed dockerd leaves its containerd running; `up` starts a new dockerd
# that finds it again (a stale pid file is removed first).
#
# Environment: STAGECRAFT_MODERN_PREFIX (where modern-daemon.sh unpacked the
# binaries), DOCKERD_START_TIMEOUT (default 60), DOCKER_HOST (the daemon the
# base image is loaded from; default the host's socket).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# now_ms, secs_since, pid_alive, wait_for_dockerd, load_base_image_into,
# setup_network, teardown_network, clear_stale_state, stop_dockerd, unmount_below
# shellcheck source=scripts/lib.sh
source "$here/lib.sh"

NAME="${1:-}"
case "$NAME" in
    third) INDEX=1 ;;
    spare) INDEX=2 ;;
    *)
        echo "usage: $0 third|spare up|down|status|pid|purge" >&2
        exit 2
        ;;
esac
PREFIX="${STAGECRAFT_MODERN_PREFIX:-/opt/stagecraft/modern-docker}"
ROOT="$PREFIX/root"
RUN_DIR="/run/stagecraft-$NAME"
SOCK="$RUN_DIR/docker.sock"
HOST="unix://$SOCK"
TCP="tcp://127.0.0.1:$((23760 + INDEX))"
PIDFILE="$RUN_DIR/docker.pid"
EXEC_ROOT="$RUN_DIR/exec"
DATA_ROOT="/var/lib/stagecraft-$NAME"
CONFIG="/var/lib/stagecraft-$NAME.json"
LOG="/var/log/stagecraft-$NAME-dockerd.log"
BRIDGE="stagecraft$INDEX"
SUBNET="172.31.$((213 + INDEX)).1/24"
TIMEOUT="${DOCKERD_START_TIMEOUT:-60}"
HOST_DAEMON="${DOCKER_HOST:-unix:///var/run/docker.sock}"
[[ "$HOST_DAEMON" != "$HOST" ]] || HOST_DAEMON=unix:///var/run/docker.sock
BASE_IMAGE=debian:bookworm-slim
RULE_TAG="stagecraft-$NAME"

say() { echo "extra-daemon $NAME: $*"; }
LOG_OFFSET=
die() {
    echo "extra-daemon $NAME: ERROR: $*" >&2
    if [[ -n "$LOG_OFFSET" && -s "$LOG" ]]; then
        echo "extra-daemon $NAME: last lines of $LOG:" >&2
        tail -c "+$((LOG_OFFSET + 1))" "$LOG" | tail -n 30 >&2 || true
    fi
    exit 1
}

docker_cli() { "$ROOT/usr/bin/docker" "$@"; }
mine() { docker_cli -H "$HOST" "$@"; }
host() { docker_cli -H "$HOST_DAEMON" "$@"; }
answers() { [[ -S "$SOCK" && -x "$ROOT/usr/bin/docker" ]] && timeout 15 "$ROOT/usr/bin/docker" -H "$HOST" info >/dev/null 2>&1; }
version_line() { mine version --format 'docker {{.Server.Version}}, API {{.Server.APIVersion}}' 2>/dev/null || echo "version unknown"; }
the_pid() { tr -dc '0-9' <"$PIDFILE" 2>/dev/null || true; }

start_daemon() {
    local started=
    if pid_alive "$PIDFILE" dockerd; then
        say "dockerd (pid $(the_pid)) is running but not answering yet; waiting for it"
        LOG_OFFSET=0
    else
        clear_stale_state
        mkdir -p "$RUN_DIR" "$EXEC_ROOT" "$DATA_ROOT" "$(dirname "$LOG")"
        [[ -s "$CONFIG" ]] || echo '{}' >"$CONFIG"
        LOG_OFFSET=$(stat -c %s "$LOG" 2>/dev/null || echo 0)
        echo "==== $(date -Is) extra-daemon.sh starting dockerd -H $HOST -H $TCP" >>"$LOG"
        say "starting dockerd (log: $LOG)"
        PATH="$ROOT/usr/bin:$ROOT/usr/sbin:$PATH" setsid "$ROOT/usr/sbin/dockerd" \
            --host "$HOST" --host "$TCP" --tls=false --pidfile "$PIDFILE" --config-file "$CONFIG" \
            --data-root "$DATA_ROOT" --exec-root "$EXEC_ROOT" \
            --bridge "$BRIDGE" --iptables=false --ip-masq=false \
            </dev/null >>"$LOG" 2>&1 9>&- &
        started=$!
    fi
    wait_for_dockerd "$started"
}

cmd_up() {
    local t_total
    t_total=$(now_ms)
    [[ -x "$ROOT/usr/sbin/dockerd" && -x "$ROOT/usr/bin/docker" ]] ||
        die "no dockerd under $ROOT: run scripts/modern-daemon.sh up first (it unpacks the binaries)"
    setup_network
    if answers; then
        say "already answers at $HOST"
    else
        start_daemon
    fi
    load_base_image_into mine
    say "up in $(secs_since "$t_total")s: $(version_line) at $HOST and $TCP (pid $(the_pid))"
}

cmd_down() {
    stop_dockerd
    teardown_network
    say "down (images stay in $DATA_ROOT)"
}

cmd_purge() {
    cmd_down
    unmount_below "$DATA_ROOT" "$EXEC_ROOT"
    rm -rf --one-file-system "$DATA_ROOT" "$RUN_DIR" "$CONFIG"
    say "purged $DATA_ROOT and $RUN_DIR"
}

cmd_status() {
    if answers; then
        say "up: $(version_line) at $HOST and $TCP (pid $(the_pid))"
    else
        say "not answering at $HOST (start it with scripts/extra-daemon.sh $NAME up)"
        return 1
    fi
}

lock() {
    [[ $EUID -eq 0 ]] || die "this needs root"
    exec 9>"/run/stagecraft-$NAME.lock"
    flock -w 300 9 || die "another extra-daemon.sh $NAME held /run/stagecraft-$NAME.lock for 5 minutes"
}

case "${2:-}" in
    up) lock && cmd_up ;;
    down) lock && cmd_down ;;
    purge) lock && cmd_purge ;;
    status) cmd_status ;;
    pid)
        pid_alive "$PIDFILE" dockerd || die "dockerd is not running"
        the_pid
        echo
        ;;
    *)
        echo "usage: $0 third|spare up|down|status|pid|purge" >&2
        exit 2
        ;;
esac
