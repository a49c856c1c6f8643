// A distroless stage has no shell and no package manager.
use stagecraft::packages::Apt;
use stagecraft::{shell_less, Dockerfile};

fn main() {
    let mut df = Dockerfile::builder();
    df.anonymous_stage(shell_less("gcr.io/distroless/cc-debian12"))
        .install(Apt::install(["curl"]));
}
