//! The generated step of the self-contained strategy: POSIX sh, coreutils,
//! `awk`, `od`, `ldd` and `dpkg`, all present in any Debian or Ubuntu build
//! image.
//!
//! Paths are copied to `$H$path` explicitly (never `cp --parents`, which
//! resolves the parents against the working directory the stage happens to
//! have). `keep PATH` copies a path into the harvest directory with every symbolic
//! link met on the way kept as a link (the directory links of a merged-/usr
//! system such as `/lib64 -> usr/lib64` included), then its target, until a
//! real file or directory is reached; a loop is an error after 64 links.
//! `closure BINARY` keeps the binary and every library `ldd` resolves for
//! it. The loader behind `ldd` follows `DT_NEEDED`, `RPATH`/`RUNPATH`
//! (`$ORIGIN` included) and the system search path exactly as it will at run
//! time; its output is read line by line for the three forms it has
//! (`name => /path (addr)`, `/path (addr)`, `name => not found`), and a
//! missing library is an error naming it instead of a line to misparse.
//! Libraries owned (`dpkg -S`, asked for the path `ldd` printed and for the
//! file it resolves to, since on merged-/usr systems a package may have
//! recorded either) by a package in `$EXCEPT` are left out: the runtime base
//! provides them (e.g. libc6 on distroless `cc`).
//! `package NAME` keeps what `dpkg -L` lists (documentation left out unless
//! asked for). `depends NAME` keeps that and the files of every package
//! NAME depends on: `dpkg-query -W` lists every package with its status,
//! `Provides`, `Pre-Depends` and `Depends`, and one `awk` program walks the
//! closure with the rules of `dpkg.rs` (the resolved strategy's parser;
//! both are documented on `PackageFiles::dependencies`), printing each
//! dependency with the package that pulled it in; the packages of
//! `$EXCEPT` end the walk. A dependency no installed package satisfies
//! fails the step, naming it.
//!
//! Every path kept is printed to the build log as
//! `stagecraft harvest: SIZE<TAB>PATH (why)`, where why is `binary`,
//! `needed by BINARY`, `package NAME`, `package NAME (dependency of OTHER)`,
//! `path` or `file`, and every link as
//! `stagecraft harvest: link PATH -> TARGET (why)`: the manifest of this
//! strategy. (With an engine, the resolved strategy gives a typed one.)
//!
//! The functions live in `harvest.sh`, a shell file that can be read,
//! diffed and checked as one (`sh -n` in a unit test). The script has no
//! pipe and no `cd`, so the best-practice rules have nothing to say about
//! it; it is written as one line per fragment, joined by line
//! continuations, so it reads like a script in the Dockerfile.

/// The step's shell functions, as a real file: `harvest.sh` says how its
/// sections are read.
const HARVEST_SH: &str = include_str!("harvest.sh");

/// The fragments of section `name` of `harvest.sh`, in order: its lines
/// that do not start with `#`, leading spaces kept, a trailing ` \\`
/// (a line continuation in the file) removed. Each fragment is valid shell
/// when the fragments are joined by spaces (as Docker joins continuation
/// lines).
fn section(name: &str) -> Vec<&'static str> {
    section_lines(name)
        .into_iter()
        .map(|line| line.strip_suffix(" \\").unwrap_or(line))
        .collect()
}

/// The lines of section `name` of `harvest.sh` as the file has them
/// (continuations kept): what the heredoc form writes.
fn section_lines(name: &str) -> Vec<&'static str> {
    let mut inside = false;
    let mut lines = Vec::new();
    for line in HARVEST_SH.lines() {
        if let Some(header) = line.strip_prefix("# @section ") {
            inside = header.split(':').next() == Some(name);
        } else if inside && !line.starts_with('#') && !line.trim().is_empty() {
            lines.push(line);
        }
    }
    debug_assert!(!lines.is_empty(), "harvest.sh has no section {name}");
    lines
}

/// One call of the script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Call {
    Closure(String),
    Keep(String),
    Package {
        name: String,
        docs: bool,
        dependencies: bool,
    },
    Place {
        source: String,
        destination: String,
    },
}

/// The delimiter of the heredoc form's script.
pub(super) const HEREDOC_DELIMITER: &str = "HARVEST";

/// The whole step as one command line: functions, then the calls, then
/// the removal of the temporary files, each fragment joined to the next by
/// a ` \\` continuation; `root` is the harvest directory. Every builder
/// reads it.
pub(super) fn script(root: &str, calls: &[Call], except: &[String]) -> String {
    let parts = Parts::new(root, calls, except, section);
    let mut lines = parts.functions;
    lines.extend(parts.setup);
    lines.extend(parts.calls);
    lines.push(parts.remove);
    lines.join(" \\\n    ")
}

/// The same step as a script (the body of a `RUN <<'HARVEST'` heredoc):
/// one statement a line, as `harvest.sh` has them, with a comment before
/// each part. Needs a builder whose Dockerfile frontend reads heredocs.
pub(super) fn heredoc_body(root: &str, calls: &[Call], except: &[String]) -> String {
    let parts = Parts::new(root, calls, except, section_lines);
    let mut body = String::from(
        "# stagecraft harvest (self-contained): collects the declared files into \
         the harvest directory.\n\
         # The functions, from stagecraft's harvest.sh.\n",
    );
    for line in parts
        .functions
        .iter()
        .chain(std::iter::once(&"# The declared files.".to_string()))
        .chain(&parts.setup)
        .chain(&parts.calls)
        .chain(std::iter::once(
            &"# The temporary files of ldd and dpkg.".to_string(),
        ))
        .chain(std::iter::once(&parts.remove))
    {
        // A newline ends a statement: the `;` the one-line form needs goes
        // (not the `;;` of a `case`).
        let line = match line.strip_suffix(';') {
            Some(rest) if !rest.ends_with(';') => rest,
            _ => line,
        };
        body.push_str(line);
        body.push('\n');
    }
    body
}

/// The step's statements, in the order they run.
struct Parts {
    /// The functions (with the dependency walk and `path` when a call needs them).
    functions: Vec<String>,
    /// `H=...; EXCEPT=...; mkdir -p "$H"`.
    setup: Vec<String>,
    /// One line per declared call.
    calls: Vec<String>,
    /// The removal of the temporary files.
    remove: String,
}

impl Parts {
    /// `lines` reads a section of `harvest.sh` (as fragments or as lines).
    fn new(
        root: &str,
        calls: &[Call],
        except: &[String],
        lines: fn(&str) -> Vec<&'static str>,
    ) -> Parts {
        let dependencies = calls.iter().any(|call| {
            matches!(
                call,
                Call::Package {
                    dependencies: true,
                    ..
                }
            )
        });
        let reason = lines("dependency-reason");
        let mut functions: Vec<String> = lines("functions")
            .into_iter()
            .flat_map(|line| {
                if dependencies && line.trim_start().starts_with("R=\"package $1\"") {
                    reason.clone()
                } else {
                    vec![line]
                }
            })
            .map(str::to_string)
            .collect();
        if dependencies {
            functions.extend(lines("depends").into_iter().map(str::to_string));
        }
        if calls.iter().any(|call| matches!(call, Call::Keep(_))) {
            functions.extend(lines("path").into_iter().map(str::to_string));
        }
        let setup = vec![format!(
            "H={root}; EXCEPT='{}'; mkdir -p \"$H\";",
            except.join(" ")
        )];
        let calls = calls
            .iter()
            .map(|call| match call {
                Call::Closure(path) => format!("closure {};", quote(path)),
                Call::Keep(path) => format!("path {};", quote(path)),
                Call::Package {
                    name,
                    docs,
                    dependencies,
                } => format!(
                    "{} {name} {};",
                    if *dependencies { "depends" } else { "package" },
                    if *docs { "docs" } else { "nodocs" }
                ),
                Call::Place {
                    source,
                    destination,
                } => {
                    let destination = format!("{root}{destination}");
                    format!(
                        "mkdir -p \"$(dirname {dst})\"; cp -L {src} {dst}; \
                         echo \"stagecraft harvest: {src} as {dst} (file)\";",
                        src = quote(source),
                        dst = quote(&destination)
                    )
                }
            })
            .collect();
        let remove = if dependencies {
            "rm -f /tmp/stagecraft-ldd /tmp/stagecraft-dpkg /tmp/stagecraft-owner \
             /tmp/stagecraft-status /tmp/stagecraft-deps"
                .to_string()
        } else {
            "rm -f /tmp/stagecraft-ldd /tmp/stagecraft-dpkg /tmp/stagecraft-owner".to_string()
        };
        Parts {
            functions,
            setup,
            calls,
            remove,
        }
    }
}

/// Single quotes; the paths were checked to hold no quote.
fn quote(path: &str) -> String {
    format!("'{path}'")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// Every kind of call, package dependencies included (all sections).
    fn every_call() -> String {
        let calls = [
            Call::Closure("/usr/games/fortune".to_string()),
            Call::Keep("/etc/ssl/certs".to_string()),
            Call::Package {
                name: "fortune-mod".to_string(),
                docs: false,
                dependencies: true,
            },
            Call::Place {
                source: "/usr/share/zoneinfo/UTC".to_string(),
                destination: "/etc/localtime".to_string(),
            },
        ];
        script("/harvest", &calls, &["libc6".to_string()])
    }

    /// `sh -n` on `text`, `None` without a `sh` (not a Unix host).
    fn syntax_errors(args: &[&str]) -> Option<String> {
        let output = Command::new("sh").arg("-n").args(args).output().ok()?;
        Some(String::from_utf8_lossy(&output.stderr).into_owned())
            .filter(|_| !output.status.success())
    }

    #[test]
    fn harvest_sh_and_the_rendered_step_are_valid_shell() {
        let file = concat!(env!("CARGO_MANIFEST_DIR"), "/src/harvest/harvest.sh");
        assert_eq!(syntax_errors(&[file]), None, "{file}");
        // Docker joins the continuation lines of the RUN before sh reads it.
        let joined = every_call().replace(" \\\n", " ");
        assert_eq!(syntax_errors(&["-c", &joined]), None, "{joined}");
    }

    #[test]
    fn every_section_of_harvest_sh_is_read() {
        for name in ["functions", "dependency-reason", "depends", "path"] {
            assert!(!section(name).is_empty(), "section {name}");
        }
        assert_eq!(section("dependency-reason").len(), 1);
        let text = every_call();
        assert!(text.contains("(dependency of $3)"), "{text}");
        assert!(
            !text.contains("\\ \\\n"),
            "a file continuation was kept: {text}"
        );
        assert!(!text.contains("\n#"), "a comment was kept: {text}");
    }

    /// The step refuses what the resolved strategy refuses, in its words.
    #[test]
    fn the_path_function_refuses_with_the_words_of_path_rs() {
        let path = section("path").join(" ");
        for resolved in ["/", "/proc", "/harvest"] {
            let reason = crate::harvest::path::refusal(resolved).unwrap();
            assert!(path.contains(reason), "{reason:?} not in {path}");
        }
    }

    /// Runs the step's `path` function in a scratch root: a declared path
    /// whose link leads to `/` (or to the harvest directory's parent) is
    /// refused before anything is copied, and an ordinary one is kept.
    #[test]
    fn a_path_resolving_to_the_root_is_refused_in_the_step() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_str().unwrap();
        std::fs::create_dir_all(format!("{root}/a/b/c")).unwrap();
        std::fs::write(format!("{root}/a/b/c/data"), "x").unwrap();
        std::os::unix::fs::symlink("../../..", format!("{root}/a/b/c/up")).unwrap();
        let functions = section("functions").join(" ");
        let path = section("path").join(" ");
        let run = |declared: &str, harvest: &str| {
            // H is the harvest directory; a link to the root of the scratch
            // tree is the root seen from the harvest directory's parent.
            let text = format!("{functions} {path} H={harvest}; path '{declared}'");
            Command::new("sh").args(["-c", &text]).output().unwrap()
        };
        let out = run("/", &format!("{root}/harvest"));
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("resolves to /: it is the whole filesystem"),
            "{stderr}"
        );
        // Through `-> ../../..`: the scratch root, an ancestor of $H.
        let out = run(&format!("{root}/a/b/c/up"), &format!("{root}/harvest"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{stderr}");
        assert!(
            stderr.contains("it holds the harvest directory"),
            "{stderr}"
        );
        assert!(!std::path::Path::new(&format!("{root}/harvest{root}")).exists());
        let out = run(&format!("{root}/a/b/c/data"), &format!("{root}/harvest"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(std::path::Path::new(&format!("{root}/harvest{root}/a/b/c/data")).exists());
    }

    /// shellcheck (Debian's `shellcheck`), when installed, on the file as
    /// POSIX sh; skipped without it.
    #[test]
    fn shellcheck_finds_nothing_in_harvest_sh() {
        let file = concat!(env!("CARGO_MANIFEST_DIR"), "/src/harvest/harvest.sh");
        let Ok(output) = Command::new("shellcheck")
            .args(["--shell=sh", "--severity=warning", file])
            .output()
        else {
            eprintln!("skipping: shellcheck is not installed");
            return;
        };
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
}
