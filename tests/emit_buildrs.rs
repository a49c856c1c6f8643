//! The README's `build.rs` use, for real: a crate whose build script renders
//! its Dockerfile is built by cargo; a second run of the build script does
//! not rewrite the file, and check mode fails on a stale file with a diff.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;
use std::{fs, thread, time::Duration};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copies the fixture crate into `dir`, pointing its stagecraft dependency
/// at this workspace and pinning versions with this workspace's lock file.
fn fixture_in(dir: &Path) -> PathBuf {
    let crate_dir = dir.join("buildrs-demo");
    let source = workspace().join("tests/fixtures/buildrs-demo");
    fs::create_dir_all(crate_dir.join("src")).unwrap();
    for file in ["build.rs", "src/main.rs"] {
        fs::copy(source.join(file), crate_dir.join(file)).unwrap();
    }
    let manifest = fs::read_to_string(source.join("Cargo.toml"))
        .unwrap()
        .replace(
            "path = \"../../../dsl\"",
            &format!("path = {:?}", workspace().join("dsl")),
        );
    fs::write(crate_dir.join("Cargo.toml"), manifest).unwrap();
    fs::copy(workspace().join("Cargo.lock"), crate_dir.join("Cargo.lock")).unwrap();
    crate_dir
}

fn cargo_build(crate_dir: &Path, check: bool) -> std::process::Output {
    let mut command = Command::new(env!("CARGO"));
    command
        .args(["build", "--offline", "--quiet"])
        .current_dir(crate_dir)
        // Shared with later runs, so only the first one compiles stagecraft.
        .env(
            "CARGO_TARGET_DIR",
            workspace().join("target/buildrs-fixture"),
        )
        .env_remove("STAGECRAFT_CHECK");
    if check {
        command.env("STAGECRAFT_CHECK", "1");
    }
    command.output().expect("cargo runs")
}

fn modified(path: &Path) -> SystemTime {
    fs::metadata(path).unwrap().modified().unwrap()
}

/// Makes cargo re-run the build script by touching it.
fn touch(path: &Path) {
    let text = fs::read(path).unwrap();
    fs::write(path, text).unwrap();
}

#[test]
fn build_script_writes_once_and_checks_in_ci() {
    let temp = tempfile::tempdir().unwrap();
    let crate_dir = fixture_in(temp.path());
    let dockerfile = crate_dir.join("Dockerfile");

    let first = cargo_build(&crate_dir, false);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let text = fs::read_to_string(&dockerfile).unwrap();
    assert!(
        text.starts_with("FROM debian:bookworm-slim AS build\n"),
        "{text}"
    );
    let written_at = modified(&dockerfile);

    // The build script runs again (build.rs changed) but the bytes are the same.
    thread::sleep(Duration::from_millis(1100));
    touch(&crate_dir.join("build.rs"));
    let second = cargo_build(&crate_dir, false);
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert_eq!(
        modified(&dockerfile),
        written_at,
        "the second run rewrote the Dockerfile"
    );

    // Check mode passes on the fresh file...
    let check = cargo_build(&crate_dir, true);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );

    // ...and fails on a stale one, with a diff, without touching it.
    let stale = text.replace("/usr/games/fortune\"]", "/usr/games/fortune\", \"-s\"]");
    fs::write(&dockerfile, &stale).unwrap();
    let check = cargo_build(&crate_dir, true);
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(!check.status.success(), "check mode passed on a stale file");
    assert!(stderr.contains("Dockerfile is stale"), "{stderr}");
    assert!(
        stderr.contains("-ENTRYPOINT [\"/usr/games/fortune\", \"-s\"]"),
        "{stderr}"
    );
    assert!(
        stderr.contains("+ENTRYPOINT [\"/usr/games/fortune\"]"),
        "{stderr}"
    );
    assert_eq!(fs::read_to_string(&dockerfile).unwrap(), stale);
}
