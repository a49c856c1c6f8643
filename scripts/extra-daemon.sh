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
# tests on this machine only. The network is set up as scripts/modern-daemon.sh
# does and for the same reasons (read its header): our own bridge made with
# `ip link`, NAT rules tagged with a comment of our own, --iptables=false so the
# daemon never flushes the DOCKER chains the host's daemon owns, and never
# --bridge=none (it deletes docker0).
#
# A killed dockerd leaves its containerd running; `up` starts a new dockerd
# that finds it again (a stale pid file is removed first).
#
# Environment: STAGECRAFT_MODERN_PREFIX (where modern-daemon.sh unpacked the
# binaries), DOCKERD_START_TIMEOUT (default 60), DOCKER_HOST (the daemon the
# base image is loaded from; default the host's socket).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# now_ms, secs_since, pid_alive
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

# ipt TABLE CHAIN RULE...: append the rule (tagged) unless it is there.
ipt() {
    local table="$1" chain="$2"
    shift 2
    local rule=("$@" -m comment --comment "$RULE_TAG")
    iptables -w -t "$table" -C "$chain" "${rule[@]}" 2>/dev/null ||
        iptables -w -t "$table" -A "$chain" "${rule[@]}"
}

setup_network() {
    if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
        say "creating bridge $BRIDGE ($SUBNET)"
        ip link add name "$BRIDGE" type bridge || die "ip link add $BRIDGE type bridge failed"
    fi
    ip -4 -o addr show dev "$BRIDGE" | grep -q " inet $SUBNET " || ip addr add "$SUBNET" dev "$BRIDGE"
    ip link set "$BRIDGE" up
    local net
    net="$(ip -4 -o route show dev "$BRIDGE" proto kernel 2>/dev/null | awk '{ print $1; exit }')"
    [[ -n "$net" ]] || die "no route for $BRIDGE after adding $SUBNET"
    [[ "$(cat /proc/sys/net/ipv4/ip_forward)" == 1 ]] || sysctl -qw net.ipv4.ip_forward=1
    command -v iptables >/dev/null 2>&1 || die "iptables is missing (scripts/docker-up.sh installs it with docker.io)"
    ipt nat POSTROUTING -s "$net" ! -o "$BRIDGE" -j MASQUERADE
    ipt filter FORWARD -i "$BRIDGE" ! -o "$BRIDGE" -j ACCEPT
    ipt filter FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT
    ipt filter FORWARD -o "$BRIDGE" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
}

remove_nat() {
    local table line
    for table in nat filter; do
        while read -r line; do
            # shellcheck disable=SC2086 # the rule's words, as iptables -S printed them
            eval "iptables -w -t $table ${line/#-A/-D}" || true
        done < <(iptables -w -t "$table" -S 2>/dev/null | grep -- "--comment $RULE_TAG\b" || true)
    done
}

start_daemon() {
    local started=
    if pid_alive "$PIDFILE" dockerd; then
        say "dockerd (pid $(the_pid)) is running but not answering yet; waiting for it"
        LOG_OFFSET=0
    else
        if [[ -e "$PIDFILE" ]]; then
            say "removing stale $PIDFILE (pid $(the_pid) is not a running dockerd)"
            rm -f "$PIDFILE"
        fi
        local containerd_dir="$EXEC_ROOT/containerd"
        if ! pid_alive "$containerd_dir/containerd.pid" containerd; then
            rm -f "$containerd_dir/containerd.pid" "$containerd_dir/containerd.sock" \
                "$containerd_dir/containerd.sock.ttrpc"
        fi
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
    local pid
    if pid_alive "$PIDFILE" dockerd; then
        pid="$(the_pid)"
        say "stopping dockerd (pid $pid)"
        kill -TERM "$pid"
        for _ in $(seq 1 60); do
            pid_alive "$PIDFILE" dockerd || break
            sleep 0.5
        done
        if pid_alive "$PIDFILE" dockerd; then
            say "dockerd (pid $pid) did not stop in 30s; killing it"
            kill -KILL "$pid" || true
        fi
    else
        say "dockerd is not running"
    fi
    rm -f "$PIDFILE"
    # The containerd a killed dockerd left behind (a clean stop ends it).
    local containerd_pid="$EXEC_ROOT/containerd/containerd.pid"
    if pid_alive "$containerd_pid" containerd; then
        kill -TERM "$(tr -dc '0-9' <"$containerd_pid")" || true
    fi
    remove_nat
    if ip link show "$BRIDGE" >/dev/null 2>&1; then
        ip link del "$BRIDGE" && say "removed bridge $BRIDGE"
    fi
    say "down (images stay in $DATA_ROOT)"
}

cmd_purge() {
    cmd_down
    local m
    while read -r m; do
        umount -l "$m" 2>/dev/null || true
    done < <(awk -v d="$DATA_ROOT" -v e="$EXEC_ROOT" \
        'index($2, d) == 1 || index($2, e) == 1 { print $2 }' /proc/mounts | sort -r)
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
