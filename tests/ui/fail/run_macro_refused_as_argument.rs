// A refused `run!` passed as an argument: its errors, and nothing else (no
// "unreachable call" warning from the expansion).
#![deny(warnings)]

fn main() {
    let mut df = stagecraft::Dockerfile::builder();
    df.anonymous_stage("debian:bookworm-slim")
        .run(stagecraft::run!("pip install numpy==2.1.0"));
}
