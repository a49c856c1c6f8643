# Helpers shared by the setup scripts (sourced, not run):
# timing, "is this pid file's process alive", the host's Debian mirror, and
# (for the daemon scripts) waiting for a dockerd and loading the base image.
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
