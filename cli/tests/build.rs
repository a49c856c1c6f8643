//! `stagecraft build`: a small catalogue tree built against the real daemon
//! (a lint error holding back one image and its child only), then the
//! errors for bad input, which need no daemon.

use std::path::Path;
use std::process::{Command, Output};

use stagecraft::engine::blocking::Engine;

// The loopback sshd check, shared with the workspace's tests/engine_ssh.rs.
#[path = "../../tests/support/sshd.rs"]
mod sshd;
use sshd::sshd_or_skip;

const BIN: &str = env!("CARGO_BIN_EXE_stagecraft");

fn stagecraft(dir: &Path, args: &[&str]) -> Output {
    stagecraft_with(dir, args, &[])
}

/// `stagecraft build` with `env` set besides.
fn stagecraft_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(BIN)
        .arg("build")
        .args(args)
        .current_dir(dir)
        // A hadolint configuration of the environment stays out of it.
        .env_remove("HADOLINT_IGNORE")
        .env_remove("STAGECRAFT_HOSTS")
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs")
}

/// A run id no other test run uses: `cli-<what>-<pid>-<nanos>`.
fn run_id(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("cli-{what}-{}-{nanos}", std::process::id())
}

/// A tree of two images prefixed with `run`: `base` and
/// `tools/hello/1`, built FROM it, whose smoke test expects `hello <run>`.
fn write_base_and_hello(root: &Path, run: &str) {
    write(
        root,
        "catalogue.toml",
        &format!(
            "prefix = \"{run}\"\n\
             [images.\"tools/hello/1/Dockerfile\"]\n\
             smoke = {{ stdout_contains = \"hello {run}\" }}\n"
        ),
    );
    write(
        root,
        "base/Dockerfile",
        &format!("FROM debian:bookworm-slim\nRUN echo {run} > /etc/site-run\n"),
    );
    write(
        root,
        "tools/hello/1/Dockerfile",
        &format!(
            "FROM {run}/base:latest\nRUN echo hello $(cat /etc/site-run) > /etc/hello\n\
             CMD [\"cat\", \"/etc/hello\"]\n"
        ),
    );
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The engine, or `None` after one `skipping:` line (a panic under
/// `STAGECRAFT_REQUIRE_DOCKER=1`).
fn engine_or_skip() -> Option<Engine> {
    match Engine::connect() {
        Ok(engine) => Some(engine),
        Err(error) => {
            if std::env::var("STAGECRAFT_REQUIRE_DOCKER").as_deref() == Ok("1") {
                panic!("STAGECRAFT_REQUIRE_DOCKER=1 but no Docker daemon answers ({error})");
            }
            eprintln!("skipping: no Docker daemon ({error})");
            None
        }
    }
}

/// Removes the run's images, also on a panic.
struct Cleanup(Engine, String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = self.0.cleanup(&self.1);
    }
}

/// The table row of `image`, split in cells.
fn row<'a>(table: &'a str, image: &str) -> Vec<&'a str> {
    table
        .lines()
        .find(|line| line.split_whitespace().next() == Some(image))
        .unwrap_or_else(|| panic!("no row for {image} in:\n{table}"))
        .split("  ")
        .map(str::trim)
        .filter(|cell| !cell.is_empty())
        .collect()
}

#[test]
fn a_tree_builds_but_the_image_with_lint_errors_and_its_child() {
    let Some(engine) = engine_or_skip() else {
        return;
    };
    let run = run_id("build");
    let _cleanup = Cleanup(engine, run.clone());
    let tree = tempfile::tempdir().unwrap();
    let root = tree.path();
    write_base_and_hello(root, &run);
    // SCR001: `apt-get install` without `apt-get update`, an error.
    write(
        root,
        "tools/broken/1/Dockerfile",
        &format!(
            "FROM {run}/base:latest\nRUN apt-get install -y --no-install-recommends \
             busybox=1:1.35.0-4+b3 && rm -rf /var/lib/apt/lists/*\n"
        ),
    );
    write(
        root,
        "apps/onbroken/1/Dockerfile",
        &format!("FROM {run}/tools/broken:1\nRUN true\n"),
    );

    let json = root.join("report.json");
    let chart = root.join("chart.svg");
    let args = [
        ".",
        "--plain",
        "--run-label",
        &run,
        "--report-json",
        json.to_str().unwrap(),
        "--chart",
        chart.to_str().unwrap(),
    ];
    let first = stagecraft(root, &args);
    let (stdout, stderr) = (text(&first.stdout), text(&first.stderr));
    println!("{stdout}\n{stderr}");
    assert_eq!(first.status.code(), Some(1), "{stdout}\n{stderr}");

    // The lint's finding, as `stagecraft lint` shows it.
    assert!(stderr.contains("SCR001"), "{stderr}");
    assert!(stderr.contains("tools/broken/1/Dockerfile"), "{stderr}");
    // Plain progress lines: `HH:MM:SSZ [  1.2s] base: started on ...`.
    let started = stderr
        .lines()
        .find(|line| line.contains("base: started on unix://"))
        .unwrap_or_else(|| panic!("no progress line in:\n{stderr}"));
    assert_eq!(&started[8..11], "Z [", "{started}");

    assert_eq!(row(&stdout, "base")[1], "built", "{stdout}");
    let hello = row(&stdout, "tools/hello/1");
    assert_eq!(hello[1], "built", "{stdout}");
    assert_eq!(hello[6], format!("{run}/base:latest"), "{stdout}");
    assert_eq!(hello.last(), Some(&"passed"), "{stdout}");
    assert_eq!(
        row(&stdout, "tools/broken/1")[1..4],
        ["not built", "-", "0.0s"]
    );
    assert_eq!(row(&stdout, "apps/onbroken/1")[1], "not built");
    assert!(
        stdout.contains(
            "tools/broken/1 not built: lint errors: SCR001 (line 2) (see `stagecraft lint \
             ./tools/broken/1/Dockerfile`; fix them, or --ignore the rule)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("apps/onbroken/1 not built: its parent tools/broken/1 has lint errors"),
        "{stdout}"
    );
    assert!(
        stdout
            .contains("4 images: 2 built, 0 cached, 0 skipped (unchanged), 0 failed, 2 not built"),
        "{stdout}"
    );

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let statuses: Vec<(&str, &str)> = report["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|image| {
            (
                image["name"].as_str().unwrap(),
                image["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("base", "built"),
            ("tools/broken/1", "not_built"),
            ("apps/onbroken/1", "not_built"),
            ("tools/hello/1", "built"),
        ]
    );
    assert_eq!(report["totals"]["built"], 2);
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{svg}"
    );
    assert!(svg.contains(">tools/hello/1</text>"), "{svg}");
    // The two held back have a mark each (and one in the legend), and say why.
    assert_eq!(svg.matches("stroke-dasharray=\"3 2\"").count(), 3, "{svg}");
    assert!(
        svg.contains(">not built: lint errors: SCR001 (line 2)</text>"),
        "{svg}"
    );
    assert!(
        svg.contains(">not built: its parent tools/broken/1 has lint errors</text>"),
        "{svg}"
    );

    // Again: nothing changed, so nothing is built.
    let second = stagecraft(root, &args);
    let stdout = text(&second.stdout);
    assert_eq!(second.status.code(), Some(1), "{stdout}");
    assert_eq!(row(&stdout, "base")[1], "skipped (unchanged)", "{stdout}");
    assert_eq!(
        row(&stdout, "tools/hello/1")[1],
        "skipped (unchanged)",
        "{stdout}"
    );

    // --only: the image and its parent, nothing else (the broken one is
    // neither linted nor in the report), the parent skipped as unchanged.
    write(
        root,
        "tools/hello/1/Dockerfile",
        &format!(
            "FROM {run}/base:latest\nRUN echo hello $(cat /etc/site-run) > /etc/hello\n\
             RUN echo again > /etc/again\nCMD [\"cat\", \"/etc/hello\"]\n"
        ),
    );
    let only = stagecraft(
        root,
        &[
            ".",
            "--plain",
            "--run-label",
            &run,
            "--only",
            "tools/hello/1",
        ],
    );
    let (stdout, stderr) = (text(&only.stdout), text(&only.stderr));
    // 0: every image of the run exists and passed; the broken one is not in it.
    assert_eq!(only.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stderr.contains(
            "stagecraft: --only tools/hello/1: 2 of the catalogue's 4 images (with what they \
             are built from)"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("SCR001"), "{stderr}");
    assert_eq!(row(&stdout, "base")[1], "skipped (unchanged)", "{stdout}");
    let hello = row(&stdout, "tools/hello/1");
    assert_eq!(hello[1], "built", "{stdout}");
    assert_eq!(hello.last(), Some(&"passed"), "{stdout}");
    assert!(!stdout.contains("broken"), "{stdout}");
    assert!(
        stdout
            .contains("2 images: 1 built, 0 cached, 1 skipped (unchanged), 0 failed, 0 not built"),
        "{stdout}"
    );

    // A name that is no image's: exit 2, with the names that come close.
    let unknown = stagecraft(root, &[".", "--only", "hello"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert_eq!(
        text(&unknown.stderr),
        "stagecraft: error: no image of the catalogue is named or tagged \"hello\" (did you \
         mean tools/hello/1?); give an image's name (the report's first column, e.g. \
         tools/jq/1.6) or one of its tags\n"
    );
}

/// `COPY --from=NAME` of a catalogue image named bare (its tag
/// `NAME:latest`) copies from that image, built first: the lint is given
/// it as a named context, so no SCR023; a name the catalogue lacks is
/// still one. No daemon needed: the lint runs before the daemons are asked.
#[test]
fn the_lint_knows_the_catalogue_images_a_build_copies_from() {
    let tree = tempfile::tempdir().unwrap();
    let root = tree.path();
    write(
        root,
        "base/Dockerfile",
        "FROM debian:bookworm-slim\nRUN echo base > /etc/site-base\n",
    );
    write(
        root,
        "app/Dockerfile",
        "FROM debian:bookworm-slim\nCOPY --from=base /etc/site-base /etc/\n\
         COPY --from=nosuch /x /x\n",
    );
    let missing = root.join("no-daemon.sock");
    let hosts = format!("unix://{}", missing.display());
    let output = stagecraft(root, &[".", "--hosts", &hosts, "--plain"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let scr023: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("SCR023"))
        .collect();
    assert_eq!(scr023.len(), 1, "{stderr}");
    assert!(
        scr023[0].starts_with(
            "./app/Dockerfile:3: error[SCR023/DL3022]: `COPY --from=nosuch` names no earlier stage"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("\n1 error, 0 warnings, 0 infos in 1 file\n"),
        "{stderr}"
    );
}

/// The same on a daemon: the image that copies from a catalogue image
/// named bare is linted clean, built after it, and holds its file.
#[test]
fn an_image_copying_from_a_catalogue_image_named_bare_builds() {
    let Some(engine) = engine_or_skip() else {
        return;
    };
    let run = run_id("ctx");
    let _cleanup = Cleanup(engine, run.clone());
    let tree = tempfile::tempdir().unwrap();
    let root = tree.path();
    write(
        root,
        "catalogue.toml",
        &format!(
            "[images.\"base/Dockerfile\"]\ntags = [\"{run}-base:latest\"]\n\
             [images.\"app/Dockerfile\"]\ntags = [\"{run}-app:1\"]\n\
             smoke = {{ args = [\"cat\", \"/etc/site-base\"], stdout_contains = \"base {run}\" }}\n"
        ),
    );
    write(
        root,
        "base/Dockerfile",
        &format!("FROM debian:bookworm-slim\nRUN echo base {run} > /etc/site-base\n"),
    );
    // Declared first, so only the graph puts the base before it.
    write(
        root,
        "app/Dockerfile",
        &format!("FROM debian:bookworm-slim\nCOPY --from={run}-base /etc/site-base /etc/\n"),
    );
    let output = stagecraft(root, &[".", "--plain", "--run-label", &run]);
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    println!("{stdout}\n{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(!stderr.contains("SCR023"), "{stderr}");
    assert_eq!(row(&stdout, "base")[1], "built", "{stdout}");
    let app = row(&stdout, "app");
    assert_eq!(app[1], "built", "{stdout}");
    assert_eq!(app.last(), Some(&"passed"), "{stdout}");
    let base_at = stdout.find("\nbase ").expect("a base row");
    let app_at = stdout.find("\napp ").expect("an app row");
    assert!(base_at < app_at, "built in order:\n{stdout}");
}

#[test]
fn a_bad_manifest_says_where_and_what() {
    let tree = tempfile::tempdir().unwrap();
    write(
        tree.path(),
        "base/Dockerfile",
        "FROM debian:bookworm-slim\n",
    );
    write(
        tree.path(),
        "catalogue.toml",
        "[images.\"base/Dockerfile\"]\ntag = \"site/base:1\"\n",
    );
    let output = stagecraft(tree.path(), &["catalogue.toml"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(text(&output.stdout), "");
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with(
            "stagecraft: error: manifest ./catalogue.toml: TOML parse error at line 2, column 1"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("unknown field `tag`"), "{stderr}");
}

#[test]
fn nothing_to_build_and_no_daemon_are_errors_with_the_fix() {
    let tree = tempfile::tempdir().unwrap();
    let output = stagecraft(tree.path(), &[]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        text(&output.stderr),
        "stagecraft: error: no Dockerfile found under .: a catalogue holds files named \
         Dockerfile or Dockerfile.<variant> (hidden directories and target/ are left out)\n"
    );

    write(
        tree.path(),
        "base/Dockerfile",
        "FROM debian:bookworm-slim\n",
    );
    let missing = tree.path().join("no-daemon.sock");
    let hosts = format!("unix://{}", missing.display());
    let output = stagecraft(tree.path(), &["--hosts", &hosts, "--plain"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("stagecraft: error: no daemon of the pool answers: "),
        "{stderr}"
    );
    assert!(
        stderr.ends_with(
            "(is dockerd running, and can you use its socket? check --hosts, STAGECRAFT_HOSTS \
             and DOCKER_HOST)\n"
        ),
        "{stderr}"
    );

    // ssh:// is a daemon address now (engine/ssh.rs); a bad one is named.
    let output = stagecraft(tree.path(), &["--hosts", "ssh://build-1:0"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("the port \"0\" is not a number from 1 to 65535"),
        "{}",
        text(&output.stderr)
    );
}

/// `--hosts ssh://...`: the catalogue's builds, smoke test and report go
/// through `ssh ... docker system dial-stdio` (the client's options from
/// `STAGECRAFT_SSH_OPTIONS`), and the images are on the daemon behind it.
#[test]
fn a_catalogue_builds_on_an_ssh_daemon() {
    let Some(engine) = engine_or_skip() else {
        return;
    };
    let Some((config, host)) = sshd_or_skip() else {
        return;
    };
    let run = run_id("ssh");
    let cleanup = Cleanup(engine, run.clone());
    let tree = tempfile::tempdir().unwrap();
    let root = tree.path();
    write_base_and_hello(root, &run);
    let json = root.join("report.json");
    let args = [".", "--plain", "--run-label", &run, "--hosts", &host];
    let output = stagecraft_with(
        root,
        &[&args[..], &["--report-json", json.to_str().unwrap()]].concat(),
        &[(
            "STAGECRAFT_SSH_OPTIONS",
            &format!("-F '{}'", config.display()),
        )],
    );
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    println!("{stdout}\n{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let images = report["images"].as_array().expect("images in the report");
    assert_eq!(images.len(), 2, "{report:#}");
    for image in images {
        assert_eq!(image["daemon"], host.as_str(), "{image:#}");
        assert_eq!(image["status"], "built", "{image:#}");
    }
    // The sshd reaches the host's daemon: the images are there.
    for image in images {
        let id = image["image_id"].as_str().expect("an image id");
        assert_eq!(
            cleanup
                .0
                .inspect(id)
                .expect("built on the daemon behind ssh")
                .id,
            id
        );
    }
}
