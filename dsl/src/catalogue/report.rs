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
    /// Not sent to a builder: the daemon has an image with the same
    /// fingerprint (Dockerfile, context, build args, parents' image ids).
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
    /// Smoke tests that failed.
    pub smoke_failed: usize,
    /// Sum of the images' seconds.
    pub image_seconds: f64,
    /// Wall time of the whole run.
    pub wall_seconds: f64,
}

/// The whole run: one row per image (in build order), the moves between
/// daemons, the daemons, and totals.
///
/// ```
/// use stagecraft::catalogue::{CatalogueReport, ImageResult, ImageStatus};
///
/// let row = ImageResult {
///     name: "base".into(), tags: vec!["site/base:1".into()], status: ImageStatus::Skipped,
///     daemon: Some("unix:///var/run/docker.sock".into()), seconds: 0.02,
///     image_id: Some("sha256:ab".into()), size: Some(80_000_000),
///     parent: Some("debian:bookworm-slim".into()), parent_size: Some(74_800_000),
///     smoke: None, attempts: 1, pushed: None,
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
            if image.smoke.as_ref().is_some_and(|smoke| !smoke.passed) {
                totals.smoke_failed += 1;
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

    /// Whether every image exists and every smoke test passed.
    pub fn all_ok(&self) -> bool {
        self.images.iter().all(|image| {
            image.status.is_ok() && image.smoke.as_ref().is_none_or(|smoke| smoke.passed)
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
                    match &image.smoke {
                        None => "-".into(),
                        Some(smoke) if smoke.passed => "passed".into(),
                        Some(_) => "FAILED".into(),
                    },
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

    /// Pretty JSON of the whole report.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serializes")
    }
}
