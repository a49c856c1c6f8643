//! `ssh://` daemon addresses, reached the way the docker CLI reaches them:
//! `ssh [options] [-l user] [-p port] -- host docker system dial-stdio`, whose
//! standard input and output are the remote daemon's socket.
//!
//! Each connection the client opens to a local socket of this process (in a
//! private temporary directory) is bridged to one such `ssh` process, so the
//! rest of the engine talks to a unix socket as for a local daemon. The
//! user's `ssh` is used as it is configured (`~/.ssh/config`, agent, known
//! hosts, `ControlMaster`), with `BatchMode=yes` so that it never prompts;
//! the remote host needs the `docker` CLI, as for `docker -H ssh://...`.
//! Why not bollard's `ssh` feature: it pulls the `openssh` crate (and its
//! own process and mux handling) into every engine build for one scheme,
//! while this is std alone and behaves as `docker` does.

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The environment variable with extra `ssh` arguments (shell words, e.g.
/// `-F /path/ssh_config`), used when [`ConnectOptions::ssh_options`]
/// gives none.
///
/// [`ConnectOptions::ssh_options`]: super::ConnectOptions::ssh_options
pub const SSH_OPTIONS_ENV: &str = "STAGECRAFT_SSH_OPTIONS";

/// What an `ssh://[user@]host[:port][/remote/socket]` address names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SshTarget {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
    /// The daemon socket on the remote host, when not its default.
    pub socket: Option<String>,
}

impl SshTarget {
    /// Parses an `ssh://` address; the error says what is wrong.
    pub fn parse(address: &str) -> Result<SshTarget, String> {
        let rest = address
            .strip_prefix("ssh://")
            .ok_or("an ssh address starts with ssh://")?;
        let (authority, socket) = match rest.find('/') {
            Some(at) => (&rest[..at], Some(rest[at..].to_string())),
            None => (rest, None),
        };
        let socket = socket.filter(|path| path != "/");
        let (user, host_port) = match authority.rsplit_once('@') {
            Some((user, host)) => (Some(user.to_string()), host),
            None => (None, authority),
        };
        let (host, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
            // [::1]:22
            let (host, after) = bracketed
                .split_once(']')
                .ok_or("an IPv6 host needs its closing `]`")?;
            (host, after.strip_prefix(':'))
        } else {
            match host_port.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (host_port, None),
            }
        };
        let port = port
            .map(|port| {
                port.parse::<u16>()
                    .ok()
                    .filter(|&p| p > 0)
                    .ok_or(format!("the port {port:?} is not a number from 1 to 65535"))
            })
            .transpose()?;
        let bad = |c: char| c.is_whitespace() || c.is_control() || c == '\'' || c == '"';
        if host.is_empty() || host.starts_with('-') || host.contains(bad) {
            return Err("the address names no usable host (ssh://[user@]host[:port])".into());
        }
        if let Some(user) = &user {
            if user.is_empty() || user.starts_with('-') || user.contains(bad) {
                return Err(format!("the user {user:?} cannot be given to ssh"));
            }
        }
        if let Some(socket) = &socket {
            if socket.contains(bad) {
                return Err(format!(
                    "the remote socket path {socket:?} cannot be given to ssh"
                ));
            }
        }
        Ok(SshTarget {
            user,
            host: host.to_string(),
            port,
            socket,
        })
    }

    /// The `ssh` arguments after the program: `options`, then the
    /// destination and the remote command.
    pub fn args(&self, options: &[String]) -> Vec<String> {
        let mut args: Vec<String> = options.to_vec();
        args.extend(["-o", "BatchMode=yes", "-T"].map(String::from));
        if let Some(user) = &self.user {
            args.extend(["-l".to_string(), user.clone()]);
        }
        if let Some(port) = self.port {
            args.extend(["-p".to_string(), port.to_string()]);
        }
        args.extend(["--".to_string(), self.host.clone(), "docker".to_string()]);
        if let Some(socket) = &self.socket {
            args.extend(["--host".to_string(), format!("unix://{socket}")]);
        }
        args.extend(["system", "dial-stdio"].map(String::from));
        args
    }
}

/// A local socket whose every connection is an `ssh ... docker system
/// dial-stdio`; it lives as long as the engine holding it (every clone).
#[derive(Debug)]
pub(crate) struct SshBridge {
    _dir: tempfile::TempDir,
    socket: PathBuf,
    stop: Arc<AtomicBool>,
    children: Arc<Mutex<Vec<Arc<Mutex<Child>>>>>,
    said: Arc<Mutex<String>>,
}

/// How much of what `ssh` writes to standard error is kept for a message.
const SAID_LIMIT: usize = 2048;

impl SshBridge {
    /// Listens on a new private socket and bridges each connection to a
    /// new `ssh` process with these arguments.
    pub fn start(target: &SshTarget, options: &[String]) -> std::io::Result<SshBridge> {
        let dir = tempfile::Builder::new()
            .prefix("stagecraft-ssh-")
            .tempdir()?;
        let socket = dir.path().join("docker.sock");
        let listener = UnixListener::bind(&socket)?;
        let stop = Arc::new(AtomicBool::new(false));
        let children: Arc<Mutex<Vec<Arc<Mutex<Child>>>>> = Arc::default();
        let said = Arc::new(Mutex::new(String::new()));
        let args = target.args(options);
        let (stopped, kept, heard) = (stop.clone(), children.clone(), said.clone());
        std::thread::Builder::new()
            .name("stagecraft-ssh-bridge".into())
            .spawn(move || {
                for connection in listener.incoming() {
                    if stopped.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(connection) = connection else { continue };
                    match bridge(connection, &args, &heard) {
                        Ok(child) => {
                            let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
                            kept.retain(|child| {
                                let mut child = child.lock().unwrap_or_else(|e| e.into_inner());
                                matches!(child.try_wait(), Ok(None))
                            });
                            kept.push(child);
                        }
                        Err(error) => remember(&heard, &format!("cannot run ssh: {error}")),
                    }
                }
            })?;
        Ok(SshBridge {
            _dir: dir,
            socket,
            stop,
            children,
            said,
        })
    }

    /// The local socket, as a `unix://` address.
    pub fn uri(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// What `ssh` last wrote to its standard error (the reason a connection
    /// failed: "Permission denied (publickey)", "Could not resolve
    /// hostname", "docker: command not found"), if anything.
    pub fn said(&self) -> Option<String> {
        let said = self.said.lock().unwrap_or_else(|e| e.into_inner());
        let text = said.trim();
        (!text.is_empty()).then(|| text.lines().collect::<Vec<_>>().join("; "))
    }
}

impl Drop for SshBridge {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag and ends.
        let _ = UnixStream::connect(&self.socket);
        for child in self
            .children
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            let mut child = child.lock().unwrap_or_else(|e| e.into_inner());
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Appends to what ssh said, keeping the last [`SAID_LIMIT`] bytes.
fn remember(said: &Mutex<String>, text: &str) {
    let mut said = said.lock().unwrap_or_else(|e| e.into_inner());
    said.push_str(text);
    if !text.ends_with('\n') {
        said.push('\n');
    }
    if said.len() > SAID_LIMIT {
        let mut cut = said.len() - SAID_LIMIT;
        while !said.is_char_boundary(cut) {
            cut += 1;
        }
        said.drain(..cut);
    }
}

/// Starts one `ssh` for `connection` and copies both ways on threads of
/// their own; the child is reaped when its output ends.
fn bridge(
    connection: UnixStream,
    args: &[String],
    said: &Arc<Mutex<String>>,
) -> std::io::Result<Arc<Mutex<Child>>> {
    let mut child = Command::new("ssh")
        .args(args)
        .env_remove("STAGECRAFT_SSH_DEBUG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let (Some(mut stdin), Some(mut stdout), Some(mut stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        let _ = child.kill();
        return Err(std::io::Error::other("ssh started without its pipes"));
    };
    let child = Arc::new(Mutex::new(child));
    let mut to_ssh = connection.try_clone()?;
    let mut from_ssh = connection;
    std::thread::spawn(move || {
        let _ = pump(&mut to_ssh, &mut stdin);
        // Dropping stdin tells the remote side the client has gone.
    });
    let heard = said.clone();
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        if !text.trim().is_empty() {
            remember(&heard, &text);
        }
    });
    let reaped = child.clone();
    std::thread::spawn(move || {
        let _ = pump(&mut stdout, &mut from_ssh);
        // What ssh said is kept before the client sees the connection end:
        // it is the reason given for a connection that failed.
        let _ = errors.join();
        let _ = from_ssh.flush();
        let _ = from_ssh.shutdown(std::net::Shutdown::Both);
        // Reap without holding the lock while waiting: Drop may kill it.
        loop {
            match reaped.lock().unwrap_or_else(|e| e.into_inner()).try_wait() {
                Ok(None) => {}
                _ => return,
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    Ok(child)
}

/// Copies `from` to `to` until `from` ends, each read passed on at once.
///
/// Not `std::io::copy`: on Linux it moves pipe data to a socket with
/// `splice(2)`, and on this project's machines (kernel 6.18) a `splice` from
/// ssh's stdout pipe into the client's unix socket never returned although
/// ssh had written the daemon's whole answer (seen with strace): the client
/// waited for ever. A plain read/write loop has no such path.
fn pump(from: &mut impl Read, to: &mut impl Write) -> std::io::Result<u64> {
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total = 0;
    loop {
        let read = match from.read(&mut buffer) {
            Ok(0) => return Ok(total),
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        to.write_all(&buffer[..read])?;
        to.flush()?;
        total += read as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::SshTarget;

    #[test]
    fn addresses_become_the_docker_clis_ssh_command() {
        let target = SshTarget::parse("ssh://root@127.0.0.1:22022").unwrap();
        assert_eq!(
            target.args(&["-F".into(), "/x/ssh_config".into()]).join(" "),
            "-F /x/ssh_config -o BatchMode=yes -T -l root -p 22022 -- 127.0.0.1 docker system dial-stdio"
        );
        let target = SshTarget::parse("ssh://builder/run/stagecraft-modern/docker.sock").unwrap();
        assert_eq!(
            target.args(&[]).join(" "),
            "-o BatchMode=yes -T -- builder docker --host unix:///run/stagecraft-modern/docker.sock system dial-stdio"
        );
        let target = SshTarget::parse("ssh://me@[::1]:2222").unwrap();
        assert_eq!((target.host.as_str(), target.port), ("::1", Some(2222)));
        assert_eq!(SshTarget::parse("ssh://host/").unwrap().socket, None);
    }

    #[test]
    fn unusable_addresses_say_why() {
        for (address, says) in [
            ("ssh://", "no usable host"),
            ("ssh://-oProxyCommand=x", "no usable host"),
            ("ssh://host:0", "port \"0\""),
            ("ssh://host:ssh", "port \"ssh\""),
            ("ssh://-l@host", "the user"),
            ("ssh://[::1", "closing `]`"),
            ("ssh://a b", "no usable host"),
        ] {
            let error = SshTarget::parse(address).unwrap_err();
            assert!(error.contains(says), "{address}: {error}");
        }
    }
}
