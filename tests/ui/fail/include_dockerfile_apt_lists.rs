// include_dockerfile! reports `path:line: rule` for each problem.
fn main() {
    let _ = stagecraft::include_dockerfile!("tests/ui/dockerfiles/apt-lists-left.Dockerfile");
}
