// run! checks its command at compile time, so it needs a literal.
fn main() {
    let command = "make";
    let _run = stagecraft::run!(command);
}
