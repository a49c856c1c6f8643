// dockerfile! takes a string literal.
fn main() {
    let text = "FROM scratch";
    let _ = stagecraft::dockerfile!(text);
}
