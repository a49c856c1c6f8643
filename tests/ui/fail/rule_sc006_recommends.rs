// SCR006 (DL3015): recommended packages are installed too.
fn main() {
    let _run = stagecraft::run!("apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*");
}
