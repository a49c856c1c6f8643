// run! accepts continuations, and shell stages keep the shell forms.
use stagecraft::{shell_less, run, Dockerfile};

fn main() {
    let mut df = Dockerfile::builder();
    let build = df
        .stage("build", "debian:bookworm-slim")
        .shell(["/bin/bash", "-o", "pipefail", "-c"])
        .run(run!("make -j2 \
                   && make install"))
        .run(run!("set -eux; \\\n    make check"))
        .cmd_shell("make test | tee /tmp/log")
        .done();
    let base = df.stage("base", shell_less("gcr.io/distroless/cc-debian12")).done();
    df.anonymous_stage(&base)
        .copy_from(&build, "/usr/local/bin/app", "/app")
        .entrypoint(["/app"]);
    df.build().unwrap();
}
