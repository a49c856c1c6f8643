// The shell text must be analysable.
fn main() {
    let _run = stagecraft::run!("echo 'unterminated");
}
