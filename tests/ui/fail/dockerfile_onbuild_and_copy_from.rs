// ONBUILD's instruction is judged as the same instruction in its stage, and
// COPY --from takes a stage's name or an image reference the model reads.
fn main() {
    let _ = stagecraft::dockerfile!(r#"FROM debian:bookworm-slim AS base
ONBUILD RUN --mount=type=cache,target=/c,sharing=bogus true
ONBUILD COPY --from=0 /a /a
ONBUILD ARG A B
COPY --from=${IMAGE} /a /a
"#);
}
