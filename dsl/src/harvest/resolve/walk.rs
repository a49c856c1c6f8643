//! The one walk of a path through the stage's symbolic links, sans IO: it
//! asks for the node of each path on the way and is told what is there,
//! by the in-memory index ([`StageFs::lookup`]) or by the daemon's `HEAD`
//! answers (the partial reader's walks). Both resolve a path as the kernel
//! does inside the stage's root: component by component, a relative link
//! target read from the link's directory, an absolute one from the root,
//! `..` the parent of where the walk is, at most [`MAX_LINKS`] links.
//!
//! (The self-contained step's `keep` in `harvest.sh` walks the same way in
//! the stage's shell; it cannot share this code.)

use super::fs::{Found, LookupError, Node, MAX_LINKS};

/// A walk in progress: [`Walk::step`] says what it needs, [`Walk::answer`]
/// tells it.
#[derive(Debug)]
pub(crate) struct Walk {
    pending: Vec<String>,
    current: String,
    links: Vec<(String, String)>,
    follow_last: bool,
    asked: Option<String>,
    outcome: Option<Result<Found, LookupError>>,
}

/// What the walk needs next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// The node at this path (canonical up to its last component).
    Ask(String),
    /// The walk is over.
    Done(Result<Found, LookupError>),
}

impl Walk {
    /// Walks `path`, following a link in its last component too when
    /// `follow_last`.
    pub(crate) fn new(path: &str, follow_last: bool) -> Walk {
        Walk {
            pending: path.split('/').rev().map(str::to_string).collect(),
            current: String::new(),
            links: Vec::new(),
            follow_last,
            asked: None,
            outcome: None,
        }
    }

    /// The next path to tell the node of, or the outcome.
    pub(crate) fn step(&mut self) -> Step {
        if let Some(outcome) = self.outcome.take() {
            return Step::Done(outcome);
        }
        if let Some(asked) = &self.asked {
            return Step::Ask(asked.clone());
        }
        while let Some(component) = self.pending.pop() {
            match component.as_str() {
                "" | "." => continue,
                ".." => {
                    self.current.truncate(self.current.rfind('/').unwrap_or(0));
                    continue;
                }
                _ => {}
            }
            let next = format!("{}/{component}", self.current);
            self.asked = Some(next.clone());
            return Step::Ask(next);
        }
        let path = if self.current.is_empty() {
            "/".to_string()
        } else {
            std::mem::take(&mut self.current)
        };
        Step::Done(Ok(Found {
            path,
            links: std::mem::take(&mut self.links),
        }))
    }

    /// What is at the path last asked for: `None` when nothing is.
    pub(crate) fn answer(&mut self, node: Option<&Node>) {
        let Some(next) = self.asked.take() else {
            return;
        };
        match node {
            None => self.outcome = Some(Err(LookupError::NotFound(next))),
            Some(Node::Symlink(target)) if self.follow_last || !self.pending.is_empty() => {
                if self.links.len() >= MAX_LINKS {
                    self.outcome = Some(Err(LookupError::Loop));
                    return;
                }
                self.links.push((next, target.clone()));
                if target.starts_with('/') {
                    self.current.clear();
                }
                self.pending
                    .extend(target.split('/').rev().map(str::to_string));
            }
            Some(Node::Dir) => self.current = next,
            Some(_) if !self.pending.is_empty() => {
                // A file used as a directory.
                let rest: Vec<&str> = self.pending.iter().rev().map(String::as_str).collect();
                self.outcome = Some(Err(LookupError::NotFound(format!(
                    "{next}/{}",
                    rest.join("/")
                ))));
            }
            Some(_) => self.current = next,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Drives a walk with a fixed answer per path.
    fn walk(path: &str, nodes: &[(&str, Node)]) -> (Result<Found, LookupError>, Vec<String>) {
        let mut walk = Walk::new(path, true);
        let mut asked = Vec::new();
        loop {
            match walk.step() {
                Step::Ask(next) => {
                    let node = nodes.iter().find(|(p, _)| *p == next).map(|(_, n)| n);
                    asked.push(next);
                    walk.answer(node);
                }
                Step::Done(outcome) => return (outcome, asked),
            }
        }
    }

    #[test]
    fn follows_relative_and_absolute_links_as_the_kernel() {
        let nodes = [
            ("/lib", Node::Symlink("usr/lib".to_string())),
            ("/usr", Node::Dir),
            ("/usr/lib", Node::Dir),
            ("/usr/lib/x", Node::Symlink("../share/x".to_string())),
            ("/usr/share", Node::Dir),
            ("/usr/share/x", Node::Other),
        ];
        let (found, asked) = walk("/lib/x", &nodes);
        let found = found.unwrap();
        assert_eq!(found.path, "/usr/share/x");
        assert_eq!(found.links.len(), 2);
        assert_eq!(
            asked,
            [
                "/lib",
                "/usr",
                "/usr/lib",
                "/usr/lib/x",
                "/usr/share",
                "/usr/share/x"
            ]
        );
    }

    #[test]
    fn tells_a_loop_a_missing_path_and_a_file_used_as_a_directory() {
        let nodes = [
            ("/a", Node::Symlink("/b".to_string())),
            ("/b", Node::Symlink("a".to_string())),
            ("/f", Node::Other),
        ];
        assert_eq!(walk("/a", &nodes).0, Err(LookupError::Loop));
        assert_eq!(
            walk("/nope/x", &nodes).0,
            Err(LookupError::NotFound("/nope".to_string()))
        );
        assert_eq!(
            walk("/f/x/y", &nodes).0,
            Err(LookupError::NotFound("/f/x/y".to_string()))
        );
        assert_eq!(walk("/..", &nodes).0.unwrap().path, "/");
    }
}
