// SCR009: a bind mount's writes reach nothing but the RUN: only a cache
// (or tmpfs) mount keeps pip's cache out of the layer, for run! as for lint.
fn main() {
    let _run = stagecraft::run!(mount = "type=bind,target=/root/.cache/pip,rw", "pip install numpy");
}
