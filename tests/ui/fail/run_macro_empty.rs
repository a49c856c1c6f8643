// An empty RUN is refused.
fn main() {
    let _run = stagecraft::run!("   ");
}
