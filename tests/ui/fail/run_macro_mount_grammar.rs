// run!'s mounts are read at compile time by the grammar dockerfile! uses:
// each bad option is an error on its literal.
fn main() {
    let _run = stagecraft::run!(
        mount = "type=cache,target=/root/.cache/pip,sharing=bogus",
        mount = "type=volume,target=/v",
        mount = "type=tmpfs,target=/t,sharing=locked",
        mount = "type=secret,id=-token",
        network = "bridge",
        "make"
    );
}
