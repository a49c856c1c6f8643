//! The daemons a catalogue is built on: addresses and concurrent builds.

use crate::engine::{ConnectOptions, DEFAULT_HOST};

use super::CatalogueError;

/// The environment variable [`Endpoint::from_env`] reads: a list of daemon
/// addresses, e.g. `unix:///var/run/docker.sock,tcp://10.0.0.2:2375*4`.
pub const HOSTS_ENV: &str = "STAGECRAFT_HOSTS";

/// One daemon of the pool and how many builds it runs at once.
///
/// ```
/// use stagecraft::catalogue::Endpoint;
///
/// let pool = Endpoint::parse_list("local, tcp://10.0.0.2:2375*4 unix:///run/b.sock", 2)?;
/// assert_eq!(pool[0], Endpoint::new("unix:///var/run/docker.sock", 2));
/// assert_eq!(pool[1], Endpoint::new("tcp://10.0.0.2:2375", 4));
/// assert_eq!(pool[2].jobs, 2);
/// assert_eq!(Endpoint::parse_list("ssh://root@builder:2222*3", 1)?, [Endpoint::new("ssh://root@builder:2222", 3)]);
/// assert!(Endpoint::parse_list("ssh://builder:0", 1).unwrap_err().to_string().contains("port"));
/// # Ok::<(), stagecraft::catalogue::CatalogueError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The address: `unix:///path`, `tcp://host:port`, `http://host:port`
    /// or `ssh://[user@]host[:port]`.
    pub host: String,
    /// Concurrent builds (at least 1).
    pub jobs: usize,
}

impl Endpoint {
    /// A daemon at `host` with `jobs` concurrent builds.
    pub fn new(host: impl Into<String>, jobs: usize) -> Endpoint {
        Endpoint {
            host: host.into(),
            jobs: jobs.max(1),
        }
    }

    /// The local daemon (`DOCKER_HOST`, else the local socket).
    pub fn local(jobs: usize) -> Endpoint {
        Endpoint::new(ConnectOptions::new().resolved_host(), jobs)
    }

    /// Parses a list of addresses separated by commas or whitespace; each
    /// may end in `*N` for its own number of jobs; `local` is the local socket.
    ///
    /// # Errors
    ///
    /// [`CatalogueError::Endpoint`] for an unknown scheme, a bad `*N`, or an
    /// empty list.
    pub fn parse_list(list: &str, default_jobs: usize) -> Result<Vec<Endpoint>, CatalogueError> {
        let mut endpoints = Vec::new();
        for item in list
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|item| !item.is_empty())
        {
            let bad = |reason: &str| CatalogueError::Endpoint {
                address: item.to_string(),
                reason: reason.to_string(),
            };
            let (address, jobs) = match item.rsplit_once('*') {
                Some((address, jobs)) => {
                    let jobs: usize = jobs
                        .parse()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or_else(|| bad("`*N` must be a positive number of jobs"))?;
                    (address, jobs)
                }
                None => (item, default_jobs),
            };
            let host = if address == "local" {
                DEFAULT_HOST.to_string()
            } else if address.starts_with("ssh://") {
                // Reached through `ssh ... docker system dial-stdio`, as the
                // docker CLI does (engine/ssh.rs).
                crate::engine::ssh::SshTarget::parse(address).map_err(|reason| bad(&reason))?;
                address.to_string()
            } else if ["unix://", "tcp://", "http://"]
                .iter()
                .any(|scheme| address.starts_with(scheme))
            {
                address.to_string()
            } else {
                return Err(bad(
                    "use unix:///path, tcp://host:port, http://host:port, ssh://[user@]host[:port] \
                     or local",
                ));
            };
            endpoints.push(Endpoint::new(host, jobs));
        }
        if endpoints.is_empty() {
            return Err(CatalogueError::Endpoint {
                address: list.to_string(),
                reason: "the list names no daemon".into(),
            });
        }
        Ok(endpoints)
    }

    /// The pool [`HOSTS_ENV`] lists, else the local daemon alone.
    ///
    /// # Errors
    ///
    /// As [`Endpoint::parse_list`].
    pub fn from_env(default_jobs: usize) -> Result<Vec<Endpoint>, CatalogueError> {
        match std::env::var(HOSTS_ENV) {
            Ok(list) if !list.trim().is_empty() => Endpoint::parse_list(&list, default_jobs),
            _ => Ok(vec![Endpoint::local(default_jobs)]),
        }
    }
}
