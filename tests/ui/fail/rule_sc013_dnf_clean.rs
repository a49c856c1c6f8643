// SCR013 (DL3040): dnf keeps its cache in the layer.
fn main() {
    let _run = stagecraft::run!("dnf install -y gcc");
}
