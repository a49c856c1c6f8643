// SCR004: removing the lists before the install makes it fail ("Unable to locate package").
fn main() {
    let _run = stagecraft::run!("apt-get update && rm -rf /var/lib/apt/lists/* && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*");
}
