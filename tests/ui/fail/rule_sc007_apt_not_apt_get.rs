// SCR007 (DL3027), a warning: `apt` is for people, `apt-get` for scripts.
// Warnings of run! are deprecation warnings; deny them to see one as an error.
#![deny(deprecated)]

fn main() {
    let _run = stagecraft::run!("apt update && apt install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*");
}
