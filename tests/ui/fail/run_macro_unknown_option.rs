// run! takes mount, network and security before the command.
fn main() {
    let _run = stagecraft::run!(cache = "/root/.cache/pip", "make");
}
