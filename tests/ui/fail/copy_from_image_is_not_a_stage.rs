// `CopySpec::from` takes a declared stage; an image goes through `from_image`.
use stagecraft::{CopySpec, Dockerfile, ImageRef};

fn main() {
    let uv = ImageRef::parse("ghcr.io/astral-sh/uv:0.5").unwrap();
    let mut df = Dockerfile::builder();
    df.anonymous_stage("python:3.12-slim")
        .copy_spec(CopySpec::new(["/uv"], "/bin/").from(&uv));
}
