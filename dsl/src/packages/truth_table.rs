//! One truth for the recipes and the rules: every cached recipe renders a
//! `RUN` the rules find clean given its mounts, and every variant whose
//! mounts do not keep the caches out of the layer fires the cleanup rule.
//! Checked twice: on the `RUN`'s text with its mounts as context, and on a
//! whole Dockerfile the linter parses (the mounts read from the text).

use stagecraft_rules::catalogue::PINNING;
use stagecraft_rules::dockerfile::{lint, Options};
use stagecraft_rules::{check_run, RunContext};

use super::*;

struct Case {
    name: &'static str,
    run: CachedRun,
    /// A variant's mount targets and the rule it must fire.
    wrong: Vec<(&'static [&'static str], &'static str)>,
}

fn cases() -> Vec<Case> {
    let case = |name, recipe: Result<CachedRun, RecipeError>, wrong| Case {
        name,
        run: recipe.unwrap_or_else(|e| panic!("{name}: {e}")),
        wrong,
    };
    vec![
        case(
            "apt",
            CachedRun::new(Apt::install(["curl"]).cached()),
            vec![
                (&["/var/cache/apt"][..], "SCR003"),
                (&["/var/lib/apt"], "SCR003"),
                (&["/var/lib/apt/lists"], "SCR003"),
                (&["/var/cache/apt", "/var/lib/dpkg"], "SCR003"),
                (&[], "SCR003"),
            ],
        ),
        case(
            "pip",
            CachedRun::new(Pip::install(["flask"]).cached()),
            vec![
                (&["/root/.cache/pip-old"], "SCR009"),
                (&["/tmp/pip"], "SCR009"),
            ],
        ),
        case(
            "apk",
            CachedRun::new(Apk::add(["curl"]).cached()),
            vec![(&["/var/cache/apk-old"], "SCR011"), (&[], "SCR011")],
        ),
        case(
            "dnf",
            CachedRun::new(Dnf::install(["gcc-11.4.1"]).cached()),
            vec![
                (&["/var/cache/rpm"], "SCR013"),
                (&["/var/lib/dnf"], "SCR013"),
            ],
        ),
        case(
            "yum",
            CachedRun::new(Dnf::yum(["gcc-11.4.1"]).cached()),
            vec![(&["/var/cache/dnf-old"], "SCR012")],
        ),
        case(
            "microdnf",
            CachedRun::new(Dnf::microdnf(["gcc-11.4.1"]).cached()),
            vec![(&["/var/cache/microdnf"], "SCR013")],
        ),
        case(
            "zypper",
            CachedRun::new(Zypper::install(["gcc=13"]).cached()),
            vec![(&["/var/cache/zypper"], "SCR014")],
        ),
        case(
            "conda",
            CachedRun::new(Conda::install(["numpy"]).cached()),
            vec![(&["/opt/conda/pkgs-old"], "SCR010"), (&[], "SCR010")],
        ),
        case(
            "micromamba",
            CachedRun::new(
                Conda::install(["numpy"])
                    .tool(CondaTool::Micromamba)
                    .cached()
                    .pkgs_dir("/root/micromamba/pkgs"),
            ),
            vec![(&[], "SCR010")],
        ),
        case(
            "npm",
            CachedRun::new(Npm::ci().cached()),
            vec![
                (&["/root/.npm-old"], "SCR015"),
                (&["/app/node_modules"], "SCR015"),
            ],
        ),
        case(
            "yarn",
            CachedRun::new(Yarn::install().cached()),
            vec![
                (&["/opt/yarn"], "SCR016"),
                (&["/usr/local/share/yarn"], "SCR016"),
            ],
        ),
        case(
            "apt+pip",
            CachedRun::new(
                Apt::install(["python3-pip"])
                    .cached()
                    .and(Pip::install(["flask"]).break_system_packages().cached()),
            ),
            vec![(&["/var/cache/apt", "/var/lib/apt"], "SCR009")],
        ),
    ]
}

/// Cleanup findings (pins are the caller's: a recipe cannot pin them).
fn ids_with(text: &str, ctx: &RunContext) -> Vec<&'static str> {
    check_run(text, ctx)
        .unwrap()
        .into_iter()
        .filter(|f| !PINNING.contains(&f.rule))
        .map(|f| f.rule.id)
        .collect()
}

/// Findings of the linter on `FROM debian:bookworm-slim` + `run`, pins aside.
fn lint_ids(run: &str) -> Vec<&'static str> {
    let text = format!("FROM debian:bookworm-slim\n{run}\n");
    lint(&text, &Options::default())
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .into_iter()
        .filter(|f| f.line == 2 && !PINNING.contains(&f.rule))
        .map(|f| f.rule.id)
        .collect()
}

fn with_mounts(targets: &[&str], shell: &str) -> (RunContext, String) {
    let ctx = targets
        .iter()
        .fold(RunContext::shipped(), |ctx, t| ctx.with_cache_mount(*t));
    let flags: String = targets
        .iter()
        .map(|t| format!("--mount=type=cache,target={t} "))
        .collect();
    (ctx, format!("RUN {flags}{shell}"))
}

#[test]
fn cached_recipes_lint_clean_and_wrong_mounts_fire_the_cleanup_rule() {
    for Case { name, run, wrong } in cases() {
        let shell = run.shell();
        assert_eq!(
            ids_with(&shell, &run.lint_context()),
            Vec::<&str>::new(),
            "{name}"
        );
        assert_eq!(lint_ids(&run.instruction()), Vec::<&str>::new(), "{name}");
        for (targets, rule) in wrong {
            let (ctx, instruction) = with_mounts(targets, &shell);
            let found = ids_with(&shell, &ctx);
            assert!(found.contains(&rule), "{name} {targets:?}: {found:?}");
            let linted = lint_ids(&instruction);
            assert!(linted.contains(&rule), "{name} {targets:?}: {linted:?}");
        }
    }
}

/// tmpfs keeps the bytes out of the layer as a cache mount does; a bind
/// mount of the build context on the same target does not count.
#[test]
fn tmpfs_counts_and_bind_does_not() {
    assert!(
        lint_ids("RUN --mount=type=tmpfs,target=/root/.cache/pip pip install flask").is_empty()
    );
    assert_eq!(
        lint_ids("RUN --mount=type=bind,target=/root/.cache/pip pip install flask"),
        ["SCR009"]
    );
}

/// A cached form's rendered RUN is refused when the rules would flag it: a
/// recipe cannot be made cached with mounts the rules do not accept.
#[test]
fn a_cached_recipe_with_a_wrong_mount_is_refused() {
    let error = CachedRun::new(
        Conda::install(["numpy"])
            .cached()
            .pkgs_dir("/opt/conda/pkg-cache"),
    )
    .unwrap_err();
    assert!(error.to_string().contains("SCR010"), "{error}");
}

#[test]
fn cached_forms_render_as_the_goldens() {
    let mut text = String::new();
    for Case { name, run, .. } in cases() {
        text.push_str(&format!("# {name}\n{}\n\n", run.instruction()));
    }
    let cargo = CachedRun::new(Cargo::build_release("hello").cached()).unwrap();
    text.push_str(&format!("# cargo\n{}\n", cargo.instruction()));
    expect_test::expect_file!["cached_recipes.golden"].assert_eq(&text);
}

/// The model takes every cached form with its mounts typed, and its checks
/// agree with the rules': the rendered Dockerfile carries the mounts.
#[test]
fn the_model_takes_every_cached_form() {
    for Case { name, run, .. } in cases() {
        let typed = run.to_run().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(typed.mounts().len(), run.mounts().len(), "{name}");
        let mut df = crate::Dockerfile::builder();
        df.stage("build", "debian:bookworm-slim").run(typed);
        let text = df
            .build()
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .render();
        for mount in run.mounts() {
            assert!(text.contains(&mount.to_string()), "{name}: {text}");
        }
    }
}
