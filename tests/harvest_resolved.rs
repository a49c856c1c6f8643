//! End-to-end tests of the *resolved* harvest strategy against a real
//! Docker daemon: build the build stage, resolve the closure in Rust from its
//! exported filesystem, render explicit `COPY --from` lines, build and run
//! the `FROM scratch` image.
//!
//! Like `tests/engine.rs`: without a daemon each test prints one
//! `skipping: ...` line and passes, unless `STAGECRAFT_REQUIRE_DOCKER=1`;
//! everything a test makes carries `stagecraft.run=<id>` and is removed
//! by label at the end, passing or not.

use std::time::{Duration, Instant};

use stagecraft::engine::{BuildOptions, SmokeTest};
use stagecraft::harvest::{EntryKind, Harvest, Reason, Resolution, ResolveError, EXPORT_LABEL};
use stagecraft::packages::Apt;
use stagecraft::{run, scratch, Dockerfile};
use stagecraft_workshop::fortune::{self, Variant};

mod support;
use support::TestRun;

const BASE: &str = fortune::BASE;

/// The fortune Dockerfile: the build stage alone, or with the scratch
/// runtime stage the resolution renders.
fn fortune_dockerfile(resolution: Option<&Resolution>) -> Dockerfile {
    let mut df = Dockerfile::builder();
    let build = df
        .stage("build", BASE)
        .install(Apt::install(["fortune-mod", "fortunes-min"]))
        .done();
    if let Some(resolution) = resolution {
        df.anonymous_stage(scratch())
            .copy_resolved(&build, resolution)
            .env("PATH", "/usr/games:${PATH}")
            .entrypoint(["fortune"]);
    }
    df.build().expect("the fortune Dockerfile is valid")
}

#[test]
fn fortune_resolved_runs_and_is_no_bigger_than_the_hand_list() {
    let Some(run) = TestRun::start("resolved") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.clone());
    let options = BuildOptions::new().run_label(&id).quiet();
    let harvest = Harvest::new()
        .binary("/usr/games/fortune")
        .package_files("fortunes-min");
    let start = Instant::now();
    let resolution = engine
        .resolve(&fortune_dockerfile(None), "build", &harvest, &options)
        .unwrap_or_else(|error| panic!("resolving fortune: {error}"));
    println!(
        "resolved in {:.2}s (build included)\n{}",
        start.elapsed().as_secs_f64(),
        resolution.to_text()
    );
    println!("{}", resolution.to_json());

    let find = |path: &str| {
        resolution
            .files
            .iter()
            .find(|e| e.path == path)
            .unwrap_or_else(|| panic!("{path} is not in the manifest"))
    };
    assert_eq!(find("/usr/games/fortune").reason, Reason::Binary);
    let loader = find("/lib64/ld-linux-x86-64.so.2");
    assert!(matches!(loader.reason, Reason::Loader { .. }), "{loader:?}");
    assert!(
        matches!(loader.kind, EntryKind::Symlink { .. }),
        "{loader:?}"
    );
    let recode = resolution
        .files
        .iter()
        .find(|e| e.path.ends_with("/librecode.so.0"))
        .expect("librecode.so.0 in the manifest");
    assert!(
        matches!(&recode.kind, EntryKind::Symlink { target, kept_as_link: false } if target.ends_with("librecode.so.0.0.0")),
        "{recode:?}"
    );
    assert!(
        matches!(&recode.reason, Reason::NeededBy { library, by } if library == "librecode.so.0" && by == "/usr/games/fortune"),
        "{recode:?}"
    );
    assert!(resolution
        .files
        .iter()
        .any(|e| e.path.ends_with("/libc.so.6")));
    assert!(resolution
        .files
        .iter()
        .any(|e| e.path.starts_with("/usr/share/games/fortunes/")
            && matches!(&e.reason, Reason::Package { name } if name == "fortunes-min")));
    assert!(
        !resolution
            .files
            .iter()
            .any(|e| e.path.starts_with("/usr/share/doc/")),
        "no documentation"
    );
    assert_eq!(resolution.libraries(), 3, "loader, libc, librecode");

    // The partial index resolve() reads gives what a whole export gives.
    let build = engine
        .build(&fortune_dockerfile(None), &options.clone().target("build"))
        .expect("the build stage, cached");
    let whole = engine
        .export(&build.image_id, "build")
        .expect("export")
        .resolve(&harvest)
        .expect("resolves");
    let parts = engine
        .export_for(&build.image_id, "build", &harvest)
        .expect("parts");
    let fetched = parts.fetched().expect("a partial index");
    println!(
        "whole export: {} paths, {} B; parts: {} paths, {} B, {fetched:?}",
        whole.files.len(),
        whole.total_size(),
        parts.len(),
        parts.file_bytes()
    );
    assert!(!fetched.whole, "no fallback to a whole export");
    let shipped = |r: &Resolution| {
        r.files
            .iter()
            .map(|e| {
                (
                    e.path.clone(),
                    e.source.clone(),
                    e.size,
                    e.kind.clone(),
                    e.reason.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    let from_parts = parts.resolve(&harvest).expect("resolves");
    assert_eq!(shipped(&whole), shipped(&from_parts));
    assert_eq!(shipped(&whole), shipped(&resolution));
    assert_eq!(whole.whole_directories, resolution.whole_directories);
    assert_eq!(whole.warnings, resolution.warnings);
    // Asked about another harvest, the partial index says it lacks something.
    let error = parts
        .resolve(&Harvest::new().binary("/usr/bin/perl"))
        .expect_err("not read");
    assert!(
        matches!(error, ResolveError::Incomplete { .. }),
        "{error:?}"
    );

    let dockerfile = fortune_dockerfile(Some(&resolution));
    let text = dockerfile.render();
    println!("{text}");
    assert!(text.contains("COPY --from=build "), "{text}");

    let resolved = engine
        .build(&dockerfile, &options)
        .unwrap_or_else(|error| panic!("building the resolved image: {error}"));
    let outcome = engine
        .smoke(
            &SmokeTest::new(&resolved.image_id)
                .run_label(&id)
                .timeout(Duration::from_secs(30))
                .expect_exit(0)
                .expect_stdout_non_empty(),
        )
        .unwrap_or_else(|error| panic!("running the resolved fortune: {error}"));
    println!("resolved fortune says: {}", outcome.stdout.trim_end());

    let listed = engine
        .build(
            &fortune::dockerfile(Variant::ScratchListed).expect("valid"),
            &options,
        )
        .expect("building the hand-listed variant");
    let resolved_size = engine.inspect(&resolved.image_id).expect("inspect").size;
    let listed_size = engine.inspect(&listed.image_id).expect("inspect").size;
    println!(
        "resolved {resolved_size} B, hand-listed {listed_size} B ({:+.2} %)",
        (resolved_size as f64 / listed_size as f64 - 1.0) * 100.0
    );
    assert!(
        resolved_size as f64 <= listed_size as f64 * 1.02,
        "resolved {resolved_size} B > hand-listed {listed_size} B + 2 %"
    );
}

#[test]
fn bad_input_is_a_typed_error_naming_path_and_stage() {
    let Some(run) = TestRun::start("resolved-bad") else {
        return;
    };
    let (engine, id) = (&run.engine, run.id.clone());
    let mut df = Dockerfile::builder();
    let build = df
        .stage("build", BASE)
        .install(Apt::install(["fortune-mod", "fortunes-min"]))
        .done();
    df.stage("bad", &build).run(run!(
        "printf 'echo hi' > /usr/local/bin/hello && chmod +x /usr/local/bin/hello \
         && mkdir /loop && ln -s /loop/b /loop/a && ln -s /loop/a /loop/b \
         && rm /usr/lib/x86_64-linux-gnu/librecode.so.0"
    ));
    let dockerfile = df.build().unwrap();
    let options = BuildOptions::new().run_label(&id).quiet();

    // Found before anything but the build stage is built.
    let error = engine
        .resolve(
            &dockerfile,
            "bad",
            &Harvest::new().binary("/usr/games/nope"),
            &options,
        )
        .expect_err("no such binary");
    println!("{error}");
    assert!(
        matches!(&error, ResolveError::NotFound { what: "binary", path, stage, .. } if path == "/usr/games/nope" && stage == "bad"),
        "{error:?}"
    );

    // The other cases on one export of the stage.
    let built = engine
        .build(&dockerfile, &options.clone().target("bad"))
        .expect("the bad stage builds");
    let start = Instant::now();
    let fs = engine.export(&built.image_id, "bad").expect("export");
    println!(
        "exported and indexed {} paths ({} MB of files, {} ELF) in {:.2}s",
        fs.len(),
        fs.file_bytes() / 1_000_000,
        fs.elf_files(),
        start.elapsed().as_secs_f64()
    );

    let error = fs
        .resolve(&Harvest::new().binary("/usr/local/bin/hello"))
        .expect_err("a script");
    println!("{error}");
    assert!(
        matches!(&error, ResolveError::NotElf { path, stage, .. } if path == "/usr/local/bin/hello" && stage == "bad"),
        "{error:?}"
    );

    let error = fs
        .resolve(&Harvest::new().binary("/usr/games/fortune"))
        .expect_err("librecode is gone");
    println!("{error}");
    match &error {
        ResolveError::MissingLibraries { stage, missing } => {
            assert_eq!(stage, "bad");
            assert_eq!(missing.len(), 1, "{missing:?}");
            assert_eq!(missing[0].library, "librecode.so.0");
            assert_eq!(missing[0].needed_by, "/usr/games/fortune");
            assert!(missing[0]
                .searched
                .contains(&"/usr/lib/x86_64-linux-gnu".to_string()));
        }
        other => panic!("{other:?}"),
    }

    let error = fs
        .resolve(&Harvest::new().path("/loop/a"))
        .expect_err("a loop");
    println!("{error}");
    assert!(
        matches!(&error, ResolveError::SymlinkLoop { path, stage, .. } if path == "/loop/a" && stage == "bad"),
        "{error:?}"
    );

    let error = fs
        .resolve(&Harvest::new().package_files("cowsay"))
        .expect_err("not installed");
    println!("{error}");
    assert!(
        matches!(&error, ResolveError::PackageNotInstalled { name, stage } if name == "cowsay" && stage == "bad"),
        "{error:?}"
    );

    let error = fs
        .resolve(&Harvest::new().binary("usr/games/fortune"))
        .expect_err("relative");
    assert!(matches!(error, ResolveError::Harvest(_)), "{error:?}");

    // No export container stays behind.
    use stagecraft::engine::bollard::query_parameters::ListContainersOptionsBuilder;
    use std::collections::HashMap;
    let filters = HashMap::from([
        ("label", vec![EXPORT_LABEL.to_string()]),
        ("ancestor", vec![built.image_id.clone()]),
    ]);
    let left = engine
        .block_on(
            engine.as_async().docker().list_containers(Some(
                ListContainersOptionsBuilder::new()
                    .all(true)
                    .filters(&filters)
                    .build(),
            )),
        )
        .expect("listing containers");
    assert!(left.is_empty(), "export containers left: {left:?}");
}
