// SCR010: conda keeps its package cache in the layer.
fn main() {
    let _run = stagecraft::run!("conda install -y numpy");
}
