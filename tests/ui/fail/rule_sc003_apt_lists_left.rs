// SCR003 (DL3009): the package lists stay in the layer.
fn main() {
    let _run = stagecraft::run!("apt-get update && apt-get install -y --no-install-recommends curl");
}
