//! The RUN forms of the typed model, rendered and built through
//! `stagecraft::engine`. On both daemons: cache mounts (`id`,
//! `sharing=locked`, `mode`; a second RUN reads what the first wrote), a
//! bind mount from another stage, a tmpfs mount, a secret mount (`id`,
//! `target`, `required`) given through [`BuildOptions::secret`] and the
//! exec form. Only on the modern daemon, whose frontend reads them and
//! BuildKit 0.8's does not: `--network=none`, tmpfs' `size`, heredocs (a
//! script, an interpreter's, an unquoted and a quoted delimiter; a heredoc
//! `COPY` of two files, one expanded, one literal, with `--chmod`; a heredoc
//! `ADD` with its own; `ONBUILD` heredocs run by a build from the image;
//! build variables in mount options and a bind mount without a target). Each RUN (and the COPY and ADD) writes files under
//! `/out/`; one smoke run prints them all, a second finds no file of a mount
//! in the image, and the secret is in none of the saved image, its
//! configuration and its history. A secret's `env=` is
//! read by neither daemon's frontend: its test accepts the engine's refusal
//! by name or checks the value reached the RUN.
//!
//! Without a daemon a test prints one `skipping:` line and passes, unless
//! `STAGECRAFT_REQUIRE_DOCKER=1`. Everything a test creates carries its
//! run id and is removed when it ends.
//!
//! [`BuildOptions::secret`]: stagecraft::engine::BuildOptions::secret

use stagecraft::engine::{Builder, EngineError, SecretSource, SmokeTest};
use stagecraft::model::{Heredoc, HeredocScript, Mount, Network, RunSpec, SecretId, Sharing};
use stagecraft::{AddSpec, CopySpec, Dockerfile, Run};

mod support;
use support::TestRun;

const BASE: &str = "debian:bookworm-slim";

fn id(name: &str) -> SecretId {
    SecretId::new(name).expect("a valid secret id")
}

fn shell(spec: RunSpec, text: &str) -> Run {
    spec.shell(text)
        .unwrap_or_else(|error| panic!("{text}: {error}"))
}

/// The model: a `files` stage for the bind mount, then the image whose
/// RUNs use every form. `modern` adds what only a current BuildKit builds.
/// `run` makes each RUN's text unique to the test run, so none comes from
/// another run's cache (BuildKit's cache key ignores a secret's value).
fn run_forms(run: &str, modern: bool) -> Dockerfile {
    let cache_id = format!("stagecraft-test-{run}");
    // Both mounts of the cache give the same mode: BuildKit makes a cache
    // with `mode`/`uid`/`gid` on a base of its own, and a cache's identity
    // is its id and its base, so a mount without them sees another cache.
    let cache = |target: &str| {
        Mount::cache(target)
            .id(cache_id.as_str())
            .sharing(Sharing::Locked)
            .mode(0o700)
    };
    let mut df = Dockerfile::builder();
    df.stage("files", BASE).run(shell(
        RunSpec::new(),
        &format!("mkdir -p /payload && echo 'bound from files {run}' > /payload/hello"),
    ));
    let mut image = df
        .stage("image", BASE)
        .run(shell(RunSpec::new(), "mkdir -p /out"))
        // The first RUN fills the cache; the second, another mount of the
        // same id, reads it: the cache is shared and not in the image.
        .run(shell(
            RunSpec::new().mount(cache("/cache")),
            &format!("echo 'cached {run}' > /cache/entry && stat -c %a /cache > /out/cache.mode"),
        ))
        .run(shell(
            RunSpec::new().mount(cache("/again")),
            "cp /again/entry /out/cache.entry",
        ))
        .run(shell(
            RunSpec::new().mount(Mount::bind("/mnt").from("files").source("/payload")),
            "cp /mnt/hello /out/bind.hello",
        ))
        .run(shell(
            RunSpec::new().mount(Mount::tmpfs("/scratch")),
            &format!(
                "echo {run} > /scratch/file && grep ' /scratch tmpfs ' /proc/mounts \
                 | cut -d' ' -f2,3 > /out/tmpfs.mount"
            ),
        ))
        .run(shell(
            RunSpec::new().mount(Mount::secret(id("token")).target("/run/token").required()),
            &format!(
                "echo {run} > /dev/null && wc -c < /run/token > /out/secret.len \
                 && sha256sum < /run/token | cut -d' ' -f1 > /out/secret.sum"
            ),
        ))
        .run_exec(
            RunSpec::new()
                .exec(["/bin/ln", "-s", "exec-target", "/out/exec.link"])
                .expect("an exec RUN"),
        );
    if modern {
        image = image
            // BuildKit 0.8's frontend knows neither `--network` (experimental
            // then) nor tmpfs' `size`.
            .run(shell(
                RunSpec::new().network(Network::None),
                &format!(
                    "echo {run} > /dev/null && tail -n +3 /proc/net/dev | cut -d: -f1 \
                     | tr -d ' ' > /out/network.interfaces"
                ),
            ))
            .run(shell(
                RunSpec::new().mount(Mount::tmpfs("/sized").size(8 << 20)),
                &format!(
                    "echo {run} > /dev/null && grep ' /sized tmpfs ' /proc/mounts \
                     | grep -o 'size=[0-9]*k' > /out/tmpfs.size"
                ),
            ))
            .run(
                RunSpec::new()
                    .heredoc(HeredocScript::script(Heredoc::new(
                        "EOF",
                        format!("set -eu\necho \"script {run} $HOME\" > /out/heredoc.script\n"),
                    )))
                    .expect("a heredoc script"),
            )
            .run(
                RunSpec::new()
                    .heredoc(HeredocScript::with_interpreter(
                        "perl",
                        Heredoc::new(
                            "PL",
                            "open(my $out, '>', '/out/heredoc.perl') or die;\n\
                             print $out 'perl ', 6 * 7, \"\\n\";\n",
                        )
                        .literal(),
                    ))
                    .expect("an interpreter heredoc"),
            )
            .run(
                RunSpec::new()
                    .heredoc(HeredocScript::new(
                        "<<A cat > /out/heredoc.expanded && <<'B' cat > /out/heredoc.literal",
                        vec![
                            Heredoc::new("A", "expanded $HOME\n"),
                            Heredoc::new("B", "literal $HOME\n").literal(),
                        ],
                    ))
                    .expect("two heredocs"),
            )
            // Heredoc COPYs: files named by their delimiters, `$COPIED`
            // expanded in one and kept in the other, `--chmod` applied.
            .env("COPIED", "yes")
            .copy_spec(
                CopySpec::heredoc(
                    Heredoc::new("copy.expanded", format!("copied {run} $COPIED")),
                    "/out/",
                )
                .and_heredoc(Heredoc::new("copy.literal", "literal $COPIED").literal())
                .chmod("0640"),
            )
            .run(shell(
                RunSpec::new(),
                "stat -c %a /out/copy.expanded /out/copy.literal | sort -u > /out/copy.mode",
            ))
            // A heredoc ADD: the same file, its own `--chmod`.
            .add_spec(
                AddSpec::heredoc(
                    Heredoc::new("add.expanded", format!("added {run} $COPIED")),
                    "/out/",
                )
                .chmod("0600"),
            )
            .run(shell(
                RunSpec::new(),
                "stat -c %a /out/add.expanded > /out/add.mode",
            ));
    }
    image.cmd([
        "/bin/sh",
        "-c",
        "cd /out && for f in *; do if [ -L \"$f\" ]; then echo \"$f -> $(readlink \"$f\")\"; \
         else echo \"$f: $(cat \"$f\")\"; fi; done",
    ]);
    df.build().expect("the RUN forms model builds")
}

/// What the smoke run prints: `file: contents` for each output, sorted.
fn expected(run: &str, secret: &str, modern: bool) -> String {
    let sum = sha256_hex(secret);
    let mut lines = vec![
        format!("bind.hello: bound from files {run}"),
        format!("cache.entry: cached {run}"),
        "cache.mode: 700".to_string(),
        "exec.link -> exec-target".to_string(),
        format!("secret.len: {}", secret.len()),
        format!("secret.sum: {sum}"),
        "tmpfs.mount: /scratch tmpfs".to_string(),
    ];
    if modern {
        lines.extend([
            "heredoc.expanded: expanded /root".to_string(),
            "heredoc.literal: literal $HOME".to_string(),
            "heredoc.perl: perl 42".to_string(),
            "network.interfaces: lo".to_string(),
            "tmpfs.size: size=8192k".to_string(),
            format!("heredoc.script: script {run} /root"),
            format!("copy.expanded: copied {run} yes"),
            "copy.literal: literal $COPIED".to_string(),
            "copy.mode: 640".to_string(),
            format!("add.expanded: added {run} yes"),
            "add.mode: 600".to_string(),
        ]);
    }
    lines.sort();
    lines.join("\n") + "\n"
}

fn sha256_hex(text: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sha256sum on the host");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().expect("sha256sum's output");
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .next()
        .expect("a sum")
        .to_string()
}

/// Builds the model on `run`'s daemon, checks the outputs and that the
/// secret is nowhere in the image.
fn builds_and_checks(run: &TestRun, modern: bool) {
    let (engine, id) = (&run.engine, run.id.as_str());
    let secret = format!("s3cret-{id}-value");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("token");
    std::fs::write(&path, &secret).expect("writing the secret");
    let tag = format!("stagecraft-test/{id}:run-forms");
    let dockerfile = run_forms(id, modern);
    let options = run
        .options()
        .builder(Builder::BuildKit)
        .tag(&tag)
        .quiet()
        .secret("token", SecretSource::File(path));
    let built = engine
        .build(&dockerfile, &options)
        .unwrap_or_else(|error| panic!("{}: {error}\n{}", engine.host(), dockerfile.render()));
    eprintln!(
        "{}: built the RUN forms{} in {:.1} s",
        engine.host(),
        if modern { " with heredocs" } else { "" },
        built.duration.as_secs_f64()
    );
    let outcome = engine
        .smoke(
            &SmokeTest::new(&built.image_id)
                .run_label(id)
                .without_network(),
        )
        .expect("the image runs");
    assert_eq!(outcome.exit_code, 0, "{outcome:?}");
    let mut lines: Vec<&str> = outcome.stdout.lines().collect();
    lines.sort();
    assert_eq!(lines.join("\n") + "\n", expected(id, &secret, modern));

    // None of the mounts left its files in the image (their mount points
    // may stay, empty; the secret's target holds nothing).
    let absent = engine
        .smoke(
            &SmokeTest::new(&built.image_id)
                .run_label(id)
                .without_network()
                .args([
                    "/bin/sh",
                    "-c",
                    "for p in /cache /again /mnt /scratch /sized; do find $p -mindepth 1; done \
                     2>/dev/null; if [ -s /run/token ]; then echo /run/token; fi",
                ]),
        )
        .expect("the image runs");
    assert_eq!(absent.stdout, "", "files of a mount are in the image");

    let saved = std::process::Command::new("docker")
        .args(["-H", engine.host(), "save", &tag])
        .output()
        .expect("docker save");
    assert!(saved.status.success(), "{saved:?}");
    assert!(
        !saved
            .stdout
            .windows(secret.len())
            .any(|window| window == secret.as_bytes()),
        "the secret is in the saved image"
    );
    let docker = engine.as_async().docker();
    let inspected = engine
        .block_on(docker.inspect_image(&tag))
        .expect("inspect");
    assert!(!format!("{inspected:?}").contains(&secret));
    let history = engine
        .block_on(docker.image_history(&tag))
        .expect("history");
    for item in &history {
        assert!(!item.created_by.contains(&secret), "{}", item.created_by);
    }
}

#[test]
fn run_forms_build_on_the_host_daemon() {
    let Some(run) = TestRun::start("run-forms") else {
        return;
    };
    builds_and_checks(&run, false);
}

#[test]
fn run_forms_and_heredocs_build_on_the_modern_daemon() {
    let Some(run) = TestRun::modern("run-forms-modern") else {
        return;
    };
    builds_and_checks(&run, true);
}

/// A secret as an environment variable (`env=`): where the daemon's
/// frontend reads the option, the RUN sees the value and the image does
/// not keep it; where it does not (BuildKit 0.8's, and Docker 26.1's
/// built-in frontend), the engine refuses the option by name before
/// sending (`builder.rs`'s table of what each daemon builds).
#[test]
fn a_secret_mount_as_an_environment_variable() {
    for run in TestRun::each_daemon("run-forms-env") {
        let (engine, run_id) = (&run.engine, run.id.as_str());
        let secret = format!("s3cret-{run_id}-env");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("token");
        std::fs::write(&path, &secret).expect("writing the secret");
        let mut df = Dockerfile::builder();
        df.anonymous_stage(BASE).run(shell(
            RunSpec::new().mount(Mount::secret(id("token")).env("API_TOKEN").required()),
            &format!("echo {run_id} > /dev/null && printf %s \"$API_TOKEN\" | wc -c > /secret.len"),
        ));
        let dockerfile = df.build().expect("the model builds");
        let options = run
            .options()
            .builder(Builder::BuildKit)
            .quiet()
            .secret("token", SecretSource::File(path));
        match engine.build(&dockerfile, &options) {
            Ok(built) => {
                let outcome = engine
                    .smoke(&SmokeTest::new(&built.image_id).run_label(run_id).args([
                        "/bin/sh",
                        "-c",
                        "cat /secret.len; env",
                    ]))
                    .expect("the image runs");
                assert_eq!(
                    outcome.stdout.lines().next(),
                    Some(secret.len().to_string().as_str())
                );
                assert!(!outcome.stdout.contains(&secret), "{}", outcome.stdout);
            }
            Err(error) => {
                let text = error.to_string();
                assert!(
                    matches!(error, EngineError::NeedsBuildKit { .. })
                        && text.contains("`env=` of a secret mount cannot be built by"),
                    "{}: {text}",
                    engine.host()
                );
                eprintln!(
                    "{}: the daemon's frontend does not read a secret's env=",
                    engine.host()
                );
            }
        }
    }
}

/// `ONBUILD RUN <<EOF` and `ONBUILD COPY <<file`, read from text into the
/// model, build into a base image whose triggers keep their bodies; a build
/// `FROM` it runs them (BuildKit reads heredocs in `ONBUILD` since
/// moby/buildkit#2209; BuildKit 0.8 reads the bodies as instructions, and
/// the engine refuses them there before sending: `tests/engine_precheck.rs`).
#[test]
fn onbuild_heredocs_run_in_the_build_from_the_image() {
    let Some(run) = TestRun::modern("onbuild-heredocs") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.as_str());
    let text = format!(
        "FROM {BASE}\n\
         ONBUILD COPY <<greeting.txt /srv/\nhello from {id}\ngreeting.txt\n\
         ONBUILD RUN <<EOF\nset -eu\necho \"trigger of {id}\" > /srv/ran\nEOF\n"
    );
    let parent = Dockerfile::parse(&text).unwrap_or_else(|errors| panic!("{text}{errors}"));
    assert_eq!(
        parent.render(),
        text,
        "the model renders the triggers as written"
    );
    let tag = format!("stagecraft-test/{id}:onbuild-parent");
    let options = run.options().builder(Builder::BuildKit).tag(&tag).quiet();
    engine
        .build(&parent, &options)
        .unwrap_or_else(|error| panic!("{}: {error}\n{text}", engine.host()));
    let docker = engine.as_async().docker();
    let inspected = engine
        .block_on(docker.inspect_image(&tag))
        .expect("inspect the base");
    let triggers = inspected
        .config
        .and_then(|c| c.on_build)
        .unwrap_or_default();
    assert_eq!(
        triggers,
        [
            format!("COPY <<greeting.txt /srv/\nhello from {id}\ngreeting.txt"),
            format!("RUN <<EOF\nset -eu\necho \"trigger of {id}\" > /srv/ran\nEOF"),
        ],
        "the triggers keep their heredoc bodies"
    );
    let child = Dockerfile::parse(&format!(
        "FROM {tag}\nCMD [\"cat\", \"/srv/greeting.txt\", \"/srv/ran\"]\n"
    ))
    .expect("the child converts");
    assert_eq!(
        built_and_run(&run, &child),
        format!("hello from {id}\ntrigger of {id}\n")
    );
}

/// Builds `model` with BuildKit on `run`'s daemon and runs its `CMD`
/// without a network: what it prints (it must exit 0).
fn built_and_run(run: &TestRun, model: &Dockerfile) -> String {
    let engine = &run.engine;
    let built = engine
        .build(model, &run.options().builder(Builder::BuildKit).quiet())
        .unwrap_or_else(|error| panic!("{}: {error}\n{}", engine.host(), model.render()));
    let outcome = engine
        .smoke(
            &SmokeTest::new(&built.image_id)
                .run_label(&run.id)
                .without_network(),
        )
        .expect("the image runs");
    assert_eq!(outcome.exit_code, 0, "{outcome:?}");
    outcome.stdout
}

/// A build variable in a mount's options (`id=c-${TARGETARCH}` and
/// `id=c-$TARGETARCH`, one cache once expanded) and a bind mount without a
/// target (the build context at the working directory), read from text
/// into the model and built on the modern daemon, whose frontend expands
/// mount options; BuildKit 0.8 takes them literally (two caches), and the
/// engine refuses the variable there before sending (`engine_precheck.rs`).
#[test]
fn mount_variables_expand_and_a_bind_without_target_mounts_the_workdir() {
    let Some(run) = TestRun::modern("mount-variables") else {
        return;
    };
    let id = run.id.as_str();
    let text = format!(
        "FROM {BASE}\n\
         ARG TARGETARCH\n\
         WORKDIR /work\n\
         RUN --mount=type=cache,id=c-{id}-${{TARGETARCH}},target=/c echo \"$TARGETARCH\" > /c/arch\n\
         RUN --mount=type=cache,id=c-{id}-$TARGETARCH,target=/c cp /c/arch /arch\n\
         RUN --mount=type=bind test -f /work/Dockerfile && echo bound > /bound\n\
         CMD [\"cat\", \"/arch\", \"/bound\"]\n"
    );
    let model = Dockerfile::parse(&text).unwrap_or_else(|errors| panic!("{text}{errors}"));
    assert_eq!(
        model.render(),
        text,
        "the model writes the mounts as they were"
    );
    let printed = built_and_run(&run, &model);
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    assert_eq!(printed, format!("{arch}\nbound\n"));
}
