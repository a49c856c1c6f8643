//! `RUN` in the typed model: mounts of every type, `--network`,
//! `--security`, exec form and heredocs, rendered against
//! `tests/golden/run/` and read back.
//!
//! Update the goldens with `UPDATE_EXPECT=1 cargo test --test model_run`.

use expect_test::expect_file;
use stagecraft::model::{
    Heredoc, HeredocScript, Mount, Network, RunSpec, SecretId, Security, Sharing,
};
use stagecraft::{distroless, Dockerfile};

fn id(name: &str) -> SecretId {
    SecretId::new(name).expect("a valid secret id")
}

/// A Dockerfile with every mount type and option, both flags, the exec form
/// and heredocs.
fn every_run_form() -> Dockerfile {
    let mut df = Dockerfile::builder();
    let apt = RunSpec::new()
        .mount(Mount::cache("/var/cache/apt").sharing(Sharing::Locked))
        .mount(Mount::cache("/var/lib/apt").sharing(Sharing::Locked))
        .shell(
            "rm -f /etc/apt/apt.conf.d/docker-clean \\\n \
             && apt-get update \\\n \
             && apt-get install -y --no-install-recommends make=4.3-4.1",
        )
        .unwrap();
    let cache_options = RunSpec::new()
        .mount(
            Mount::cache("/root/.cache/pip")
                .id("pip")
                .sharing(Sharing::Private)
                .from("seed")
                .source("/cache")
                .mode(0o755)
                .uid(1000)
                .gid(1000),
        )
        .mount(Mount::cache("/ro").sharing(Sharing::Shared).read_only())
        .network(Network::Default)
        .shell("pip install numpy==2.1.0")
        .unwrap();
    let bind = RunSpec::new()
        .mount(Mount::bind("/src").source("app").from("seed").read_write())
        .mount(Mount::bind("/context"))
        .mount(Mount::tmpfs("/scratch").size(64 << 20))
        .network(Network::None)
        .shell("make -C /src")
        .unwrap();
    let secrets = RunSpec::new()
        .mount(
            Mount::secret(id("npmrc"))
                .target("/root/.npmrc")
                .required()
                .mode(0o400)
                .uid(0)
                .gid(0),
        )
        .mount(Mount::secret(id("token")).env("API_TOKEN"))
        .mount(
            Mount::ssh()
                .id(id("github"))
                .target("/run/ssh.sock")
                .required()
                .mode(0o600)
                .uid(1)
                .gid(1),
        )
        .mount(Mount::ssh())
        .network(Network::Host)
        .security(Security::Insecure)
        .shell("test -s /root/.npmrc && test -n \"$API_TOKEN\"")
        .unwrap();
    let sandboxed = RunSpec::new()
        .security(Security::Sandbox)
        .exec(["/bin/true"])
        .unwrap();
    let script = RunSpec::new()
        .heredoc(HeredocScript::script(Heredoc::new(
            "EOF",
            "set -eu\nmkdir -p /data\necho \"$HOME\" > /data/home\n",
        )))
        .unwrap();
    let python = RunSpec::new()
        .heredoc(HeredocScript::with_interpreter(
            "python3",
            Heredoc::new("PY", "import os\nprint(os.environ['HOME'])\n").literal(),
        ))
        .unwrap();
    let shebang = RunSpec::new()
        .heredoc(HeredocScript::script(Heredoc::new(
            "EOF",
            "#!/usr/bin/env python3\nprint('no shell here: apt-get install x')\n",
        )))
        .unwrap();
    let several = RunSpec::new()
        .heredoc(HeredocScript::new(
            "<<A cat > /a && <<-'B' cat > /b",
            vec![
                Heredoc::new("A", "one $HOME\n"),
                Heredoc::new("B", "\ttwo $HOME\n").strip_tabs().literal(),
            ],
        ))
        .unwrap();
    df.stage("seed", "debian:bookworm-slim")
        .run(apt)
        .run(cache_options)
        .run(bind)
        .run(secrets)
        .run(sandboxed.into())
        .run(script)
        .run(python)
        .run(shebang)
        .run(several)
        .done();
    df.anonymous_stage(distroless("gcr.io/distroless/static-debian12:nonroot"))
        .run_exec(
            RunSpec::new()
                .mount(Mount::bind("/seed").from("seed"))
                .exec(["/seed/bin/cp", "/seed/a", "/a"])
                .unwrap(),
        );
    df.build().expect("every RUN form builds")
}

#[test]
fn every_run_form_renders() {
    expect_file!["golden/run/every_form.Dockerfile"].assert_eq(&every_run_form().render());
}

#[test]
fn every_run_form_survives_json() {
    let dockerfile = every_run_form();
    let json = serde_json::to_string(&dockerfile).unwrap();
    let again: Dockerfile = serde_json::from_str(&json).unwrap();
    assert_eq!(again, dockerfile);
}
