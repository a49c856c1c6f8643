// The same install in a build-only stage: the stage-aware rules only warn
// (the lists never reach the image), but the typed model holds every RUN
// to the rules of a stage that ships (`Run::checked`), so it cannot hold
// this one. The message says so.
fn main() {
    let _ = stagecraft::dockerfile!(r#"
FROM debian:bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc
FROM scratch
COPY --from=build /usr/bin/gcc /gcc
ENTRYPOINT ["/gcc"]
"#);
}
