//! The dynamic loader's algorithm on the index: the closure of `DT_NEEDED`
//! in ld.so's search order (`RPATH` without `RUNPATH`, `RUNPATH` with
//! `$ORIGIN`, `/etc/ld.so.conf` and its includes, the multiarch defaults).

use super::*;

impl StageFs {
    /// The directories of `/etc/ld.so.conf`, `include` lines followed, in order.
    pub(super) fn conf_dirs(&self) -> Vec<String> {
        self.walk_conf().dirs
    }

    /// [`conf_dirs`](Self::conf_dirs) and what the walk read.
    ///
    /// Each file is read once, however often it is included (a file that
    /// includes itself, or a directory of files that each include the whole
    /// directory, is no fan-out), at most [`MAX_CONF_DEPTH`] includes deep
    /// and [`MAX_CONF_FILES`] files in all: a hostile stage cannot make the
    /// harvest loop. A second inclusion adds nothing ld.so would use: only
    /// the first occurrence of a directory counts.
    pub(super) fn walk_conf(&self) -> ConfWalk {
        let mut walk = ConfWalk::default();
        self.read_conf("/etc/ld.so.conf", &mut walk, 0);
        let mut seen = HashSet::new();
        walk.dirs.retain(|dir| seen.insert(dir.clone()));
        walk
    }

    fn read_conf(&self, path: &str, walk: &mut ConfWalk, depth: usize) {
        if depth > MAX_CONF_DEPTH || walk.read.len() >= MAX_CONF_FILES {
            return;
        }
        let Ok(found) = self.lookup(path, true) else {
            return;
        };
        if !walk.visited.insert(found.path.clone()) {
            return;
        }
        let Some((_, _, Some(text))) = self.file(&found.path) else {
            return;
        };
        walk.read.push(found.path.clone());
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() || line.starts_with("hwcap ") {
                continue;
            }
            if let Some(patterns) = line
                .strip_prefix("include")
                .filter(|rest| rest.starts_with([' ', '\t']))
            {
                for pattern in patterns.split_whitespace() {
                    let pattern = if pattern.starts_with('/') {
                        pattern.to_string()
                    } else {
                        format!("{}/{pattern}", parent(path))
                    };
                    for file in self.glob(&pattern) {
                        self.read_conf(&file, walk, depth + 1);
                    }
                }
            } else {
                walk.dirs.extend(
                    line.split([' ', '\t', ':', ','])
                        .filter(|dir| dir.starts_with('/'))
                        .map(clean),
                );
            }
        }
    }

    /// The files matching `pattern` (wildcards in the last component only), sorted.
    pub(super) fn glob(&self, pattern: &str) -> Vec<String> {
        let pattern = clean(pattern);
        let (dir, name) = (parent(&pattern), file_name(&pattern));
        let Ok(found) = self.lookup(dir, true) else {
            return Vec::new();
        };
        self.children(&found.path)
            .filter(|child| wildcard(name.as_bytes(), child.as_bytes()))
            .map(|child| format!("{}/{child}", dir.trim_end_matches('/')))
            .collect()
    }
}

/// How deep `include` lines are followed in `/etc/ld.so.conf`.
pub(super) const MAX_CONF_DEPTH: usize = 8;

/// How many files of `/etc/ld.so.conf` and its includes are read at most.
pub(super) const MAX_CONF_FILES: usize = 1024;

/// What a walk of `/etc/ld.so.conf` found.
#[derive(Debug, Default)]
pub(super) struct ConfWalk {
    /// The directories, in order, each once.
    pub(super) dirs: Vec<String>,
    /// The files read, in order (each once).
    pub(super) read: Vec<String>,
    visited: HashSet<String>,
}

/// Shell-style `*` and `?` matching, in time linear in the product of the
/// lengths (no backtracking blow-up on patterns such as `*a*a*a*a*b`).
pub(super) fn wildcard(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    // The last `*` seen, and where in `name` its match ends so far.
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(b'?') => {
                p += 1;
                n += 1;
            }
            Some(&c) if c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((star_p, star_n)) => {
                    p = star_p + 1;
                    n = star_n + 1;
                    star = Some((star_p, star_n + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// One object of a closure, as the loader holds it.
pub(super) struct Object<'f> {
    /// The path it was opened by.
    path: String,
    /// `$ORIGIN`.
    origin: String,
    info: &'f ElfInfo,
    /// The object that loaded it.
    loader: Option<usize>,
}

/// Where a search directory comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum From {
    Rpath,
    Runpath,
    Conf,
    Default,
}

impl<'f> Resolver<'f> {
    /// A binary or library and the closure of its shared libraries.
    pub(super) fn closure(
        &mut self,
        what: &'static str,
        declared: &str,
    ) -> Result<(), ResolveError> {
        let path = clean(declared);
        let found = self.lookup(what, &path)?;
        let not_elf = |found: String| ResolveError::NotElf {
            what,
            path: path.clone(),
            found,
            stage: self.stage(),
        };
        if self.fs.is_dir(&found.path) {
            return Err(not_elf("a directory".to_string()));
        }
        let (size, info) = match self.fs.file(&found.path) {
            Some((size, Some(info), _)) => (size, info),
            Some((size, None, _)) => return Err(not_elf(format!("a file of {size} bytes"))),
            None => return Err(not_elf("a special file".to_string())),
        };
        let binary = what == "binary";
        let reason = if binary {
            Reason::Binary
        } else {
            Reason::Library
        };
        self.add(&path, &path, &found, size, reason);
        // The kernel gives the executable's $ORIGIN from its real path; a
        // dlopen'ed library's is the directory of the path it was opened by.
        let origin = if binary {
            parent(&found.path).to_string()
        } else {
            parent(&path).to_string()
        };
        let mut objects = vec![Object {
            path: path.clone(),
            origin,
            info,
            loader: None,
        }];
        let mut loaded: HashSet<String> = if binary {
            HashSet::new()
        } else {
            self.process.clone()
        };
        loaded.insert(path.clone());
        loaded.extend(info.soname.clone());
        if binary {
            if let Some(interp) = &info.interp {
                self.loader(interp, &path, &mut objects, &mut loaded);
            }
        }
        let root = info;
        let mut next = 0;
        while next < objects.len() {
            let object = next;
            next += 1;
            for name in &objects[object].info.needed {
                if loaded.contains(name) {
                    continue;
                }
                let (hit, searched, unusable) = self.search(name, &objects, object, root);
                let by = objects[object].path.clone();
                let Some((candidate, found, size, info, from)) = hit else {
                    let missing = MissingLibrary {
                        library: name.clone(),
                        needed_by: by,
                        searched,
                        unusable,
                    };
                    if !self.missing.contains(&missing) {
                        self.missing.push(missing);
                    }
                    loaded.insert(name.clone());
                    continue;
                };
                loaded.insert(name.clone());
                loaded.insert(candidate.clone());
                loaded.extend(info.soname.clone());
                if let Some(package) = self.except.get(&found.path) {
                    let note = format!("{candidate} left out: package {package} provides it");
                    if !self.warnings.contains(&note) {
                        self.warnings.push(note);
                    }
                    continue;
                }
                if from == From::Conf && self.cache_for.is_none() {
                    self.cache_for = Some(candidate.clone());
                }
                self.add(
                    &candidate,
                    &candidate,
                    &found,
                    size,
                    Reason::NeededBy {
                        library: name.clone(),
                        by,
                    },
                );
                objects.push(Object {
                    origin: parent(&candidate).to_string(),
                    path: candidate,
                    info,
                    loader: Some(object),
                });
            }
        }
        if binary {
            self.process.extend(loaded);
        }
        Ok(())
    }

    /// The dynamic loader of `binary`: copied at the path `PT_INTERP` names,
    /// and loaded under its `DT_SONAME` (so `libc.so.6`'s need of
    /// `ld-linux-x86-64.so.2` is the loader itself).
    pub(super) fn loader(
        &mut self,
        interp: &str,
        binary: &str,
        objects: &mut Vec<Object<'f>>,
        loaded: &mut HashSet<String>,
    ) {
        let interp = clean(interp);
        let usable =
            self.fs
                .lookup(&interp, true)
                .ok()
                .and_then(|found| match self.fs.file(&found.path) {
                    Some((size, Some(info), _)) => Some((found, size, info)),
                    _ => None,
                });
        let Some((found, size, info)) = usable else {
            let missing = MissingLibrary {
                library: interp.clone(),
                needed_by: binary.to_string(),
                searched: Vec::new(),
                unusable: self.unusable(&interp, None).into_iter().collect(),
            };
            if !self.missing.contains(&missing) {
                self.missing.push(missing);
            }
            return;
        };
        loaded.insert(interp.clone());
        loaded.extend(info.soname.clone());
        if self.except.contains_key(&found.path) {
            return;
        }
        self.add(
            &interp,
            &interp,
            &found,
            size,
            Reason::Loader {
                by: binary.to_string(),
            },
        );
        objects.push(Object {
            origin: parent(&interp).to_string(),
            path: interp,
            info,
            loader: Some(0),
        });
    }

    /// Searches `name` for `objects[object]` as `ld.so` does.
    #[allow(clippy::type_complexity)]
    pub(super) fn search(
        &self,
        name: &str,
        objects: &[Object<'f>],
        object: usize,
        root: &ElfInfo,
    ) -> (
        Option<(String, Found, u64, &'f ElfInfo, From)>,
        Vec<String>,
        Vec<String>,
    ) {
        let requester = &objects[object];
        let mut dirs: Vec<(String, From)> = Vec::new();
        if name.contains('/') {
            dirs.push((String::new(), From::Default));
        } else {
            if requester.info.runpath.is_empty() {
                let mut at = Some(object);
                while let Some(index) = at {
                    let o = &objects[index];
                    if o.info.runpath.is_empty() {
                        dirs.extend(
                            o.info
                                .rpath
                                .iter()
                                .map(|d| (expand(d, &o.origin), From::Rpath)),
                        );
                    }
                    at = o.loader;
                }
            }
            dirs.extend(
                requester
                    .info
                    .runpath
                    .iter()
                    .map(|d| (expand(d, &requester.origin), From::Runpath)),
            );
            let defaults = default_dirs(root);
            dirs.extend(
                self.conf_dirs
                    .iter()
                    .filter(|dir| !defaults.contains(dir))
                    .map(|dir| (dir.clone(), From::Conf)),
            );
            dirs.extend(defaults.into_iter().map(|dir| (dir, From::Default)));
        }
        let mut searched = Vec::new();
        let mut unusable = Vec::new();
        for (dir, from) in dirs {
            let candidate = if dir.is_empty() {
                clean(&expand(name, &requester.origin))
            } else {
                clean(&format!("{dir}/{name}"))
            };
            if !dir.is_empty() && !searched.contains(&dir) {
                searched.push(dir);
            }
            let found = match self.fs.lookup(&candidate, true) {
                Ok(found) => found,
                Err(LookupError::Loop) => {
                    unusable.push(format!("{candidate}: a symbolic link loop"));
                    continue;
                }
                Err(LookupError::NotFound(_)) => continue,
            };
            if let Some((size, Some(info), _)) = self.fs.file(&found.path) {
                if root.compatible(info) {
                    return (
                        Some((candidate, found, size, info, from)),
                        searched,
                        unusable,
                    );
                }
            }
            // Once per file: merged /usr finds it by two paths.
            if let Some(text) = self.unusable(&candidate, Some(root)) {
                if !unusable
                    .iter()
                    .any(|seen: &String| seen.contains(&found.path))
                {
                    unusable.push(text);
                }
            }
        }
        (None, searched, unusable)
    }

    /// What `path` holds when the loader cannot load it for `root` (which
    /// any ELF file satisfies when `None`), in words; `None` when it is an
    /// ELF file it can load or does not exist.
    pub(super) fn unusable(&self, path: &str, root: Option<&ElfInfo>) -> Option<String> {
        let found = match self.fs.lookup(path, true) {
            Ok(found) => found,
            Err(LookupError::Loop) => return Some(format!("{path}: a symbolic link loop")),
            Err(LookupError::NotFound(_)) => return None,
        };
        let shown = if found.path == path {
            path.to_string()
        } else {
            format!("{path} (-> {})", found.path)
        };
        let what = if self.fs.is_dir(&found.path) {
            "a directory".to_string()
        } else {
            match self.fs.file(&found.path) {
                Some((_, Some(info), _)) if root.is_none_or(|root| root.compatible(info)) => {
                    return None
                }
                Some((_, Some(_), _)) => "ELF of another class or machine".to_string(),
                Some((size, None, _)) => format!("a file of {size} bytes, not ELF"),
                None => "a special file".to_string(),
            }
        };
        Some(format!("{shown}: {what}"))
    }
}

/// `$ORIGIN`, `$LIB` and `$PLATFORM` (also in `${...}` form) expanded.
pub(super) fn expand(dir: &str, origin: &str) -> String {
    if !dir.contains('$') {
        return dir.to_string();
    }
    dir.replace("${ORIGIN}", origin)
        .replace("$ORIGIN", origin)
        .replace("${LIB}", "lib/x86_64-linux-gnu")
        .replace("$LIB", "lib/x86_64-linux-gnu")
        .replace("${PLATFORM}", "x86_64")
        .replace("$PLATFORM", "x86_64")
}

/// The loader's built-in directories for a process of `root`'s kind.
pub(super) fn default_dirs(root: &ElfInfo) -> Vec<String> {
    let mut dirs = Vec::new();
    if let Some(triple) = root.multiarch() {
        dirs.push(format!("/lib/{triple}"));
        dirs.push(format!("/usr/lib/{triple}"));
    }
    dirs.extend(["/lib", "/usr/lib"].map(String::from));
    if root.class64 {
        dirs.extend(["/lib64", "/usr/lib64"].map(String::from));
    }
    dirs
}
