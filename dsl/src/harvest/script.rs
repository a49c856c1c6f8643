//! The generated step of the self-contained strategy: POSIX sh, coreutils,
//! `awk`, `od`, `ldd` and `dpkg`, all present in any Debian or Ubuntu build
//! image.
//!
//! Paths are copied to `$H$path` explicitly (never `cp --parents`, which
//! resolves the parents against the working directory the stage happens to
//! have). `keep PATH` copies a path into the harvest directory with every symbolic
//! link met on the way kept as a link (the directory links of a merged-/usr
//! system such as `/lib64 -> usr/lib64` included), then its target, until a
//! real file or directory is reached; a loop is an error after 64 links.
//! `closure BINARY` keeps the binary and every library `ldd` resolves for
//! it. The loader behind `ldd` follows `DT_NEEDED`, `RPATH`/`RUNPATH`
//! (`$ORIGIN` included) and the system search path exactly as it will at run
//! time; its output is read line by line for the three forms it has
//! (`name => /path (addr)`, `/path (addr)`, `name => not found`), and a
//! missing library is an error naming it instead of a line to misparse.
//! Libraries owned (`dpkg -S`, asked for the path `ldd` printed and for the
//! file it resolves to, since on merged-/usr systems a package may have
//! recorded either) by a package in `$EXCEPT` are left out: the runtime base
//! provides them (e.g. libc6 on distroless `cc`).
//! `package NAME` keeps what `dpkg -L` lists (documentation left out unless
//! asked for). `depends NAME` keeps that and the files of every package
//! NAME depends on: `dpkg-query -W` lists every package with its status,
//! `Provides`, `Pre-Depends` and `Depends`, and one `awk` program walks the
//! closure with the rules of `dpkg.rs` (the resolved strategy's parser;
//! both are documented on `PackageFiles::dependencies`), printing each
//! dependency with the package that pulled it in; the packages of
//! `$EXCEPT` end the walk. A dependency no installed package satisfies
//! fails the step, naming it.
//!
//! Every path kept is printed to the build log as
//! `stagecraft harvest: SIZE<TAB>PATH (why)`, where why is `binary`,
//! `needed by BINARY`, `package NAME`, `package NAME (dependency of OTHER)`,
//! `path` or `file`, and every link as
//! `stagecraft harvest: link PATH -> TARGET (why)`: the manifest of this
//! strategy. (With an engine, the resolved strategy gives a typed one.)
//!
//! The script has no pipe and no `cd`, so the best-practice rules have
//! nothing to say about it; it is written as one line per fragment, joined
//! by line continuations, so it reads like a script in the Dockerfile.

/// The helper functions, one fragment per line; each fragment is valid
/// shell when the fragments are joined by spaces (as Docker joins
/// continuation lines).
const FUNCTIONS: &[&str] = &[
    "set -eu;",
    "die() { echo \"stagecraft harvest: $*\" >&2; exit 1; };",
    "keep() { n=0; p=$1;",
    "  while :; do",
    "    n=$((n + 1)); [ \"$n\" -le 64 ] || die \"$1: too many levels of symbolic links\";",
    "    d=; rest=${p#/}; found=;",
    "    while [ -n \"$rest\" ]; do",
    "      c=${rest%%/*}; if [ \"$c\" = \"$rest\" ]; then rest=; else rest=${rest#*/}; fi;",
    "      [ -n \"$c\" ] || continue; d=$d/$c;",
    "      if [ -L \"$d\" ]; then found=1; break; fi;",
    "    done;",
    "    if [ -z \"$found\" ]; then",
    "      [ -e \"$p\" ] || die \"$1: no such file or directory\";",
    "      if [ ! -d \"$p\" ] && [ -e \"$H$p\" ]; then return 0; fi;",
    "      if [ -d \"$p\" ]; then mkdir -p \"$H$p\"; cp -a \"$p/.\" \"$H$p/\";",
    "      else mkdir -p \"$H${p%/*}\"; cp -a \"$p\" \"$H$p\"; fi;",
    "      s=$(du -sb \"$p\"); echo \"stagecraft harvest: ${s%%/*}$p ($R)\"; return 0;",
    "    fi;",
    "    [ -L \"$H$d\" ] || { mkdir -p \"$H${d%/*}\"; cp -P \"$d\" \"$H$d\";",
    "      echo \"stagecraft harvest: link $d -> $(readlink \"$d\") ($R)\"; };",
    "    t=$(readlink \"$d\");",
    "    case $t in /*) ;; *) t=$(readlink -f \"${d%/*}/$(dirname \"$t\")\")/${t##*/} ;; esac;",
    "    if [ -n \"$rest\" ]; then p=$t/$rest; else p=$t; fi;",
    "  done; };",
    "closure() { if [ ! -e \"$1\" ]; then",
    "    [ -L \"$1\" ] && die \"$1: a dangling or looping symbolic link\";",
    "    die \"$1: no such file or directory\"; fi;",
    "  case $(od -An -tx1 -N4 \"$1\") in *'7f 45 4c 46'*) ;;",
    "    *) die \"$1 is not an ELF file: harvest a script's interpreter with binary() and the script with path()\" ;; esac;",
    "  R=\"binary\"; keep \"$1\";",
    "  if ! ldd \"$1\" > /tmp/stagecraft-ldd 2>&1; then",
    "    grep -q -e 'not a dynamic executable' -e 'statically linked' /tmp/stagecraft-ldd && return 0;",
    "    die \"ldd $1 failed: $(cat /tmp/stagecraft-ldd)\";",
    "  fi;",
    "  missing=$(awk '$2 == \"=>\" && $3 == \"not\" { print $1 }' /tmp/stagecraft-ldd);",
    "  [ -z \"$missing\" ] || die \"$1 needs libraries that cannot be found:\" $missing;",
    "  for lib in $(awk '$2 == \"=>\" && $3 ~ /^\\// { print $3 } $1 ~ /^\\// { print $1 }' /tmp/stagecraft-ldd); do",
    "    provided \"$lib\" || { R=\"needed by $1\"; keep \"$lib\"; };",
    "  done; };",
    "provided() { [ -n \"$EXCEPT\" ] || return 1;",
    "  dpkg -S \"$1\" > /tmp/stagecraft-owner 2>/dev/null",
    "    || dpkg -S \"$(readlink -f \"$1\")\" > /tmp/stagecraft-owner 2>/dev/null || return 1;",
    "  case \" $EXCEPT \" in *\" $(awk -F: 'NR == 1 { print $1 }' /tmp/stagecraft-owner) \"*) return 0 ;; esac;",
    "  return 1; };",
    "package() { dpkg -L \"$1\" > /tmp/stagecraft-dpkg 2>/dev/null || die \"package $1 is not installed in this stage\";",
    "  while IFS= read -r f; do",
    "    case $f in /*) ;; *) continue ;; esac;",
    "    if [ \"$2\" = nodocs ]; then case $f in /usr/share/doc/*|/usr/share/man/*|/usr/share/info/*|/usr/share/lintian/*) continue ;; esac; fi;",
    "    if [ -d \"$f\" ] && [ ! -L \"$f\" ]; then continue; fi;",
    "    R=\"package $1\"; keep \"$f\";",
    "  done < /tmp/stagecraft-dpkg; };",
];

/// With [`Call::Package`] `dependencies`: the reason of a package's files
/// names who pulled it in, and `depends` walks the closure (see the module
/// documentation). Only emitted when used, so that other harvests' steps
/// (and their cache) stay as they were.
const PACKAGE_REASON: &str = "    R=\"package $1${3:+ (dependency of $3)}\"; keep \"$f\";";
const DEPENDS: &[&str] = &[
    "depends() { package \"$1\" \"$2\";",
    "  dpkg-query -W -f='${Package}\\t${db:Status-Status}\\t${Provides}\\t${Pre-Depends}, ${Depends}\\n' > /tmp/stagecraft-status;",
    "  awk -F '\\t' -v root=\"$1\" -v stop=\"$EXCEPT\" '",
    "    function bare(s) { sub(/\\(.*$/, \"\", s); sub(/:.*$/, \"\", s); gsub(/[ \\t]/, \"\", s); return s }",
    "    BEGIN { n = split(stop, w, \" \"); for (i = 1; i <= n; i++) stopped[w[i]] = 1 }",
    "    $2 ~ /^(installed|unpacked|half-configured|triggers-awaited|triggers-pending)$/ { have[$1] = 1; deps[$1] = deps[$1] \",\" $4;",
    "      n = split($3, v, \",\"); for (i = 1; i <= n; i++) { x = bare(v[i]); if (x != \"\" && !(x in prov)) prov[x] = $1 } }",
    "    END { q[1] = root; seen[root] = 1; head = 1; tail = 1;",
    "      while (head <= tail) { pkg = q[head]; head++; n = split(deps[pkg], g, \",\");",
    "        for (i = 1; i <= n; i++) { m = split(g[i], a, \"[|]\"); pick = \"\"; ok = 0;",
    "          for (j = 1; j <= m; j++) { x = bare(a[j]); if (x == \"\") continue;",
    "            if (x in stopped) { ok = 1; break } if (x in have) { pick = x; break }",
    "            if (x in prov) { if (prov[x] in stopped) ok = 1; else pick = prov[x]; break } }",
    "          if (pick == \"\" && !ok && m > 0 && g[i] ~ /[^ \\t]/) { sub(/^[ \\t]+/, \"\", g[i]); print \"package \" root \": its dependency \" g[i] \" (of \" pkg \") is satisfied by no package installed in this stage\" > \"/tmp/stagecraft-unsatisfied\"; exit 1 }",
    "          if (pick != \"\" && !(pick in seen)) { seen[pick] = 1; tail++; q[tail] = pick; print pick, pkg } } } }",
    "  ' /tmp/stagecraft-status > /tmp/stagecraft-deps || die \"$(cat /tmp/stagecraft-unsatisfied)\";",
    "  while read -r dep_name dep_of; do package \"$dep_name\" \"$2\" \"$dep_of\"; done < /tmp/stagecraft-deps; };",
];

/// One call of the script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Call {
    Closure(String),
    Keep(String),
    Package {
        name: String,
        docs: bool,
        dependencies: bool,
    },
    Place {
        source: String,
        destination: String,
    },
}

/// The whole step: functions, then the calls, then the removal of the
/// temporary files; `root` is the harvest directory.
pub(super) fn script(root: &str, calls: &[Call], except: &[String]) -> String {
    let dependencies = calls.iter().any(|call| {
        matches!(
            call,
            Call::Package {
                dependencies: true,
                ..
            }
        )
    });
    let mut lines: Vec<String> = FUNCTIONS
        .iter()
        .map(|line| {
            if dependencies && line.trim_start().starts_with("R=\"package $1\"") {
                PACKAGE_REASON.to_string()
            } else {
                line.to_string()
            }
        })
        .collect();
    if dependencies {
        lines.extend(DEPENDS.iter().map(|line| line.to_string()));
    }
    lines.push(format!(
        "H={root}; EXCEPT='{}'; mkdir -p \"$H\";",
        except.join(" ")
    ));
    for call in calls {
        lines.push(match call {
            Call::Closure(path) => format!("closure {};", quote(path)),
            Call::Keep(path) => format!("R=path; keep {};", quote(path)),
            Call::Package {
                name,
                docs,
                dependencies,
            } => format!(
                "{} {name} {};",
                if *dependencies { "depends" } else { "package" },
                if *docs { "docs" } else { "nodocs" }
            ),
            Call::Place {
                source,
                destination,
            } => {
                let destination = format!("{root}{destination}");
                format!(
                    "mkdir -p \"$(dirname {dst})\"; cp -L {src} {dst}; \
                     echo \"stagecraft harvest: {src} as {dst} (file)\";",
                    src = quote(source),
                    dst = quote(&destination)
                )
            }
        });
    }
    lines.push(if dependencies {
        "rm -f /tmp/stagecraft-ldd /tmp/stagecraft-dpkg /tmp/stagecraft-owner \
         /tmp/stagecraft-status /tmp/stagecraft-deps"
            .to_string()
    } else {
        "rm -f /tmp/stagecraft-ldd /tmp/stagecraft-dpkg /tmp/stagecraft-owner".to_string()
    });
    lines.join(" \\\n    ")
}

/// Single quotes; the paths were checked to hold no quote.
fn quote(path: &str) -> String {
    format!("'{path}'")
}
