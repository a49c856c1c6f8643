// A stage based on a shell-less stage inherits its lack of a shell.
use stagecraft::{run, scratch, Dockerfile};

fn main() {
    let mut df = Dockerfile::builder();
    let base = df.stage("base", scratch()).done();
    df.anonymous_stage(&base).run(run!("ls /"));
}
