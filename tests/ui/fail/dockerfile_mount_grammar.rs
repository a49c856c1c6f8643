// dockerfile! judges each RUN's mounts with the model's grammar: what would
// not convert does not compile, each with its line and fix.
fn main() {
    let _ = stagecraft::dockerfile!(r#"FROM debian:bookworm-slim
RUN --mount=type=cache,target=/c,sharing=bogus true
RUN --mount=type=volume,target=/v true
RUN --mount=type=cache,target=/c,size=1 true
RUN --mount=type=secret true
RUN --mount=type=secret,id=a$b true
RUN --mount=type=tmpfs,target=/t,size=big --network=bridge --security=root true
"#);
}
