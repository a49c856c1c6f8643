#!/usr/bin/env bash
# A loopback sshd for the engine's ssh:// tests (tests/engine_ssh.rs): the
# daemon reached as `ssh://root@127.0.0.1:22022`, the way the docker CLI
# reaches a remote one (`ssh ... docker system dial-stdio`).
#
#   bash scripts/sshd.sh          # install Debian's openssh-server if missing, start, wait
#   bash scripts/sshd.sh up       # the same
#   bash scripts/sshd.sh down     # stop the sshd this script started
#   bash scripts/sshd.sh status   # say whether it answers
#
# It is its own sshd, beside any system one: its own config, host key, port
# (STAGECRAFT_SSHD_PORT, default 22022, on 127.0.0.1 only), pid file and
# authorized key, all under STAGECRAFT_SSHD_DIR (default /opt/stagecraft/sshd).
# The client side is there too: `client_key` (the key whose public half is
# the only one authorized) and `ssh_config` (that key, this host key as the
# only known one, BatchMode), which the tests pass to ssh with `-F`.
# Installing the package starts no service here: /usr/sbin/policy-rc.d says
# 101 (as in Docker's Debian images); if none is there, one is put in place
# for the install only. Idempotent: a running sshd on the port is kept, a
# stale pid file removed, the keys made once.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib.sh
source "$here/lib.sh"

mode="${1:-up}"
dir="${STAGECRAFT_SSHD_DIR:-/opt/stagecraft/sshd}"
port="${STAGECRAFT_SSHD_PORT:-22022}"
pidfile="$dir/sshd.pid"
config="$dir/sshd_config"

say() { echo "sshd.sh: $*"; }
die() {
    echo "sshd.sh: $*" >&2
    exit 1
}

# The sshd answers when a session through it runs a command.
answers() {
    [[ -f "$dir/ssh_config" ]] || return 1
    ssh -F "$dir/ssh_config" -o ConnectTimeout=3 stagecraft-sshd true 2>/dev/null
}

case "$mode" in
down)
    if pid_alive "$pidfile" sshd; then
        kill "$(cat "$pidfile")"
        say "stopped the sshd on 127.0.0.1:$port"
    fi
    rm -f "$pidfile"
    exit 0
    ;;
status)
    if answers; then
        say "up: 127.0.0.1:$port (pid $(cat "$pidfile" 2>/dev/null || echo '?'))"
        exit 0
    fi
    say "down"
    exit 1
    ;;
up) ;;
*) die "usage: sshd.sh [up|down|status]" ;;
esac

t0=$(now_ms)
if [[ ! -x /usr/sbin/sshd ]]; then
    say "installing Debian's openssh-server"
    added_policy=
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        added_policy=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssh-server >/dev/null
    [[ -z "$added_policy" ]] || rm -f /usr/sbin/policy-rc.d
fi

mkdir -p "$dir"
chmod 700 "$dir"
[[ -f "$dir/host_key" ]] || ssh-keygen -q -t ed25519 -N '' -C stagecraft-sshd-host -f "$dir/host_key"
[[ -f "$dir/client_key" ]] || ssh-keygen -q -t ed25519 -N '' -C stagecraft-sshd-client -f "$dir/client_key"
cp "$dir/client_key.pub" "$dir/authorized_keys"
chmod 600 "$dir/authorized_keys"
printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1-2 "$dir/host_key.pub")" >"$dir/known_hosts"

cat >"$config" <<EOF
# Written by scripts/sshd.sh: a loopback sshd for stagecraft's tests.
ListenAddress 127.0.0.1
Port $port
HostKey $dir/host_key
PidFile $pidfile
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
X11Forwarding no
PrintMotd no
Subsystem sftp internal-sftp
EOF

cat >"$dir/ssh_config" <<EOF
# Written by scripts/sshd.sh: how the tests reach its sshd (ssh -F this-file).
Host stagecraft-sshd 127.0.0.1
    HostName 127.0.0.1
    Port $port
    User root
    IdentityFile $dir/client_key
    IdentitiesOnly yes
    UserKnownHostsFile $dir/known_hosts
    StrictHostKeyChecking yes
    BatchMode yes
    LogLevel ERROR
EOF

if pid_alive "$pidfile" sshd && answers; then
    say "up already: 127.0.0.1:$port"
    exit 0
fi
rm -f "$pidfile"
# The privilege separation directory Debian's sshd expects.
mkdir -p /run/sshd
chmod 755 /run/sshd
/usr/sbin/sshd -t -f "$config" || die "sshd refuses $config"
/usr/sbin/sshd -f "$config" -E "$dir/sshd.log"
deadline=$(($(date +%s) + 15))
until answers; do
    (($(date +%s) < deadline)) || die "the sshd on 127.0.0.1:$port does not answer (see $dir/sshd.log)"
    sleep 0.2
done
say "up: 127.0.0.1:$port after $(secs_since "$t0")s (ssh -F $dir/ssh_config stagecraft-sshd)"
