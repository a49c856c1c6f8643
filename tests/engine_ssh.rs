//! The engine on an `ssh://` daemon, against the loopback sshd that
//! `scripts/sshd.sh` starts (`setup.sh` runs it): 127.0.0.1:22022, its own
//! host key, and one authorized key, with an `ssh_config` for the client
//! under `/opt/stagecraft/sshd` (`STAGECRAFT_SSHD_DIR`). Behind it,
//! `docker system dial-stdio` reaches the host's daemon.
//!
//! Without that sshd each test prints one `skipping:` line, unless
//! `STAGECRAFT_REQUIRE_DOCKER=1` (CI), where it fails.

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use stagecraft::engine::blocking::Engine;
use stagecraft::engine::{
    Builder, ConnectOptions, EngineError, ProgressMode, SecretSource, SmokeTest, DEFAULT_HOST,
    SSH_OPTIONS_ENV,
};

mod support;
use support::sshd::sshd_or_skip;
use support::TestRun;

const BASE: &str = "debian:bookworm-slim";

/// A build through `ssh://`: the context, the BuildKit session and the
/// status stream all go through `ssh ... docker system dial-stdio`; the
/// image runs, and the run's cleanup goes the same way.
#[test]
fn a_build_through_ssh_runs_like_a_local_one() {
    let Some((config, host)) = sshd_or_skip() else {
        return;
    };
    let options = ConnectOptions::new()
        .host(&host)
        .ssh_options(["-F", &config.display().to_string()])
        .connect_timeout(Duration::from_secs(20));
    let engine = Engine::connect_with(&options).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(engine.host(), host);
    println!("{host}: API {}", engine.api_version());
    let run = TestRun::with(engine, "ssh");
    let (engine, id) = (&run.engine, run.id.clone());
    let text = format!("FROM {BASE}\nRUN echo {id} > /id\nCMD [\"cat\", \"/id\"]\n");
    for builder in [Builder::BuildKit, Builder::Classic] {
        let built = engine
            .build_text(&text, &run.options().builder(builder).quiet())
            .unwrap_or_else(|e| panic!("{builder:?} through {host}: {e:#}"));
        assert_eq!(built.builder, builder);
        let ran = engine
            .smoke(&SmokeTest::new(&built.image_id).run_label(&id))
            .expect("the image runs");
        assert_eq!((ran.exit_code, ran.stdout.trim()), (0, id.as_str()));
    }
    // The same image as the local daemon sees it: ssh reached the host's.
    if let Ok(local) = Engine::connect_with(&ConnectOptions::new().host(DEFAULT_HOST)) {
        let through_ssh = engine.inspect(BASE).expect("inspect over ssh");
        assert_eq!(local.inspect(BASE).expect("inspect").id, through_ssh.id);
    }
}

/// A secret through `ssh://`: BuildKit asks the client's session for it
/// while the `RUN` runs, so its value travels back over the same ssh
/// connection. The `RUN` reads it (its length and digest are in the image),
/// and it is in no layer, configuration, history or progress line (the
/// `RUN` prints it; the log shows `***`).
#[test]
fn a_secret_build_through_ssh_reads_the_secret_and_keeps_it_out() {
    let Some((config, host)) = sshd_or_skip() else {
        return;
    };
    let options = ConnectOptions::new()
        .host(&host)
        .ssh_options(["-F", &config.display().to_string()])
        .connect_timeout(Duration::from_secs(20));
    let engine = Engine::connect_with(&options).unwrap_or_else(|e| panic!("{e}"));
    let run = TestRun::with(engine, "ssh-secret");
    let (engine, id) = (&run.engine, run.id.clone());
    let secret = format!("s3cret-{id}-over-ssh");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    std::fs::write(&path, &secret).unwrap();
    let tag = format!("stagecraft-test/{id}:ssh-secret");
    let text = format!(
        "FROM {BASE}\n\
         RUN --mount=type=secret,id=token,required=true echo {id} > /dev/null \\\n    \
         && wc -c < /run/secrets/token > /secret.len \\\n    \
         && sha256sum < /run/secrets/token | cut -d' ' -f1 > /secret.sum \\\n    \
         && echo \"leak: $(cat /run/secrets/token)\"\n\
         CMD [\"cat\", \"/secret.len\", \"/secret.sum\"]\n"
    );
    let log = Arc::new(Mutex::new(Vec::<u8>::new()));
    let built = engine
        .build_text(
            &text,
            &run.options()
                .builder(Builder::BuildKit)
                .tag(&tag)
                .no_cache(true)
                .progress(ProgressMode::Plain)
                .progress_writer(log.clone())
                .secret("token", SecretSource::File(path)),
        )
        .unwrap_or_else(|e| panic!("a secret build through {host}: {e:#}"));
    let ran = engine
        .smoke(&SmokeTest::new(&built.image_id).run_label(&id))
        .expect("the image runs");
    let digest = Command::new("sha256sum")
        .arg(dir.path().join("token"))
        .output()
        .unwrap();
    let digest = String::from_utf8_lossy(&digest.stdout);
    let digest = digest.split_whitespace().next().unwrap();
    assert_eq!(
        ran.stdout,
        format!("{}\n{digest}\n", secret.len()),
        "the RUN read the secret"
    );

    // The progress went through ssh too, the secret masked in it.
    let log = String::from_utf8(log.lock().unwrap().clone()).unwrap();
    assert!(log.contains("leak: ***"), "{log}");
    assert!(!log.contains(&secret), "{log}");

    // Nowhere in the image: its layers (saved from the daemon behind the
    // sshd, the host's), its configuration, its history.
    let saved = Command::new("docker")
        .args(["-H", DEFAULT_HOST, "save", &tag])
        .output()
        .expect("docker save");
    assert!(saved.status.success(), "{saved:?}");
    assert!(
        saved.stdout.len() > 1_000_000,
        "{} bytes saved",
        saved.stdout.len()
    );
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
    for item in engine
        .block_on(docker.image_history(&tag))
        .expect("history")
    {
        assert!(!item.created_by.contains(&secret), "{}", item.created_by);
    }
}

/// `DOCKER_HOST=ssh://...` (with `STAGECRAFT_SSH_OPTIONS` for the client's
/// configuration) is what `Engine::connect` uses: this test runs the
/// ignored one below in a process of its own with those variables set.
#[test]
fn docker_host_may_be_an_ssh_address() {
    let Some((config, host)) = sshd_or_skip() else {
        return;
    };
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "connects_as_docker_host_says",
            "--ignored",
            "--nocapture",
        ])
        .env("DOCKER_HOST", &host)
        .env(SSH_OPTIONS_ENV, format!("-F '{}'", config.display()))
        .env("STAGECRAFT_SSH_CHILD", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&format!("connected to {host}, API 1.")),
        "{stdout}"
    );
}

/// Run by [`docker_host_may_be_an_ssh_address`] with `DOCKER_HOST` set.
#[test]
#[ignore = "run by docker_host_may_be_an_ssh_address, with DOCKER_HOST set"]
fn connects_as_docker_host_says() {
    assert_eq!(std::env::var("STAGECRAFT_SSH_CHILD").as_deref(), Ok("1"));
    let host = std::env::var("DOCKER_HOST").unwrap();
    let engine = Engine::connect().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(engine.host(), host);
    let ran = engine
        .smoke(&SmokeTest::new(BASE).args(["true"]))
        .expect("a container runs over ssh");
    assert_eq!(ran.exit_code, 0);
    println!("connected to {host}, API {}", engine.api_version());
}

/// A key the sshd does not know: `NoDaemon`, with what ssh said.
#[test]
fn a_refused_key_is_no_daemon_with_what_ssh_said() {
    let Some((config, host)) = sshd_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("stranger");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(made.success());
    let known_hosts = config.with_file_name("known_hosts");
    let options = ConnectOptions::new()
        .host(&host)
        .ssh_options([
            "-F".to_string(),
            "/dev/null".to_string(),
            "-o".to_string(),
            format!("UserKnownHostsFile={}", known_hosts.display()),
            "-o".to_string(),
            "IdentitiesOnly=yes".to_string(),
            "-i".to_string(),
            key.display().to_string(),
        ])
        .connect_timeout(Duration::from_secs(20));
    match Engine::connect_with(&options) {
        Err(error @ EngineError::NoDaemon { .. }) => {
            let text = error.to_string();
            println!("{text}");
            assert!(
                text.starts_with(&format!("no Docker daemon at {host}: ")),
                "{text}"
            );
            assert!(text.contains("ssh said: "), "{text}");
            assert!(text.contains("Permission denied (publickey)"), "{text}");
        }
        other => panic!("expected NoDaemon, got {other:?}"),
    }
    // An address ssh cannot be given is refused before anything runs.
    match Engine::connect_with(&ConnectOptions::new().host("ssh://-oProxyCommand=x")) {
        Err(error @ EngineError::InvalidHost { .. }) => {
            assert!(error.to_string().contains("no usable host"), "{error}")
        }
        other => panic!("expected InvalidHost, got {other:?}"),
    }
}
