//! The catalogue without a daemon: a tree read with its manifests, its
//! build graph, its errors, and the bake file it renders (golden).

use std::path::Path;

use expect_test::expect;
use stagecraft::catalogue::{to_bake_json, Catalogue, CatalogueError, CatalogueImage};

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A small site: a base, a tool on it, an app copying from both, a
/// variant, and a skipped scratchpad; a root manifest and one deeper.
fn site() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    write(
        r,
        "base/Dockerfile",
        "FROM debian:bookworm-slim\nRUN echo base > /etc/base\n",
    );
    write(
        r,
        "tools/hello/1.0/Dockerfile",
        "ARG BASE=site/base:latest\nFROM ${BASE} AS build\nRUN echo hello > /hello\n\
         FROM build AS runtime\nCMD [\"cat\", \"/hello\"]\n",
    );
    write(r, "tools/hello/1.0/data.txt", "data\n");
    write(
        r,
        "tools/hello/1.0/Dockerfile.debug",
        "FROM site/tools/hello:1.0\nRUN echo debug\n",
    );
    write(
        r,
        "apps/report/2/Dockerfile",
        "FROM site/base:latest\nCOPY --from=site/tools/hello:1.0 /hello /hello\n",
    );
    write(r, "scratchpad/Dockerfile", "FROM nothing-here\n");
    write(
        r,
        "catalogue.toml",
        "prefix = \"site\"\n[images.\"scratchpad/Dockerfile\"]\nskip = true\n",
    );
    write(
        r,
        "tools/hello/catalogue.toml",
        "[images.\"1.0/Dockerfile\"]\nname = \"hello\"\ntarget = \"runtime\"\n\
         args = { GREETING = \"hi\" }\ncontext = \"1.0\"\n\
         smoke = { args = [\"cat\", \"/hello\"], stdout_contains = \"hello\" }\n",
    );
    root
}

#[test]
fn a_tree_reads_with_its_manifests_in_build_order() {
    let root = site();
    let catalogue = Catalogue::from_dir(root.path()).unwrap();
    let graph = catalogue.graph().unwrap();
    let rows: Vec<String> = graph
        .order()
        .iter()
        .map(|&i| {
            let image = &catalogue.images()[i];
            let parents: Vec<&str> = graph
                .parents(i)
                .iter()
                .map(|&p| catalogue.images()[p].name())
                .collect();
            format!(
                "{} {:?} target={:?} args={:?} parents={parents:?} smoke={}",
                image.name(),
                image.tags(),
                image.target_stage(),
                image.build_args(),
                image.smoke_test().is_some()
            )
        })
        .collect();
    expect![[r#"
        base ["site/base:latest"] target=None args={} parents=[] smoke=false
        hello ["site/tools/hello:1.0"] target=Some("runtime") args={"GREETING": "hi"} parents=["base"] smoke=true
        apps/report/2 ["site/apps/report:2"] target=None args={} parents=["base", "hello"] smoke=false
        tools/hello/1.0.debug ["site/tools/hello:1.0-debug"] target=None args={} parents=["hello"] smoke=false"#]]
    .assert_eq(&rows.join("\n"));
}

#[test]
fn the_bake_file_names_parents_as_target_contexts() {
    let root = site();
    let catalogue = Catalogue::from_dir(root.path()).unwrap();
    expect![[r#"
        {
          "group": {
            "default": {
              "targets": [
                "base",
                "hello",
                "apps-report-2",
                "tools-hello-1-0-debug"
              ]
            }
          },
          "target": {
            "apps-report-2": {
              "context": "apps/report/2",
              "contexts": {
                "site/base:latest": "target:base",
                "site/tools/hello:1.0": "target:hello"
              },
              "dockerfile": "Dockerfile",
              "tags": [
                "site/apps/report:2"
              ]
            },
            "base": {
              "context": "base",
              "dockerfile": "Dockerfile",
              "tags": [
                "site/base:latest"
              ]
            },
            "hello": {
              "args": {
                "GREETING": "hi"
              },
              "context": "tools/hello/1.0",
              "contexts": {
                "site/base:latest": "target:base"
              },
              "dockerfile": "Dockerfile",
              "tags": [
                "site/tools/hello:1.0"
              ],
              "target": "runtime"
            },
            "tools-hello-1-0-debug": {
              "context": "tools/hello/1.0",
              "contexts": {
                "site/tools/hello:1.0": "target:hello"
              },
              "dockerfile": "Dockerfile.debug",
              "tags": [
                "site/tools/hello:1.0-debug"
              ]
            }
          }
        }
    "#]]
    .assert_eq(&to_bake_json(&catalogue, root.path()).unwrap());
}

#[test]
fn a_manifest_error_names_the_file_and_the_key() {
    let root = site();
    write(
        root.path(),
        "base/catalogue.toml",
        "[images.\"Dockerfile\"]\ntagz = [\"x:1\"]\n",
    );
    let error = Catalogue::from_dir(root.path()).unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, CatalogueError::Manifest { .. }), "{text}");
    assert!(text.contains("base/catalogue.toml"), "{text}");
    assert!(text.contains("tagz"), "{text}");
}

#[test]
fn a_manifest_entry_for_no_file_is_refused() {
    let root = site();
    write(
        root.path(),
        "base/catalogue.toml",
        "[images.\"Dockerfile.gone\"]\nskip = true\n",
    );
    let error = Catalogue::from_dir(root.path()).unwrap_err().to_string();
    assert!(error.contains("names no Dockerfile"), "{error}");
}

#[test]
fn duplicate_tags_and_untagged_images_are_refused() {
    let mut catalogue = Catalogue::new();
    catalogue
        .add(CatalogueImage::from_text("a", "FROM debian:bookworm-slim\n").tag("site/a"))
        .unwrap();
    let error = catalogue
        .add(CatalogueImage::from_text("b", "FROM debian:bookworm-slim\n").tag("site/a:latest"))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "images \"a\" and \"b\" have the same tag \"site/a:latest\"; names and tags must be unique in a catalogue"
    );
    let error = catalogue
        .add(CatalogueImage::from_text(
            "c",
            "FROM debian:bookworm-slim\n",
        ))
        .unwrap_err();
    assert!(matches!(error, CatalogueError::NoTag { image } if image == "c"));
    let error = catalogue
        .add(CatalogueImage::from_text("d", "FROM x\n").tag("Site/D:1"))
        .unwrap_err();
    assert!(matches!(error, CatalogueError::BadTag { .. }), "{error}");
}

#[test]
fn the_report_table_shows_every_image_move_and_total() {
    use stagecraft::catalogue::{
        CatalogueReport, DaemonSummary, ImageResult, ImageStatus, Move, SmokeResult,
    };
    let row = |name: &str, status: ImageStatus, daemon: Option<&str>, seconds: f64| ImageResult {
        name: name.into(),
        tags: vec![format!("site/{name}:1")],
        status,
        daemon: daemon.map(str::to_string),
        seconds,
        started: None,
        image_id: None,
        size: Some(80_400_000),
        parent: Some("debian:bookworm-slim".into()),
        parent_size: Some(74_800_000),
        smoke: None,
        serve: None,
        attempts: 1,
        pushed: None,
    };
    let mut app = row("app", ImageStatus::Built, Some("unix:///b.sock"), 4.25);
    app.smoke = Some(SmokeResult {
        passed: false,
        detail: "exit code 1, expected 0".into(),
    });
    app.attempts = 2;
    let report = CatalogueReport::new(
        vec![
            row("base", ImageStatus::Skipped, Some("unix:///a.sock"), 0.04),
            row("tool", ImageStatus::Cached, Some("unix:///a.sock"), 0.3),
            app,
            row(
                "broken",
                ImageStatus::Failed {
                    error: "step 2/2 RUN exit 3 returned 3".into(),
                },
                Some("unix:///b.sock"),
                1.0,
            ),
            row(
                "child",
                ImageStatus::NotBuilt {
                    reason: "its parent broken failed".into(),
                },
                None,
                0.0,
            ),
        ],
        vec![Move {
            image: "app".into(),
            from: "unix:///a.sock".into(),
            to: Some("unix:///b.sock".into()),
            reason: "daemon unix:///a.sock stopped answering: ping failed".into(),
        }],
        vec![
            DaemonSummary {
                host: "unix:///a.sock".into(),
                jobs: 2,
                images: 2,
                transfers: 0,
                lost: Some("ping failed".into()),
            },
            DaemonSummary {
                host: "unix:///b.sock".into(),
                jobs: 1,
                images: 2,
                transfers: 1,
                lost: None,
            },
        ],
        6.5,
    );
    expect![[r#"
        image   status               daemon          time  tries  size     parent                parent size  smoke
        base    skipped (unchanged)  unix:///a.sock  0.0s  1      80.4 MB  debian:bookworm-slim  74.8 MB      -
        tool    cached               unix:///a.sock  0.3s  1      80.4 MB  debian:bookworm-slim  74.8 MB      -
        app     built                unix:///b.sock  4.2s  2      80.4 MB  debian:bookworm-slim  74.8 MB      FAILED
        broken  FAILED               unix:///b.sock  1.0s  1      80.4 MB  debian:bookworm-slim  74.8 MB      -
        child   not built            -               0.0s  1      80.4 MB  debian:bookworm-slim  74.8 MB      -
        app smoke test failed: exit code 1, expected 0
        broken failed: step 2/2 RUN exit 3 returned 3
        child not built: its parent broken failed
        moved app from unix:///a.sock to unix:///b.sock: daemon unix:///a.sock stopped answering: ping failed
        daemon unix:///a.sock (2 jobs): 2 images, 0 moved in, lost: ping failed
        daemon unix:///b.sock (1 jobs): 2 images, 1 moved in
        5 images: 1 built, 1 cached, 1 skipped (unchanged), 1 failed, 1 not built; 1 smoke failures; 5.6s of builds in 6.5s
    "#]].assert_eq(&report.to_table());
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["images"][3]["status"], "failed");
    assert_eq!(json["images"][3]["error"], "step 2/2 RUN exit 3 returned 3");
    assert_eq!(json["totals"]["smoke_failed"], 1);
    assert_eq!(json["moves"][0]["to"], "unix:///b.sock");
}
