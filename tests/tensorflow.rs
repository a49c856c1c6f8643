//! The TensorFlow example: every variant and the workshop's 2021 images
//! against `tests/golden/tensorflow/` (always), and, opt-in, the three
//! variants built against a real daemon, run and compared.
//!
//! The build part is heavy (334 MB of wheels from PyPI, 1.55 GB installed,
//! about 5 minutes cold on a 2-core machine): it runs only with `STAGECRAFT_HEAVY=1`,
//! otherwise it prints one `skipping: ...` line and passes. With the flag
//! but no daemon it skips like the other daemon tests (and fails under
//! `STAGECRAFT_REQUIRE_DOCKER=1`). Where the network re-signs TLS, set
//! `STAGECRAFT_SITE_CA` to a CA bundle that trusts it (see
//! `stagecraft::site_ca`). Everything it makes carries
//! `stagecraft.run=<id>` and is removed by label at the end.

use std::io::Write;
use std::time::{Duration, Instant};

use expect_test::expect_file;
use stagecraft::distroless::Flavor;
use stagecraft::engine::{BuildOptions, SmokeTest};
use stagecraft::report::Comparison;
use stagecraft::site_ca::SiteCa;
use stagecraft_workshop::tensorflow::{self, Variant};

mod support;
use support::{engine_or_skip, run_id, Cleanup};

/// Today's variants, with and without the site CA.
#[test]
fn variants_match_golden() {
    for variant in Variant::ALL {
        let dockerfile = tensorflow::dockerfile(variant).expect("the tensorflow variants build");
        expect_file![format!("golden/tensorflow/{variant}.Dockerfile")]
            .assert_eq(&dockerfile.render());
        let site = tensorflow::dockerfile_for_site(variant, true).expect("with the site CA");
        expect_file![format!("golden/tensorflow/site-ca/{variant}.Dockerfile")]
            .assert_eq(&site.render());
    }
}

/// The pinned requirement, the version and the expected smoke output agree.
#[test]
fn one_tensorflow_version() {
    assert_eq!(
        tensorflow::REQUIREMENT,
        format!("tensorflow-cpu=={}", tensorflow::TF_VERSION)
    );
    assert!(
        tensorflow::SMOKE_OUTPUT.starts_with(&format!("tensorflow {} ", tensorflow::TF_VERSION))
    );
}

/// The pruned variant differs from distroless by its `pruned` stage alone.
#[test]
fn pruned_is_distroless_with_a_pruning_stage() {
    let distroless = tensorflow::dockerfile(Variant::Distroless)
        .unwrap()
        .render();
    let pruned = tensorflow::dockerfile(Variant::Pruned).unwrap().render();
    let stage = format!("FROM build AS pruned\nRUN {}\n\n", tensorflow::PRUNE);
    assert!(pruned.contains(&stage), "{pruned}");
    assert_eq!(
        pruned
            .replace(&stage, "")
            .replace("--from=pruned", "--from=build"),
        distroless
    );
}

/// The site CA changes only the pip stage, from the pip step on: the
/// runtime stages and the layers before are the same.
#[test]
fn the_site_ca_stays_in_the_pip_stage() {
    for variant in Variant::ALL {
        let plain = tensorflow::dockerfile(variant).unwrap().render();
        let trusting = tensorflow::dockerfile_for_site(variant, true).unwrap();
        // The first stage installs TensorFlow: it alone trusts the site CA.
        assert_eq!(
            stagecraft::site_ca::trusting_stages(&trusting),
            [0],
            "{variant}"
        );
        let site = trusting.render();
        let before_pip = plain
            .split("RUN /opt/venv/bin/python -m pip")
            .next()
            .unwrap();
        assert!(site.starts_with(before_pip), "{variant}");
        if variant != Variant::Naive {
            let runtime = |text: &str| text.split_once("\n\n").unwrap().1.to_string();
            assert_eq!(runtime(&site), runtime(&plain), "{variant}");
        }
    }
}

/// The workshop's CPU and GPU images (2021). It has no naive or multi-stage
/// Dockerfile of its own: its naive image is the official one.
#[test]
fn workshop_seed_matches_golden() {
    let cpu = tensorflow::seed(Variant::Distroless)
        .expect("the workshop has a distroless TensorFlow")
        .expect("the seed builds");
    expect_file!["golden/tensorflow/seed/distroless.Dockerfile"].assert_eq(&cpu.render());
    let gpu = tensorflow::seed_gpu().expect("the GPU seed builds");
    expect_file!["golden/tensorflow/seed/gpu.Dockerfile"].assert_eq(&gpu.render());
    assert!(gpu
        .render()
        .starts_with(&cpu.render().split("\n\n").next().unwrap().to_string()));
    assert!(tensorflow::seed(Variant::Naive).is_none());
    assert!(tensorflow::seed(Variant::Multistage).is_none());
    assert!(tensorflow::seed(Variant::Pruned).is_none());
}

/// Every rendering passes the checks of `stagecraft lint` with no error.
#[test]
fn every_rendering_passes_lint() {
    let mut texts = Vec::new();
    for variant in Variant::ALL {
        for site in [false, true] {
            texts.push((
                format!("{variant} (site CA {site})"),
                tensorflow::dockerfile_for_site(variant, site)
                    .unwrap()
                    .render(),
            ));
        }
    }
    texts.push(("seed cpu".into(), tensorflow::seed_cpu().unwrap().render()));
    texts.push(("seed gpu".into(), tensorflow::seed_gpu().unwrap().render()));
    let options = stagecraft::rules::dockerfile::Options::default();
    for (name, text) in texts {
        let findings = stagecraft::rules::dockerfile::lint(&text, &options)
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        let errors: Vec<_> = findings
            .iter()
            .filter(|f| f.severity == stagecraft::rules::Severity::Error)
            .map(|f| format!("{name}:{}: {}", f.line, f.message))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
}

/// Prints, one per line, the Debian packages owning the system libraries
/// that `ldd` resolves for the shared objects in the venv (the wheels'
/// own bundled libraries, under `/opt`, left out).
const LIBRARY_PACKAGES: &str = "cd /opt/venv/lib/python3.11/site-packages \
    && find . -name '*.so*' -type f -exec ldd {} + 2>/dev/null \
    | awk '$2 == \"=>\" && $3 ~ /^\\// && $3 !~ /^\\/opt\\// { print $3 }' | sort -u \
    | while read -r lib; do dpkg -S \"$lib\" 2>/dev/null || dpkg -S \"$(readlink -f \"$lib\")\"; done \
    | cut -d: -f1 | sort -u";

#[test]
fn tensorflow_images_build_run_and_shrink() {
    if std::env::var("STAGECRAFT_HEAVY").as_deref() != Ok("1") {
        // Written to stderr directly: libtest captures eprintln!.
        let _ = writeln!(
            std::io::stderr(),
            "skipping: the TensorFlow build pulls 334 MB of wheels from PyPI; set STAGECRAFT_HEAVY=1 to run it"
        );
        return;
    }
    let Some(engine) = engine_or_skip() else {
        return;
    };
    let id = run_id("tensorflow");
    let _cleanup = Cleanup {
        engine: &engine,
        id: id.clone(),
    };
    let site_ca = SiteCa::from_env().unwrap_or_else(|error| panic!("{error}"));
    let start = Instant::now();
    let mut sizes = Vec::new();
    let mut naive_image = None;
    for variant in Variant::ALL {
        let dockerfile = tensorflow::dockerfile_for_site(variant, site_ca.is_some())
            .expect("the tensorflow Dockerfile is valid");
        let options = BuildOptions::new().run_label(&id).quiet();
        let options = match &site_ca {
            Some(site) => options.site_ca(site),
            None => options,
        };
        let built = support::build(
            &engine,
            &dockerfile,
            &options,
            &format!("tensorflow {variant}"),
        );
        let outcome = engine
            .smoke(
                &SmokeTest::new(&built.image_id)
                    .run_label(&id)
                    .args(tensorflow::smoke_args())
                    .env("TF_CPP_MIN_LOG_LEVEL", "2")
                    .without_network()
                    .timeout(Duration::from_secs(180))
                    .expect_exit(0),
            )
            .unwrap_or_else(|error| panic!("running tensorflow {variant}: {error}"));
        println!("tensorflow {variant} says: {}", outcome.stdout.trim_end());
        assert_eq!(
            outcome.stdout.trim_end(),
            tensorflow::SMOKE_OUTPUT,
            "{variant}: stderr {}",
            outcome.stderr
        );
        let report = engine.inspect(&built.image_id).expect("inspect");
        println!("tensorflow {variant}: {} bytes", report.size);
        sizes.push((variant, report.size));
        if variant == Variant::Naive {
            naive_image = Some(built.image_id);
        }
    }
    print!(
        "{}",
        Comparison::new(sizes.iter().map(|(v, s)| (v.name(), *s))).to_table()
    );
    println!("in {:.1}s", start.elapsed().as_secs_f64());
    let size = |variant: Variant| sizes.iter().find(|(v, _)| *v == variant).unwrap().1;
    let (naive, multistage, distroless) = (
        size(Variant::Naive),
        size(Variant::Multistage),
        size(Variant::Distroless),
    );
    let pruned = size(Variant::Pruned);

    // Every system library the wheels' shared objects load is in the
    // distroless base: no harvest needed. Asked of the naive image, which
    // has the same venv, ldd and dpkg.
    let naive_image = naive_image.expect("naive was built first");
    let outcome = engine
        .smoke(
            &SmokeTest::new(&naive_image)
                .run_label(&id)
                .entrypoint(["/bin/sh", "-c", LIBRARY_PACKAGES])
                .without_network()
                .timeout(Duration::from_secs(180))
                .expect_exit(0),
        )
        .expect("listing the libraries of the wheels");
    let needed: Vec<&str> = outcome.stdout.lines().collect();
    println!("the wheels load system libraries from: {needed:?}");
    assert!(needed.contains(&"libc6"), "{}", outcome.stdout);
    let base = Flavor::Python3.packages();
    let missing: Vec<_> = needed.iter().filter(|p| !base.contains(p)).collect();
    assert!(
        missing.is_empty(),
        "not in the distroless python3: {missing:?}"
    );
    assert!(
        pruned < distroless && distroless < multistage && multistage < naive,
        "expected pruned ({pruned} B) < distroless ({distroless} B) < multistage ({multistage} B) \
         < naive ({naive} B)"
    );
}
