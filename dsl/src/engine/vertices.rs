//! BuildKit's status stream: vertices (`[build 3/5] RUN ...`) mapped back
//! to the stage and instruction of the Dockerfile sent, their cache state,
//! their logs, and the failed one.

use std::collections::HashMap;

use super::error::StageId;
use super::progress::{LineBuffer, Tail};
use super::steps::{StepInfo, StepKind};

/// `[build 3/5] RUN x` → `(Some("build"), 3, 5, "RUN x")`; `[2/3] COPY a b`
/// → `(None, 2, 3, ...)`; `None` for `[internal] ...` and other vertices
/// that are not a Dockerfile step. A platform (`[linux/amd64 build 3/5]`)
/// is skipped.
pub(crate) fn parse_vertex_name(name: &str) -> Option<(Option<&str>, usize, usize, &str)> {
    let rest = name.strip_prefix('[')?;
    let (inside, text) = rest.split_once(']')?;
    let mut words: Vec<&str> = inside.split_whitespace().collect();
    let (n, m) = words.pop()?.split_once('/')?;
    let (n, m) = (n.parse().ok()?, m.parse().ok()?);
    Some((words.last().copied(), n, m, text.trim_start()))
}

/// Continuations joined and runs of whitespace collapsed, for comparing an
/// instruction as written with BuildKit's vertex name.
fn normalized(text: &str) -> String {
    text.replace("\\\n", " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_from(text: &str) -> bool {
    text.get(..5)
        .is_some_and(|k| k.eq_ignore_ascii_case("FROM "))
}

/// The image of a `FROM` line or vertex (`FROM --platform=x debian AS b`
/// → `debian`).
fn from_image(text: &str) -> Option<&str> {
    text.split_whitespace()
        .skip(1)
        .find(|word| !word.starts_with("--"))
}

/// An image reference as BuildKit names it: `debian:bookworm-slim` →
/// `docker.io/library/debian:bookworm-slim`, `:latest` when untagged.
fn full_image(image: &str) -> String {
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    let first = name.split('/').next().unwrap_or_default();
    let has_registry =
        name.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let mut full = match (has_registry, name.contains('/')) {
        (true, _) => name.to_string(),
        (false, true) => format!("docker.io/{name}"),
        (false, false) => format!("docker.io/library/{name}"),
    };
    let last = full.rsplit('/').next().unwrap_or_default();
    if !last.contains(':') && digest.is_none() {
        full.push_str(":latest");
    }
    if let Some(digest) = digest {
        full.push('@');
        full.push_str(digest);
    }
    full
}

/// A vertex name for the display: at most 100 characters (a harvest `RUN`
/// is a whole script on one line); the step records keep the whole text.
fn shortened(name: &str) -> String {
    match name.char_indices().nth(100) {
        Some((end, _)) => format!("{} ...", &name[..end]),
        None => name.to_string(),
    }
}

/// One Dockerfile step as BuildKit reported it.
#[derive(Debug, Clone)]
pub(crate) struct VertexStep {
    pub number: usize,
    pub total: usize,
    pub stage: Option<StageId>,
    pub instruction: String,
    pub is_from: bool,
    pub cached: bool,
    pub started: bool,
    pub completed: bool,
    pub error: Option<String>,
    logs: Tail,
    pending: LineBuffer,
}

/// What happened to a vertex in one status message, for the display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Event {
    Started { stage: String, name: String },
    Cached { stage: String, name: String },
    Done { stage: String, name: String },
    Failed { stage: String, name: String },
    Log { stage: String, line: String },
}

/// The bookkeeping of one BuildKit build.
#[derive(Debug)]
pub(crate) struct VertexTracker {
    table: Vec<StepInfo>,
    /// Stage vertices by digest.
    steps: HashMap<String, VertexStep>,
    /// Digests in the order first seen.
    order: Vec<String>,
    /// Instruction steps of `table` already matched.
    matched: Vec<bool>,
    /// Every log line, `[stage] line`, the last few.
    pub tail: Tail,
    /// Internal vertices (`[internal] load ...`, `exporting to image`) that failed.
    pub other_error: Option<(String, String)>,
    tail_lines: usize,
}

impl VertexTracker {
    pub fn new(table: Vec<StepInfo>, tail_lines: usize) -> Self {
        let matched = vec![false; table.len()];
        VertexTracker {
            table,
            steps: HashMap::new(),
            order: Vec::new(),
            matched,
            tail: Tail::new(tail_lines),
            other_error: None,
            tail_lines,
        }
    }

    /// The stage a vertex prefix names: an alias, `stage-N`, or none (a
    /// Dockerfile with one stage).
    fn stage_of(&self, prefix: Option<&str>) -> Option<StageId> {
        let stages = self.table.iter().filter(|s| s.kind == StepKind::From);
        let mut stages = stages.filter_map(|s| s.stage.clone());
        match prefix {
            None => stages.next(),
            Some(name) => {
                let by_alias = stages.clone().find(|s| {
                    s.alias
                        .as_deref()
                        .is_some_and(|a| a.eq_ignore_ascii_case(name))
                });
                by_alias.or_else(|| {
                    let index: usize = name.strip_prefix("stage-")?.parse().ok()?;
                    stages.find(|s| s.index == index)
                })
            }
        }
    }

    /// The table row of a vertex: the stage's `FROM` for a `FROM` vertex
    /// (BuildKit numbers from the `FROM` of an image; a stage `FROM` another
    /// stage has no vertex of its own), else the first unmatched
    /// instruction of that stage whose text is the vertex's.
    fn row_of(&mut self, stage: &Option<StageId>, text: &str) -> Option<usize> {
        let in_stage = |s: &StepInfo| &s.stage == stage;
        if is_from(text) {
            return self
                .table
                .iter()
                .position(|s| in_stage(s) && s.kind == StepKind::From);
        }
        let wanted = normalized(text);
        let keyword = wanted.split(' ').next().unwrap_or_default().to_string();
        let candidates: Vec<usize> = (0..self.table.len())
            .filter(|&i| in_stage(&self.table[i]) && self.table[i].kind == StepKind::Instruction)
            .collect();
        let exact = candidates
            .iter()
            .copied()
            .find(|&i| !self.matched[i] && normalized(&self.table[i].text) == wanted);
        let row = exact.or_else(|| {
            candidates.iter().copied().find(|&i| {
                !self.matched[i]
                    && normalized(&self.table[i].text)
                        .split(' ')
                        .next()
                        .is_some_and(|k| k.eq_ignore_ascii_case(&keyword))
            })
        })?;
        self.matched[row] = true;
        Some(row)
    }

    /// The one row of any stage a vertex's text is: the stage whose `FROM`
    /// names the same image, or the one unmatched instruction of that text.
    /// `None` when no row or several rows fit.
    fn row_anywhere(&mut self, text: &str) -> Option<(Option<StageId>, usize)> {
        let fits: Vec<usize> = if is_from(text) {
            let image = from_image(text).map(full_image)?;
            (0..self.table.len())
                .filter(|&i| {
                    self.table[i].kind == StepKind::From
                        && from_image(&self.table[i].text).map(full_image).as_ref() == Some(&image)
                })
                .collect()
        } else {
            let wanted = normalized(text);
            (0..self.table.len())
                .filter(|&i| {
                    self.table[i].kind == StepKind::Instruction
                        && !self.matched[i]
                        && normalized(&self.table[i].text) == wanted
                })
                .collect()
        };
        let [row] = fits[..] else { return None };
        if !is_from(text) {
            self.matched[row] = true;
        }
        Some((self.table[row].stage.clone(), row))
    }

    fn label(stage: &Option<StageId>) -> String {
        match stage {
            Some(StageId {
                alias: Some(alias), ..
            }) => alias.clone(),
            Some(StageId { index, .. }) => format!("stage-{index}"),
            None => "build".to_string(),
        }
    }

    /// Feeds one status message; returns what the display should show.
    pub fn status(
        &mut self,
        status: &bollard::moby::buildkit::v1::StatusResponse,
        redact: &dyn Fn(&str) -> String,
    ) -> Vec<Event> {
        let mut events = Vec::new();
        for vertex in &status.vertexes {
            let Some((prefix, number, total, text)) = parse_vertex_name(&vertex.name) else {
                if !vertex.error.is_empty() && self.other_error.is_none() {
                    self.other_error = Some((vertex.name.clone(), redact(&vertex.error)));
                }
                continue;
            };
            if !self.steps.contains_key(&vertex.digest) {
                let mut stage = self.stage_of(prefix);
                let mut row = self.row_of(&stage, text);
                if row.is_none() {
                    // BuildKit shares a vertex between concurrent builds
                    // and names it as the build that defined it first (a
                    // `[1/2] FROM debian` of someone else's one-stage file):
                    // the step is found by its text in any stage instead.
                    if let Some((found_stage, found_row)) = self.row_anywhere(text) {
                        stage = found_stage;
                        row = Some(found_row);
                    }
                }
                let instruction =
                    row.map_or_else(|| text.to_string(), |r| self.table[r].text.clone());
                self.order.push(vertex.digest.clone());
                self.steps.insert(
                    vertex.digest.clone(),
                    VertexStep {
                        number,
                        total,
                        stage,
                        instruction,
                        is_from: is_from(text),
                        cached: false,
                        started: false,
                        completed: false,
                        error: None,
                        logs: Tail::new(self.tail_lines),
                        pending: LineBuffer::default(),
                    },
                );
            }
            let step = self.steps.get_mut(&vertex.digest).expect("inserted above");
            let stage = Self::label(&step.stage);
            let name = redact(&shortened(&normalized(&vertex.name)));
            if vertex.cached && !step.cached {
                step.cached = true;
                events.push(Event::Cached {
                    stage: stage.clone(),
                    name: name.clone(),
                });
            }
            if vertex.started.is_some() && !step.started {
                step.started = true;
                if !vertex.cached {
                    events.push(Event::Started {
                        stage: stage.clone(),
                        name: name.clone(),
                    });
                }
            }
            if !vertex.error.is_empty() && step.error.is_none() {
                step.error = Some(redact(&vertex.error));
                events.push(Event::Failed {
                    stage: stage.clone(),
                    name: name.clone(),
                });
            } else if vertex.completed.is_some() && !step.completed {
                step.completed = true;
                if !step.cached {
                    events.push(Event::Done { stage, name });
                }
            }
        }
        for log in &status.logs {
            let text = String::from_utf8_lossy(&log.msg);
            let Some(step) = self.steps.get_mut(&log.vertex) else {
                continue;
            };
            let stage = Self::label(&step.stage);
            for line in step.pending.push(&text) {
                let line = redact(&line);
                step.logs.push(&line);
                self.tail.push(&format!("[{stage}] {line}"));
                events.push(Event::Log {
                    stage: stage.clone(),
                    line,
                });
            }
        }
        events
    }

    /// The steps in the order first seen.
    pub fn steps(&self) -> impl Iterator<Item = &VertexStep> {
        self.order
            .iter()
            .filter_map(|digest| self.steps.get(digest))
    }

    /// The first step that failed, with its own last log lines.
    pub fn failed(&mut self, redact: &dyn Fn(&str) -> String) -> Option<(VertexStep, Vec<String>)> {
        let digest = self
            .order
            .iter()
            .find(|d| self.steps.get(*d).is_some_and(|s| s.error.is_some()))?
            .clone();
        let step = self.steps.get_mut(&digest)?;
        if let Some(rest) = step.pending.finish() {
            step.logs.push(&redact(&rest));
        }
        let lines = step.logs.lines();
        Some((step.clone(), lines))
    }

    /// Every instruction step came from the cache (a `FROM` is never
    /// "cached" in the classic sense; it counts as cached when BuildKit
    /// says so or did not run it), and at least one step was seen.
    pub fn fully_cached(&self) -> bool {
        let mut steps = self.steps().peekable();
        steps.peek().is_some() && self.steps().filter(|s| !s.is_from).all(|s| s.cached)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::steps::step_table;
    use bollard::moby::buildkit::v1::StatusResponse;
    use bollard::moby::buildkit::v1::{Vertex, VertexLog};

    #[test]
    fn vertex_names_are_parsed() {
        assert_eq!(
            parse_vertex_name("[build 3/5] RUN echo hi"),
            Some((Some("build"), 3, 5, "RUN echo hi"))
        );
        assert_eq!(
            parse_vertex_name("[2/3] COPY a b"),
            Some((None, 2, 3, "COPY a b"))
        );
        assert_eq!(
            parse_vertex_name("[linux/amd64 stage-1 1/2] FROM x"),
            Some((Some("stage-1"), 1, 2, "FROM x"))
        );
        assert_eq!(parse_vertex_name("[internal] load build context"), None);
        assert_eq!(parse_vertex_name("exporting to image"), None);
    }

    fn vertex(digest: &str, name: &str, cached: bool, error: &str) -> Vertex {
        Vertex {
            digest: digest.into(),
            name: name.into(),
            cached,
            started: Some(Default::default()),
            completed: error.is_empty().then(Default::default),
            error: error.into(),
            ..Default::default()
        }
    }

    #[test]
    fn images_are_named_as_buildkit_names_them() {
        assert_eq!(
            full_image("debian:bookworm-slim"),
            "docker.io/library/debian:bookworm-slim"
        );
        assert_eq!(full_image("debian"), "docker.io/library/debian:latest");
        assert_eq!(full_image("user/app:1"), "docker.io/user/app:1");
        assert_eq!(
            full_image("127.0.0.1:5000/app"),
            "127.0.0.1:5000/app:latest"
        );
        assert_eq!(
            full_image("docker.io/library/debian:bookworm-slim"),
            "docker.io/library/debian:bookworm-slim"
        );
        assert_eq!(
            from_image("FROM --platform=linux/amd64 debian AS b"),
            Some("debian")
        );
    }

    /// A vertex shared with a concurrent build carries that build's name
    /// (`[1/2] FROM ...` of a one-stage file, `[other 2/3] RUN ...`): it is
    /// still this build's step, found by its text.
    #[test]
    fn vertices_named_by_another_build_are_found_by_their_text() {
        let text = "FROM debian:bookworm-slim AS build\nRUN make\n\n\
                    FROM scratch\nCOPY --from=build /x /x\n";
        let mut tracker = VertexTracker::new(step_table(text), 5);
        let status = StatusResponse {
            vertexes: vec![
                vertex(
                    "a",
                    "[1/2] FROM docker.io/library/debian:bookworm-slim",
                    true,
                    "",
                ),
                vertex("b", "[other 2/3] RUN make", true, ""),
                vertex("c", "[stage-1 1/1] COPY --from=build /x /x", true, ""),
            ],
            ..Default::default()
        };
        tracker.status(&status, &|s: &str| s.to_string());
        let steps: Vec<(Option<usize>, &str)> = tracker
            .steps()
            .map(|s| (s.stage.as_ref().map(|s| s.index), s.instruction.as_str()))
            .collect();
        assert_eq!(
            steps,
            [
                (Some(0), "FROM debian:bookworm-slim AS build"),
                (Some(0), "RUN make"),
                (Some(1), "COPY --from=build /x /x"),
            ]
        );
        assert!(tracker.fully_cached());
    }

    #[test]
    fn vertices_map_to_stages_and_instructions() {
        // The second stage is `FROM build`: BuildKit numbers its first
        // instruction 1.
        let text = "FROM debian AS build\nRUN make \\\n    all\nENV A=b\n\n\
                    FROM build\nCOPY --from=build /x /x\nRUN false\n";
        let mut tracker = VertexTracker::new(step_table(text), 5);
        let no_redaction = |s: &str| s.replace("s3cret", "***");
        let status = StatusResponse {
            vertexes: vec![
                vertex(
                    "a",
                    "[internal] load metadata for docker.io/library/debian",
                    false,
                    "",
                ),
                vertex("b", "[build 1/2] FROM docker.io/library/debian", true, ""),
                vertex("c", "[build 2/2] RUN make     all", true, ""),
                vertex("d", "[stage-1 1/2] COPY --from=build /x /x", false, ""),
                vertex("e", "[stage-1 2/2] RUN false", false, "exit code: 1"),
            ],
            logs: vec![VertexLog {
                vertex: "e".into(),
                msg: b"one\ns3cret two\n".to_vec(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let events = tracker.status(&status, &no_redaction);
        assert!(events.contains(&Event::Cached {
            stage: "build".into(),
            name: "[build 2/2] RUN make all".into()
        }));
        assert!(events.contains(&Event::Log {
            stage: "stage-1".into(),
            line: "*** two".into()
        }));
        let steps: Vec<(Option<usize>, &str, bool)> = tracker
            .steps()
            .map(|s| {
                (
                    s.stage.as_ref().map(|s| s.index),
                    s.instruction.as_str(),
                    s.cached,
                )
            })
            .collect();
        assert_eq!(
            steps,
            [
                (Some(0), "FROM debian AS build", true),
                (Some(0), "RUN make \\\n    all", true),
                (Some(1), "COPY --from=build /x /x", false),
                (Some(1), "RUN false", false),
            ]
        );
        assert!(!tracker.fully_cached());
        let (failed, lines) = tracker.failed(&no_redaction).unwrap();
        assert_eq!(failed.instruction, "RUN false");
        assert_eq!(failed.stage.unwrap().index, 1);
        assert_eq!(failed.error.as_deref(), Some("exit code: 1"));
        assert_eq!(lines, ["one", "*** two"]);
    }
}
