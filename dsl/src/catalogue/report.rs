//! The report of a catalogue run: plain data (serde), a text table and JSON.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::report::megabytes;

/// What happened to one image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ImageStatus {
    /// Built; some step ran.
    Built,
    /// Built, every step from the daemon's cache.
    Cached,
    /// Not sent to a builder: a daemon of the pool (the row's) has an image
    /// with the same tag and fingerprint (Dockerfile, context, build args,
    /// target, parents' image ids).
    Skipped,
    /// The build (or moving a parent to the daemon) failed.
    Failed {
        /// The error.
        error: String,
    },
    /// Not attempted.
    NotBuilt {
        /// Why (a parent failed, no daemon left).
        reason: String,
    },
}

impl ImageStatus {
    /// The short word the table shows.
    pub fn word(&self) -> &'static str {
        match self {
            ImageStatus::Built => "built",
            ImageStatus::Cached => "cached",
            ImageStatus::Skipped => "skipped (unchanged)",
            ImageStatus::Failed { .. } => "FAILED",
            ImageStatus::NotBuilt { .. } => "not built",
        }
    }

    /// Whether the image exists at the end (built, cached or skipped).
    pub fn is_ok(&self) -> bool {
        matches!(
            self,
            ImageStatus::Built | ImageStatus::Cached | ImageStatus::Skipped
        )
    }
}

/// A smoke test's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmokeResult {
    /// Whether it met its expectations.
    pub passed: bool,
    /// What was wrong, or the first line of output when it passed.
    pub detail: String,
}

/// One image's row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageResult {
    /// Its catalogue name.
    pub name: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// What happened.
    #[serde(flatten)]
    pub status: ImageStatus,
    /// The daemon it was built (or found) on, last.
    pub daemon: Option<String>,
    /// Seconds spent on it (moving parents, building, measuring, smoke test).
    pub seconds: f64,
    /// When its last attempt started, in seconds from the start of the run
    /// (the chart's timeline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<f64>,
    /// Its image id.
    pub image_id: Option<String>,
    /// Its size in bytes.
    pub size: Option<u64>,
    /// The image its built stage starts from (a catalogue image or an external base).
    pub parent: Option<String>,
    /// That image's size in bytes.
    pub parent_size: Option<u64>,
    /// The smoke test's result, if it has one and was run.
    pub smoke: Option<SmokeResult>,
    /// The server test's result, if it has one and was run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serve: Option<SmokeResult>,
    /// How many times it was started (more than 1 when a daemon was lost).
    pub attempts: u32,
    /// The registry reference and manifest digest it was pushed as
    /// (`127.0.0.1:5000/site/base:1@sha256:...`), when the run pushed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pushed: Option<String>,
}

/// An image that moved from one daemon to another, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    /// The image.
    pub image: String,
    /// The daemon it left.
    pub from: String,
    /// The daemon it went to (`None` when none was left).
    pub to: Option<String>,
    /// Why.
    pub reason: String,
}

/// One daemon of the pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DaemonSummary {
    /// Its address.
    pub host: String,
    /// Concurrent builds allowed.
    pub jobs: usize,
    /// Images it built or found unchanged.
    pub images: usize,
    /// Images moved to it by save/load.
    pub transfers: usize,
    /// Why it left the pool, if it did.
    pub lost: Option<String>,
}

/// Counts over the run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Images in the catalogue.
    pub images: usize,
    /// Built with some step run.
    pub built: usize,
    /// Built entirely from cache.
    pub cached: usize,
    /// Skipped as unchanged.
    pub skipped: usize,
    /// Failed.
    pub failed: usize,
    /// Not attempted.
    pub not_built: usize,
    /// Smoke and server tests that failed.
    pub smoke_failed: usize,
    /// Sum of the images' seconds.
    pub image_seconds: f64,
    /// Wall time of the whole run.
    pub wall_seconds: f64,
}

/// The chart's colour and word for a status.
fn status_colour(status: &ImageStatus) -> (&'static str, &'static str) {
    match status {
        ImageStatus::Built => ("#3b7dd8", "built"),
        ImageStatus::Cached => ("#7fb0e8", "cached"),
        ImageStatus::Skipped => ("#b8b8b8", "skipped"),
        ImageStatus::Failed { .. } => ("#d9473f", "FAILED"),
        ImageStatus::NotBuilt { .. } => ("#888888", "not built"),
    }
}

/// The chart's shortening of a not-built reason: without the advice in
/// parentheses that starts with "see", at most 80 characters.
fn short_reason(reason: &str) -> String {
    let reason = reason.split(" (see ").next().unwrap_or(reason);
    if reason.chars().count() <= 80 {
        reason.to_string()
    } else {
        let cut: String = reason.chars().take(79).collect();
        format!("{cut}…")
    }
}

/// A round step (1, 2 or 5 times a power of ten) of at least `rough` seconds.
fn nice_step(rough: f64) -> f64 {
    let power = 10f64.powf(rough.max(1e-3).log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|step| *step >= rough)
        .unwrap_or(10.0 * power)
}

/// Text escaped for XML.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The table's smoke cell: the smoke test's word, then the server test's.
fn tests_cell(image: &ImageResult) -> String {
    let word = |test: &SmokeResult| if test.passed { "passed" } else { "FAILED" };
    match (&image.smoke, &image.serve) {
        (None, None) => "-".into(),
        (Some(smoke), None) => word(smoke).into(),
        (None, Some(serve)) => format!("serve {}", word(serve)),
        (Some(smoke), Some(serve)) => format!("{}, serve {}", word(smoke), word(serve)),
    }
}

/// The whole run: one row per image (in build order), the moves between
/// daemons, the daemons, and totals.
///
/// ```
/// use stagecraft::catalogue::{CatalogueReport, ImageResult, ImageStatus};
///
/// let row = ImageResult {
///     name: "base".into(), tags: vec!["site/base:1".into()], status: ImageStatus::Skipped,
///     daemon: Some("unix:///var/run/docker.sock".into()), seconds: 0.02, started: Some(0.1),
///     image_id: Some("sha256:ab".into()), size: Some(80_000_000),
///     parent: Some("debian:bookworm-slim".into()), parent_size: Some(74_800_000),
///     smoke: None, serve: None, attempts: 1, pushed: None,
/// };
/// let report = CatalogueReport::new(vec![row], vec![], vec![], 0.5);
/// assert_eq!(report.totals.skipped, 1);
/// assert!(report.to_table().contains("skipped (unchanged)"));
/// assert!(report.to_json().contains("\"status\": \"skipped\""));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogueReport {
    /// One row per image.
    pub images: Vec<ImageResult>,
    /// Images that moved between daemons.
    pub moves: Vec<Move>,
    /// The daemons.
    pub daemons: Vec<DaemonSummary>,
    /// Counts.
    pub totals: Totals,
}

impl CatalogueReport {
    /// A report with its totals computed.
    pub fn new(
        images: Vec<ImageResult>,
        moves: Vec<Move>,
        daemons: Vec<DaemonSummary>,
        wall_seconds: f64,
    ) -> CatalogueReport {
        let mut totals = Totals {
            images: images.len(),
            wall_seconds,
            ..Totals::default()
        };
        for image in &images {
            match image.status {
                ImageStatus::Built => totals.built += 1,
                ImageStatus::Cached => totals.cached += 1,
                ImageStatus::Skipped => totals.skipped += 1,
                ImageStatus::Failed { .. } => totals.failed += 1,
                ImageStatus::NotBuilt { .. } => totals.not_built += 1,
            }
            for test in [&image.smoke, &image.serve] {
                if test.as_ref().is_some_and(|test| !test.passed) {
                    totals.smoke_failed += 1;
                }
            }
            totals.image_seconds += image.seconds;
        }
        CatalogueReport {
            images,
            moves,
            daemons,
            totals,
        }
    }

    /// Whether every image exists and every smoke and server test passed.
    pub fn all_ok(&self) -> bool {
        self.images.iter().all(|image| {
            image.status.is_ok()
                && [&image.smoke, &image.serve]
                    .iter()
                    .all(|test| test.as_ref().is_none_or(|test| test.passed))
        })
    }

    /// The row of image `name`.
    pub fn image(&self, name: &str) -> Option<&ImageResult> {
        self.images.iter().find(|image| image.name == name)
    }

    /// A text table: one line per image, then moves, daemons and totals.
    pub fn to_table(&self) -> String {
        let size = |bytes: Option<u64>| bytes.map(megabytes).unwrap_or_else(|| "-".into());
        let rows: Vec<[String; 9]> = self
            .images
            .iter()
            .map(|image| {
                [
                    image.name.clone(),
                    image.status.word().to_string(),
                    image.daemon.clone().unwrap_or_else(|| "-".into()),
                    format!("{:.1}s", image.seconds),
                    image.attempts.to_string(),
                    size(image.size),
                    image.parent.clone().unwrap_or_else(|| "scratch".into()),
                    size(image.parent_size),
                    tests_cell(image),
                ]
            })
            .collect();
        let header: [&str; 9] = [
            "image",
            "status",
            "daemon",
            "time",
            "tries",
            "size",
            "parent",
            "parent size",
            "smoke",
        ];
        let mut widths = header.map(str::len);
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let line = |out: &mut String, cells: &[String]| {
            let mut text = String::new();
            for (cell, width) in cells.iter().zip(widths) {
                let _ = write!(text, "{cell:<width$}  ");
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        line(&mut out, &header.map(String::from));
        for row in &rows {
            line(&mut out, row);
        }
        for image in &self.images {
            match &image.status {
                ImageStatus::Failed { error } => {
                    let _ = writeln!(out, "{} failed: {error}", image.name);
                }
                ImageStatus::NotBuilt { reason } => {
                    let _ = writeln!(out, "{} not built: {reason}", image.name);
                }
                _ => {}
            }
            if let Some(smoke) = image.smoke.as_ref().filter(|smoke| !smoke.passed) {
                let _ = writeln!(out, "{} smoke test failed: {}", image.name, smoke.detail);
            }
            if let Some(serve) = image.serve.as_ref().filter(|serve| !serve.passed) {
                let _ = writeln!(out, "{} server test failed: {}", image.name, serve.detail);
            }
        }
        for moved in &self.moves {
            let _ = writeln!(
                out,
                "moved {} from {} to {}: {}",
                moved.image,
                moved.from,
                moved.to.as_deref().unwrap_or("nowhere"),
                moved.reason
            );
        }
        for daemon in &self.daemons {
            let _ = writeln!(
                out,
                "daemon {} ({} jobs): {} images, {} moved in{}",
                daemon.host,
                daemon.jobs,
                daemon.images,
                daemon.transfers,
                daemon
                    .lost
                    .as_deref()
                    .map(|why| format!(", lost: {why}"))
                    .unwrap_or_default()
            );
        }
        let t = &self.totals;
        let _ = writeln!(
            out,
            "{} images: {} built, {} cached, {} skipped (unchanged), {} failed, {} not built; \
             {} smoke failures; {:.1}s of builds in {:.1}s",
            t.images,
            t.built,
            t.cached,
            t.skipped,
            t.failed,
            t.not_built,
            t.smoke_failed,
            t.image_seconds,
            t.wall_seconds
        );
        out
    }

    /// An SVG chart of the run: one row per image on a timeline of the
    /// run (a bar from its start to its end, coloured by its status, with
    /// its time, daemon, size and its parent's size, and its smoke results),
    /// then the totals.
    ///
    /// ```
    /// use stagecraft::catalogue::{CatalogueReport, ImageResult, ImageStatus};
    ///
    /// let row = ImageResult {
    ///     name: "base".into(), tags: vec!["site/base:1".into()], status: ImageStatus::Built,
    ///     daemon: Some("local".into()), seconds: 4.0, started: Some(1.0),
    ///     image_id: None, size: Some(80_000_000), parent: None, parent_size: None,
    ///     smoke: None, serve: None, attempts: 1, pushed: None,
    /// };
    /// let svg = CatalogueReport::new(vec![row], vec![], vec![], 5.0).to_svg();
    /// assert!(svg.starts_with("<svg "));
    /// assert!(svg.contains("base"));
    /// ```
    pub fn to_svg(&self) -> String {
        const LEFT: f64 = 200.0;
        const PLOT: f64 = 560.0;
        const ROW: f64 = 24.0;
        const TOP: f64 = 56.0;
        // The width of a not-built image's mark.
        const HELD: f64 = 12.0;
        let width = LEFT + PLOT + 340.0;
        let span = self
            .images
            .iter()
            .map(|image| image.started.unwrap_or(0.0) + image.seconds)
            .fold(self.totals.wall_seconds, f64::max)
            .max(0.1);
        let x = |seconds: f64| LEFT + seconds / span * PLOT;
        let height = TOP + ROW * self.images.len() as f64 + 70.0;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
             viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"sans-serif\" font-size=\"12\">"
        );
        let _ = writeln!(out, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        let t = &self.totals;
        let _ = writeln!(
            out,
            "<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">Catalogue build: \
             {} images in {:.1}s ({:.1}s of builds)</text>",
            t.images, t.wall_seconds, t.image_seconds
        );
        // The time axis: about six ticks at round seconds.
        let step = nice_step(span / 6.0);
        let axis = TOP - 8.0;
        let bottom = TOP + ROW * self.images.len() as f64;
        let mut tick = 0.0;
        while tick <= span + 1e-9 {
            let _ = writeln!(
                out,
                "<line x1=\"{0:.1}\" y1=\"{axis:.1}\" x2=\"{0:.1}\" y2=\"{bottom:.1}\" \
                 stroke=\"#ddd\"/><text x=\"{0:.1}\" y=\"{1:.1}\" text-anchor=\"middle\" \
                 fill=\"#666\">{tick}s</text>",
                x(tick),
                axis - 4.0,
            );
            tick += step;
        }
        for (index, image) in self.images.iter().enumerate() {
            let y = TOP + ROW * index as f64;
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                LEFT - 8.0,
                y + 16.0,
                xml(&image.name)
            );
            let (colour, word) = status_colour(&image.status);
            let start = x(image.started.unwrap_or(0.0));
            let bar = (image.seconds / span * PLOT).max(2.0);
            let mut label = format!("{word} {:.1}s", image.seconds);
            if let ImageStatus::NotBuilt { reason } = &image.status {
                // Held back (a lint error, a failed parent): a dashed mark
                // where it would have started, and why.
                let _ = writeln!(
                    out,
                    "<rect x=\"{start:.1}\" y=\"{:.1}\" width=\"{HELD:.1}\" height=\"{:.1}\" \
                     fill=\"none\" stroke=\"{colour}\" stroke-dasharray=\"3 2\"><title>{}</title></rect>",
                    y + 4.0,
                    ROW - 8.0,
                    xml(&format!("{}: not built: {reason}", image.tags.join(", ")))
                );
                label = format!("{word}: {}", short_reason(reason));
            } else {
                let _ = writeln!(
                    out,
                    "<rect x=\"{start:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{:.1}\" \
                     fill=\"{colour}\"><title>{}</title></rect>",
                    y + 4.0,
                    ROW - 8.0,
                    xml(&format!("{}: {word}", image.tags.join(", ")))
                );
            }
            let bar = if matches!(image.status, ImageStatus::NotBuilt { .. }) {
                HELD
            } else {
                bar
            };
            if let Some(daemon) = &image.daemon {
                let _ = write!(label, " on {daemon}");
            }
            if let Some(size) = image.size {
                let _ = write!(label, ", {}", megabytes(size));
                if let Some(parent) = image.parent_size {
                    let _ = write!(label, " (parent {})", megabytes(parent));
                }
            }
            let cell = tests_cell(image);
            if cell != "-" {
                let _ = write!(label, ", smoke {cell}");
            }
            if image.attempts > 1 {
                let _ = write!(label, ", {} tries", image.attempts);
            }
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#333\">{}</text>",
                (start + bar + 6.0).min(LEFT + PLOT + 6.0),
                y + 16.0,
                xml(&label)
            );
        }
        let legend = bottom + 24.0;
        let mut at = 10.0;
        for status in [
            ImageStatus::Built,
            ImageStatus::Cached,
            ImageStatus::Skipped,
            ImageStatus::Failed {
                error: String::new(),
            },
            ImageStatus::NotBuilt {
                reason: String::new(),
            },
        ] {
            let (colour, word) = status_colour(&status);
            let paint = if matches!(status, ImageStatus::NotBuilt { .. }) {
                format!("fill=\"none\" stroke=\"{colour}\" stroke-dasharray=\"3 2\"")
            } else {
                format!("fill=\"{colour}\"")
            };
            let _ = writeln!(
                out,
                "<rect x=\"{at:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" {paint}/>\
                 <text x=\"{:.1}\" y=\"{legend:.1}\">{word}</text>",
                legend - 10.0,
                at + 16.0
            );
            at += 40.0 + 7.0 * word.len() as f64;
        }
        let _ = writeln!(
            out,
            "<text x=\"10\" y=\"{:.1}\" fill=\"#333\">{} built, {} cached, {} skipped \
             (unchanged), {} failed, {} not built; {} smoke failures; {} moves</text>",
            legend + 22.0,
            t.built,
            t.cached,
            t.skipped,
            t.failed,
            t.not_built,
            t.smoke_failed,
            self.moves.len()
        );
        out.push_str("</svg>\n");
        out
    }

    /// Pretty JSON of the whole report.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, status: ImageStatus, started: f64, seconds: f64) -> ImageResult {
        ImageResult {
            name: name.into(),
            tags: vec![format!("site/{name}:1")],
            status,
            daemon: Some("unix:///a.sock".into()),
            seconds,
            started: Some(started),
            image_id: None,
            size: Some(80_400_000),
            parent: Some("debian:bookworm-slim".into()),
            parent_size: Some(74_800_000),
            smoke: None,
            serve: None,
            attempts: 1,
            pushed: None,
        }
    }

    #[test]
    fn the_chart_puts_each_image_on_the_run_s_timeline() {
        let mut web = row("web<1>", ImageStatus::Built, 5.0, 5.0);
        web.serve = Some(SmokeResult {
            passed: false,
            detail: "GET / answered 404, not 200".into(),
        });
        let report = CatalogueReport::new(
            vec![
                row("base", ImageStatus::Built, 0.0, 5.0),
                web,
                row(
                    "child",
                    ImageStatus::NotBuilt {
                        reason: "its parent failed".into(),
                    },
                    10.0,
                    0.0,
                ),
            ],
            vec![],
            vec![],
            10.0,
        );
        let svg = report.to_svg();
        // 10 s over 560 px from x=200: base from 200 for 280 px, web from 480.
        assert!(
            svg.contains(
                "<rect x=\"200.0\" y=\"60.0\" width=\"280.0\" height=\"16.0\" fill=\"#3b7dd8\">"
            ),
            "{svg}"
        );
        assert!(
            svg.contains("<rect x=\"480.0\" y=\"84.0\" width=\"280.0\""),
            "{svg}"
        );
        // Names are escaped; the row says what failed; a not-built image
        // has a dashed mark where it would have started, and says why.
        assert!(svg.contains(">web&lt;1&gt;</text>"), "{svg}");
        assert!(
            svg.contains("80.4 MB (parent 74.8 MB), smoke serve FAILED"),
            "{svg}"
        );
        assert!(
            svg.contains(
                "<rect x=\"760.0\" y=\"108.0\" width=\"12.0\" height=\"16.0\" fill=\"none\" \
                 stroke=\"#888888\" stroke-dasharray=\"3 2\"><title>site/child:1: not built: its \
                 parent failed</title></rect>"
            ),
            "{svg}"
        );
        assert!(
            svg.contains(">not built: its parent failed on unix:///a.sock, 80.4 MB"),
            "{svg}"
        );
        // The legend has the five statuses, the mark as drawn.
        assert_eq!(svg.matches("stroke-dasharray").count(), 2, "{svg}");
        assert!(svg.contains(">not built</text>"), "{svg}");
        // Ticks every 2 s from 0 to 10.
        assert_eq!(svg.matches("fill=\"#666\"").count(), 6, "{svg}");
        assert!(svg.contains(">10s</text>"), "{svg}");
        assert!(svg.contains("1 smoke failures"), "{svg}");
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn a_held_back_image_s_mark_says_why_in_short() {
        let held = row(
            "tools/broken/1",
            ImageStatus::NotBuilt {
                reason: "lint errors: SCR001 (line 2) (see `stagecraft lint x/Dockerfile`; fix \
                         them, or --ignore the rule)"
                    .into(),
            },
            0.0,
            0.0,
        );
        let svg = CatalogueReport::new(vec![held], vec![], vec![], 1.0).to_svg();
        assert!(
            svg.contains(
                "<rect x=\"200.0\" y=\"60.0\" width=\"12.0\" height=\"16.0\" fill=\"none\""
            ),
            "{svg}"
        );
        assert!(
            svg.contains(">not built: lint errors: SCR001 (line 2) on unix:///a.sock,"),
            "{svg}"
        );
        assert_eq!(short_reason(&"x".repeat(100)).chars().count(), 80);
    }

    #[test]
    fn nice_steps_are_round() {
        assert_eq!(nice_step(1.7), 2.0);
        assert_eq!(nice_step(28.0), 50.0);
        assert_eq!(nice_step(0.3), 0.5);
    }
}
