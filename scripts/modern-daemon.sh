#!/usr/bin/env bash
# A second, modern Docker daemon beside the host's, for what the host's
# docker.io 20.10 (BuildKit 0.8) cannot build: heredocs, COPY --link, ADD --checksum.
#
#   scripts/modern-daemon.sh up      # fetch, unpack, start, load the base image (idempotent)
#   scripts/modern-daemon.sh down    # stop it; remove its bridge and NAT rules (images stay)
#   scripts/modern-daemon.sh status  # does it answer: version, socket, pid
#   scripts/modern-daemon.sh check   # builds on both daemons: apt-get update and BuildKit features
#   scripts/modern-daemon.sh purge   # down, then delete its images and the unpacked packages
#
# What `up` does:
#   1. Downloads Debian 13 (trixie) docker.io, docker-cli, docker-buildx and
#      containerd with `apt-get download`, through an apt configuration and
#      sources list of its own (the host's apt sources and packages are not
#      touched), and unpacks them with `dpkg-deb -x` under $PREFIX/root.
#      Never installed. trixie's runc and tini need glibc 2.38, so the host's
#      (bookworm) runc and docker-init are used; the rest runs on glibc 2.36.
#   2. Makes the bridge $BRIDGE with `ip link` and NATs its subnet itself; the
#      daemon runs with --iptables=false so it never flushes the DOCKER chains
#      the host's daemon owns. (Never --bridge=none: that deletes docker0.)
#   3. Starts dockerd with its own --data-root, --exec-root, --pidfile, socket
#      and config file, after removing a stale pid file like docker-up.sh.
#   4. Loads debian:bookworm-slim from the host daemon (docker save | load),
#      unless the same image id is already there.
#   5. Links the buildx plugin into the project's Docker config dir:
#      DOCKER_CONFIG=$DOCKER_CONFIG_DIR docker buildx build ... drives either daemon.
#
# Environment:
#   STAGECRAFT_MODERN_PREFIX   where the packages are unpacked (default /opt/stagecraft/modern-docker)
#   STAGECRAFT_MODERN_SUBNET   the bridge's address (default 172.31.213.1/24)
#   DEBIAN_MIRROR              archive to fetch trixie from (default: the host's bookworm mirror)
#   DOCKERD_START_TIMEOUT      seconds to wait for dockerd (default 60)
#   DOCKER_HOST                the host daemon to load the base image from (default
#                              unix:///var/run/docker.sock); the modern one is always $SOCK
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# now_ms, secs_since, pid_alive, host_mirror, wait_for_dockerd,
# load_base_image_into, setup_network, teardown_network, clear_stale_state, stop_dockerd, unmount_below
# shellcheck source=scripts/lib.sh
source "$here/lib.sh"

SUITE=trixie
PACKAGES=(docker.io docker-cli docker-buildx containerd)
DOCKER_VERSION=26.1.5
BUILDX_VERSION=0.13.1
PREFIX="${STAGECRAFT_MODERN_PREFIX:-/opt/stagecraft/modern-docker}"
ROOT="$PREFIX/root"
DOCKER_CONFIG_DIR=/opt/stagecraft/docker-config
RUN_DIR=/run/stagecraft-modern
SOCK="$RUN_DIR/docker.sock"
HOST="unix://$SOCK"
PIDFILE="$RUN_DIR/docker.pid"
EXEC_ROOT="$RUN_DIR/exec"
DATA_ROOT=/var/lib/stagecraft-modern
LOG=/var/log/stagecraft-modern-dockerd.log
BRIDGE=stagecraft0
SUBNET="${STAGECRAFT_MODERN_SUBNET:-172.31.213.1/24}"
TIMEOUT="${DOCKERD_START_TIMEOUT:-60}"
# The host daemon, for `docker save` and the check's other half.
HOST_DAEMON="${DOCKER_HOST:-unix:///var/run/docker.sock}"
[[ "$HOST_DAEMON" != "$HOST" ]] || HOST_DAEMON=unix:///var/run/docker.sock
BASE_IMAGE=debian:bookworm-slim
# apt-get update exits 0 when it cannot reach the archive (warnings only):
# make that an error, and fail in seconds rather than minutes.
APT_UPDATE="apt-get -o Acquire::Retries=0 -o Acquire::http::Timeout=10 update -qq --error-on=any"
# Tags every iptables rule of ours, so `down` removes exactly those.
RULE_TAG=stagecraft-modern

say() { echo "modern-daemon: $*"; }
LOG_OFFSET=
die() {
    echo "modern-daemon: ERROR: $*" >&2
    if [[ -n "$LOG_OFFSET" && -s "$LOG" ]]; then
        echo "modern-daemon: last lines of $LOG:" >&2
        tail -c "+$((LOG_OFFSET + 1))" "$LOG" | tail -n 30 >&2 || true
    fi
    exit 1
}

# The unpacked trixie client (26.1.5), talking to the modern daemon unless
# DOCKER_HOST says otherwise in the caller's environment of this function.
docker_cli() { DOCKER_CONFIG="$DOCKER_CONFIG_DIR" "$ROOT/usr/bin/docker" "$@"; }
modern() { DOCKER_HOST="$HOST" docker_cli "$@"; }
host() { DOCKER_HOST="$HOST_DAEMON" docker_cli "$@"; }

answers() { [[ -S "$SOCK" && -x "$ROOT/usr/bin/docker" ]] && timeout 15 "$ROOT/usr/bin/docker" -H "$HOST" info >/dev/null 2>&1; }

version_line() {
    modern version --format \
        'docker {{.Server.Version}}, API {{.Server.APIVersion}}, containerd {{range .Server.Components}}{{if eq .Name "containerd"}}{{.Version}}{{end}}{{end}}' \
        2>/dev/null || echo "version unknown"
}

# --- 1. Packages: apt-get download + dpkg-deb -x ---------------------------
unpacked() {
    [[ -s "$ROOT/.stagecraft-unpacked" && -x "$ROOT/usr/sbin/dockerd" && -x "$ROOT/usr/bin/docker" &&
        -x "$ROOT/usr/bin/containerd" && -x "$ROOT/usr/libexec/docker/cli-plugins/docker-buildx" ]]
}

fetch_packages() {
    unpacked && return 0
    local t0 mirror apt_dir deb pid
    t0=$(now_ms)
    mirror="${DEBIAN_MIRROR:-$(host_mirror "(^| )bookworm " | head -n1)}"
    mirror="${mirror:-http://deb.debian.org/debian}"
    mirror="${mirror%/}"
    apt_dir="$PREFIX/apt"
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$PREFIX/debs"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $SUITE main" \
        >"$apt_dir/sources.list"
    [[ -s /usr/share/keyrings/debian-archive-keyring.gpg ]] ||
        die "/usr/share/keyrings/debian-archive-keyring.gpg is missing (apt-get install debian-archive-keyring)"
    # Only our sources, state and cache: the host's apt is neither read nor changed.
    local apt=(apt-get -qq
        -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
        -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
        -o Dir::State::status=/dev/null -o APT::Sandbox::User=root
        -o Acquire::Languages=none -o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false
        -o Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false)
    say "downloading ${PACKAGES[*]} from $mirror $SUITE..."
    "${apt[@]}" -o Acquire::Retries=1 -o Acquire::http::Timeout=20 update --error-on=any </dev/null ||
        die "apt-get update of $mirror $SUITE failed (NO_PUBKEY? trixie's keys came with" \
            "debian-archive-keyring 2023.3+deb12u1: apt-get install debian-archive-keyring)"
    rm -f "$PREFIX"/debs/*.deb
    (cd "$PREFIX/debs" && "${apt[@]}" download "${PACKAGES[@]/%//$SUITE}" </dev/null) ||
        die "apt-get download ${PACKAGES[*]} from $SUITE failed"
    say "downloaded $(du -cm "$PREFIX"/debs/*.deb | awk 'END { print $1 }') MB in $(secs_since "$t0")s;" \
        "unpacking with dpkg-deb -x into $ROOT..."
    rm -rf "$ROOT.new"
    mkdir -p "$ROOT.new"
    # In parallel: unpacking is xz decompression, one core per package.
    local pids=()
    for deb in "$PREFIX"/debs/*.deb; do
        dpkg-deb -x "$deb" "$ROOT.new" &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do
        wait "$pid" || die "dpkg-deb -x failed (see above)"
    done
    (cd "$PREFIX/debs" && ls -- *.deb) >"$ROOT.new/.stagecraft-unpacked"
    rm -rf "$ROOT"
    mv "$ROOT.new" "$ROOT"
    rm -f "$PREFIX"/debs/*.deb "$apt_dir"/lists/*_Packages* "$apt_dir"/lists/*Release*
    say "fetched and unpacked in $(secs_since "$t0")s: $(tr '\n' ' ' <"$ROOT/.stagecraft-unpacked")"
    # The versions this was written and measured with; a newer trixie point
    # release may bring others, which should work but were not tried.
    grep -q "^docker.io_${DOCKER_VERSION}+" "$ROOT/.stagecraft-unpacked" ||
        say "warning: expected docker.io $DOCKER_VERSION, got $(grep '^docker.io_' "$ROOT/.stagecraft-unpacked")"
    grep -q "^docker-buildx_${BUILDX_VERSION}+" "$ROOT/.stagecraft-unpacked" ||
        say "warning: expected docker-buildx $BUILDX_VERSION, got $(grep '^docker-buildx_' "$ROOT/.stagecraft-unpacked")"
}

# --- 2. Its own bridge and NAT: lib.sh's setup_network ---------------------

# --- 3. dockerd ---------------------------------------------------------------
start_daemon() {
    if pid_alive "$PIDFILE" dockerd; then
        say "dockerd (pid $(tr -dc '0-9' <"$PIDFILE")) is running but not answering yet; waiting for it"
        started=
        LOG_OFFSET=0
    else
        clear_stale_state
        mkdir -p "$RUN_DIR" "$EXEC_ROOT" "$DATA_ROOT" "$(dirname "$LOG")"
        # Its own (empty) config file: /etc/docker/daemon.json is the host daemon's.
        [[ -s "$PREFIX/daemon.json" ]] || echo '{}' >"$PREFIX/daemon.json"
        LOG_OFFSET=$(stat -c %s "$LOG" 2>/dev/null || echo 0)
        echo "==== $(date -Is) modern-daemon.sh starting dockerd -H $HOST" >>"$LOG"
        say "starting dockerd (log: $LOG)"
        # trixie's containerd and shims first on PATH; runc and docker-init
        # are the host's. setsid: not tied to this shell's session; 9>&-: the
        # daemon must not hold the lock (fd 9) for its whole life.
        PATH="$ROOT/usr/bin:$ROOT/usr/sbin:$PATH" setsid "$ROOT/usr/sbin/dockerd" \
            --host "$HOST" --pidfile "$PIDFILE" --config-file "$PREFIX/daemon.json" \
            --data-root "$DATA_ROOT" --exec-root "$EXEC_ROOT" \
            --bridge "$BRIDGE" --iptables=false --ip-masq=false \
            </dev/null >>"$LOG" 2>&1 9>&- &
        started=$!
    fi
    wait_for_dockerd "$started"
}

# --- 4. The base image, from the host daemon: lib.sh's load_base_image_into -

# --- 5. buildx in the project's Docker config dir ----------------------------
link_buildx() {
    mkdir -p "$DOCKER_CONFIG_DIR/cli-plugins"
    ln -sfn "$ROOT/usr/libexec/docker/cli-plugins/docker-buildx" "$DOCKER_CONFIG_DIR/cli-plugins/docker-buildx"
}

# A RUN on the bridge reaching Debian's archive (the first start only).
check_network() {
    local t0
    t0=$(now_ms)
    modern run --rm --label "$RULE_TAG.check=1" "$BASE_IMAGE" sh -c "$APT_UPDATE" >/dev/null 2>&1 ||
        die "a container on $BRIDGE cannot run apt-get update (no route/NAT/DNS to the archive?)"
    say "containers reach the Debian archive ($(secs_since "$t0")s for apt-get update)"
}

cmd_up() {
    local t_total started=
    t_total=$(now_ms)
    [[ $EUID -eq 0 ]] || die "starting a dockerd needs root"
    fetch_packages
    link_buildx
    setup_network
    local fresh=
    if answers; then
        say "already answers at $HOST"
    else
        start_daemon
        fresh=1
    fi
    load_base_image_into modern
    [[ -z "$fresh" ]] || check_network
    ip link show docker0 >/dev/null 2>&1 || say "warning: the host's docker0 bridge is gone; run scripts/docker-up.sh"
    say "up in $(secs_since "$t_total")s: $(version_line) at $HOST"
    say "use: DOCKER_HOST=$HOST  (buildx: DOCKER_CONFIG=$DOCKER_CONFIG_DIR)"
}

cmd_down() {
    stop_dockerd
    teardown_network
    say "down (images stay in $DATA_ROOT)"
}

cmd_purge() {
    cmd_down
    unmount_below "$DATA_ROOT" "$EXEC_ROOT"
    rm -rf --one-file-system "$DATA_ROOT" "$RUN_DIR" "$PREFIX"
    rm -f "$DOCKER_CONFIG_DIR/cli-plugins/docker-buildx"
    say "purged $DATA_ROOT, $RUN_DIR and $PREFIX"
}

cmd_status() {
    if answers; then
        say "up: $(version_line) at $HOST (pid $(tr -dc '0-9' <"$PIDFILE" 2>/dev/null || echo '?'))"
    else
        say "not answering at $HOST (start it with scripts/modern-daemon.sh up)"
        return 1
    fi
}

# --- check: what each daemon's BuildKit builds through `docker buildx build` ---
# try DAEMON FEATURE DOCKERFILE [BUILD ARGS...]: prints "works" or "fails".
try() {
    local daemon="$1" feature="$2" dockerfile="$3" ctx log
    shift 3
    ctx="$(mktemp -d /var/tmp/stagecraft-check.XXXXXX)"
    printf '%s\n' "$dockerfile" >"$ctx/Dockerfile"
    echo hello >"$ctx/hello.txt"
    echo s3cret >"$ctx/token"
    log="$ctx/build.log"
    local tag="stagecraft-modern-check:$feature"
    if "$daemon" buildx build --progress plain --label "$RULE_TAG.check=1" -t "$tag" \
        --secret "id=token,src=$ctx/token" "$@" "$ctx" >"$log" 2>&1; then
        result=works
    else
        result=fails
        # The daemon's reason, without the rpc wrapping in front of it.
        last_error="$(grep -E 'ERROR' "$log" | tail -n 1 |
            sed -E 's/.*(failed to create LLB definition|failed to solve|ERROR): //' | cut -c1-120)"
    fi
    "$daemon" image rm -f "$tag" >/dev/null 2>&1 || true
    rm -rf "$ctx"
}

cmd_check() {
    answers || die "the modern daemon does not answer; run scripts/modern-daemon.sh up"
    local from="FROM $BASE_IMAGE" failed=0 daemon feature dockerfile expected
    local -A files=(
        [apt-get-update]="$from
RUN $APT_UPDATE"
        [cache-mount]="$from
RUN --mount=type=cache,target=/cache echo cached >/cache/x && cat /cache/x"
        [secret-mount]="$from
RUN --mount=type=secret,id=token test \"\$(cat /run/secrets/token)\" = s3cret && ! test -e /run/secrets/token.bak"
        [heredoc]="$from
RUN <<EOF
set -e
echo one >/heredoc
echo two >>/heredoc
EOF
RUN test \"\$(wc -l </heredoc)\" = 2"
        [copy-link]="$from
COPY --link hello.txt /hello.txt
RUN test \"\$(cat /hello.txt)\" = hello"
    )
    local order=(apt-get-update cache-mount secret-mount heredoc copy-link)
    for daemon in host modern; do
        say "$daemon daemon: $("$daemon" version --format 'docker {{.Server.Version}}, API {{.Server.APIVersion}}')"
        for feature in "${order[@]}"; do
            expected=works
            [[ $daemon == host && ($feature == heredoc || $feature == copy-link) ]] && expected=fails
            local extra=()
            [[ $feature == apt-get-update ]] && extra=(--no-cache)
            last_error=
            try "$daemon" "$feature" "${files[$feature]}" "${extra[@]}"
            if [[ $result == "$expected" ]]; then
                say "  $feature: $result (as expected)${last_error:+: $last_error}"
            else
                say "  $feature: $result, expected $expected${last_error:+: $last_error}"
                failed=1
            fi
        done
    done
    # The classic builder (what the engine uses today) on the host's bridge.
    local ctx
    ctx="$(mktemp -d /var/tmp/stagecraft-check.XXXXXX)"
    printf '%s\n' "$from" "RUN $APT_UPDATE" >"$ctx/Dockerfile"
    if DOCKER_BUILDKIT=0 host build -q --no-cache --force-rm --label "$RULE_TAG.check=1" \
        -t stagecraft-modern-check:classic "$ctx" >/dev/null 2>&1; then
        say "host daemon, classic builder: apt-get-update: works"
    else
        say "host daemon, classic builder: apt-get-update: fails"
        failed=1
    fi
    host image rm -f stagecraft-modern-check:classic >/dev/null 2>&1 || true
    rm -rf "$ctx"
    ip link show docker0 >/dev/null 2>&1 || {
        say "the host's docker0 bridge is gone"
        failed=1
    }
    ((failed == 0)) || die "some checks failed"
    say "all checks passed"
}

# One up/down/purge at a time: several shells (engineers, CI steps) run
# setup.sh at once on a shared machine, and two unpacks or two dockerds on
# one socket would trip over each other. The second waits, then finds it up.
lock() {
    [[ $EUID -eq 0 ]] || die "this needs root"
    exec 9>/run/stagecraft-modern.lock
    flock -w 300 9 || die "another modern-daemon.sh held /run/stagecraft-modern.lock for 5 minutes"
}

case "${1:-}" in
    up) lock && cmd_up ;;
    down) lock && cmd_down ;;
    status) cmd_status ;;
    check) cmd_check ;;
    purge) lock && cmd_purge ;;
    *)
        echo "usage: $0 up|down|status|check|purge" >&2
        exit 2
        ;;
esac
