//! `Engine::serve_test`: the smoke test of a server. Start the image, wait
//! (bounded) until its port answers or its `HEALTHCHECK` reports healthy,
//! probe it once (an HTTP GET, or a command run in it), then stop and
//! remove it, whatever happened.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bollard::container::LogOutput;
use bollard::exec::StartExecResults;
use bollard::models::{ContainerCreateBody, ExecConfig, HealthStatusEnum, HostConfig, PortBinding};
use bollard::query_parameters::LogsOptionsBuilder;
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::error::EngineError;
use super::smoke::{ContainerGuard, SMOKE_LABEL};
use super::{Engine, RUN_LABEL};

/// How often readiness is checked.
const POLL: Duration = Duration::from_millis(200);
/// The most of an HTTP answer that is read.
const MAX_BODY: usize = 1 << 20;

/// What "ready" means for a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ready {
    /// Healthy when the image has a `HEALTHCHECK`, else its port answers.
    Auto,
    /// The port answers: a connection that the server (not Docker's proxy)
    /// keeps open, or that it answers.
    Port,
    /// The `HEALTHCHECK` reports `healthy`.
    Healthy,
}

/// The one check made once the server is ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// Nothing beyond being ready.
    Ready,
    /// `GET path` on the test's port, over HTTP/1.0.
    Http {
        /// The path, from `/`.
        path: String,
        /// The status expected.
        status: u16,
        /// Text the body must contain.
        body_contains: Option<String>,
    },
    /// A command run in the container (`docker exec`).
    Exec {
        /// The command (exec form).
        command: Vec<String>,
        /// The exit code expected.
        exit_code: i64,
        /// Text its standard output must contain.
        stdout_contains: Option<String>,
    },
}

/// A server's smoke test.
///
/// ```
/// use std::time::Duration;
/// use stagecraft::engine::{Probe, Ready, ServeTest};
///
/// let test = ServeTest::new("site/web:1")
///     .port(8000)
///     .http_get("/", 200)
///     .body_contains("Directory listing")
///     .ready_within(Duration::from_secs(30));
/// assert_eq!(test.ready(), Ready::Auto);
/// assert!(matches!(test.probe(), Probe::Http { status: 200, .. }));
///
/// let exec = ServeTest::new("site/db:1").ready_when(Ready::Healthy)
///     .exec(["pg_isready"], 0);
/// assert!(matches!(exec.probe(), Probe::Exec { .. }));
/// ```
#[derive(Debug, Clone)]
pub struct ServeTest {
    image: String,
    port: Option<u16>,
    ready: Ready,
    probe: Probe,
    ready_within: Duration,
    probe_timeout: Duration,
    args: Vec<String>,
    env: Vec<(String, String)>,
    labels: HashMap<String, String>,
}

impl ServeTest {
    /// Starts `image` as it is; ready as [`Ready::Auto`] says, within 60 s,
    /// no probe beyond that.
    pub fn new(image: impl Into<String>) -> ServeTest {
        ServeTest {
            image: image.into(),
            port: None,
            ready: Ready::Auto,
            probe: Probe::Ready,
            ready_within: Duration::from_secs(60),
            probe_timeout: Duration::from_secs(10),
            args: Vec::new(),
            env: Vec::new(),
            labels: HashMap::new(),
        }
    }

    /// The image.
    pub fn image(&self) -> &str {
        &self.image
    }

    /// The container's TCP port the server listens on; it is published on
    /// an ephemeral port of the daemon's host for the test.
    pub fn port(mut self, port: u16) -> ServeTest {
        self.port = Some(port);
        self
    }

    /// What ready means (default [`Ready::Auto`]).
    pub fn ready_when(mut self, ready: Ready) -> ServeTest {
        self.ready = ready;
        self
    }

    /// The readiness rule.
    pub fn ready(&self) -> Ready {
        self.ready
    }

    /// The probe.
    pub fn probe(&self) -> &Probe {
        &self.probe
    }

    /// How long the server has to become ready (default 60 s).
    pub fn ready_within(mut self, timeout: Duration) -> ServeTest {
        self.ready_within = timeout;
        self
    }

    /// How long the probe may take (default 10 s).
    pub fn probe_timeout(mut self, timeout: Duration) -> ServeTest {
        self.probe_timeout = timeout;
        self
    }

    /// Probes with `GET path`, expecting `status`.
    pub fn http_get(mut self, path: impl Into<String>, status: u16) -> ServeTest {
        self.probe = Probe::Http {
            path: path.into(),
            status,
            body_contains: None,
        };
        self
    }

    /// The body of the HTTP probe must contain `text` (after
    /// [`ServeTest::http_get`]; alone, it probes `GET /` for 200).
    pub fn body_contains(mut self, text: impl Into<String>) -> ServeTest {
        let text = Some(text.into());
        self.probe = match self.probe {
            Probe::Http { path, status, .. } => Probe::Http {
                path,
                status,
                body_contains: text,
            },
            _ => Probe::Http {
                path: "/".into(),
                status: 200,
                body_contains: text,
            },
        };
        self
    }

    /// Probes by running `command` in the container, expecting `exit_code`.
    pub fn exec<I, S>(mut self, command: I, exit_code: i64) -> ServeTest
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.probe = Probe::Exec {
            command: command.into_iter().map(Into::into).collect(),
            exit_code,
            stdout_contains: None,
        };
        self
    }

    /// The exec probe's standard output must contain `text`.
    pub fn stdout_contains(mut self, text: impl Into<String>) -> ServeTest {
        if let Probe::Exec {
            stdout_contains, ..
        } = &mut self.probe
        {
            *stdout_contains = Some(text.into());
        }
        self
    }

    /// The command the server runs (replaces the image's `CMD`).
    pub fn args<I, S>(mut self, args: I) -> ServeTest
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args = args.into_iter().map(Into::into).collect();
        self
    }

    /// An environment variable.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> ServeTest {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Labels the container `stagecraft.run=<id>`.
    pub fn run_label(mut self, id: impl Into<String>) -> ServeTest {
        self.labels.insert(RUN_LABEL.to_string(), id.into());
        self
    }
}

/// What a passed server test saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeOutcome {
    /// The image.
    pub image: String,
    /// How it was found ready (`healthy`, `port 8000 answered`).
    pub ready: String,
    /// From start to ready.
    pub ready_after: Duration,
    /// What the probe got (`GET / -> 200, 812 bytes`), in a line.
    pub probe: String,
}

/// Why a server test failed.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Talking to the daemon failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// Nothing to wait for.
    #[error(
        "image {image} has no HEALTHCHECK and the test names no port: give the test a port \
         (`ServeTest::port`, `port` in the manifest) or the image a HEALTHCHECK"
    )]
    NothingToWaitFor {
        /// The image.
        image: String,
    },
    /// The server stopped before it was ready.
    #[error(
        "image {image} exited with code {exit_code} before it was ready; its last output: {logs}"
    )]
    Exited {
        /// The image.
        image: String,
        /// Its exit code.
        exit_code: i64,
        /// The end of its output.
        logs: String,
    },
    /// The `HEALTHCHECK` reported `unhealthy`.
    #[error("image {image} reports unhealthy; its last health check said: {output}")]
    Unhealthy {
        /// The image.
        image: String,
        /// The last check's output.
        output: String,
    },
    /// Not ready in time.
    #[error(
        "image {image} was not ready within {}s ({waiting}); its last output: {logs} \
         (if it is only slow, give it longer: `ready_within`, `timeout_secs` in the manifest)",
        timeout.as_secs_f64()
    )]
    NotReady {
        /// The image.
        image: String,
        /// What was waited for.
        waiting: String,
        /// The bound.
        timeout: Duration,
        /// The end of its output.
        logs: String,
    },
    /// Ready, but the probe did not get what was expected.
    #[error("image {image}: the probe failed: {}", failures.join("; "))]
    ProbeFailed {
        /// The image.
        image: String,
        /// What was wrong, in words.
        failures: Vec<String>,
    },
}

/// The address published ports are reached at, from the daemon's address:
/// loopback for a local socket, the host of a `tcp://` one.
fn probe_address(host: &str) -> String {
    let rest = host
        .strip_prefix("tcp://")
        .or_else(|| host.strip_prefix("http://"))
        .or_else(|| host.strip_prefix("https://"));
    match rest {
        Some(rest) => {
            let authority = rest.split('/').next().unwrap_or(rest);
            match authority.rsplit_once(':') {
                Some((name, _)) => name.trim_matches(['[', ']']).to_string(),
                None => authority.to_string(),
            }
        }
        None => "127.0.0.1".to_string(),
    }
}

impl Engine {
    /// Runs `test`: starts the server, waits until it is ready (bounded),
    /// probes it, then stops and removes the container on every path.
    ///
    /// ```no_run
    /// # async fn demo(engine: stagecraft::engine::Engine) -> Result<(), stagecraft::engine::ServeError> {
    /// use stagecraft::engine::ServeTest;
    ///
    /// let test = ServeTest::new("site/web:1").port(8000).http_get("/", 200);
    /// let outcome = engine.serve_test(&test).await?;
    /// println!("ready after {:?}: {}", outcome.ready_after, outcome.probe);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`ServeError::NothingToWaitFor`], [`ServeError::Exited`],
    /// [`ServeError::Unhealthy`], [`ServeError::NotReady`],
    /// [`ServeError::ProbeFailed`], and the daemon's errors.
    pub async fn serve_test(&self, test: &ServeTest) -> Result<ServeOutcome, ServeError> {
        let image = self
            .docker
            .inspect_image(&test.image)
            .await
            .map_err(|e| EngineError::docker(format!("inspecting image {}", test.image), e))?;
        let has_healthcheck = image
            .config
            .and_then(|config| config.healthcheck)
            .and_then(|check| check.test)
            .is_some_and(|words| !words.is_empty() && words[0] != "NONE");
        let healthy = match test.ready {
            Ready::Healthy => true,
            Ready::Port => false,
            Ready::Auto => has_healthcheck,
        };
        if !healthy && test.port.is_none() {
            return Err(ServeError::NothingToWaitFor {
                image: test.image.clone(),
            });
        }
        let address = probe_address(self.host());
        let bind = if address.parse::<std::net::IpAddr>().is_ok() {
            address.clone()
        } else {
            "0.0.0.0".to_string()
        };
        let port_key = test.port.map(|port| format!("{port}/tcp"));
        let mut labels = test.labels.clone();
        labels.insert(SMOKE_LABEL.to_string(), "1".to_string());
        let body = ContainerCreateBody {
            image: Some(test.image.clone()),
            cmd: (!test.args.is_empty()).then(|| test.args.clone()),
            env: Some(test.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
            labels: Some(labels),
            exposed_ports: port_key.clone().map(|key| vec![key]),
            host_config: Some(HostConfig {
                port_bindings: port_key.clone().map(|key| {
                    HashMap::from([(
                        key,
                        Some(vec![PortBinding {
                            host_ip: Some(bind),
                            host_port: Some(String::new()),
                        }]),
                    )])
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let created = self
            .docker
            .create_container(None, body)
            .await
            .map_err(|e| {
                EngineError::docker(format!("creating a container of {}", test.image), e)
            })?;
        let guard = ContainerGuard {
            docker: self.docker.clone(),
            id: Some(created.id.clone()),
        };
        let result = self
            .serve(test, &created.id, healthy, port_key.as_deref(), &address)
            .await;
        // Removed here on every path; on a panic or a cancelled future the
        // guard's Drop does it.
        let removed = guard.remove().await;
        let outcome = result?;
        removed?;
        Ok(outcome)
    }

    async fn serve(
        &self,
        test: &ServeTest,
        id: &str,
        healthy: bool,
        port_key: Option<&str>,
        address: &str,
    ) -> Result<ServeOutcome, ServeError> {
        let start = Instant::now();
        self.docker.start_container(id, None).await.map_err(|e| {
            EngineError::docker(format!("starting a container of {}", test.image), e)
        })?;
        let mut host_port = None;
        let waiting = match (healthy, test.port) {
            (true, _) => "its HEALTHCHECK to report healthy".to_string(),
            (false, Some(port)) => format!("port {port} to answer"),
            (false, None) => unreachable!("checked by serve_test"),
        };
        let ready = loop {
            let state = self
                .docker
                .inspect_container(id, None)
                .await
                .map_err(|e| EngineError::docker(format!("inspecting container {id}"), e))?;
            if host_port.is_none() {
                host_port = port_key.and_then(|key| {
                    state
                        .network_settings
                        .as_ref()?
                        .ports
                        .as_ref()?
                        .get(key)?
                        .as_ref()?
                        .iter()
                        .find_map(|binding| binding.host_port.as_ref()?.parse::<u16>().ok())
                });
            }
            let state = state.state.unwrap_or_default();
            if state.running != Some(true) {
                return Err(ServeError::Exited {
                    image: test.image.clone(),
                    exit_code: state.exit_code.unwrap_or(-1),
                    logs: self.tail(id).await,
                });
            }
            if healthy {
                let health = state.health.unwrap_or_default();
                let last = || {
                    health
                        .log
                        .as_ref()
                        .and_then(|log| log.last())
                        .and_then(|result| result.output.clone())
                        .unwrap_or_default()
                        .trim()
                        .to_string()
                };
                match health.status {
                    Some(HealthStatusEnum::HEALTHY) => break "healthy".to_string(),
                    Some(HealthStatusEnum::UNHEALTHY) => {
                        return Err(ServeError::Unhealthy {
                            image: test.image.clone(),
                            output: last(),
                        })
                    }
                    _ => {}
                }
            } else if let Some(port) = host_port {
                if port_answers(address, port).await {
                    break format!("port {} answered", test.port.unwrap_or_default());
                }
            }
            if start.elapsed() >= test.ready_within {
                return Err(ServeError::NotReady {
                    image: test.image.clone(),
                    waiting,
                    timeout: test.ready_within,
                    logs: self.tail(id).await,
                });
            }
            tokio::time::sleep(POLL).await;
        };
        let ready_after = start.elapsed();
        let probe = tokio::time::timeout(
            test.probe_timeout,
            self.run_probe(test, id, address, host_port),
        );
        let probe = match probe.await {
            Ok(result) => result?,
            Err(_) => {
                return Err(ServeError::ProbeFailed {
                    image: test.image.clone(),
                    failures: vec![format!(
                        "no answer within {}s",
                        test.probe_timeout.as_secs_f64()
                    )],
                })
            }
        };
        Ok(ServeOutcome {
            image: test.image.clone(),
            ready,
            ready_after,
            probe,
        })
    }

    async fn run_probe(
        &self,
        test: &ServeTest,
        id: &str,
        address: &str,
        host_port: Option<u16>,
    ) -> Result<String, ServeError> {
        let failed = |failures: Vec<String>| ServeError::ProbeFailed {
            image: test.image.clone(),
            failures,
        };
        match &test.probe {
            Probe::Ready => Ok("ready".to_string()),
            Probe::Http {
                path,
                status,
                body_contains,
            } => {
                let Some(port) = host_port else {
                    return Err(failed(vec![
                        "an HTTP probe needs the test's port (`ServeTest::port`)".to_string(),
                    ]));
                };
                let (got, body) = http_get(address, port, path)
                    .await
                    .map_err(|error| failed(vec![format!("GET {path}: {error}")]))?;
                let mut failures = Vec::new();
                if got != *status {
                    failures.push(format!("GET {path} answered {got}, not {status}"));
                }
                if let Some(text) = body_contains {
                    if !body.contains(text.as_str()) {
                        failures.push(format!("the body of GET {path} does not contain {text:?}"));
                    }
                }
                if failures.is_empty() {
                    Ok(format!("GET {path} -> {got}, {} bytes", body.len()))
                } else {
                    Err(failed(failures))
                }
            }
            Probe::Exec {
                command,
                exit_code,
                stdout_contains,
            } => {
                let (code, stdout) = self.exec(id, command).await?;
                let mut failures = Vec::new();
                if code != *exit_code {
                    failures.push(format!(
                        "`{}` exited with {code}, not {exit_code}",
                        command.join(" ")
                    ));
                }
                if let Some(text) = stdout_contains {
                    if !stdout.contains(text.as_str()) {
                        failures.push(format!(
                            "the output of `{}` does not contain {text:?}",
                            command.join(" ")
                        ));
                    }
                }
                if failures.is_empty() {
                    let first = stdout.lines().next().unwrap_or("").trim();
                    Ok(format!("`{}` exited {code}: {first}", command.join(" ")))
                } else {
                    Err(failed(failures))
                }
            }
        }
    }

    /// Runs `command` in container `id`: its exit code and standard output.
    async fn exec(&self, id: &str, command: &[String]) -> Result<(i64, String), EngineError> {
        let what = || format!("running `{}` in the server", command.join(" "));
        let created = self
            .docker
            .create_exec(
                id,
                ExecConfig {
                    cmd: Some(command.to_vec()),
                    attach_stdout: Some(true),
                    attach_stderr: Some(true),
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| EngineError::docker(what(), e))?;
        let mut stdout = Vec::new();
        if let StartExecResults::Attached { mut output, .. } = self
            .docker
            .start_exec(&created.id, None)
            .await
            .map_err(|e| EngineError::docker(what(), e))?
        {
            while let Some(chunk) = output.next().await {
                if let LogOutput::StdOut { message } =
                    chunk.map_err(|e| EngineError::docker(what(), e))?
                {
                    stdout.extend_from_slice(&message);
                }
            }
        }
        let inspected = self
            .docker
            .inspect_exec(&created.id)
            .await
            .map_err(|e| EngineError::docker(what(), e))?;
        Ok((
            inspected.exit_code.unwrap_or(-1),
            String::from_utf8_lossy(&stdout).into_owned(),
        ))
    }

    /// The last lines the container wrote, for messages.
    async fn tail(&self, id: &str) -> String {
        let options = LogsOptionsBuilder::new()
            .stdout(true)
            .stderr(true)
            .tail("5")
            .build();
        let mut logs = self.docker.logs(id, Some(options));
        let mut text = Vec::new();
        while let Some(Ok(chunk)) = logs.next().await {
            text.extend_from_slice(&chunk.into_bytes());
        }
        let text = String::from_utf8_lossy(&text).trim().replace('\n', " | ");
        if text.is_empty() {
            "(none)".to_string()
        } else {
            text
        }
    }
}

/// Whether the server behind a published port answers: Docker's proxy
/// accepts a connection even when nothing listens inside and closes it at
/// once, so a connection counts when it stays open a moment, or has data.
async fn port_answers(address: &str, port: u16) -> bool {
    let connect = tokio::time::timeout(Duration::from_secs(1), TcpStream::connect((address, port)));
    let Ok(Ok(mut stream)) = connect.await else {
        return false;
    };
    let mut byte = [0u8; 1];
    match tokio::time::timeout(Duration::from_millis(300), stream.read(&mut byte)).await {
        Err(_) => true,
        Ok(Ok(read)) => read > 0,
        Ok(Err(_)) => false,
    }
}

/// `GET path` over HTTP/1.0: the status code and the body (lossy UTF-8).
/// A dozen lines for a probe, rather than an HTTP client in the tree.
async fn http_get(address: &str, port: u16, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect((address, port)).await?;
    let request = format!(
        "GET {path} HTTP/1.0\r\nHost: {address}:{port}\r\nUser-Agent: stagecraft\r\n\
         Connection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    (&mut stream)
        .take(MAX_BODY as u64)
        .read_to_end(&mut answer)
        .await?;
    let text = String::from_utf8_lossy(&answer);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .lines()
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("no HTTP status line in the answer ({} bytes)", answer.len()),
            )
        })?;
    Ok((status, body.to_string()))
}

#[cfg(test)]
mod tests {
    use super::probe_address;

    #[test]
    fn published_ports_are_reached_where_the_daemon_is() {
        assert_eq!(probe_address("unix:///var/run/docker.sock"), "127.0.0.1");
        assert_eq!(probe_address("tcp://127.0.0.3:2375"), "127.0.0.3");
        assert_eq!(probe_address("tcp://build-1.site:2376/"), "build-1.site");
        assert_eq!(probe_address("tcp://[::1]:2375"), "::1");
    }
}
