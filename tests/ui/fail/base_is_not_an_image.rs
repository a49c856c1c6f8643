// A stage's base is an image reference, scratch(), shell_less(..) or a &StageRef.
use stagecraft::Dockerfile;

fn main() {
    let mut df = Dockerfile::builder();
    df.stage("build", 16.04);
}
