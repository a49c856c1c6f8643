// SCR009 (DL3042): pip keeps its cache in the layer.
fn main() {
    let _run = stagecraft::run!("pip install numpy");
}
