//! End-to-end tests of `package_files` with its dependencies
//! ([`Harvest::package_files_with_dependencies`]) against a real Docker
//! daemon, in both strategies: fortune-mod's closure (fortune-mod,
//! librecode0, libc6, libgcc-s1, gcc-12-base) with fortunes-min (only a
//! `Recommends` of fortune-mod, so declared) is enough for fortune to run
//! from `FROM scratch` with no `binary()` declared; `except_packages` ends the walk; a dependency removed behind
//! dpkg's back is a typed error (resolved) or a failed step naming it
//! (self-contained).
//!
//! Like `tests/engine.rs`: without a daemon each test prints one
//! `skipping: ...` line and passes, unless `STAGECRAFT_REQUIRE_DOCKER=1`;
//! everything a test makes carries `stagecraft.run=<id>` and is removed
//! by label at the end, passing or not.

use std::time::Duration;

use stagecraft::engine::{BuildOptions, EngineError, SmokeTest};
use stagecraft::harvest::{Harvest, Reason, Resolution, ResolveError};
use stagecraft::packages::Apt;
use stagecraft::{run, scratch, Dockerfile, DockerfileBuilder, StageRef, WithShell};

mod support;
use support::TestRun;

const BASE: &str = "debian:bookworm-slim";

/// The build stage with fortune, and a `bad` stage where librecode0 was
/// removed behind dpkg's back (`--force-depends`).
fn build_stages(df: &mut DockerfileBuilder) -> (StageRef<WithShell>, StageRef<WithShell>) {
    let build = df
        .stage("build", BASE)
        .install(Apt::install(["fortune-mod", "fortunes-min"]))
        .done();
    let bad = df
        .stage("bad", &build)
        .run(run!("dpkg --force-depends --purge librecode0"))
        .done();
    (build, bad)
}

const FORTUNE: &str = "/usr/games/fortune";

fn harvest() -> Harvest {
    Harvest::new()
        .package_files_with_dependencies("fortune-mod")
        .package_files("fortunes-min")
}

fn smoke(engine: &stagecraft::engine::blocking::Engine, image: &str, id: &str) -> String {
    engine
        .smoke(
            &SmokeTest::new(image)
                .run_label(id)
                .without_network()
                .timeout(Duration::from_secs(30))
                .expect_exit(0)
                .expect_stdout_non_empty(),
        )
        .unwrap_or_else(|error| panic!("running fortune from the package closure: {error}"))
        .stdout
}

fn reason_of<'a>(resolution: &'a Resolution, suffix: &str) -> &'a Reason {
    &resolution
        .files
        .iter()
        .find(|e| e.path.ends_with(suffix))
        .unwrap_or_else(|| panic!("no {suffix} in the manifest:\n{}", resolution.to_text()))
        .reason
}

#[test]
fn resolved_package_closure_runs_from_scratch() {
    let Some(run) = TestRun::start("packages-resolved") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.clone());
    let options = BuildOptions::new().run_label(&id).quiet();
    let mut df = Dockerfile::builder();
    build_stages(&mut df);
    let stages = df.build().expect("valid");

    let resolution = engine
        .resolve(&stages, "build", &harvest(), &options)
        .unwrap_or_else(|error| panic!("resolving fortune-mod's closure: {error}"));
    println!("{}", resolution.to_text());
    assert_eq!(
        reason_of(&resolution, FORTUNE),
        &Reason::Package {
            name: "fortune-mod".to_string()
        }
    );
    assert_eq!(
        reason_of(&resolution, "/librecode.so.0"),
        &Reason::Dependency {
            name: "librecode0".to_string(),
            of: "fortune-mod".to_string()
        }
    );
    assert_eq!(
        reason_of(&resolution, "/usr/share/games/fortunes/fortunes"),
        &Reason::Package {
            name: "fortunes-min".to_string()
        }
    );
    assert_eq!(
        reason_of(&resolution, "/libgcc_s.so.1"),
        &Reason::Dependency {
            name: "libgcc-s1".to_string(),
            of: "libc6".to_string()
        }
    );
    assert!(
        resolution
            .to_text()
            .contains("package libc6 (dependency of fortune-mod)"),
        "{}",
        resolution.to_text()
    );
    assert!(
        !resolution
            .files
            .iter()
            .any(|e| e.path.starts_with("/usr/share/doc/")),
        "no documentation"
    );

    let mut df = Dockerfile::builder();
    let (build, _) = build_stages(&mut df);
    df.anonymous_stage(scratch())
        .copy_resolved(&build, &resolution)
        .entrypoint([FORTUNE]);
    let dockerfile = df.build().expect("valid");
    let built = engine
        .build(&dockerfile, &options)
        .unwrap_or_else(|error| panic!("building the resolved image: {error}"));
    println!(
        "fortune says: {}",
        smoke(engine, &built.image_id, &id).trim_end()
    );

    // The walk stops at the base's packages, and at their dependencies.
    // The build stage's own image (BuildKit makes none per stage: build it
    // as the target, from the cache).
    let build_image = engine
        .build(&dockerfile, &options.clone().target("build"))
        .expect("the build stage")
        .image_id;
    let fs = engine.export(&build_image, "build").expect("export");
    let stopped = fs
        .resolve(&harvest().except_packages(["libc6"]))
        .expect("resolves");
    let packages: std::collections::BTreeSet<String> = stopped
        .files
        .iter()
        .map(|e| match &e.reason {
            Reason::Package { name } | Reason::Dependency { name, .. } => name.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        packages.into_iter().collect::<Vec<_>>(),
        ["fortune-mod", "fortunes-min", "librecode0"]
    );

    // Bad input: the declared package, or a dependency, not installed.
    let bad = engine
        .resolve(&stages, "bad", &harvest(), &options)
        .expect_err("librecode0 is gone");
    println!("{bad}");
    assert!(
        matches!(&bad, ResolveError::DependencyNotInstalled { package, dependency, of, stage }
            if package == "fortune-mod" && dependency.starts_with("librecode0") && of == "fortune-mod" && stage == "bad"),
        "{bad:?}"
    );
    let error = fs
        .resolve(&Harvest::new().package_files_with_dependencies("cowsay"))
        .expect_err("not installed");
    assert!(
        matches!(&error, ResolveError::PackageNotInstalled { name, stage } if name == "cowsay" && stage == "build"),
        "{error:?}"
    );
}

#[test]
fn self_contained_package_closure_runs_from_scratch() {
    let Some(run) = TestRun::start("packages-script") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.clone());
    let options = BuildOptions::new().run_label(&id).quiet();

    let mut df = Dockerfile::builder();
    let (build, _) = build_stages(&mut df);
    let collected = df.harvest("harvest", &build, harvest());
    df.anonymous_stage(scratch())
        .copy_harvest(&collected)
        .entrypoint([FORTUNE]);
    let dockerfile = df.build().expect("valid");
    let text = dockerfile.render();
    assert!(text.contains("depends fortune-mod nodocs;"), "{text}");
    let built = engine
        .build(&dockerfile, &options)
        .unwrap_or_else(|error| panic!("building the self-contained image: {error}"));
    println!(
        "fortune says: {}",
        smoke(engine, &built.image_id, &id).trim_end()
    );

    // What the image holds: the closure, no documentation.
    let fs = engine.export(&built.image_id, "runtime").expect("export");
    let has = |path: &str| fs.files_under(stagecraft_dir(path)).any(|(p, _)| p == path);
    for path in [
        FORTUNE,
        "/usr/share/games/fortunes/fortunes",
        "/usr/lib/x86_64-linux-gnu/librecode.so.0.0.0",
        "/usr/lib/x86_64-linux-gnu/libc.so.6",
        "/usr/lib/x86_64-linux-gnu/libgcc_s.so.1",
    ] {
        assert!(has(path), "{path} is not in the image");
    }
    assert_eq!(
        fs.files_under("/usr/share/doc").count(),
        0,
        "no documentation"
    );

    // The same stop at the base's packages as the resolved strategy.
    let mut df = Dockerfile::builder();
    let (build, _) = build_stages(&mut df);
    let collected = df.harvest("harvest", &build, harvest().except_packages(["libc6"]));
    df.anonymous_stage(scratch())
        .copy_harvest(&collected)
        .entrypoint([FORTUNE]);
    let stopped = engine
        .build(&df.build().expect("valid"), &options)
        .expect("builds");
    let fs = engine.export(&stopped.image_id, "runtime").expect("export");
    assert!(fs.files_under("/usr/share/games/fortunes").count() > 0);
    assert!(fs
        .files_under("/usr/lib/x86_64-linux-gnu")
        .any(|(p, _)| p.contains("librecode")));
    assert!(
        !fs.files_under("/usr/lib/x86_64-linux-gnu")
            .any(|(p, _)| p.contains("libc.so") || p.contains("libgcc_s")),
        "libc6 and libgcc-s1 (a dependency of libc6) are left to the base"
    );

    // A dependency removed behind dpkg's back fails the step, naming it.
    let mut df = Dockerfile::builder();
    let (_, bad) = build_stages(&mut df);
    let collected = df.harvest("harvest", &bad, harvest());
    df.anonymous_stage(scratch())
        .copy_harvest(&collected)
        .entrypoint([FORTUNE]);
    let error = engine
        .build(&df.build().expect("valid"), &options)
        .expect_err("librecode0 is gone");
    let failure = match &error {
        EngineError::BuildFailed(failure) => failure,
        other => panic!("{other:?}"),
    };
    let log = failure.log_tail.join("\n");
    println!("{log}");
    assert!(
        log.contains("package fortune-mod: its dependency librecode0"),
        "{log}"
    );
}

fn stagecraft_dir(path: &str) -> &str {
    &path[..path.rfind('/').unwrap_or(0).max(1)]
}
