//! What every workshop example shares: its command line, printing its
//! Dockerfiles, and `--build`: build every variant against the Docker
//! daemon, smoke-test each, and print (and write) the size comparison.
//!
//! Included by each example with `#[path = "support/mod.rs"] mod support;`;
//! each example uses part of it, hence `allow(dead_code)`.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use serde::Serialize;
use stagecraft::engine::blocking::Engine;
use stagecraft::engine::{BuildOptions, EngineError, SmokeTest};
use stagecraft::report::{Comparison, LayerReport};
use stagecraft::site_ca::SiteCa;
use stagecraft::Dockerfile;
use stagecraft_workshop::variant::WorkshopVariant;

/// One variant an example can print and build.
pub struct Variant {
    /// Its name on the command line (`naive`, `scratch`, ...).
    pub name: &'static str,
    /// Its Dockerfile.
    pub dockerfile: Dockerfile,
    /// How to run it to check it works (the image is filled in).
    pub smoke: fn(&str) -> SmokeTest,
}

/// A variant kept as Dockerfile text because the model refuses it on
/// purpose (the workshop's naive images): printed as written and built with
/// [`Engine::build_text`].
pub struct TextVariant {
    /// Its name on the command line.
    pub name: &'static str,
    /// Its Dockerfile, as written.
    pub text: String,
    /// How to run it to check it works (the image is filled in).
    pub smoke: fn(&str) -> SmokeTest,
}

/// What `--build` builds: a checked model, or text as written.
enum Source<'a> {
    Model(&'a Dockerfile),
    Text(&'a str),
}

/// One variant to build: its name, what to build, its smoke test.
type ToBuild<'a> = (&'a str, Source<'a>, fn(&str) -> SmokeTest);

/// What the command line asked for.
pub struct Options {
    /// `--variant NAME`, else the recommended one.
    pub variant: Option<String>,
    /// `--all`: print every variant.
    pub all: bool,
    /// `--seed`: the workshop's 2021 version.
    pub seed: bool,
    /// `--build`: build, smoke-test and compare every variant.
    pub build: bool,
    /// `--chart FILE.svg`.
    pub chart: Option<PathBuf>,
    /// `--report-json FILE`.
    pub report_json: Option<PathBuf>,
    /// Files `--build` puts into every variant's build context:
    /// (host path, context path). Empty unless the example fills it in.
    pub context: Vec<(PathBuf, String)>,
    /// With `--build`, the site CA bundle named by `STAGECRAFT_SITE_CA`
    /// (read by [`options_or_exit`]): every build gets it in its context
    /// (`BuildOptions::site_ca`), and an example whose stages fetch over
    /// HTTPS trusts it there (`trust_site_ca()`).
    pub site_ca: Option<SiteCa>,
}

/// The usage text of an example.
pub fn usage(example: &str, variants: &str) -> String {
    format!(
        "usage: cargo run --example {example} -- [--variant {variants}] [--all] [--seed]
                                    [--build [--chart FILE.svg] [--report-json FILE]]

  --variant NAME      print this variant (default: the recommended one)
  --all               print every variant, each under a '# variant: NAME' header
  --seed              print the workshop's 2021 version instead of today's
  --build             build every variant with the Docker daemon, run each once,
                      and print the size table (needs a daemon: bash scripts/setup.sh)
  --chart FILE.svg    with --build: write the sizes as an SVG bar chart
  --report-json FILE  with --build: write the measurements as JSON"
    )
}

/// Parses the arguments; `Err(None)` means `--help`.
pub fn parse_args(args: impl Iterator<Item = String>) -> Result<Options, Option<String>> {
    let mut options = Options {
        variant: None,
        all: false,
        seed: false,
        build: false,
        chart: None,
        report_json: None,
        context: Vec::new(),
        site_ca: None,
    };
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .ok_or_else(|| Some(format!("{flag} needs a value")))
        };
        match arg.as_str() {
            "--variant" => options.variant = Some(value("--variant")?),
            "--all" => options.all = true,
            "--seed" => options.seed = true,
            "--build" => options.build = true,
            "--chart" => options.chart = Some(value("--chart")?.into()),
            "--report-json" => options.report_json = Some(value("--report-json")?.into()),
            "-h" | "--help" => return Err(None),
            other => return Err(Some(format!("unknown argument {other:?}"))),
        }
    }
    if (options.chart.is_some() || options.report_json.is_some()) && !options.build {
        return Err(Some(
            "--chart and --report-json go with --build".to_string(),
        ));
    }
    Ok(options)
}

/// Parses the process's arguments; `--help` prints the usage and a bad
/// argument an error with it, and both give the exit code to return.
pub fn options_or_exit(example: &str, variants: &str) -> Result<Options, ExitCode> {
    match parse_args(std::env::args().skip(1)) {
        // Only a build needs the site's CA: what is printed otherwise is
        // the Dockerfile for any network.
        Ok(mut options) if options.build => match SiteCa::from_env() {
            Ok(site) => {
                if let Some(site) = &site {
                    eprintln!(
                        "==> builds trust the site CA bundle {} ({} certificates, from {})",
                        site.path().display(),
                        site.certificates(),
                        stagecraft::site_ca::ENV_VAR
                    );
                }
                options.site_ca = site;
                Ok(options)
            }
            Err(error) => {
                eprintln!("error: {error}");
                Err(ExitCode::from(2))
            }
        },
        Ok(options) => Ok(options),
        Err(None) => {
            println!("{}", usage(example, variants));
            Err(ExitCode::SUCCESS)
        }
        Err(Some(message)) => {
            eprintln!("error: {message}\n\n{}", usage(example, variants));
            Err(ExitCode::from(2))
        }
    }
}

/// The variants to work on: the one `--variant` names, all of them for
/// `--all` and `--build`, else `default`. A bad name is an error (exit 2).
pub fn chosen<V>(options: &Options, all: &[V], default: V) -> Result<Vec<V>, ExitCode>
where
    V: Copy + std::str::FromStr<Err = String>,
{
    match &options.variant {
        Some(name) => match name.parse::<V>() {
            Ok(variant) => Ok(vec![variant]),
            Err(message) => {
                eprintln!("error: {message}");
                Err(ExitCode::from(2))
            }
        },
        None if options.all || options.build => Ok(all.to_vec()),
        None => Ok(vec![default]),
    }
}

/// The build options every build of an example starts from: the files of
/// [`Options::context`] and, when there is one, the site CA bundle.
pub fn build_options(options: &Options) -> BuildOptions {
    let build = options
        .context
        .iter()
        .fold(BuildOptions::new(), |build, (host, path)| {
            build.context_file(host, path)
        });
    match &options.site_ca {
        Some(site) => build.site_ca(site),
        None => build,
    }
}

/// Prints the workshop's own (2021) Dockerfile of each chosen variant
/// (`--seed`), with `print`. `seed` is `None` for a variant the workshop has
/// no Dockerfile for: skipped when several are chosen, and an error (exit 2,
/// `missing` says what the workshop has) when it was asked for alone.
pub fn print_seeds<V, T, E>(
    chosen: &[V],
    seed: impl Fn(V) -> Option<Result<T, E>>,
    mut print: impl FnMut(V, &T),
    missing: impl Fn(V) -> String,
) -> ExitCode
where
    V: WorkshopVariant,
    E: std::fmt::Display,
{
    for variant in chosen.iter().copied() {
        match seed(variant) {
            Some(Ok(dockerfile)) => print(variant, &dockerfile),
            Some(Err(errors)) => {
                eprintln!("error: the seed {variant} variant does not build: {errors}");
                return ExitCode::FAILURE;
            }
            None if chosen.len() > 1 => {}
            None => {
                eprintln!("error: {}", missing(variant));
                return ExitCode::from(2);
            }
        }
    }
    ExitCode::SUCCESS
}

/// The per-variant loop of every example: makes each chosen variant's
/// Dockerfile with `dockerfile`, prints it as [`print_chosen`] does (the
/// `recommended` one alone with `--build`), and returns what `--build`
/// builds, each with `smoke`. A variant that does not build is an error
/// (exit 1).
pub fn print_and_collect<V, E>(
    options: &Options,
    chosen: &[V],
    recommended: V,
    mut dockerfile: impl FnMut(V) -> Result<Dockerfile, E>,
    smoke: fn(&str) -> SmokeTest,
) -> Result<Vec<Variant>, ExitCode>
where
    V: WorkshopVariant,
    E: std::fmt::Display,
{
    let mut built = Vec::new();
    for variant in chosen.iter().copied() {
        let dockerfile = dockerfile(variant).map_err(|errors| {
            eprintln!("error: the {variant} variant does not build: {errors}");
            ExitCode::FAILURE
        })?;
        print_chosen(
            options,
            variant.name(),
            &dockerfile,
            chosen.len() > 1,
            variant == recommended,
        );
        built.push(Variant {
            name: variant.name(),
            dockerfile,
            smoke,
        });
    }
    Ok(built)
}

/// Prints a chosen variant's Dockerfile the way every example does: all of
/// them without `--build` (each under a header when `several` are chosen);
/// with `--build` only the `recommended` one, or the one `--variant` asked for.
pub fn print_chosen(
    options: &Options,
    name: &str,
    dockerfile: &Dockerfile,
    several: bool,
    recommended: bool,
) {
    if !options.build || !several || recommended {
        print_variant(name, dockerfile, several && !options.build);
    }
}

/// Prints one Dockerfile, with a header when several are printed.
pub fn print_variant(name: &str, dockerfile: &Dockerfile, header: bool) {
    if header {
        println!("# variant: {name}");
    }
    print!("{dockerfile}");
    if header {
        println!();
    }
}

#[derive(Serialize)]
struct Report<'a> {
    example: &'a str,
    measured_on: String,
    docker_api: String,
    variants: Vec<VariantReport>,
}

#[derive(Serialize)]
struct VariantReport {
    variant: String,
    /// `model` (checked) or `text` (as written, unchecked).
    built_from: &'static str,
    image: String,
    tag: String,
    size_bytes: u64,
    saved_percent: f64,
    build_seconds: f64,
    fully_cached: bool,
    layers: Vec<LayerReport>,
    smoke: SmokeReport,
}

#[derive(Serialize)]
struct SmokeReport {
    ok: bool,
    exit_code: i64,
    output: String,
    failures: Vec<String>,
}

/// Builds, runs and compares every variant; prints progress on stderr and
/// the table on stdout. Exits non-zero without a daemon, on a failed build
/// or on a failed smoke test (after trying every variant).
pub fn build_all(example: &str, variants: &[Variant], options: &Options) -> ExitCode {
    build_all_with_text(example, &[], variants, options)
}

/// [`build_all`] with text variants first (the baseline of the table):
/// each is built as written with [`Engine::build_text`], everything else as
/// for the model variants.
pub fn build_all_with_text(
    example: &str,
    texts: &[TextVariant],
    variants: &[Variant],
    options: &Options,
) -> ExitCode {
    let all: Vec<ToBuild> = texts
        .iter()
        .map(|t| (t.name, Source::Text(&t.text), t.smoke))
        .chain(
            variants
                .iter()
                .map(|v| (v.name, Source::Model(&v.dockerfile), v.smoke)),
        )
        .collect();
    let engine = match Engine::connect() {
        Ok(engine) => engine,
        Err(error @ EngineError::NoDaemon { .. }) => {
            eprintln!("--build: {error}");
            return ExitCode::FAILURE;
        }
        Err(error) => {
            eprintln!("--build: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut reports = Vec::new();
    let mut ok = true;
    for (name, source, smoke) in all {
        let tag = format!("stagecraft-example/{example}:{name}");
        let how = match source {
            Source::Model(_) => "",
            Source::Text(_) => " from its text, unchecked (the model refuses it)",
        };
        eprintln!("==> building {example} {name} as {tag}{how}");
        let build_options = build_options(options).tag(&tag);
        let built = match source {
            Source::Model(dockerfile) => engine.build(dockerfile, &build_options),
            Source::Text(text) => engine.build_text(text, &build_options),
        };
        let built = match built {
            Ok(built) => built,
            Err(error) => {
                eprintln!("error: building {name}: {error}");
                return ExitCode::FAILURE;
            }
        };
        let report = match engine.inspect(&built.image_id) {
            Ok(report) => report,
            Err(error) => {
                eprintln!("error: inspecting {name}: {error}");
                return ExitCode::FAILURE;
            }
        };
        let test = smoke(&tag).timeout(Duration::from_secs(120));
        let smoke = match engine.smoke(&test) {
            Ok(outcome) => SmokeReport {
                ok: true,
                exit_code: outcome.exit_code,
                output: outcome.stdout,
                failures: Vec::new(),
            },
            Err(EngineError::SmokeFailed(failure)) => SmokeReport {
                ok: false,
                exit_code: failure.outcome.exit_code,
                output: failure.outcome.stdout.clone(),
                failures: failure.failures.clone(),
            },
            Err(error) => SmokeReport {
                ok: false,
                exit_code: -1,
                output: String::new(),
                failures: vec![error.to_string()],
            },
        };
        if smoke.ok {
            eprintln!("==> {name} runs: {}", first_line(&smoke.output));
        } else {
            ok = false;
            eprintln!(
                "error: {name} does not run as expected: {:?}",
                smoke.failures
            );
        }
        reports.push(VariantReport {
            variant: name.to_string(),
            built_from: match source {
                Source::Model(_) => "model",
                Source::Text(_) => "text",
            },
            image: built.image_id,
            tag,
            size_bytes: report.size,
            saved_percent: 0.0,
            build_seconds: built.duration.as_secs_f64(),
            fully_cached: built.fully_cached,
            layers: report.layers,
            smoke,
        });
    }
    let comparison = Comparison::new(reports.iter().map(|r| (r.variant.clone(), r.size_bytes)));
    for (report, row) in reports.iter_mut().zip(&comparison.rows) {
        report.saved_percent = row.saved_percent;
    }
    println!();
    print!("{}", comparison.to_table());
    for report in &reports {
        let status = if report.smoke.ok { "ok" } else { "FAILED" };
        println!(
            "  {}: smoke {status} (exit {}), built in {:.1}s{}",
            report.variant,
            report.smoke.exit_code,
            report.build_seconds,
            if report.fully_cached { " (cached)" } else { "" }
        );
    }
    if let Some(path) = &options.chart {
        if let Err(error) = std::fs::write(path, comparison.to_svg()) {
            eprintln!("error: writing {}: {error}", path.display());
            return ExitCode::FAILURE;
        }
        eprintln!("==> chart written to {}", path.display());
    }
    if let Some(path) = &options.report_json {
        let report = Report {
            example,
            measured_on: today(),
            docker_api: engine.api_version(),
            variants: reports,
        };
        let json = serde_json::to_string_pretty(&report).expect("the report serializes");
        if let Err(error) = std::fs::write(path, json + "\n") {
            eprintln!("error: writing {}: {error}", path.display());
            return ExitCode::FAILURE;
        }
        eprintln!("==> report written to {}", path.display());
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// The date, for the report (UTC, from the system clock).
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0) as i64;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
