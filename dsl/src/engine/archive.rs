//! Reading files out of never-started containers: the one reader behind the
//! harvest's whole export (`GET /containers/{id}/export`), its partial reads
//! (`GET /containers/{id}/archive?path=`) and the traced strategy's logs.
//!
//! A container is created from an image, never started, read, and removed
//! by its caller ([`super::remove_container`]). Its tar streams are read as
//! [`std::io::Read`] ([`StreamRead`], in a blocking thread), entry by entry:
//! nothing is buffered beyond one chunk of the daemon's stream and what the
//! caller keeps, and [`files_of`] applies its per-file limits while reading,
//! so a traced run that wrote gigabytes costs no memory to read.

use std::collections::HashMap;
use std::io::{self, Read};
use std::pin::Pin;

use bollard::models::ContainerCreateBody;
use bollard::query_parameters::DownloadFromContainerOptionsBuilder;
use bollard::Docker;
use futures_util::{Stream, StreamExt};

/// A container of `image` to read from, never started, labelled
/// `label=1`, without network. Images without `CMD` (a scratch or imported
/// base) need a command to be created: `placeholder`, never run.
pub(crate) async fn create_reader(
    docker: &Docker,
    image: &str,
    label: &str,
    placeholder: &str,
) -> Result<String, bollard::errors::Error> {
    let body = ContainerCreateBody {
        image: Some(image.to_string()),
        cmd: Some(vec![placeholder.to_string()]),
        labels: Some(HashMap::from([(label.to_string(), "1".to_string())])),
        network_disabled: Some(true),
        ..Default::default()
    };
    Ok(docker.create_container(None, body).await?.id)
}

/// Whether the daemon answered 404 (no such path, container or image).
pub(crate) fn is_not_found(error: &bollard::errors::Error) -> bool {
    matches!(
        error,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

/// Whether the daemon refused a path because its symbolic links loop
/// (`500 evalSymlinksInScope: too many links in /var/lib/docker/...`).
pub(crate) fn is_link_loop(error: &bollard::errors::Error) -> bool {
    matches!(
        error,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 500,
            message,
        } if message.contains("too many links")
    )
}

/// A bollard byte stream read as `std::io::Read`; call it from a blocking
/// thread (it blocks on `handle` for each chunk).
pub(crate) struct StreamRead<S, B> {
    handle: tokio::runtime::Handle,
    stream: Pin<Box<S>>,
    chunk: Option<B>,
    pos: usize,
}

impl<S, B> StreamRead<S, B>
where
    S: Stream<Item = Result<B, bollard::errors::Error>>,
    B: AsRef<[u8]>,
{
    /// Reads `stream`, whose first chunk may already have been taken.
    pub(crate) fn new(handle: tokio::runtime::Handle, stream: S, first: Option<B>) -> Self {
        StreamRead {
            handle,
            stream: Box::pin(stream),
            chunk: first,
            pos: 0,
        }
    }
}

impl<S, B> Read for StreamRead<S, B>
where
    S: Stream<Item = Result<B, bollard::errors::Error>>,
    B: AsRef<[u8]>,
{
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(chunk) = &self.chunk {
                let rest = &chunk.as_ref()[self.pos..];
                if !rest.is_empty() {
                    let n = rest.len().min(buf.len());
                    buf[..n].copy_from_slice(&rest[..n]);
                    self.pos += n;
                    return Ok(n);
                }
            }
            self.pos = 0;
            match self.handle.block_on(self.stream.next()) {
                None => {
                    self.chunk = None;
                    return Ok(0);
                }
                Some(Ok(chunk)) => self.chunk = Some(chunk),
                Some(Err(error)) => return Err(io::Error::other(error.to_string())),
            }
        }
    }
}

/// The tar archive of `path` in container `id` (`GET .../archive`), as a
/// reader; `Ok(None)` when the path does not exist. Call it from a blocking
/// thread: the first chunk is awaited on `handle` to tell a 404 from a tar.
pub(crate) fn open_archive(
    handle: tokio::runtime::Handle,
    docker: &Docker,
    id: &str,
    path: &str,
) -> Result<Option<impl Read>, bollard::errors::Error> {
    let options = DownloadFromContainerOptionsBuilder::new()
        .path(path)
        .build();
    let mut stream = Box::pin(docker.download_from_container(id, Some(options)));
    let first = match handle.block_on(stream.next()) {
        None => None,
        Some(Ok(chunk)) => Some(chunk),
        Some(Err(error)) if is_not_found(&error) => return Ok(None),
        Some(Err(error)) => return Err(error),
    };
    Ok(Some(StreamRead::new(handle, stream, first)))
}

/// A regular file read out of an archive, cut at its limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArchiveFile {
    /// Its path inside the archive (relative, e.g. `stagecraft-trace/0.log`).
    pub(crate) name: String,
    /// Its size in the archive.
    pub(crate) size: u64,
    /// Its first bytes, at most the limit asked for.
    pub(crate) content: Vec<u8>,
}

/// The regular files of the tar stream `reader` that `limit` asks for:
/// `limit(name)` is how many bytes of that file to keep, `None` to skip it.
/// Read entry by entry; the rest of a file past its limit is skipped
/// without being kept, so memory is bounded by the limits, not the archive.
/// With `first_only`, reading stops after the first file kept.
pub(crate) fn files_of(
    reader: impl Read,
    limit: impl Fn(&str) -> Option<u64>,
    first_only: bool,
) -> io::Result<Vec<ArchiveFile>> {
    let mut files = Vec::new();
    let mut tar = tar::Archive::new(reader);
    for entry in tar.entries()? {
        let entry = entry?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry.path()?.to_string_lossy().into_owned();
        let Some(limit) = limit(&name) else {
            continue;
        };
        let size = entry.size();
        let mut content = Vec::with_capacity(usize::try_from(size.min(limit)).unwrap_or(0));
        entry.take(limit).read_to_end(&mut content)?;
        files.push(ArchiveFile {
            name,
            size,
            content,
        });
        if first_only {
            break;
        }
    }
    Ok(files)
}

/// [`files_of`] on the archive of `path` in container `id`, read in a
/// blocking thread; `Ok(None)` when the path does not exist.
pub(crate) async fn read_files<L>(
    docker: &Docker,
    id: &str,
    path: &str,
    limit: L,
    first_only: bool,
) -> Result<Option<Vec<ArchiveFile>>, io::Error>
where
    L: Fn(&str) -> Option<u64> + Send + 'static,
{
    let handle = tokio::runtime::Handle::current();
    let (docker, id, path) = (docker.clone(), id.to_string(), path.to_string());
    tokio::task::spawn_blocking(move || {
        match open_archive(handle, &docker, &id, &path).map_err(io::Error::other)? {
            Some(reader) => files_of(reader, limit, first_only).map(Some),
            None => Ok(None),
        }
    })
    .await
    .map_err(|error| io::Error::other(format!("the reading thread failed: {error}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tar stream of one file of `size` zero bytes, made as it is read:
    /// nothing of the file is ever in memory.
    struct HugeTar {
        header: Vec<u8>,
        size: u64,
        read: u64,
    }

    impl HugeTar {
        fn new(name: &str, size: u64) -> HugeTar {
            let mut header = tar::Header::new_gnu();
            header.set_path(name).unwrap();
            header.set_size(size);
            header.set_mode(0o644);
            header.set_entry_type(tar::EntryType::Regular);
            header.set_cksum();
            HugeTar {
                header: header.as_bytes().to_vec(),
                size,
                read: 0,
            }
        }
    }

    impl Read for HugeTar {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            // Header, the file's zeros padded to 512, two zero blocks.
            let total = 512 + self.size.div_ceil(512) * 512 + 1024;
            if self.read >= total {
                return Ok(0);
            }
            let n = buf
                .len()
                .min(usize::try_from(total - self.read).unwrap_or(usize::MAX));
            let buf = &mut buf[..n];
            buf.fill(0);
            if let Some(header) = self.header.get(self.read as usize..) {
                let h = header.len().min(n);
                buf[..h].copy_from_slice(&header[..h]);
            }
            self.read += n as u64;
            Ok(n)
        }
    }

    #[test]
    fn a_huge_file_is_cut_at_its_limit_while_reading() {
        // 2 GiB, the traced run of the issue: buffered, the archive took the
        // host process to 2.2 GB; read entry by entry, 1 KiB is kept.
        let files = files_of(HugeTar::new("t/0.out", 2 << 30), |_| Some(1024), false).unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].name, "t/0.out");
        assert_eq!(files[0].size, 2 << 30);
        assert_eq!(files[0].content, vec![0; 1024]);
    }

    #[test]
    fn files_not_asked_for_are_skipped() {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, content) in [("t/cwd", "/\n"), ("t/0.log", "log"), ("t/x", "x")] {
            let mut header = tar::Header::new_gnu();
            header.set_size(content.len() as u64);
            header.set_mode(0o644);
            builder
                .append_data(&mut header, name, content.as_bytes())
                .unwrap();
        }
        let tar = builder.into_inner().unwrap();
        let limit = |name: &str| (!name.ends_with("/x")).then_some(2);
        let files = files_of(&tar[..], limit, false).unwrap();
        let got: Vec<(&str, &[u8])> = files
            .iter()
            .map(|f| (f.name.as_str(), &f.content[..]))
            .collect();
        assert_eq!(got, [("t/cwd", &b"/\n"[..]), ("t/0.log", &b"lo"[..])]);
        assert_eq!(files_of(&tar[..], |_| Some(9), true).unwrap().len(), 1);
    }
}
