//! Commands other than package managers whose arguments matter in an image:
//! `useradd` (DL3046), `wget` (DL3047), `go install` (DL3062).

use super::Analysis;
use crate::catalogue::{Rule, Severity};
use crate::run_check::{Finding, RunContext};
use crate::shell::Word;

/// `useradd -u <big UID>` without `-l`.
pub static DL3046: Rule = Rule {
    id: "DL3046",
    summary: "`useradd` with a high UID needs `-l` (`--no-log-init`)",
    why: "useradd reserves the new user's entry in /var/log/lastlog and /var/log/faillog, \
          sparse files indexed by UID; a layer cannot hold a sparse file, so a UID such as \
          123456789 writes gigabytes of zeros into the image.",
    fix: "Add `-l`: `useradd -l -u 123456789 app`, or use a UID below 100000.",
    hadolint: Some("DL3046"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// `wget` without `--progress` (or a quiet flag).
pub static DL3047: Rule = Rule {
    id: "DL3047",
    summary: "`wget` needs `--progress=dot:giga` (or `-q`/`-nv`)",
    why: "wget's default progress bar redraws itself many times a second: in a build log it \
          becomes thousands of lines (or one huge line) per download, which buries the output \
          that matters and bloats CI logs.",
    fix: "Write `wget --progress=dot:giga URL`, or `wget -q` / `wget -nv`.",
    hadolint: Some("DL3047"),
    shipped: Severity::Info,
    build_only: Severity::Info,
};

/// `go install`/`go get`/`go run` of a module without a version.
pub static DL3062: Rule = Rule {
    id: "DL3062",
    summary: "pin versions in `go install` (`<package>@<version>`)",
    why: "Without `@version` (or with `@latest`), `go install` builds whatever the module's \
          newest release or default branch is on the day of the build: two builds of the same \
          Dockerfile get different binaries.",
    fix: "Name the version: `go install golang.org/x/tools/gopls@v0.16.2`.",
    hadolint: Some("DL3062"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// Whether `args` has a flag `-x` (in a cluster) for a letter of `short`, or
/// `--name`/`--name=...` for a name of `long`.
fn has_flag(args: &[Word], short: &[char], long: &[&str]) -> bool {
    args.iter().any(|arg| {
        let text = arg.text();
        if let Some(name) = text.strip_prefix("--") {
            long.contains(&name.split('=').next().unwrap_or(name))
        } else if let Some(cluster) = text.strip_prefix('-') {
            cluster.chars().any(|c| short.contains(&c))
        } else {
            false
        }
    })
}

/// The UID given to `useradd -u`/`--uid`, if any.
fn useradd_uid(args: &[Word]) -> Option<&str> {
    let mut words = args.iter().map(Word::text);
    while let Some(word) = words.next() {
        if word == "-u" || word == "--uid" {
            return words.next();
        }
        if let Some(value) = word.strip_prefix("--uid=") {
            return Some(value);
        }
        if let Some(value) = word.strip_prefix("-u").filter(|v| !v.is_empty()) {
            return Some(value);
        }
    }
    None
}

/// Whether a `go install` argument names its version (or is a local path).
fn go_pinned(package: &str) -> bool {
    let local = package == "." || package.starts_with('/') || package.starts_with('.');
    let tagged =
        package.contains('@') && !package.ends_with("@latest") && !package.ends_with("@none");
    local || tagged || package.contains('$')
}

pub(crate) fn check(analysis: &Analysis<'_>, ctx: &RunContext, out: &mut Vec<Finding>) {
    for (index, command) in analysis.script.commands.iter().enumerate() {
        let Some((program, args)) = super::program_and_args(command) else {
            continue;
        };
        let finding = match program {
            "useradd" => useradd_uid(args)
                .filter(|uid| uid.len() > 5 && !has_flag(args, &['l'], &["no-log-init"]))
                .map(|uid| {
                    (
                        &DL3046,
                        format!(
                            "`{}` creates UID {uid} without `-l`: lastlog and faillog are \
                             written as dense files of that size into the layer (gigabytes of \
                             zeros); add `-l` (`--no-log-init`)",
                            analysis.snippet(index)
                        ),
                    )
                }),
            "wget" => {
                let quiet = has_flag(
                    args,
                    &['q', 'o', 'a'],
                    &[
                        "progress",
                        "quiet",
                        "output-file",
                        "append-output",
                        "no-verbose",
                    ],
                ) || args.iter().any(|a| a.text() == "-nv");
                (!quiet).then(|| {
                    (
                        &DL3047,
                        format!(
                            "`{}` shows wget's progress bar, which floods the build log; add \
                             `--progress=dot:giga` (or `-q`, `-nv`)",
                            analysis.snippet(index)
                        ),
                    )
                })
            }
            "go" => {
                let ops = super::operands(args, &["-o", "-C", "-mod", "-tags", "-ldflags"]);
                let packages: Vec<&str> = match ops.as_slice() {
                    ["install" | "get", rest @ ..] => {
                        rest.iter().copied().filter(|p| *p != "tool").collect()
                    }
                    // `go run pkg args...`: only the package is go's.
                    ["run", package, ..] => vec![*package],
                    _ => Vec::new(),
                };
                packages.into_iter().find(|p| !go_pinned(p)).map(|package| {
                    let bare = package.split('@').next().unwrap_or(package);
                    (
                        &DL3062,
                        format!(
                            "`{}` builds `{package}` at whatever version is newest on the day \
                             of the build; pin it: `go {} {bare}@<version>`",
                            analysis.snippet(index),
                            ops[0]
                        ),
                    )
                })
            }
            _ => None,
        };
        if let Some((rule, message)) = finding {
            out.push(analysis.finding(rule, ctx, command.span, message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run_check::check_run;

    fn ids(text: &str) -> Vec<&'static str> {
        check_run(text, &RunContext::shipped())
            .unwrap()
            .into_iter()
            .map(|f| f.rule.id)
            .filter(|id| id.starts_with("DL30"))
            .collect()
    }

    #[test]
    fn useradd_wget_go() {
        assert_eq!(ids("useradd -u 123456789 app"), ["DL3046"]);
        assert_eq!(ids("useradd --uid=123456789 app"), ["DL3046"]);
        assert_eq!(ids("useradd -l -u 123456789 app"), [] as [&str; 0]);
        assert_eq!(ids("useradd -u 10001 app"), [] as [&str; 0]);
        assert_eq!(ids("wget https://x/y"), ["DL3047"]);
        assert_eq!(
            ids("wget -nv https://x/y && wget -qO- https://x/z"),
            [] as [&str; 0]
        );
        assert_eq!(ids("wget --progress=dot:giga https://x/y"), [] as [&str; 0]);
        assert_eq!(ids("go install example.com/x@latest"), ["DL3062"]);
        assert_eq!(ids("go install example.com/x"), ["DL3062"]);
        assert_eq!(
            ids("go install example.com/x@v1.2.3 ./cmd/..."),
            [] as [&str; 0]
        );
        assert_eq!(
            ids("go run example.com/x@v1 example.com/arg"),
            [] as [&str; 0]
        );
        assert_eq!(ids("go build ./..."), [] as [&str; 0]);
    }
}
