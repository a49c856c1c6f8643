//! The QIIME 2 images of the "Minimal Containers" workshop (its "suggest
//! improvements" exercise): prints their Dockerfiles, lints the hand-written
//! ones, and with `--build` builds, runs and measures what can be built here.
//!
//! ```text
//! cargo run --example qiime2                         # multistage: the workshop's improvement (conda)
//! cargo run --example qiime2 -- --variant classic    # the classic conda Dockerfile, and its lint findings
//! cargo run --example qiime2 -- --variant naive      # classic | naive | improved | multistage
//! cargo run --example qiime2 -- --seed --all         # the workshop's 2021 versions
//! cargo run --example qiime2 -- --build --chart qiime2.svg --report-json qiime2.json
//! ```
//!
//! `classic` and `naive` are hand-written text (`examples/qiime2/`) that the
//! typed model refuses on purpose; printing one prints `stagecraft lint`'s
//! findings on it to stderr. `--build` builds the two variants on Debian's
//! QIIME 2 packages, `naive` (text, with `docker build`) and `improved`
//! (DSL, with the engine); the conda variants need conda's channels and the
//! miniconda image, which this machine cannot reach.

#[path = "qiime2/docker_cli.rs"]
mod docker_cli;
#[path = "support/mod.rs"]
mod support;

use std::process::ExitCode;
use std::time::Duration;

use stagecraft::engine::blocking::Engine;
use stagecraft::engine::{EngineError, SmokeTest};
use stagecraft::lint::{human, FileReport, Options};
use stagecraft::report::Comparison;
use stagecraft_workshop::qiime2::{self, Rendered, Variant};

const VARIANTS: &str = "classic|naive|improved|multistage";

/// Every built variant must run `qiime info` and print Debian's release.
fn smoke(image: &str) -> SmokeTest {
    SmokeTest::new(image)
        .entrypoint(["qiime"])
        .args(["info"])
        .expect_exit(0)
        .expect_stdout_contains(qiime2::DEBIAN_VERSION_LINE)
}

fn print(name: &str, rendered: &Rendered, header: bool, lint_file: Option<&str>) {
    match rendered {
        Rendered::Model(dockerfile) => support::print_variant(name, dockerfile, header),
        Rendered::Text(text) => {
            if header {
                println!("# variant: {name}");
            }
            print!("{text}");
            if header {
                println!();
            }
            if let Some(file) = lint_file {
                match FileReport::lint(file, text, &Options::default(), &[]) {
                    Ok(report) => eprint!("stagecraft lint {file}:\n{}", human(&[report])),
                    Err(error) => eprintln!("stagecraft lint {file}: {error}"),
                }
            }
        }
    }
}

fn lint_name(variant: Variant) -> &'static str {
    match variant {
        Variant::Naive => "examples/qiime2/Dockerfile.naive",
        _ => "examples/qiime2/Dockerfile.classic",
    }
}

fn main() -> ExitCode {
    let options = match support::options_or_exit("qiime2", VARIANTS) {
        Ok(options) => options,
        Err(code) => return code,
    };
    let chosen = match support::chosen(&options, &Variant::ALL, Variant::Multistage) {
        Ok(chosen) => chosen,
        Err(code) => return code,
    };

    if options.seed {
        if options.build {
            eprintln!(
                "error: --seed images use 2021 bases (continuumio/miniconda3:4.9.2) and conda \
                 channels that cannot be reached here; build today's variants"
            );
            return ExitCode::from(2);
        }
        for variant in &chosen {
            match qiime2::seed(*variant) {
                Some(Ok(rendered)) => print(
                    variant.name(),
                    &rendered,
                    chosen.len() > 1,
                    (chosen.len() == 1).then(|| lint_name(Variant::Classic)),
                ),
                Some(Err(errors)) => {
                    eprintln!("error: the seed {variant} variant does not build: {errors}");
                    return ExitCode::FAILURE;
                }
                None if chosen.len() > 1 => {}
                None => {
                    eprintln!(
                        "error: the workshop has no {variant} variant (it used conda, not \
                         Debian's packages); --seed renders classic, naive (the classic image is \
                         its seed) and multistage"
                    );
                    return ExitCode::from(2);
                }
            }
        }
        return ExitCode::SUCCESS;
    }

    if !options.build {
        for variant in &chosen {
            match qiime2::dockerfile(*variant) {
                Ok(rendered) => print(
                    variant.name(),
                    &rendered,
                    chosen.len() > 1,
                    Some(lint_name(*variant)),
                ),
                Err(errors) => {
                    eprintln!("error: the {variant} variant does not build: {errors}");
                    return ExitCode::FAILURE;
                }
            }
        }
        return ExitCode::SUCCESS;
    }

    if let Some(variant) = chosen.iter().find(|v| !v.buildable_here()) {
        if chosen.len() == 1 {
            eprintln!(
                "error: the {variant} variant needs conda's channels and a miniconda image, \
                 which this machine cannot reach; --build builds naive and improved"
            );
            return ExitCode::from(2);
        }
    }
    build(&options, &chosen)
}

/// What building the naive text gave.
struct Naive {
    built: docker_cli::Built,
    size: u64,
    report: serde_json::Value,
    ok: bool,
}

/// Builds the naive text with `docker build`, inspects it and runs the
/// smoke test through the engine.
fn build_naive(engine: &Engine) -> Result<Naive, String> {
    let tag = "stagecraft-example/qiime2:naive";
    eprintln!(
        "==> building qiime2 naive as {tag} with `docker build` (the model refuses its RUNs)"
    );
    let built = docker_cli::build_text(qiime2::NAIVE, Some(tag), &[], true)
        .map_err(|error| format!("building naive: {error}"))?;
    eprintln!(
        "==> naive built: {} in {:.1}s",
        built.image_id,
        built.duration.as_secs_f64()
    );
    let report = engine
        .inspect(tag)
        .map_err(|error| format!("inspecting naive: {error}"))?;
    let smoke = match engine.smoke(&smoke(tag).timeout(Duration::from_secs(300))) {
        Ok(outcome) => serde_json::json!({
            "ok": true, "exit_code": outcome.exit_code, "output": outcome.stdout, "failures": []
        }),
        Err(EngineError::SmokeFailed(failure)) => serde_json::json!({
            "ok": false, "exit_code": failure.outcome.exit_code,
            "output": failure.outcome.stdout, "failures": failure.failures
        }),
        Err(error) => serde_json::json!({
            "ok": false, "exit_code": -1, "output": "", "failures": [error.to_string()]
        }),
    };
    let ok = smoke["ok"] == true;
    eprintln!(
        "==> naive {}: {}",
        if ok {
            "runs"
        } else {
            "does not run as expected"
        },
        smoke["output"]
            .as_str()
            .unwrap_or("")
            .lines()
            .find(|line| line.starts_with("QIIME 2 version"))
            .unwrap_or("")
    );
    Ok(Naive {
        report: serde_json::json!({
            "variant": "naive",
            "image": report.id,
            "tag": tag,
            "size_bytes": report.size,
            "saved_percent": 0.0,
            "build_seconds": built.duration.as_secs_f64(),
            "layers": report.layers,
            "smoke": smoke,
            "built_with": "docker build (the model refuses the text)",
        }),
        built,
        size: report.size,
        ok,
    })
}

/// `--build`: naive (text) with `docker build`, improved (DSL) with the
/// shared `support::build_all`, then one table and report for both.
fn build(options: &support::Options, chosen: &[Variant]) -> ExitCode {
    let engine = match Engine::connect() {
        Ok(engine) => engine,
        Err(error) => {
            eprintln!("--build: {error}");
            return ExitCode::FAILURE;
        }
    };
    if chosen.len() > 1 {
        eprintln!(
            "==> not built here: classic and multistage (conda channels and the miniconda image \
             are unreachable); building naive and improved on Debian's QIIME 2 {}",
            qiime2::DEBIAN_RELEASE
        );
    }
    let naive = if chosen.contains(&Variant::Naive) {
        match build_naive(&engine) {
            Ok(naive) => Some(naive),
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    let naive_ok = naive.as_ref().is_none_or(|naive| naive.ok);
    if !chosen.contains(&Variant::Improved) {
        let Some(naive) = naive else {
            return ExitCode::FAILURE;
        };
        let comparison = Comparison::new([("naive", naive.size)]);
        print!("\n{}", comparison.to_table());
        print_naive_line(&naive);
        if let Some(path) = &options.report_json {
            let report = serde_json::json!({"example": "qiime2", "variants": [naive.report]});
            let json = serde_json::to_string_pretty(&report).expect("the report serializes");
            if let Err(error) = std::fs::write(path, json + "\n") {
                eprintln!("error: writing {}: {error}", path.display());
                return ExitCode::FAILURE;
            }
        }
        return if naive_ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }

    let improved = match qiime2::improved() {
        Ok(dockerfile) => dockerfile,
        Err(errors) => {
            eprintln!("error: the improved variant does not build: {errors}");
            return ExitCode::FAILURE;
        }
    };
    support::print_variant("improved", &improved, false);
    let code = support::build_all(
        "qiime2",
        &[support::Variant {
            name: "improved",
            dockerfile: improved,
            smoke,
        }],
        options,
    );
    let Some(naive) = naive else {
        return code;
    };
    let improved_size = match engine.inspect("stagecraft-example/qiime2:improved") {
        Ok(report) => report.size,
        Err(error) => {
            eprintln!("error: inspecting improved: {error}");
            return ExitCode::FAILURE;
        }
    };
    let comparison = Comparison::new([("naive", naive.size), ("improved", improved_size)]);
    println!("\nnaive (text, docker build) against improved (DSL, engine):");
    print!("{}", comparison.to_table());
    print_naive_line(&naive);
    println!(
        "  sizes in bytes: naive {}, improved {improved_size}",
        naive.size
    );
    if let Some(path) = &options.report_json {
        if let Err(error) = add_naive_to_report(path, naive.report, &comparison) {
            eprintln!("error: adding naive to {}: {error}", path.display());
            return ExitCode::FAILURE;
        }
    }
    if naive_ok {
        code
    } else {
        ExitCode::FAILURE
    }
}

fn print_naive_line(naive: &Naive) {
    println!(
        "  naive: smoke {}, built in {:.1}s",
        if naive.ok { "ok" } else { "FAILED" },
        naive.built.duration.as_secs_f64()
    );
}

/// `support::build_all` wrote the report of the DSL variants: put naive
/// first and make every `saved_percent` relative to it.
fn add_naive_to_report(
    path: &std::path::Path,
    naive: serde_json::Value,
    comparison: &Comparison,
) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let mut report: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let variants = report["variants"]
        .as_array_mut()
        .ok_or("the report has no variants")?;
    variants.insert(0, naive);
    for variant in variants.iter_mut() {
        if let Some(row) = comparison
            .rows
            .iter()
            .find(|row| variant["variant"] == row.name.as_str())
        {
            variant["saved_percent"] = serde_json::json!(row.saved_percent);
        }
    }
    let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::write(path, json + "\n").map_err(|e| e.to_string())
}
