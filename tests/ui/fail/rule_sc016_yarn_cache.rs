// SCR016 (DL3060): yarn keeps its cache in the layer.
fn main() {
    let _run = stagecraft::run!("yarn install");
}
