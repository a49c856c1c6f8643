//! `stagecraft build`: a catalogue of images, linted, then built in
//! dependency order over a pool of daemons, with a report as a table (on
//! stdout), JSON and an SVG chart.
//!
//! The lint runs first over every image's Dockerfile (stagecraft's rules,
//! with the `.hadolint.yaml` and `HADOLINT_*` settings `stagecraft lint`
//! reads): an image with an error is not built, nor is anything built from
//! it; the others are. Everything after that is the library's
//! `stagecraft::catalogue::build` (through
//! `stagecraft::engine::blocking::Engine::build_catalogue`).

use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use stagecraft::catalogue::{
    BuildGraph, Catalogue, CatalogueError, CatalogueReport, Endpoint, ImageResult, ImageStatus,
    Progress, RunOptions, MANIFEST_NAME,
};
use stagecraft::engine::blocking::Engine;
use stagecraft::lint::{FileReport, Options, Severity};

use crate::config::{self, Partial};
use crate::finding::{Finding, Report};
use crate::format::Format;

/// Build a catalogue of images: every Dockerfile under the directories
/// given, in dependency order, over one or more Docker daemons.
#[derive(Debug, clap::Args)]
#[command(after_help = BUILD_AFTER_HELP)]
pub struct BuildArgs {
    /// Catalogue trees (every Dockerfile and `Dockerfile.<variant>` under
    /// them) or their catalogue.toml manifests [default: .].
    #[arg(value_name = "DIR|MANIFEST")]
    paths: Vec<PathBuf>,
    /// The daemons: addresses separated by commas (unix:///path,
    /// tcp://host:port, local), each with `*N` for its own number of jobs
    /// [default: $STAGECRAFT_HOSTS, else $DOCKER_HOST or the local socket].
    #[arg(long, value_name = "LIST")]
    hosts: Option<String>,
    /// Concurrent builds per daemon, where the host list does not say.
    #[arg(short, long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..))]
    jobs: u32,
    /// Tag and push every image that was built and passed its tests to this
    /// registry (e.g. 127.0.0.1:5000).
    #[arg(long, value_name = "REGISTRY")]
    push: Option<String>,
    /// Write the report as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    report_json: Option<PathBuf>,
    /// Write the report as an SVG chart (a timeline of the run) to FILE.
    #[arg(long, value_name = "FILE")]
    chart: Option<PathBuf>,
    /// Build every image, even those unchanged since their last build.
    #[arg(long)]
    force: bool,
    /// Build without the daemons' layer cache.
    #[arg(long)]
    no_cache: bool,
    /// How many times an image is started when daemons are lost.
    #[arg(long, value_name = "N", default_value_t = 3)]
    max_attempts: u32,
    /// Label everything built with stagecraft.run=ID (for cleaning up).
    #[arg(long, value_name = "ID")]
    run_label: Option<String>,
    /// Do not lint before building.
    #[arg(long)]
    no_lint: bool,
    /// Drop lint findings of a rule (our id, or the hadolint code);
    /// repeat, or separate with commas.
    #[arg(long, value_name = "CODE", value_delimiter = ',')]
    ignore: Vec<String>,
    /// Build only this image (its name, e.g. tools/jq/1.6, or a tag) and
    /// the catalogue images it is built from, which are skipped as usual
    /// when unchanged; repeat, or separate with commas. The report has
    /// those images only.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    only: Vec<String>,
    /// Progress as plain timestamped lines even in a terminal.
    #[arg(long)]
    plain: bool,
}

const BUILD_AFTER_HELP: &str = "\
A catalogue is a tree of Dockerfiles: `tools/jq/1.6/Dockerfile` is the image
`tools/jq:1.6`; a catalogue.toml in the tree sets names, tags, build args,
targets, contexts, smoke tests (`smoke`) and server tests (`serve`). An image
built FROM another of the catalogue is built after it; an unchanged image (same
Dockerfile, context, build args, target and parents) that any daemon of the
pool holds is skipped. `--only NAME` builds NAME and what it is built from.

Exit status: 0 every image exists (built, cached or unchanged) and passed its
tests; 1 an image has lint errors, failed, was not built or failed a test;
2 bad input: a path that is not a catalogue, a manifest or Dockerfile that does
not parse, a cycle or a missing parent, an --only name that is no image's, a bad
host list, no daemon answering, a report file that cannot be written, or a bad
command line.
";

/// Why the build could not start (exit status 2).
#[derive(Debug, thiserror::Error)]
enum BuildError {
    #[error("{}: no such file or directory: give a catalogue directory or its {MANIFEST_NAME}", .0.display())]
    NoPath(PathBuf),
    #[error(
        "{}: not a catalogue manifest: give a directory, or the {MANIFEST_NAME} at the root of one",
        .0.display()
    )]
    NotManifest(PathBuf),
    #[error(
        "no Dockerfile found under {0}: a catalogue holds files named Dockerfile or \
         Dockerfile.<variant> (hidden directories and target/ are left out)"
    )]
    Empty(String),
    #[error("{0}")]
    Catalogue(#[from] CatalogueError),
    #[error(
        "{0}\n  (is dockerd running, and can you use its socket? check --hosts, \
         STAGECRAFT_HOSTS and DOCKER_HOST)"
    )]
    NoDaemon(CatalogueError),
    #[error("{0}")]
    Config(#[from] config::ConfigError),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Runs `stagecraft build`; the exit status.
pub fn run(args: &BuildArgs) -> u8 {
    match try_run(args) {
        Ok(report) => {
            if report.all_ok() {
                0
            } else {
                1
            }
        }
        Err(error) => {
            eprintln!("stagecraft: error: {error}");
            2
        }
    }
}

fn try_run(args: &BuildArgs) -> Result<CatalogueReport, BuildError> {
    let mut catalogue = read_catalogue(&args.paths)?;
    if !args.only.is_empty() {
        let whole = catalogue.len();
        catalogue = catalogue.only(&args.only)?;
        eprintln!(
            "stagecraft: --only {}: {} of the catalogue's {whole} images (with what they are \
             built from)",
            args.only.join(","),
            catalogue.len()
        );
    }
    let graph = catalogue.graph()?;
    let endpoints = match &args.hosts {
        Some(list) => Endpoint::parse_list(list, args.jobs as usize)?,
        None => Endpoint::from_env(args.jobs as usize)?,
    };

    // The lint: images with errors are held back, with what is built from them.
    let held = if args.no_lint {
        BTreeMap::new()
    } else {
        lint(&catalogue, &graph, &args.ignore)?
    };
    let mut reasons: BTreeMap<usize, String> = BTreeMap::new();
    for (&index, why) in &held {
        reasons.insert(index, why.clone());
        for child in graph.descendants(index) {
            reasons.entry(child).or_insert_with(|| {
                format!(
                    "its parent {} has lint errors",
                    catalogue.images()[index].name()
                )
            });
        }
    }
    let mut buildable = Catalogue::new();
    for (index, image) in catalogue.images().iter().enumerate() {
        if !reasons.contains_key(&index) {
            buildable.add(image.clone())?;
        }
    }

    let start = Instant::now();
    let built = if buildable.is_empty() {
        CatalogueReport::new(Vec::new(), Vec::new(), Vec::new(), 0.0)
    } else {
        let display = Arc::new(Display::new(args.plain, start));
        let sink = Arc::clone(&display);
        let mut options = RunOptions::new()
            .force(args.force)
            .no_cache(args.no_cache)
            .max_attempts(args.max_attempts)
            .on_progress(move |event| sink.show(event));
        if let Some(registry) = &args.push {
            options = options.push(registry.clone());
        }
        if let Some(id) = &args.run_label {
            options = options.run_label(id.clone());
        }
        let report = Engine::build_catalogue(&buildable, &endpoints, &options);
        display.clear();
        match report {
            Ok(report) => report,
            Err(error @ CatalogueError::NoDaemon { .. }) => {
                return Err(BuildError::NoDaemon(error))
            }
            Err(error) => return Err(error.into()),
        }
    };

    // One row per image of the whole catalogue, in build order.
    let mut rows: HashMap<String, ImageResult> = built
        .images
        .into_iter()
        .map(|row| (row.name.clone(), row))
        .collect();
    let images = graph
        .order()
        .iter()
        .map(|&index| {
            let image = &catalogue.images()[index];
            rows.remove(image.name()).unwrap_or_else(|| ImageResult {
                name: image.name().to_string(),
                tags: image.tags().to_vec(),
                status: ImageStatus::NotBuilt {
                    reason: reasons
                        .get(&index)
                        .cloned()
                        .unwrap_or_else(|| "never started".into()),
                },
                daemon: None,
                seconds: 0.0,
                started: None,
                image_id: None,
                size: None,
                parent: graph.base(index).map(str::to_string),
                parent_size: None,
                smoke: None,
                serve: None,
                attempts: 0,
                pushed: None,
            })
        })
        .collect();
    let report = CatalogueReport::new(
        images,
        built.moves,
        built.daemons,
        start.elapsed().as_secs_f64(),
    );

    print!("{}", report.to_table());
    if let Some(path) = &args.report_json {
        write(path, &report.to_json())?;
    }
    if let Some(path) = &args.chart {
        write(path, &report.to_svg())?;
    }
    Ok(report)
}

fn write(path: &Path, text: &str) -> Result<(), BuildError> {
    std::fs::write(path, text).map_err(|source| BuildError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Every catalogue the paths name, as one.
fn read_catalogue(paths: &[PathBuf]) -> Result<Catalogue, BuildError> {
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut catalogue = Catalogue::new();
    for path in paths {
        let root = if path.is_dir() {
            path.clone()
        } else if path.is_file() {
            if path.file_name().and_then(|name| name.to_str()) != Some(MANIFEST_NAME) {
                return Err(BuildError::NotManifest(path.clone()));
            }
            match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
                _ => PathBuf::from("."),
            }
        } else {
            return Err(BuildError::NoPath(path.clone()));
        };
        for image in Catalogue::from_dir(&root)?.images() {
            catalogue.add(image.clone())?;
        }
    }
    if catalogue.is_empty() {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(BuildError::Empty(names.join(", ")));
    }
    Ok(catalogue)
}

/// Lints every image's Dockerfile; the images with errors, and why. The
/// findings are shown on stderr as `stagecraft lint` shows them. Each image
/// is linted with what its build is given: its target, and as named
/// contexts the catalogue images it copies from (`BuildGraph::contexts`),
/// so `COPY --from=base` of the catalogue's `base:latest` is no unknown
/// stage (SCR023) while a name the catalogue does not have still is.
fn lint(
    catalogue: &Catalogue,
    graph: &BuildGraph,
    ignore: &[String],
) -> Result<BTreeMap<usize, String>, BuildError> {
    let env = |name: &str| std::env::var(name).ok();
    let mut warnings = Vec::new();
    let from_env = config::from_env(&env, &mut warnings);
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let from_file = match config::find_file(None, &cwd, &env) {
        Some(path) => config::read_file(&path)?,
        None => Partial::default(),
    };
    let settings = from_env.then(from_file);
    for warning in &warnings {
        eprintln!("stagecraft: warning: {warning}");
    }
    let ignored: Vec<String> = settings
        .ignored
        .iter()
        .chain(ignore)
        .map(|code| code.trim().to_ascii_uppercase())
        .collect();
    let mut held = BTreeMap::new();
    let mut shown = Vec::new();
    for (index, image) in catalogue.images().iter().enumerate() {
        let file = match image.source() {
            stagecraft::catalogue::ImageSource::Text {
                path: Some(path), ..
            } => path.display().to_string(),
            _ => image.name().to_string(),
        };
        // Options grows fields: keep the update.
        #[allow(clippy::needless_update)]
        let options = Options {
            target: image.target_stage().map(str::to_string),
            trusted_registries: settings.trusted_registries.clone(),
            contexts: graph.contexts(catalogue, index),
            ..Options::default()
        };
        let report = match FileReport::lint(&file, &image.source().text(), &options, &ignored) {
            Ok(report) => report,
            Err(error) => {
                held.insert(index, format!("the lint cannot read it: {error}"));
                continue;
            }
        };
        let mut findings: Vec<Finding> = report
            .findings
            .into_iter()
            .map(Finding::from_rule)
            .collect();
        for finding in &mut findings {
            if let Some((severity, _)) = settings
                .overrides
                .iter()
                .rev()
                .find(|(_, code)| finding.is_named(&code.trim().to_ascii_uppercase()))
            {
                finding.severity = *severity;
            }
        }
        let errors: Vec<String> = findings
            .iter()
            .filter(|finding| finding.severity == Severity::Error)
            .map(|finding| format!("{} (line {})", finding.code(), finding.line))
            .collect();
        if !errors.is_empty() {
            held.insert(
                index,
                format!(
                    "lint errors: {} (see `stagecraft lint {file}`; fix them, or \
                     --ignore the rule)",
                    errors.join(", ")
                ),
            );
        }
        if !findings.is_empty() {
            shown.push(Report {
                file,
                source: report.source,
                findings,
            });
        }
    }
    if !shown.is_empty() {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        eprint!("{}", Format::Tty.render(&shown, color));
    }
    Ok(held)
}

/// Progress while the catalogue builds: in a terminal one spinner line per
/// running build above the finished lines; elsewhere (CI, a pipe) plain
/// timestamped lines.
enum Display {
    Bars {
        multi: MultiProgress,
        bars: Mutex<HashMap<String, ProgressBar>>,
    },
    Plain {
        start: Instant,
    },
}

impl Display {
    fn new(plain: bool, start: Instant) -> Display {
        if plain || !std::io::stderr().is_terminal() {
            Display::Plain { start }
        } else {
            Display::Bars {
                multi: MultiProgress::new(),
                bars: Mutex::new(HashMap::new()),
            }
        }
    }

    fn show(&self, event: &Progress) {
        match self {
            Display::Plain { start } => {
                eprintln!(
                    "{} [{:6.1}s] {event}",
                    utc_clock(SystemTime::now()),
                    start.elapsed().as_secs_f64()
                );
            }
            Display::Bars { multi, bars } => {
                let mut bars = bars.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                match event {
                    Progress::Started { image, daemon, .. } => {
                        let bar = multi.add(ProgressBar::new_spinner());
                        bar.set_style(
                            ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
                                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                        );
                        bar.set_message(format!("{image} on {daemon}"));
                        bar.enable_steady_tick(Duration::from_millis(120));
                        if let Some(old) = bars.insert(image.clone(), bar) {
                            old.finish_and_clear();
                        }
                    }
                    Progress::Finished { image, .. } | Progress::Requeued { image, .. } => {
                        if let Some(bar) = bars.remove(image) {
                            bar.finish_and_clear();
                            multi.remove(&bar);
                        }
                        let _ = multi.println(event.to_string());
                    }
                    _ => {
                        let _ = multi.println(event.to_string());
                    }
                }
            }
        }
    }

    /// Takes the spinners off the screen before the table is printed.
    fn clear(&self) {
        if let Display::Bars { multi, bars } = self {
            let mut bars = bars.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            for (_, bar) in bars.drain() {
                bar.finish_and_clear();
            }
            let _ = multi.clear();
        }
    }
}

/// `HH:MM:SSZ`, the time of day in UTC.
fn utc_clock(now: SystemTime) -> String {
    let seconds = now
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_secs())
        .unwrap_or(0)
        % 86_400;
    format!(
        "{:02}:{:02}:{:02}Z",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_is_utc() {
        let at = UNIX_EPOCH + Duration::from_secs(20_000 * 86_400 + 5 * 3600 + 7 * 60 + 9);
        assert_eq!(utc_clock(at), "05:07:09Z");
    }

    #[test]
    fn a_path_that_is_no_catalogue_says_what_to_give() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        let error = read_catalogue(std::slice::from_ref(&missing)).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "{}: no such file or directory: give a catalogue directory or its catalogue.toml",
                missing.display()
            )
        );
        let error = read_catalogue(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(
            error.to_string().starts_with("no Dockerfile found under "),
            "{error}"
        );
        let other = dir.path().join("notes.txt");
        std::fs::write(&other, "x").unwrap();
        let error = read_catalogue(&[other]).unwrap_err();
        assert!(
            error.to_string().contains("not a catalogue manifest"),
            "{error}"
        );
    }
}
