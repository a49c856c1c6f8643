//! The `stagecraft` binary: exit codes, output formats, stdin.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_stagecraft");

fn stagecraft(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        // No ShellCheck cache in the user's home (tests/hadolint_compat.rs
        // tests it, in a project of its own).
        .env("STAGECRAFT_SHELLCHECK_CACHE", "off")
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn write(&self, name: &str, text: &[u8]) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    }
}

const CLEAN: &str = "FROM debian:bookworm-slim AS build\n\
RUN apt-get update && apt-get install -y --no-install-recommends gcc=4:12.2.0-3 && rm -rf /var/lib/apt/lists/*\n\
FROM gcr.io/distroless/cc-debian12:nonroot\n\
COPY --from=build /usr/bin/true /true\n\
ENTRYPOINT [\"/true\"]\n";

const WARNINGS_ONLY: &str = "FROM debian:bookworm-slim\nWORKDIR app\nCMD ./run\n";

const BAD: &str = "FROM debian:bookworm-slim\n\
RUN apt-get update && apt-get install -y curl=7.88.1-10+deb12u12\n\
COPY --from=nope /x /x\n\
CMD /x --serve\n";

#[test]
fn exit_0_when_clean_or_only_warnings() {
    let files = Files::new();
    let clean = files.write("clean.Dockerfile", CLEAN.as_bytes());
    let output = stagecraft(&["lint", &clean]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "no findings in 1 file\n");

    let warnings = files.write("warn.Dockerfile", WARNINGS_ONLY.as_bytes());
    let output = stagecraft(&["lint", &warnings]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains(":2: warning[SCR026/DL3000]: "));
    assert!(stdout(&output).contains(":3: warning[SCR020/DL3025]: "));
}

#[test]
fn exit_1_with_errors_and_human_output() {
    let files = Files::new();
    let bad = files.write("bad.Dockerfile", BAD.as_bytes());
    let output = stagecraft(&["lint", &bad]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains(&format!("{bad}:2: error[SCR003/DL3009]: ")),
        "{text}"
    );
    assert!(
        text.contains("  2 | RUN apt-get update && apt-get install -y curl=7.88.1-10+deb12u12\n    | ^^^\n  fix: ")
    );
    assert!(text.contains(&format!("{bad}:3: error[SCR023/DL3022]: ")));
    assert!(text.contains(&format!("{bad}:4: warning[SCR020/DL3025]: ")));
    assert!(
        text.ends_with("3 errors, 1 warning, 0 infos in 1 file\n"),
        "{text}"
    );
}

#[test]
fn json_output_has_exactly_the_keys() {
    let files = Files::new();
    let bad = files.write("bad.Dockerfile", BAD.as_bytes());
    let output = stagecraft(&["lint", "--format", "json", &bad]);
    assert_eq!(output.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let items = value.as_array().unwrap();
    assert_eq!(items.len(), 4);
    for item in items {
        let mut keys: Vec<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["file", "hadolint", "line", "message", "rule", "severity"]
        );
        assert_eq!(item["file"], bad.as_str());
        assert!(["error", "warning", "info"].contains(&item["severity"].as_str().unwrap()));
    }
    assert_eq!(items[0]["rule"], "SCR003");
    assert_eq!(items[0]["hadolint"], "DL3009");
    assert_eq!(items[0]["line"], 2);
    let output = stagecraft(&["lint", "--format=json", &files.write("c", CLEAN.as_bytes())]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output).trim(), "[]");
}

#[test]
fn ignore_takes_our_ids_and_hadolint_codes() {
    let files = Files::new();
    let bad = files.write("bad.Dockerfile", BAD.as_bytes());
    let output = stagecraft(&[
        "lint",
        "--ignore",
        "DL3009,DL3015",
        "--ignore=SCR023",
        "--ignore",
        "sc020",
        &bad,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert_eq!(stdout(&output), "no findings in 1 file\n");
    let output = stagecraft(&["lint", "--ignore", "SC999", &bad]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("SC999"));
    let output = stagecraft(&["lint", "--ignore", "SCR999", &bad]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("SCR999"));
    // ShellCheck's codes are not ours: accepted as they are, as hadolint does.
    let output = stagecraft(&["lint", "--ignore", "SC2086", "--ignore", "SC020", &bad]);
    assert_ne!(output.status.code(), Some(2), "{}", stderr(&output));
}

#[test]
fn target_changes_which_stages_ship() {
    let files = Files::new();
    let text = "FROM python:3.12 AS build\nRUN pip install pytest\nFROM python:3.12-slim\n";
    let file = files.write("t.Dockerfile", text.as_bytes());
    assert_eq!(stagecraft(&["lint", &file]).status.code(), Some(0));
    assert_eq!(
        stagecraft(&["lint", "--target", "build", &file])
            .status
            .code(),
        Some(1)
    );
    let output = stagecraft(&["lint", "--target", "nope", &file]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("no stage named `nope`"));
}

#[test]
fn build_context_names_what_copy_from_may_copy_from() {
    let files = Files::new();
    let text = "FROM debian:bookworm-slim\nCOPY --from=docs /index.html /www/\nCOPY --from=assets /app.css /www/\n";
    let file = files.write("c.Dockerfile", text.as_bytes());
    let output = stagecraft(&["lint", &file]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains(&format!("{file}:2: error[SCR023/DL3022]: ")),
        "{text}"
    );
    assert!(
        text.contains(&format!("{file}:3: error[SCR023/DL3022]: ")),
        "{text}"
    );
    // The fix says how to declare a named build context.
    assert!(
        text.contains(
            "is no stage: tell the lint about it with `stagecraft lint --build-context NAME`.\n"
        ),
        "{text}"
    );
    // Only the contexts named are known: `assets` is still no stage.
    let output = stagecraft(&["lint", "--build-context", "docs", &file]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(!text.contains(&format!("{file}:2:")), "{text}");
    assert!(
        text.contains(&format!("{file}:3: error[SCR023/DL3022]: ")),
        "{text}"
    );
    let output = stagecraft(&["lint", "--build-context=docs,assets", &file]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert_eq!(stdout(&output), "no findings in 1 file\n");
}

#[test]
fn exit_2_when_a_file_cannot_be_read_or_parsed() {
    let files = Files::new();
    let output = stagecraft(&["lint", "/nonexistent/Dockerfile"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).starts_with("/nonexistent/Dockerfile: error: cannot read"));

    let broken = files.write("broken", b"FROM debian\nRUNN make\n");
    let output = stagecraft(&["lint", &broken]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        format!("{broken}:2: error: cannot parse the Dockerfile: unknown instruction `RUNN`\n")
    );

    let empty = files.write("empty", b"");
    let output = stagecraft(&["lint", &empty]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains(":1: error: cannot parse the Dockerfile: no FROM"));

    let binary = files.write("binary", &[0x7f, b'E', b'L', b'F', 0xff, 0x00, 0x01]);
    let output = stagecraft(&["lint", &binary]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains(":1: error: cannot parse the Dockerfile: the file is not UTF-8")
    );

    // A good file next to a broken one is still reported, and so are the
    // findings of the broken file's other instructions; the exit code is 2.
    let clean = files.write("clean", CLEAN.as_bytes());
    let output = stagecraft(&["lint", "--no-shellcheck", &clean, &broken]);
    assert_eq!(output.status.code(), Some(2));
    let out = stdout(&output);
    assert!(
        out.starts_with(&format!("{broken}:1: warning[SCR029/DL3006]:")),
        "{out}"
    );
    assert!(
        out.ends_with("0 errors, 1 warning, 0 infos in 2 files\n"),
        "{out}"
    );
}

#[test]
fn parse_errors_are_dl1000_in_the_machine_formats_and_the_rest_is_linted() {
    let files = Files::new();
    let broken = files.write(
        "broken",
        b"FROM debian:12\nRUNN make\nRUN pip install numpy\n",
    );
    let output = stagecraft(&["lint", "--no-shellcheck", "-f", "json", &broken]);
    assert_eq!(output.status.code(), Some(2));
    let found: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let codes: Vec<(u64, &str)> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["line"].as_u64().unwrap(), f["hadolint"].as_str().unwrap()))
        .collect();
    assert_eq!(codes, [(2, "DL1000"), (3, "DL3013"), (3, "DL3042")]);
    for format in ["sarif", "checkstyle", "codeclimate", "gitlab_codeclimate"] {
        let output = stagecraft(&["lint", "--no-shellcheck", "-f", format, &broken]);
        assert!(
            stdout(&output).contains("DL1000"),
            "{format}: {}",
            stdout(&output)
        );
    }
    // No stage at all: the errors alone, still in the format.
    let no_from = files.write("no-from", b"RUNN make\n");
    let output = stagecraft(&["lint", "-f", "json", &no_from]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout(&output).matches("\"DL1000\"").count(), 2 * 2);
}

#[test]
fn reads_standard_input() {
    let mut child = Command::new(BIN)
        .args(["lint", "--format", "json", "-"])
        .env("STAGECRAFT_SHELLCHECK_CACHE", "off")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"FROM scratch\nRUN echo hi\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value[0]["file"], "-");
    assert_eq!(value[0]["rule"], "SCR022");
}

#[test]
fn help_and_usage_errors() {
    let output = stagecraft(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("stagecraft lint"));
    let output = stagecraft(&["lint", "--help"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("--ignore CODE"));
    let output = stagecraft(&["lint", "--rules"]);
    assert!(stdout(&output).lines().any(|l| l.starts_with("SCR022")));
    assert_eq!(stagecraft(&[]).status.code(), Some(2));
    assert_eq!(stagecraft(&["lint"]).status.code(), Some(2));
    assert_eq!(
        stagecraft(&["lint", "--format", "xml", "x"]).status.code(),
        Some(2)
    );
    assert_eq!(stagecraft(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn gnu_and_codacy_formats_and_the_file_path_in_the_report() {
    let files = Files::new();
    let file = files.write(
        "Dockerfile",
        b"FROM debian:12\nRUN pip install numpy==2.1.3\n",
    );
    let output = stagecraft(&[
        "lint",
        "--no-shellcheck",
        "-f",
        "gnu",
        "--file-path-in-report",
        "src/Dockerfile",
        &file,
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).starts_with("stagecraft:src/Dockerfile:2: DL3042 error: `pip install"),
        "{}",
        stdout(&output)
    );
    let output = stagecraft(&["lint", "--no-shellcheck", "-f", "codacy", &file]);
    let issue: serde_json::Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert_eq!(issue["patternId"], "DL3042");
    assert_eq!(issue["line"], 2);
}

/// `-f sonarqube`: SonarQube's generic issues report in hadolint's shape,
/// each finding's code, severity and type as hadolint maps them (error:
/// CRITICAL bug, warning: MAJOR code smell, a parse error: BLOCKER bug).
#[test]
fn sonarqube_format_as_hadolint_writes_it() {
    let files = Files::new();
    let bad = files.write(
        "bad.Dockerfile",
        b"FROM debian:12\nRUN pip install numpy==2.1.3\nWORKDIR app\nRUNN x\n",
    );
    let output = stagecraft(&["lint", "--no-shellcheck", "-f", "sonarqube", &bad]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let issues: Vec<(&str, u64, &str, &str)> = value["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|issue| {
            assert_eq!(issue["engineId"], "stagecraft");
            let location = &issue["primaryLocation"];
            assert_eq!(location["filePath"], bad.as_str());
            assert!(!location["message"].as_str().unwrap().is_empty());
            let range = &location["textRange"];
            assert_eq!(range["startLine"], range["endLine"]);
            assert_eq!(
                (&range["startColumn"], &range["endColumn"]),
                (&0.into(), &1.into())
            );
            (
                issue["ruleId"].as_str().unwrap(),
                range["startLine"].as_u64().unwrap(),
                issue["severity"].as_str().unwrap(),
                issue["type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        issues,
        [
            ("DL3042", 2, "CRITICAL", "BUG"),
            ("DL3000", 3, "MAJOR", "CODE_SMELL"),
            ("DL1000", 4, "BLOCKER", "BUG"),
        ]
    );
    let clean = files.write("clean.Dockerfile", CLEAN.as_bytes());
    let output = stagecraft(&["lint", "--no-shellcheck", "-f", "sonarqube", &clean]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "{\"issues\":[]}\n");
}

/// `stagecraft-lint FILE...` is `stagecraft lint FILE...`: the same output,
/// standard error and exit code, format by format; and it carries no
/// `build` subcommand (a file named `build` is a file).
#[test]
fn stagecraft_lint_is_stagecraft_lint_without_the_engine() {
    const LINT_BIN: &str = env!("CARGO_BIN_EXE_stagecraft-lint");
    let files = Files::new();
    let bad = files.write("bad.Dockerfile", BAD.as_bytes());
    let warnings = files.write("warn.Dockerfile", WARNINGS_ONLY.as_bytes());
    for format in ["tty", "json", "sarif", "checkstyle"] {
        let args = ["--no-shellcheck", "-f", format, &bad, &warnings];
        let ours = stagecraft(&[&["lint"][..], &args[..]].concat());
        let lint_only = Command::new(LINT_BIN).args(args).output().unwrap();
        assert_eq!(lint_only.status.code(), Some(1), "{format}");
        assert_eq!(lint_only.status.code(), ours.status.code(), "{format}");
        assert_eq!(stdout(&lint_only), stdout(&ours), "{format}");
        assert_eq!(stderr(&lint_only), stderr(&ours), "{format}");
    }
    let output = Command::new(LINT_BIN).arg("build").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with("build: error: cannot read the file: "),
        "{}",
        stderr(&output)
    );
    let output = Command::new(LINT_BIN).arg("--version").output().unwrap();
    assert_eq!(stdout(&output), "stagecraft-lint 0.1.0\n");
}
