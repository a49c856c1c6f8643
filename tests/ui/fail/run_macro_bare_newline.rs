// A bare newline in a RUN command would start a new Dockerfile instruction.
fn main() {
    let _run = stagecraft::run!("apt-get update\nUSER root");
}
