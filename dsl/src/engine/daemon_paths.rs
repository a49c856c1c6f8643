//! The daemon's own paths in its error messages, put back as the stage's.
//!
//! A failed `COPY --from` or mount names the file where the daemon keeps
//! the stage's filesystem: Docker 20.10's BuildKit says
//! `lstat /var/lib/docker/overlay2/<layer>/merged/usr/bin/app`, Docker 26's
//! `lstat /var/lib/docker/tmp/buildkit-mount1663779627/usr/bin/app`, with
//! the containerd snapshotter `.../snapshots/12/fs/usr/bin/app`. The user
//! wrote `/usr/bin/app`: that is what [`in_stage`] leaves.

use std::borrow::Cow;

/// The markers of a daemon-internal root, each followed by what ends it:
/// `/overlay2/<id>/merged` (or `/diff`), `/buildkit-mount<digits>`,
/// `/snapshots/<digits>/fs`.
const ROOTS: [(&str, Tail); 3] = [
    ("/overlay2/", Tail::IdThen(&["/merged", "/diff"])),
    ("/buildkit-mount", Tail::Digits),
    ("/snapshots/", Tail::DigitsThen("/fs")),
];

#[derive(Clone, Copy)]
enum Tail {
    /// A layer id (letters and digits), then one of these.
    IdThen(&'static [&'static str]),
    /// Digits, and the root ends there.
    Digits,
    /// Digits, then this.
    DigitsThen(&'static str),
}

/// `text` with every daemon-internal root directory taken off the paths
/// under it: `/var/lib/docker/overlay2/8dfb.../merged/nonexist` becomes
/// `/nonexist`, the root itself `/`.
///
/// ```ignore
/// assert_eq!(
///     in_stage("lstat /var/lib/docker/overlay2/8dfb0f/merged/nonexist: no such file"),
///     "lstat /nonexist: no such file",
/// );
/// ```
pub(crate) fn in_stage(text: &str) -> Cow<'_, str> {
    if !ROOTS.iter().any(|(marker, _)| text.contains(marker)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((start, end)) = next_root(rest) {
        out.push_str(&rest[..start]);
        let after = &rest[end..];
        // The root alone (`.../merged: ...`) is the stage's `/`.
        if !after.starts_with('/') {
            out.push('/');
        }
        rest = after;
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The first daemon root in `text`: where its path starts (after a space,
/// quote, bracket or the line's start) and where the root ends.
fn next_root(text: &str) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for (marker, tail) in ROOTS {
        let mut from = 0;
        while let Some(found) = text[from..].find(marker) {
            let at = from + found;
            from = at + marker.len();
            let Some(end) = root_end(&text[from..], tail).map(|n| from + n) else {
                continue;
            };
            let start = text[..at]
                .rfind(|c: char| c.is_whitespace() || "\"'[(=:".contains(c))
                .map_or(0, |i| i + 1);
            if !text[start..at].starts_with('/') {
                continue;
            }
            if best.is_none_or(|(s, _)| start < s) {
                best = Some((start, end));
            }
            break;
        }
    }
    best
}

/// How many bytes of `text` (what follows a marker) still belong to the root.
fn root_end(text: &str, tail: Tail) -> Option<usize> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    match tail {
        Tail::IdThen(ends) => {
            let id = text.bytes().take_while(u8::is_ascii_alphanumeric).count();
            (id > 0)
                .then(|| {
                    ends.iter()
                        .find(|end| text[id..].starts_with(**end))
                        .map(|end| id + end.len())
                })
                .flatten()
        }
        Tail::Digits => (digits > 0).then_some(digits),
        Tail::DigitsThen(end) => {
            (digits > 0 && text[digits..].starts_with(end)).then_some(digits + end.len())
        }
    }
    // A root is a whole path component: `/merged` but not `/mergedx`.
    .filter(|&n| {
        text[n..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::in_stage;

    #[test]
    fn each_daemons_root_becomes_the_stage_path() {
        // As Docker 20.10 and 26.1 said them (tests/engine_buildkit.rs builds both).
        assert_eq!(
            in_stage(
                "lstat /var/lib/docker/overlay2/8dfb0f4ac9dcbb0a3f4586c08673c0d68d0473634bd55db44951473829356e4e/merged/nonexist: no such file or directory"
            ),
            "lstat /nonexist: no such file or directory"
        );
        assert_eq!(
            in_stage("lstat /var/lib/stagecraft-modern/tmp/buildkit-mount1663779627/usr/bin/x: no such file or directory"),
            "lstat /usr/bin/x: no such file or directory"
        );
        assert_eq!(
            in_stage("open /var/lib/docker/containerd/daemon/io.containerd.snapshotter.v1.overlayfs/snapshots/12/fs/etc/passwd: denied"),
            "open /etc/passwd: denied"
        );
        // The root itself, two paths in one message, a quoted path.
        assert_eq!(
            in_stage("walk /x/overlay2/ab12/diff: link /x/overlay2/cd34/merged/a/b, \"/y/overlay2/ef/merged/c\""),
            "walk /: link /a/b, \"/c\""
        );
    }

    #[test]
    fn other_text_is_left_alone() {
        for text in [
            "process \"/bin/sh -c false\" did not complete successfully: exit code: 1",
            "COPY failed: stat nonexist: file does not exist",
            "see /etc/overlay2/notes and /srv/buildkit-mounts/x",
            "/overlay2/ at the start, no id",
            "/var/lib/docker/overlay2/abc/mergedx/y",
        ] {
            assert_eq!(in_stage(text), text);
        }
    }
}
