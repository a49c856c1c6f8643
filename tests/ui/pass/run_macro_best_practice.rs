// Correct forms of the rules' cases compile: set -eux prefixes, env
// prefixes, sh -c, ; separators, pip with --no-cache-dir, conda clean.
use stagecraft::run;

fn main() {
    let _ = run!("set -eux; apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*");
    let _ = run!("set -e; DEBIAN_FRONTEND=noninteractive apt-get update; DEBIAN_FRONTEND=noninteractive apt-get install -qy --no-install-recommends curl; rm -rf /var/lib/apt/lists/*");
    let _ = run!("sh -c 'pip install --no-cache-dir numpy'");
    let _ = run!("python3 -m pip install --no-cache-dir numpy");
    let _ = run!("conda create -y -p /opt/env numpy && conda clean -afy");
    let _ = run!("apk add --no-cache curl");
    let _ = run!("dnf install -y gcc && dnf clean all");
    let _ = run!("npm ci && npm cache clean --force");
    // A warning (a pipe without pipefail) does not stop compilation: the
    // stage's SHELL may set pipefail.
    let _ = run!("curl -fsS https://example.com/x.tar.gz | tar -xz");
}
