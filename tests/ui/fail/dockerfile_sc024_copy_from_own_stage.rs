// SCR024 (DL3023): COPY --from its own stage.
fn main() {
    let _dockerfile = stagecraft::dockerfile!(
        r#"
FROM debian:bookworm-slim AS build
COPY --from=build /etc/hostname /tmp/hostname
"#
    );
}
