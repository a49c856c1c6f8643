//! Assembly: the traced paths resolved in the build stage and merged
//! with the declared entries into one [`Resolution`].

use super::read::shebang;
use super::*;

/// Where a logged `path` is in the stage: a path with `..` has its
/// directory resolved in `fs` (links followed, as the kernel did in the
/// run), its last component kept, so a link there stays a link. A path
/// without `..`, or one whose directory `fs` does not have, is returned
/// with its `..` collapsed lexically.
pub(super) fn physical(fs: &StageFs, path: &str) -> String {
    if !path.split('/').any(|part| part == "..") {
        return path.to_string();
    }
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    if name == ".." {
        return match fs.lookup(path, true) {
            Ok(found) => found.path,
            Err(_) => collapse_dot_dot(path),
        };
    }
    match fs.lookup(if dir.is_empty() { "/" } else { dir }, true) {
        Ok(found) if found.path == "/" => format!("/{name}"),
        Ok(found) => format!("{}/{name}", found.path),
        Err(_) => collapse_dot_dot(path),
    }
}

/// Whether the runtime gets `path` from the engine (or it is the trace's own).
pub(super) fn provided(path: &str) -> bool {
    path == TRACE_DIR
        || path.starts_with(&format!("{TRACE_DIR}/"))
        || PROVIDED
            .iter()
            .any(|p| path == *p || (path.starts_with(p) && path[p.len()..].starts_with('/')))
}

/// Turns the parsed logs into harvest declarations and resolves them with
/// the others in `fs`.
pub(super) fn assemble(
    fs: &StageFs,
    harvest: &Harvest,
    logs: Vec<TraceLog>,
    heads: &HashMap<String, String>,
) -> Result<Traced, TraceError> {
    let declared = declared_only(harvest);
    let mut derived = declared.clone();
    // What the runtime base provides (`except_packages`) is not harvested
    // from the trace either, only reported.
    let except = harvest.except().map_err(ResolveError::from)?;
    let (excepted, _) = fs.excepted_paths(&except);
    let mut provided_by_base: BTreeMap<String, String> = BTreeMap::new();
    let mut added: HashSet<(bool, String)> = HashSet::new();
    // Runtime path -> the command that used it first.
    let mut traced: BTreeMap<String, String> = BTreeMap::new();
    let mut absent = BTreeSet::new();
    let mut push = |binary: bool, path: &str, command: &str, derived: &mut Harvest| {
        traced
            .entry(path.to_string())
            .or_insert_with(|| command.to_string());
        if added.insert((binary, path.to_string())) {
            derived.declared.push(if binary {
                Declared::Binary(path.to_string())
            } else {
                Declared::Path(path.to_string())
            });
        }
    };
    for log in &logs {
        let command = shell_words(&log.command);
        let place = |paths: &[String]| -> Vec<String> {
            paths.iter().map(|path| physical(fs, path)).collect()
        };
        let (executed_paths, opened_paths, found_paths) =
            (place(&log.executed), place(&log.opened), place(&log.found));
        let executed: HashSet<&str> = executed_paths.iter().map(String::as_str).collect();
        for path in &executed_paths {
            if provided(path) {
                continue;
            }
            // The program, then up the `#!` chain to an ELF interpreter.
            let mut at = path.clone();
            for _ in 0..=MAX_INTERPRETERS {
                let Ok(found) = fs.lookup(&at, true) else {
                    absent.insert(at.clone());
                    break;
                };
                match fs.file(&found.path) {
                    Some((_, Some(_), _)) => {
                        push(true, &at, &command, &mut derived);
                        break;
                    }
                    Some((_, None, _)) => {
                        push(false, &at, &command, &mut derived);
                        match heads.get(&found.path).and_then(|head| shebang(head)) {
                            Some((interpreter, _)) => at = interpreter,
                            None => break,
                        }
                    }
                    None => break,
                }
            }
        }
        let opened: HashSet<&str> = opened_paths.iter().map(String::as_str).collect();
        for path in opened_paths.iter().chain(&found_paths) {
            if provided(path) || executed.contains(path.as_str()) {
                continue;
            }
            match fs.lookup(path, true) {
                Ok(found) if excepted.contains_key(&found.path) => {
                    provided_by_base
                        .entry(path.clone())
                        .or_insert_with(|| excepted[&found.path].clone());
                }
                Ok(found) if fs.file(&found.path).is_some() => {
                    push(false, path, &command, &mut derived);
                }
                Ok(_) => {}
                Err(_) if opened.contains(path.as_str()) => {
                    absent.insert(path.clone());
                }
                Err(_) => {}
            }
        }
    }
    if derived.declared.is_empty() {
        return Err(TraceError::NothingTraced);
    }
    let mut resolution = fs.resolve(&derived)?;
    resolution.warnings.extend(
        provided_by_base
            .iter()
            .filter(|(path, _)| !resolution.files.iter().any(|entry| &entry.path == *path))
            .map(|(path, package)| {
                format!("traced {path} left out: package {package} provides it")
            }),
    );
    let own: HashSet<String> = declared
        .declared
        .iter()
        .filter_map(|d| match d {
            Declared::Binary(p) | Declared::Path(p) => Some(collapse_dot_dot(p)),
            _ => None,
        })
        .collect();
    for entry in &mut resolution.files {
        if matches!(entry.reason, Reason::Binary | Reason::Path) && !own.contains(&entry.path) {
            if let Some(command) = traced.get(&entry.path) {
                entry.reason = Reason::Traced {
                    command: command.clone(),
                };
            }
        }
    }
    let (declared_resolution, not_declared) = if declared.declared.is_empty() {
        (None, traced.keys().cloned().collect())
    } else {
        let alone = fs.resolve(&declared)?;
        let missing = not_covered(fs, &alone, traced.keys());
        (Some(alone), missing)
    };
    Ok(Traced {
        resolution,
        declared: declared_resolution,
        not_declared,
        absent: absent.into_iter().collect(),
        logs,
    })
}

/// The paths of `paths` that `resolution` does not harvest: neither at
/// that path, nor the same file under another name, nor inside a directory
/// it copies whole.
pub(super) fn not_covered<'a>(
    fs: &StageFs,
    resolution: &Resolution,
    paths: impl Iterator<Item = &'a String>,
) -> Vec<String> {
    let mut exact = HashSet::new();
    let mut canonical = HashSet::new();
    let mut dirs = Vec::new();
    for entry in &resolution.files {
        exact.insert(entry.path.clone());
        if let Ok(found) = fs.lookup(&entry.source, true) {
            if fs.is_dir(&found.path) {
                dirs.push(format!("{}/", found.path.trim_end_matches('/')));
                dirs.push(format!("{}/", entry.path.trim_end_matches('/')));
            } else {
                canonical.insert(found.path);
            }
        }
    }
    paths
        .filter(|path| {
            if exact.contains(*path) || dirs.iter().any(|d| path.starts_with(d.as_str())) {
                return false;
            }
            match fs.lookup(path, true) {
                Ok(found) => !canonical.contains(&found.path),
                Err(_) => true,
            }
        })
        .cloned()
        .collect()
}
