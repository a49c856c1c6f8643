//! Server smoke tests against the real daemon: a busybox httpd image (from
//! Debian's `busybox` package on `debian:bookworm-slim`) with a
//! `HEALTHCHECK`, found ready by its health and by its port, probed by HTTP
//! and by a command; then the ways it fails: a probe that gets a 404, a
//! server that turns unhealthy, one that exits, one that never listens.
//! Every container is gone afterwards.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use stagecraft::catalogue::{build, Catalogue, CatalogueImage, Endpoint, RunOptions, Serve};
use stagecraft::engine::{
    BuildOptions, ConnectOptions, Engine, Ready, ServeError, ServeTest, DEFAULT_HOST, RUN_LABEL,
};

const WEB: &str = "\
FROM debian:bookworm-slim
RUN apt-get update \\
 && apt-get install -y --no-install-recommends busybox \\
 && rm -rf /var/lib/apt/lists/*
RUN mkdir -p /srv && echo 'hello from a served catalogue image' > /srv/index.html
HEALTHCHECK --interval=1s --timeout=2s --retries=3 \\
  CMD [\"busybox\", \"wget\", \"-q\", \"-O\", \"/dev/null\", \"http://127.0.0.1:8080/\"]
EXPOSE 8080
CMD [\"busybox\", \"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/srv\"]
";

#[test]
fn a_server_is_found_ready_probed_and_removed_and_its_failures_say_why() {
    let Some(blocking) = support::engine_or_skip() else {
        return;
    };
    let run = support::run_id("serve");
    let _cleanup = support::Cleanup {
        engine: &blocking,
        id: run.clone(),
    };
    let tag = format!("serve-{run}/web:1");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let engine = Engine::connect_with(&ConnectOptions::new()).await.unwrap();
        let options = BuildOptions::new().quiet().tag(&tag).run_label(&run);
        engine
            .build_text(WEB, &options)
            .await
            .expect("the web image builds");
        let test = || {
            ServeTest::new(&tag)
                .run_label(&run)
                .ready_within(Duration::from_secs(30))
        };

        // Healthy (it has a HEALTHCHECK), then GET / answers the page.
        let healthy = engine
            .serve_test(
                &test()
                    .port(8080)
                    .http_get("/", 200)
                    .body_contains("hello from a served"),
            )
            .await
            .expect("the healthy path passes");
        assert_eq!(healthy.ready, "healthy");
        assert_eq!(healthy.probe, "GET / -> 200, 36 bytes");

        // Ready by its port; the probe a command run in it.
        let by_port = engine
            .serve_test(
                &test()
                    .port(8080)
                    .ready_when(Ready::Port)
                    .exec(["busybox", "cat", "/srv/index.html"], 0)
                    .stdout_contains("served"),
            )
            .await
            .expect("ready by port");
        assert_eq!(by_port.ready, "port 8080 answered");
        assert_eq!(
            by_port.probe,
            "`busybox cat /srv/index.html` exited 0: hello from a served catalogue image"
        );

        // A probe that gets a 404.
        let error = engine
            .serve_test(&test().port(8080).http_get("/missing", 200))
            .await
            .unwrap_err();
        assert!(
            matches!(&error, ServeError::ProbeFailed { failures, .. }
                if failures == &["GET /missing answered 404, not 200"]),
            "{error}"
        );

        // httpd on another port: the HEALTHCHECK fails three times.
        let error = engine
            .serve_test(&test().args(["busybox", "httpd", "-f", "-p", "9090", "-h", "/srv"]))
            .await
            .unwrap_err();
        assert!(matches!(error, ServeError::Unhealthy { .. }), "{error}");

        // A server that exits at once.
        let error = engine
            .serve_test(&test().args(["busybox", "sh", "-c", "echo bye; exit 3"]))
            .await
            .unwrap_err();
        assert!(
            matches!(&error, ServeError::Exited { exit_code: 3, logs, .. } if logs == "bye"),
            "{error}"
        );

        // Nothing listens on 9999 (Docker's proxy accepts, then closes).
        let error = engine
            .serve_test(
                &test()
                    .port(9999)
                    .ready_when(Ready::Port)
                    .ready_within(Duration::from_secs(3)),
            )
            .await
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("was not ready within 3s (port 9999 to answer)"),
            "{error}"
        );

        // Declared in a catalogue: the row carries the result.
        let mut catalogue = Catalogue::new();
        catalogue
            .add(
                CatalogueImage::from_text("web", WEB)
                    .tag(&tag)
                    .serve(Serve::http(8080, "/").expect_body_contains("served")),
            )
            .unwrap();
        let report = build(
            &catalogue,
            &[Endpoint::new(DEFAULT_HOST, 1)],
            &RunOptions::new().run_label(&run),
        )
        .await
        .unwrap();
        let row = report.image("web").unwrap();
        let serve = row.serve.as_ref().expect("the server test ran");
        assert!(serve.passed, "{}", report.to_table());
        assert!(
            serve.detail.starts_with("healthy after "),
            "{}",
            serve.detail
        );
        assert!(
            serve.detail.ends_with("; GET / -> 200, 36 bytes"),
            "{}",
            serve.detail
        );

        // Every test's container is gone.
        let filters = HashMap::from([("label", vec![format!("{RUN_LABEL}={run}")])]);
        let left = engine
            .docker()
            .list_containers(Some(
                stagecraft::engine::bollard::query_parameters::ListContainersOptionsBuilder::new()
                    .all(true)
                    .filters(&filters)
                    .build(),
            ))
            .await
            .unwrap();
        assert!(left.is_empty(), "containers left behind: {left:?}");
    });
}
