# Helpers shared by the setup scripts (sourced, not run):
# timing, "is this pid file's process alive", the host's Debian mirror, and
# (for the daemon scripts) waiting for a dockerd, loading the base image,
# their bridge and NAT rules, stopping a dockerd.
# shellcheck shell=bash

now_ms() { date +%s%3N; }

# secs_since START_MS -> "12.3"
secs_since() {
    local d=$(($(now_ms) - $1))
    printf '%d.%d' $((d / 1000)) $(((d % 1000) / 100))
}

# pid_alive FILE NAME: true when FILE holds the pid of a live process called
# NAME. Zombies count as dead: a killed, reparented dockerd can linger as a
# zombie for a few seconds when PID 1 is slow to reap (observed here), and
# the pid may also have been reused by an unrelated process after a reboot.
pid_alive() {
    local pid stat
    [[ -s "$1" ]] || return 1
    pid="$(tr -dc '0-9' <"$1")"
    [[ -n "$pid" ]] || return 1
    stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
    # /proc/PID/stat: "PID (comm) STATE ..."
    [[ "$stat" == *"($2) "[!ZX]* ]]
}

# host_mirror SUITE_REGEX: the first URI of an enabled apt source of this host
# whose suites match the regex, read from both deb822 *.sources and one-line
# *.list / sources.list files (a mirror the host already reaches).
host_mirror() {
    local want="$1" f
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f "$f" ]] || continue
        # deb822: paragraphs separated by blank lines.
        awk -v want="$want" '
            function flush() { if (uri != "" && suites ~ want && enabled != "no") { print uri; found = 1; exit } uri = suites = enabled = "" }
            /^[ \t]*$/ { flush(); next }
            tolower($1) == "uris:"    { uri = $2 }
            tolower($1) == "suites:"  { $1 = ""; suites = $0 " " }
            tolower($1) == "enabled:" { enabled = tolower($2) }
            END { if (!found) flush() }
        ' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f "$f" ]] || continue
        # one-line: deb [opts] URI suite components...
        sed -E 's/\[[^]]*\]//' "$f" | awk -v want="$want" '$1 == "deb" && ($3 " ") ~ want { print $2 }'
    done
}

# wait_for_dockerd STARTED_PID: wait until the sourcing daemon script's
# `answers` succeeds, within $TIMEOUT seconds; fail at once when the dockerd
# it started (STARTED_PID, empty when it was running already) exits. Uses the
# script's `say`, `die` and $HOST.
wait_for_dockerd() {
    local started="$1" t0 deadline
    t0=$(now_ms)
    deadline=$(($(date +%s) + TIMEOUT))
    until answers; do
        if [[ -n "$started" ]] && ! kill -0 "$started" 2>/dev/null; then
            die "dockerd exited during startup"
        fi
        (($(date +%s) < deadline)) || die "dockerd did not answer on $HOST within ${TIMEOUT}s"
        sleep 0.5
    done
    say "dockerd answers after $(secs_since "$t0")s"
}

# load_base_image_into CLIENT: $BASE_IMAGE from the host daemon (the script's
# `host` client) into the daemon that the function CLIENT talks to, by
# save/load, unless it already has the same image id.
load_base_image_into() {
    local client="$1" want have t0
    want="$(host image inspect -f '{{.Id}}' "$BASE_IMAGE" 2>/dev/null)" ||
        die "$BASE_IMAGE is not on the host daemon ($HOST_DAEMON); run scripts/base-images.sh first"
    have="$("$client" image inspect -f '{{.Id}}' "$BASE_IMAGE" 2>/dev/null || true)"
    if [[ "$have" == "$want" ]]; then
        say "$BASE_IMAGE already present (${want:7:12})"
        return 0
    fi
    t0=$(now_ms)
    host save "$BASE_IMAGE" | "$client" load -q >/dev/null || die "docker save | docker load of $BASE_IMAGE failed"
    say "loaded $BASE_IMAGE (${want:7:12}) from the host daemon in $(secs_since "$t0")s"
}

# --- For the extra dockerds (modern-daemon.sh, extra-daemon.sh) -------------
# These use the sourcing script's $BRIDGE, $SUBNET, $RULE_TAG, $PIDFILE,
# $EXEC_ROOT, `say` and `die`.

# ipt TABLE CHAIN RULE...: append the rule (tagged $RULE_TAG) unless it is there.
ipt() {
    local table="$1" chain="$2"
    shift 2
    local rule=("$@" -m comment --comment "$RULE_TAG")
    iptables -w -t "$table" -C "$chain" "${rule[@]}" 2>/dev/null ||
        iptables -w -t "$table" -A "$chain" "${rule[@]}"
}

# setup_network: the bridge $BRIDGE with $SUBNET, made with `ip link`, and
# what dockerd would add for it, in chains it does not flush (the daemons
# run with --iptables=false so they never flush the DOCKER chains the host's
# daemon owns): masquerade outgoing traffic, forward it out and the replies
# back in. Idempotent. (Never --bridge=none: that deletes docker0.)
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

# teardown_network: deletes every iptables rule tagged $RULE_TAG (as listed
# by iptables -S), then the bridge.
teardown_network() {
    local table line
    for table in nat filter; do
        while read -r line; do
            # shellcheck disable=SC2086 # the rule's words, as iptables -S printed them
            eval "iptables -w -t $table ${line/#-A/-D}" || true
        done < <(iptables -w -t "$table" -S 2>/dev/null | grep -- "--comment $RULE_TAG\b" || true)
    done
    if ip link show "$BRIDGE" >/dev/null 2>&1; then
        ip link del "$BRIDGE" && say "removed bridge $BRIDGE"
    fi
}

# clear_stale_state: before starting the dockerd of $PIDFILE: remove its pid
# file when no dockerd of that pid runs (after a reboot or a kill), and the
# containerd pid file and sockets under $EXEC_ROOT when no containerd runs.
clear_stale_state() {
    if [[ -e "$PIDFILE" ]]; then
        say "removing stale $PIDFILE (pid $(tr -dc '0-9' <"$PIDFILE" || true) is not a running dockerd)"
        rm -f "$PIDFILE"
    fi
    local containerd_dir="$EXEC_ROOT/containerd"
    if ! pid_alive "$containerd_dir/containerd.pid" containerd; then
        rm -f "$containerd_dir/containerd.pid" "$containerd_dir/containerd.sock" \
            "$containerd_dir/containerd.sock.ttrpc"
    fi
}

# stop_dockerd: TERM the dockerd of $PIDFILE, KILL it after 30 s, remove the
# pid file, and end the containerd a killed dockerd leaves behind (a clean
# stop ends it).
stop_dockerd() {
    local pid
    if pid_alive "$PIDFILE" dockerd; then
        pid="$(tr -dc '0-9' <"$PIDFILE")"
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
    local containerd_pid="$EXEC_ROOT/containerd/containerd.pid"
    if pid_alive "$containerd_pid" containerd; then
        kill -TERM "$(tr -dc '0-9' <"$containerd_pid")" || true
    fi
}

# unmount_below DIR...: lazily unmounts every mount under the DIRs (a killed
# daemon can leave overlay and netns mounts behind), so that `rm -rf` never
# descends into them.
unmount_below() {
    local m
    while read -r m; do
        umount -l "$m" 2>/dev/null || true
    done < <(awk -v d="$1" -v e="${2:-$1}" \
        'index($2, d) == 1 || index($2, e) == 1 { print $2 }' /proc/mounts | sort -r)
}
