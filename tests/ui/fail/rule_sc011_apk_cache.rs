// SCR011 (DL3019): apk keeps its index in the layer.
fn main() {
    let _run = stagecraft::run!("apk add curl");
}
