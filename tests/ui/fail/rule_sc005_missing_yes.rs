// SCR005 (DL3014): without -y apt-get aborts in a build.
fn main() {
    let _run = stagecraft::run!("apt-get update && apt-get install --no-install-recommends curl && rm -rf /var/lib/apt/lists/*");
}
