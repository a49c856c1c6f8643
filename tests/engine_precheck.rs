//! The engine refuses, before anything is sent, each construct the chosen
//! builder or the daemon's built-in Dockerfile frontend cannot build, and
//! the same Dockerfiles build on a daemon that can.
//!
//! The refusals are checked on the host's daemon (Docker 20.10, BuildKit
//! 0.8); the builds on the modern test daemon (Docker 26.1.5, see
//! `scripts/modern-daemon.sh`). Without a daemon a test prints one
//! `skipping:` line and passes, unless `STAGECRAFT_REQUIRE_DOCKER=1`.

use stagecraft::engine::blocking::Engine;
use stagecraft::engine::{BuildOptions, Builder, EngineError, SmokeTest};

mod support;
use support::{labelled_containers, labelled_images, TestRun};

const BASE: &str = "debian:bookworm-slim";

/// Each construct alone after a `FROM`, what the refusal names, and
/// whether Docker 26.1.5's built-in frontend builds it.
const CONSTRUCTS: &[(&str, &str, bool)] = &[
    ("RUN --network=none true", "`RUN --network`", true),
    (
        "RUN --mount=type=tmpfs,target=/t,size=1m test -d /t",
        "`size=` of a tmpfs mount",
        true,
    ),
    (
        "RUN --mount=type=secret,id=s,env=S true",
        "`env=` of a secret mount",
        false,
    ),
    // BuildKit 0.8 takes the variable literally (measured: `id=c-${TARGETARCH}`
    // and `id=c-$TARGETARCH` were two caches); Docker 26 expands both to one.
    (
        "RUN --mount=type=cache,id=c-${TARGETARCH},target=/c true",
        "a build variable in a mount's `id=`",
        true,
    ),
    (
        "COPY --link --from=debian:bookworm-slim /etc/hostname /copied",
        "`COPY --link`",
        true,
    ),
    (
        "ADD --checksum=sha256:98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4 \
         https://example.invalid/f /f",
        "`ADD --checksum`",
        false, // builds, but the URL cannot be reached from here
    ),
    (
        "ADD --keep-git-dir=true https://example.invalid/r.git /r",
        "`ADD --keep-git-dir`",
        false, // likewise
    ),
    (
        "COPY --parents --from=debian:bookworm-slim /etc/hostname /x/",
        "`COPY --parents`",
        false,
    ),
    (
        "COPY --exclude=*.txt --from=debian:bookworm-slim /etc /x/",
        "`COPY --exclude`",
        false,
    ),
    (
        "HEALTHCHECK --start-interval=1s CMD true",
        "`HEALTHCHECK --start-interval`",
        true,
    ),
    ("RUN --security=insecure true", "`RUN --security`", false),
    ("RUN <<EOF\ntest -d /etc\nEOF", "a heredoc in `RUN`", true),
    (
        "COPY <<app.conf /etc/app/\nport=80\napp.conf",
        "a heredoc in `COPY`",
        true,
    ),
    (
        "ADD <<app.conf /etc/app/\nport=80\napp.conf",
        "a heredoc in `ADD`",
        true,
    ),
    // BuildKit 0.8 reads the body as instructions ("unknown instruction:
    // TEST"); Docker 26 keeps it in the trigger (moby/buildkit#2209).
    (
        "ONBUILD RUN <<EOF\ntest -d /etc\nEOF",
        "a heredoc in `ONBUILD RUN`",
        true,
    ),
    (
        "ONBUILD COPY <<app.conf /etc/app/\nport=80\napp.conf",
        "a heredoc in `ONBUILD COPY`",
        true,
    ),
];

fn dockerfile(line: &str) -> String {
    format!("FROM {BASE} AS base\n{line}\n")
}

fn docker_version(engine: &Engine) -> String {
    engine
        .block_on(engine.as_async().docker().version())
        .expect("the daemon's version")
        .version
        .unwrap_or_default()
}

#[test]
fn the_host_daemon_refuses_what_its_frontend_cannot_build_before_sending() {
    let Some(run) = TestRun::start("precheck-host") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.clone());
    let version = docker_version(engine);
    if !version.starts_with("20.10") {
        eprintln!("skipping: the host daemon is Docker {version}, these refusals are for 20.10");
        return;
    }
    for (line, construct, _) in CONSTRUCTS {
        let options = BuildOptions::new().run_label(&id).quiet();
        match engine.build_text(&dockerfile(line), &options) {
            Err(error @ EngineError::NeedsBuildKit { .. }) => {
                let text = error.to_string();
                let EngineError::NeedsBuildKit {
                    line: at, stage, ..
                } = &error
                else {
                    unreachable!()
                };
                assert_eq!((*at, stage.as_str()), (2, "base"), "{text}");
                assert!(
                    text.starts_with(&format!("line 2: {construct} cannot be built by ")),
                    "{text}"
                );
                assert!(text.contains(&format!("Docker {version}")), "{text}");
                assert!(text.contains("(stage base): "), "{text}");
            }
            other => panic!("{line}: expected NeedsBuildKit, got {other:?}"),
        }
        assert_eq!(labelled_containers(engine, &id), 0, "{line}");
        assert_eq!(labelled_images(engine, &id), 0, "{line}");
    }
    // The fix names the daemon version that builds it, or what to drop.
    let options = BuildOptions::new().run_label(&id).quiet();
    let text = engine
        .build_text(&dockerfile(CONSTRUCTS[1].0), &options)
        .unwrap_err()
        .to_string();
    assert!(
        text.ends_with("use a daemon of Docker 23 or later, or drop `size=` from the tmpfs mount"),
        "{text}"
    );
    // The classic builder refuses what only BuildKit builds, naming it.
    let classic = BuildOptions::new()
        .builder(Builder::Classic)
        .run_label(&id)
        .quiet();
    let text = engine
        .build_text(&dockerfile(CONSTRUCTS[0].0), &classic)
        .unwrap_err()
        .to_string();
    assert!(
        text.starts_with(
            "line 2: `RUN --network` cannot be built by the classic builder (stage base): \
             the options ask for `Builder::Classic`; build it with BuildKit"
        ),
        "{text}"
    );
}

#[test]
fn the_modern_daemon_builds_what_the_host_refuses_and_refuses_the_rest() {
    let Some(run) = TestRun::modern("precheck-modern") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.clone());
    let version = docker_version(engine);
    for (line, construct, builds) in CONSTRUCTS {
        let options = BuildOptions::new().run_label(&id).quiet();
        let built = engine.build_text(&dockerfile(line), &options);
        if *builds {
            let built = built.unwrap_or_else(|e| panic!("Docker {version}: {line}: {e}"));
            assert_eq!(built.builder, Builder::BuildKit);
            let ran = engine
                .smoke(
                    &SmokeTest::new(&built.image_id)
                        .run_label(&id)
                        .args(["true"]),
                )
                .expect("the image runs");
            assert_eq!(ran.exit_code, 0, "{line}");
            continue;
        }
        match built {
            // Refused before sending: the labs flags, `env=` of a secret.
            Err(error @ EngineError::NeedsBuildKit { .. }) => {
                let text = error.to_string();
                assert!(text.starts_with(&format!("line 2: {construct} ")), "{text}");
                assert_eq!(labelled_containers(engine, &id), 0, "{line}");
            }
            // Sent and built as far as the unreachable URL.
            Err(EngineError::BuildFailed(failure)) => {
                assert!(line.contains("example.invalid"), "{line}: {failure:?}");
            }
            other => panic!("Docker {version}: {line}: {other:?}"),
        }
    }
}
