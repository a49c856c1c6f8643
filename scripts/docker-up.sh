#!/usr/bin/env bash
# Make sure a Docker Engine answers on this machine.
#
# - If `docker info` already works (DOCKER_HOST is honoured), do nothing.
# - Otherwise install Debian's docker.io (+ debootstrap, needed by
#   base-images.sh) when dockerd is missing, clean up pid files left behind by
#   a daemon that was killed, start dockerd detached and wait until it answers.
#
# Safe to run repeatedly; meant for CI (CI=true, no stdin, root) and developers.
#
# Environment:
#   DOCKER_HOST             unix:// socket to use/start dockerd on (default
#                           unix:///var/run/docker.sock). Non-unix hosts are
#                           only checked, never started.
#   DOCKERD_START_TIMEOUT   seconds to wait for dockerd (default 60)
#   DOCKERD_LOG             dockerd log file (default /var/log/stagecraft-dockerd.log)
set -euo pipefail

LOG="${DOCKERD_LOG:-/var/log/stagecraft-dockerd.log}"
TIMEOUT="${DOCKERD_START_TIMEOUT:-60}"
PIDFILE=/var/run/docker.pid
# dockerd 20.10 supervises its own containerd and keeps its pid file here.
CONTAINERD_PIDFILE=/var/run/docker/containerd/containerd.pid
CONTAINERD_SOCK=/var/run/docker/containerd/containerd.sock

say() { echo "docker-up: $*"; }
# Byte offset of $LOG when we launched dockerd; die() then shows only what
# this run's dockerd wrote (the log is appended to across runs).
LOG_OFFSET=
die() {
    echo "docker-up: ERROR: $*" >&2
    if [[ -n "$LOG_OFFSET" && -s "$LOG" ]]; then
        echo "docker-up: last lines of $LOG:" >&2
        tail -c "+$((LOG_OFFSET + 1))" "$LOG" | tail -n 30 >&2 || true
    fi
    exit 1
}
# now_ms, secs_since, pid_alive
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Any client works for `docker info`: prefer whatever is on PATH
# (/usr/local/bin/docker, v28), fall back to Debian's /usr/bin/docker.
docker_cli() {
    local c
    for c in "$(command -v docker 2>/dev/null || true)" /usr/local/bin/docker /usr/bin/docker; do
        [[ -n "$c" && -x "$c" ]] && { echo "$c"; return 0; }
    done
    return 1
}

# True when a daemon answers. `timeout` guards against a hung socket.
docker_answers() {
    local cli
    cli="$(docker_cli)" || return 1
    timeout 15 "$cli" info >/dev/null 2>&1
}

server_version() {
    "$(docker_cli)" version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null || echo unknown
}

# --- 1. Already running? --------------------------------------------------
if docker_answers; then
    say "Docker already answers at ${DOCKER_HOST:-unix:///var/run/docker.sock}: server $(server_version)"
    exit 0
fi

# We can only start a local daemon on a unix socket.
HOST="${DOCKER_HOST:-unix:///var/run/docker.sock}"
case "$HOST" in
    unix://*) SOCK="${HOST#unix://}" ;;
    *) die "DOCKER_HOST=$HOST does not answer and is not a local unix socket; cannot start it from here" ;;
esac

[[ $EUID -eq 0 ]] || die "dockerd is not running and starting it needs root (run as root or via sudo)"

# --- 2. Install Debian's docker.io when dockerd is missing ----------------
# docker.io pulls in containerd, runc, tini and iptables as hard dependencies;
# recommends (apparmor, git, cgroupfs-mount, ...) are not needed here.
# debootstrap is installed at the same time for base-images.sh.
apt_install() {
    local t0; t0=$(now_ms)
    say "installing $* with apt-get (this takes a minute)..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq </dev/null || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "$@" </dev/null >/dev/null || die "apt-get install $* failed"
    say "apt-get install took $(secs_since "$t0")s"
}

if ! command -v dockerd >/dev/null 2>&1; then
    pkgs=(docker.io)
    command -v debootstrap >/dev/null 2>&1 || pkgs+=(debootstrap debian-archive-keyring)
    apt_install "${pkgs[@]}"
fi
command -v dockerd >/dev/null 2>&1 || die "dockerd still not found after installing docker.io"

# --- 3. Make iptables usable ---------------------------------------------
# dockerd needs iptables for the bridge network's NAT (containers reaching the
# Debian archive). Debian defaults to the nft backend; if the kernel lacks
# nf_tables but legacy xtables works, switch the alternative to legacy.
if command -v iptables >/dev/null 2>&1 && ! iptables -t nat -L -n >/dev/null 2>&1; then
    if command -v iptables-legacy >/dev/null 2>&1 && iptables-legacy -t nat -L -n >/dev/null 2>&1; then
        say "iptables (nft) unusable here; switching to iptables-legacy"
        update-alternatives --set iptables /usr/sbin/iptables-legacy >/dev/null
        update-alternatives --set ip6tables /usr/sbin/ip6tables-legacy >/dev/null 2>&1 || true
    else
        say "warning: iptables does not work; containers may lack network access"
    fi
fi

# --- 4. Remove leftovers of a killed daemon -------------------------------
# pid_alive (lib.sh) counts zombies and reused pids as dead.
if pid_alive "$PIDFILE" dockerd; then
    # A dockerd is alive but not answering yet (still starting?): just wait for it.
    say "dockerd (pid $(tr -dc '0-9' <"$PIDFILE")) is running but not answering yet; waiting for it"
    started_by_us=
    LOG_OFFSET=0
else
    # A killed dockerd leaves its pid file and dockerd then refuses to start
    # ("pid file found, ensure docker is not running").
    if [[ -e "$PIDFILE" ]]; then
        say "removing stale $PIDFILE (pid $(tr -dc '0-9' <"$PIDFILE" || true) is not a running dockerd)"
        rm -f "$PIDFILE"
    fi
    # dockerd trusts containerd's pid file if that pid is alive. After a
    # kill the pid may have been reused by another process, so drop it
    # (and the socket) unless it really is containerd.
    if ! pid_alive "$CONTAINERD_PIDFILE" containerd; then
        rm -f "$CONTAINERD_PIDFILE" "$CONTAINERD_SOCK" "$CONTAINERD_SOCK.ttrpc"
    fi

    # --- 5. Start dockerd detached ----------------------------------------
    # setsid: own session, so it is not tied to this shell / CI step's
    # terminal or process group. stdin from /dev/null, logs appended.
    mkdir -p "$(dirname "$LOG")" "$(dirname "$SOCK")"
    LOG_OFFSET=$(stat -c %s "$LOG" 2>/dev/null || echo 0)
    echo "==== $(date -Is) docker-up.sh starting dockerd -H unix://$SOCK" >>"$LOG"
    say "starting dockerd (log: $LOG)"
    setsid dockerd -H "unix://$SOCK" --pidfile "$PIDFILE" </dev/null >>"$LOG" 2>&1 &
    started_by_us=$!
fi

# --- 6. Wait until it answers ---------------------------------------------
export DOCKER_HOST="unix://$SOCK"
t0=$(now_ms)
deadline=$(( $(date +%s) + TIMEOUT ))
until docker_answers; do
    if [[ -n "$started_by_us" ]] && ! kill -0 "$started_by_us" 2>/dev/null; then
        die "dockerd exited during startup"
    fi
    (( $(date +%s) < deadline )) || die "dockerd did not answer on unix://$SOCK within ${TIMEOUT}s"
    sleep 0.5
done
say "dockerd answers after $(secs_since "$t0")s: server $(server_version)"
