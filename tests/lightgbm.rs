//! The LightGBM example: every variant and the workshop's 2021 Dockerfiles
//! against `tests/golden/lightgbm/` (always run), and the end-to-end build
//! (heavy, opt-in with `STAGECRAFT_HEAVY=1`): compile LightGBM with OpenCL,
//! trace a GPU (pocl) and a CPU training run, build every variant, train in
//! each on both devices, and compare the sizes.
//!
//! The end-to-end test follows `tests/engine.rs` once enabled: without a
//! daemon it prints one `skipping: ...` line and passes, unless
//! `STAGECRAFT_REQUIRE_DOCKER=1`; everything it makes carries
//! `stagecraft.run=<id>` and is removed by label at the end.
//! `UPDATE_EXPECT=1 cargo test --test lightgbm` updates the golden files.

use std::io::Write;
use std::time::{Duration, Instant};

use expect_test::expect_file;
use stagecraft::engine::blocking::Engine;
use stagecraft::engine::{BuildOptions, EngineError, SmokeTest};
use stagecraft::harvest::{trace_stage, Reason};
use stagecraft::rules::dockerfile::{lint, Options};
use stagecraft::rules::Severity;
use stagecraft::{CopySpec, Dockerfile};
use stagecraft_workshop::lightgbm::{self, Variant};

mod support;
use support::{engine_or_skip, run_id, Cleanup};

/// No finding of `stagecraft lint` at error severity.
fn assert_lints_clean(name: &str, dockerfile: &Dockerfile) {
    let text = dockerfile.render();
    let findings =
        lint(&text, &Options::default()).unwrap_or_else(|error| panic!("{name}: {error}\n{text}"));
    let errors: Vec<_> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| format!("{name}:{}: {}", f.line, f.message))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{text}");
}

#[test]
fn variants_match_golden_and_lint_clean() {
    for variant in [Variant::Naive, Variant::Runtime, Variant::DistrolessIcd] {
        let dockerfile = lightgbm::dockerfile(variant).expect("the variant builds");
        expect_file![format!("golden/lightgbm/{variant}.Dockerfile")]
            .assert_eq(&dockerfile.render());
        assert_lints_clean(variant.name(), &dockerfile);
    }
    // The recommended variant before a trace: the build stage and the
    // throwaway stage that runs both trainings under strace.
    let build = lightgbm::dockerfile(Variant::Distroless).expect("the build stage builds");
    assert_eq!(build.render(), lightgbm::build_stage().unwrap().render());
    let (traced, alias) = trace_stage(&build, lightgbm::BUILD_STAGE, &lightgbm::harvest())
        .expect("the trace stage builds");
    assert_eq!(alias, "build-trace");
    let text = traced.render();
    assert!(text.contains("'device=gpu'") && text.contains("'device=cpu'"));
    expect_file!["golden/lightgbm/distroless-trace-stage.Dockerfile"].assert_eq(&text);
    assert_lints_clean("distroless-trace-stage", &traced);
    // And after one, with a stand-in for the traced copies: the shape of
    // the shipped stage (shell-less, on the assembled cc base).
    let shaped = lightgbm::distroless(|build| {
        vec![CopySpec::new([lightgbm::LIGHTGBM], lightgbm::LIGHTGBM).from(build)]
    })
    .expect("the distroless variant builds");
    expect_file!["golden/lightgbm/distroless-shape.Dockerfile"].assert_eq(&shaped.render());
    assert_lints_clean("distroless-shape", &shaped);
}

/// The workshop's 2021 Dockerfiles: `ARG VERSION` before the first `FROM`,
/// `nvidia/opencl:devel` and `:runtime`, distroless `cc-debian10` with the
/// `ldd` list.
#[test]
fn workshop_seed_matches_golden() {
    for variant in Variant::ALL {
        match lightgbm::seed(variant) {
            Some(dockerfile) => {
                let dockerfile = dockerfile.expect("the seed variants build");
                let text = dockerfile.render();
                assert!(text.starts_with("ARG VERSION=2.3.1\n\nFROM nvidia/opencl:devel"));
                expect_file![format!("golden/lightgbm/seed/{variant}.Dockerfile")].assert_eq(&text);
                assert_lints_clean(&format!("seed/{variant}"), &dockerfile);
            }
            None => assert_eq!(variant, Variant::DistrolessIcd),
        }
    }
    let distroless = lightgbm::seed(Variant::Distroless)
        .unwrap()
        .unwrap()
        .render();
    for library in lightgbm::SEED_LIBRARIES {
        assert!(
            distroless.contains(&format!("COPY --from=build {library} {library}\n")),
            "{library}"
        );
    }
    let (_, shipped) = distroless
        .split_once("FROM gcr.io/distroless/cc-debian10\n")
        .expect("a distroless stage");
    assert!(!shipped.contains("RUN "), "no RUN in the distroless stage");
}

#[test]
fn variant_names_and_aliases() {
    for variant in Variant::ALL {
        assert_eq!(variant.name().parse::<Variant>(), Ok(variant));
    }
    assert_eq!("multistage".parse::<Variant>(), Ok(Variant::Runtime));
    assert_eq!("minimal".parse::<Variant>(), Ok(Variant::Distroless));
    let error = "scratch".parse::<Variant>().unwrap_err();
    assert!(error.contains("distroless-icd"), "{error}");
}

/// The generated data: deterministic, LIBSVM, both classes well present.
#[test]
fn generated_data_is_deterministic_libsvm() {
    let train = lightgbm::train_data();
    assert_eq!(train, lightgbm::train_data());
    assert_ne!(train, lightgbm::valid_data());
    let lines: Vec<&str> = train.lines().collect();
    assert_eq!(lines.len(), lightgbm::TRAIN_ROWS);
    let mut positives = 0;
    for line in &lines {
        let mut fields = line.split(' ');
        let label = fields.next().unwrap();
        assert!(label == "0" || label == "1", "{line}");
        positives += usize::from(label == "1");
        let features: Vec<&str> = fields.collect();
        assert_eq!(features.len(), lightgbm::FEATURES, "{line}");
        for (i, feature) in features.iter().enumerate() {
            let (index, value) = feature.split_once(':').unwrap();
            assert_eq!(index, (i + 1).to_string());
            let value: f64 = value.parse().unwrap();
            assert!((-1.0..=1.0).contains(&value), "{line}");
        }
    }
    let share = positives as f64 / lines.len() as f64;
    assert!((0.3..0.7).contains(&share), "positive share {share}");
    assert_eq!(lightgbm::valid_data().lines().count(), lightgbm::VALID_ROWS);
    assert!(lightgbm::is_smoke_data(lightgbm::TRAIN_FILE));
    assert!(!lightgbm::is_smoke_data(lightgbm::LIGHTGBM));
}

/// The last validation AUC a training run printed.
fn last_auc(output: &str) -> Option<f64> {
    output
        .lines()
        .filter_map(|line| line.split(lightgbm::AUC_MARKER).nth(1))
        .next_back()
        .and_then(|auc| auc.trim().parse().ok())
}

fn training(image: &str, device: &str, id: &str) -> SmokeTest {
    SmokeTest::new(image)
        .file(lightgbm::TRAIN_FILE, lightgbm::train_data())
        .file(lightgbm::VALID_FILE, lightgbm::valid_data())
        .args(lightgbm::train_args(device))
        .without_network()
        .run_label(id)
        .timeout(Duration::from_secs(300))
        .expect_exit(0)
        .expect_stdout_contains("Finished training")
}

/// Trains in `image` on `device`; returns the AUC and the seconds it took.
fn train(engine: &Engine, image: &str, device: &str, id: &str, what: &str) -> (f64, f64) {
    let outcome = engine
        .smoke(&training(image, device, id))
        .unwrap_or_else(|error| panic!("training in {what} on {device}: {error}"));
    let auc = last_auc(&outcome.stdout)
        .unwrap_or_else(|| panic!("{what} {device}: no AUC in\n{}", outcome.stdout));
    assert!(auc > 0.6 && auc <= 1.0, "{what} {device}: AUC {auc}");
    (auc, outcome.duration.as_secs_f64())
}

#[test]
fn heavy_build_trains_in_every_variant() {
    if std::env::var("STAGECRAFT_HEAVY").as_deref() != Ok("1") {
        // Written to stderr directly: libtest captures eprintln!.
        let _ = writeln!(
            std::io::stderr(),
            "skipping: the LightGBM build is heavy (a cold build compiles LightGBM and installs \
             LLVM, several minutes); set STAGECRAFT_HEAVY=1 to run it"
        );
        return;
    }
    let Some(engine) = engine_or_skip() else {
        return;
    };
    let id = run_id("lightgbm");
    let _cleanup = Cleanup {
        engine: &engine,
        id: id.clone(),
    };
    let options = lightgbm::context().into_iter().fold(
        BuildOptions::new().run_label(&id).quiet(),
        |options, (path, bytes)| options.context_data(path, bytes, 0o644),
    );
    let start = Instant::now();
    let mut images = Vec::new();
    for variant in [Variant::Naive, Variant::Runtime, Variant::DistrolessIcd] {
        let began = Instant::now();
        let dockerfile = lightgbm::dockerfile(variant).expect("valid");
        let built = engine
            .build(&dockerfile, &options)
            .unwrap_or_else(|error| panic!("building {variant}: {error}"));
        println!(
            "{variant} built in {:.1}s (cached: {})",
            began.elapsed().as_secs_f64(),
            built.fully_cached
        );
        images.push((variant, built.image_id));
    }

    let began = Instant::now();
    let mut traced = engine
        .trace(
            &lightgbm::build_stage().expect("valid"),
            lightgbm::BUILD_STAGE,
            &lightgbm::harvest(),
            &options,
        )
        .unwrap_or_else(|error| panic!("tracing the training runs: {error}"));
    traced
        .resolution
        .files
        .retain(|entry| !lightgbm::is_smoke_data(&entry.path));
    println!(
        "traced in {:.1}s\n{}",
        began.elapsed().as_secs_f64(),
        traced.resolution.to_text()
    );
    assert_eq!(traced.logs.len(), 2, "a GPU and a CPU run");
    for log in &traced.logs {
        assert!(last_auc(&log.stdout).is_some(), "{}", log.stdout);
    }
    let has = |needle: &str| {
        traced
            .resolution
            .files
            .iter()
            .any(|entry| entry.path.contains(needle))
    };
    assert!(has("libOpenCL.so.1"), "the ICD loader is harvested");
    assert!(
        has(lightgbm::ICD_VENDORS),
        "the vendor files are (declared)"
    );
    assert!(
        has("libpocl.so"),
        "pocl, which the loader dlopens, is traced"
    );
    assert!(
        has("/usr/bin/ld"),
        "the linker pocl runs for each kernel is"
    );
    assert!(has("libLLVM-15"), "LLVM, which pocl compiles with, is");
    assert!(
        has(lightgbm::POCL_SHARE),
        "pocl's kernel library is (declared)"
    );
    assert!(
        traced
            .resolution
            .files
            .iter()
            .any(|e| matches!(e.reason, Reason::Traced { .. })),
        "files only the run shows are traced"
    );
    assert!(!has("lightgbm-train.svm"), "the smoke data stays out");
    let dockerfile = lightgbm::distroless(|build| traced.resolution.copy_specs(build))
        .expect("valid distroless Dockerfile");
    println!("{}", dockerfile.render());
    assert_lints_clean("distroless", &dockerfile);
    let began = Instant::now();
    let built = engine
        .build(&dockerfile, &options)
        .unwrap_or_else(|error| panic!("building distroless: {error}"));
    println!("distroless built in {:.1}s", began.elapsed().as_secs_f64());
    images.push((Variant::Distroless, built.image_id));

    let mut sizes = Vec::new();
    for (variant, image) in &images {
        let size = engine.inspect(image).expect("inspect").size;
        for device in ["gpu", "cpu"] {
            if device == "gpu" && !variant.runs_gpu_here() {
                // No GPU driver here: the NVIDIA vendor file names a library
                // only the NVIDIA container runtime brings.
                let error = engine
                    .smoke(&training(image, device, &id))
                    .expect_err("no OpenCL platform without the NVIDIA runtime");
                match &error {
                    EngineError::SmokeFailed(failure) => {
                        assert_ne!(failure.outcome.exit_code, 0);
                        let said = format!("{}{}", failure.outcome.stdout, failure.outcome.stderr);
                        assert!(said.contains("No OpenCL device found"), "{said}");
                        println!(
                            "{variant} {device}: fails as expected: {}",
                            failure
                                .outcome
                                .stderr
                                .trim_end()
                                .lines()
                                .last()
                                .unwrap_or("")
                        );
                    }
                    other => panic!("{variant} {device}: {other}"),
                }
                continue;
            }
            let (auc, seconds) = train(&engine, image, device, &id, variant.name());
            println!("{variant} {device}: AUC {auc} in {seconds:.1}s");
        }
        println!("{variant}: {size} B ({:.1} MB)", size as f64 / 1e6);
        sizes.push((*variant, size));
    }
    let size = |v: Variant| sizes.iter().find(|(w, _)| *w == v).unwrap().1;
    assert!(size(Variant::Runtime) < size(Variant::Naive));
    assert!(size(Variant::Distroless) < size(Variant::Runtime));
    assert!(size(Variant::DistrolessIcd) < size(Variant::Distroless));
    println!("all in {:.1}s", start.elapsed().as_secs_f64());
}
