#!/usr/bin/env bash
# Installs the tools `stagecraft lint` uses when present: ShellCheck (Debian's
# package, 0.9.0 on bookworm), which `stagecraft lint` runs over each RUN as
# hadolint does. Idempotent: does nothing when shellcheck is already on PATH.
# Needs root (or sudo) and Debian's archive.
set -euo pipefail

if command -v shellcheck >/dev/null 2>&1; then
    echo "tools: $(shellcheck --version | sed -n 's/^version: /shellcheck /p') already installed"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends shellcheck >/dev/null
echo "tools: $(shellcheck --version | sed -n 's/^version: /shellcheck /p') installed"
