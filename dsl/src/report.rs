//! Image size reports: one image's layers ([`ImageReport`]) and a
//! comparison of variants ([`Comparison`]), as a text table, JSON, or an SVG
//! bar chart.
//!
//! Plain data with serde and no I/O: the `engine` feature fills them from a
//! daemon (`Engine::inspect`, `Engine::compare`), and anything else can
//! build them by hand. Sizes are in bytes; shown in decimal megabytes
//! (1 MB = 1,000,000 bytes), as `docker images` does.
//!
//! ```
//! use stagecraft::report::Comparison;
//!
//! let comparison = Comparison::new([("naive", 249_300_000), ("scratch", 4_100_000)]);
//! assert_eq!(comparison.rows[1].saved_percent, 98.4);
//! let table = comparison.to_table();
//! assert!(table.contains("scratch"));
//! assert!(table.contains("4.10 MB"));
//! assert!(comparison.to_svg().starts_with("<svg"));
//! ```

use std::fmt::Write;

use serde::{Deserialize, Serialize};

/// One image: its id, total size and layers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageReport {
    /// The name or id it was asked for by.
    pub image: String,
    /// Its id (`sha256:...`).
    pub id: String,
    /// Total size in bytes, base layers included.
    pub size: u64,
    /// Its layers, oldest (the base) first.
    pub layers: Vec<LayerReport>,
}

/// One layer (one history entry) of an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerReport {
    /// The image id of this step, when the daemon knows it (not for pulled or imported history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Bytes this layer adds (0 for metadata-only instructions).
    pub size: u64,
    /// The command that made it, as the daemon records it
    /// (`/bin/sh -c #(nop)  ENV ...`, `/bin/sh -c apt-get ...`).
    pub created_by: String,
}

impl LayerReport {
    /// `created_by` as a Dockerfile instruction: `#(nop)` metadata shown as
    /// it was written, commands shown as `RUN ...`.
    ///
    /// ```
    /// use stagecraft::report::LayerReport;
    /// let layer = |c: &str| LayerReport { id: None, size: 0, created_by: c.into() };
    /// assert_eq!(layer("/bin/sh -c #(nop)  ENV PATH=/usr/games").instruction(), "ENV PATH=/usr/games");
    /// assert_eq!(layer("/bin/sh -c apt-get update").instruction(), "RUN apt-get update");
    /// assert_eq!(layer("|1 X=1 /bin/sh -c make").instruction(), "RUN make");
    /// ```
    pub fn instruction(&self) -> String {
        let text = self.created_by.trim();
        // Build args in effect are recorded as `|N K=V ... /bin/sh -c cmd`.
        let text = match text.strip_prefix('|') {
            Some(rest) => rest.find("/bin/sh -c ").map_or(text, |at| &rest[at..]),
            None => text,
        };
        if let Some(rest) = text.strip_prefix("/bin/sh -c #(nop) ") {
            rest.trim().to_string()
        } else if let Some(rest) = text.strip_prefix("/bin/sh -c ") {
            format!("RUN {}", rest.trim())
        } else {
            text.to_string()
        }
    }
}

impl ImageReport {
    /// The layers as a table: size and instruction, oldest first, then the total.
    ///
    /// ```
    /// use stagecraft::report::{ImageReport, LayerReport};
    /// let report = ImageReport {
    ///     image: "demo".into(),
    ///     id: "sha256:0123456789abcdef".into(),
    ///     size: 80_000_000,
    ///     layers: vec![
    ///         LayerReport { id: None, size: 74_800_000, created_by: "bash".into() },
    ///         LayerReport { id: None, size: 5_200_000, created_by: "/bin/sh -c apt-get install -y x".into() },
    ///     ],
    /// };
    /// let table = report.to_table();
    /// assert!(table.contains("RUN apt-get install -y x"));
    /// assert!(table.contains("80.0 MB"));
    /// ```
    pub fn to_table(&self) -> String {
        let id = self.id.trim_start_matches("sha256:");
        let mut out = format!(
            "{} ({}): {}\n",
            self.image,
            &id[..id.len().min(12)],
            megabytes(self.size)
        );
        let _ = writeln!(out, "{:>10}  instruction", "size");
        for layer in &self.layers {
            let _ = writeln!(
                out,
                "{:>10}  {}",
                megabytes(layer.size),
                truncate(&layer.instruction().replace('\n', " "), 90)
            );
        }
        let _ = writeln!(out, "{:>10}  total", megabytes(self.size));
        out
    }

    /// Pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serializes")
    }
}

/// Sizes of several variants of an image, compared with the first one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The variants, in the order given; the first is the baseline.
    pub rows: Vec<ComparisonRow>,
}

/// One variant of a [`Comparison`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonRow {
    /// The variant's name.
    pub name: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Bytes saved against the baseline (negative when larger).
    pub saved_bytes: i64,
    /// Percent saved against the baseline, to one decimal (negative when larger).
    pub saved_percent: f64,
}

impl Comparison {
    /// Compares `variants` (name, bytes) with the first one; list the
    /// largest (the naive variant) first to read "% saved".
    pub fn new<I, S>(variants: I) -> Comparison
    where
        I: IntoIterator<Item = (S, u64)>,
        S: Into<String>,
    {
        let variants: Vec<(String, u64)> = variants
            .into_iter()
            .map(|(name, bytes)| (name.into(), bytes))
            .collect();
        let baseline = variants.first().map_or(0, |(_, bytes)| *bytes);
        let rows = variants
            .into_iter()
            .map(|(name, bytes)| {
                let saved_bytes = baseline as i64 - bytes as i64;
                let saved_percent = if baseline == 0 {
                    0.0
                } else {
                    (saved_bytes as f64 * 1000.0 / baseline as f64).round() / 10.0
                };
                ComparisonRow {
                    name,
                    bytes,
                    saved_bytes,
                    saved_percent,
                }
            })
            .collect();
        Comparison { rows }
    }

    /// The baseline's name, if there is a row.
    pub fn baseline(&self) -> Option<&str> {
        self.rows.first().map(|row| row.name.as_str())
    }

    /// A text table: variant, size, saved against the first.
    pub fn to_table(&self) -> String {
        let width = self
            .rows
            .iter()
            .map(|row| row.name.chars().count())
            .max()
            .unwrap_or(0)
            .max("variant".len());
        let baseline = self.baseline().unwrap_or("-");
        let mut out = format!(
            "{:<width$}  {:>10}  {:>14}\n",
            "variant",
            "size",
            format!("saved vs {}", truncate(baseline, 20))
        );
        for (index, row) in self.rows.iter().enumerate() {
            let saved = if index == 0 {
                "-".to_string()
            } else {
                format!("{:.1} %", row.saved_percent)
            };
            let _ = writeln!(
                out,
                "{:<width$}  {:>10}  {:>14}",
                row.name,
                megabytes(row.bytes),
                saved
            );
        }
        out
    }

    /// Pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a comparison always serializes")
    }

    /// A horizontal bar chart as a standalone SVG document: one bar per
    /// variant, its size in MB and the percent saved against the first.
    pub fn to_svg(&self) -> String {
        const WIDTH: f64 = 760.0;
        const LABEL_WIDTH: f64 = 150.0;
        const BAR_AREA: f64 = 420.0;
        const ROW: f64 = 46.0;
        const TOP: f64 = 64.0;
        let height = TOP + ROW * self.rows.len() as f64 + 36.0;
        let largest = self
            .rows
            .iter()
            .map(|row| row.bytes)
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        let mut svg = String::new();
        let _ = writeln!(
            svg,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" \
             viewBox=\"0 0 {WIDTH} {height}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">"
        );
        let _ = writeln!(
            svg,
            "  <rect width=\"{WIDTH}\" height=\"{height}\" fill=\"#ffffff\"/>"
        );
        let _ = writeln!(
            svg,
            "  <text x=\"20\" y=\"34\" font-size=\"20\" font-weight=\"bold\" fill=\"#1f2933\">Image size by variant</text>"
        );
        if let Some(baseline) = self.baseline() {
            let _ = writeln!(
                svg,
                "  <text x=\"{}\" y=\"34\" font-size=\"13\" fill=\"#52606d\" text-anchor=\"end\">saved vs {}</text>",
                WIDTH - 20.0,
                escape(baseline)
            );
        }
        for (index, row) in self.rows.iter().enumerate() {
            let y = TOP + ROW * index as f64;
            let bar = (row.bytes as f64 / largest * BAR_AREA).max(2.0);
            let colour = if index == 0 { "#9aa5b1" } else { "#2f9e44" };
            let _ = writeln!(
                svg,
                "  <text x=\"{}\" y=\"{}\" font-size=\"15\" fill=\"#1f2933\" text-anchor=\"end\">{}</text>",
                LABEL_WIDTH - 10.0,
                y + 20.0,
                escape(&truncate(&row.name, 18))
            );
            let _ = writeln!(
                svg,
                "  <rect x=\"{LABEL_WIDTH}\" y=\"{}\" width=\"{bar:.1}\" height=\"28\" rx=\"3\" fill=\"{colour}\"/>",
                y + 1.0
            );
            let label = if index == 0 {
                megabytes(row.bytes)
            } else {
                format!(
                    "{}  ({:.1} % saved)",
                    megabytes(row.bytes),
                    row.saved_percent
                )
            };
            let _ = writeln!(
                svg,
                "  <text x=\"{:.1}\" y=\"{}\" font-size=\"14\" fill=\"#1f2933\">{}</text>",
                LABEL_WIDTH + bar + 8.0,
                y + 20.0,
                escape(&label)
            );
        }
        let _ = writeln!(
            svg,
            "  <text x=\"20\" y=\"{}\" font-size=\"11\" fill=\"#7b8794\">sizes in MB (1 MB = 1,000,000 bytes), as docker images reports them</text>",
            height - 14.0
        );
        svg.push_str("</svg>\n");
        svg
    }
}

/// Bytes in decimal megabytes with three significant digits, as
/// `docker images` shows them: `4.13 MB`, `77.8 MB`, `249 MB`.
///
/// ```
/// use stagecraft::report::megabytes;
/// assert_eq!(megabytes(4_133_456), "4.13 MB");
/// assert_eq!(megabytes(77_790_704), "77.8 MB");
/// assert_eq!(megabytes(249_300_000), "249 MB");
/// ```
pub fn megabytes(bytes: u64) -> String {
    let mb = bytes as f64 / 1_000_000.0;
    if mb < 10.0 {
        format!("{mb:.2} MB")
    } else if mb < 100.0 {
        format!("{mb:.1} MB")
    } else {
        format!("{mb:.0} MB")
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_are_against_the_first() {
        let comparison = Comparison::new([("a", 200u64), ("b", 50), ("c", 300)]);
        let saved: Vec<f64> = comparison.rows.iter().map(|r| r.saved_percent).collect();
        assert_eq!(saved, [0.0, 75.0, -50.0]);
        assert_eq!(comparison.rows[2].saved_bytes, -100);
        let json: Comparison = serde_json::from_str(&comparison.to_json()).unwrap();
        assert_eq!(json, comparison);
    }

    #[test]
    fn svg_escapes_names() {
        let svg = Comparison::new([("<a&b>", 1u64)]).to_svg();
        assert!(svg.contains("&lt;a&amp;b&gt;"));
        assert!(!svg.contains("<a&b>"));
    }

    #[test]
    fn table_lines_up() {
        let table = Comparison::new([("naive", 249_300_000u64), ("scratch", 4_100_000)]).to_table();
        assert_eq!(
            table,
            "variant        size  saved vs naive\n\
             naive        249 MB               -\n\
             scratch     4.10 MB          98.4 %\n"
        );
    }
}
