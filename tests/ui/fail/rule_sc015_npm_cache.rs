// SCR015: npm keeps its cache in the layer.
fn main() {
    let _run = stagecraft::run!("npm install");
}
