#!/usr/bin/env bash
# Create the base images stagecraft's builds and tests start FROM, locally.
#
# No container registry is reachable, so `docker pull debian:bookworm-slim`
# is impossible. Instead we build an equivalent image with debootstrap from
# the Debian archive (which is reachable) and `docker import` it, applying the
# same tweaks the official debian:*-slim images get (debuerreotype's
# minimizing config + slimify). Idempotent: skipped when the image exists.
#
# Environment:
#   DEBIAN_MIRROR           archive to bootstrap from (default: from the host's apt sources)
#   DEBIAN_SECURITY_MIRROR  security archive written into the image's sources
set -euo pipefail

IMAGE=debian:bookworm-slim
SUITE=bookworm

say() { echo "base-images: $*"; }
die() { echo "base-images: ERROR: $*" >&2; exit 1; }
# now_ms, secs_since, host_mirror
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

docker info >/dev/null 2>&1 || die "docker does not answer; run scripts/docker-up.sh first"

# --- Idempotency: nothing to do when the image is already there ------------
if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    say "$IMAGE already present ($(docker image inspect -f '{{.Id}}' "$IMAGE" | cut -c1-19)), skipping"
    exit 0
fi

[[ $EUID -eq 0 ]] || die "debootstrap needs root"

if ! command -v debootstrap >/dev/null 2>&1; then
    say "installing debootstrap..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq </dev/null
    apt-get install -y -qq --no-install-recommends debootstrap debian-archive-keyring </dev/null >/dev/null
fi

# --- Pick the mirrors the host's apt already uses (known reachable) --------
# host_mirror (scripts/lib.sh) prints the first URI of an enabled source whose
# suites match a regex.
MIRROR="${DEBIAN_MIRROR:-$(host_mirror "(^| )$SUITE " | head -n1)}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-$(host_mirror "(^| )$SUITE-security " | head -n1)}"
SECURITY_MIRROR="${SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
MIRROR="${MIRROR%/}" SECURITY_MIRROR="${SECURITY_MIRROR%/}"

# --- Scratch dir, always cleaned up ----------------------------------------
# /var/tmp rather than /tmp: ~150 MB and /tmp may be a small tmpfs.
WORK="$(mktemp -d /var/tmp/stagecraft-rootfs.XXXXXX)"
ROOTFS="$WORK/rootfs"
cleanup() {
    # debootstrap mounts /proc and /sys inside the target; if it died halfway
    # they may still be mounted, and rm must never descend into them.
    unmount_below "$WORK"
    rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

t_total=$(now_ms)

# --- 1. debootstrap a minimal bookworm --------------------------------------
# minbase = essential packages + apt, the same variant the official images use.
say "debootstrap --variant=minbase $SUITE from $MIRROR (a few minutes)..."
t0=$(now_ms)
if ! debootstrap --variant=minbase "$SUITE" "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1; then
    tail -n 30 "$WORK/debootstrap.log" >&2
    tail -n 30 "$ROOTFS/debootstrap/debootstrap.log" >&2 2>/dev/null || true
    die "debootstrap failed"
fi
say "debootstrap took $(secs_since "$t0")s"

# --- 2. Official-image tweaks (debuerreotype-minimizing-config) -------------
# Services must not start during `apt-get install` inside containers.
cat >"$ROOTFS/usr/sbin/policy-rc.d" <<'EOF'
#!/bin/sh

# For most Docker users, "apt-get install" only happens during "docker build",
# where starting services doesn't work and often fails in humorous ways. This
# prevents those failures by stopping the services from attempting to start.

exit 101
EOF
chmod 0755 "$ROOTFS/usr/sbin/policy-rc.d"

# Container filesystems don't need fsync after every unpacked file.
cat >"$ROOTFS/etc/dpkg/dpkg.cfg.d/docker-apt-speedup" <<'EOF'
# For most Docker users, package installs happen during "docker build", which
# doesn't survive power loss and gets restarted clean afterwards anyhow, so
# this minor tweak gives us a nice speedup (much nicer on spinning disks,
# obviously).

force-unsafe-io
EOF

cat >"$ROOTFS/etc/apt/apt.conf.d/docker-autoremove-suggests" <<'EOF'
# Since Docker users are looking for the smallest possible final images, the
# following emerges as a very common pattern:

#   RUN apt-get update \
#       && apt-get install -y <packages> \
#       && <do some compilation work> \
#       && apt-get purge -y --auto-remove <packages>

# By default, APT will actually _keep_ packages installed via Recommends or
# Depends if another package Suggests them, even and including if the package
# that originally caused them to be installed is removed.  Setting this to
# "false" ensures that APT is appropriately aggressive about removing the
# packages it added.

# https://aptitude.alioth.debian.org/doc/en/ch02s05s05.html#configApt-AutoRemove-SuggestsImportant
Apt::AutoRemove::SuggestsImportant "false";
EOF

# Keep layers small: effectively `apt-get clean` after every dpkg run.
# Content identical to /etc/apt/apt.conf.d/docker-clean in the official
# debian:bookworm images (current debuerreotype no longer adds an
# APT::Update::Post-Invoke hook; older images had one).
cat >"$ROOTFS/etc/apt/apt.conf.d/docker-clean" <<'EOF'
# Since for most Docker users, package installs happen in "docker build" steps,
# they essentially become individual layers due to the way Docker handles
# layering, especially using CoW filesystems.  What this means for us is that
# the caches that APT keeps end up just wasting space in those layers, making
# our layers unnecessarily large (especially since we'll normally never use
# these caches again and will instead just "docker build" again and make a brand
# new image).

# Ideally, these would just be invoking "apt-get clean", but in our testing,
# that ended up being cyclic and we got stuck on APT's lock, so we get this fun
# creation that's essentially just "apt-get clean".
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };

Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";

# Note that we do realize this isn't the ideal way to do this, and are always
# open to better suggestions (https://github.com/debuerreotype/debuerreotype/issues).
EOF

cat >"$ROOTFS/etc/apt/apt.conf.d/docker-gzip-indexes" <<'EOF'
# Since Docker users using "RUN apt-get update && apt-get install -y ..." in
# their Dockerfiles don't go delete the lists files afterwards, we want them to
# be as small as possible on-disk, so we explicitly request that Apt keep them
# compressed on-disk too instead of decompressing them.

# For comparison, an "apt-get update" layer without this on a pristine
# "debian:wheezy" base image was "29.88 MB", where with this it was only
# "8.273 MB".

Acquire::GzipIndexes "true";
EOF

cat >"$ROOTFS/etc/apt/apt.conf.d/docker-no-languages" <<'EOF'
# In Docker, we don't often need the "Translations" files, so we're just wasting
# time and space by downloading them, and this inhibits that.  For users that do
# need them, it's a simple matter to delete this file and "apt-get update". :)

Acquire::Languages "none";
EOF
chmod 0644 "$ROOTFS"/etc/apt/apt.conf.d/docker-* "$ROOTFS"/etc/dpkg/dpkg.cfg.d/docker-*

# --- 3. apt sources: bookworm, bookworm-updates, bookworm-security ----------
# deb822 format in debian.sources, like the official bookworm images.
rm -f "$ROOTFS/etc/apt/sources.list"
cat >"$ROOTFS/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF

# --- 4. "slim": drop docs/man/locales and keep dpkg from reinstalling them ---
# (debuerreotype-slimify: path-exclude rules, copyright files are kept)
# (quoted: these are patterns for dpkg/find, not globs for this shell)
excludes=('/usr/share/doc/*' '/usr/share/groff/*' '/usr/share/info/*' '/usr/share/linda/*'
          '/usr/share/lintian/overrides/*' '/usr/share/locale/*' '/usr/share/man/*')
includes=('/usr/share/doc/*/copyright' '/usr/share/doc/kde/HTML/C/*' '/usr/share/gnome/help/*/C/*'
          '/usr/share/locale/all_languages' '/usr/share/locale/currency/*' '/usr/share/locale/l10n/*'
          '/usr/share/locale/languages' '/usr/share/locale/locale.alias' '/usr/share/omf/*/*-C.emf')
{
    echo '# This is the "slim" variant of the Debian base image.'
    echo '# Many files which are normally unnecessary in containers are excluded,'
    echo '# and this configuration file keeps them that way.'
    echo
    printf 'path-exclude %s\n' "${excludes[@]}"
    echo
    printf 'path-include %s\n' "${includes[@]}"
} >"$ROOTFS/etc/dpkg/dpkg.cfg.d/docker"
chmod 0644 "$ROOTFS/etc/dpkg/dpkg.cfg.d/docker"
keep=()
for i in "${includes[@]}"; do keep+=(-o -path "$i"); done
keep=("(" "${keep[@]:1}" ")")
for e in "${excludes[@]}"; do
    dir="${e%/\*}"
    [[ -d "$ROOTFS$dir" ]] || continue
    # Run find inside the rootfs (chroot): symlinks like man1/awk.1.gz ->
    # /etc/alternatives/... must resolve against the image, not this host.
    # Step 1: delete files not matched by an include (keep dirs and links).
    chroot "$ROOTFS" find "$dir" -mindepth 1 -depth -not "${keep[@]}" -not -type d -not -type l -delete
    # Step 2: repeatedly drop empty dirs and now-dangling symlinks.
    while (( $(chroot "$ROOTFS" find "$dir" -mindepth 1 -depth \( -empty -o -xtype l \) -print -exec rm -rf {} + | wc -l) > 0 )); do :; done
done

# --- 5. Remove caches/logs/host leftovers the official images don't carry ---
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin \
       "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/cache/apt/archives/partial/*.deb \
       "$ROOTFS"/var/log/dpkg.log "$ROOTFS"/var/log/bootstrap.log "$ROOTFS"/var/log/alternatives.log \
       "$ROOTFS"/var/log/apt/history.log "$ROOTFS"/var/log/apt/term.log \
       "$ROOTFS"/var/cache/ldconfig/aux-cache "$ROOTFS"/run/mount/utab \
       "$ROOTFS"/debootstrap
# Docker bind-mounts these at run time; don't ship the build host's copies.
: >"$ROOTFS/etc/resolv.conf"
: >"$ROOTFS/etc/hostname" 2>/dev/null || true

# --- 6. Import as an image --------------------------------------------------
# /proc and /sys are mount points only; Docker provides them.
say "importing $IMAGE..."
t0=$(now_ms)
tar --numeric-owner --xattrs -C "$ROOTFS" --exclude='./proc/*' --exclude='./sys/*' -c . \
    | docker import --change 'CMD ["bash"]' \
        --message "debootstrap --variant=minbase $SUITE $MIRROR (stagecraft scripts/base-images.sh)" \
        - "$IMAGE" >/dev/null
say "import took $(secs_since "$t0")s"
say "created $IMAGE in $(secs_since "$t_total")s total: $(docker images --format '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}' "$IMAGE")"
