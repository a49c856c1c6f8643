//! End-to-end tests of BuildKit builds through the engine, and of the
//! engine's faults, against a real Docker daemon.
//!
//! They run against the daemon `DOCKER_HOST` (or the local socket) names,
//! and, when it exists, also against the modern test daemon at
//! [`MODERN_SOCKET`] (or `STAGECRAFT_MODERN_DOCKER_HOST`), which builds
//! what BuildKit 0.8 cannot (heredocs, `COPY --link`). Without a daemon a
//! test prints one `skipping:` line and passes, unless
//! `STAGECRAFT_REQUIRE_DOCKER=1`.
//!
//! Everything a test creates carries `stagecraft.run=<test id>` and is
//! removed by that id when the test ends.

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use stagecraft::engine::blocking::Engine;
use stagecraft::engine::{
    BuildOptions, Builder, ConnectOptions, EngineError, ProgressMode, SecretSource, SmokeTest,
    RUN_LABEL,
};
use stagecraft_workshop::fortune::{self, Variant};

mod support;
use support::{labelled_containers, labelled_images, TestRun};

const BASE: &str = fortune::BASE;

/// A writer the plain progress goes to, and what it got.
fn capture() -> (Arc<Mutex<Vec<u8>>>, BuildOptions) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let options = BuildOptions::new()
        .progress(ProgressMode::Plain)
        .progress_writer(log.clone());
    (log, options)
}

fn text_of(log: &Arc<Mutex<Vec<u8>>>) -> String {
    String::from_utf8_lossy(&log.lock().unwrap()).into_owned()
}

#[test]
fn fortune_builds_the_same_on_both_builders() {
    for run in TestRun::each_daemon("bk-fortune") {
        let (engine, id) = (&run.engine, run.id.clone());
        let dockerfile = fortune::dockerfile(Variant::Scratch).expect("valid");
        let mut sizes = Vec::new();
        let mut images = Vec::new();
        for builder in [Builder::BuildKit, Builder::Classic] {
            let (log, options) = capture();
            let options = options.builder(builder).run_label(&id);
            let built = engine
                .build(&dockerfile, &options)
                .unwrap_or_else(|e| panic!("{} {builder:?}: {e}", engine.host()));
            let log = text_of(&log);
            assert_eq!(built.builder, builder, "{log}");
            assert!(built.image_id.starts_with("sha256:"), "{}", built.image_id);
            assert!(!built.steps.is_empty());
            // Every step is mapped back to a stage of the Dockerfile.
            assert!(
                built.steps.iter().all(|s| s.stage.is_some()),
                "{:#?}",
                built.steps
            );
            let again = engine.build(&dockerfile, &options).expect("rebuild");
            assert!(
                again.fully_cached,
                "{builder:?} rebuild: {:#?}",
                again.steps
            );
            assert_eq!(again.image_id, built.image_id);
            let run = engine
                .smoke(&SmokeTest::new(&built.image_id).run_label(&id))
                .expect("runs");
            assert_eq!(run.exit_code, 0);
            assert!(!run.stdout.trim().is_empty());
            sizes.push(engine.inspect(&built.image_id).expect("inspect").size);
            images.push(saved_image(engine, &built.image_id));
            if builder == Builder::BuildKit {
                println!("{log}");
                assert!(log.contains("[build]"), "stage lines: {log}");
                assert!(log.contains("CACHED") || log.contains("DONE"), "{log}");
            }
        }
        println!(
            "{}: BuildKit {} B, classic {} B",
            engine.host(),
            sizes[0],
            sizes[1]
        );
        // The same layers entry for entry; the sizes differ by the bytes of
        // the symlinks' targets in the layers that are not the same layer.
        let [buildkit, classic] = &images[..] else {
            unreachable!("two builds")
        };
        assert_eq!(
            buildkit.entries,
            classic.entries,
            "{}: the builders' layers differ",
            engine.host()
        );
        let link_bytes: u64 = classic
            .entries
            .iter()
            .zip(&classic.diff_ids)
            .zip(&buildkit.diff_ids)
            .filter(|((_, a), b)| a != b)
            .flat_map(|((entries, _), _)| entries)
            .filter(|entry| entry.kind == tar::EntryType::Symlink)
            .map(|entry| entry.link.len() as u64)
            .sum();
        assert_eq!(
            sizes[1] as i64 - sizes[0] as i64,
            link_bytes as i64,
            "{}: classic {} B, BuildKit {} B",
            engine.host(),
            sizes[1],
            sizes[0]
        );
    }
}

/// One entry of a layer as `docker save` writes it, without its mtime
/// (the builders' differ).
#[derive(Debug, PartialEq, Eq)]
struct LayerEntry {
    path: String,
    kind: tar::EntryType,
    size: u64,
    mode: u32,
    owner: (u64, u64),
    link: String,
}

/// An image's layers as saved: each layer's entries in order, and its
/// diff id.
struct SavedImage {
    entries: Vec<Vec<LayerEntry>>,
    diff_ids: Vec<String>,
}

fn saved_image(engine: &Engine, image: &str) -> SavedImage {
    use std::collections::HashMap;
    let saved = std::process::Command::new("docker")
        .args(["-H", engine.host(), "save", image])
        .output()
        .expect("docker save");
    assert!(saved.status.success(), "{saved:?}");
    let mut files: HashMap<String, Vec<u8>> = HashMap::new();
    let mut archive = tar::Archive::new(&saved.stdout[..]);
    for entry in archive.entries().expect("a tar") {
        let mut entry = entry.expect("a tar entry");
        if entry.header().entry_type().is_file() {
            let path = entry.path().expect("a path").to_string_lossy().into_owned();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).expect("the entry's bytes");
            files.insert(path, bytes);
        }
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&files["manifest.json"]).expect("the saved manifest");
    let entries = manifest[0]["Layers"]
        .as_array()
        .expect("the manifest's layers")
        .iter()
        .map(|layer| {
            let layer = layer.as_str().expect("a layer path");
            let bytes = files
                .get(layer)
                .unwrap_or_else(|| panic!("{layer} is not a file of the saved image"));
            let mut archive = tar::Archive::new(&bytes[..]);
            archive
                .entries()
                .expect("a layer tar")
                .map(|entry| {
                    let entry = entry.expect("a layer entry");
                    let header = entry.header();
                    LayerEntry {
                        path: entry.path().expect("a path").to_string_lossy().into_owned(),
                        kind: header.entry_type(),
                        size: header.size().expect("a size"),
                        mode: header.mode().expect("a mode"),
                        owner: (header.uid().expect("a uid"), header.gid().expect("a gid")),
                        link: entry
                            .link_name()
                            .expect("a link name")
                            .map(|link| link.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                    }
                })
                .collect()
        })
        .collect();
    let diff_ids = engine
        .block_on(engine.as_async().docker().inspect_image(image))
        .expect("inspect")
        .root_fs
        .and_then(|root| root.layers)
        .unwrap_or_default();
    SavedImage { entries, diff_ids }
}

#[test]
fn buildkit_failure_names_stage_instruction_and_output() {
    for run in TestRun::each_daemon("bk-failing") {
        let (engine, id) = (&run.engine, run.id.clone());
        // Unique per run, so the steps really run.
        let text = format!(
            "FROM {BASE} AS prepare\nRUN echo {id} > /ok\n\n\
             FROM {BASE} AS check\nCOPY --from=prepare /ok /ok\n\
             RUN echo before-the-failure && test -s /ok && exit 3\n"
        );
        let options = BuildOptions::new()
            .builder(Builder::BuildKit)
            .run_label(&id)
            .quiet();
        let error = engine
            .build_text(&text, &options)
            .expect_err("the second stage exits 3");
        println!("{}: {error}", engine.host());
        let failure = error.as_build_failure().expect("a BuildFailure");
        let stage = failure.stage.as_ref().expect("the failing stage");
        assert_eq!((stage.index, stage.alias.as_deref()), (1, Some("check")));
        assert_eq!(
            failure.instruction.as_deref(),
            Some("RUN echo before-the-failure && test -s /ok && exit 3")
        );
        assert!(
            failure.message.contains("exit code: 3"),
            "{}",
            failure.message
        );
        assert!(
            failure.log_tail.iter().any(|l| l == "before-the-failure"),
            "{:?}",
            failure.log_tail
        );
        let shown = error.to_string();
        assert!(shown.contains("in stage 1 \"check\""), "{shown}");
        assert_eq!(labelled_containers(engine, &id), 0);
        // The cache of the step that succeeded stays: the retry finds it.
        let (log, plain) = capture();
        let again = engine
            .build_text(&text, &plain.builder(Builder::BuildKit).run_label(&id))
            .expect_err("still exits 3");
        assert!(again.as_build_failure().is_some());
        let log = text_of(&log);
        assert!(log.contains("CACHED [prepare 2/2] RUN echo"), "{log}");
    }
}

/// A `COPY --from` of a path the stage lacks: Docker 20.10's BuildKit names
/// it under `/var/lib/docker/overlay2/<layer>/merged`, Docker 26's under
/// `<data root>/tmp/buildkit-mount<n>`; the failure names `/<path>` as the
/// stage has it, and no daemon directory.
#[test]
fn daemon_paths_in_a_failure_are_the_stages_own() {
    for run in TestRun::each_daemon("bk-paths") {
        let (engine, id) = (&run.engine, run.id.clone());
        let missing = format!("/missing-{id}/app");
        let text = format!(
            "FROM {BASE} AS build\nRUN echo {id} > /ok\n\n\
             FROM {BASE}\nCOPY --from=build {missing} /app\n"
        );
        let options = BuildOptions::new()
            .builder(Builder::BuildKit)
            .run_label(&id)
            .quiet();
        let error = engine
            .build_text(&text, &options)
            .expect_err("the stage has no such file");
        let shown = format!("{error:#}");
        println!("{}: {shown}", engine.host());
        let failure = error.as_build_failure().expect("a BuildFailure");
        assert!(
            failure
                .message
                .contains(&format!("lstat /missing-{id}: no such file")),
            "{}",
            failure.message
        );
        for daemon_path in ["overlay2", "buildkit-mount", "/var/lib/"] {
            assert!(!shown.contains(daemon_path), "{daemon_path}: {shown}");
        }
        assert_eq!(
            failure.instruction.as_deref(),
            Some(format!("COPY --from=build {missing} /app").as_str())
        );
    }
}

#[test]
fn constructs_the_builder_cannot_build_are_refused_before_sending() {
    for run in TestRun::each_daemon("bk-heredoc") {
        let (engine, id) = (&run.engine, run.id.clone());
        let mounted = format!("FROM {BASE}\nRUN --mount=type=cache,target=/var/cache/apt true\n");
        let classic = BuildOptions::new().builder(Builder::Classic).quiet();
        match engine.build_text(&mounted, &classic) {
            Err(error @ EngineError::NeedsBuildKit { .. }) => {
                let text = error.to_string();
                assert!(
                    text.starts_with(
                        "line 2: `RUN --mount=type=cache` cannot be built by the classic builder"
                    ),
                    "{text}"
                );
                assert!(text.contains("Builder::Auto"), "{text}");
            }
            other => panic!("expected NeedsBuildKit, got {other:?}"),
        }
        let needs =
            format!("FROM {BASE}\nRUN --mount=type=secret,id=api-token,required=true true\n");
        match engine.build_text(&needs, &BuildOptions::new().quiet()) {
            Err(EngineError::SecretMissing { line, id }) => {
                assert_eq!((line, id.as_str()), (2, "api-token"))
            }
            other => panic!("expected SecretMissing, got {other:?}"),
        }
        // A heredoc: BuildKit 0.8 (Docker 20.10) cannot; Docker 23+ can.
        let heredoc = format!("FROM {BASE}\nRUN <<EOF\necho {id} > /id\nEOF\n");
        let options = BuildOptions::new().run_label(&id).quiet();
        let version = engine
            .block_on(engine.as_async().docker().version())
            .expect("version");
        let major: u32 = version
            .version
            .as_deref()
            .and_then(|v| v.split('.').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        match engine.build_text(&heredoc, &options) {
            Ok(built) => {
                assert!(major >= 23, "Docker {major} built a heredoc");
                let run = engine
                    .smoke(
                        &SmokeTest::new(&built.image_id)
                            .run_label(&id)
                            .args(["cat", "/id"])
                            .expect_stdout_contains(id.as_str()),
                    )
                    .expect("the heredoc ran");
                assert_eq!(run.exit_code, 0);
            }
            Err(error @ EngineError::NeedsBuildKit { .. }) => {
                assert!(major < 23, "{error}");
                assert!(error.to_string().contains("a heredoc in `RUN`"), "{error}");
                assert!(error.to_string().contains("Docker 23 or later"), "{error}");
            }
            Err(other) => panic!("{}: {other}", engine.host()),
        }
    }
}

/// A secret used by `RUN --mount=type=secret` is in none of: the image's
/// layers (`docker save`), its configuration, its history, the printed
/// build log, a failure's text.
#[test]
fn secrets_reach_the_run_and_nothing_else() {
    for run in TestRun::each_daemon("bk-secret") {
        let (engine, id) = (&run.engine, run.id.clone());
        let secret = format!("s3cret-{id}-value");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("token");
        std::fs::write(&path, &secret).expect("writing the secret");
        let env_name = format!("STAGECRAFT_TEST_SECRET_{}", std::process::id());
        std::env::set_var(&env_name, &secret);
        let tag = format!("stagecraft-test/{id}:secret");
        // The RUN proves it saw the value (its length and a hash of it)
        // without writing the value anywhere. BuildKit's cache key does not
        // cover a secret's value, so the RUN's text is unique per run.
        let text = format!(
            "FROM {BASE}\n\
             RUN --mount=type=secret,id=token,required=true \
             --mount=type=secret,id=from-env,required=true \
             cmp /run/secrets/token /run/secrets/from-env \
             && wc -c < /run/secrets/token > /secret.len \
             && sha256sum < /run/secrets/token > /secret.sum && echo {id} > /run.id\n"
        );
        let (log, options) = capture();
        let options = options
            .builder(Builder::BuildKit)
            .run_label(&id)
            .tag(&tag)
            .secret("token", SecretSource::File(path.clone()))
            .secret("from-env", SecretSource::Env(env_name.clone()));
        let built = engine
            .build_text(&text, &options)
            .unwrap_or_else(|e| panic!("{}: {e}", engine.host()));
        let run = engine
            .smoke(&SmokeTest::new(&built.image_id).run_label(&id).args([
                "cat",
                "/secret.len",
                "/secret.sum",
            ]))
            .expect("runs");
        let expected_sum = std::process::Command::new("sha256sum")
            .arg(&path)
            .output()
            .expect("sha256sum on the host");
        let expected_sum = String::from_utf8_lossy(&expected_sum.stdout);
        let expected_sum = expected_sum.split_whitespace().next().unwrap();
        assert_eq!(
            run.stdout.lines().next(),
            Some(secret.len().to_string().as_str())
        );
        assert!(run.stdout.contains(expected_sum), "{}", run.stdout);

        let leaks = |what: &str, text: &str| {
            assert!(!text.contains(&secret), "the secret is in {what}:\n{text}");
        };
        // The layers and the configuration, as `docker save` writes them.
        let docker = engine.as_async().docker();
        let saved = std::process::Command::new("docker")
            .args(["-H", engine.host(), "save", &tag])
            .output()
            .expect("docker save");
        assert!(saved.status.success(), "{saved:?}");
        let saved = saved.stdout;
        assert!(saved.len() > 1_000_000, "saved {} bytes", saved.len());
        assert!(
            !saved.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "the secret is in the saved image"
        );
        let inspected = engine
            .block_on(docker.inspect_image(&tag))
            .expect("inspect");
        leaks("the image's inspect", &format!("{inspected:?}"));
        let history = engine
            .block_on(docker.image_history(&tag))
            .expect("history");
        for item in &history {
            leaks("the history", &item.created_by);
        }
        // The progress of the secrets route is BuildKit's status stream,
        // mapped to stages as a plain build's: the RUN ran, it is a step.
        let shown = text_of(&log);
        leaks("the build log", &shown);
        // `[2/2] RUN` on BuildKit 0.8, `[stage-0 2/2] RUN` on later ones.
        let marked = |shown: &str, mark: &str| {
            shown.lines().any(|line| {
                line.contains(&format!("{mark} ["))
                    && line.contains("2/2] RUN --mount=type=secret,id=token")
            })
        };
        assert!(
            marked(&shown, "DONE"),
            "{}: no progress of the RUN:\n{shown}",
            engine.host()
        );
        assert!(
            built
                .steps
                .iter()
                .any(|step| step.instruction.contains("cmp /run/secrets/token") && !step.cached),
            "{:?}",
            built.steps
        );
        assert!(!built.fully_cached);
        // Built again: every step cached, and said so.
        let (log, again) = capture();
        let again = again
            .builder(Builder::BuildKit)
            .run_label(&id)
            .tag(&tag)
            .secret("token", SecretSource::File(path.clone()))
            .secret("from-env", SecretSource::Env(env_name.clone()));
        let rebuilt = engine.build_text(&text, &again).expect("a cached rebuild");
        let shown = text_of(&log);
        leaks("the cached build's log", &shown);
        assert!(rebuilt.fully_cached, "{shown}");
        assert!(marked(&shown, "CACHED"), "{shown}");
        assert_eq!(rebuilt.image_id, built.image_id);

        // A failing RUN that prints the secret: not in the failure's text,
        // nor in the log printed.
        let failing = format!(
            "FROM {BASE}\nRUN --mount=type=secret,id=token cat /run/secrets/token; echo; exit 7\n"
        );
        let (log, options) = capture();
        let options = options
            .builder(Builder::BuildKit)
            .run_label(&id)
            .secret("token", SecretSource::File(path.clone()));
        let error = engine
            .build_text(&failing, &options)
            .expect_err("the RUN exits 7");
        let shown = error.to_string();
        println!("{shown}");
        let failure = error.as_build_failure().expect("a BuildFailure");
        assert!(
            failure
                .instruction
                .as_deref()
                .is_some_and(|i| i.ends_with("exit 7")),
            "{failure:?}"
        );
        assert!(failure.stage.is_some(), "{failure:?}");
        assert!(
            failure.message.contains("exit code: 7"),
            "{}",
            failure.message
        );
        leaks("the failure", &shown);
        leaks("the failure's debug form", &format!("{error:?}"));
        // The RUN printed the secret: its log lines came through the status
        // stream, with the value replaced.
        let shown = text_of(&log);
        leaks("the failing build's log", &shown);
        assert!(shown.contains("| ***"), "{shown}");
        assert!(
            failure.log_tail.iter().any(|line| line.contains("***")),
            "{failure:?}"
        );
        std::env::remove_var(&env_name);
    }
}

#[test]
fn site_ca_reaches_the_trusting_stage_with_buildkit() {
    use stagecraft::site_ca::{self, SiteCa};
    use stagecraft::{Dockerfile, Run};
    for run in TestRun::each_daemon("bk-site-ca") {
        let (engine, id) = (&run.engine, run.id.clone());
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("bundle.pem");
        let bundle =
            format!("# {id}\n-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n");
        std::fs::write(&path, &bundle).expect("writing the test bundle");
        let site = SiteCa::new(&path).expect("PEM");
        let every_variable = site_ca::VARIABLES
            .iter()
            .map(|name| format!("test \"${name}\" = {}", site_ca::IMAGE_PATH))
            .collect::<Vec<_>>()
            .join(" && ");
        let mut df = Dockerfile::builder();
        df.stage("build", BASE)
            .trust_site_ca()
            .run(Run::checked(format!("{every_variable} && cp \"$SSL_CERT_FILE\" /seen")).unwrap())
            .cmd(["cat", "/seen"]);
        let options = BuildOptions::new()
            .builder(Builder::BuildKit)
            .run_label(&id)
            .site_ca(&site)
            .quiet();
        let built = engine
            .build(&df.build().unwrap(), &options)
            .unwrap_or_else(|e| panic!("{}: {e}", engine.host()));
        let run = engine
            .smoke(&SmokeTest::new(&built.image_id).run_label(&id))
            .expect("runs");
        assert_eq!(run.stdout, bundle);
        let config = engine
            .block_on(engine.as_async().docker().inspect_image(&built.image_id))
            .expect("inspect")
            .config
            .and_then(|c| c.env)
            .unwrap_or_default();
        for name in site_ca::VARIABLES {
            assert!(
                !config.iter().any(|e| e.starts_with(&format!("{name}="))),
                "{name} in {config:?}"
            );
        }
    }
}

#[test]
fn cleanup_means_the_run_id_and_goes_past_images_already_removed() {
    for run in TestRun::each_daemon("bk-cleanup") {
        let (engine, id) = (&run.engine, run.id.clone());
        // A whole label is not a run id: refused, not silently matching nothing.
        match engine.cleanup(&format!("{RUN_LABEL}={id}")) {
            Err(EngineError::InvalidOption(message)) => {
                assert!(message.contains("cleanup_label"), "{message}")
            }
            other => panic!("expected InvalidOption, got {other:?}"),
        }
        // A parent and a child, both labelled and untagged: removing the
        // child takes the parent with it, and the daemon then answers
        // "unrecognized image ID" (500) or 404 for the parent.
        let options = BuildOptions::new()
            .builder(Builder::Classic)
            .run_label(&id)
            .quiet();
        let parent = engine
            .build_text(&format!("FROM {BASE}\nRUN echo {id} > /parent\n"), &options)
            .expect("the parent");
        let child = engine
            .build_text(
                &format!("FROM {}\nRUN echo {id} > /child\n", parent.image_id),
                &options,
            )
            .expect("the child");
        assert_ne!(parent.image_id, child.image_id);
        assert!(labelled_images(engine, &id) >= 2);
        let removed = engine.cleanup(&id).expect("cleanup");
        println!("{removed:?}");
        assert!(removed.is_complete(), "{removed:?}");
        assert!(removed.images >= 1, "{removed:?}");
        assert_eq!(labelled_images(engine, &id), 0, "{removed:?}");
    }
}

#[test]
fn a_missing_base_image_says_so_and_how_to_get_it() {
    for run in TestRun::each_daemon("bk-missing-base") {
        let engine = &run.engine;
        for builder in [Builder::BuildKit, Builder::Classic] {
            let text = "FROM stagecraft-test/not-here:1\nRUN true\n";
            let options = BuildOptions::new().builder(builder).quiet();
            match engine.build_text(text, &options) {
                Err(error @ EngineError::BaseImageMissing { .. }) => {
                    let shown = error.to_string();
                    assert!(
                        shown.starts_with(
                            "base image \"stagecraft-test/not-here:1\" (line 1) is not present"
                        ),
                        "{shown}"
                    );
                    assert!(shown.contains("docker load"), "{shown}");
                }
                other => panic!("{builder:?}: expected BaseImageMissing, got {other:?}"),
            }
        }
    }
}

/// A fake daemon on a unix socket: it answers `/version` with `api` and
/// image inspection, and then never sends a byte of a build.
fn stalled_daemon(api: &'static str) -> (tempfile::TempDir, Engine) {
    use std::os::unix::net::UnixListener;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let socket = dir.path().join("stalled.sock");
    let listener = UnixListener::bind(&socket).expect("binding the socket");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            std::thread::spawn(move || serve_stalled(stream, api));
        }
    });
    let options = ConnectOptions::new()
        .host(format!("unix://{}", socket.display()))
        .connect_timeout(Duration::from_secs(5));
    let engine = Engine::connect_with(&options).expect("the fake daemon answers");
    (dir, engine)
}

fn serve_stalled(mut stream: std::os::unix::net::UnixStream, api: &str) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    loop {
        let mut request = String::new();
        if reader.read_line(&mut request).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let lower = header.to_ascii_lowercase();
            if let Some(value) = lower.strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
            if header == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; length];
        let _ = reader.read_exact(&mut body);
        let json = if request.contains("/version") {
            format!(
                r#"{{"ApiVersion":"{api}","Version":"20.10.24","Os":"linux","MinAPIVersion":"1.12"}}"#
            )
        } else if request.contains("/images/") {
            r#"{"Id":"sha256:0123"}"#.to_string()
        } else if request.contains("/build") {
            // The headers of a stream, then silence.
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                  Transfer-Encoding: chunked\r\n\r\n",
            );
            std::thread::sleep(Duration::from_secs(60));
            return;
        } else {
            // `/session` and anything else: never answered.
            std::thread::sleep(Duration::from_secs(60));
            return;
        };
        let reply = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{json}",
            json.len()
        );
        if stream.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

/// The progress deadline ends a build the daemon never answers, on both
/// builders. No real daemon needed.
#[test]
fn a_stalled_daemon_does_not_block_the_build_forever() {
    let (_dir, engine) = stalled_daemon("1.41");
    let text = format!("FROM {BASE}\nRUN true\n");
    for builder in [Builder::BuildKit, Builder::Classic] {
        let started = std::time::Instant::now();
        let options = BuildOptions::new()
            .builder(builder)
            .progress_deadline(Duration::from_secs(2))
            .quiet();
        match engine.build_text(&text, &options) {
            Err(error @ EngineError::ProgressStalled { .. }) => {
                println!("{builder:?}: {error}");
                assert!(error.to_string().contains("progress_deadline"), "{error}");
            }
            other => panic!("{builder:?}: expected ProgressStalled, got {other:?}"),
        }
        let waited = started.elapsed();
        assert!(
            waited < Duration::from_secs(10),
            "{builder:?} waited {waited:?}"
        );
    }
}

/// A daemon without BuildKit (API 1.38): `Auto` falls back to the classic
/// builder, `BuildKit` is refused, and a construct that needs BuildKit is
/// refused before sending. No real daemon needed.
#[test]
fn auto_falls_back_to_the_classic_builder_without_buildkit() {
    let (_dir, engine) = stalled_daemon("1.38");
    let text = format!("FROM {BASE}\nRUN true\n");
    let options = BuildOptions::new()
        .progress_deadline(Duration::from_secs(1))
        .quiet();
    // The classic path got the build (and the fake daemon stalled it).
    assert!(matches!(
        engine.build_text(&text, &options),
        Err(EngineError::ProgressStalled { .. })
    ));
    match engine.build_text(&text, &options.clone().builder(Builder::BuildKit)) {
        Err(error @ EngineError::BuildKitUnavailable { .. }) => {
            assert!(error.to_string().contains("API 1.38"), "{error}")
        }
        other => panic!("expected BuildKitUnavailable, got {other:?}"),
    }
    let mounted = format!("FROM {BASE}\nRUN --mount=type=cache,target=/root/.cache true\n");
    match engine.build_text(&mounted, &options) {
        Err(error @ EngineError::NeedsBuildKit { .. }) => {
            let shown = error.to_string();
            assert!(shown.contains("has no BuildKit (API 1.38"), "{shown}");
        }
        other => panic!("expected NeedsBuildKit, got {other:?}"),
    }
}

/// Independent stages run at once with BuildKit: both stages' `RUN`s start
/// before either is done. Prints the wall time against the classic builder.
#[test]
fn independent_stages_run_in_parallel_with_buildkit() {
    for run in TestRun::each_daemon("bk-parallel") {
        let (engine, id) = (&run.engine, run.id.clone());
        let text = format!(
            "FROM {BASE} AS left\nRUN sleep 3 && echo {id} > /left\n\n\
             FROM {BASE} AS right\nRUN sleep 3 && echo {id} > /right\n\n\
             FROM {BASE}\nCOPY --from=left /left /left\nCOPY --from=right /right /right\n"
        );
        let (log, options) = capture();
        let options = options.builder(Builder::BuildKit).run_label(&id);
        let parallel = engine.build_text(&text, &options).expect("BuildKit");
        let log = text_of(&log);
        let position = |needle: &str| {
            log.find(needle)
                .unwrap_or_else(|| panic!("{needle:?} not in {log}"))
        };
        let starts = position("[left] [left 2/2] RUN").max(position("[right] [right 2/2] RUN"));
        let first_done = position("DONE [left 2/2]").min(position("DONE [right 2/2]"));
        assert!(
            starts < first_done,
            "the stages ran one after the other:\n{log}"
        );
        let classic = engine
            .build_text(
                &text,
                &BuildOptions::new()
                    .builder(Builder::Classic)
                    .run_label(&id)
                    .quiet(),
            )
            .expect("classic");
        println!(
            "{}: two independent 3 s stages: BuildKit {:.1}s, classic {:.1}s",
            engine.host(),
            parallel.duration.as_secs_f64(),
            classic.duration.as_secs_f64()
        );
    }
}

/// Processes on this machine whose command line holds `needle` (BuildKit's
/// step processes run in the host's process table, in no Docker container).
fn processes_with(needle: &str) -> usize {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter_map(|entry| std::fs::read(entry.path().join("cmdline")).ok())
        .filter(|cmdline| String::from_utf8_lossy(cmdline).contains(needle))
        .count()
}

/// A BuildKit build dropped mid-`RUN` (Ctrl-C, an outer timeout) is
/// cancelled by the daemon: its step process goes, nothing is left.
#[test]
fn a_dropped_buildkit_build_is_cancelled() {
    // Only the host daemon: its step processes are in this machine's /proc.
    let Some(run) = TestRun::start("bk-dropped") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.clone());
    if !engine.host().starts_with("unix://") {
        eprintln!("skipping: the daemon is not local");
        return;
    }
    let marker = format!("marker-{id}");
    let text = format!("FROM {BASE}\nRUN echo {marker} && sleep 60\n");
    let options = BuildOptions::new()
        .builder(Builder::BuildKit)
        .run_label(&id)
        .quiet();
    let seen = engine.block_on(async {
        let build = engine.as_async().build_text(&text, &options);
        tokio::pin!(build);
        for _ in 0..80 {
            tokio::select! {
                _ = &mut build => panic!("the build finished although its RUN sleeps 60 s"),
                _ = tokio::time::sleep(Duration::from_millis(250)) => {}
            }
            if processes_with(&marker) > 0 {
                return true;
            }
        }
        false
    });
    assert!(seen, "the step never ran, so this test would prove nothing");
    let mut remaining = 1;
    for _ in 0..40 {
        remaining = processes_with(&marker);
        if remaining == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(remaining, 0, "the dropped build's step still runs");
    assert_eq!(labelled_containers(engine, &id), 0);
    assert_eq!(labelled_images(engine, &id), 0);
}

/// Containers, running or not, with `needle` in their command (the
/// classic builder's step containers carry no label of the run).
fn containers_with(engine: &Engine, needle: &str) -> usize {
    use stagecraft::engine::bollard::query_parameters::ListContainersOptionsBuilder;
    let options = ListContainersOptionsBuilder::new().all(true).build();
    engine
        .block_on(engine.as_async().docker().list_containers(Some(options)))
        .expect("listing containers")
        .into_iter()
        .filter(|c| c.command.as_deref().unwrap_or("").contains(needle))
        .count()
}

/// A unix-socket proxy in front of a daemon that the test can cut: every
/// connection through it shut down and its socket removed, as when the
/// daemon goes away mid-build (a crash, a restart, an SSH tunnel gone).
struct CutProxy {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    streams: Arc<Mutex<Vec<std::os::unix::net::UnixStream>>>,
    cut: Arc<std::sync::atomic::AtomicBool>,
}

impl CutProxy {
    fn start(upstream: &str) -> CutProxy {
        use std::os::unix::net::{UnixListener, UnixStream};
        use std::sync::atomic::Ordering;
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("daemon.sock");
        let listener = UnixListener::bind(&path).expect("binding the proxy");
        let streams: Arc<Mutex<Vec<UnixStream>>> = Arc::default();
        let cut = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (kept, stop, upstream) = (streams.clone(), cut.clone(), upstream.to_string());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let (Ok(client), Ok(daemon)) = (client, UnixStream::connect(&upstream)) else {
                    continue;
                };
                let mut kept = kept.lock().unwrap();
                for (from, to) in [(&client, &daemon), (&daemon, &client)] {
                    let (mut from, mut to) = (from.try_clone().unwrap(), to.try_clone().unwrap());
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Write);
                    });
                }
                kept.extend([client, daemon]);
            }
        });
        CutProxy {
            _dir: dir,
            path,
            streams,
            cut,
        }
    }

    fn host(&self) -> String {
        format!("unix://{}", self.path.display())
    }

    /// Shuts every connection down and removes the socket.
    fn cut(&self) {
        self.cut.store(true, std::sync::atomic::Ordering::SeqCst);
        for stream in self.streams.lock().unwrap().drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        // Wake the accept loop so that it sees the flag and ends.
        let _ = std::os::unix::net::UnixStream::connect(&self.path);
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The daemon gone mid-`RUN` (here: the proxy the build went through cut,
/// the session's connection with it): the build ends at once with
/// `EngineError::ConnectionLost`, on both builders, and the daemon, which
/// sees its client gone, leaves nothing of it: the step's process ends, no
/// container and no image of the build stays.
#[test]
fn a_daemon_gone_mid_build_is_a_typed_error_and_leaves_nothing() {
    // Only the host daemon: its step processes are in this machine's /proc.
    let Some(run) = TestRun::start("bk-lost") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.clone());
    let Some(upstream) = engine.host().strip_prefix("unix://") else {
        eprintln!("skipping: the daemon is not local");
        return;
    };
    for builder in [Builder::BuildKit, Builder::Classic] {
        let proxy = CutProxy::start(upstream);
        let through = Engine::connect_with(&ConnectOptions::new().host(proxy.host()))
            .expect("the daemon answers through the proxy");
        let marker = format!("marker-{id}-{builder:?}");
        let text = format!("FROM {BASE}\nRUN echo {marker} && sleep 60\n");
        let options = BuildOptions::new().builder(builder).run_label(&id).quiet();
        let started = std::time::Instant::now();
        let (error, seen) = std::thread::scope(|scope| {
            let cutter = scope.spawn(|| {
                for _ in 0..240 {
                    if processes_with(&marker) > 0 {
                        proxy.cut();
                        return true;
                    }
                    std::thread::sleep(Duration::from_millis(250));
                }
                proxy.cut();
                false
            });
            let result = through.build_text(&text, &options);
            (result, cutter.join().unwrap())
        });
        assert!(
            seen,
            "{builder:?}: the step never ran, so this test would prove nothing"
        );
        let error = error.expect_err("the connection was cut mid-RUN");
        println!("{builder:?}: {error}");
        match &error {
            EngineError::ConnectionLost {
                host,
                daemon_answers,
                ..
            } => {
                assert_eq!(host, &proxy.host());
                assert!(!daemon_answers, "{error}");
            }
            other => panic!("{builder:?}: expected ConnectionLost, got {other:?}"),
        }
        assert!(error.to_string().contains("does not answer now"), "{error}");
        assert!(
            started.elapsed() < Duration::from_secs(45),
            "{builder:?}: the build waited for the RUN ({:?})",
            started.elapsed()
        );
        let mut left = (1, 1, 1);
        for _ in 0..60 {
            left = (
                processes_with(&marker),
                labelled_containers(engine, &id) + containers_with(engine, &marker),
                labelled_images(engine, &id),
            );
            if left == (0, 0, 0) {
                break;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        assert_eq!(
            left,
            (0, 0, 0),
            "{builder:?}: (step processes, containers, images) of the cut build left"
        );
    }
}

/// fortune's scratch image with the harvest step written as a heredoc
/// (`StepForm::Heredoc`): the modern daemon builds it and the image runs
/// as the one-line form's does; Docker 20.10's BuildKit 0.8, whose
/// frontend has no heredocs, gets it refused before anything is sent.
#[test]
fn the_heredoc_harvest_step_builds_where_heredocs_are_read() {
    use stagecraft::harvest::{Harvest, StepForm};
    use stagecraft::packages::Apt;
    let dockerfile = |form: StepForm| {
        let mut df = stagecraft::Dockerfile::builder();
        let build = df
            .stage("build", BASE)
            .install(Apt::install(["fortune-mod", "fortunes-min"]))
            .done();
        let harvest = Harvest::new()
            .binary("/usr/games/fortune")
            .package_files("fortunes-min")
            .step_form(form);
        let collected = df.harvest("harvest", &build, harvest);
        df.anonymous_stage(stagecraft::scratch())
            .copy_harvest(&collected)
            .entrypoint(["/usr/games/fortune"]);
        df.build().expect("valid")
    };
    let heredoc = dockerfile(StepForm::Heredoc);
    assert!(heredoc.render().contains("RUN <<'HARVEST'\n"));

    if let Some(run) = TestRun::start("bk-heredoc-old") {
        let options = run.options().builder(Builder::BuildKit).quiet();
        match run.engine.build(&heredoc, &options) {
            Err(error @ EngineError::NeedsBuildKit { .. }) => {
                let text = error.to_string();
                assert!(text.contains("heredoc"), "{text}");
            }
            Ok(built) if built.builder == Builder::BuildKit => {
                // A daemon whose BuildKit reads heredocs: nothing to refuse.
                eprintln!("{} reads heredocs", run.engine.host());
            }
            other => panic!("expected NeedsBuildKit, got {other:?}"),
        }
    }

    let Some(run) = TestRun::modern("bk-heredoc") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.clone());
    let (log, options) = capture();
    let options = options.builder(Builder::BuildKit).run_label(&id);
    let built = engine
        .build(&heredoc, &options)
        .unwrap_or_else(|e| panic!("{e:#}"));
    let log = text_of(&log);
    // The step's own manifest lines came through the heredoc script.
    assert!(
        log.contains("stagecraft harvest:") || log.contains("CACHED"),
        "{log}"
    );
    let ran = engine
        .smoke(&SmokeTest::new(&built.image_id).run_label(&id))
        .expect("the harvested fortune runs");
    assert_eq!(ran.exit_code, 0);
    assert!(!ran.stdout.trim().is_empty(), "{ran:?}");
    // The same files as the one-line form: the sizes agree to the byte's
    // metadata (layer tar headers), within 1 %.
    let one_line = engine
        .build(&dockerfile(StepForm::Continuations), &options)
        .expect("the one-line form builds too");
    let (a, b) = (
        engine.inspect(&built.image_id).unwrap().size as f64,
        engine.inspect(&one_line.image_id).unwrap().size as f64,
    );
    println!("heredoc step {a} B, one-line step {b} B");
    assert!((a - b).abs() / b < 0.01, "{a} vs {b}");
}

/// The build cache records of the daemon at `socket` whose description is
/// a sent context's (`GET /system/df`, which lists them with their
/// descriptions up to API 1.51; bollard reads the later form only): id and
/// size.
fn context_records(socket: &str) -> Vec<(String, u64)> {
    let output = std::process::Command::new("curl")
        .args(["-s", "--unix-socket", socket, "http://localhost/system/df"])
        .output()
        .expect("curl runs");
    let df: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    df["BuildCache"]
        .as_array()
        .expect("the build cache records")
        .iter()
        .filter(|record| {
            let description = record["Description"].as_str().unwrap_or_default();
            description.starts_with("http url http://build-context-")
                || description.starts_with("http url http://buildkit-session/")
        })
        .map(|record| {
            (
                record["ID"].as_str().unwrap().to_string(),
                record["Size"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// BuildKit keeps the tar of each build's context as a cache record of its
/// own (under a random URL, so never used again): the engine removes it
/// after the build, on both routes (the daemon's `/build` body, and the
/// session upload of a secrets build), and nothing else, on each daemon.
#[test]
fn a_buildkit_build_leaves_no_record_of_its_context() {
    for run in TestRun::each_daemon("context-record") {
        leaves_no_record_of_its_context(&run);
    }
}

fn leaves_no_record_of_its_context(run: &TestRun) {
    let Some(socket) = run.engine.host().strip_prefix("unix://") else {
        eprintln!(
            "skipping {}: the records are read from a unix socket",
            run.engine.host()
        );
        return;
    };
    let context_records = || context_records(socket);
    let (engine, id) = (&run.engine, run.id.clone());
    // A size no other test's context has: about 3 MB, this process's own.
    let blob_len = 3_000_000 + (std::process::id() as usize % 9973) * 7;
    let blob: Vec<u8> = (0..blob_len).map(|i| (i * 31 % 251) as u8).collect();
    let ours = |size: u64| size >= blob_len as u64 && size < blob_len as u64 + 64 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("token");
    std::fs::write(&secret, format!("s3cret-{id}")).unwrap();
    let before = context_records();
    assert!(!before.iter().any(|(_, size)| ours(*size)), "{before:?}");
    for with_secret in [false, true] {
        let text = if with_secret {
            format!(
                "FROM {BASE}\nRUN --mount=type=secret,id=token,required=true echo {id} \
                 > /dev/null && wc -c < /run/secrets/token > /token.len\nCOPY blob /blob\n"
            )
        } else {
            format!("FROM scratch\nCOPY blob /blob\nLABEL run={id}\n")
        };
        let mut options = run
            .options()
            .builder(Builder::BuildKit)
            .quiet()
            .context_data("blob", blob.clone(), 0o644);
        if with_secret {
            options = options.secret("token", SecretSource::File(secret.clone()));
        }
        let started = std::time::Instant::now();
        let built = engine
            .build_text(&text, &options)
            .unwrap_or_else(|e| panic!("secret {with_secret}: {e:#}"));
        println!(
            "{socket}, secret {with_secret}: built {} in {:.1}s",
            built.image_id,
            started.elapsed().as_secs_f64()
        );
        let after = context_records();
        let left: Vec<_> = after.iter().filter(|(_, size)| ours(*size)).collect();
        assert!(left.is_empty(), "secret {with_secret}: {left:?} left");
        // No other record of a context went that the engine could have
        // removed (1 MiB or more: it keeps smaller ones). Small records of
        // the other tests' builds come and go meanwhile (a 2,048-byte one
        // went during a CI run).
        let gone: Vec<_> = before
            .iter()
            .filter(|(_, size)| *size >= 1 << 20)
            .filter(|record| !after.contains(record))
            .collect();
        assert!(gone.is_empty(), "secret {with_secret}: removed {gone:?}");
        // The layers' cache does not need the record: the same build
        // again is fully cached (its context comes under a new URL anyway).
        let again = engine.build_text(&text, &options).expect("built again");
        assert!(
            again.fully_cached,
            "secret {with_secret}: {:?}",
            again.steps
        );
        assert_eq!(again.image_id, built.image_id);
        let left = context_records();
        assert!(!left.iter().any(|(_, size)| ours(*size)), "{left:?}");
    }
}
