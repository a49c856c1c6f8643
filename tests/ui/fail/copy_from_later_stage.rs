// A stage declared later has no StageRef yet: it cannot be copied from.
use stagecraft::{scratch, Dockerfile};

fn main() {
    let mut df = Dockerfile::builder();
    df.stage("runtime", scratch())
        .copy_from(&build, "/usr/games/fortune", "/usr/games/fortune");
    let build = df.stage("build", "debian:bookworm-slim").done();
}
