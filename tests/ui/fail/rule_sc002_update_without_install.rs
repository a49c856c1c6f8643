// SCR002: an apt-get update alone leaves a stale index layer.
fn main() {
    let _run = stagecraft::run!("apt-get update");
}
