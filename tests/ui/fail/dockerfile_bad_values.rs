// dockerfile! refuses a bad value in its slot with the words the model's own
// validation uses (one set of value checks, `rules::values`), each with its
// line and fix.
fn main() {
    let _ = stagecraft::dockerfile!(r#"FROM debian:bookworm-slim
ARG 9VERSION=1
COPY --chmod=0788 --chown=a:b:c app /opt/app
STOPSIGNAL TERM
"#);
}
