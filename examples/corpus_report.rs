//! How much of a collection of real Dockerfiles stagecraft reads: for each
//! directory given, how many files `stagecraft lint` can read, how many it
//! finds no error in, and how many come into the typed model
//! (`Dockerfile::parse`), with the reasons for what the model refuses,
//! grouped and counted.
//!
//! ```text
//! cargo run --example corpus_report -- DIR...            # one row per directory
//! cargo run --example corpus_report -- --list DIR...     # and every refusal, file by file
//! cargo run --example corpus_report -- --messages DIR... # ... with the model's whole messages
//! cargo run --example corpus_report -- --by-reason DIR...# the files refused for each reason
//! ```
//!
//! Each directory is one collection (e.g. the official images' Dockerfiles,
//! BuildKit's parser test files, a site's research images); every regular
//! file in it (not recursively) is read as a Dockerfile. This is how the
//! shares quoted for the language work are measured: run it before and after
//! a change, on the same directories.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use stagecraft::lint::{FileReport, Options, Severity};
use stagecraft::Dockerfile;

/// What happened to one file.
struct Outcome {
    /// `stagecraft lint` read it.
    lint_reads: bool,
    /// ... and found no error in it.
    lint_clean: bool,
    /// Why the model refuses it: one short reason per problem, deduplicated.
    model_refusals: Vec<String>,
    /// The model's error messages, whole, in line order.
    messages: Vec<String>,
}

fn main() -> ExitCode {
    const USAGE: &str =
        "usage: cargo run --example corpus_report -- [--list] [--messages] [--by-reason] DIR...";
    let (mut list, mut messages, mut by_reason) = (false, false, false);
    let mut dirs = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--list" => list = true,
            "--messages" => (list, messages) = (true, true),
            "--by-reason" => by_reason = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            flag if flag.starts_with("--") => {
                eprintln!("error: unknown option `{flag}`\n{USAGE}");
                return ExitCode::from(2);
            }
            _ => dirs.push(PathBuf::from(arg)),
        }
    }
    if dirs.is_empty() {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }

    println!(
        "{:<28} {:>6} {:>11} {:>11} {:>13}",
        "collection", "files", "lint reads", "lint clean", "model accepts"
    );
    // Each reason with the files refused for it.
    let mut reasons_all: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    // Files the model accepts though lint finds an error: there must be none
    // (the one verdict), so any is printed.
    let mut disagreements: Vec<PathBuf> = Vec::new();
    let mut totals = [0usize; 4];
    for dir in &dirs {
        let files = match files_in(dir) {
            Ok(files) => files,
            Err(error) => {
                eprintln!("error: reading {}: {error}", dir.display());
                return ExitCode::from(2);
            }
        };
        let mut counts = [files.len(), 0, 0, 0];
        for file in &files {
            let outcome = judge(file);
            counts[1] += usize::from(outcome.lint_reads);
            counts[2] += usize::from(outcome.lint_clean);
            counts[3] += usize::from(outcome.model_refusals.is_empty());
            if outcome.model_refusals.is_empty() && !outcome.lint_clean {
                disagreements.push(file.clone());
            }
            if list && !outcome.model_refusals.is_empty() {
                println!(
                    "  {}: {}",
                    file.display(),
                    outcome.model_refusals.join("; ")
                );
                if messages {
                    for message in &outcome.messages {
                        println!("      {message}");
                    }
                }
            }
            for reason in outcome.model_refusals {
                reasons_all.entry(reason).or_default().push(file.clone());
            }
        }
        let name = dir
            .file_name()
            .map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into());
        println!(
            "{:<28} {:>6} {:>11} {:>11} {:>13}",
            name,
            counts[0],
            share(counts[1], counts[0]),
            share(counts[2], counts[0]),
            share(counts[3], counts[0]),
        );
        for (total, count) in totals.iter_mut().zip(counts) {
            *total += count;
        }
    }
    println!(
        "{:<28} {:>6} {:>11} {:>11} {:>13}",
        "all",
        totals[0],
        share(totals[1], totals[0]),
        share(totals[2], totals[0]),
        share(totals[3], totals[0]),
    );

    let mut reasons: Vec<(String, Vec<PathBuf>)> = reasons_all.into_iter().collect();
    reasons.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
    println!(
        "\nthe model accepts {} file(s) lint finds an error in{}",
        disagreements.len(),
        if disagreements.is_empty() { "" } else { ":" }
    );
    for file in &disagreements {
        println!("          {}", file.display());
    }
    println!("\nwhy the model refuses files (files per reason):");
    for (reason, files) in reasons {
        println!("{:>6}  {reason}", files.len());
        if by_reason {
            for file in files {
                println!("          {}", file.display());
            }
        }
    }
    ExitCode::SUCCESS
}

/// `part` of `whole` as `n (p %)`.
fn share(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "0".to_owned();
    }
    format!("{part} ({:.0} %)", 100.0 * part as f64 / whole as f64)
}

/// The regular files of `dir`, sorted.
fn files_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

fn judge(file: &Path) -> Outcome {
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(error) => {
            return Outcome {
                lint_reads: false,
                lint_clean: false,
                model_refusals: vec![format!("unreadable: {error}")],
                messages: vec![error.to_string()],
            }
        }
    };
    let name = file.display().to_string();
    let lint = FileReport::lint_bytes(&name, &bytes, &Options::default(), &[]);
    let (lint_reads, lint_clean) = match &lint {
        Ok(report) => (
            true,
            !report
                .findings
                .iter()
                .any(|finding| finding.severity == Severity::Error),
        ),
        Err(_) => (false, false),
    };
    let messages: Vec<String> = match std::str::from_utf8(&bytes) {
        Err(_) => vec!["not UTF-8".to_owned()],
        Ok(text) => match Dockerfile::parse(text) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.iter().map(ToString::to_string).collect(),
        },
    };
    let mut model_refusals: Vec<String> = messages.iter().map(|m| reason(m)).collect();
    model_refusals.sort();
    model_refusals.dedup();
    Outcome {
        lint_reads,
        lint_clean,
        model_refusals,
        messages,
    }
}

/// A short, countable reason from an error's text: the construct the model
/// lacks, the rule whose error it is, or the error's first words.
fn reason(message: &str) -> String {
    if let Some((what, _)) = message.split_once(" is not supported by the model yet") {
        // The construct, without the file's values: `COPY --from=<image>`,
        // "a FROM with a build variable", `EXPOSE $PORT`.
        let what = what.split(" (").next().unwrap_or(what).trim();
        let what = match what.split_once("--from=") {
            Some((head, _)) => format!("{head}--from=<image>`"),
            None => what.to_owned(),
        };
        return format!("not in the model: {what}");
    }
    // `line N: ...`: drop the line.
    let text = message
        .split_once(": ")
        .filter(|(head, _)| head.starts_with("line "))
        .map_or(message, |(_, rest)| rest);
    // A rule's error (`SCR003 (DL3009): ...`, `DL3004: ...`): its id.
    let id = text.split([':', ' ']).next().unwrap_or("");
    let digits = id.strip_prefix("SCR").or_else(|| id.strip_prefix("DL"));
    if digits.is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())) {
        return format!("lint error {id}");
    }
    // Up to the value it quotes: `invalid destination "./src"` counts as
    // `invalid destination`.
    let text = text.split(['"', ':']).next().unwrap_or(text);
    let words: Vec<&str> = text.split_whitespace().take(6).collect();
    words.join(" ")
}
