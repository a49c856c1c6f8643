//! Build output: chunks to lines, ANSI codes removed, shown as a progress
//! bar on a terminal or as plain timestamped lines elsewhere.

use std::collections::VecDeque;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::build::ProgressMode;
use super::vertices::Event;

/// Where plain progress lines go: stderr, or a writer the caller gave
/// ([`BuildOptions::progress_writer`](super::BuildOptions::progress_writer)).
#[derive(Clone, Default)]
pub(crate) struct Sink(pub Option<Arc<Mutex<dyn Write + Send>>>);

impl std::fmt::Debug for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Sink(writer)"
        } else {
            "Sink(stderr)"
        })
    }
}

impl Sink {
    fn line(&self, text: &str) {
        match &self.0 {
            Some(writer) => {
                if let Ok(mut writer) = writer.lock() {
                    let _ = writeln!(writer, "{text}");
                }
            }
            None => {
                let _ = writeln!(std::io::stderr().lock(), "{text}");
            }
        }
    }
}

/// Splits a stream of text chunks into lines: chunks do not follow line
/// boundaries.
#[derive(Debug, Clone, Default)]
pub(crate) struct LineBuffer {
    pending: String,
}

impl LineBuffer {
    /// Adds a chunk; returns the lines it completed (without `\n`, cleaned).
    pub fn push(&mut self, chunk: &str) -> Vec<String> {
        self.pending.push_str(chunk);
        let mut lines = Vec::new();
        while let Some(end) = self.pending.find('\n') {
            let line: String = self.pending.drain(..=end).collect();
            lines.push(clean_line(&line[..line.len() - 1]));
        }
        lines
    }

    /// What is left after the last newline, if anything.
    pub fn finish(&mut self) -> Option<String> {
        let rest = std::mem::take(&mut self.pending);
        (!rest.is_empty()).then(|| clean_line(&rest))
    }
}

/// Removes ANSI escape sequences, and keeps what a terminal would show of a
/// line rewritten with `\r`.
pub(crate) fn clean_line(line: &str) -> String {
    let stripped = strip_ansi(line);
    let trimmed = stripped.trim_end_matches('\r');
    match trimmed.rsplit_once('\r') {
        Some((_, last)) => last.to_string(),
        None => trimmed.to_string(),
    }
}

/// Removes CSI (`ESC [ ... final`), OSC (`ESC ] ... BEL|ESC \`) and
/// two-character escape sequences.
pub(crate) fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('[') => {
                for c in chars.by_ref() {
                    if ('\u{40}'..='\u{7e}').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\u{7}' {
                        break;
                    }
                    if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                        chars.next();
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The last `capacity` lines seen.
#[derive(Debug, Clone)]
pub(crate) struct Tail {
    lines: VecDeque<String>,
    capacity: usize,
}

impl Tail {
    pub fn new(capacity: usize) -> Self {
        Tail {
            lines: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    pub fn push(&mut self, line: &str) {
        if self.lines.len() == self.capacity {
            self.lines.pop_front();
        }
        self.lines.push_back(line.to_string());
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines.iter().cloned().collect()
    }
}

/// Where progress goes.
pub(crate) enum Display {
    Quiet,
    Plain {
        start: Instant,
        sink: Sink,
    },
    Bar {
        bar: ProgressBar,
        step: String,
    },
    /// BuildKit in a terminal: one line per stage, stages built in
    /// parallel shown at once.
    Stages {
        multi: MultiProgress,
        bars: HashMap<String, ProgressBar>,
    },
}

/// The mode `Auto` stands for here: a bar on a terminal outside CI.
fn resolve(mode: ProgressMode) -> ProgressMode {
    match mode {
        ProgressMode::Auto => {
            let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
            if std::io::stderr().is_terminal() && !ci {
                ProgressMode::Bar
            } else {
                ProgressMode::Plain
            }
        }
        other => other,
    }
}

impl Display {
    /// The display of the classic builder: one bar for `Step N/M`.
    pub fn new(mode: ProgressMode, sink: Sink) -> Display {
        match resolve(mode) {
            ProgressMode::Quiet => Display::Quiet,
            ProgressMode::Bar => {
                let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                bar.set_style(
                    ProgressStyle::with_template(
                        "{spinner:.green} [{elapsed:>4}] {bar:20.cyan/blue} {pos:>2}/{len:2} {wide_msg}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.enable_steady_tick(Duration::from_millis(120));
                Display::Bar {
                    bar,
                    step: String::new(),
                }
            }
            _ => Display::Plain {
                start: Instant::now(),
                sink,
            },
        }
    }

    /// The display of a BuildKit build: a line per stage in a terminal.
    pub fn stages(mode: ProgressMode, sink: Sink) -> Display {
        match resolve(mode) {
            ProgressMode::Bar => Display::Stages {
                multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                bars: HashMap::new(),
            },
            other => Display::new(other, sink),
        }
    }

    /// A vertex of a BuildKit build started, was cached, finished, failed
    /// or logged a line.
    pub fn event(&mut self, event: &Event) {
        let (stage, text) = match event {
            Event::Started { stage, name } => (stage, name.clone()),
            Event::Cached { stage, name } => (stage, format!("CACHED {name}")),
            Event::Done { stage, name } => (stage, format!("DONE {name}")),
            Event::Failed { stage, name } => (stage, format!("FAILED {name}")),
            Event::Log { stage, line } => (stage, format!("| {line}")),
        };
        match self {
            Display::Quiet => {}
            Display::Plain { start, sink } => {
                sink.line(&format!("{} [{stage}] {text}", stamp(*start)))
            }
            Display::Bar { .. } => self.line(&format!("[{stage}] {text}"), None),
            Display::Stages { multi, bars } => {
                let bar = bars.entry(stage.clone()).or_insert_with(|| {
                    let bar = multi.add(ProgressBar::new_spinner());
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{spinner:.green} [{elapsed:>4}] {prefix:.bold} {wide_msg}",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    );
                    bar.set_prefix(stage.clone());
                    bar.enable_steady_tick(Duration::from_millis(120));
                    bar
                });
                bar.set_message(text);
            }
        }
    }

    /// A line of build output; `step` when it starts `Step N/M`.
    pub fn line(&mut self, line: &str, step: Option<(usize, usize)>) {
        match self {
            Display::Quiet => {}
            Display::Plain { start, sink } => sink.line(&format!("{} {line}", stamp(*start))),
            Display::Stages { .. } => {}
            Display::Bar { bar, step: current } => {
                if let Some((n, m)) = step {
                    bar.set_length(m as u64);
                    bar.set_position(n.saturating_sub(1) as u64);
                    *current = line.to_string();
                    bar.set_message(current.clone());
                } else if !line.trim().is_empty() && !current.is_empty() {
                    bar.set_message(format!("{current} | {}", line.trim()));
                }
            }
        }
    }

    /// A line about the build itself (not a step's output), shown in every
    /// mode but quiet: above the bars in a terminal.
    pub fn note(&mut self, text: &str) {
        match self {
            Display::Quiet => {}
            Display::Plain { start, sink } => sink.line(&format!("{} {text}", stamp(*start))),
            Display::Bar { bar, .. } => bar.println(text),
            Display::Stages { multi, .. } => {
                let _ = multi.println(text);
            }
        }
    }

    /// The end of the build, with a one-line summary.
    pub fn finish(&mut self, summary: &str) {
        match self {
            Display::Quiet => {}
            Display::Plain { start, sink } => sink.line(&format!("{} {summary}", stamp(*start))),
            Display::Stages { multi, bars } => {
                for bar in bars.values() {
                    bar.finish_and_clear();
                }
                let _ = multi.clear();
                eprintln!("{summary}");
            }
            Display::Bar { bar, .. } => {
                if let Some(length) = bar.length() {
                    bar.set_position(length);
                }
                bar.finish_and_clear();
                eprintln!("{summary}");
            }
        }
    }
}

/// `[HH:MM:SS +12.3s]`: UTC wall clock and time since the build started.
fn stamp(start: Instant) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let day = now % 86_400;
    format!(
        "[{:02}:{:02}:{:02} +{:.1}s]",
        day / 3600,
        day % 3600 / 60,
        day % 60,
        start.elapsed().as_secs_f64()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_become_lines() {
        let mut buffer = LineBuffer::default();
        assert!(buffer.push("Step 1/2 : FR").is_empty());
        assert_eq!(buffer.push("OM x\n ---> ab"), ["Step 1/2 : FROM x"]);
        assert_eq!(buffer.push("c\n\nlast"), [" ---> abc", ""]);
        assert_eq!(buffer.finish().as_deref(), Some("last"));
        assert_eq!(buffer.finish(), None);
    }

    #[test]
    fn ansi_and_carriage_returns_go() {
        assert_eq!(strip_ansi("\u{1b}[91mE: bad\u{1b}[0m"), "E: bad");
        assert_eq!(strip_ansi("\u{1b}]0;title\u{7}text"), "text");
        assert_eq!(clean_line("10%\r50%\r100%\r"), "100%");
        assert_eq!(clean_line("plain"), "plain");
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        let mut tail = Tail::new(2);
        for line in ["a", "b", "c"] {
            tail.push(line);
        }
        assert_eq!(tail.lines(), ["b", "c"]);
    }
}
