FROM debian:bookworm-slim AS build

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
        R="package $1${3:+ (dependency of $3)}"; keep "$f"; \
      done < /tmp/stagecraft-dpkg; }; \
    depends() { package "$1" "$2"; \
      dpkg-query -W -f='${Package}\t${db:Status-Status}\t${Provides}\t${Pre-Depends}, ${Depends}\n' > /tmp/stagecraft-status; \
      awk -F '\t' -v root="$1" -v stop="$EXCEPT" ' \
        function bare(s) { sub(/\(.*$/, "", s); sub(/:.*$/, "", s); gsub(/[ \t]/, "", s); return s } \
        BEGIN { n = split(stop, w, " "); for (i = 1; i <= n; i++) stopped[w[i]] = 1 } \
        $2 ~ /^(installed|unpacked|half-configured|triggers-awaited|triggers-pending)$/ { have[$1] = 1; deps[$1] = deps[$1] "," $4; \
          n = split($3, v, ","); for (i = 1; i <= n; i++) { x = bare(v[i]); if (x != "" && !(x in prov)) prov[x] = $1 } } \
        END { q[1] = root; seen[root] = 1; head = 1; tail = 1; \
          while (head <= tail) { pkg = q[head]; head++; n = split(deps[pkg], g, ","); \
            for (i = 1; i <= n; i++) { m = split(g[i], a, "[|]"); pick = ""; ok = 0; \
              for (j = 1; j <= m; j++) { x = bare(a[j]); if (x == "") continue; \
                if (x in stopped) { ok = 1; break } if (x in have) { pick = x; break } \
                if (x in prov) { if (prov[x] in stopped) ok = 1; else pick = prov[x]; break } } \
              if (pick == "" && !ok && m > 0 && g[i] ~ /[^ \t]/) { sub(/^[ \t]+/, "", g[i]); print "package " root ": its dependency " g[i] " (of " pkg ") is satisfied by no package installed in this stage" > "/tmp/stagecraft-unsatisfied"; exit 1 } \
              if (pick != "" && !(pick in seen)) { seen[pick] = 1; tail++; q[tail] = pick; print pick, pkg } } } } \
      ' /tmp/stagecraft-status > /tmp/stagecraft-deps || die "$(cat /tmp/stagecraft-unsatisfied)"; \
      while read -r dep_name dep_of; do package "$dep_name" "$2" "$dep_of"; done < /tmp/stagecraft-deps; }; \
    path() { r=$(readlink -f "$1") || r=$1; why=; \
      case $r in /) why="it is the whole filesystem (/): harvest the directories the program needs instead" ;; \
        /proc|/proc/*|/sys|/sys/*|/dev|/dev/*) why="the container engine provides /proc, /sys and /dev at run time: nothing to harvest" ;; esac; \
      case $H in "$r"/*) why="it holds the harvest directory /harvest itself, which would be copied into itself" ;; esac; \
      case $r/ in "$H"/*) why="it holds the harvest directory /harvest itself, which would be copied into itself" ;; esac; \
      [ -z "$why" ] || die "harvest path $1 resolves to $r: $why"; \
      R=path; keep "$1"; }; \
    H=/harvest; EXCEPT='libc6'; mkdir -p "$H"; \
    closure '/usr/games/fortune'; \
    path '/etc/ssl/certs'; \
    depends fortune-mod nodocs; \
    package fortunes-min nodocs; \
    mkdir -p "$(dirname '/harvest/etc/localtime')"; cp -L '/usr/share/zoneinfo/UTC' '/harvest/etc/localtime'; echo "stagecraft harvest: '/usr/share/zoneinfo/UTC' as '/harvest/etc/localtime' (file)"; \
    rm -f /tmp/stagecraft-ldd /tmp/stagecraft-dpkg /tmp/stagecraft-owner /tmp/stagecraft-status /tmp/stagecraft-deps

FROM scratch
COPY --from=harvest /harvest/ /
ENTRYPOINT ["/usr/games/fortune"]
