// A stage without an alias cannot be named by later stages.
use stagecraft::Dockerfile;

fn main() {
    let mut df = Dockerfile::builder();
    let _stage = df.anonymous_stage("debian:bookworm-slim").done();
}
