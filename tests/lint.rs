//! The lint corpus: every `tests/lint/NAME.Dockerfile` is checked and its
//! findings compared with `tests/lint/NAME.expected`.
//!
//! An `.expected` file lists one finding per line as `LINE RULE SEVERITY`
//! (`2 SCR003 error`), in line order; it is empty for a clean file. A file
//! that must not parse has the single line `parse-error LINE`. An optional
//! `NAME.target` holds the stage to build (`--target`), an optional
//! `NAME.labels` a label schema, one `KEY TYPE` per line (hadolint's
//! `label-schema`), and the line `strict` for `strict-labels`.
//!
//! Case names start with the rule they are about (`scr003-...`) and end in
//! `-bad` (the rule fires) or `-ok` (it does not); `stage-`, `parse-`,
//! `suppress-`, `error-` and `example-` cases cover stage awareness, parser
//! features, inline suppressions, parse errors and the Dockerfiles the
//! workshop examples render. An optional `NAME.trusted` lists the trusted
//! registries (DL3026), one a line. An optional `NAME.enable` lists the
//! rules that are off by default to turn on (DL1001, DL3057; hadolint's
//! `override:`), one a line: a case about such a rule without it checks that
//! the rule stays off. An optional `NAME.contexts` lists the named build
//! contexts the build is given (`--build-context NAME`), one a line.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use stagecraft::lint::{Options, CATALOGUE};
use stagecraft::rules::dockerfile::{check_dockerfile, Dockerfile};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lint")
}

/// The case names, sorted.
fn cases() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(corpus_dir())
        .expect("tests/lint exists")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".Dockerfile").map(str::to_owned)
        })
        .collect();
    names.sort();
    names
}

fn read(name: &str, extension: &str) -> Option<String> {
    fs::read_to_string(corpus_dir().join(format!("{name}.{extension}"))).ok()
}

/// The findings of a case in the `.expected` format.
fn actual(name: &str) -> Vec<String> {
    let text = read(name, "Dockerfile").expect("the Dockerfile is readable");
    let mut options = Options {
        target: read(name, "target").map(|t| t.trim().to_owned()),
        trusted_registries: read(name, "trusted")
            .map(|t| t.lines().map(str::to_owned).collect())
            .unwrap_or_default(),
        enabled: read(name, "enable")
            .map(|t| t.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default(),
        contexts: read(name, "contexts")
            .map(|t| t.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default(),
        ..Options::default()
    };
    for line in read(name, "labels").unwrap_or_default().lines() {
        match line.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["strict"] => options.strict_labels = true,
            [key, kind] => {
                let kind = kind
                    .parse()
                    .unwrap_or_else(|e| panic!("{name}.labels: {e}"));
                options.label_schema.insert((*key).to_owned(), kind);
            }
            _ => {}
        }
    }
    match Dockerfile::parse(&text) {
        Ok(df) => check_dockerfile(&df, &options)
            .iter()
            .map(|f| format!("{} {} {}", f.line, f.rule.id, f.severity))
            .collect(),
        Err(error) => vec![format!("parse-error {}", error.line)],
    }
}

fn expected(name: &str) -> Vec<String> {
    read(name, "expected")
        .unwrap_or_else(|| panic!("tests/lint/{name}.expected is missing"))
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn corpus_reproduces_the_expected_findings() {
    let mut failures = Vec::new();
    for name in cases() {
        let (actual, expected) = (actual(&name), expected(&name));
        if actual != expected {
            failures.push(format!(
                "{name}:\n  expected: {expected:?}\n  actual:   {actual:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases().len(),
        failures.join("\n")
    );
}

#[test]
fn corpus_is_big_enough() {
    let cases = cases();
    assert!(cases.len() >= 100, "only {} cases", cases.len());
}

#[test]
fn every_rule_has_a_violating_and_a_clean_case() {
    let mut missing = Vec::new();
    for rule in CATALOGUE {
        let prefix = format!("{}-", rule.id.to_ascii_lowercase());
        let ours: Vec<String> = cases()
            .into_iter()
            .filter(|name| name.starts_with(&prefix))
            .collect();
        let fires = |name: &String| {
            expected(name)
                .iter()
                .any(|line| line.split_whitespace().nth(1) == Some(rule.id))
        };
        if !ours.iter().any(|n| !n.ends_with("-ok") && fires(n)) {
            missing.push(format!("{}: no case where it fires", rule.id));
        }
        if !ours.iter().any(|n| n.ends_with("-ok") && !fires(n)) {
            missing.push(format!("{}: no clean `-ok` case", rule.id));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn ok_cases_are_clean_and_bad_cases_are_not() {
    for name in cases() {
        let findings = expected(&name);
        if name.ends_with("-ok") {
            assert!(
                findings.is_empty(),
                "{name} is named -ok but expects {findings:?}"
            );
        }
        if name.ends_with("-bad") {
            assert!(
                !findings.is_empty(),
                "{name} is named -bad but expects nothing"
            );
        }
    }
    // Every .expected and .target belongs to a Dockerfile.
    let names: BTreeSet<String> = cases().into_iter().collect();
    for entry in fs::read_dir(corpus_dir()).unwrap() {
        let file = entry.unwrap().file_name().into_string().unwrap();
        if let Some((stem, _)) = file.rsplit_once('.') {
            assert!(names.contains(stem), "{file} has no {stem}.Dockerfile");
        }
    }
}
