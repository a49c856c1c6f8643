FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        fortune-mod \
        fortunes-min \
 && rm -rf /var/lib/apt/lists/*

FROM build AS harvest
RUN set -eu; \
    die() { echo "stagecraft harvest: $*" >&2; exit 1; }; \
    keep() { n=0; p=$1; \
      while :; do \
        n=$((n + 1)); [ "$n" -le 64 ] || die "$1: too many levels of symbolic links"; \
        d=; rest=${p#/}; found=; \
        while [ -n "$rest" ]; do \
          c=${rest%%/*}; if [ "$c" = "$rest" ]; then rest=; else rest=${rest#*/}; fi; \
          [ -n "$c" ] || continue; d=$d/$c; \
          if [ -L "$d" ]; then found=1; break; fi; \
        done; \
        if [ -z "$found" ]; then \
          [ -e "$p" ] || die "$1: no such file or directory"; \
          if [ ! -d "$p" ] && [ -e "$H$p" ]; then return 0; fi; \
          if [ -d "$p" ]; then mkdir -p "$H$p"; cp -a "$p/." "$H$p/"; \
          else mkdir -p "$H${p%/*}"; cp -a "$p" "$H$p"; fi; \
          s=$(du -sb "$p"); echo "stagecraft harvest: ${s%%/*}$p ($R)"; return 0; \
        fi; \
        [ -L "$H$d" ] || { mkdir -p "$H${d%/*}"; cp -P "$d" "$H$d"; \
          echo "stagecraft harvest: link $d -> $(readlink "$d") ($R)"; }; \
        t=$(readlink "$d"); \
        case $t in /*) ;; *) t=$(readlink -f "${d%/*}/$(dirname "$t")")/${t##*/} ;; esac; \
        if [ -n "$rest" ]; then p=$t/$rest; else p=$t; fi; \
      done; }; \
    closure() { if [ ! -e "$1" ]; then \
        [ -L "$1" ] && die "$1: a dangling or looping symbolic link"; \
        die "$1: no such file or directory"; fi; \
      case $(od -An -tx1 -N4 "$1") in *'7f 45 4c 46'*) ;; \
        *) die "$1 is not an ELF file: harvest a script's interpreter with binary() and the script with path()" ;; esac; \
      R="binary"; keep "$1"; \
      if ! ldd "$1" > /tmp/stagecraft-ldd 2>&1; then \
        grep -q -e 'not a dynamic executable' -e 'statically linked' /tmp/stagecraft-ldd && return 0; \
        die "ldd $1 failed: $(cat /tmp/stagecraft-ldd)"; \
      fi; \
      missing=$(awk '$2 == "=>" && $3 == "not" { print $1 }' /tmp/stagecraft-ldd); \
      [ -z "$missing" ] || die "$1 needs libraries that cannot be found:" $missing; \
      for lib in $(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' /tmp/stagecraft-ldd); do \
        provided "$lib" || { R="needed by $1"; keep "$lib"; }; \
      done; }; \
    provided() { [ -n "$EXCEPT" ] || return 1; \
      dpkg -S "$1" > /tmp/stagecraft-owner 2>/dev/null \
        || dpkg -S "$(readlink -f "$1")" > /tmp/stagecraft-owner 2>/dev/null || return 1; \
      case " $EXCEPT " in *" $(awk -F: 'NR == 1 { print $1 }' /tmp/stagecraft-owner) "*) return 0 ;; esac; \
      return 1; }; \
    package() { dpkg -L "$1" > /tmp/stagecraft-dpkg 2>/dev/null || die "package $1 is not installed in this stage"; \
      while IFS= read -r f; do \
        case $f in /*) ;; *) continue ;; esac; \
        if [ "$2" = nodocs ]; then case $f in /usr/share/doc/*|/usr/share/man/*|/usr/share/info/*|/usr/share/lintian/*) continue ;; esac; fi; \
        if [ -d "$f" ] && [ ! -L "$f" ]; then continue; fi; \
        R="package $1"; keep "$f"; \
      done < /tmp/stagecraft-dpkg; }; \
    H=/harvest; EXCEPT=''; mkdir -p "$H"; \
    closure '/usr/games/fortune'; \
    package fortunes-min nodocs; \
    rm -f /tmp/stagecraft-ldd /tmp/stagecraft-dpkg /tmp/stagecraft-owner

FROM scratch
COPY --from=harvest /harvest/ /
ENV PATH=/usr/games:${PATH}
ENTRYPOINT ["fortune"]
