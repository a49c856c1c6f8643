// SCR017 (DL4006), a warning: a pipe hides the failure of its left side.
#![deny(deprecated)]

fn main() {
    let _run = stagecraft::run!("curl -fsS https://example.com/app.tar.gz | tar -xz -C /opt");
}
