//! `stagecraft lint` and `stagecraft-lint`: stagecraft's rules (and
//! ShellCheck, where installed) over hand-written Dockerfiles, reading
//! hadolint's configuration, pragmas and environment, printing hadolint's
//! output formats.
//!
//! Both binaries parse the same [`LintArgs`] and call [`run`]; the
//! lint-only `stagecraft-lint` links none of `stagecraft build`'s engine,
//! so it starts faster (what a pre-commit hook runs once per file).

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use stagecraft::lint::{rule, FileReport, LintError, Options, Severity, CATALOGUE};
use stagecraft_rules::dockerfile::{Dockerfile, Instruction, InstructionKind, LabelType};

use crate::config::{self, Partial};
use crate::finding::{Finding, Report, Source, Threshold};
use crate::format::Format;
use crate::shellcheck;
use crate::shellcheck_cache::{self, Cache};

/// Check Dockerfiles against stagecraft's rules: stage-aware, and a drop-in
/// for hadolint (its .hadolint.yaml, pragmas, environment and formats).
#[derive(Debug, clap::Args)]
#[command(after_help = LINT_AFTER_HELP)]
pub struct LintArgs {
    /// Dockerfiles to check; `-` reads standard input.
    #[arg(value_name = "FILE", required_unless_present = "rules")]
    files: Vec<String>,
    /// The output format [default: tty; `human` is tty].
    #[arg(short, long, value_name = "FORMAT", value_parser = parse_format)]
    format: Option<Format>,
    /// The file name the report shows instead of the one read (as
    /// hadolint's: for a linter run in a container, or on standard input).
    #[arg(long, value_name = "PATH")]
    file_path_in_report: Option<String>,
    /// Drop findings of a rule: our id (SCR003), the hadolint code it matches
    /// (DL3009) or a ShellCheck code (SC2086); repeat, or separate with commas.
    #[arg(long, value_name = "CODE", value_delimiter = ',', value_parser = parse_ignore)]
    ignore: Vec<String>,
    /// Report a rule's findings as errors (repeatable).
    #[arg(long = "error", value_name = "CODE", value_delimiter = ',')]
    error_rules: Vec<String>,
    /// Report a rule's findings as warnings (repeatable).
    #[arg(long = "warning", value_name = "CODE", value_delimiter = ',')]
    warning_rules: Vec<String>,
    /// Report a rule's findings as infos (repeatable).
    #[arg(long = "info", value_name = "CODE", value_delimiter = ',')]
    info_rules: Vec<String>,
    /// Report a rule's findings as style (repeatable).
    #[arg(long = "style", value_name = "CODE", value_delimiter = ',')]
    style_rules: Vec<String>,
    /// The configuration file, instead of searching for .hadolint.yaml.
    #[arg(short, long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Exit 1 when a finding is this severe or worse: error, warning, info,
    /// style, none [default: error].
    #[arg(short = 't', long, value_name = "THRESHOLD", value_parser = parse_threshold)]
    failure_threshold: Option<Threshold>,
    /// Exit 0 even when findings are at or above the threshold.
    #[arg(long)]
    no_fail: bool,
    /// No colours in the tty format (also: NO_COLOR set).
    #[arg(long)]
    no_color: bool,
    /// Say which configuration file is used.
    #[arg(long)]
    verbose: bool,
    /// A registry FROM images may come from (repeatable; DL3026).
    #[arg(long = "trusted-registry", value_name = "REGISTRY")]
    trusted_registries: Vec<String>,
    /// A label the image must have, as `name:type` (repeatable).
    #[arg(long = "require-label", value_name = "LABEL:TYPE")]
    require_labels: Vec<String>,
    /// Labels outside the label schema are findings too.
    #[arg(long)]
    strict_labels: bool,
    /// Ignore the `# hadolint ignore=` / `# stagecraft ignore=` pragmas.
    #[arg(long)]
    disable_ignore_pragma: bool,
    /// The stage that is built, as `docker build --target` (default: the last
    /// stage); it and the stages it is built FROM ship, the others are
    /// build-only.
    #[arg(long, value_name = "STAGE")]
    target: Option<String>,
    /// A named build context the build is given, as `docker buildx build
    /// --build-context NAME=...` (repeatable, or comma separated): `COPY
    /// --from=NAME` copies from it, so it is no unknown stage (SCR023).
    #[arg(long = "build-context", value_name = "NAME", value_delimiter = ',')]
    build_contexts: Vec<String>,
    /// Treat every stage as shipped (hadolint's view: no build-only stages).
    #[arg(long)]
    no_stage_aware: bool,
    /// Do not run ShellCheck over the RUNs.
    #[arg(long)]
    no_shellcheck: bool,
    /// Run ShellCheck over every script, even those whose verdict is cached
    /// (also: STAGECRAFT_SHELLCHECK_CACHE=off).
    #[arg(long)]
    no_shellcheck_cache: bool,
    /// List the rules and exit.
    #[arg(long)]
    rules: bool,
}

const LINT_AFTER_HELP: &str = "\
Suppression: `--ignore CODE`, `ignored:` in .hadolint.yaml, HADOLINT_IGNORE, or a
comment `# hadolint ignore=DL3009,SC2086` (or `# stagecraft ignore=SCR003`) on the
line(s) right before an instruction; `# hadolint stage ignore=...` right above a
FROM for that stage; `# hadolint global ignore=...` anywhere for the whole file.
`# hadolint shell=bash` sets the shell ShellCheck reads RUNs with.

ShellCheck's verdicts are cached per script (keyed by ShellCheck's version, the
script, its dialect and exported names) in $STAGECRAFT_SHELLCHECK_CACHE, else
$XDG_CACHE_HOME/stagecraft/shellcheck (~/.cache/); --no-shellcheck-cache or
STAGECRAFT_SHELLCHECK_CACHE=off checks every script afresh.

Configuration: --config FILE, else the first .hadolint.yaml/.hadolint.yml in the
working directory or a parent, $XDG_CONFIG_HOME/hadolint.yaml (~/.config/),
~/.hadolint/hadolint.yaml, ~/.hadolint.yaml. The command line wins over the file,
the file over the HADOLINT_* variables; lists add up.

Exit status: 0 nothing at or above the failure threshold (warnings allowed by
default), 1 findings at or above it, 2 a file could not be read or parsed, a
malformed configuration, or a bad command line.
";

fn parse_format(name: &str) -> Result<Format, String> {
    Format::parse(name).ok_or_else(|| format!("unknown format `{name}`: use {}", Format::NAMES))
}

fn parse_threshold(name: &str) -> Result<Threshold, String> {
    Threshold::parse(name)
        .ok_or_else(|| format!("`{name}` is no severity: use error, warning, info, style or none"))
}

/// An `--ignore` code: ours (`SCR003`, the legacy `SC003`) must exist;
/// ShellCheck's four-digit codes (`SC2086`) and hadolint's pass through.
fn parse_ignore(code: &str) -> Result<String, String> {
    let code = code.trim().to_ascii_uppercase();
    if is_ours(&code) && rule(&code).is_none() {
        return Err(format!(
            "`{code}`: no such rule (see `stagecraft lint --rules`)"
        ));
    }
    Ok(code)
}

/// `SCRnnn` or the legacy `SCnnn`: a code of our namespace.
fn is_ours(code: &str) -> bool {
    code.starts_with("SCR") || (code.starts_with("SC") && code.len() == 5)
}

/// Whether a code names a rule of ours, a `DL` code or a ShellCheck code.
fn is_known_code(code: &str) -> bool {
    let digits = |rest: &str, n: usize| rest.len() == n && rest.bytes().all(|b| b.is_ascii_digit());
    if is_ours(code) {
        return rule(code).is_some();
    }
    code.strip_prefix("DL").is_some_and(|rest| digits(rest, 4))
        || code.strip_prefix("SC").is_some_and(|rest| digits(rest, 4))
}

/// The command line's settings, as the last and strongest source.
fn command_line(args: &LintArgs) -> Partial {
    let flag = |set: bool| set.then_some(true);
    let mut overrides = Vec::new();
    for (severity, codes) in [
        (Severity::Error, &args.error_rules),
        (Severity::Warning, &args.warning_rules),
        (Severity::Info, &args.info_rules),
        (Severity::Style, &args.style_rules),
    ] {
        overrides.extend(codes.iter().map(|code| (severity, code.clone())));
    }
    Partial {
        no_fail: flag(args.no_fail),
        no_color: flag(args.no_color),
        verbose: flag(args.verbose),
        format: args.format,
        overrides,
        ignored: args.ignore.clone(),
        trusted_registries: args.trusted_registries.clone(),
        label_schema: args
            .require_labels
            .iter()
            .map(|pair| match pair.split_once(':') {
                Some((label, kind)) => (label.to_owned(), kind.to_owned()),
                None => (pair.clone(), "text".to_owned()),
            })
            .collect(),
        strict_labels: flag(args.strict_labels),
        disable_ignore_pragma: flag(args.disable_ignore_pragma),
        failure_threshold: args.failure_threshold,
        stage_aware: args.no_stage_aware.then_some(false),
        target: args.target.clone(),
        shellcheck: args.no_shellcheck.then_some(false),
    }
}

fn warn(message: &str) {
    eprintln!("stagecraft: warning: {message}");
}

fn note(message: &str) {
    eprintln!("stagecraft: note: {message}");
}

/// The catalogue, one rule a line: id, hadolint code, severities (shipped/
/// build-only; `off:` before them for a rule that is off unless enabled),
/// summary.
fn print_rules() {
    for rule in CATALOGUE {
        let off = if rule.off_by_default() { "off:" } else { "" };
        let severities = format!("{off}{}/{}", rule.shipped, rule.build_only);
        println!(
            "{}  {:<7} {:<15}  {}",
            rule.id,
            rule.hadolint.unwrap_or("-"),
            severities,
            rule.summary
        );
    }
}

fn read(file: &str) -> std::io::Result<Vec<u8>> {
    if file == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes)?;
        Ok(bytes)
    } else {
        std::fs::read(file)
    }
}

/// Drops every pragma of `df` (`disable-ignore-pragma`).
fn drop_pragmas(df: &mut Dockerfile) {
    fn clear(instruction: &mut Instruction) {
        instruction.ignores.clear();
        if let InstructionKind::Onbuild(inner) = &mut instruction.kind {
            clear(inner);
        }
    }
    df.global_ignores.clear();
    df.stage_ignores.clear();
    df.global_args.iter_mut().for_each(clear);
    for stage in &mut df.stages {
        stage.ignores.clear();
        stage.instructions.iter_mut().for_each(clear);
    }
}

/// Every pragma code of `df`, with its line, to check they name something.
fn pragma_codes(df: &Dockerfile) -> Vec<(usize, String)> {
    let mut codes: Vec<(usize, String)> =
        df.global_ignores.iter().map(|c| (0, c.clone())).collect();
    // A stage pragma's key is the line after it.
    for (key, stage_codes) in &df.stage_ignores {
        codes.extend(stage_codes.iter().map(|c| (key - 1, c.clone())));
    }
    for stage in &df.stages {
        codes.extend(stage.ignores.iter().map(|c| (stage.line, c.clone())));
        for instruction in &stage.instructions {
            codes.extend(
                instruction
                    .ignores
                    .iter()
                    .map(|c| (instruction.line, c.clone())),
            );
        }
    }
    codes
}

/// Runs `stagecraft lint` (or `stagecraft-lint`) with `args`; the exit
/// status: 0 clean (below the failure threshold), 1 findings at or above it,
/// 2 a file that cannot be read or parsed, or a malformed configuration.
///
/// ```
/// use clap::Parser;
///
/// #[derive(Parser)]
/// struct Cli {
///     #[command(flatten)]
///     lint: stagecraft_cli::lint::LintArgs,
/// }
///
/// // `--rules` lists the catalogue on standard output and succeeds.
/// let cli = Cli::parse_from(["stagecraft-lint", "--rules"]);
/// assert_eq!(stagecraft_cli::lint::run(&cli.lint), 0);
/// ```
pub fn run(args: &LintArgs) -> u8 {
    if args.rules {
        print_rules();
        return 0;
    }
    let env = |name: &str| std::env::var(name).ok();
    let mut warnings = Vec::new();
    let from_env = config::from_env(&env, &mut warnings);
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let from_file = match config::find_file(args.config.as_deref(), &cwd, &env) {
        Some(path) => match config::read_file(&path) {
            Ok(partial) => {
                if args.verbose {
                    note(&format!("configuration file used: {}", path.display()));
                }
                partial
            }
            Err(error) => {
                eprintln!("stagecraft: error: {error}");
                return 2;
            }
        },
        None => Partial::default(),
    };
    let settings = from_env.then(from_file).then(command_line(args));
    warnings.iter().for_each(|w| warn(w));
    let upper = |codes: &[String]| -> Vec<String> {
        codes
            .iter()
            .map(|code| code.trim().to_ascii_uppercase())
            .collect()
    };
    let ignored = upper(&settings.ignored);
    let overrides: Vec<(Severity, String)> = settings
        .overrides
        .iter()
        .map(|(severity, code)| (*severity, code.trim().to_ascii_uppercase()))
        .collect();
    for code in ignored.iter().chain(overrides.iter().map(|(_, code)| code)) {
        if !is_known_code(code) {
            warn(&format!(
                "the configuration names `{code}`, which is no rule of stagecraft's (see \
                 `stagecraft lint --rules`), no DL code and no ShellCheck code; it has no effect"
            ));
        }
    }
    let format = settings.format.unwrap_or(Format::Tty);
    let threshold = settings
        .failure_threshold
        .unwrap_or(Threshold::AtLeast(Severity::Error));
    let stage_aware = settings.stage_aware.unwrap_or(true);
    let disable_pragmas = settings.disable_ignore_pragma.unwrap_or(false);
    let mut label_schema = std::collections::BTreeMap::new();
    for (label, kind) in &settings.label_schema {
        match kind.parse::<LabelType>() {
            Ok(kind) => {
                label_schema.insert(label.clone(), kind);
            }
            Err(error) => {
                eprintln!("stagecraft: error: label-schema: `{label}`: {error}");
                return 2;
            }
        }
    }
    let options = Options {
        target: settings.target.clone(),
        trusted_registries: settings.trusted_registries.clone(),
        label_schema,
        strict_labels: settings.strict_labels.unwrap_or(false),
        // As hadolint: a rule that is off by default (DL1001, DL3057) is
        // on when `override:` (or --error/--warning/--info/--style) gives it
        // a severity; `ignored:` still drops it.
        enabled: overrides.iter().map(|(_, code)| code.clone()).collect(),
        contexts: args.build_contexts.clone(),
    };

    let mut reports = Vec::new();
    let mut scripts = Vec::new();
    let mut failed = false;
    for file in &args.files {
        let bytes = match read(file) {
            Ok(bytes) => bytes,
            Err(error) => {
                eprintln!("{file}: error: cannot read the file: {error}");
                failed = true;
                continue;
            }
        };
        // Parse with recovery: an instruction that cannot be read is
        // reported (and the run exits as for a parse error), and the rest of
        // the file is still linted.
        // The errors are DL1000 findings too (as hadolint reports them), so
        // that every machine-readable format carries them.
        let recovered = Dockerfile::parse_bytes_recovering(&bytes);
        let parse_findings: Vec<Finding> = recovered
            .errors
            .iter()
            .map(|error| {
                eprintln!(
                    "{file}:{}: error: cannot parse the Dockerfile: {}",
                    error.line, error.kind
                );
                Finding {
                    line: error.line,
                    source: Source::Parse,
                    severity: Severity::Error,
                    message: format!("cannot parse the Dockerfile: {}", error.kind),
                }
            })
            .collect();
        failed |= !parse_findings.is_empty();
        let Some(mut df) = recovered.dockerfile else {
            if format != Format::Tty {
                reports.push(Report {
                    file: file.clone(),
                    source: String::from_utf8_lossy(&bytes).into_owned(),
                    findings: parse_findings,
                });
            }
            continue;
        };
        if disable_pragmas {
            drop_pragmas(&mut df);
        }
        for (line, code) in pragma_codes(&df) {
            if !is_known_code(&code) {
                let at = if line == 0 {
                    String::new()
                } else {
                    format!(":{line}")
                };
                warn(&format!(
                    "{file}{at}: the pragma names `{code}`, which is no rule of stagecraft's, \
                     no DL code and no ShellCheck code; it has no effect"
                ));
            }
        }
        let source = String::from_utf8_lossy(&bytes).into_owned();
        match FileReport::check(file, &source, &df, &options, &ignored) {
            Ok(report) => {
                if settings.shellcheck != Some(false) {
                    scripts.extend(shellcheck::scripts(reports.len(), &df, &source, &options));
                }
                let mut findings: Vec<Finding> = report
                    .findings
                    .into_iter()
                    .map(Finding::from_rule)
                    .collect();
                if format != Format::Tty {
                    findings.extend(parse_findings);
                }
                reports.push(Report {
                    file: report.file,
                    source: report.source,
                    findings,
                });
            }
            Err(error @ LintError::UnknownTarget { .. }) | Err(error @ LintError::Parse { .. }) => {
                eprintln!("{error}");
                failed = true;
            }
        }
    }

    if !scripts.is_empty() {
        match shellcheck::find_binary() {
            Some(binary) => {
                let seconds = std::env::var("STAGECRAFT_SHELLCHECK_TIMEOUT")
                    .ok()
                    .and_then(|text| text.trim().parse::<f64>().ok())
                    .filter(|seconds| *seconds > 0.0)
                    .unwrap_or(60.0);
                let timeout = Duration::from_secs_f64(seconds);
                let cache = (!args.no_shellcheck_cache)
                    .then(|| shellcheck_cache::directory(&env))
                    .flatten()
                    .and_then(|dir| Cache::open(dir, &binary, &shellcheck::OPTIONS, timeout));
                let outcome = shellcheck::run(&binary, &scripts, timeout, cache.as_ref());
                outcome.notes.iter().for_each(|n| note(n));
                for (index, finding) in outcome.findings {
                    if !ignored.iter().any(|code| finding.is_named(code)) {
                        reports[index].findings.push(finding);
                    }
                }
            }
            None => note(
                "shellcheck is not on PATH: the shell checks (SC codes) were skipped \
                 (install it: apt-get install shellcheck; or pass --no-shellcheck)",
            ),
        }
    }

    for report in &mut reports {
        for finding in &mut report.findings {
            if !stage_aware {
                if let Source::Rule(rule) = finding.source {
                    finding.severity = rule.shipped;
                }
            }
            if let Some((severity, _)) = overrides
                .iter()
                .rev()
                .find(|(_, code)| finding.is_named(code))
            {
                finding.severity = *severity;
            }
        }
        report.findings.sort_by_key(|finding| finding.line);
    }

    if let Some(path) = &args.file_path_in_report {
        for report in &mut reports {
            report.file.clone_from(path);
        }
    }

    let color = format == Format::Tty
        && !settings.no_color.unwrap_or(false)
        && std::io::stdout().is_terminal();
    let output = match format {
        Format::Tty if failed && reports.is_empty() => String::new(),
        _ => format.render(&reports, color),
    };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`stagecraft lint ... | head`) is not worth a panic.
    let _ = stdout.write_all(output.as_bytes());
    let _ = stdout.flush();

    let found = reports
        .iter()
        .flat_map(|report| &report.findings)
        .any(|finding| threshold.fails(finding.severity));
    if settings.no_fail.unwrap_or(false) {
        0
    } else if failed {
        2
    } else if found && format != Format::Codeclimate {
        1
    } else {
        0
    }
}
