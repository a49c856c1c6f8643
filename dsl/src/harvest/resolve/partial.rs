//! [`StageFs::export_for`] and [`StageFs::export_with`]: an index of only
//! the parts of a stage's filesystem a harvest needs, read in parallel.
//!
//! `docker export` streams the whole filesystem (232 MB for python3 with
//! numpy and Pillow, about 1 s on the daemon's side); the closure needs the
//! library directories, the declared paths and a few stats. The Engine API
//! has two cheaper calls on a container: `HEAD /containers/{id}/archive`
//! (one path's kind, size and, for a link, its fully resolved target; about
//! 2 ms) and `GET /containers/{id}/archive` (a path's tar, a whole directory
//! or one file; about 50 ms before the first byte, as the daemon archives
//! in a child process). The daemon serializes the archive requests of one
//! container, so a few containers of the image are made (never started)
//! and the requests go to them in parallel.
//!
//! The index is made in rounds, until a resolution asks nothing it lacks:
//!
//! 1. the harvest is resolved on what the index has; every question it
//!    cannot answer for certain (a path whose parent is a directory not read
//!    whole, a file whose content was not read, a directory listing) is
//!    recorded as a [`Need`] and the outcome, success or error, is thrown
//!    away;
//! 2. the needs are asked for: a path's kind with `HEAD` (sixteen at a
//!    time), a file's content or a directory's entries with `GET` (one per
//!    container; eight or more files of one directory: the directory); the
//!    first round also reads what every closure reads (`/etc`, the host's
//!    multiarch library directories `/lib/<triple>` and `/usr/lib/<triple>`,
//!    and `/var/lib/dpkg` when packages are declared) and walks each declared path from `/` in one request
//!    (`HEAD` per component, links followed, then a `GET` of where it
//!    ends; eight or more declared paths of one directory below the top
//!    level: the directory);
//! 3. a `GET` is only sent for a path whose every parent is known to be a
//!    real directory (asked with `HEAD` first when not), so what the daemon
//!    returns lands at the path it has;
//! 4. after 32 rounds (never seen), the whole filesystem is exported instead.
//!
//! A path known not to exist (a `404`, or absent from a directory read
//! whole) is an answer; anything else unknown is a need. So the final
//! resolution is the one a whole export gives: the same files, sizes and
//! reasons. One difference: a symbolic link known from `HEAD` alone keeps
//! its resolved target (`/lib -> /usr/lib`), not the text it holds
//! (`usr/lib`), in [`ManifestEntry::links`](super::ManifestEntry::links).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use bollard::query_parameters::ContainerArchiveInfoOptionsBuilder;
use bollard::Docker;
use futures_util::{future, stream, StreamExt};

use super::fs::{parent, Need, Node, Partial, StageFs};
use super::walk::{Step, Walk};
use super::{ResolveError, EXPORT_LABEL};
use crate::engine::{archive, Engine};
use crate::harvest::{Declared, Harvest};

/// Containers read in parallel (the daemon serializes each one's requests).
const CONTAINERS: usize = 5;
/// `HEAD` requests in flight at once.
const STATS_AT_ONCE: usize = 16;
/// Rounds before falling back to a whole export.
const MAX_ROUNDS: usize = 32;
/// This many files of one directory wanted in a round: the directory is read whole.
const GROUP: usize = 8;

/// `os.FileMode` bits, as the daemon reports them.
const MODE_DIR: u32 = 1 << 31;
const MODE_SYMLINK: u32 = 1 << 27;
const MODE_SPECIAL: u32 = (1 << 26) | (1 << 25) | (1 << 24) | (1 << 21) | (1 << 19);

/// How a partial index was made: for [`StageFs::fetched`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fetched {
    /// Rounds of requests.
    pub rounds: usize,
    /// `HEAD` requests (a path's kind).
    pub stats: usize,
    /// `GET` requests (a file or a directory, whole).
    pub reads: usize,
    /// Declared paths walked component by component (`HEAD`s, then a `GET`).
    pub walks: usize,
    /// It fell back to exporting the whole filesystem.
    pub whole: bool,
}

/// One request to make.
#[derive(Debug, Clone)]
enum Request {
    Stat(String),
    /// A declared path: `HEAD` each component from `/`, following links
    /// (to their resolved targets), then `GET` where it ends (a file's
    /// content, a directory whole): the walk a resolution would make
    /// round by round, in one request.
    Walk(String),
    /// `GET path`, after `HEAD` of the parents not known to be directories.
    Read {
        path: String,
        parents: Vec<String>,
    },
}

/// What one request learned.
enum Learned {
    Absent(String),
    Node(String, Node),
    Tree(String, StageFs),
}

/// Never-started containers of one image, each serving one request at a time.
struct Pool {
    docker: Docker,
    ids: Vec<String>,
    free: Mutex<Vec<String>>,
}

impl Pool {
    async fn create(engine: &Engine, image: &str, stage: &str) -> Result<Pool, ResolveError> {
        let docker = engine.docker().clone();
        let created = future::join_all(
            (0..CONTAINERS).map(|_| create_export_container(&docker, image, stage)),
        )
        .await;
        let mut ids = Vec::new();
        let mut failure = None;
        for result in created {
            match result {
                Ok(id) => ids.push(id),
                Err(error) => failure = Some(error),
            }
        }
        let pool = Pool {
            docker,
            free: Mutex::new(ids.clone()),
            ids,
        };
        if let Some(error) = failure {
            let _ = pool.remove(stage).await;
            return Err(error);
        }
        Ok(pool)
    }

    fn take(&self) -> String {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        free.pop().unwrap_or_else(|| self.ids[0].clone())
    }

    fn give(&self, id: String) {
        self.free.lock().unwrap_or_else(|e| e.into_inner()).push(id);
    }

    async fn remove(&self, stage: &str) -> Result<(), ResolveError> {
        let removed = future::join_all(
            self.ids
                .iter()
                .map(|id| crate::engine::remove_container(&self.docker, id)),
        )
        .await;
        for (id, result) in self.ids.iter().zip(removed) {
            result.map_err(|error| ResolveError::Export {
                stage: stage.to_string(),
                cause: format!("removing the export container {id}: {error}"),
            })?;
        }
        Ok(())
    }

    /// Serves one request on a free container.
    async fn serve(&self, request: Request, stage: &str) -> Result<Vec<Learned>, ResolveError> {
        let id = self.take();
        let learned = serve_on(&self.docker, &id, request, stage).await;
        self.give(id);
        learned
    }
}

/// A container of `image` to read from, never started.
pub(super) async fn create_export_container(
    docker: &Docker,
    image: &str,
    stage: &str,
) -> Result<String, ResolveError> {
    archive::create_reader(docker, image, EXPORT_LABEL, "/stagecraft-export")
        .await
        .map_err(|source| ResolveError::Docker {
            what: format!("creating a container of stage {stage:?} ({image}) to read it"),
            source,
        })
}

/// `HEAD`: the node at `path`, `None` when it does not exist.
async fn stat(
    docker: &Docker,
    id: &str,
    path: &str,
) -> Result<Option<Node>, bollard::errors::Error> {
    let options = ContainerArchiveInfoOptionsBuilder::new().path(path).build();
    match docker.get_container_archive_info(id, Some(options)).await {
        Ok(stat) => Ok(Some(if stat.file_mode & MODE_DIR != 0 {
            Node::Dir
        } else if stat.file_mode & MODE_SYMLINK != 0 {
            Node::Symlink(stat.link_target)
        } else if stat.file_mode & MODE_SPECIAL != 0 {
            Node::Other
        } else {
            Node::Unread {
                size: u64::try_from(stat.size).unwrap_or(0),
            }
        })),
        Err(error) if archive::is_not_found(&error) => Ok(None),
        Err(error) => Err(error),
    }
}

/// `GET`: the index of `path` (a directory whole, a file, a link), `None`
/// when it does not exist.
///
/// The daemon follows every link of the path, the last included, and
/// answers a loop with a 500 naming its overlay2 directory; then the
/// nearest directory above that it can read is read instead, whose index
/// holds the links themselves, so the lookup in the index tells the loop
/// in the stage's own paths ([`ResolveError::SymlinkLoop`]).
async fn read(
    docker: &Docker,
    id: &str,
    path: &str,
    stage: &str,
) -> Result<Option<StageFs>, ResolveError> {
    let mut at = path.to_string();
    loop {
        match read_exactly(docker, id, &at, stage).await {
            Err(ResolveError::Docker { source, .. })
                if archive::is_link_loop(&source) && at != "/" =>
            {
                at = parent(&at).to_string();
            }
            other => return other,
        }
    }
}

/// [`read`] of `path` itself.
async fn read_exactly(
    docker: &Docker,
    id: &str,
    path: &str,
    stage: &str,
) -> Result<Option<StageFs>, ResolveError> {
    let handle = tokio::runtime::Handle::current();
    let docker = docker.clone();
    let (id, path, stage) = (id.to_string(), path.to_string(), stage.to_string());
    let what = format!("reading {path} of stage {stage:?}");
    tokio::task::spawn_blocking(move || {
        let reader = match archive::open_archive(handle, &docker, &id, &path) {
            Ok(Some(reader)) => reader,
            Ok(None) => return Ok(None),
            Err(source) => return Err(ResolveError::Docker { what, source }),
        };
        let mut fs = StageFs::empty(stage.clone(), None);
        fs.add_tar(reader, parent(&path))
            .map_err(|error| ResolveError::Export {
                stage,
                cause: format!("reading {path}: {error}"),
            })?;
        Ok(Some(fs))
    })
    .await
    .map_err(|error| ResolveError::Export {
        stage: String::new(),
        cause: format!("the reading thread failed: {error}"),
    })?
}

/// [`Request::Walk`].
async fn walk(
    docker: &Docker,
    id: &str,
    path: &str,
    stage: &str,
) -> Result<Vec<Learned>, ResolveError> {
    let mut learned = Vec::new();
    // The walk of `StageFs::lookup`, told by the daemon's answers.
    let mut walk = Walk::new(path, true);
    let mut last = None;
    let found = loop {
        match walk.step() {
            Step::Ask(next) => {
                // An error (a link loop the daemon refuses): the rounds ask again.
                let Ok(node) = stat(docker, id, &next).await else {
                    return Ok(learned);
                };
                walk.answer(node.as_ref());
                learned.push(match &node {
                    None => Learned::Absent(next),
                    Some(node) => Learned::Node(next, node.clone()),
                });
                last = node;
            }
            Step::Done(Ok(found)) => break found,
            Step::Done(Err(_)) => return Ok(learned),
        }
    };
    // The file or the directory it leads to, read.
    let read_it = match last {
        Some(Node::Unread { .. }) => true,
        Some(Node::Dir) | None => found.path != "/",
        _ => false,
    };
    if read_it {
        if let Some(fs) = read(docker, id, &found.path, stage).await? {
            learned.push(Learned::Tree(found.path, fs));
        }
    }
    Ok(learned)
}

async fn serve_on(
    docker: &Docker,
    id: &str,
    request: Request,
    stage: &str,
) -> Result<Vec<Learned>, ResolveError> {
    let docker_error = |path: &str, source| ResolveError::Docker {
        what: format!("asking for {path} in stage {stage:?}"),
        source,
    };
    match request {
        Request::Walk(path) => walk(docker, id, &path, stage).await,
        Request::Stat(path) => match stat(docker, id, &path).await {
            Ok(Some(node)) => Ok(vec![Learned::Node(path, node)]),
            Ok(None) => Ok(vec![Learned::Absent(path)]),
            // A link the daemon cannot resolve (a loop): read the link itself.
            Err(bollard::errors::Error::DockerResponseServerError { .. }) => {
                Ok(match read(docker, id, &path, stage).await? {
                    Some(fs) => vec![Learned::Tree(path, fs)],
                    None => vec![Learned::Absent(path)],
                })
            }
            Err(error) => Err(docker_error(&path, error)),
        },
        Request::Read { path, parents } => {
            let mut learned = Vec::new();
            for dir in parents {
                match stat(docker, id, &dir).await {
                    Ok(Some(Node::Dir)) => learned.push(Learned::Node(dir, Node::Dir)),
                    Ok(Some(node)) => {
                        learned.push(Learned::Node(dir, node));
                        return Ok(learned);
                    }
                    Ok(None) => {
                        learned.push(Learned::Absent(dir));
                        return Ok(learned);
                    }
                    Err(error) if archive::is_link_loop(&error) => {
                        if let Some(fs) = read(docker, id, &dir, stage).await? {
                            learned.push(Learned::Tree(dir, fs));
                        }
                        return Ok(learned);
                    }
                    Err(error) => return Err(docker_error(&dir, error)),
                }
            }
            learned.push(match read(docker, id, &path, stage).await? {
                Some(fs) => Learned::Tree(path, fs),
                None => Learned::Absent(path),
            });
            Ok(learned)
        }
    }
}

/// The declared paths, walked in the first round.
fn walks(harvest: &Harvest) -> Vec<String> {
    harvest
        .declared
        .iter()
        .filter_map(|declared| match declared {
            Declared::Binary(path) | Declared::Library(path) | Declared::Path(path) => {
                Some(path.clone())
            }
            Declared::File { source, .. } => Some(source.clone()),
            Declared::Package(_) | Declared::Traced(_) => None,
        })
        .filter(|path| path.starts_with('/'))
        .collect()
}

/// What every closure reads, asked for in the first round.
fn seeds(harvest: &Harvest) -> Vec<String> {
    let mut seeds = vec!["/etc".to_string()];
    if let Some(triple) = host_multiarch() {
        // Both: on a merged-/usr system the first is under the link /lib
        // (one HEAD tells, and nothing is read twice).
        seeds.push(format!("/lib/{triple}"));
        seeds.push(format!("/usr/lib/{triple}"));
    }
    let packages = harvest
        .declared
        .iter()
        .any(|d| matches!(d, Declared::Package(_)));
    if packages || !harvest.except.is_empty() {
        seeds.push("/var/lib/dpkg".to_string());
    }
    seeds
}

fn host_multiarch() -> Option<&'static str> {
    match std::env::consts::ARCH {
        "x86_64" => Some("x86_64-linux-gnu"),
        "aarch64" => Some("aarch64-linux-gnu"),
        _ => None,
    }
}

/// `/a/b/c` -> `/a`, `/a/b` (not `/`, not the path).
fn ancestors(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = parent(path);
    while at != "/" {
        out.push(at.to_string());
        at = parent(at);
    }
    out.reverse();
    out
}

/// The requests of one round: the needs, files grouped into their
/// directory when many, nothing asked twice, reads first; and the paths
/// with nothing under them to read (a link, a file already read, a path
/// under a link or a missing directory: a whole export has no entry under
/// them either).
fn plan(
    fs: &StageFs,
    needs: BTreeSet<Need>,
    seeds: Vec<String>,
    walks: Vec<String>,
) -> (Vec<Request>, Vec<String>) {
    let mut empty = Vec::new();
    let seeds: Vec<String> = seeds
        .into_iter()
        .filter(|path| !fs.is_complete(path))
        .collect();
    let mut reads: BTreeSet<String> = seeds.iter().cloned().collect();
    let mut stats = BTreeSet::new();
    let mut files_by_dir: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for need in needs {
        match need {
            Need::Stat(path) => {
                stats.insert(path);
            }
            Need::Fetch(path) => {
                if matches!(
                    fs.nodes.get(&path),
                    Some(Node::Symlink(_) | Node::HardLink(_) | Node::Other | Node::File { .. })
                ) {
                    empty.push(path);
                } else if matches!(fs.nodes.get(&path), Some(Node::Unread { .. }) | None)
                    && matches!(fs.nodes.get(parent(&path)), Some(Node::Dir))
                {
                    files_by_dir
                        .entry(parent(&path).to_string())
                        .or_default()
                        .push(path);
                } else {
                    reads.insert(path);
                }
            }
        }
    }
    for (dir, files) in files_by_dir {
        if files.len() >= GROUP && dir != "/" {
            reads.insert(dir);
        } else {
            reads.extend(files);
        }
    }
    let covered =
        |path: &str, reads: &BTreeSet<String>| ancestors(path).iter().any(|a| reads.contains(a));
    let reads: Vec<String> = reads
        .iter()
        .filter(|path| !covered(path, &reads))
        .cloned()
        .collect();
    let read_set: BTreeSet<String> = reads.iter().cloned().collect();
    let absent = |path: &str| fs.partial.as_ref().is_some_and(|p| p.absent.contains(path));
    // The seeds first (the largest reads), then the walks (chains of
    // requests), then the rest.
    let mut reads = reads;
    reads.sort_by_key(|path| !seeds.contains(path));
    let mut requests = Vec::new();
    let mut walked = BTreeSet::new();
    let mut walk_requests = Vec::new();
    // Eight or more declared paths in one directory (below the top
    // level): the directory is walked and read whole, one request.
    let walks: Vec<String> = walks.iter().map(|p| super::fs::clean(p)).collect();
    let mut by_parent: BTreeMap<&str, usize> = BTreeMap::new();
    for path in &walks {
        *by_parent.entry(parent(path)).or_default() += 1;
    }
    let walks: Vec<String> = walks
        .iter()
        .map(|path| {
            let dir = parent(path);
            if by_parent[dir] >= GROUP && ancestors(path).len() >= 3 {
                dir.to_string()
            } else {
                path.clone()
            }
        })
        .collect();
    for path in walks {
        if !covered(&path, &read_set) && !read_set.contains(&path) && walked.insert(path.clone()) {
            walk_requests.push(Request::Walk(path));
        }
    }
    let mut first_walk = None;
    for path in reads {
        let chain = ancestors(&path);
        if chain
            .iter()
            .any(|a| absent(a) || matches!(fs.nodes.get(a), Some(node) if *node != Node::Dir))
        {
            // Under a link, a file or nothing: the walk asks for the real path.
            empty.push(path);
            continue;
        }
        let parents = chain
            .into_iter()
            .filter(|a| !fs.nodes.contains_key(a))
            .collect();
        if first_walk.is_none() && !seeds.contains(&path) {
            first_walk = Some(requests.len());
        }
        requests.push(Request::Read { path, parents });
    }
    let at = first_walk.unwrap_or(requests.len());
    requests.splice(at..at, walk_requests);
    for path in stats {
        if !read_set.contains(&path) && !covered(&path, &read_set) {
            requests.push(Request::Stat(path));
        }
    }
    (requests, empty)
}

impl StageFs {
    /// Indexes only what resolving `harvest` in `image` (a built stage)
    /// needs, reading it in parallel from a few never-started containers of
    /// the image (`HEAD /containers/{id}/archive` for a path's kind, `GET`
    /// for a file's content or a directory whole), removed at the end.
    ///
    /// It goes in rounds: the harvest is resolved on what the index has,
    /// every question it cannot answer for certain (a path beside the
    /// directories read whole, a file not read, a directory listing) is
    /// asked for, and again, until a resolution lacks nothing (after 32
    /// rounds, never seen, the whole filesystem is exported instead). The
    /// first round reads what every closure reads (`/etc`, the multiarch
    /// library directories, `/var/lib/dpkg` when packages are declared) and
    /// walks each declared path. A `GET` is only sent for a path whose
    /// parents are known to be real directories, so what the daemon
    /// returns lands where it is.
    ///
    /// The index answers [`StageFs::resolve`] of `harvest` as
    /// [`StageFs::export`]'s does (the same paths, sizes, kinds and
    /// reasons; a link known from a `HEAD` alone shows its resolved target,
    /// `/lib -> /usr/lib`, in [`ManifestEntry::links`](super::ManifestEntry::links)),
    /// in less time on large images (python3 with numpy and Pillow: 149 of
    /// 232 MB read); asked about anything else, it says
    /// [`ResolveError::Incomplete`]. `stage` names it in errors.
    ///
    /// ```no_run
    /// use stagecraft::engine::blocking::Engine;
    /// use stagecraft::harvest::{Harvest, StageFs};
    ///
    /// let engine = Engine::connect()?;
    /// let harvest = Harvest::new().binary("/usr/games/fortune");
    /// let fs = engine.export_for("stagecraft-example/fortune:build", "build", &harvest)?;
    /// print!("{}", fs.resolve(&harvest)?.to_text());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ResolveError::Docker`] or [`ResolveError::Export`]; the
    /// resolution's own errors come from [`StageFs::resolve`].
    pub async fn export_for(
        engine: &Engine,
        image: &str,
        stage: impl Into<String>,
        harvest: &Harvest,
    ) -> Result<StageFs, ResolveError> {
        StageFs::export_with(engine, image, stage, |_| harvest.clone())
            .await
            .map(|(fs, _)| fs)
    }

    /// Like [`export_for`](Self::export_for), for a harvest that depends on
    /// the filesystem: `harvest` is called each round with the index so far
    /// (what it lists with [`files_under`](Self::files_under) is read by the
    /// next round), and its last answer is returned with the index.
    ///
    /// ```no_run
    /// use stagecraft::engine::blocking::Engine;
    /// use stagecraft::harvest::{Harvest, StageFs};
    ///
    /// // python3 and every extension module numpy installed.
    /// let engine = Engine::connect()?;
    /// let (fs, harvest) = engine.export_with("python-numpy:build", "build", |fs| {
    ///     fs.files_under("/usr/lib/python3/dist-packages/numpy")
    ///         .filter(|(path, _)| path.ends_with(".so"))
    ///         .fold(Harvest::new().binary("/usr/bin/python3"), |h, (path, _)| h.library(path))
    /// })?;
    /// print!("{}", fs.resolve(&harvest)?.to_text());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`export_for`](Self::export_for).
    pub async fn export_with<F>(
        engine: &Engine,
        image: &str,
        stage: impl Into<String>,
        mut harvest: F,
    ) -> Result<(StageFs, Harvest), ResolveError>
    where
        F: FnMut(&StageFs) -> Harvest,
    {
        let stage = stage.into();
        let pool = Pool::create(engine, image, &stage).await?;
        let made = StageFs::rounds(&pool, &stage, &mut harvest).await;
        let removed = pool.remove(&stage).await;
        let made = made?;
        removed?;
        Ok(made)
    }

    async fn rounds<F>(
        pool: &Pool,
        stage: &str,
        harvest: &mut F,
    ) -> Result<(StageFs, Harvest), ResolveError>
    where
        F: FnMut(&StageFs) -> Harvest,
    {
        let mut fs = StageFs::empty(stage, Some(Partial::default()));
        let mut fetched = Fetched::default();
        for round in 0..MAX_ROUNDS {
            fs.take_needs();
            let wanted = harvest(&fs);
            let _ = fs.resolve_on_index(&wanted);
            let needs = fs.take_needs();
            let (seeds, walks) = if round == 0 {
                (seeds(&wanted), walks(&wanted))
            } else {
                (Vec::new(), Vec::new())
            };
            if needs.is_empty() && seeds.is_empty() && walks.is_empty() {
                if let Some(partial) = &mut fs.partial {
                    partial.fetched = fetched;
                }
                return Ok((fs, wanted));
            }
            let (requests, empty) = plan(&fs, needs, seeds, walks);
            if let Some(partial) = &mut fs.partial {
                partial.complete.extend(empty.iter().cloned());
            }
            if requests.is_empty() {
                if empty.is_empty() {
                    break;
                }
                continue;
            }
            fetched.rounds += 1;
            for request in &requests {
                match request {
                    Request::Stat(_) => fetched.stats += 1,
                    Request::Walk(_) => fetched.walks += 1,
                    Request::Read { parents, .. } => {
                        fetched.reads += 1;
                        fetched.stats += parents.len();
                    }
                }
            }
            // Reads and walks one per container; stats (a few ms each, the
            // container locked only meanwhile) many at a time, beside them.
            let (stats, reads): (Vec<Request>, Vec<Request>) = requests
                .into_iter()
                .partition(|r| matches!(r, Request::Stat(_)));
            let next = std::sync::atomic::AtomicUsize::new(0);
            let (read, stated) = future::join(
                stream::iter(reads)
                    .map(|request| pool.serve(request, stage))
                    .buffer_unordered(CONTAINERS)
                    .collect::<Vec<_>>(),
                stream::iter(stats)
                    .map(|request| {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let id = pool.ids[i % pool.ids.len()].clone();
                        async move { serve_on(&pool.docker, &id, request, stage).await }
                    })
                    .buffer_unordered(STATS_AT_ONCE)
                    .collect::<Vec<_>>(),
            )
            .await;
            let learned: Vec<Result<Vec<Learned>, ResolveError>> =
                read.into_iter().chain(stated).collect();
            for learned in learned {
                for item in learned? {
                    fs.learn(item);
                }
            }
        }
        // A safety net: the whole filesystem.
        let id = pool.take();
        let mut whole = StageFs::read_export(&pool.docker, &id, stage).await?;
        pool.give(id);
        fetched.whole = true;
        whole.partial = Some(Partial {
            complete: BTreeSet::from(["/".to_string()]),
            fetched,
            ..Partial::default()
        });
        let wanted = harvest(&whole);
        Ok((whole, wanted))
    }

    fn learn(&mut self, learned: Learned) {
        let Some(partial) = &mut self.partial else {
            return;
        };
        match learned {
            Learned::Absent(path) => {
                partial.absent.insert(path);
            }
            Learned::Node(path, node) => {
                self.nodes.entry(path).or_insert(node);
            }
            Learned::Tree(path, tree) => {
                if matches!(tree.nodes.get(&path), Some(Node::Dir | Node::File { .. })) {
                    partial.complete.insert(path);
                }
                self.merge(tree);
            }
        }
    }

    /// How this index was made, when by [`export_for`](Self::export_for)
    /// or [`export_with`](Self::export_with).
    pub fn fetched(&self) -> Option<Fetched> {
        self.partial.as_ref().map(|p| p.fetched)
    }
}

#[cfg(test)]
mod tests {
    use super::super::fs::tests::tar_of;
    use super::*;

    #[test]
    fn plans_reads_before_stats_grouped_and_under_real_directories() {
        let mut fs = StageFs::empty("build", Some(Partial::default()));
        fs.nodes.insert("/usr".to_string(), Node::Dir);
        fs.nodes.insert("/usr/bin".to_string(), Node::Dir);
        fs.nodes
            .insert("/lib".to_string(), Node::Symlink("/usr/lib".to_string()));
        for i in 0..GROUP {
            fs.nodes
                .insert(format!("/usr/bin/p{i}"), Node::Unread { size: 1 });
        }
        let mut needs: BTreeSet<Need> = (0..GROUP)
            .map(|i| Need::Fetch(format!("/usr/bin/p{i}")))
            .collect();
        needs.insert(Need::Stat("/usr/bin/other".to_string()));
        needs.insert(Need::Stat("/opt".to_string()));
        needs.insert(Need::Fetch("/lib/x86_64-linux-gnu".to_string()));
        needs.insert(Need::Fetch("/var/lib/dpkg/info/a.list".to_string()));
        let (requests, empty) = plan(
            &fs,
            needs,
            vec!["/usr/lib/x86_64-linux-gnu".to_string()],
            ["/usr/bin/p1", "/opt/app/run"]
                .into_iter()
                .map(str::to_string)
                .chain((0..GROUP).map(|i| format!("/usr/lib/python3.11/lib-dynload/m{i}.so")))
                .collect(),
        );
        assert_eq!(empty, ["/lib/x86_64-linux-gnu"]);
        let shown: Vec<String> = requests
            .iter()
            .map(|r| match r {
                Request::Stat(path) => format!("HEAD {path}"),
                Request::Read { path, parents } => format!("GET {path} after {parents:?}"),
                Request::Walk(path) => format!("walk {path}"),
            })
            .collect();
        assert_eq!(
            shown,
            [
                // The seed, the walks (what a read covers left out), the reads.
                "GET /usr/lib/x86_64-linux-gnu after [\"/usr/lib\"]",
                "walk /opt/app/run",
                // Eight declared files of one directory: the directory.
                "walk /usr/lib/python3.11/lib-dynload",
                // Eight files of /usr/bin: the directory, the stat of a ninth with it.
                "GET /usr/bin after []",
                "GET /var/lib/dpkg/info/a.list after [\"/var\", \"/var/lib\", \"/var/lib/dpkg\", \"/var/lib/dpkg/info\"]",
                "HEAD /opt",
            ],
            "/lib is a link: nothing is read through it"
        );
    }

    #[test]
    fn a_partial_index_answers_only_what_it_knows() {
        let tar = tar_of(&[
            ("x86_64-linux-gnu/libc.so.6", "file:libc"),
            ("x86_64-linux-gnu/libm.so.6", "file:libm"),
        ]);
        let mut fs = StageFs::empty("build", Some(Partial::default()));
        fs.learn(Learned::Node("/usr".to_string(), Node::Dir));
        fs.learn(Learned::Node("/usr/lib".to_string(), Node::Dir));
        let mut tree = StageFs::empty("build", None);
        tree.add_tar(&tar[..], "/usr/lib").unwrap();
        tree.nodes
            .insert("/usr/lib/x86_64-linux-gnu".to_string(), Node::Dir);
        fs.learn(Learned::Tree("/usr/lib/x86_64-linux-gnu".to_string(), tree));
        assert!(fs
            .lookup("/usr/lib/x86_64-linux-gnu/libc.so.6", true)
            .is_ok());
        // Absent from a directory read whole: an answer, nothing needed.
        assert!(fs
            .lookup("/usr/lib/x86_64-linux-gnu/libz.so.1", true)
            .is_err());
        assert!(fs.take_needs().is_empty());
        // Beside it: not known.
        assert!(fs.lookup("/usr/lib/libz.so.1", true).is_err());
        assert!(fs.lookup("/opt/x", true).is_err());
        assert_eq!(fs.children("/usr").count(), 1);
        assert_eq!(
            fs.take_needs().into_iter().collect::<Vec<_>>(),
            [
                Need::Stat("/opt".to_string()),
                Need::Stat("/usr/lib/libz.so.1".to_string()),
                Need::Fetch("/usr".to_string()),
            ]
        );
        fs.learn(Learned::Absent("/opt".to_string()));
        assert!(fs.lookup("/opt/x", true).is_err());
        assert!(fs.take_needs().is_empty());
        // A resolution that lacked something is not an answer.
        let error = fs
            .resolve(&Harvest::new().binary("/usr/bin/python3"))
            .unwrap_err();
        assert!(
            matches!(&error, ResolveError::Incomplete { stage, lacks } if stage == "build" && lacks == &["/etc", "/usr/bin"]),
            "{error:?}"
        );
    }
}
