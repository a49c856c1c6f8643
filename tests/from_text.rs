//! `Dockerfile::parse`: from Dockerfile text to the typed model.
//!
//! * every golden Dockerfile (`tests/golden/**/*.Dockerfile`, rendered by the
//!   model) parses back into a model that renders the very same text;
//! * the compile-time promise of `dockerfile!`/`include_dockerfile!` holds on
//!   every Dockerfile of the lint corpus (`tests/lint/`): when the text
//!   parses, has no error-severity finding and no `model_support` problem,
//!   `Dockerfile::parse` succeeds, and `__private::dockerfile_from_text`
//!   (what the macros expand to, which converts without checking again)
//!   gives the very same model; and when `model_support` reports a problem,
//!   `Dockerfile::parse` refuses the text on that line.

use std::fs;
use std::path::{Path, PathBuf};

use stagecraft::from_text::{ModelProblemKind, ParseErrorKind};
use stagecraft::rules::dockerfile::model_support::model_problems;
use stagecraft::rules::dockerfile::{check_dockerfile, Dockerfile as Parsed, Options};
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
        let Ok(parsed) = Parsed::parse(&text) else {
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
            let parsed = result.as_ref().unwrap_or_else(|errors| {
                panic!(
                    "{}: the macros would accept it, but Dockerfile::parse refuses:\n{errors}",
                    path.display()
                )
            });
            assert_eq!(
                &stagecraft::__private::dockerfile_from_text(&text),
                parsed,
                "{}",
                path.display()
            );
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
         RUN --mount=type=cache,target=/var/cache/apt,sharing=sometimes apt-get update\n\
         EXPOSE 8000-8010\n\
         RUN --device=gpu [\"/bin/true\"]\n",
    )
    .unwrap_err();
    let found: Vec<String> = errors.iter().map(ToString::to_string).collect();
    // One verdict (`dockerfile!`'s): the rules' errors too, each said once.
    // `apt-get update` alone leaves its lists (the mount covers
    // /var/cache/apt only), the mount's `sharing` is no mode (the verdict
    // reads mounts with the model's grammar), and SCR034 says what the model
    // would say of `--device`, so the model's own word is left out.
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(found[0].starts_with("line 2: SCR002: "), "{found:#?}");
    assert_eq!(
        found[1],
        "line 2: the `sharing` of a `cache` mount cannot be `sometimes`: use shared, locked or private"
    );
    assert!(found[2].starts_with("`EXPOSE 8000-8010` (only a port number with /tcp or /udp) is not supported by the model yet (line 3)"), "{found:#?}");
    assert!(
        found[3].starts_with("line 4: SCR034: `RUN --device`"),
        "{found:#?}"
    );
    // Alone, the mount's error has its line, beside the rule's error on
    // that line.
    let errors = Dockerfile::parse(
        "FROM debian:bookworm-slim\n\
         RUN --mount=type=cache,target=/var/cache/apt,sharing=sometimes apt-get update\n",
    )
    .unwrap_err();
    let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [2, 2], "{errors}");
    assert!(matches!(
        &errors.errors()[0].kind,
        ParseErrorKind::Refused(ModelProblemKind::Rule(finding)) if finding.rule.id == "SCR002"
    ));
    assert!(
        errors.errors()[1]
            .to_string()
            .contains("shared, locked or private"),
        "{errors}"
    );

    let errors = Dockerfile::parse("FROM debian\nRUN pip install numpy\n").unwrap_err();
    assert_eq!(errors.errors()[0].line, 2);
    assert!(matches!(
        &errors.errors()[0].kind,
        ParseErrorKind::Refused(ModelProblemKind::Rule(finding)) if finding.rule.id == "SCR009"
    ));
}

/// A model read from text reads back from its JSON: the `RUN`s the text
/// held were judged with their stage (a stage only copied from is held to
/// warnings, a stage's `ENV` and `SHELL` count), and the JSON holds the same
/// model, so reading it must judge them the same way, not as `RUN`s alone in
/// a stage that ships.
#[test]
fn json_reads_back_what_the_text_held() {
    let texts = [
        // `pip install` keeping its cache: an error in a stage that ships,
        // a warning in one only copied from.
        "FROM python:3.12-slim AS build
         RUN pip install numpy==2.1.0
         FROM python:3.12-slim
         COPY --from=build /usr/local/lib/python3.12 /usr/local/lib/python3.12
",
        // The stage's ENV turns pip's cache off: no finding at all.
        "FROM python:3.12-slim
         ENV PIP_NO_CACHE_DIR=1
         RUN pip install numpy==2.1.0
",
        // The stage's SHELL sets pipefail: the pipe is fine.
        "FROM debian:bookworm-slim
         SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]
         RUN curl -fsS https://example.com/install.sh | sh
",
        // A stage whose SHELL is not sh: its RUNs are not read as sh (found by
        // the model_roundtrip fuzz target, fuzz/corpus/.../seed-json-powershell-stage).
        include_str!("../fuzz/corpus/model_roundtrip/seed-json-powershell-stage.Dockerfile"),
    ];
    for text in texts {
        let dockerfile = Dockerfile::parse(text).unwrap_or_else(|errors| panic!("{text}{errors}"));
        let json = serde_json::to_string(&dockerfile).unwrap();
        let again: Dockerfile = serde_json::from_str(&json)
            .unwrap_or_else(|error| panic!("{text}does not read back from {json}: {error}"));
        assert_eq!(again, dockerfile, "{text}");
        assert_eq!(again.render(), dockerfile.render(), "{text}");
    }
    // The same RUN in the stage that ships, without the ENV, is refused
    // there, by its rule, with its place.
    let json = r#"{"stages":[{"base":{"image":"python:3.12-slim"},
        "instructions":[{"run":{"shell":"pip install numpy==2.1.0"}}]}]}"#;
    let error = serde_json::from_str::<Dockerfile>(json)
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("stage 1, instruction 1 (RUN): SCR009: `pip install numpy==2.1.0`"),
        "{error}"
    );
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

/// What every corpus file gets from each judge. The two judges agree on a
/// file when `Dockerfile::parse` accepts it exactly when `stagecraft lint`
/// (the rules with the default options) finds no error.
#[test]
fn one_verdict_on_every_corpus_file() {
    let mut corpus = Vec::new();
    for dir in ["tests/lint", "tests/golden", "tests/ui/dockerfiles"] {
        files(&root().join(dir), ".Dockerfile", &mut corpus);
    }
    files(&root().join("tests/fixtures"), "Dockerfile", &mut corpus);
    assert!(corpus.len() >= 250, "{}", corpus.len());
    let mut report = std::collections::BTreeMap::<String, Vec<String>>::new();
    for path in &corpus {
        let Ok(text) = fs::read_to_string(path) else {
            continue; // not UTF-8: both refuse it (see the lint tests)
        };
        let name = path.strip_prefix(root()).unwrap().display().to_string();
        let lint_refuses = match stagecraft::rules::dockerfile::lint(&text, &Options::default()) {
            Err(_) => true,
            Ok(findings) => findings.iter().any(|f| f.severity == Severity::Error),
        };
        let verdict = Dockerfile::parse(&text);
        let key = match (&verdict, lint_refuses) {
            // The model's own lint (through its view) agrees too.
            (Ok(model), false) if model.lint(None).has_errors() => {
                "MODEL'S LINT REFUSES WHAT IT ACCEPTED".to_owned()
            }
            (Ok(_), false) => "both accept".to_owned(),
            (Err(_), true) => "both refuse".to_owned(),
            (Ok(_), true) => "MODEL ACCEPTS, LINT REFUSES".to_owned(),
            (Err(errors), false) => {
                let mut kinds: Vec<&str> = errors.iter().map(|e| deliberate(&e.kind)).collect();
                kinds.dedup();
                format!("model refuses: {}", kinds.join(", "))
            }
        };
        report.entry(key).or_default().push(name);
    }
    let shown: Vec<String> = report
        .iter()
        .map(|(key, names)| format!("{key}: {} {names:?}", names.len()))
        .collect();
    eprintln!("{}", shown.join("\n"));
    let invalid: Vec<&str> = report
        .get("model refuses: invalid value")
        .map(|names| names.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let listed: Vec<&str> = INVALID_VALUES.iter().map(|(name, _)| *name).collect();
    assert_eq!(invalid, listed, "{}", shown.join("\n"));
    for key in report.keys() {
        assert!(
            key.starts_with("both ")
                || DELIBERATE
                    .iter()
                    .any(|d| key == &format!("model refuses: {d}")),
            "{}",
            shown.join("\n")
        );
    }
}

/// The deliberate differences: text `stagecraft lint` accepts (no error)
/// that the model refuses, each kind with its reason. Nothing else may
/// differ; in particular the model never accepts what lint refuses.
const DELIBERATE: &[&str] = &[
    // A construct the typed model has no place for yet (a FROM image with
    // a variable form other than `$V`/`${V}`/`${V:-text}`, COPY --from a
    // stage index, EXPOSE ranges): converting it would drop or change it.
    // VOLUME, ONBUILD, COPY --from an image, MAINTAINER, FROM $ARG,
    // FROM python:${VERSION}-slim, RUN --mount, heredoc and exec-form RUNs
    // and heredoc COPYs are held now (issue 11 item 1): "both accept".
    "not supported",
    // A value the model refuses and lint only warns about or lets a comment
    // silence, listed in INVALID_VALUES.
    "invalid value",
];

/// The files refused for a value (the "invalid value" kind), and why the
/// model is stricter there than lint.
const INVALID_VALUES: &[(&str, &str)] = &[
    (
        // DL3045 is a warning: the destination depends on the base image's
        // WORKDIR. A model is rendered for any base, so it refuses it.
        "tests/lint/dl3045-relative-copy-bad.Dockerfile",
        "a relative COPY destination before any WORKDIR",
    ),
    (
        // BuildKit refuses `AS scratch` and `AS context` (reserved names);
        // hadolint's DL3063 says so only as a warning.
        "tests/lint/dl3063-reserved-stage-name-bad.Dockerfile",
        "a stage named with a name BuildKit reserves",
    ),
    (
        // Docker refuses two stages with one name whatever a comment says;
        // `# stagecraft ignore=SCR025` silences lint's rule, not the model.
        "tests/lint/suppress-on-from-ok.Dockerfile",
        "a stage name used twice, its rule silenced by a comment",
    ),
];

fn deliberate(kind: &ParseErrorKind) -> &'static str {
    match kind {
        ParseErrorKind::Refused(ModelProblemKind::NotSupported { .. }) => "not supported",
        ParseErrorKind::Refused(ModelProblemKind::Invalid { .. })
        | ParseErrorKind::Refused(ModelProblemKind::Value(_)) => "invalid value",
        ParseErrorKind::Refused(ModelProblemKind::RunRefused(_)) => "RUN text",
        ParseErrorKind::Refused(ModelProblemKind::Rule(_)) => "rule",
        ParseErrorKind::Syntax(_) => "syntax",
        ParseErrorKind::Image(_) => "image",
        ParseErrorKind::Model(_) => "model validation",
        _ => "other",
    }
}

/// Comment lines inside a `RUN`'s continuations (Docker removes them before
/// the shell runs the command) are kept in the model's shell text and
/// rendered in place; the rules read the command without them, in the
/// model's lint as in the text's, and the DSL writes them the same way.
#[test]
fn comments_inside_a_run_are_kept_in_place() {
    let text = "FROM debian:bookworm-slim\n\
                RUN apt-get update \\\n    \
                # the tools we need\n    \
                && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u12 \\\n  \
                # stagecraft ignore=SCR003\n    \
                && rm -rf /var/lib/apt/lists/*\n\
                RUN --mount=type=cache,target=/root/.cache/pip pip install numpy==2.1.0 \\\n    \
                # pinned for the ABI\n    \
                && pip check\n\
                USER nobody\n";
    let model = Dockerfile::parse(text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(model.render(), text);
    // The flags on lines of their own: the same model.
    let flags_apart = text
        .replace("pip \\\n    pip install", "pip pip install")
        .replace(
            "/root/.cache/pip pip install",
            "/root/.cache/pip \\\n    pip install",
        );
    assert_ne!(flags_apart, text);
    assert_eq!(Dockerfile::parse(&flags_apart).unwrap(), model);
    let runs: Vec<&stagecraft::Run> = model.stages()[0]
        .instructions
        .iter()
        .filter_map(|i| match i {
            stagecraft::model::Instruction::Run(run) => Some(run),
            _ => None,
        })
        .collect();
    let stagecraft::model::Script::Shell(first) = runs[0].script() else {
        panic!("{:?}", runs[0].script());
    };
    assert_eq!(
        first,
        "apt-get update \\\n    # the tools we need\n    && apt-get install -y \
         --no-install-recommends curl=7.88.1-10+deb12u12 \\\n  # stagecraft ignore=SCR003\n    \
         && rm -rf /var/lib/apt/lists/*"
    );
    assert_eq!(
        runs[0].script().to_shell(),
        "apt-get update \\\n    && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u12 \\\n    \
         && rm -rf /var/lib/apt/lists/*"
    );
    // Nothing is left as a comment of its own: the lines are the RUN's.
    assert!(!model.stages()[0]
        .instructions
        .iter()
        .any(|i| matches!(i, stagecraft::model::Instruction::Comment(_))));
    // One reading: the model's lint is the text's, lines included.
    let from_text: Vec<(usize, &str)> =
        stagecraft::rules::dockerfile::lint(text, &Options::default())
            .unwrap()
            .iter()
            .map(|f| (f.line, f.rule.id))
            .collect();
    let from_model: Vec<(usize, &str)> = model
        .lint(None)
        .iter()
        .map(|f| (f.line, f.rule.id))
        .collect();
    assert_eq!(from_model, from_text);
    // `USER nobody` (DL3066: not numeric) on line 10: the comment lines count.
    assert_eq!(from_text, [(10, "DL3066")]);
    // The JSON holds the lines too.
    let json = serde_json::to_string(&model).unwrap();
    assert_eq!(serde_json::from_str::<Dockerfile>(&json).unwrap(), model);

    // The DSL writes the same text: a comment line inside a continuation.
    let run = stagecraft::Run::checked(
        "apt-get update \\\n    # the tools we need\n    && apt-get install -y \
         --no-install-recommends curl=7.88.1-10+deb12u12 \\\n  # stagecraft ignore=SCR003\n    \
         && rm -rf /var/lib/apt/lists/*",
    )
    .unwrap();
    assert_eq!(run.script(), runs[0].script());
    // And so does `run!`, checked at compile time.
    let macro_run = stagecraft::run!(
        "apt-get update \\\n    # the tools we need\n    && apt-get install -y \
         --no-install-recommends curl=7.88.1-10+deb12u12 \\\n  # stagecraft ignore=SCR003\n    \
         && rm -rf /var/lib/apt/lists/*"
    );
    assert_eq!(macro_run, run);
    // The rules read the command without its comment lines: an apt-get
    // install without cleanup is still refused behind a comment.
    let refused = stagecraft::Run::checked(
        "apt-get update \\\n  # no cleanup\n  && apt-get install -y --no-install-recommends curl",
    )
    .unwrap_err();
    assert!(refused.to_string().contains("SCR003"), "{refused}");
    // A comment line cannot end the text: Docker would go on into the next
    // instruction.
    let refused = stagecraft::Run::checked("make \\\n  # done").unwrap_err();
    assert!(refused.to_string().contains("comment line"), "{refused}");
}

/// The model's lint reports what the text's lint reports, rule for rule, on
/// every corpus file that comes into the model (its lines may differ: the
/// model drops blank lines). A suppression comment followed by a blank line
/// silences nothing in the text (as in hadolint, a pragma is for the line
/// right after it), so it must silence nothing in the model either.
#[test]
fn the_model_lints_as_its_text_on_every_corpus_file() {
    let mut corpus = Vec::new();
    for dir in ["tests/lint", "tests/golden", "tests/ui/dockerfiles"] {
        files(&root().join(dir), ".Dockerfile", &mut corpus);
    }
    let mut compared = 0;
    let mut differ = Vec::new();
    for path in &corpus {
        let Ok(text) = fs::read_to_string(path) else {
            continue;
        };
        let Ok(stagecraft::from_text::Parsed {
            dockerfile: model,
            notes,
        }) = Dockerfile::parse_with_notes(&text)
        else {
            continue;
        };
        if !notes.is_empty() {
            continue; // a legacy form (SCR027's MAINTAINER) renders modern by design
        }
        let mut from_text: Vec<&str> =
            stagecraft::rules::dockerfile::lint(&text, &Options::default())
                .unwrap()
                .iter()
                .map(|f| f.rule.id)
                .collect();
        let mut from_model: Vec<&str> = model.lint(None).iter().map(|f| f.rule.id).collect();
        from_text.sort();
        from_model.sort();
        compared += 1;
        if from_text != from_model {
            let name = path.strip_prefix(root()).unwrap().display().to_string();
            differ.push(format!("{name}: text {from_text:?}, model {from_model:?}"));
        }
    }
    assert!(compared >= 150, "{compared}");
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

/// A suppression comment followed by a blank line is for no instruction in
/// the text (as in hadolint, whose pragma is for the next line only): the
/// model keeps that blank line (the comment's text ends in a newline), so
/// its lint and its rendering's say what the text's lint says. Without the
/// blank line the pragma silences its rule in all three.
#[test]
fn a_suppression_before_a_blank_line_silences_nothing_in_the_model() {
    let apt = "RUN apt-get update && apt-get install -y --no-install-recommends curl \
               && rm -rf /var/lib/apt/lists/*\n";
    let cases = [
        (
            format!("FROM debian:bookworm-slim\n# hadolint ignore=DL3008\n\n{apt}USER 65534\n"),
            "DL3008",
            true,
        ),
        (
            format!("FROM debian:bookworm-slim\n# hadolint ignore=DL3008\n{apt}USER 65534\n"),
            "DL3008",
            false,
        ),
        (
            "# hadolint ignore=SCR029\n\nFROM debian\nUSER 65534\n".to_owned(),
            "SCR029",
            true,
        ),
        (
            "ARG V=1\n\n# hadolint ignore=SCR029\n\nFROM debian\nUSER 65534\n".to_owned(),
            "SCR029",
            true,
        ),
        (
            "FROM debian:bookworm-slim AS a\nUSER 65534\n# stagecraft ignore=SCR029\n# why\n\n\
             FROM debian\nCOPY --from=a /etc/hostname /x\nUSER 65534\n"
                .to_owned(),
            "SCR029",
            true,
        ),
        (
            "FROM debian:bookworm-slim AS a\nUSER 65534\n\n# stagecraft ignore=SCR029\n\
             FROM debian\nCOPY --from=a /etc/hostname /x\nUSER 65534\n"
                .to_owned(),
            "SCR029",
            false,
        ),
    ];
    for (text, rule, fires) in &cases {
        let lint = |text: &str| -> Vec<(usize, &'static str)> {
            stagecraft::rules::dockerfile::lint(text, &Options::default())
                .unwrap()
                .iter()
                .map(|f| (f.line, f.rule.id))
                .collect()
        };
        let from_text = lint(text);
        assert_eq!(
            from_text.iter().any(|(_, id)| id == rule),
            *fires,
            "{text}{from_text:?}"
        );
        let model = Dockerfile::parse(text).unwrap_or_else(|e| panic!("{text}{e}"));
        let rendered = model.render();
        assert_eq!(Dockerfile::parse(&rendered).unwrap(), model, "{rendered}");
        assert_eq!(Dockerfile::parse(&rendered).unwrap().render(), rendered);
        let from_model: Vec<(usize, &str)> = model
            .lint(None)
            .iter()
            .map(|f| (f.line, f.rule.id))
            .collect();
        assert_eq!(from_model, lint(&rendered), "{rendered}");
        let ids = |found: &[(usize, &'static str)]| {
            let mut ids: Vec<&str> = found.iter().map(|(_, id)| *id).collect();
            ids.sort();
            ids
        };
        assert_eq!(ids(&from_model), ids(&from_text), "{text}---\n{rendered}");
    }
    // Kept only where it matters: the first file renders as it is written.
    assert_eq!(Dockerfile::parse(&cases[0].0).unwrap().render(), cases[0].0);
}

/// A comment line inside the continuation of any other instruction (Docker
/// removes it) is kept before that instruction, and before the comment
/// lines right before it: nothing is dropped, and the rendering, its round
/// trip and the lint say what the text says. A suppression comment there
/// silences nothing in the text, nor in the model: a blank line follows it
/// there, and the suppressions right before the instruction stay its own.
#[test]
fn comments_inside_other_continuations_go_before_their_instruction() {
    let text = "FROM debian:bookworm-slim\n\
                ENV A=1 \\\n    \
                # B is the second\n    \
                B=2\n\
                RUN [\"/bin/echo\", \\\n  \
                # the argument\n  \
                \"x\"]\n\
                ONBUILD RUN echo a \\\n  \
                # and b\n  \
                && echo b\n\
                USER 65534\n";
    let model = Dockerfile::parse(text).unwrap_or_else(|e| panic!("{e}"));
    let comments: Vec<(usize, &str)> = model.stages()[0]
        .instructions
        .iter()
        .enumerate()
        .filter_map(|(index, i)| match i {
            stagecraft::model::Instruction::Comment(text) => Some((index, text.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(
        comments,
        [(0, "B is the second"), (2, "the argument"), (4, "and b")]
    );
    let rendered = model.render();
    assert!(
        rendered.starts_with("FROM debian:bookworm-slim\n# B is the second\nENV A=1 \\\n    B=2\n"),
        "{rendered}"
    );
    assert_eq!(Dockerfile::parse(&rendered).unwrap(), model);
    same_findings(text, &model);

    // Among a RUN's flags, before its command: before the RUN.
    let text = "FROM debian:bookworm-slim\n\
                RUN --mount=type=cache,target=/root/.cache/pip \\\n  \
                # the cache stays out of the layer\n  \
                pip install numpy==2.1.0 \\\n  \
                # pinned for the ABI\n  \
                && pip check\n\
                USER 65534\n";
    let model = Dockerfile::parse(text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        model.render(),
        "FROM debian:bookworm-slim\n\
         # the cache stays out of the layer\n\
         RUN --mount=type=cache,target=/root/.cache/pip pip install numpy==2.1.0 \\\n  \
         # pinned for the ABI\n  \
         && pip check\n\
         USER 65534\n"
    );
    same_findings(text, &model);

    // A suppression inside the continuation silences nothing; the one
    // right before the instruction silences its rule, in text and model.
    for text in [
        "FROM debian:bookworm-slim\nLABEL a=1 \\\n  # hadolint ignore=DL3048\n  Bad_Key=2\nUSER 65534\n",
        "FROM debian:bookworm-slim\n# hadolint ignore=DL3048\nLABEL a=1 \\\n  \
         # hadolint ignore=DL3048\n  Bad_Key=2\nUSER 65534\n",
    ] {
        let model = Dockerfile::parse(text).unwrap_or_else(|e| panic!("{e}"));
        let rendered = model.render();
        assert!(
            rendered.contains("# hadolint ignore=DL3048\n\n"),
            "{rendered}"
        );
        assert_eq!(Dockerfile::parse(&rendered).unwrap(), model, "{rendered}");
        same_findings(text, &model);
    }
    let fires = |text: &str| {
        stagecraft::rules::dockerfile::lint(text, &Options::default())
            .unwrap()
            .iter()
            .any(|f| f.rule.id == "DL3048")
    };
    assert!(fires(
        "FROM debian:bookworm-slim\nLABEL a=1 \\\n  # hadolint ignore=DL3048\n  Bad_Key=2\n"
    ));
    assert!(!fires(
        "FROM debian:bookworm-slim\n# hadolint ignore=DL3048\nLABEL a=1 \\\n  Bad_Key=2\n"
    ));
    // A FROM's continuation: its comments go before the FROM (before the
    // global comments' end, or at the end of the stage before), none lost,
    // a suppression among them followed by a blank line.
    for (text, rendered_part) in [
        (
            "FROM debian:bookworm-slim \\\n# hadolint ignore=DL3025\n  AS app\nCMD echo hi\n",
            "# hadolint ignore=DL3025\n\nFROM debian:bookworm-slim AS app\nCMD echo hi\n",
        ),
        (
            "FROM debian:bookworm-slim AS build\nRUN true\nFROM debian:bookworm-slim \\\n  \
             # the image\n  AS app\nCMD [\"true\"]\n",
            "RUN true\n\n# the image\nFROM debian:bookworm-slim AS app\n",
        ),
    ] {
        let model = Dockerfile::parse(text).unwrap_or_else(|e| panic!("{e}"));
        let rendered = model.render();
        assert!(rendered.contains(rendered_part), "{rendered}");
        assert_eq!(Dockerfile::parse(&rendered).unwrap(), model, "{rendered}");
        same_findings(text, &model);
    }
}

/// The rules the model's lint and the text's lint report agree (lines
/// aside: the model drops blank lines).
fn same_findings(text: &str, model: &Dockerfile) {
    let mut from_text: Vec<&str> = stagecraft::rules::dockerfile::lint(text, &Options::default())
        .unwrap()
        .iter()
        .map(|f| f.rule.id)
        .collect();
    let mut from_model: Vec<&str> = model.lint(None).iter().map(|f| f.rule.id).collect();
    from_text.sort();
    from_model.sort();
    assert_eq!(from_model, from_text, "{text}---\n{}", model.render());
}

/// Text the hostile list below holds: constructs where the conversion reads
/// more than the rules do (mount options, flag values, `ONBUILD`, directives,
/// `COPY --from` values, the backtick escape).
const HOSTILE: &[&str] = &[
    // Found by the model_roundtrip fuzz target (issue 11's copyheredoc run).
    "FROM debian:bookworm-slim\nRUN apt-te \\\n# install the compiler\n    && apt---platform= -y --no-install-recommends gcc \\\n\n    # \n\n    # aR nobody\n",
    "FROM golang:1.22\nRUN go install gol && go install ./cmd/...FROM busybox:1.36\nMAINTAINER Luk.36\nMAINTAINER Lukas <me@exampas <stall -yle.o\t\0rg>\n\n",
    "FROM debian\nRUN --mount=type=cache,target=/c,sharing=bogus true\n",
    "FROM debian\nRUN --mount=type=volume,target=/v true\n",
    "FROM debian\nRUN --mount=type=Cache,target=/c true\n",
    "FROM debian\nRUN --mount=type,target=/c true\n",
    "FROM debian\nRUN --mount=type=cache,target=/c,size=1 true\n",
    "FROM debian\nRUN --mount=type=cache true\n",
    "FROM debian\nRUN --mount=type=cache,target= true\n",
    "FROM debian\nRUN --mount=type=cache,target=$HOME/.cache true\n",
    "FROM debian\nRUN --mount=type=cache,target=/c,mode=9 true\n",
    "FROM debian\nRUN --mount=type=cache,target=/c,uid=-1 true\n",
    "FROM debian\nRUN --mount=type=cache,target=/c,ro=maybe true\n",
    "FROM debian\nRUN --mount=type=cache,target=/c,from=a:b:c true\n",
    "FROM debian\nRUN --mount=type=bind,target=/b,from=${STAGE} true\n",
    "FROM debian\nRUN --mount=type=tmpfs,target=/t,size=big true\n",
    "FROM debian\nRUN --mount=type=secret true\n",
    "FROM debian\nRUN --mount=type=secret,id= true\n",
    "FROM debian\nRUN --mount=type=secret,id=a$b true\n",
    "FROM debian\nRUN --mount=type=secret,target=/run/secrets/ true\n",
    "FROM debian\nRUN --mount=type=secret,target=/run/secrets/-x true\n",
    "FROM debian\nRUN --mount=type=secret,id=tok,env= true\n",
    "FROM debian\nRUN --mount=type=ssh,id=a/b true\n",
    "FROM debian\nRUN --mount true\n",
    "FROM debian\nRUN --mount= true\n",
    "FROM debian\nRUN --mount=\"type=cache,target=/c\" true\n",
    "FROM debian\nRUN --network=bridge true\n",
    "FROM debian\nRUN --network true\n",
    "FROM debian\nRUN --security=root true\n",
    "FROM debian\nRUN --network=none --network=host true\n",
    "FROM debian\nRUN --device=gpu true\n",
    "FROM debian\nONBUILD RUN --mount=type=cache,target=/c,sharing=bogus true\n",
    "FROM debian\nONBUILD RUN --network=bridge true\n",
    "FROM debian\nONBUILD RUN --device=gpu true\n",
    "FROM debian\nONBUILD COPY --from=0 /a /a\n",
    "FROM debian\nONBUILD COPY --from=${X} /a /a\n",
    "FROM debian\nONBUILD COPY --from=builder /a /a\n",
    "FROM debian AS b\nFROM debian\nONBUILD COPY --from=B /a /a\n",
    "FROM debian\nONBUILD ARG A B\n",
    "FROM debian\nONBUILD EXPOSE 80 443\n",
    "FROM debian\nONBUILD EXPOSE 80-90\n",
    "FROM debian\nONBUILD ADD --from=x a /a\n",
    "FROM debian\nCOPY --from=${IMAGE} /a /a\n",
    "FROM debian\nCOPY --from=a:b:c /a /a\n",
    "FROM debian\nCOPY --from=+1 /a /a\n",
    "FROM debian\nCOPY --from= /a /a\n",
    "# syntax=\nFROM debian\n",
    "# check=\nFROM debian\n",
    "# escape=`\nFROM debian\nRUN <<EOF\ntrue\nEOF\n",
    "# escape=`\nFROM debian\nRUN make `\n  install\n",
    "# escape=`\nFROM debian\nENV A=\"a`\"\n",
    "# escape=`\nFROM debian\nWORKDIR C:\\app\n",
    "FROM debian\nRUN <<EOF\ntrue\nEOF\n",
    "FROM debian\nRUN --mount=type=cache,target=/c <<EOF\ntrue\nEOF\n",
    "FROM debian\nRUN [\"\"]\n",
    "FROM debian\nRUN []\n",
    "FROM debian\nCMD []\n",
    "FROM $BASE\n",
    "ARG BASE\nFROM ${BASE:-}\n",
    "ARG BASE=debian\nFROM ${BASE}\n",
    // Image references with global ARGs inside (Base::Template).
    "ARG V=3\nFROM python:${V:+x}\n",
    "ARG V\nFROM python:${V:-}\n",
    "ARG V=\"3 12\"\nFROM python:$V\n",
    "FROM python:${V}-slim\n",
    "ARG V=a\nFROM ${V}${V}\n",
    "ARG V\nFROM a$V\n",
    "ARG V_1=1\nFROM a:$V_1.0\n",
    "ARG V\nFROM a:\\$V\n",
    "ARG V\nFROM \"a:$V\"\n",
    "ARG V=Debian\nFROM ${V}:12\n",
    "ARG V=a ARG W=$V\nFROM x:${W}\n",
    "ARG V=12\nFROM gcr.io/distroless/static-debian${V}\nRUN true\n",
    "ARG V=12\nFROM gcr.io/distroless/static-debian${V}\nCMD [\"/app\"]\n",
    "ARG V=12\nFROM gcr.io/distroless/static-debian${V}:debug\nRUN true\n",
    "ARG V=1\nFROM mcr.microsoft.com/windows/servercore:${V}\nRUN dir\n",
    "ARG V=1\nFROM debian:${V} AS python\nFROM python\n",
    "ARG V=1\nFROM debian:${V}\nWORKDIR app\n",
    "FROM debian\nHEALTHCHECK --retries=x CMD true\n",
    "FROM debian\nEXPOSE +80\n",
    "FROM debian\nEXPOSE 0\n",
    "FROM debian\nUSER \"a b\"\n",
    // Found by the model_roundtrip fuzz target: a NUL in a comment.
    "# The archive is in the COPY layer and its contents in the RUN \0ayer.\nFROM debian\n",
    "FROM debian\n# a \0 b\nRUN true\n",
    "FROM debian\nRUN true \\\n# a \0 b\n && true\n",
    "# a \r b\nFROM debian\n",
    "# syntax=a\0b\nFROM debian\n",
    // Found by the model_roundtrip fuzz target: a NUL in a heredoc's body.
    "FROM debian\nRUN <<-EOF\n\tset -\u{1d}\0\0 \"$PATH\" > /path\n\tEOF\n",
    "FROM debian\nRUN <<EOF\na\rb\nEOF\n",
    "FROM debian\nRUN <<E-F\ntrue\nE-F\n",
    "FROM debian\nRUN <<\"E F\"\ntrue\nE F\n",
    "FROM debian\nRUN cat <<EOF \0 > /x\nbody\nEOF\n",
    "FROM debian\nRUN cat <<EOF <<EOF\na\nEOF\nb\nEOF\n",
    "FROM debian\nRUN python3 <<'PY'\nprint(1)\nPY\n",
    // Found by the model_roundtrip fuzz target: a NUL in a RUN with flags.
    "FROM node:20\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm c\u{e}\0&& true\n",
    "FROM debian\nRUN --network=none echo 'open\n",
    "FROM debian\nRUN --network=none \\\n  echo \\\n  done\n",
    // Found by the model_roundtrip fuzz target: ADD --checksum values.
    "FROM debian\nADD --checksum=sha https://example.com/a.tar.gz /a\n",
    "FROM debian\nADD --checksum=sha2500000000000000000000000000000000 https://x/a /a\n",
    "FROM debian\nADD --keep-git-dir https://example.com/a.tar.gz /a\n",
    "FROM debian\nADD --keep-git-dir=false https://example.com/a.tar.gz /a\n",
    "FROM debian\nCOPY --exclude= a /a\n",
    "FROM debian\nCOPY --exclude=\"a b\" a /a\n",
    "FROM debian\nCOPY --exclude a /a\n",
    "FROM debian\nVOLUME []\n",
    "FROM debian\nVOLUME [\"\"]\n",
    // Heredoc COPY sources: names, bodies, words, flags, paths, escapes.
    "FROM debian\nCOPY <<a.txt /a/\nx\na.txt\n",
    "FROM debian\nCOPY <<a.txt <<-'b.sh' c /d/\nx\na.txt\n\ty\n\tb.sh\n",
    "FROM debian\nCOPY <<\"a b\" /d/\nx\na b\n",
    "FROM debian\nCOPY <<a/b /d/\nx\na/b\n",
    "FROM debian\nCOPY <<.. /d/\nx\n..\n",
    "FROM debian\nCOPY <<--x /d/\nx\n-x\n",
    "FROM debian\nCOPY 0<<a /d/\nx\na\n",
    "FROM debian\nCOPY <<a <<a /d/\nx\na\ny\na\n",
    "FROM debian\nCOPY <<a \"/d e/\"\nx\na\n",
    "FROM debian\nCOPY <<a \"$x\" /d/\nx\na\n",
    "FROM debian\nCOPY <<a /d/\nx\0\na\n",
    "FROM debian\nCOPY <<a /d/\nx\ry\na\n",
    "FROM debian\nCOPY <<a --chmod=7 /d/\nx\na\n",
    "FROM debian\nCOPY --from=debian <<a /d/\nx\na\n",
    "FROM debian\nCOPY --parents --exclude=*.md <<a b/c /d/\nx\na\n",
    "FROM debian\nCOPY [\"<<a\", \"/d/\"]\nx\na\n",
    "FROM debian\nCOPY <<a\n\na\n",
    "FROM debian\nCOPY <<a <<b\nx\na\ny\nb\n",
    "FROM debian\nONBUILD COPY <<a /d/\n",
    "# escape=`\nFROM debian\nCOPY <<a /d/\nx\na\n",
    // Heredoc ADD sources: as COPY's, and the flags of URL sources.
    "FROM debian\nADD <<a /d/\nx\na\n",
    "FROM debian\nADD <<a.txt <<-'b.sh' c /d/\nx\na.txt\n\ty\n\tb.sh\n",
    "FROM debian\nADD <<a/b /d/\nx\na/b\n",
    "FROM debian\nADD 0<<a /d/\nx\na\n",
    "FROM debian\nADD <<a \"/d e/\"\nx\na\n",
    "FROM debian\nADD <<a /d/\nx\0\na\n",
    "FROM debian\nADD --checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000 <<a /d/\nx\na\n",
    "FROM debian\nADD --keep-git-dir <<a /d/\nx\na\n",
    "FROM debian\nADD --keep-git-dir=false <<a /d/\nx\na\n",
    "FROM debian\nADD --keep-git-dir <<a https://github.com/o/r.git /d/\nx\na\n",
    "FROM debian\nADD --from=debian <<a /d/\nx\na\n",
    "FROM debian\nADD --chown=1:1 --chmod=0600 --link --exclude=*.md <<a https://example.com/x /d/\nx\na\n",
    "FROM debian\nADD [\"<<a\", \"/d/\"]\nx\na\n",
    "FROM debian\nADD <<a\n\na\n",
    "FROM debian\nONBUILD ADD <<a /d/\n",
    "# escape=`\nFROM debian\nADD <<a /d/\nx\na\n",
];

/// The macros' promise, on every corpus file and the hostile list: when the
/// one verdict (`judge`) accepts the text, `Dockerfile::parse` accepts it and
/// `__private::dockerfile_from_text` (what `dockerfile!` expands to, which
/// converts without checking again and panics on a failure) converts it to
/// the same model. A failure here is a `dockerfile!` that compiles and
/// panics at run time.
#[test]
fn what_judge_accepts_converts() {
    use stagecraft::rules::dockerfile::model_support::judge;
    let mut corpus = Vec::new();
    for dir in [
        "tests/lint",
        "tests/golden",
        "tests/ui/dockerfiles",
        "tests/modern",
    ] {
        files(&root().join(dir), "Dockerfile", &mut corpus);
    }
    files(&root().join("tests/fixtures"), "Dockerfile", &mut corpus);
    files(&root().join("fuzz/corpus/model_roundtrip"), "", &mut corpus);
    let mut texts: Vec<(String, String)> = corpus
        .iter()
        .filter_map(|path| Some((path.display().to_string(), fs::read_to_string(path).ok()?)))
        .collect();
    texts.extend(
        HOSTILE
            .iter()
            .map(|text| (format!("{text:?}"), text.to_string())),
    );
    assert!(texts.len() >= 300, "{}", texts.len());
    let (mut accepted, mut failures) = (0, Vec::new());
    for (name, text) in &texts {
        let Ok(parsed) = Parsed::parse(text) else {
            continue; // the macros refuse it before judging
        };
        if !judge(text, &parsed).problems.is_empty() {
            continue;
        }
        accepted += 1;
        let model = match Dockerfile::parse(text) {
            Ok(model) => model,
            Err(errors) => {
                failures.push(format!(
                    "{name}: judge accepts, Dockerfile::parse refuses: {errors}"
                ));
                continue;
            }
        };
        let converted =
            std::panic::catch_unwind(|| stagecraft::__private::dockerfile_from_text(text));
        match converted {
            Ok(converted) if converted == model => {}
            Ok(_) => failures.push(format!("{name}: the macros' model differs from parse's")),
            Err(_) => failures.push(format!("{name}: dockerfile_from_text panics")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(accepted >= 100, "{accepted}");
}

/// Each hostile mount, flag and value the conversion reads is refused by
/// the verdict itself, on its line, with the grammar's fix.
#[test]
fn the_verdict_refuses_bad_run_options_on_their_line() {
    for (text, says) in [
        (
            "FROM debian\nRUN --mount=type=cache,target=/c,sharing=bogus true\n",
            "use shared, locked or private",
        ),
        (
            "FROM debian\nRUN --mount=type=volume,target=/v true\n",
            "unknown mount type `volume`",
        ),
        (
            "FROM debian\nRUN --mount=type=cache,target=/c,size=1 true\n",
            "a `cache` mount has no option `size`",
        ),
        (
            "FROM debian\nRUN --mount=type=secret true\n",
            "a secret mount needs an `id`",
        ),
        (
            "FROM debian\nRUN --mount=type=secret,id=a$b true\n",
            "`a$b` is not a valid secret id",
        ),
        (
            "FROM debian\nRUN --network=bridge true\n",
            "`--network=bridge` is not a network mode",
        ),
        (
            "FROM debian\nRUN --security=root true\n",
            "`--security=root` is not a security mode",
        ),
        (
            "FROM debian\nONBUILD RUN --mount=type=tmpfs,target=/t,size=big true\n",
            "the `size` of a `tmpfs` mount cannot be `big`",
        ),
        (
            "FROM debian\nRUN --mount=type=cache,target=/c,id=go-$ true\n",
            "a `$` that starts no `$NAME`",
        ),
    ] {
        let errors = Dockerfile::parse(text).unwrap_err();
        assert_eq!(errors.len(), 1, "{text}{errors}");
        let error = &errors.errors()[0];
        assert_eq!(error.line, 2, "{text}{errors}");
        assert!(
            matches!(
                error.kind,
                ParseErrorKind::Refused(ModelProblemKind::Mount(_))
            ),
            "{text}{errors}"
        );
        assert!(error.to_string().contains(says), "{text}{errors}");
    }
}

/// `FROM image:${TAG}`: which references with ARGs inside the one verdict
/// holds (then `Dockerfile::parse` gives a `Base::Template`), and what it
/// says of the others, on their line.
#[test]
fn the_verdict_on_from_templates() {
    for (text, says) in [
        ("ARG V=3.12\nFROM python:${V}-slim\nRUN true\n", None),
        // pangeo-docker-images' notebook images: a tag chosen at build time.
        (
            "# The base image's tag.\nARG BASE_TAG=master\nFROM pangeo/base-image:${BASE_TAG}\n",
            None,
        ),
        ("ARG V\nFROM a$V\n", None),
        ("ARG V_1=1\nFROM a:$V_1.0\n", None),
        ("ARG V=a\nFROM ${V}${V}\n", None),
        ("ARG V=\nFROM python:${V:-3.12}-slim\n", None),
        ("ARG V=1\nFROM debian:${V} AS python\nFROM python\n", None),
        (
            "ARG V=12\nFROM gcr.io/distroless/static-debian${V}\nCMD [\"/app\"]\n",
            None,
        ),
        (
            "ARG V=12\nFROM gcr.io/distroless/static-debian${V}\nRUN true\n",
            Some((3, "SCR022")),
        ),
        (
            "ARG V=3\nFROM python:${V:+x}\n",
            Some((2, "a FROM with this form of build variable")),
        ),
        (
            "ARG V\nFROM python:${V:-}\n",
            Some((2, "a FROM with this form of build variable")),
        ),
        (
            "ARG V\nFROM \"a:$V\"\n",
            Some((2, "a FROM with this form of build variable")),
        ),
        (
            "FROM python:${V}-slim\n",
            Some((1, "`V` is no ARG declared before the first FROM")),
        ),
        (
            "ARG V=Debian\nFROM ${V}:12\n",
            Some((
                2,
                "invalid FROM image \"Debian:12\": with its ARGs' defaults",
            )),
        ),
    ] {
        let result = Dockerfile::parse(text);
        match (says, result) {
            (None, Ok(model)) => {
                assert!(
                    matches!(model.stages()[0].base, stagecraft::Base::Template(_)),
                    "{text:?}: {:?}",
                    model.stages()[0].base
                );
                assert_eq!(Dockerfile::parse(&model.render()).unwrap(), model);
            }
            (Some((line, says)), Err(errors)) => {
                assert_eq!(errors.errors()[0].line, line, "{text:?}: {errors}");
                assert!(errors.to_string().contains(says), "{text:?}: {errors}");
            }
            (says, result) => panic!("{text:?}: expected {says:?}, got {result:?}"),
        }
    }
}

/// A bad value gets the same words whichever way it comes in: from text
/// (`Dockerfile::parse`, the macros' judge) and from JSON (the model's
/// validation), both through `rules::values`. Each case is a file that
/// converts and the same file with one value made bad; the JSON of the good
/// model gets the same value swapped in.
#[test]
fn a_bad_value_is_said_alike_from_text_and_from_json() {
    let cases: [(&str, &str, &str); 8] = [
        ("FROM a:1\nSTOPSIGNAL SIGTERM\n", "SIGTERM", "TERM"),
        ("FROM a:1\nARG VERSION=1\n", "VERSION", "9VERSION"),
        ("FROM a:1\nLABEL org.title=x\n", "org.title", "org:title"),
        ("FROM a:1\nENV GOOD=1\n", "GOOD", "GO-OD"),
        ("FROM a:1\nCOPY --chmod=0755 a /b/\n", "0755", "0788"),
        ("FROM a:1\nCOPY --chown=app a /b/\n", "app", "a:b:c"),
        ("FROM a:1\nCOPY --exclude=x.md a /b/\n", "x.md", ""),
        (
            "FROM a:1\nADD --checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000 https://example.com/a.tgz /b/\n",
            "sha256:0000000000000000000000000000000000000000000000000000000000000000",
            "sha256:abc",
        ),
    ];
    for (good, value, bad) in cases {
        let model = Dockerfile::parse(good).unwrap_or_else(|errors| panic!("{good}{errors}"));
        let json = serde_json::to_string(&model).unwrap();
        assert!(json.contains(&format!("\"{value}\"")), "{json}");
        let bad_json = json.replace(&format!("\"{value}\""), &format!("\"{bad}\""));
        let from_json = serde_json::from_str::<Dockerfile>(&bad_json)
            .expect_err(&bad_json)
            .to_string();
        let text = good.replace(value, bad);
        let from_text = Dockerfile::parse(&text).unwrap_err().to_string();
        // `line 2: <problem>` from text, `stage 1, instruction 1 (...): <problem>`
        // from JSON: the problem's words are one.
        let said = from_text
            .strip_prefix("line 2: ")
            .unwrap_or_else(|| panic!("{text}: {from_text}"));
        assert!(
            from_json.ends_with(said),
            "{text}\n  from text: {from_text}\n  from JSON: {from_json}"
        );
        assert!(
            said.contains(&format!("{bad:?}")) || bad.is_empty() && said.contains("is empty"),
            "{said}"
        );
    }
}

/// A pragma on the last line reads back as itself, with or without the
/// file's final newline (a final newline is no blank line; the
/// model_roundtrip fuzz target found the file without one reading back as
/// another model).
#[test]
fn a_pragma_on_the_last_line_round_trips() {
    for text in [
        "FROM debian:bookworm-slim\n# hadolint stage ignore=DL3025 ",
        "FROM debian:bookworm-slim\n# hadolint stage ignore=DL3025 \n",
        "FROM debian:bookworm-slim\n# hadolint ignore=DL3025\n",
        "FROM debian:bookworm-slim\n# hadolint ignore=DL3025\n\n",
    ] {
        let model = Dockerfile::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        let rendered = model.render();
        assert_eq!(
            Dockerfile::parse(&rendered).unwrap(),
            model,
            "{text:?} -> {rendered:?}"
        );
        same_findings(text, &model);
    }
}
