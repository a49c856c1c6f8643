//! [`StageFs`]: an in-memory index of a stage's exported filesystem.
//!
//! Built from the tar stream `docker export` gives, entry by entry: for each
//! path its kind (directory, file with its size, symbolic link with its
//! target, hard link), the loader-relevant ELF data of every ELF file, and the
//! text of the few small files the resolution reads (`/etc/ld.so.conf`,
//! `/etc/ld.so.conf.d/*`, `/var/lib/dpkg/info/*.list`, `/var/lib/dpkg/status`). Nothing else is kept:
//! the content of other files is streamed past.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read};
use std::sync::Mutex;

use super::elf::{self, ElfInfo};
use super::walk::{Step, Walk};
pub(crate) use crate::harvest::path::{clean, parent};

/// At most this many symbolic links are followed while resolving one path
/// (Linux's own limit is 40).
pub(crate) const MAX_LINKS: usize = 40;

/// One path of the filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    Dir,
    File {
        size: u64,
        elf: Option<Box<ElfInfo>>,
        text: Option<String>,
    },
    /// The link's target, as written in the link.
    Symlink(String),
    /// A hard link to another entry of the archive (absolute path).
    HardLink(String),
    /// Devices, fifos.
    Other,
    /// A regular file known from a stat only (a partial index): its size,
    /// its content not read yet.
    Unread {
        size: u64,
    },
}

/// What a partial index lacks to answer a question for certain.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Need {
    /// The kind of this path (its parent is a known directory).
    Stat(String),
    /// This path whole: a file's content, a directory's every entry.
    Fetch(String),
}

/// The state of an index made of parts of a filesystem
/// ([`StageFs::export_for`](super::StageFs::export_for)).
#[derive(Debug, Default)]
pub(crate) struct Partial {
    /// Paths fetched whole: every entry under them is in the index.
    pub complete: BTreeSet<String>,
    /// Paths known not to exist.
    pub absent: BTreeSet<String>,
    /// What the questions asked since the last `take_needs` lacked.
    pub needs: Mutex<BTreeSet<Need>>,
    /// How it was made.
    pub fetched: super::partial::Fetched,
}

impl Clone for Partial {
    fn clone(&self) -> Partial {
        Partial {
            complete: self.complete.clone(),
            absent: self.absent.clone(),
            needs: Mutex::new(self.needs.lock().map(|n| n.clone()).unwrap_or_default()),
            fetched: self.fetched,
        }
    }
}

/// A path resolved inside the filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    /// The canonical path: no symbolic link left in it.
    pub path: String,
    /// Each link met on the way, as `(link, target as written)`.
    pub links: Vec<(String, String)>,
}

/// Why a path cannot be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LookupError {
    /// This path (a prefix of the one asked for, after links) does not exist.
    NotFound(String),
    /// More than [`MAX_LINKS`] links: a loop.
    Loop,
}

/// The filesystem of one stage, as an index in memory.
///
/// Made by [`StageFs::export`](super::StageFs::export) (a container of the
/// stage's image, exported whole), [`StageFs::from_tar`] (any `docker
/// export` tar stream), or [`StageFs::export_for`](super::StageFs::export_for)
/// (only the parts a harvest needs), and used by
/// [`StageFs::resolve`](super::StageFs::resolve).
#[derive(Debug, Clone)]
pub struct StageFs {
    pub(crate) stage: String,
    pub(crate) nodes: BTreeMap<String, Node>,
    pub(crate) bytes: u64,
    pub(crate) elf_files: usize,
    /// `None` for a whole filesystem.
    pub(crate) partial: Option<Partial>,
}

impl StageFs {
    /// Indexes a tar stream of a whole filesystem (`docker export`'s form:
    /// paths without a leading `/`), reading it once, entry by entry.
    /// `stage` names the stage in errors.
    ///
    /// # Errors
    ///
    /// What reading the stream gives.
    pub fn from_tar(reader: impl Read, stage: impl Into<String>) -> io::Result<StageFs> {
        let mut fs = StageFs::empty(stage, None);
        fs.add_tar(reader, "/")?;
        Ok(fs)
    }

    /// An index with nothing but `/`.
    pub(crate) fn empty(stage: impl Into<String>, partial: Option<Partial>) -> StageFs {
        let mut fs = StageFs {
            stage: stage.into(),
            nodes: BTreeMap::new(),
            bytes: 0,
            elf_files: 0,
            partial,
        };
        fs.nodes.insert("/".to_string(), Node::Dir);
        fs
    }

    /// Indexes a tar stream whose entry names are relative to directory `at`
    /// (`/` for `docker export`; the parent of the path asked for with
    /// `GET /containers/{id}/archive`).
    pub(crate) fn add_tar(&mut self, reader: impl Read, at: &str) -> io::Result<()> {
        let mut archive = tar::Archive::new(reader);
        let mut buffer = Vec::new();
        let place = |name: &str| clean(&format!("{at}/{name}"));
        for entry in archive.entries()? {
            let mut entry = entry?;
            let path = place(&entry.path()?.to_string_lossy());
            let header = entry.header();
            let kind = header.entry_type();
            let node = if kind.is_dir() {
                Node::Dir
            } else if kind.is_symlink() {
                let target = entry
                    .link_name()?
                    .map(|t| t.to_string_lossy().into_owned())
                    .unwrap_or_default();
                Node::Symlink(target)
            } else if kind.is_hard_link() {
                let target = entry
                    .link_name()?
                    .map(|t| place(&t.to_string_lossy()))
                    .unwrap_or_default();
                Node::HardLink(target)
            } else if kind.is_file() || kind.is_contiguous() {
                let size = header.size()?;
                self.bytes += size;
                buffer.clear();
                (&mut entry).take(4).read_to_end(&mut buffer)?;
                let mut elf = None;
                let mut text = None;
                if buffer == elf::MAGIC {
                    // Streamed: a 2 GiB binary is not held whole.
                    let whole = io::Cursor::new(std::mem::take(&mut buffer)).chain(&mut entry);
                    elf = elf::read_stream(whole, size)?.0.map(Box::new);
                    self.elf_files += usize::from(elf.is_some());
                } else if wants_text(&path) && size <= TEXT_LIMIT {
                    entry.read_to_end(&mut buffer)?;
                    text = Some(String::from_utf8_lossy(&buffer).into_owned());
                }
                Node::File { size, elf, text }
            } else {
                Node::Other
            };
            self.add(path, node);
        }
        Ok(())
    }

    /// Takes in the entries of `other`, an index of another part of the
    /// same filesystem.
    pub(crate) fn merge(&mut self, other: StageFs) {
        self.bytes += other.bytes;
        self.elf_files += other.elf_files;
        for (path, node) in other.nodes {
            if path != "/" {
                self.nodes.insert(path, node);
            }
        }
    }

    /// Whether every entry under `path` (or the file at `path`) is in the index.
    pub(crate) fn is_complete(&self, path: &str) -> bool {
        let Some(partial) = &self.partial else {
            return true;
        };
        let mut at = path;
        loop {
            if partial.complete.contains(at) {
                return true;
            }
            if at == "/" {
                return false;
            }
            at = parent(at);
        }
    }

    /// Whether `path`, absent from the index, is known not to exist.
    fn known_absent(&self, path: &str) -> bool {
        match &self.partial {
            None => true,
            Some(partial) => partial.absent.contains(path) || self.is_complete(parent(path)),
        }
    }

    /// Records what a partial index lacks.
    pub(crate) fn need(&self, need: Need) {
        if let Some(partial) = &self.partial {
            if let Ok(mut needs) = partial.needs.lock() {
                needs.insert(need);
            }
        }
    }

    /// What the questions since the last call lacked.
    pub(crate) fn take_needs(&self) -> BTreeSet<Need> {
        match &self.partial {
            Some(partial) => partial
                .needs
                .lock()
                .map(|mut needs| std::mem::take(&mut *needs))
                .unwrap_or_default(),
            None => BTreeSet::new(),
        }
    }

    /// The stage these files come from.
    pub fn stage(&self) -> &str {
        &self.stage
    }

    /// How many paths the index holds.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the index holds nothing but `/`.
    pub fn is_empty(&self) -> bool {
        self.nodes.len() <= 1
    }

    /// The bytes of regular files the stream carried.
    pub fn file_bytes(&self) -> u64 {
        self.bytes
    }

    /// How many ELF files were read (their headers kept).
    pub fn elf_files(&self) -> usize {
        self.elf_files
    }

    /// The regular files (not links) under directory `dir`, recursively,
    /// in path order, with their sizes; e.g. to declare every extension
    /// module of a package with [`Harvest::library`](super::super::Harvest::library).
    ///
    /// On an index made by [`export_with`](super::StageFs::export_with), a
    /// directory not fetched yet is fetched in the next round.
    pub fn files_under<'a>(&'a self, dir: &str) -> impl Iterator<Item = (&'a str, u64)> + 'a {
        let dir = clean(dir);
        if !self.is_complete(&dir) {
            self.need(Need::Fetch(dir.clone()));
        }
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        self.nodes
            .range(prefix.clone()..)
            .take_while(move |(path, _)| path.starts_with(&prefix))
            .filter_map(|(path, node)| match node {
                Node::File { size, .. } => Some((path.as_str(), *size)),
                _ => None,
            })
    }

    fn add(&mut self, path: String, node: Node) {
        // Parents a stream may have left out are directories.
        let mut parent = parent(&path);
        while parent != "/" && !self.nodes.contains_key(parent) {
            self.nodes.insert(parent.to_string(), Node::Dir);
            parent = self::parent(parent);
        }
        self.nodes.insert(path, node);
    }

    /// The node at `path` exactly (no link followed).
    pub(crate) fn node(&self, path: &str) -> Option<&Node> {
        self.nodes.get(path)
    }

    /// Resolves `path` component by component, following every symbolic
    /// link met (the last component's too when `follow_last`), like the
    /// kernel does inside the stage's root.
    pub(crate) fn lookup(&self, path: &str, follow_last: bool) -> Result<Found, LookupError> {
        let mut walk = Walk::new(path, follow_last);
        loop {
            match walk.step() {
                Step::Ask(next) => {
                    let node = self.nodes.get(&next);
                    if node.is_none() && !self.known_absent(&next) {
                        self.need(Need::Stat(next));
                    }
                    walk.answer(node);
                }
                Step::Done(outcome) => return outcome,
            }
        }
    }

    /// The regular file at canonical `path` (hard links followed): its size,
    /// ELF data and text.
    pub(crate) fn file(&self, path: &str) -> Option<(u64, Option<&ElfInfo>, Option<&str>)> {
        let Some(mut node) = self.nodes.get(path) else {
            if !self.known_absent(path) {
                self.need(Need::Fetch(path.to_string()));
            }
            return None;
        };
        for _ in 0..MAX_LINKS {
            match node {
                Node::HardLink(target) => node = self.nodes.get(target)?,
                Node::File { size, elf, text } => {
                    return Some((*size, elf.as_deref(), text.as_deref()))
                }
                Node::Unread { size } => {
                    self.need(Need::Fetch(path.to_string()));
                    return Some((*size, None, None));
                }
                _ => return None,
            }
        }
        None
    }

    /// Whether the canonical `path` is a directory.
    pub(crate) fn is_dir(&self, path: &str) -> bool {
        matches!(self.nodes.get(path), Some(Node::Dir))
    }

    /// The names directly inside canonical directory `dir`, in order.
    pub(crate) fn children<'a>(&'a self, dir: &str) -> impl Iterator<Item = &'a str> + 'a {
        if !self.is_complete(dir) {
            self.need(Need::Fetch(dir.to_string()));
        }
        let prefix = if dir == "/" {
            "/".to_string()
        } else {
            format!("{dir}/")
        };
        let len = prefix.len();
        self.nodes
            .range(prefix.clone()..)
            .take_while(move |(path, _)| path.starts_with(&prefix))
            .filter_map(move |(path, _)| {
                let rest = &path[len..];
                (!rest.is_empty() && !rest.contains('/')).then_some(rest)
            })
    }

    /// Regular files (hard links included) under canonical directory `dir`:
    /// how many and their total size.
    pub(crate) fn tree_size(&self, dir: &str) -> (usize, u64) {
        if !self.is_complete(dir) {
            self.need(Need::Fetch(dir.to_string()));
        }
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        self.nodes
            .range(prefix.clone()..)
            .take_while(|(path, _)| path.starts_with(&prefix))
            .filter_map(|(path, _)| self.file(path).map(|(size, _, _)| size))
            .fold((0, 0), |(n, total), size| (n + 1, total + size))
    }
}

/// The largest text file kept (dpkg's status file of a big image is a few MB).
const TEXT_LIMIT: u64 = 64 << 20;

/// The text files the resolution reads.
fn wants_text(path: &str) -> bool {
    path.starts_with("/etc/ld.so.conf")
        || path == crate::harvest::dpkg::STATUS_FILE
        || (path.starts_with("/var/lib/dpkg/info/") && path.ends_with(".list"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A tar stream built in memory: `(path, kind)` with kind `dir`,
    /// `file:<content>`, `link:<target>`.
    pub(crate) fn tar_of(entries: &[(&str, &str)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, kind) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_mode(0o755);
            if *kind == "dir" {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_size(0);
                builder.append_data(&mut header, path, io::empty()).unwrap();
            } else if let Some(target) = kind.strip_prefix("link:") {
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_size(0);
                builder.append_link(&mut header, path, target).unwrap();
            } else if let Some(content) = kind.strip_prefix("file:") {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(content.len() as u64);
                builder
                    .append_data(&mut header, path, content.as_bytes())
                    .unwrap();
            } else {
                panic!("unknown kind {kind}");
            }
        }
        builder.into_inner().unwrap()
    }

    fn merged_usr() -> StageFs {
        let tar = tar_of(&[
            ("usr", "dir"),
            ("usr/lib", "dir"),
            ("usr/lib/x86_64-linux-gnu", "dir"),
            ("lib", "link:usr/lib"),
            ("lib64", "link:usr/lib64"),
            ("usr/lib64", "dir"),
            (
                "usr/lib64/ld-linux-x86-64.so.2",
                "link:/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
            ),
            ("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "file:ld"),
            (
                "usr/lib/x86_64-linux-gnu/librecode.so.0",
                "link:librecode.so.0.0.0",
            ),
            ("usr/lib/x86_64-linux-gnu/librecode.so.0.0.0", "file:recode"),
            ("loop/a", "link:b"),
            ("loop/b", "link:/loop/a"),
            ("etc/ld.so.conf", "file:include /etc/ld.so.conf.d/*.conf\n"),
        ]);
        StageFs::from_tar(&tar[..], "build").unwrap()
    }

    #[test]
    fn lookup_follows_links_like_the_kernel() {
        let fs = merged_usr();
        let found = fs.lookup("/lib64/ld-linux-x86-64.so.2", true).unwrap();
        assert_eq!(found.path, "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
        assert_eq!(found.links.len(), 3, "{found:?}");
        let found = fs
            .lookup("/lib/x86_64-linux-gnu/librecode.so.0", false)
            .unwrap();
        assert_eq!(found.path, "/usr/lib/x86_64-linux-gnu/librecode.so.0");
        let found = fs
            .lookup(
                "/lib/x86_64-linux-gnu/../x86_64-linux-gnu/librecode.so.0",
                true,
            )
            .unwrap();
        assert_eq!(found.path, "/usr/lib/x86_64-linux-gnu/librecode.so.0.0.0");
        assert_eq!(fs.lookup("/loop/a", true), Err(LookupError::Loop));
        assert_eq!(
            fs.lookup("/lib/nope/x", true),
            Err(LookupError::NotFound("/usr/lib/nope".to_string()))
        );
        assert_eq!(fs.file("/etc/ld.so.conf").unwrap().0, 33);
        assert!(fs.file("/etc/ld.so.conf").unwrap().2.is_some());
        assert_eq!(fs.tree_size("/usr/lib"), (2, 8));
        let names: Vec<&str> = fs.children("/usr/lib/x86_64-linux-gnu").collect();
        assert_eq!(
            names,
            [
                "ld-linux-x86-64.so.2",
                "librecode.so.0",
                "librecode.so.0.0.0"
            ]
        );
        let under: Vec<_> = fs.files_under("/usr/lib/").collect();
        assert_eq!(under.len(), 2);
    }
}
