use crate::catalogue::{Severity, StageKind};
use crate::run_check::{check_run, cleanup_only, installs, InstallKind, Manager, RunContext};

/// Whether `id` is one of hadolint's version-pinning rules: they fire on
/// nearly every install, so the tests of the other rules leave them out
/// ([`all_ids`] keeps them).
fn pinning(id: &str) -> bool {
    crate::catalogue::PINNING.iter().any(|rule| rule.id == id)
}

fn ids_with(text: &str, ctx: &RunContext) -> Vec<&'static str> {
    all_ids_with(text, ctx)
        .into_iter()
        .filter(|id| !pinning(id))
        .collect()
}

fn all_ids_with(text: &str, ctx: &RunContext) -> Vec<&'static str> {
    check_run(text, ctx)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .iter()
        .map(|f| f.rule.id)
        .collect()
}

/// [`check_run`] without the pinning findings.
fn check_unpinned(
    text: &str,
    ctx: &RunContext,
) -> Result<Vec<crate::run_check::Finding>, crate::shell::ShellError> {
    let mut findings = check_run(text, ctx)?;
    findings.retain(|f| !pinning(f.rule.id));
    Ok(findings)
}

fn all_ids(text: &str) -> Vec<&'static str> {
    all_ids_with(text, &RunContext::shipped())
}

fn ids(text: &str) -> Vec<&'static str> {
    ids_with(text, &RunContext::shipped())
}

fn assert_clean(text: &str) {
    assert_eq!(ids(text), Vec::<&str>::new(), "{text}");
}

const APT_OK: &str = "apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*";

// ---- apt -------------------------------------------------------------------

#[test]
fn apt_clean_forms() {
    assert_clean(APT_OK);
    assert_clean("set -eux; apt-get update && apt-get install -y --no-install-recommends x && rm -rf /var/lib/apt/lists/*");
    assert_clean(
        // `set -e`: without it the `;` masks a failed install (SCR032).
        "set -e; apt-get update; apt-get install -y --no-install-recommends x; rm -rf /var/lib/apt/lists/*",
    );
    assert_clean(
        "set -eux; \\\n    apt-get update; \\\n    DEBIAN_FRONTEND=noninteractive apt-get install -y \\\n        --no-install-recommends ca-certificates curl; \\\n    rm -rf /var/lib/apt/lists/*",
    );
    assert_clean("apt-get -qq update && apt-get -qq install --no-install-recommends x && rm -rf /var/lib/apt/lists");
    assert_clean("apt-get update && apt-get install -y -o APT::Install-Recommends=false x && apt-get clean && rm -rf /var/lib/apt/lists/*");
    assert_clean("apt-get update && apt-get dist-upgrade -y && rm -rf /var/lib/apt/lists/*");
    assert_clean(
        "apt-get update && apt-get install -y --no-install-recommends x && apt-get distclean",
    );
    // apt 3.0's spelling, in the official python images on trixie.
    assert_clean(
        "apt-get update && apt-get install -y --no-install-recommends x && apt-get dist-clean",
    );
}

#[test]
fn the_usual_mistake_flags_update_cleanup_and_recommends() {
    let text = "DEBIAN_FRONTEND=noninteractive apt-get install -qy x";
    let findings = check_unpinned(text, &RunContext::shipped()).unwrap();
    let ids: Vec<_> = findings.iter().map(|f| f.rule.id).collect();
    assert_eq!(ids, ["SCR001", "SCR003", "SCR006"]);
    assert!(findings.iter().all(|f| f.span == (0, text.len())));
    assert!(findings.iter().all(|f| f.severity == Severity::Error));
}

#[test]
fn sc001_install_without_update() {
    assert!(
        ids("apt-get install -y --no-install-recommends x && rm -rf /var/lib/apt/lists/*")
            .contains(&"SCR001")
    );
    // The update must come before the install.
    assert!(ids("apt-get install -y --no-install-recommends x && apt-get update && rm -rf /var/lib/apt/lists/*").contains(&"SCR001"));
    assert!(!ids(APT_OK).contains(&"SCR001"));
}

#[test]
fn sc002_update_without_install() {
    assert_eq!(ids("apt-get update"), ["SCR002"]);
    assert_eq!(
        ids("apt-get update && rm -rf /var/lib/apt/lists/*"),
        ["SCR002"]
    );
    assert!(!ids(APT_OK).contains(&"SCR002"));
}

#[test]
fn sc003_install_without_list_cleanup() {
    let text = "apt-get update && apt-get install -y --no-install-recommends x";
    let findings = check_unpinned(text, &RunContext::shipped()).unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].rule.id, "SCR003");
    assert_eq!(
        &text[findings[0].span.0..findings[0].span.1],
        "apt-get install -y --no-install-recommends x"
    );
    let message = &findings[0].message;
    assert!(
        message.contains("stay in this layer") && message.contains("rm -rf /var/lib/apt/lists/*"),
        "{message}"
    );
    // `apt-get clean` does not remove the lists.
    assert!(
        ids("apt-get update && apt-get install -y --no-install-recommends x && apt-get clean")
            .contains(&"SCR003")
    );
    // A build-only stage gets a warning.
    let build = check_unpinned(text, &RunContext::build_only()).unwrap();
    assert_eq!(build[0].severity, Severity::Warning);
}

#[test]
fn sc004_cleanup_before_install() {
    let text = "apt-get update && rm -rf /var/lib/apt/lists/* && apt-get install -y --no-install-recommends x";
    let findings = check_unpinned(text, &RunContext::shipped()).unwrap();
    let ids: Vec<_> = findings.iter().map(|f| f.rule.id).collect();
    assert_eq!(ids, ["SCR004", "SCR003"]);
    assert_eq!(
        &text[findings[0].span.0..findings[0].span.1],
        "rm -rf /var/lib/apt/lists/*"
    );
    // Cleaning, then updating again, is fine.
    assert_clean("rm -rf /var/lib/apt/lists/* && apt-get update && apt-get install -y --no-install-recommends x && rm -rf /var/lib/apt/lists/*");
}

#[test]
fn sc005_yes_flags() {
    for ok in [
        "-y",
        "--yes",
        "--assume-yes",
        "-qy",
        "-yq",
        "-qq",
        "-q -q",
        "--quiet=2",
        "-q=2",
        "-o APT::Get::Assume-Yes=true",
    ] {
        let text = format!("apt-get update && apt-get install {ok} --no-install-recommends x && rm -rf /var/lib/apt/lists/*");
        assert_clean(&text);
    }
    for bad in ["", "-q", "--quiet", "-o Dpkg::Options::=--force-confold"] {
        let text = format!("apt-get update && apt-get install {bad} --no-install-recommends x && rm -rf /var/lib/apt/lists/*");
        assert_eq!(ids(&text), ["SCR005"], "{text}");
    }
    assert_eq!(ids("apt-get purge curl"), ["SCR005"]);
    // Build-only stages fail the same way.
    assert_eq!(
        check_run("apt-get purge curl", &RunContext::build_only()).unwrap()[0].severity,
        Severity::Error
    );
}

#[test]
fn sc006_no_install_recommends() {
    assert_eq!(
        ids("apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*"),
        ["SCR006"]
    );
    assert_clean(APT_OK);
}

#[test]
fn a_simulated_install_installs_and_asks_nothing() {
    // docker-library/postgres: a test for a package, not an install.
    assert_clean(
        "apt-get update && if apt-get install -s \"postgresql-18-jit\" > /dev/null 2>&1; then \
         apt-get install -y --no-install-recommends postgresql-18-jit; fi \
         && rm -rf /var/lib/apt/lists/*",
    );
    for flag in [
        "--simulate",
        "--dry-run",
        "--just-print",
        "--recon",
        "--no-act",
        "-qs",
    ] {
        assert_clean(&format!("apt-get install {flag} x"));
    }
    // Only an update and a simulation: the lists stay, and nothing installs.
    assert_eq!(ids("apt-get update && apt-get install -s x"), ["SCR002"]);
    // `-o`'s value is not a cluster with `s`.
    assert_eq!(
        ids(
            "apt-get update && apt-get install -o Dpkg::Options::=--force-confold -y x \
             && rm -rf /var/lib/apt/lists/*"
        ),
        ["SCR006"]
    );
}

#[test]
fn sc007_apt_instead_of_apt_get() {
    assert_eq!(
        ids(
            "apt update && apt install -y --no-install-recommends x && rm -rf /var/lib/apt/lists/*"
        ),
        ["SCR007", "SCR007"]
    );
    assert_clean("apt-cache policy curl");
}

#[test]
fn apt_cache_mounts_satisfy_list_cleanup() {
    let ctx = RunContext::shipped()
        .with_cache_mount("/var/cache/apt")
        .with_cache_mount("/var/lib/apt");
    assert!(ids_with(
        "apt-get update && apt-get install -y --no-install-recommends x",
        &ctx
    )
    .is_empty());
    assert!(ids_with("apt-get update", &ctx).is_empty());
    // Only the cache of .debs mounted: the lists still land in the layer.
    let debs_only = RunContext::shipped().with_cache_mount("/var/cache/apt");
    assert_eq!(
        ids_with(
            "apt-get update && apt-get install -y --no-install-recommends x",
            &debs_only
        ),
        ["SCR003"]
    );
    // The lists mounted, the docker-clean hook moved aside, no mount on the
    // .debs: they stay in the layer.
    let hook_off = "mv /etc/apt/apt.conf.d/docker-clean /tmp/dc && apt-get update \
                    && apt-get install -y --no-install-recommends x";
    let lists_only = RunContext::shipped().with_cache_mount("/var/lib/apt");
    assert_eq!(ids_with(hook_off, &lists_only), ["SCR003"]);
    assert!(ids_with(hook_off, &ctx).is_empty());
    // With the hook in place the image deletes the .debs itself.
    assert!(ids_with(
        "apt-get update && apt-get install -y --no-install-recommends x",
        &lists_only
    )
    .is_empty());
}

#[test]
fn apt_through_wrappers_xargs_and_sh_c() {
    assert_eq!(
        ids("sudo apt-get install x"),
        ["DL3004", "SCR001", "SCR003", "SCR005", "SCR006"]
    );
    assert!(ids("apt-get update && cat pkgs | xargs apt-get install -y --no-install-recommends && rm -rf /var/lib/apt/lists/*")
        .iter()
        .all(|id| *id == "SCR017"));
    assert_eq!(
        ids("sh -c 'apt-get update && apt-get install -y x'"),
        ["SCR003", "SCR006"]
    );
}

// ---- pip -------------------------------------------------------------------

#[test]
fn sc009_pip_cache() {
    for bad in [
        "pip install flask",
        "pip3 install -r requirements.txt",
        "python -m pip install flask",
        "python3 -m pip install --upgrade pip",
        "/opt/venv/bin/pip3.11 install x",
        "sh -c 'pip install x'",
        "bash -c \"pip install x\"",
    ] {
        assert_eq!(ids(bad), ["SCR009"], "{bad}");
    }
    for ok in [
        "pip install --no-cache-dir flask",
        "pip --no-cache-dir install flask",
        "python3 -m pip install --no-cache-dir x",
        "PIP_NO_CACHE_DIR=1 pip install x",
        "export PIP_NO_CACHE_DIR=1 && pip install x",
        "pip install x && pip cache purge",
        "pip install x && rm -rf /root/.cache/pip",
        "pip install x && rm -rf ~/.cache/pip",
        "pip list",
        "pip freeze > requirements.txt",
    ] {
        assert_clean(ok);
    }
    assert_eq!(ids("PIP_NO_CACHE_DIR=0 pip install x"), ["SCR009"]);
    let env = RunContext::shipped().with_env("PIP_NO_CACHE_DIR", "1");
    assert!(ids_with("pip install x", &env).is_empty());
    let env_off = RunContext::shipped().with_env("PIP_NO_CACHE_DIR", "false");
    assert_eq!(ids_with("pip install x", &env_off), ["SCR009"]);
    let mounted = RunContext::shipped().with_cache_mount("/root/.cache/pip");
    assert!(ids_with("pip install x", &mounted).is_empty());
    let user_mount = RunContext::shipped().with_cache_mount("/home/app/.cache/pip/");
    assert!(ids_with("pip install x", &user_mount).is_empty());
    let custom = RunContext::shipped()
        .with_env("PIP_CACHE_DIR", "/pipcache")
        .with_cache_mount("/pipcache");
    assert!(ids_with("pip install x", &custom).is_empty());
    // Cleaning before the install does not count.
    assert_eq!(ids("pip cache purge && pip install x"), ["SCR009"]);
}

#[test]
fn sh_c_findings_point_into_the_string() {
    let text = "true && sh -c 'pip install x'";
    let finding = &check_unpinned(text, &RunContext::shipped()).unwrap()[0];
    assert_eq!(&text[finding.span.0..finding.span.1], "pip install x");
}

// ---- conda -----------------------------------------------------------------

#[test]
fn sc010_conda_clean() {
    for bad in [
        "conda install -y numpy",
        "conda create -n env python=3.11",
        "mamba env create -f environment.yml",
        "micromamba install -y -n base -f env.yaml",
        "conda install -y x && conda clean -t",
        "conda clean -afy && conda install -y x",
    ] {
        assert_eq!(ids(bad), ["SCR010"], "{bad}");
    }
    for ok in [
        "conda install -y numpy && conda clean -afy",
        "conda install -y numpy && conda clean --all --yes",
        "mamba env create -f e.yml && mamba clean -a -y",
        "micromamba install -y -n base -f env.yaml && micromamba clean --all --yes",
        "conda install -y x && conda clean -ya",
        "conda list",
    ] {
        assert_clean(ok);
    }
    let mounted = RunContext::shipped().with_cache_mount("/opt/conda/pkgs");
    assert!(ids_with("conda install -y x", &mounted).is_empty());
}

// ---- apk -------------------------------------------------------------------

#[test]
fn sc011_apk_no_cache() {
    assert_eq!(ids("apk add curl"), ["SCR011"]);
    assert_eq!(ids("apk update && apk add curl"), ["SCR011"]);
    assert_clean("apk add --no-cache curl");
    assert_clean("apk update && apk add curl && rm -rf /var/cache/apk/*");
    let mounted = RunContext::shipped().with_cache_mount("/var/cache/apk");
    assert!(ids_with("apk add curl", &mounted).is_empty());
}

// ---- yum / dnf / zypper ----------------------------------------------------

#[test]
fn sc012_to_sc014_rpm_clean() {
    assert_eq!(ids("yum install -y httpd-2.4.57"), ["SCR012"]);
    assert_clean("yum install -y httpd-2.4.57 && yum clean all");
    assert_eq!(ids("dnf install -y httpd-2.4.57"), ["SCR013"]);
    assert_eq!(ids("microdnf install -y httpd-2.4.57"), ["SCR013"]);
    assert_eq!(
        ids("dnf install -y httpd-2.4.57 && dnf clean metadata"),
        ["SCR013"]
    );
    assert_clean("dnf install -y httpd-2.4.57 && dnf clean all");
    assert_clean("microdnf install -y httpd-2.4.57 && microdnf clean all");
    assert_clean("dnf -y --setopt=tsflags=nodocs install httpd-2.4.57 && rm -rf /var/cache/dnf");
    assert_eq!(ids("zypper -n install curl=8.6"), ["SCR014"]);
    assert_eq!(ids("zypper --non-interactive in curl=8.6"), ["SCR014"]);
    assert_clean("zypper -n install curl=8.6 && zypper clean --all");
    assert_clean("zypper -n in curl=8.6 && zypper cc");
    let mounted = RunContext::shipped().with_cache_mount("/var/cache/dnf");
    assert!(ids_with("dnf install -y x-1.0", &mounted).is_empty());
}

// ---- npm / yarn ------------------------------------------------------------

#[test]
fn sc015_sc016_node_caches() {
    assert_eq!(ids("npm ci"), ["SCR015"]);
    assert_eq!(ids("npm install -g typescript"), ["SCR015"]);
    assert_eq!(ids("npm ci && npm cache clean"), ["SCR015"]);
    assert_clean("npm ci --omit=dev && npm cache clean --force");
    assert_clean("npm run build");
    assert_eq!(ids("yarn install --frozen-lockfile"), ["SCR016"]);
    assert_eq!(ids("yarn"), ["SCR016"]);
    assert_clean("yarn install --frozen-lockfile && yarn cache clean");
    assert_clean("yarn build");
    let mounted = RunContext::shipped().with_cache_mount("/root/.npm");
    assert!(ids_with("npm ci", &mounted).is_empty());
    let yarn_cache = RunContext::shipped().with_cache_mount("/usr/local/share/.cache/yarn");
    assert!(ids_with("yarn install", &yarn_cache).is_empty());
    // Not yarn's cache: the cache stays in the layer.
    let elsewhere = RunContext::shipped().with_cache_mount("/opt/yarn");
    assert_eq!(ids_with("yarn install", &elsewhere), ["SCR016"]);
}

// ---- shell -----------------------------------------------------------------

#[test]
fn sc017_pipefail() {
    let text = "curl -fsSL https://x/install.sh | sh";
    let findings = check_unpinned(text, &RunContext::shipped()).unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].rule.id, "SCR017");
    assert_eq!(findings[0].span, (0, text.len()));
    assert_eq!(findings[0].severity, Severity::Warning);
    assert!(ids_with(text, &RunContext::shipped().with_pipefail(true)).is_empty());
    assert_clean("set -o pipefail && curl -fsSL https://x | sh");
    assert_clean("set -euxo pipefail; wget -qO- https://x | tar -xz");
    assert_clean("echo 'deb http://x stable main' | tee /etc/apt/sources.list.d/x.list");
    assert_clean("yes | ./configure");
    assert_clean("bash -o pipefail -c 'curl -fsSL https://x | sh'");
    // The RUN shell's pipefail does not reach a `sh -c` it starts.
    assert_eq!(
        ids_with(
            "sh -c 'curl -fsSL https://x | sh'",
            &RunContext::shipped().with_pipefail(true)
        ),
        ["SCR017"]
    );
    // A later `set -o pipefail` is too late.
    assert_eq!(ids("curl x | sh; set -o pipefail"), ["SCR017"]);
}

#[test]
fn sc018_cd() {
    assert_eq!(ids("cd /src && make"), ["SCR018"]);
    assert_eq!(ids("(cd /src && make)"), ["SCR018"]);
    assert_eq!(
        check_run("cd /src && make", &RunContext::build_only()).unwrap()[0].severity,
        Severity::Info
    );
    assert_clean("make -C /src");
}

// ---- cross-RUN helpers -----------------------------------------------------

#[test]
fn installs_and_cleanups_for_the_dockerfile_checker() {
    let found = installs("apt-get update").unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, InstallKind::IndexOnly);
    let found = installs(APT_OK).unwrap();
    assert!(found.iter().all(|i| i.cleaned_up));
    let found = installs("apk add --no-cache x && conda install -y y").unwrap();
    assert_eq!(
        found
            .iter()
            .map(|i| (i.manager, i.cleaned_up))
            .collect::<Vec<_>>(),
        [(Manager::Apk, true), (Manager::Conda, false)]
    );
    let later = cleanup_only("rm -rf /var/lib/apt/lists/* /var/cache/apk/*").unwrap();
    assert_eq!(
        later.iter().map(|c| c.manager).collect::<Vec<_>>(),
        [Manager::Apt, Manager::Apk]
    );
    assert!(cleanup_only("dnf install -y x && dnf clean all")
        .unwrap()
        .is_empty());
    assert_eq!(cleanup_only("yum clean all").unwrap().len(), 2);
}

#[test]
fn unparsable_text_is_an_error_not_a_panic() {
    assert!(check_run("apt-get install 'x", &RunContext::shipped()).is_err());
    assert!(installs("echo $(").is_err());
}

#[test]
fn severities_follow_the_stage() {
    let text = "pip install x";
    for (stage, severity) in [
        (StageKind::Shipped, Severity::Error),
        (StageKind::BuildOnly, Severity::Warning),
    ] {
        let ctx = RunContext {
            stage,
            ..RunContext::default()
        };
        assert_eq!(check_unpinned(text, &ctx).unwrap()[0].severity, severity);
    }
}

#[test]
fn messages_say_what_why_and_fix() {
    let all = "apt install x && pip install y && conda install z && apk add a && yum install b && dnf install c \
               && zypper in d && npm ci && yarn && curl u | sh && cd /x";
    let findings = check_unpinned(all, &RunContext::shipped()).unwrap();
    let mut seen: Vec<_> = findings.iter().map(|f| f.rule.id).collect();
    seen.sort_unstable();
    seen.dedup();
    // All but SCR002, SCR004 (covered above) and SCR008 (across RUNs),
    // plus the non-interactive rules of yum, dnf and zypper (DL3030, DL3034,
    // DL3038); the pinning rules are left out (`check_unpinned`).
    assert_eq!(seen.len(), 18, "{seen:?}");
    for finding in &findings {
        assert!(finding.message.starts_with('`'), "{}", finding.message);
        assert!(finding.message.contains(';'), "{}", finding.message);
    }
}

/// Random texts over shell metacharacters and command names never panic,
/// and every span of a finding is a valid range of the text.
#[test]
fn random_texts_never_panic() {
    const PIECES: &[&str] = &[
        " ",
        "\\\n",
        "\n",
        "'",
        "\"",
        "`",
        "$(",
        "${",
        ")",
        "}",
        "(",
        "{",
        ";",
        ";;",
        "&&",
        "||",
        "|",
        "&",
        "<<EOF",
        "EOF",
        "<",
        ">",
        "2>&1",
        "#",
        "\\",
        "=",
        "-y",
        "-c",
        "sh",
        "bash",
        "xargs",
        "apt-get",
        "apt",
        "install",
        "update",
        "rm",
        "-rf",
        "/var/lib/apt/lists/*",
        "pip",
        "conda",
        "clean",
        "-a",
        "apk",
        "add",
        "if",
        "then",
        "fi",
        "for",
        "in",
        "do",
        "done",
        "case",
        "esac",
        "set",
        "-o",
        "pipefail",
        "cd",
        "x",
        "é",
        "\u{0}",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let len = (next() % 24) as usize;
        let text: String = (0..len)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect();
        for ctx in [
            RunContext::shipped(),
            RunContext::build_only().with_pipefail(true),
        ] {
            if let Ok(findings) = check_run(&text, &ctx) {
                for finding in findings {
                    assert!(
                        text.get(finding.span.0..finding.span.1).is_some(),
                        "{text:?}"
                    );
                }
            }
        }
        let _ = installs(&text);
        let _ = cleanup_only(&text);
    }
}

#[test]
fn heredoc_run_scripts() {
    assert_clean(
        "set -eux\napt-get update\napt-get install -y --no-install-recommends curl\nrm -rf /var/lib/apt/lists/*\n",
    );
    assert_eq!(
        ids("set -eux\napt-get update\napt-get install -y --no-install-recommends curl\n"),
        ["SCR003"]
    );
    // A heredoc inside the script is data, not commands.
    assert_clean("cat <<'EOF' > /etc/pip.conf\n[global]\npip install x\nEOF\n");
}

// ---- hadolint parity rules -------------------------------------------------

#[test]
fn pinning_rules_read_versions_as_hadolint_does() {
    let fires = |text: &str, id: &str| all_ids(text).contains(&id);
    assert!(fires("apt-get install -y curl", "DL3008"));
    for pinned in ["curl=7.88.1-10", "curl/bookworm-backports", "./x.deb"] {
        assert!(!fires(&format!("apt-get install -y {pinned}"), "DL3008"));
    }
    assert!(fires("pip install requests", "DL3013"));
    assert!(fires("pip install --upgrade pip", "DL3013"));
    for ok in [
        "pip install requests==2.32.3",
        "pip install 'requests>=2,<3'",
        "pip install -r requirements.txt",
        "pip install .",
        "pip install ./dist/x.whl",
        "pip install git+https://github.com/a/b@v1",
    ] {
        assert!(!fires(ok, "DL3013"), "{ok}");
    }
    assert!(fires("npm install -g typescript", "DL3016"));
    assert!(fires("npm install @types/node", "DL3016"));
    for ok in [
        "npm install",
        "npm ci",
        "npm install -g typescript@5.4.5",
        "npm install @types/node@20",
        "npm install ./local",
        "npm install git+https://x/y.git#abc",
    ] {
        assert!(!fires(ok, "DL3016"), "{ok}");
    }
    assert!(fires("apk add --no-cache curl", "DL3018"));
    assert!(!fires(
        "apk add --no-cache curl=8.5.0-r0 'bash~5'",
        "DL3018"
    ));
    assert!(fires("gem install bundler", "DL3028"));
    // hadolint skips the word after every option; `--no-document` has none.
    assert!(fires("gem install --no-document rails", "DL3028"));
    assert!(!fires("gem install bundler:2.5.10", "DL3028"));
    assert!(!fires("gem install bundler -v 2.5.10", "DL3028"));
}

#[test]
fn yum_needs_yes_and_the_helper_knows_every_manager() {
    assert!(all_ids("yum install httpd").contains(&"DL3030"));
    assert!(all_ids("yum groupinstall 'Dev Tools'").contains(&"DL3030"));
    for ok in [
        "yum install -y httpd",
        "yum -y install httpd",
        "yum install --assumeyes x",
    ] {
        assert!(!all_ids(ok).contains(&"DL3030"), "{ok}");
    }
    let script = crate::shell::parse(
        "dnf -qy install a; zypper -n in b; zypper in -y c; zypper in d; microdnf install e",
    )
    .unwrap();
    let yes: Vec<bool> = script
        .commands
        .iter()
        .map(|c| {
            let (program, args) = super::program_and_args(c).unwrap();
            super::rpm::answers_yes(program, args)
        })
        .collect();
    assert_eq!(yes, [true, true, true, false, true]);
}

#[test]
fn commands_that_make_no_sense_sudo_and_bin_sh() {
    assert_eq!(all_ids("service nginx start"), ["DL3001"]);
    assert_eq!(all_ids("sudo make install"), ["DL3004"]);
    assert_eq!(all_ids("env FOO=1 sudo -u app make"), ["DL3004"]);
    assert!(all_ids("echo sudo vim").is_empty());
    assert_eq!(all_ids("ln -sf /bin/bash /bin/sh"), ["DL4005"]);
    assert!(all_ids("ln -s /bin/sh /usr/local/bin/sh2").contains(&"DL4005"));
}

#[test]
fn command_substitutions_are_checked() {
    // The same command in `$(...)`, in backticks and in `( )`.
    for text in [
        "x=$(pip install numpy==2.0.0)",
        "x=`pip install numpy==2.0.0`",
        "(pip install numpy==2.0.0)",
        "echo \"$(pip install numpy==2.0.0)\"",
    ] {
        assert_eq!(ids(text), ["SCR009"], "{text}");
    }
    // A pipe inside a substitution needs pipefail too.
    assert_eq!(ids("v=$(curl -fsSL https://x | sha256sum)"), ["SCR017"]);
    assert!(ids("set -o pipefail; v=$(curl -fsSL https://x | sha256sum)").is_empty());
    assert!(ids("bash -o pipefail -c 'v=$(curl -fsSL https://x | sha256sum)'").is_empty());
    assert!(ids_with(
        "v=$(curl -fsSL https://x | sha256sum)",
        &RunContext::shipped().with_pipefail(true)
    )
    .is_empty());
    // A `sh -c` is a new shell: the outer `set -o pipefail` does not reach it.
    assert_eq!(
        ids("set -o pipefail; sh -c 'v=$(curl -fsSL https://x | sha256sum)'"),
        ["SCR017"]
    );
    // `cd` inside a substitution changes nothing after it.
    assert!(ids("d=$(cd /opt && pwd) && echo $d").is_empty());
    // Arithmetic is not a command.
    assert!(ids("n=$((1 + 2))").is_empty());
}

#[test]
fn false_positives_of_issue_13() {
    // `apt-get purge` of nothing never asks.
    assert!(ids("apt-get purge").is_empty());
    assert!(ids("apt-get remove").is_empty());
    assert_eq!(ids("apt-get purge --auto-remove"), ["SCR005"]);
    assert_eq!(ids("apt-get purge curl"), ["SCR005"]);
    // `yarn --version` installs nothing.
    assert!(ids("yarn --version").is_empty());
    assert_eq!(ids("yarn --frozen-lockfile"), ["SCR016"]);
    // `apk add --no-network` downloads no index.
    assert!(ids("apk add --no-network ./local.apk").is_empty());
    // pip accepts `--no-cache` for `--no-cache-dir`, not `--no-c`.
    assert!(ids("pip install --no-cache x==1").is_empty());
    assert_eq!(ids("pip install --no-c x==1"), ["SCR009"]);
}
