//! Rendered Dockerfiles against the files in `tests/golden/`.
//!
//! A changed rendering fails with a diff. When the change is intended,
//! update the files with `UPDATE_EXPECT=1 cargo test --test golden` and
//! review them in `git diff`.

use expect_test::expect_file;
use stagecraft_workshop::fortune::{self, Variant};

#[test]
fn fortune_variants() {
    for variant in Variant::ALL {
        let dockerfile = fortune::dockerfile(variant).expect("the fortune variants build");
        expect_file![format!("golden/fortune/{variant}.Dockerfile")]
            .assert_eq(&dockerfile.render());
    }
}

/// The workshop's own Dockerfiles (2021, `ubuntu:16.04`), reproduced from the DSL.
#[test]
fn fortune_workshop_seed() {
    for variant in Variant::ALL {
        match fortune::seed(variant) {
            Some(dockerfile) => {
                let dockerfile = dockerfile.expect("the seed variants build");
                expect_file![format!("golden/fortune/seed/{variant}.Dockerfile")]
                    .assert_eq(&dockerfile.render());
            }
            None => assert!(matches!(
                variant,
                Variant::Multistage | Variant::ScratchListed
            )),
        }
    }
}

/// Rendering is a pure function: the same model renders the same bytes,
/// also after a trip through JSON.
#[test]
fn rendering_is_deterministic() {
    for variant in Variant::ALL {
        let dockerfile = fortune::dockerfile(variant).unwrap();
        let json = serde_json::to_string(&dockerfile).unwrap();
        let again: stagecraft::Dockerfile = serde_json::from_str(&json).unwrap();
        assert_eq!(again, dockerfile);
        assert_eq!(again.render(), dockerfile.render());
    }
}

/// The static-linking example: every variant against `golden/static/`. The
/// workshop reports only the sizes of its dgemm images, so there is no seed.
#[test]
fn static_link_variants() {
    use stagecraft_workshop::static_link;
    for variant in static_link::Variant::ALL {
        let dockerfile = static_link::dockerfile(variant).expect("the static variants build");
        expect_file![format!("golden/static/{variant}.Dockerfile")].assert_eq(&dockerfile.render());
        assert!(static_link::seed(variant).is_none());
    }
}

/// Every rendered Dockerfile, today's and the workshop's, passes the same
/// checks as `stagecraft lint` with no error.
#[test]
fn every_golden_passes_lint() {
    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files(&path, out);
            } else if path.extension().is_some_and(|ext| ext == "Dockerfile") {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    files(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden"),
        &mut paths,
    );
    assert!(paths.len() >= 10, "{paths:?}");
    let options = stagecraft::rules::dockerfile::Options::default();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let findings = stagecraft::rules::dockerfile::lint(&text, &options)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let errors: Vec<_> = findings
            .iter()
            .filter(|f| f.severity == stagecraft::rules::Severity::Error)
            .map(|f| format!("{}:{}: {}", path.display(), f.line, f.message))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
}

/// The lolcow example: naive, the workshop's 2021 naive image, and what the
/// traced variant builds to trace the pipe (the build stage and the
/// throwaway trace stage; its `FROM scratch` lines exist only after a build,
/// see `tests/lolcow_build.rs`).
#[test]
fn lolcow_variants() {
    use stagecraft_workshop::lolcow::{self, Variant};
    let naive = lolcow::naive().expect("the naive lolcow builds");
    expect_file!["golden/lolcow/naive.Dockerfile"].assert_eq(&naive.render());
    let seed = lolcow::seed(Variant::Naive)
        .expect("the workshop has a naive lolcow")
        .expect("the seed builds");
    expect_file!["golden/lolcow/seed/naive.Dockerfile"].assert_eq(&seed.render());
    assert!(lolcow::seed(Variant::Traced).is_none());
    let build = lolcow::build_stage().expect("the build stage builds");
    let (traced, alias) =
        stagecraft::harvest::trace_stage(&build, lolcow::BUILD_STAGE, &lolcow::harvest())
            .expect("the trace stage builds");
    assert_eq!(alias, "build-trace");
    expect_file!["golden/lolcow/traced-trace-stage.Dockerfile"].assert_eq(&traced.render());
}
