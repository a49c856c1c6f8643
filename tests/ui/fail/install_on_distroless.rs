// A distroless stage has no shell and no package manager.
use stagecraft::packages::Apt;
use stagecraft::{distroless, Dockerfile};

fn main() {
    let mut df = Dockerfile::builder();
    df.anonymous_stage(distroless("gcr.io/distroless/cc-debian12"))
        .install(Apt::install(["curl"]));
}
