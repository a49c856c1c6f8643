// SCR014 (DL3036): zypper keeps its cache in the layer.
fn main() {
    let _run = stagecraft::run!("zypper --non-interactive install gcc");
}
