// SCR021 (DL3025): a shell-form CMD in a shell-less stage cannot start.
fn main() {
    let _dockerfile = stagecraft::dockerfile!(
        r#"
FROM gcr.io/distroless/cc-debian12:nonroot
CMD /app --serve
"#
    );
}
