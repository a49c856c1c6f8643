// include_dockerfile! of a clean file; the path is relative to the package
// root (see the docs of include_dockerfile! for how trybuild's generated
// package is handled).
use stagecraft::{include_dockerfile, Dockerfile};

fn main() {
    let df: Dockerfile = include_dockerfile!("tests/ui/dockerfiles/fortune-scratch.Dockerfile");
    assert_eq!(df.stages().len(), 2);
    // Comments are kept: the one before the first FROM comes first.
    assert!(df.render().starts_with(
        "# A fixture for include_dockerfile!: the workshop's fortune answer.\n\
         FROM debian:bookworm-slim AS build\n"
    ));
}
