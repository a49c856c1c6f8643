//! The classic builder's steps, from the Dockerfile text sent, and the
//! bookkeeping of a build's output lines (`Step N/M`, `---> Using cache`,
//! `---> Running in <id>`, `---> <id>`).

use super::error::StageId;

/// What kind of step it is, for cache accounting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StepKind {
    /// A global `ARG` before the first `FROM`: prints nothing.
    MetaArg,
    /// `FROM`: prints the base's id, never "Using cache".
    From,
    /// Any other instruction: cached or executed.
    Instruction,
}

/// One step of the Dockerfile as the classic builder counts them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StepInfo {
    pub stage: Option<StageId>,
    pub kind: StepKind,
    /// The instruction's text, continuation lines included.
    pub text: String,
}

/// The steps of `dockerfile` (the text the daemon gets): every global `ARG`,
/// every `FROM` and every instruction is one step; comments and blank lines
/// are not; a line ending in `\` continues on the next.
pub(crate) fn step_table(dockerfile: &str) -> Vec<StepInfo> {
    let mut steps = Vec::new();
    let mut stage: Option<StageId> = None;
    let mut stages = 0usize;
    let mut current: Option<String> = None;
    for line in dockerfile.lines() {
        let trimmed = line.trim_start();
        if let Some(text) = current.as_mut() {
            // Inside a continuation, comment lines are dropped by Docker's parser.
            if trimmed.starts_with('#') {
                continue;
            }
            text.push('\n');
            text.push_str(line);
        } else {
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            current = Some(line.to_string());
        }
        if line.trim_end().ends_with('\\') {
            continue;
        }
        let text = current.take().unwrap_or_default();
        let keyword = text
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let kind = if keyword == "FROM" {
            stage = Some(StageId {
                index: stages,
                alias: from_alias(&text),
            });
            stages += 1;
            StepKind::From
        } else if stage.is_none() {
            StepKind::MetaArg
        } else {
            StepKind::Instruction
        };
        steps.push(StepInfo {
            stage: stage.clone(),
            kind,
            text,
        });
    }
    if let Some(text) = current {
        // A final line ending in `\`: still one step.
        steps.push(StepInfo {
            stage,
            kind: StepKind::Instruction,
            text,
        });
    }
    steps
}

/// The `AS alias` of a `FROM` line.
fn from_alias(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let position = words.iter().position(|w| w.eq_ignore_ascii_case("AS"))?;
    (position >= 2).then(|| words.get(position + 1).map(|alias| alias.to_string()))?
}

/// `Step N/M : ...` → `(N, M)`.
pub(crate) fn parse_step_line(line: &str) -> Option<(usize, usize)> {
    let rest = line.strip_prefix("Step ")?;
    let (numbers, _) = rest.split_once(" :")?;
    let (n, m) = numbers.split_once('/')?;
    Some((n.parse().ok()?, m.parse().ok()?))
}

/// What one output line tells about the current step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Marker {
    Step(usize, usize),
    UsingCache,
    RunningIn(String),
    RemovedContainer(String),
    Image(String),
    SuccessfullyBuilt(String),
    Other,
}

pub(crate) fn classify(line: &str) -> Marker {
    if let Some((n, m)) = parse_step_line(line) {
        return Marker::Step(n, m);
    }
    if let Some(rest) = line.strip_prefix(" ---> ") {
        let rest = rest.trim();
        if rest == "Using cache" {
            return Marker::UsingCache;
        }
        if let Some(id) = rest.strip_prefix("Running in ") {
            return Marker::RunningIn(id.trim().to_string());
        }
        if is_hex_id(rest) {
            return Marker::Image(rest.to_string());
        }
        return Marker::Other;
    }
    if let Some(id) = line.strip_prefix("Removing intermediate container ") {
        return Marker::RemovedContainer(id.trim().to_string());
    }
    if let Some(id) = line.strip_prefix("Successfully built ") {
        let id = id.trim();
        if is_hex_id(id) {
            return Marker::SuccessfullyBuilt(id.to_string());
        }
    }
    Marker::Other
}

fn is_hex_id(text: &str) -> bool {
    let hex = text.strip_prefix("sha256:").unwrap_or(text);
    hex.len() >= 12 && hex.chars().all(|c| c.is_ascii_hexdigit())
}

/// A step as the build went through it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StepState {
    pub number: usize,
    pub total: usize,
    pub cached: bool,
    pub executed: bool,
}

/// The bookkeeping of one build's output.
#[derive(Debug, Default)]
pub(crate) struct Tracker {
    pub steps: Vec<StepState>,
    /// Intermediate containers started and not yet reported removed.
    pub containers: Vec<String>,
    /// Images this build created (not ones it found in the cache, nor bases).
    pub created_images: Vec<String>,
    pub successfully_built: Option<String>,
}

impl Tracker {
    /// Feeds one output line; returns the step it started, if it did.
    pub fn line(&mut self, line: &str, table: &[StepInfo]) -> Option<(usize, usize)> {
        match classify(line) {
            Marker::Step(n, m) => {
                // A `Step` line printed by a RUN command would not follow on.
                let expected = self.steps.last().map_or(1, |s| s.number + 1);
                if n == expected && (self.steps.is_empty() || self.steps[0].total == m) {
                    self.steps.push(StepState {
                        number: n,
                        total: m,
                        cached: false,
                        executed: false,
                    });
                    return Some((n, m));
                }
            }
            Marker::UsingCache => {
                if let Some(step) = self.steps.last_mut() {
                    step.cached = true;
                }
            }
            Marker::RunningIn(id) => {
                if let Some(step) = self.steps.last_mut() {
                    step.executed = true;
                }
                self.containers.push(id);
            }
            Marker::RemovedContainer(id) => self.containers.retain(|c| *c != id),
            Marker::Image(id) => {
                if let Some(step) = self.steps.last_mut() {
                    let kind = kind_of(table, step.number);
                    if kind == StepKind::Instruction && !step.cached {
                        step.executed = true;
                        self.created_images.push(id);
                    }
                }
            }
            Marker::SuccessfullyBuilt(id) => self.successfully_built = Some(id),
            Marker::Other => {}
        }
        None
    }

    /// Every instruction step reported "Using cache" (FROM and global ARG
    /// steps never do), and at least one step was seen.
    pub fn fully_cached(&self, table: &[StepInfo]) -> bool {
        !self.steps.is_empty()
            && self
                .steps
                .iter()
                .filter(|s| kind_of(table, s.number) == StepKind::Instruction)
                .all(|s| s.cached && !s.executed)
    }
}

/// The kind of step `number` (1-based); steps past the table are the
/// `LABEL`s the build options add, which are instructions.
pub(crate) fn kind_of(table: &[StepInfo], number: usize) -> StepKind {
    number
        .checked_sub(1)
        .and_then(|i| table.get(i))
        .map_or(StepKind::Instruction, |s| s.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "ARG X=1\n\
        FROM debian:bookworm-slim AS build\n\
        # a comment\n\
        RUN apt-get update \\\n && apt-get install -y \\\n        fortune-mod\n\
        ENV A=b\n\
        \n\
        FROM --platform=linux/amd64 scratch\n\
        COPY --from=build /x /x\n\
        CMD [\"/x\"]\n";

    #[test]
    fn steps_follow_the_classic_builder() {
        let table = step_table(TEXT);
        let summary: Vec<(Option<usize>, StepKind, &str)> = table
            .iter()
            .map(|s| {
                (
                    s.stage.as_ref().map(|st| st.index),
                    s.kind,
                    s.text.lines().next().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (None, StepKind::MetaArg, "ARG X=1"),
                (
                    Some(0),
                    StepKind::From,
                    "FROM debian:bookworm-slim AS build"
                ),
                (Some(0), StepKind::Instruction, "RUN apt-get update \\"),
                (Some(0), StepKind::Instruction, "ENV A=b"),
                (
                    Some(1),
                    StepKind::From,
                    "FROM --platform=linux/amd64 scratch"
                ),
                (Some(1), StepKind::Instruction, "COPY --from=build /x /x"),
                (Some(1), StepKind::Instruction, "CMD [\"/x\"]"),
            ]
        );
        assert_eq!(
            table[1].stage.as_ref().unwrap().alias.as_deref(),
            Some("build")
        );
        assert_eq!(table[4].stage.as_ref().unwrap().alias, None);
        assert_eq!(table[2].text.lines().count(), 3);
    }

    #[test]
    fn output_lines_are_classified() {
        assert_eq!(classify("Step 3/9 : RUN echo hi"), Marker::Step(3, 9));
        assert_eq!(classify(" ---> Using cache"), Marker::UsingCache);
        assert_eq!(
            classify(" ---> Running in 259e9bfc6f62"),
            Marker::RunningIn("259e9bfc6f62".into())
        );
        assert_eq!(
            classify(" ---> c63c23a96b7c"),
            Marker::Image("c63c23a96b7c".into())
        );
        assert_eq!(classify(" ---> "), Marker::Other);
        assert_eq!(
            classify("Successfully built 6e837e75f916"),
            Marker::SuccessfullyBuilt("6e837e75f916".into())
        );
        assert_eq!(classify("Step by step"), Marker::Other);
    }

    #[test]
    fn tracker_counts_cache_and_created_images() {
        let table = step_table("FROM debian\nRUN a\nENV A=b\n");
        let cold = [
            "Step 1/3 : FROM debian",
            " ---> 1b366d924c7f",
            "Step 2/3 : RUN a",
            " ---> Running in 259e9bfc6f62",
            "Step 2/3 : printed by the command",
            "Removing intermediate container 259e9bfc6f62",
            " ---> c63c23a96b7c",
            "Step 3/3 : ENV A=b",
            " ---> Using cache",
            " ---> 63ab479c519d",
        ];
        let mut tracker = Tracker::default();
        for line in cold {
            tracker.line(line, &table);
        }
        assert_eq!(tracker.steps.len(), 3);
        assert_eq!(tracker.created_images, ["c63c23a96b7c"]);
        assert!(tracker.containers.is_empty());
        assert!(!tracker.fully_cached(&table));

        let warm = [
            "Step 1/3 : FROM debian",
            " ---> 1b366d924c7f",
            "Step 2/3 : RUN a",
            " ---> Using cache",
            " ---> c63c23a96b7c",
            "Step 3/3 : ENV A=b",
            " ---> Using cache",
            " ---> 63ab479c519d",
        ];
        let mut tracker = Tracker::default();
        for line in warm {
            tracker.line(line, &table);
        }
        assert!(tracker.fully_cached(&table));
        assert!(tracker.created_images.is_empty());
    }
}
