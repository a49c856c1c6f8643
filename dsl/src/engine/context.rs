//! The build context: a tar of exactly the rendered Dockerfile and the
//! declared files, never a working directory, streamed to the daemon as
//! it is written (a 1 GiB file is never held whole).

use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::error::EngineError;

/// The Dockerfile's name inside the context.
pub(crate) const DOCKERFILE_NAME: &str = "Dockerfile";

/// One declared entry of the context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// A file or a directory (recursively) on the host.
    Host(PathBuf),
    /// Bytes with a Unix mode.
    Bytes { data: Vec<u8>, mode: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub context_path: String,
    pub source: Source,
}

/// A context path: relative, `/`-separated, no `..`, no leading `./`.
pub(crate) fn normalize(context_path: &str, host_path: &str) -> Result<String, EngineError> {
    let error = |reason: &str| EngineError::Context {
        host_path: host_path.to_string(),
        context_path: context_path.to_string(),
        reason: reason.to_string(),
    };
    let path = Path::new(context_path);
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(
                part.to_str()
                    .ok_or_else(|| error("the path is not UTF-8"))?
                    .to_string(),
            ),
            Component::CurDir => {}
            Component::ParentDir => return Err(error("`..` would leave the context")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(error("context paths are relative to the context root"))
            }
        }
    }
    if parts.is_empty() {
        return Err(error("the path is empty"));
    }
    let normalized = parts.join("/");
    if normalized == DOCKERFILE_NAME {
        return Err(error(
            "the name `Dockerfile` is taken by the rendered Dockerfile",
        ));
    }
    Ok(normalized)
}

/// How many bytes one chunk of a streamed context has.
pub(crate) const CHUNK_BYTES: usize = 256 << 10;

/// How many chunks wait for the daemon at most.
pub(crate) const CHUNKS_IN_FLIGHT: usize = 4;

/// A build's context, archived when it is sent.
pub(crate) struct Context {
    dockerfile: String,
    entries: Vec<Entry>,
    /// Why the archiving thread stopped, when it failed.
    failure: Arc<Mutex<Option<EngineError>>>,
    gauge: Arc<Gauge>,
}

/// The bytes archived but not yet taken by the daemon's connection.
#[derive(Debug, Default)]
pub(crate) struct Gauge {
    buffered: AtomicUsize,
    peak: AtomicUsize,
    /// Every byte archived, the whole tar once it is done.
    total: AtomicUsize,
}

impl Gauge {
    fn add(&self, bytes: usize) {
        self.total.fetch_add(bytes, Ordering::SeqCst);
        let now = self.buffered.fetch_add(bytes, Ordering::SeqCst) + bytes;
        self.peak.fetch_max(now, Ordering::SeqCst);
    }

    fn sub(&self, bytes: usize) {
        self.buffered.fetch_sub(bytes, Ordering::SeqCst);
    }

    /// The bytes archived so far (the tar's length once it is sent).
    pub(crate) fn total(&self) -> u64 {
        self.total.load(Ordering::SeqCst) as u64
    }

    /// The most bytes that were buffered at once.
    #[cfg(test)]
    pub(crate) fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

impl Context {
    pub(crate) fn new(dockerfile: &str, entries: Vec<Entry>) -> Context {
        Context {
            dockerfile: dockerfile.to_string(),
            entries,
            failure: Arc::default(),
            gauge: Arc::default(),
        }
    }

    /// The context as a request body: a thread writes the tar into chunks
    /// of [`CHUNK_BYTES`], at most [`CHUNKS_IN_FLIGHT`] of them waiting
    /// for the connection, so memory stays under about 1.5 MiB whatever
    /// the files weigh (those, the one being sent and the one the
    /// connection holds). An error of the archiving ends the body (the
    /// daemon's request fails) and is kept for [`Context::failure`].
    /// (Generic over the chunk type: bollard does not export its body
    /// type, so `bollard::body_try_stream(context.body())` names it.)
    pub(crate) fn body<B: From<Vec<u8>>>(
        &self,
    ) -> impl futures_util::Stream<Item = io::Result<B>> + Send + 'static {
        use futures_util::StreamExt;
        self.chunks().map(|chunk| chunk.map(Into::into))
    }

    /// The chunks [`Context::body`] sends.
    pub(crate) fn chunks(
        &self,
    ) -> impl futures_util::Stream<Item = io::Result<Vec<u8>>> + Send + 'static {
        let (sender, mut receiver) = tokio::sync::mpsc::channel(CHUNKS_IN_FLIGHT);
        let dockerfile = self.dockerfile.clone();
        let entries = self.entries.clone();
        let failure = self.failure.clone();
        let gauge = self.gauge.clone();
        let writer = ChunkWriter {
            sender: sender.clone(),
            pending: Vec::with_capacity(CHUNK_BYTES),
            gauge: gauge.clone(),
        };
        std::thread::spawn(move || {
            let result = archive_into(&dockerfile, &entries, writer)
                .and_then(|mut writer| writer.flush().map_err(|e| io_error("<archive>", "", &e)));
            if let Err(error) = result {
                let message = error.to_string();
                if let Ok(mut slot) = failure.lock() {
                    slot.get_or_insert(error);
                }
                let _ = sender.blocking_send(Err(io::Error::other(message)));
            }
        });
        futures_util::stream::poll_fn(move |cx| {
            receiver.poll_recv(cx).map(|chunk| {
                chunk
                    .map(|chunk: io::Result<Vec<u8>>| chunk.inspect(|bytes| gauge.sub(bytes.len())))
            })
        })
    }

    /// The whole tar, in memory: for bollard's session driver, which takes
    /// its context as one buffer.
    pub(crate) fn bytes(&self) -> Result<Vec<u8>, EngineError> {
        let tar = archive(&self.dockerfile, &self.entries)?;
        self.gauge.total.fetch_add(tar.len(), Ordering::SeqCst);
        Ok(tar)
    }

    /// How the length of the tar sent is read once the context has been
    /// moved into a build: [`Context::body`] or [`Context::bytes`] count
    /// every byte they archive.
    pub(crate) fn length_gauge(&self) -> Arc<Gauge> {
        self.gauge.clone()
    }

    /// Where the archiving thread puts its error, for
    /// [`Context::failure_of`] once the context has been moved into a build.
    pub(crate) fn failure_slot(&self) -> Arc<Mutex<Option<EngineError>>> {
        self.failure.clone()
    }

    /// Why archiving failed, if it did (taken: asked once).
    pub(crate) fn failure_of(slot: &Mutex<Option<EngineError>>) -> Option<EngineError> {
        slot.lock().ok().and_then(|mut slot| slot.take())
    }

    #[cfg(test)]
    pub(crate) fn gauge(&self) -> &Gauge {
        &self.gauge
    }
}

/// Writes into chunks sent over a bounded channel; a closed channel (the
/// request dropped) stops the archiving with `BrokenPipe`.
struct ChunkWriter {
    sender: tokio::sync::mpsc::Sender<io::Result<Vec<u8>>>,
    pending: Vec<u8>,
    gauge: Arc<Gauge>,
}

impl ChunkWriter {
    fn send_pending(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.pending, Vec::with_capacity(CHUNK_BYTES));
        let len = chunk.len();
        self.gauge.add(len);
        self.sender.blocking_send(Ok(chunk)).map_err(|_| {
            self.gauge.sub(len);
            io::Error::new(io::ErrorKind::BrokenPipe, "the build request was dropped")
        })
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let take = bytes.len().min(CHUNK_BYTES - self.pending.len());
        self.pending.extend_from_slice(&bytes[..take]);
        if self.pending.len() == CHUNK_BYTES {
            self.send_pending()?;
        }
        Ok(take)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send_pending()
    }
}

/// The tar bytes of the context.
pub(crate) fn archive(dockerfile: &str, entries: &[Entry]) -> Result<Vec<u8>, EngineError> {
    archive_into(dockerfile, entries, Vec::new())
}

/// The tar of the context, written to `writer`.
fn archive_into<W: Write>(
    dockerfile: &str,
    entries: &[Entry],
    writer: W,
) -> Result<W, EngineError> {
    let mut builder = tar::Builder::new(writer);
    builder.mode(tar::HeaderMode::Deterministic);
    append_bytes(&mut builder, DOCKERFILE_NAME, dockerfile.as_bytes(), 0o644)
        .map_err(|e| io_error("<rendered>", DOCKERFILE_NAME, &e))?;
    for entry in entries {
        match &entry.source {
            Source::Bytes { data, mode } => {
                append_bytes(&mut builder, &entry.context_path, data, *mode)
                    .map_err(|e| io_error("<bytes>", &entry.context_path, &e))?;
            }
            Source::Host(path) => append_host(&mut builder, path, &entry.context_path)?,
        }
    }
    builder
        .into_inner()
        .map_err(|e| io_error("<archive>", "", &e))
}

fn io_error(host_path: &str, context_path: &str, error: &std::io::Error) -> EngineError {
    EngineError::Context {
        host_path: host_path.to_string(),
        context_path: context_path.to_string(),
        reason: error.to_string(),
    }
}

fn header(kind: tar::EntryType, size: u64, mode: u32) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_size(size);
    header.set_mode(mode);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    header
}

fn append_bytes(
    builder: &mut tar::Builder<impl Write>,
    path: &str,
    data: &[u8],
    mode: u32,
) -> std::io::Result<()> {
    let mut header = header(tar::EntryType::Regular, data.len() as u64, mode);
    builder.append_data(&mut header, path, data)
}

/// A host file, symlink or directory tree at `context_path`, with
/// modes kept and owners and times zeroed (so equal files give equal contexts).
fn append_host(
    builder: &mut tar::Builder<impl Write>,
    path: &Path,
    context_path: &str,
) -> Result<(), EngineError> {
    let shown = path.display().to_string();
    let fail = |e: std::io::Error| io_error(&shown, context_path, &e);
    let metadata = fs::symlink_metadata(path).map_err(fail)?;
    let mode = mode_of(&metadata);
    if metadata.file_type().is_symlink() {
        let target = fs::read_link(path).map_err(fail)?;
        let mut header = header(tar::EntryType::Symlink, 0, 0o777);
        builder
            .append_link(&mut header, context_path, &target)
            .map_err(fail)?;
    } else if metadata.is_dir() {
        let mut header = header(tar::EntryType::Directory, 0, mode);
        builder
            .append_data(&mut header, format!("{context_path}/"), std::io::empty())
            .map_err(fail)?;
        let mut children: Vec<_> = fs::read_dir(path)
            .map_err(fail)?
            .collect::<Result<_, _>>()
            .map_err(fail)?;
        children.sort_by_key(|child| child.file_name());
        for child in children {
            let name = child.file_name();
            let name = name.to_str().ok_or_else(|| EngineError::Context {
                host_path: child.path().display().to_string(),
                context_path: context_path.to_string(),
                reason: "the file name is not UTF-8".to_string(),
            })?;
            append_host(builder, &child.path(), &format!("{context_path}/{name}"))?;
        }
    } else if metadata.is_file() {
        let file = fs::File::open(path).map_err(fail)?;
        let mut header = header(tar::EntryType::Regular, metadata.len(), mode);
        builder
            .append_data(&mut header, context_path, file)
            .map_err(fail)?;
    } else {
        return Err(EngineError::Context {
            host_path: shown.clone(),
            context_path: context_path.to_string(),
            reason: "only files, directories and symlinks can go in a build context".to_string(),
        });
    }
    Ok(())
}

#[cfg(unix)]
fn mode_of(metadata: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode_of(metadata: &fs::Metadata) -> u32 {
    if metadata.is_dir() {
        0o755
    } else {
        0o644
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(bytes: &[u8]) -> Vec<String> {
        let mut archive = tar::Archive::new(bytes);
        archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect()
    }

    #[test]
    fn paths_are_checked() {
        assert_eq!(normalize("./app/main.rs", "x").unwrap(), "app/main.rs");
        assert!(normalize("../secret", "x").is_err());
        assert!(normalize("/etc/passwd", "x").is_err());
        assert!(normalize("Dockerfile", "x").is_err());
        assert!(normalize("", "x").is_err());
    }

    #[test]
    fn only_declared_entries_are_archived() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("conf")).unwrap();
        std::fs::write(dir.path().join("conf/b.txt"), "b").unwrap();
        std::fs::write(dir.path().join("conf/a.txt"), "a").unwrap();
        std::fs::write(dir.path().join("undeclared"), "no").unwrap();
        let entries = [
            Entry {
                context_path: "etc/app".into(),
                source: Source::Host(dir.path().join("conf")),
            },
            Entry {
                context_path: "hello.sh".into(),
                source: Source::Bytes {
                    data: b"echo hi\n".to_vec(),
                    mode: 0o755,
                },
            },
        ];
        let bytes = archive("FROM scratch\n", &entries).unwrap();
        assert_eq!(
            names(&bytes),
            [
                "Dockerfile",
                "etc/app/",
                "etc/app/a.txt",
                "etc/app/b.txt",
                "hello.sh"
            ]
        );
        // Deterministic: the same inputs give the same bytes.
        assert_eq!(bytes, archive("FROM scratch\n", &entries).unwrap());
    }

    /// Every chunk of `context`'s stream, counted and dropped.
    fn drain(context: &Context) -> (u64, Option<io::Error>) {
        use futures_util::StreamExt;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let mut stream = std::pin::pin!(context.chunks());
            let mut total = 0u64;
            while let Some(chunk) = stream.next().await {
                match chunk {
                    Ok(bytes) => total += bytes.len() as u64,
                    Err(error) => return (total, Some(error)),
                }
            }
            (total, None)
        })
    }

    /// A 1 GiB file (sparse: no disk used) goes out in chunks; at most a
    /// few of them are held at once. Bytes buffered are asserted, not time.
    #[test]
    fn a_1_gib_file_is_streamed_not_held() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.bin");
        let file = std::fs::File::create(&big).unwrap();
        file.set_len(1 << 30).unwrap();
        drop(file);
        let context = Context::new(
            "FROM scratch\n",
            vec![Entry {
                context_path: "big.bin".into(),
                source: Source::Host(big),
            }],
        );
        let (total, error) = drain(&context);
        assert!(error.is_none(), "{error:?}");
        // Two headers, the Dockerfile's block, the file, the end of archive.
        assert_eq!(total, 512 + 512 + 512 + (1 << 30) + 1024);
        // At most the chunks waiting in the channel, the one the writer is
        // sending and the one the reader took but has not counted off yet
        // (the channel frees its slot before `poll_recv` returns: a CI run
        // under load saw exactly that, 6 chunks).
        let peak = context.gauge().peak();
        assert!(
            peak <= CHUNK_BYTES * (CHUNKS_IN_FLIGHT + 2),
            "{peak} bytes buffered"
        );
        assert!(peak >= CHUNK_BYTES, "{peak}: the stream was not used");
    }

    /// What cannot be archived ends the stream, and the typed error is kept.
    #[test]
    fn an_archiving_error_ends_the_stream_and_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let context = Context::new(
            "FROM scratch\n",
            vec![Entry {
                context_path: "gone".into(),
                source: Source::Host(dir.path().join("gone")),
            }],
        );
        let (_, error) = drain(&context);
        assert!(error.is_some());
        let kept = Context::failure_of(&context.failure_slot()).expect("kept");
        assert!(
            matches!(&kept, EngineError::Context { context_path, .. } if context_path == "gone"),
            "{kept}"
        );
    }
}
