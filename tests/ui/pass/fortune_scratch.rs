// The workshop's fortune answer: a build stage and a scratch runtime.
use stagecraft::packages::Apt;
use stagecraft::{scratch, Dockerfile};

fn main() {
    let mut df = Dockerfile::builder();
    let build = df
        .stage("build", "ubuntu:16.04")
        .install(Apt::install(["fortune", "fortunes-min"]))
        .done();
    df.anonymous_stage(scratch())
        .copy_from(&build, "/usr/games/fortune", "/usr/games/fortune")
        .env("PATH", "/usr/games:${PATH}")
        .entrypoint(["fortune"]);
    df.build().unwrap();
}
