//! The `stagecraft` command line: `stagecraft lint` runs stagecraft's rules
//! over hand-written Dockerfiles.
//!
//! ```text
//! stagecraft lint [--format human|json] [--ignore SCnnn|DLnnnn]... [--target STAGE] FILE...
//! ```
//!
//! Exit status: 0 when no error was found, 1 when one was, 2 when a file
//! cannot be read or parsed, or the command line is wrong.

use std::io::{Read, Write};
use std::process::ExitCode;

use stagecraft::lint::{human, json, rule, FileReport, LintError, Options, CATALOGUE};

const HELP: &str = "\
stagecraft: best-practice container images from typed Rust

Usage:
  stagecraft lint [OPTIONS] FILE...   check Dockerfiles against stagecraft's rules
  stagecraft --help                   this help
  stagecraft --version                the version

Run `stagecraft lint --help` for the lint options.
";

const LINT_HELP: &str = "\
stagecraft lint: check Dockerfiles against stagecraft's rules

Usage:
  stagecraft lint [--format human|json] [--ignore CODE]... [--target STAGE] FILE...

Arguments:
  FILE...                  Dockerfiles to check; `-` reads standard input

Options:
  --format human|json      output format (default: human)
  --ignore CODE            drop findings of a rule: our id (SCR003) or the hadolint
                           code it matches (DL3009); repeat, or separate with commas
  --target STAGE           the stage that is built, as `docker build --target`
                           (default: the last stage); it and the stages it is built
                           FROM ship, every other stage is build-only
  --rules                  list the rules and exit
  -h, --help               this help

Inline suppression: a comment `# stagecraft ignore=SCR003,SCR012` or
`# hadolint ignore=DL3009` on the line(s) right before an instruction.

Exit status: 0 no errors (warnings allowed), 1 errors found, 2 a file could not
be read or parsed, or a bad command line.
";

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Format {
    Human,
    Json,
}

struct LintArgs {
    format: Format,
    ignore: Vec<String>,
    target: Option<String>,
    files: Vec<String>,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    ExitCode::from(run(&args))
}

fn usage_error(message: &str) -> u8 {
    eprintln!("stagecraft: {message}\nRun `stagecraft lint --help` for usage.");
    2
}

fn run(args: &[String]) -> u8 {
    match args.first().map(String::as_str) {
        None | Some("-h" | "--help" | "help") => {
            print!("{HELP}");
            if args.is_empty() {
                2
            } else {
                0
            }
        }
        Some("-V" | "--version") => {
            println!("stagecraft {}", env!("CARGO_PKG_VERSION"));
            0
        }
        Some("lint") => match parse_lint_args(&args[1..]) {
            Ok(Some(lint_args)) => lint(&lint_args),
            Ok(None) => 0,
            Err(message) => usage_error(&message),
        },
        Some(other) => usage_error(&format!("unknown command `{other}`")),
    }
}

/// `Ok(None)` when help or the rule list was printed.
fn parse_lint_args(args: &[String]) -> Result<Option<LintArgs>, String> {
    let mut parsed = LintArgs {
        format: Format::Human,
        ignore: Vec::new(),
        target: None,
        files: Vec::new(),
    };
    let mut iter = args.iter();
    let mut options_done = false;
    while let Some(arg) = iter.next() {
        if options_done || arg == "-" || !arg.starts_with('-') {
            parsed.files.push(arg.clone());
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            match inline.clone() {
                Some(value) => Ok(value),
                None => iter
                    .next()
                    .cloned()
                    .ok_or_else(|| format!("`{name}` needs a value")),
            }
        };
        match name {
            "--" => options_done = true,
            "-h" | "--help" => {
                print!("{LINT_HELP}");
                return Ok(None);
            }
            "--rules" => {
                for rule in CATALOGUE {
                    let severities = format!("{}/{}", rule.shipped, rule.build_only);
                    println!(
                        "{}  {:<7} {:<15}  {}",
                        rule.id,
                        rule.hadolint.unwrap_or("-"),
                        severities,
                        rule.summary
                    );
                }
                return Ok(None);
            }
            "--format" | "-f" => {
                parsed.format = match value(name)?.as_str() {
                    "human" => Format::Human,
                    "json" => Format::Json,
                    other => return Err(format!("unknown format `{other}`: use human or json")),
                }
            }
            "--ignore" => {
                for code in value(name)?.split(',') {
                    let code = code.trim().to_ascii_uppercase();
                    if code.is_empty() {
                        continue;
                    }
                    // Ours (`SCR003`, or the legacy `SC003`) must exist; ShellCheck's
                    // four-digit codes (`SC2086`) and hadolint's pass through.
                    let ours =
                        code.starts_with("SCR") || (code.starts_with("SC") && code.len() == 5);
                    if ours && rule(&code).is_none() {
                        return Err(format!(
                            "`--ignore {code}`: no such rule (see `stagecraft lint --rules`)"
                        ));
                    }
                    parsed.ignore.push(code);
                }
            }
            "--target" => parsed.target = Some(value(name)?),
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    if parsed.files.is_empty() {
        return Err("no Dockerfile given".to_owned());
    }
    Ok(Some(parsed))
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

fn lint(args: &LintArgs) -> u8 {
    let options = Options {
        target: args.target.clone(),
        ..Options::default()
    };
    let mut reports = Vec::new();
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
        match FileReport::lint_bytes(file, &bytes, &options, &args.ignore) {
            Ok(report) => reports.push(report),
            Err(LintError::Parse { file, error }) => {
                eprintln!(
                    "{file}:{}: error: cannot parse the Dockerfile: {}",
                    error.line, error.kind
                );
                failed = true;
            }
            Err(error) => {
                eprintln!("{error}");
                failed = true;
            }
        }
    }
    let output = match args.format {
        Format::Human if failed && reports.is_empty() => String::new(),
        Format::Human => human(&reports),
        Format::Json => {
            let mut text = json(&reports);
            text.push('\n');
            text
        }
    };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`stagecraft lint ... | head`) is not worth a panic.
    let _ = stdout.write_all(output.as_bytes());
    let _ = stdout.flush();
    if failed {
        2
    } else if reports.iter().any(FileReport::has_errors) {
        1
    } else {
        0
    }
}
