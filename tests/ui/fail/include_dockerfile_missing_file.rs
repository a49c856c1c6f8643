// A path that names no file.
fn main() {
    let _ = stagecraft::include_dockerfile!("tests/ui/dockerfiles/no-such.Dockerfile");
}
