//! The status stream of a BuildKit solve that bollard's Moby driver sends
//! (the secrets and SSH route): BuildKit's `Control.Status` for the solve's
//! ref, over a `/grpc` connection of our own to the daemon (the HTTP upgrade
//! to h2c that the docker CLI's buildx docker driver makes).
//!
//! bollard opens its control client inside `grpc::driver::solve` and keeps
//! it (the `Driver` trait that would give a second one is crate-private), so
//! this module dials the daemon's socket itself, asks for the upgrade by
//! hand and gives tonic the upgraded stream; the solve's ref is the
//! [`bollard::grpc::BuildRef`] the build passes to the driver.

use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bollard::moby::buildkit::v1::{control_client::ControlClient, StatusRequest, StatusResponse};
use futures_util::Stream;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tonic::codec::Streaming;
use tonic::transport::{Endpoint, Uri};

/// The largest status message taken (BuildKit's own default).
const MAX_MESSAGE: usize = 16 << 20;

/// How long the answer to the upgrade request may be.
const MAX_ANSWER_HEAD: usize = 16 << 10;

/// How often `Status` is asked again while BuildKit does not know the ref
/// yet (it waits 6 s itself before saying "no such job").
const STATUS_ATTEMPTS: usize = 5;

/// Where the daemon listens, as a connection of our own reaches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Dial {
    /// A unix socket (`unix://`, also the local end of an `ssh://` bridge).
    Unix(PathBuf),
    /// Plain TCP (`tcp://` or `http://` `host:port`).
    Tcp(String),
}

impl Dial {
    /// The socket of a daemon address, or `None` for an address this
    /// module cannot dial (a named pipe, TLS).
    pub fn of(host: &str) -> Option<Dial> {
        if let Some(path) = host.strip_prefix("unix://") {
            return Some(Dial::Unix(PathBuf::from(path)));
        }
        let rest = host
            .strip_prefix("tcp://")
            .or_else(|| host.strip_prefix("http://"))?;
        let authority = rest.split('/').next().unwrap_or(rest);
        (!authority.is_empty()).then(|| Dial::Tcp(authority.to_string()))
    }
}

/// What the status side of a build reports.
#[derive(Debug)]
pub(crate) enum StatusUpdate {
    /// One message of BuildKit's status stream.
    Status(StatusResponse),
    /// No (more) status: why, in words.
    Unavailable(String),
}

/// A duplex byte stream to the daemon.
trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

/// Connects to the daemon and upgrades `POST /grpc` to h2c; the stream
/// then carries HTTP/2 from its first byte (read byte by byte up to the
/// end of the answer's head, so nothing of HTTP/2 is read too early).
async fn upgrade(dial: Dial) -> io::Result<Box<dyn Io>> {
    let mut stream: Box<dyn Io> = match &dial {
        Dial::Unix(path) => Box::new(tokio::net::UnixStream::connect(path).await?),
        Dial::Tcp(address) => Box::new(tokio::net::TcpStream::connect(address.as_str()).await?),
    };
    stream
        .write_all(
            b"POST /grpc HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\n\
              Upgrade: h2c\r\nContent-Length: 0\r\n\r\n",
        )
        .await?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > MAX_ANSWER_HEAD {
            return Err(io::Error::other("the daemon's answer to /grpc has no end"));
        }
        if stream.read(&mut byte).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the daemon closed the connection instead of upgrading /grpc",
            ));
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head);
    let status_line = head.lines().next().unwrap_or_default();
    if status_line.split_whitespace().nth(1) != Some("101") {
        return Err(io::Error::other(format!(
            "the daemon did not upgrade /grpc: {status_line}"
        )));
    }
    Ok(stream)
}

/// tonic's connector: every connection it wants is a new upgraded one.
#[derive(Debug, Clone)]
struct Connector(Dial);

impl tower_service::Service<Uri> for Connector {
    type Response = TokioIo<Box<dyn Io>>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Uri) -> Self::Future {
        let dial = self.0.clone();
        Box::pin(async move { upgrade(dial).await.map(TokioIo::new) })
    }
}

/// Opens the status stream of the solve `build_ref`, asking again while
/// BuildKit has no job of that ref yet.
async fn open(dial: Dial, build_ref: &str) -> Result<Streaming<StatusResponse>, String> {
    let channel = Endpoint::from_static("http://docker.invalid")
        .connect_with_connector(Connector(dial))
        .await
        .map_err(|error| super::error::cause_chain(&error))?;
    let mut client = ControlClient::new(channel).max_decoding_message_size(MAX_MESSAGE);
    let mut attempt = 1;
    loop {
        let request = StatusRequest {
            r#ref: build_ref.to_string(),
        };
        match client.status(request).await {
            Ok(response) => return Ok(response.into_inner()),
            Err(status)
                if status.message().contains("no such job") && attempt < STATUS_ATTEMPTS =>
            {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(status) => return Err(status.message().to_string()),
        }
    }
}

/// The status stream of the solve `build_ref` as updates: each message,
/// then nothing when the solve ends, or one [`StatusUpdate::Unavailable`]
/// (no address to dial, no upgrade, a broken stream) and nothing more.
pub(crate) fn updates(
    dial: Option<Dial>,
    build_ref: String,
) -> impl Stream<Item = StatusUpdate> + Send {
    enum State {
        Opening(Option<Dial>, String),
        Open(Streaming<StatusResponse>),
        Done,
    }
    async fn next(mut stream: Streaming<StatusResponse>) -> Option<(StatusUpdate, State)> {
        match stream.message().await {
            Ok(Some(status)) => Some((StatusUpdate::Status(status), State::Open(stream))),
            Ok(None) => None,
            Err(status) => Some((
                StatusUpdate::Unavailable(status.message().to_string()),
                State::Done,
            )),
        }
    }
    futures_util::stream::unfold(State::Opening(dial, build_ref), |state| async move {
        match state {
            State::Opening(None, _) => Some((
                StatusUpdate::Unavailable(
                    "the daemon's address is neither a unix socket nor plain TCP".to_string(),
                ),
                State::Done,
            )),
            State::Opening(Some(dial), build_ref) => match open(dial, &build_ref).await {
                Ok(stream) => next(stream).await,
                Err(why) => Some((StatusUpdate::Unavailable(why), State::Done)),
            },
            State::Open(stream) => next(stream).await,
            State::Done => None,
        }
    })
}

/// How BuildKit describes the cache record of a context a build was sent
/// as bytes: the daemon's `/build` body (served to BuildKit under a URL of
/// its own, `http://build-context-<random id>`) and bollard's session upload
/// (`http://buildkit-session/<random id>`).
const CONTEXT_RECORDS: [&str; 2] = [
    "http url http://build-context-",
    "http url http://buildkit-session/",
];

/// Removes the cache record BuildKit kept of a build's context: the newest
/// record not in use whose description is a sent context's
/// ([`CONTEXT_RECORDS`]) and whose size is the context's `bytes` (BuildKit
/// stores the tar as it came, so the size is the tar's length). Such a
/// record is never used again: the next build's context comes under a new
/// random URL. Nothing else is touched (the prune names the record's id,
/// and BuildKit prunes no record in use). The record's id and size, or
/// `None` when there is none.
pub(crate) async fn remove_context_record(
    dial: Dial,
    bytes: u64,
) -> Result<Option<(String, u64)>, String> {
    use bollard::moby::buildkit::v1::{DiskUsageRequest, PruneRequest};
    let channel = Endpoint::from_static("http://docker.invalid")
        .connect_with_connector(Connector(dial))
        .await
        .map_err(|error| super::error::cause_chain(&error))?;
    let mut client = ControlClient::new(channel).max_decoding_message_size(MAX_MESSAGE);
    let records = client
        .disk_usage(DiskUsageRequest::default())
        .await
        .map_err(|status| status.message().to_string())?
        .into_inner()
        .record;
    let created = |record: &bollard::moby::buildkit::v1::UsageRecord| {
        record.created_at.as_ref().map(|at| (at.seconds, at.nanos))
    };
    let ours = records
        .into_iter()
        .filter(|record| {
            !record.in_use
                && u64::try_from(record.size) == Ok(bytes)
                && CONTEXT_RECORDS
                    .iter()
                    .any(|prefix| record.description.starts_with(prefix))
        })
        .max_by_key(|record| created(record));
    let Some(record) = ours else {
        return Ok(None);
    };
    let mut pruned = client
        .prune(PruneRequest {
            filter: vec![format!("id=={}", record.id)],
            ..PruneRequest::default()
        })
        .await
        .map_err(|status| status.message().to_string())?
        .into_inner();
    let mut removed = None;
    while let Some(gone) = pruned
        .message()
        .await
        .map_err(|status| status.message().to_string())?
    {
        if gone.id == record.id {
            removed = Some((gone.id, bytes));
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daemon_addresses_are_dialled_as_sockets() {
        assert_eq!(
            Dial::of("unix:///var/run/docker.sock"),
            Some(Dial::Unix(PathBuf::from("/var/run/docker.sock")))
        );
        assert_eq!(
            Dial::of("tcp://127.0.0.1:2375"),
            Some(Dial::Tcp("127.0.0.1:2375".to_string()))
        );
        assert_eq!(
            Dial::of("http://build-box:2375/"),
            Some(Dial::Tcp("build-box:2375".to_string()))
        );
        assert_eq!(Dial::of("npipe:////./pipe/docker_engine"), None);
        assert_eq!(Dial::of("tcp://"), None);
    }

    /// A daemon that answers the upgrade with an error is a reason, not a
    /// hang: the stream gives one `Unavailable` naming the answer.
    #[test]
    fn a_refused_upgrade_is_unavailable_with_the_answer() {
        use futures_util::StreamExt;
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("docker.sock");
        let listener = std::os::unix::net::UnixListener::bind(&path).expect("bind");
        let server = std::thread::spawn(move || {
            use std::io::{Read, Write};
            let (mut stream, _) = listener.accept().expect("accept");
            let mut request = [0u8; 512];
            let _ = stream.read(&mut request);
            stream
                .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                .expect("answer");
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let updates: Vec<StatusUpdate> =
            runtime.block_on(updates(Some(Dial::Unix(path)), "ref".to_string()).collect());
        server.join().expect("the server thread");
        assert!(
            matches!(&updates[..], [StatusUpdate::Unavailable(why)]
                if why.contains("did not upgrade /grpc: HTTP/1.1 404 Not Found")),
            "{updates:?}"
        );
    }
}
