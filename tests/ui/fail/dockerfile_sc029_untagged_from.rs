// SCR029 (DL3006), a warning: an untagged base is whatever `latest` is on the
// day of the build.
#![deny(deprecated)]

fn main() {
    let _dockerfile = stagecraft::dockerfile!(
        r#"
FROM debian
ENTRYPOINT ["/bin/true"]
"#
    );
}
