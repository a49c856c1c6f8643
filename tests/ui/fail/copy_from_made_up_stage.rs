// COPY --from takes the StageRef a declaration returned, not a name.
use stagecraft::{scratch, Dockerfile};

fn main() {
    let mut df = Dockerfile::builder();
    df.anonymous_stage(scratch())
        .copy_from("build", "/usr/games/fortune", "/usr/games/fortune");
}
