// SCR012 (DL3032): yum keeps its cache in the layer.
fn main() {
    let _run = stagecraft::run!("yum install -y gcc");
}
