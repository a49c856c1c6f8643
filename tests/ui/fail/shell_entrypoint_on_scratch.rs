// The shell form of ENTRYPOINT runs `/bin/sh -c`, which scratch lacks.
use stagecraft::{scratch, Dockerfile};

fn main() {
    let mut df = Dockerfile::builder();
    df.anonymous_stage(scratch())
        .entrypoint_shell("fortune | cowsay");
}
