// One judge: `dockerfile!` accepts what `stagecraft lint` accepts. The
// install in a build-only stage leaves its lists in a layer that never ships,
// so the stage-aware rules only warn (the warnings are allowed here); a
// stage's ENV PIP_NO_CACHE_DIR counts; a PowerShell stage's RUNs are not sh.
// `run!` alone stays strict: it sees one RUN without its stage.
#![allow(deprecated)]

use stagecraft::{dockerfile, Dockerfile};

fn main() {
    let df: Dockerfile = dockerfile!(
        r#"
FROM debian:bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc
FROM scratch
COPY --from=build /usr/bin/gcc /gcc
ENTRYPOINT ["/gcc"]
"#
    );
    assert_eq!(df.stages().len(), 2);
    let ids: Vec<_> = df.lint(None).iter().map(|f| f.rule.id).collect();
    assert_eq!(ids, ["DL3008", "SCR003"]);
    assert!(df.validate().is_ok());

    let pip: Dockerfile = dockerfile!(
        r#"
FROM python:3.12-slim
ENV PIP_NO_CACHE_DIR=1
RUN pip install flask==3.0.3
"#
    );
    assert!(!pip.lint(None).has_errors());
    assert!(stagecraft::Run::checked("pip install flask==3.0.3").is_err());

    let windows: Dockerfile = dockerfile!(
        r#"
FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command"]
RUN if ($env:CI) { Write-Host 'it''s CI' }
"#
    );
    assert!(!windows.lint(None).has_errors());
}
