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
//! QIIME 2 packages, `naive` (text, as written, with `Engine::build_text`) and `improved`
//! (DSL, with the engine); the conda variants need conda's channels and the
//! miniconda image, which this machine cannot reach.

#[path = "support/mod.rs"]
mod support;

use std::process::ExitCode;

use stagecraft::engine::SmokeTest;
use stagecraft::lint::{FileReport, Options};
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
                    Ok(report) => {
                        eprintln!("stagecraft lint {file}:");
                        for finding in &report.findings {
                            let rule = finding.rule;
                            let code = rule.hadolint.map_or(String::new(), |c| format!("/{c}"));
                            eprintln!(
                                "{file}:{}: {}[{}{code}]: {}",
                                finding.line, finding.severity, rule.id, finding.message
                            );
                        }
                    }
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
        return support::print_seeds(
            &chosen,
            qiime2::seed,
            |variant, rendered| {
                print(
                    variant.name(),
                    rendered,
                    chosen.len() > 1,
                    (chosen.len() == 1).then(|| lint_name(Variant::Classic)),
                )
            },
            |variant| {
                format!(
                    "the workshop has no {variant} variant (it used conda, not Debian's \
                     packages); --seed renders classic, naive (the classic image is its seed) \
                     and multistage"
                )
            },
        );
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

/// `--build`: the variants buildable here, naive as written (the model
/// refuses its RUNs) and improved from the DSL, in one table and report.
fn build(options: &support::Options, chosen: &[Variant]) -> ExitCode {
    if chosen.len() > 1 {
        eprintln!(
            "==> not built here: classic and multistage (conda channels and the miniconda image \
             are unreachable); building naive and improved on Debian's QIIME 2 {}",
            qiime2::DEBIAN_RELEASE
        );
    }
    let mut texts = Vec::new();
    if chosen.contains(&Variant::Naive) {
        texts.push(support::TextVariant {
            name: "naive",
            text: qiime2::NAIVE.to_string(),
            smoke,
        });
    }
    let mut variants = Vec::new();
    if chosen.contains(&Variant::Improved) {
        let improved = match qiime2::improved() {
            Ok(dockerfile) => dockerfile,
            Err(errors) => {
                eprintln!("error: the improved variant does not build: {errors}");
                return ExitCode::FAILURE;
            }
        };
        support::print_variant("improved", &improved, false);
        variants.push(support::Variant {
            name: "improved",
            dockerfile: improved,
            smoke,
        });
    }
    support::build_all_with_text("qiime2", &texts, &variants, options)
}
