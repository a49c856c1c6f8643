// SCR001: apt-get install needs apt-get update in the same RUN.
fn main() {
    let _run = stagecraft::run!("apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*");
}
