// The modern language through the builders and the macro: a base from a
// global ARG has a shell (RUN compiles), a platform ARG, COPY --from an
// image, VOLUME, ONBUILD (with a heredoc), directives and comments.
use stagecraft::model::AutomaticArg;
use stagecraft::{run, CopySpec, Dockerfile, ImageRef};

fn main() {
    let mut df = Dockerfile::builder();
    let base = df.global_arg("BASE", Some("debian:bookworm-slim"));
    df.anonymous_stage(&base)
        .platform(AutomaticArg::TargetPlatform)
        .run(run!("true"))
        .copy_spec(
            CopySpec::new(["/uv"], "/bin/")
                .from_image(ImageRef::parse("ghcr.io/astral-sh/uv:0.5").unwrap()),
        )
        .volume(["/data"]);
    let _ = df.build().unwrap();

    let model = stagecraft::dockerfile!(
        r#"# syntax=docker/dockerfile:1
ARG BASE=debian:bookworm-slim
# the only stage
FROM --platform=$BUILDPLATFORM ${BASE:-debian:bookworm-slim}
COPY --from=ghcr.io/astral-sh/uv:0.5 /uv /bin/
VOLUME /data
ONBUILD COPY . /app/
ONBUILD COPY <<app.conf /etc/app/
port=80
app.conf
EXPOSE $PORT
"#
    );
    assert!(model.render().starts_with("# syntax=docker/dockerfile:1\n"));
    assert!(model
        .render()
        .contains("ONBUILD COPY <<app.conf /etc/app/\nport=80\napp.conf\n"));
}
