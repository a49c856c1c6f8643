//! The loopback sshd that `scripts/sshd.sh` starts (`setup.sh` runs it):
//! 127.0.0.1:22022 (`STAGECRAFT_SSHD_PORT`), with an `ssh_config` for the
//! client under `/opt/stagecraft/sshd` (`STAGECRAFT_SSHD_DIR`).
//!
//! Shared by the workspace's `tests/engine_ssh.rs` (through `support`) and
//! the CLI's `cli/tests/build.rs` (with `#[path]`): one check, one message.

use std::path::PathBuf;
use std::process::Command;

/// The sshd's client configuration and the address of the host's daemon
/// through it, or `None` after a `skipping:` line (a panic under
/// `STAGECRAFT_REQUIRE_DOCKER=1`).
pub fn sshd_or_skip() -> Option<(PathBuf, String)> {
    let dir = PathBuf::from(
        std::env::var("STAGECRAFT_SSHD_DIR").unwrap_or_else(|_| "/opt/stagecraft/sshd".into()),
    );
    let port = std::env::var("STAGECRAFT_SSHD_PORT").unwrap_or_else(|_| "22022".into());
    let config = dir.join("ssh_config");
    let answers = config.exists()
        && Command::new("ssh")
            .args([
                "-F",
                &config.display().to_string(),
                "stagecraft-sshd",
                "true",
            ])
            .status()
            .is_ok_and(|status| status.success());
    if answers {
        return Some((config, format!("ssh://root@127.0.0.1:{port}")));
    }
    let why = format!(
        "no loopback sshd answers with {} (start it with `bash scripts/sshd.sh`)",
        config.display()
    );
    if std::env::var("STAGECRAFT_REQUIRE_DOCKER").as_deref() == Ok("1") {
        panic!("STAGECRAFT_REQUIRE_DOCKER=1 but {why}");
    }
    eprintln!("skipping: {why}");
    None
}
