//! `Dockerfile::parse`: from Dockerfile text to the typed model.
//!
//! * every golden Dockerfile (`tests/golden/**/*.Dockerfile`, rendered by the
//!   model) parses back into a model that renders the very same text;
//! * the compile-time promise of `dockerfile!`/`include_dockerfile!` holds on
//!   every Dockerfile of the lint corpus (`tests/lint/`): when the text
//!   parses, has no error-severity finding and no `model_support` problem,
//!   `Dockerfile::parse` succeeds (so `__private::dockerfile_from_text`
//!   never panics); and when `model_support` reports a problem,
//!   `Dockerfile::parse` refuses the text on that line.

use std::fs;
use std::path::{Path, PathBuf};

use stagecraft::from_text::ParseErrorKind;
use stagecraft::rules::dockerfile::model_support::model_problems;
use stagecraft::rules::dockerfile::{check_dockerfile, parse, Options};
use stagecraft::rules::Severity;
use stagecraft::Dockerfile;

fn files(dir: &Path, extension: &str, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, extension, out);
        } else if path.to_string_lossy().ends_with(extension) {
            out.push(path);
        }
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn goldens_round_trip() {
    let mut goldens = Vec::new();
    files(&root().join("tests/golden"), ".Dockerfile", &mut goldens);
    assert!(goldens.len() >= 8, "{goldens:?}");
    for path in goldens {
        let text = fs::read_to_string(&path).unwrap();
        let dockerfile = Dockerfile::parse(&text)
            .unwrap_or_else(|errors| panic!("{}:\n{errors}", path.display()));
        assert_eq!(dockerfile.render(), text, "{}", path.display());
    }
}

#[test]
fn the_compile_time_check_predicts_the_conversion() {
    let mut corpus = Vec::new();
    files(&root().join("tests/lint"), ".Dockerfile", &mut corpus);
    files(
        &root().join("tests/ui/dockerfiles"),
        ".Dockerfile",
        &mut corpus,
    );
    assert!(corpus.len() >= 100);
    let (mut converted, mut refused) = (0, 0);
    for path in corpus {
        let Ok(text) = fs::read_to_string(&path) else {
            continue; // not UTF-8: the macros refuse it before parsing
        };
        let Ok(parsed) = parse(&text) else {
            assert!(Dockerfile::parse(&text).is_err(), "{}", path.display());
            continue;
        };
        let errors = check_dockerfile(&parsed, &Options::default())
            .into_iter()
            .filter(|finding| finding.severity == Severity::Error)
            .count();
        let problems = model_problems(&text, &parsed);
        let result = Dockerfile::parse(&text);
        if errors == 0 && problems.is_empty() {
            if let Err(errors) = &result {
                panic!(
                    "{}: the macros would accept it, but Dockerfile::parse refuses:\n{errors}",
                    path.display()
                );
            }
            converted += 1;
        }
        if !problems.is_empty() {
            let errors = result.expect_err("model_support problems refuse the conversion");
            let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
            let expected: Vec<usize> = problems.iter().map(|p| p.line).collect();
            assert_eq!(lines, expected, "{}", path.display());
            refused += 1;
        }
    }
    // The corpus exercises both sides.
    assert!(converted >= 20, "{converted}");
    assert!(refused >= 10, "{refused}");
}

#[test]
fn errors_name_their_lines() {
    let errors = Dockerfile::parse(
        "FROM debian:bookworm-slim\n\
         RUN --mount=type=cache,target=/var/cache/apt apt-get update\n\
         COPY --from=0 /a /b\n\
         RUN [\"/bin/true\"]\n",
    )
    .unwrap_err();
    let found: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found[0].starts_with("`RUN --mount` is not supported by the model yet (line 2)"));
    assert!(found[1]
        .starts_with("`COPY --from=0` (a stage index) is not supported by the model yet (line 3)"));
    assert!(found[2].starts_with("an exec-form `RUN` is not supported by the model yet (line 4)"));

    let errors = Dockerfile::parse("FROM debian\nRUN pip install numpy\n").unwrap_err();
    assert_eq!(errors.errors()[0].line, 2);
    assert!(matches!(errors.errors()[0].kind, ParseErrorKind::Run(_)));
}

#[test]
fn bases() {
    let dockerfile = Dockerfile::parse(
        "FROM gcr.io/distroless/cc-debian12 AS runtime\n\
         FROM gcr.io/distroless/base:debug AS debug\n\
         FROM runtime\n\
         FROM scratch\n",
    )
    .unwrap();
    use stagecraft::Base;
    let bases: Vec<&Base> = dockerfile.stages().iter().map(|s| &s.base).collect();
    assert!(matches!(bases[0], Base::ShellLess(_)));
    assert!(
        matches!(bases[1], Base::Image(_)),
        "the :debug tags have busybox"
    );
    assert_eq!(bases[2], &Base::Stage("runtime".to_owned()));
    assert_eq!(bases[3], &Base::Scratch);
}
