//! Path cleaning for the harvest, and what a declared path may resolve to.
//!
//! Two cleanings, named for what they do: [`clean`] only drops empty and
//! `.` components (a `..` stays: after a symbolic link it means the link
//! target's parent, which only a walk of the stage can tell), and
//! [`collapse_dot_dot`] also applies `..` lexically, for a path whose links
//! are unknown or known to be absent.

#![cfg_attr(not(feature = "engine"), allow(dead_code))]

use super::HARVEST_ROOT;

/// Absolute, without empty or `.` components; `..` kept:
/// `usr/lib/` or `./usr//lib` -> `/usr/lib`, `./` -> `/`.
pub(crate) fn clean(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 1);
    for component in path.split('/') {
        if component.is_empty() || component == "." {
            continue;
        }
        out.push('/');
        out.push_str(component);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Like [`clean`], and each `..` removes the component before it (none at
/// the root): `/a/b/../c` -> `/a/c`, `/..` -> `/`.
pub(crate) fn collapse_dot_dot(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    format!("/{}", parts.join("/"))
}

/// `/a/b` -> `/a`; `/a` -> `/`.
pub(crate) fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// `/a/b` -> `b`.
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Why a declared path that resolves to `resolved` (clean, links followed)
/// cannot be harvested, `None` when it can. The same rule for every
/// strategy (the self-contained step's `path` function applies it in the
/// stage): the root or a directory holding the harvest directory would copy
/// the harvest into itself, and the container engine mounts `/proc`, `/sys`
/// and `/dev` at run time, so the image has nothing to take there.
pub(crate) fn refusal(resolved: &str) -> Option<&'static str> {
    let under = |dir: &str| {
        resolved == dir
            || resolved
                .strip_prefix(dir)
                .is_some_and(|r| r.starts_with('/'))
    };
    if resolved == "/" {
        Some("it is the whole filesystem (/): harvest the directories the program needs instead")
    } else if ["/proc", "/sys", "/dev"].into_iter().any(under) {
        Some("the container engine provides /proc, /sys and /dev at run time: nothing to harvest")
    } else if under(HARVEST_ROOT) || HARVEST_ROOT.starts_with(&format!("{resolved}/")) {
        Some("it holds the harvest directory /harvest itself, which would be copied into itself")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_and_collapses() {
        assert_eq!(clean("usr/lib/"), "/usr/lib");
        assert_eq!(clean("./usr//lib"), "/usr/lib");
        assert_eq!(clean("./"), "/");
        assert_eq!(clean("/usr/lib/../share"), "/usr/lib/../share");
        assert_eq!(collapse_dot_dot("/usr/lib/../share"), "/usr/share");
        assert_eq!(collapse_dot_dot("/../.."), "/");
        assert_eq!(parent("/a"), "/");
        assert_eq!(parent("/a/b"), "/a");
        assert_eq!(file_name("/a/b"), "b");
    }

    #[test]
    fn refuses_the_root_the_engine_mounts_and_the_harvest_directory() {
        for path in [
            "/",
            "/proc",
            "/proc/self",
            "/sys/fs",
            "/dev",
            "/harvest",
            "/harvest/x",
        ] {
            assert!(refusal(path).is_some(), "{path}");
        }
        for path in ["/etc", "/usr/lib", "/procfs", "/devices", "/harvested"] {
            assert_eq!(refusal(path), None, "{path}");
        }
    }
}
