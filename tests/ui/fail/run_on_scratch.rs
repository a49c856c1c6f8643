// A `FROM scratch` stage has no /bin/sh: RUN cannot be written there.
use stagecraft::{run, scratch, Dockerfile};

fn main() {
    let mut df = Dockerfile::builder();
    df.anonymous_stage(scratch()).run(run!("echo hello"));
}
