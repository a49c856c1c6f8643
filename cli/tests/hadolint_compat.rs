//! `stagecraft lint` as a drop-in for hadolint: its configuration file and
//! variables, pragmas, output formats, exit codes, and ShellCheck.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_stagecraft");

/// A Dockerfile with an error (SCR003/DL3009), a warning (SCR020/DL3025) and
/// a ShellCheck finding (SC2086, info) on line 3.
const MIXED: &str = "FROM debian:bookworm-slim\n\
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u12\n\
RUN echo $1\n\
CMD /x --serve\n";

struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        Self { dir }
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The binary in the project directory, with a clean environment: no
    /// HADOLINT_* variables, HOME and XDG in the project.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("HOME", self.dir.path().join("home"))
            .env("XDG_CONFIG_HOME", self.dir.path().join("home/.config"))
            // ShellCheck's cache under the project's home.
            .env_remove("XDG_CACHE_HOME");
        for (name, _) in std::env::vars() {
            if name.starts_with("HADOLINT_")
                || name == "NO_COLOR"
                || name == "STAGECRAFT_SHELLCHECK_CACHE"
            {
                command.env_remove(name);
            }
        }
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("the binary runs")
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Whether a `shellcheck` binary runs (Debian's package, `scripts/tools.sh`).
fn shellcheck_installed() -> bool {
    Command::new("shellcheck")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", stdout(output)))
}

fn rules(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["rule"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_config_file_is_found_in_a_parent_and_applied() {
    let project = Project::new();
    project.write("Dockerfile", MIXED);
    project.write(
        ".hadolint.yaml",
        "ignored: [DL3025]\noverride:\n  warning: [DL3009]\nstagecraft:\n  shellcheck: false\n",
    );
    std::fs::create_dir_all(project.dir.path().join("sub")).unwrap();
    let output = project
        .command(&["lint", "-f", "json", "../Dockerfile"])
        .current_dir(project.dir.path().join("sub"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value = json(&output);
    assert_eq!(rules(&value), ["SCR003"]);
    assert_eq!(value[0]["severity"], "warning");
}

#[test]
fn the_command_line_wins_over_the_file_and_the_file_over_the_environment() {
    let project = Project::new();
    project.write("Dockerfile", MIXED);
    project.write(
        ".hadolint.yaml",
        "failure-threshold: warning\nno-fail: false\n",
    );
    let args = [
        "lint",
        "--no-shellcheck",
        "--ignore",
        "DL3009",
        "Dockerfile",
    ];
    // The file's threshold fails the warning.
    assert_eq!(project.run(&args).status.code(), Some(1));
    // The environment loses to the file...
    let output = project
        .command(&args)
        .env("HADOLINT_FAILURE_THRESHOLD", "error")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    // ... and the command line wins.
    let mut loud = args.to_vec();
    loud.insert(1, "--failure-threshold=error");
    assert_eq!(project.run(&loud).status.code(), Some(0));
    let output = project
        .command(&args)
        .env("HADOLINT_NOFAIL", "1")
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "the file's no-fail: false wins"
    );
    let mut quiet = args.to_vec();
    quiet.insert(1, "--no-fail");
    assert_eq!(project.run(&quiet).status.code(), Some(0));
}

#[test]
fn environment_variables_alone() {
    let project = Project::new();
    project.write("Dockerfile", MIXED);
    let output = project
        .command(&["lint", "--no-shellcheck", "Dockerfile"])
        .env("HADOLINT_IGNORE", "DL3009,SCR020")
        .env("HADOLINT_FORMAT", "json")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(json(&output), serde_json::json!([]));
    let output = project
        .command(&[
            "lint",
            "--no-shellcheck",
            "--ignore",
            "DL3009",
            "Dockerfile",
        ])
        .env("HADOLINT_OVERRIDE_ERROR", "DL3025")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains(":4: error[SCR020/DL3025]"));
}

#[test]
fn a_malformed_config_names_the_key_and_line_and_exits_2() {
    let project = Project::new();
    project.write("Dockerfile", MIXED);
    let config = project.write(
        "custom.yaml",
        "ignored: [DL3009]\nfailure_threshold: error\n",
    );
    let output = project.run(&["lint", "--config", config.to_str().unwrap(), "Dockerfile"]);
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(text.contains("unknown field `failure_threshold`"), "{text}");
    assert!(text.contains("line 2"), "{text}");
    assert!(stdout(&output).is_empty());
    project.write(".hadolint.yml", "ignored: DL3009\n");
    let output = project.run(&["lint", "Dockerfile"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains(".hadolint.yml: ignored: invalid type"),
        "{}",
        stderr(&output)
    );
    assert!(
        stderr(&output).contains("at line 1 column 10"),
        "{}",
        stderr(&output)
    );
    // A wrong type under a nested key: the path to it, and its line.
    project.write(
        ".hadolint.yml",
        "override:\n  error: [DL3009]\n  warning: 7\n",
    );
    let output = project.run(&["lint", "Dockerfile"]);
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(
        text.contains("override.warning: invalid type: integer `7`, expected a sequence at line 3"),
        "{text}"
    );
    assert!(stdout(&output).is_empty());
}

#[test]
fn unknown_rule_ids_warn_and_do_not_stop_the_run() {
    let project = Project::new();
    project.write(
        "Dockerfile",
        "FROM debian:bookworm-slim\n# hadolint ignore=DL9999x\nRUN echo hi\n",
    );
    project.write(".hadolint.yaml", "ignored: [NOPE1]\n");
    let output = project.run(&["lint", "--no-shellcheck", "Dockerfile"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stderr(&output);
    assert!(
        text.contains("warning: the configuration names `NOPE1`"),
        "{text}"
    );
    assert!(
        text.contains("Dockerfile:3: the pragma names `DL9999X`"),
        "{text}"
    );
}

#[test]
fn disable_ignore_pragma_brings_the_findings_back() {
    let project = Project::new();
    project.write(
        "Dockerfile",
        "FROM debian:bookworm-slim\n# hadolint ignore=DL3009\n\
         RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u12\n",
    );
    let quiet = project.run(&["lint", "--no-shellcheck", "-f", "json", "Dockerfile"]);
    assert_eq!(json(&quiet), serde_json::json!([]));
    let loud = project.run(&[
        "lint",
        "--no-shellcheck",
        "-f",
        "json",
        "--disable-ignore-pragma",
        "Dockerfile",
    ]);
    assert_eq!(rules(&json(&loud)), ["SCR003"]);
    project.write(".hadolint.yaml", "disable-ignore-pragma: true\n");
    let loud = project.run(&["lint", "--no-shellcheck", "-f", "json", "Dockerfile"]);
    assert_eq!(rules(&json(&loud)), ["SCR003"]);
}

/// hadolint 2.15's `# hadolint stage ignore=`: the stage below it, its
/// ShellCheck findings too; `--disable-ignore-pragma` turns it off.
#[test]
fn a_stage_pragma_holds_for_its_stage_and_can_be_disabled() {
    let project = Project::new();
    project.write(
        "Dockerfile",
        "FROM debian:bookworm-slim AS build\nRUN echo $HOME\n\
         # hadolint stage ignore=SC2086,DL3025\nFROM debian:bookworm-slim\n\
         RUN echo $HOME\nCMD echo $HOME\n",
    );
    let found = project.run(&["lint", "-f", "json", "Dockerfile"]);
    let found = json(&found);
    let lines: Vec<_> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(lines, [(2, "SC2086".to_owned())], "{found}");
    let loud = project.run(&[
        "lint",
        "-f",
        "json",
        "--disable-ignore-pragma",
        "Dockerfile",
    ]);
    assert_eq!(
        rules(&json(&loud)),
        ["SC2086", "SC2086", "SCR020"],
        "both stages' SC2086 and the last one's shell-form CMD"
    );
}

#[test]
fn stage_awareness_can_be_turned_off() {
    let project = Project::new();
    project.write(
        "Dockerfile",
        "FROM python:3.12 AS build\nRUN pip install pytest==8.3.4\nFROM python:3.12-slim\n",
    );
    let args = ["lint", "--no-shellcheck", "-f", "json", "Dockerfile"];
    let aware = json(&project.run(&args));
    assert_ne!(aware[0]["severity"], "error", "{aware}");
    project.write(".hadolint.yaml", "stagecraft:\n  stage-aware: false\n");
    let flat = project.run(&args);
    assert_eq!(json(&flat)[0]["severity"], "error");
    assert_eq!(flat.status.code(), Some(1));
}

/// The official SARIF 2.1.0 schema (OASIS Standard with Errata 01), vendored
/// unmodified in `tests/sarif/` with its notice (`tests/sarif/NOTICE.md`).
fn sarif_schema() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sarif/sarif-schema-2.1.0.json");
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("the vendored schema is readable"))
            .unwrap();
    assert_eq!(
        schema["id"],
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    );
    schema
}

/// Validates `instance` against the schema, formats (`uri`, `uri-reference`,
/// `date-time`) asserted too.
fn validate(schema: &serde_json::Value, instance: &serde_json::Value) -> Result<(), String> {
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    compiler
        .add_resource("sarif-schema-2.1.0.json", schema.clone())
        .map_err(|e| e.to_string())?;
    let index = compiler
        .compile("sarif-schema-2.1.0.json", &mut schemas)
        .map_err(|e| e.to_string())?;
    schemas
        .validate(instance, index)
        .map_err(|e| format!("{e:#}"))
}

/// The results of a SARIF log for one file (by the end of its URI), as
/// `(ruleId, level, startLine)`.
fn sarif_results<'a>(log: &'a serde_json::Value, uri_end: &str) -> Vec<(&'a str, &'a str, u64)> {
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|result| {
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .ends_with(uri_end)
        })
        .map(|result| {
            let region = &result["locations"][0]["physicalLocation"]["region"];
            (
                result["ruleId"].as_str().unwrap(),
                result["level"].as_str().unwrap(),
                region["startLine"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn sarif_is_valid_against_the_2_1_0_schema() {
    let schema = sarif_schema();
    let project = Project::new();
    // Findings of our rules (and ShellCheck's, where installed), a file with
    // one instruction that does not parse (DL1000, the rest linted), a file
    // that is no Dockerfile at all, and a clean file.
    let mixed = project.write("docker/my Dockerfile", MIXED);
    project.write(
        "broken.Dockerfile",
        "FROM debian:bookworm-slim\nBOGUS x\nCMD /x --serve\n",
    );
    project.write("empty.Dockerfile", "# nothing but a comment\n");
    project.write("clean", "FROM scratch\nCOPY x /x\n");
    let files = [
        mixed.to_str().unwrap(),
        "broken.Dockerfile",
        "empty.Dockerfile",
        "clean",
    ];

    // Each file alone, then all in one log: every log validates.
    let mut logs = Vec::new();
    for file in files {
        let output = project.run(&["lint", "-f", "sarif", file]);
        let log = json(&output);
        validate(&schema, &log).unwrap_or_else(|e| panic!("{file}: {e}\n{log:#}"));
        logs.push((file, output.status.code(), log));
    }
    let mut all = vec!["lint", "-f", "sarif"];
    all.extend(files);
    let output = project.run(&all);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let log = json(&output);
    validate(&schema, &log).unwrap();
    assert_eq!(log["version"], "2.1.0");

    let mixed_results = sarif_results(&log, "docker/my%20Dockerfile");
    assert_eq!(
        mixed_results[0],
        ("DL3009", "error", 2),
        "{mixed_results:?}"
    );
    assert!(mixed_results.contains(&("DL3025", "warning", 4)));
    if shellcheck_installed() {
        assert!(
            mixed_results.contains(&("SC2086", "note", 3)),
            "{mixed_results:?}"
        );
    }
    assert_eq!(
        sarif_results(&log, "broken.Dockerfile"),
        [("DL1000", "error", 2), ("DL3025", "warning", 3)]
    );
    assert_eq!(
        sarif_results(&log, "empty.Dockerfile"),
        [("DL1000", "error", 1)]
    );
    assert!(sarif_results(&log, "clean").is_empty());
    // Every result points into the driver's rules, which describe it.
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for result in log["runs"][0]["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
    // The exit codes of the single-file runs: findings 1, parse errors 2, clean 0.
    let codes: Vec<_> = logs.iter().map(|(_, code, _)| *code).collect();
    assert_eq!(codes, [Some(1), Some(2), Some(2), Some(0)]);
    let (_, _, clean) = &logs[3];
    assert_eq!(clean["runs"][0]["results"], serde_json::json!([]));

    // The validator does reject a broken log: a level SARIF lacks, a
    // line 0, a result without a message.
    for (pointer, value) in [
        ("/runs/0/results/0/level", serde_json::json!("fatal")),
        (
            "/runs/0/results/0/locations/0/physicalLocation/region/startLine",
            serde_json::json!(0),
        ),
        ("/runs/0/results/0/message", serde_json::json!({})),
    ] {
        let mut broken = log.clone();
        *broken.pointer_mut(pointer).unwrap() = value;
        assert!(validate(&schema, &broken).is_err(), "{pointer} accepted");
    }
}

#[test]
fn checkstyle_and_codeclimate_shapes() {
    let project = Project::new();
    project.write("Dockerfile", MIXED);
    let args = |format: &'static str| ["lint", "--no-shellcheck", "-f", format, "Dockerfile"];
    // The messages are the rules' (they change with them): taken from JSON.
    let messages = json(&project.run(&args("json")));
    let message = |index: usize| {
        messages[index]["message"]
            .as_str()
            .unwrap()
            .replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('\'', "&apos;")
    };
    let output = project.run(&args("checkstyle"));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n  \
             <file name=\"Dockerfile\">\n    <error line=\"2\" column=\"1\" severity=\"error\" \
             message=\"{}\" source=\"DL3009\"/>\n    \
             <error line=\"4\" column=\"1\" severity=\"warning\" message=\"{}\" \
             source=\"DL3025\"/>\n  </file>\n</checkstyle>\n",
            message(0),
            message(1)
        )
    );
    assert!(stdout(&output).contains("write `CMD [&quot;/x&quot;, &quot;--serve&quot;]`"));

    // Code Climate: NUL-ended issues; exit 0 whatever is found, as hadolint.
    let output = project.run(&args("codeclimate"));
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(text.ends_with('\0'));
    let issues: Vec<serde_json::Value> = text
        .trim_end_matches('\0')
        .split('\0')
        .map(|issue| serde_json::from_str(issue).unwrap())
        .collect();
    assert_eq!(issues.len(), 2);
    assert_eq!(issues[0]["type"], "issue");
    assert_eq!(issues[0]["check_name"], "DL3009");
    assert_eq!(issues[0]["categories"], serde_json::json!(["Bug Risk"]));
    assert_eq!(
        issues[0]["location"],
        serde_json::json!({"path": "Dockerfile", "lines": {"begin": 2, "end": 2}})
    );
    assert_eq!(issues[0]["severity"], "blocker");
    assert_eq!(issues[1]["severity"], "major");
    assert!(issues[0].get("fingerprint").is_none());

    let output = project.run(&args("gitlab_codeclimate"));
    assert_eq!(output.status.code(), Some(1));
    let issues = json(&output);
    let fingerprint = issues[0]["fingerprint"].as_str().unwrap();
    assert_eq!(fingerprint.len(), 40);
    assert_ne!(fingerprint, issues[1]["fingerprint"].as_str().unwrap());
    assert_eq!(issues[1]["check_name"], "DL3025");
}

#[test]
fn thresholds_and_exit_codes_as_hadolint() {
    let project = Project::new();
    project.write("Dockerfile", "FROM debian:bookworm-slim\nCMD /x --serve\n");
    let code = |extra: &[&str]| {
        let mut args = vec!["lint", "--no-shellcheck"];
        args.extend_from_slice(extra);
        args.push("Dockerfile");
        project.run(&args).status.code()
    };
    assert_eq!(code(&[]), Some(0), "a warning passes the default threshold");
    assert_eq!(code(&["-t", "warning"]), Some(1));
    assert_eq!(code(&["-t", "info"]), Some(1));
    assert_eq!(code(&["-t", "none", "--error", "DL3025"]), Some(0));
    assert_eq!(code(&["--error", "DL3025"]), Some(1));
    assert_eq!(code(&["--error", "DL3025", "--no-fail"]), Some(0));
    assert_eq!(code(&["--style", "SCR020", "-t", "info"]), Some(0));
    assert_eq!(code(&["-t", "fatal"]), Some(2));
}

/// A `shellcheck` stand-in on PATH.
fn fake_shellcheck(project: &Project, script: &str) -> PathBuf {
    let bin = project.dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let path = bin.join("shellcheck");
    std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

fn path_with(dir: &Path) -> String {
    format!("{}:/usr/bin:/bin", dir.display())
}

#[test]
fn a_hanging_or_crashing_shellcheck_is_a_note_and_the_results_still_print() {
    let project = Project::new();
    project.write("Dockerfile", MIXED);
    let bin = fake_shellcheck(&project, "exec sleep 30");
    let started = std::time::Instant::now();
    let output = project
        .command(&["lint", "-f", "json", "Dockerfile"])
        .env("PATH", path_with(&bin))
        .env("STAGECRAFT_SHELLCHECK_TIMEOUT", "1")
        .output()
        .unwrap();
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(rules(&json(&output)), ["SCR003", "SCR020"]);
    assert!(
        stderr(&output).contains("note: shellcheck did not finish within 1 s"),
        "{}",
        stderr(&output)
    );

    let bin = fake_shellcheck(&project, "echo 'shellcheck: out of memory' >&2; exit 3");
    let output = project
        .command(&["lint", "-f", "json", "Dockerfile"])
        .env("PATH", path_with(&bin))
        .output()
        .unwrap();
    assert_eq!(rules(&json(&output)), ["SCR003", "SCR020"]);
    assert!(
        stderr(&output).contains("shellcheck failed (exit status: 3: shellcheck: out of memory)"),
        "{}",
        stderr(&output)
    );

    let empty = project.dir.path().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let output = project
        .command(&["lint", "-f", "json", "Dockerfile"])
        .env("PATH", path_with(&empty).replace(":/usr/bin:/bin", ""))
        .output()
        .unwrap();
    assert_eq!(rules(&json(&output)), ["SCR003", "SCR020"]);
    let text = stderr(&output);
    assert_eq!(
        text.matches("shellcheck is not on PATH").count(),
        1,
        "{text}"
    );
}

/// A `shellcheck` stand-in that logs each start to `calls` and finds SC2086
/// on line 2 of the last script it is given.
fn logging_shellcheck(project: &Project) -> PathBuf {
    let calls = project.dir.path().join("calls");
    fake_shellcheck(
        project,
        &format!(
            "echo \"$*\" >> '{}'\n\
             if [ \"$1\" = --version ]; then echo 'version: 0.9.0-fake'; exit 0; fi\n\
             for a; do f=$a; done\n\
             printf '{{\"comments\":[{{\"file\":\"%s\",\"line\":2,\"code\":2086,\
             \"level\":\"info\",\"message\":\"Double quote it.\"}}]}}' \"$f\"\n\
             exit 1",
            calls.display()
        ),
    )
}

#[test]
fn shellchecks_verdicts_are_cached_per_script_and_the_cache_can_be_bypassed() {
    let project = Project::new();
    project.write("Dockerfile", MIXED);
    let bin = logging_shellcheck(&project);
    let calls = || {
        std::fs::read_to_string(project.dir.path().join("calls"))
            .unwrap_or_default()
            .lines()
            .map(|line| line.split(' ').next().unwrap_or("").to_owned())
            .collect::<Vec<_>>()
    };
    let lint = |extra: &[&str]| {
        let mut args = vec!["lint", "-f", "json"];
        args.extend_from_slice(extra);
        args.push("Dockerfile");
        project
            .command(&args)
            .env("PATH", path_with(&bin))
            .output()
            .unwrap()
    };
    let first = lint(&[]);
    assert_eq!(rules(&json(&first)), ["SCR003", "SC2086", "SCR020"]);
    // The version once, then the two scripts in one process.
    assert_eq!(calls(), ["--version", "--norc"]);
    let cache = project.dir.path().join("home/.cache/stagecraft/shellcheck");
    let entries = std::fs::read_dir(&cache)
        .unwrap()
        .filter(|entry| {
            entry
                .as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|ext| ext == "json")
        })
        .count();
    assert_eq!(entries, 2, "one entry per script");

    // Warm: the same output, byte for byte, and no shellcheck started.
    let second = lint(&[]);
    assert_eq!(second.stdout, first.stdout);
    assert_eq!(calls().len(), 2);

    // A script that changed is checked (alone); the other one is cached.
    project.write("Dockerfile", &MIXED.replace("echo $1", "echo $2"));
    let changed = lint(&[]);
    assert_eq!(rules(&json(&changed)), ["SCR003", "SC2086", "SCR020"]);
    let log = std::fs::read_to_string(project.dir.path().join("calls")).unwrap();
    let last = log.lines().last().unwrap();
    assert_eq!(last.matches(".sh").count(), 1, "{log}");
    project.write("Dockerfile", MIXED);

    // Bypassed: by the flag and by the variable.
    let bypassed = lint(&["--no-shellcheck-cache"]);
    assert_eq!(bypassed.stdout, first.stdout);
    assert_eq!(calls().len(), 4);
    let off = project
        .command(&["lint", "-f", "json", "Dockerfile"])
        .env("PATH", path_with(&bin))
        .env("STAGECRAFT_SHELLCHECK_CACHE", "off")
        .output()
        .unwrap();
    assert_eq!(off.stdout, first.stdout);
    assert_eq!(calls().len(), 5);

    // A failing shellcheck's (non-)verdicts are not kept.
    let elsewhere = project.dir.path().join("other-cache");
    let bin = fake_shellcheck(
        &project,
        "if [ \"$1\" = --version ]; then echo 'version: 1'; exit 0; fi; exit 3",
    );
    let failed = project
        .command(&["lint", "-f", "json", "Dockerfile"])
        .env("PATH", path_with(&bin))
        .env("STAGECRAFT_SHELLCHECK_CACHE", &elsewhere)
        .output()
        .unwrap();
    assert_eq!(rules(&json(&failed)), ["SCR003", "SCR020"]);
    let kept = std::fs::read_dir(&elsewhere)
        .unwrap()
        .filter(|entry| {
            entry
                .as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|ext| ext == "json")
        })
        .count();
    assert_eq!(kept, 0);
}

/// The real ShellCheck (Debian's package, `scripts/tools.sh`); skipped with
/// one line when it is not installed.
#[test]
fn shellcheck_findings_at_the_dockerfile_line_with_their_codes() {
    if !shellcheck_installed() {
        eprintln!("skipping: shellcheck is not installed (bash scripts/tools.sh)");
        return;
    }
    let project = Project::new();
    project.write(
        "Dockerfile",
        "FROM debian:bookworm-slim\nARG VERSION\n\
         RUN echo $VERSION $UNSET_NAME\n\
         # hadolint ignore=SC2086\nRUN echo $1\n\
         RUN <<EOF\nset -e\necho $2\nEOF\n\
         SHELL [\"/bin/bash\", \"-c\"]\nRUN [[ -n $3 ]] && echo \"$3\"\n",
    );
    let output = project.run(&["lint", "-f", "json", "Dockerfile"]);
    let value = json(&output);
    let found: Vec<(u64, String)> = value
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["rule"].as_str().unwrap().starts_with("SC2"))
        .map(|item| {
            (
                item["line"].as_u64().unwrap(),
                item["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // Line 3: $UNSET_NAME unquoted (SC2086); $VERSION is an ARG, but
    // unquoted too. Line 5: ignored by the pragma. Line 8: the heredoc body's
    // own line. Line 11: `[[` is fine in bash (no SC3010).
    assert!(found.contains(&(3, "SC2086".to_owned())), "{found:?}");
    assert!(!found.iter().any(|(line, _)| *line == 5), "{found:?}");
    assert!(found.contains(&(8, "SC2086".to_owned())), "{found:?}");
    assert!(!found.iter().any(|(line, _)| *line == 11), "{found:?}");
    let item = value
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["rule"] == "SC2086")
        .unwrap();
    assert_eq!(item["hadolint"], "SC2086");
    assert_eq!(item["severity"], "info");

    // `[[` is not sh (SC3010) until `# hadolint shell=bash` says the stage is bash.
    let sh = project.write(
        "sh.Dockerfile",
        "FROM debian:bookworm-slim\nRUN [[ -n x ]]\n",
    );
    let bash = project.write(
        "bash.Dockerfile",
        "FROM debian:bookworm-slim\n# hadolint shell=bash\nRUN [[ -n x ]]\n",
    );
    let output = project.run(&["lint", "-f", "json", sh.to_str().unwrap()]);
    assert!(rules(&json(&output)).contains(&"SC3010".to_owned()));
    let output = project.run(&["lint", "-f", "json", bash.to_str().unwrap()]);
    assert!(!rules(&json(&output)).contains(&"SC3010".to_owned()));

    let output = project.run(&["lint", "-f", "json", "--ignore", "SC2086", "Dockerfile"]);
    assert!(!rules(&json(&output)).contains(&"SC2086".to_owned()));
    let output = project.run(&["lint", "-f", "json", "--no-shellcheck", "Dockerfile"]);
    assert!(!rules(&json(&output))
        .iter()
        .any(|rule| rule.starts_with("SC2")));
}

/// Many files' scripts in one ShellCheck batch: each keeps its stage's
/// dialect (a bash stage's `[[` is fine, an sh stage's is SC3010), the names
/// a script does not mention are not exported (yet a near miss still gets
/// ShellCheck's "possible misspelling", SC2153, and a stage variable assigned
/// in a RUN is not "unused"), and every finding lands at its own file and line.
#[test]
fn one_batch_keeps_each_scripts_dialect_names_and_line() {
    if !shellcheck_installed() {
        eprintln!("skipping: shellcheck is not installed (bash scripts/tools.sh)");
        return;
    }
    let project = Project::new();
    project.write(
        "names.Dockerfile",
        "FROM debian:bookworm-slim\nENV APP_VERSION=1 OTHER=2\n\
         RUN echo \"$APP_VERSON\"\nRUN OTHER=3 other=1\nRUN [[ -f /x ]] && echo \"$OTHER\"\n",
    );
    project.write(
        "dialects.Dockerfile",
        "FROM debian:bookworm-slim AS bash\nSHELL [\"/bin/bash\", \"-c\"]\n\
         RUN [[ -f /x ]] && echo yes\nFROM debian:bookworm-slim\nRUN [[ -f /x ]] && echo yes\n",
    );
    let output = project.run(&[
        "lint",
        "-f",
        "json",
        "names.Dockerfile",
        "dialects.Dockerfile",
    ]);
    let found: Vec<(String, u64, String)> = json(&output)
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| {
            item["hadolint"]
                .as_str()
                .is_some_and(|code| code.starts_with("SC"))
        })
        .map(|item| {
            (
                item["file"].as_str().unwrap().to_owned(),
                item["line"].as_u64().unwrap(),
                item["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let at = |file: &str, line: u64, rule: &str| (file.to_owned(), line, rule.to_owned());
    assert_eq!(
        found,
        [
            at("names.Dockerfile", 3, "SC2153"),
            at("names.Dockerfile", 4, "SC2034"),
            at("names.Dockerfile", 5, "SC3010"),
            at("dialects.Dockerfile", 5, "SC3010"),
        ],
        "{}",
        stderr(&output)
    );
}

#[test]
fn label_schema_and_strict_labels_from_the_config_reach_the_rules() {
    let project = Project::new();
    project.write(
        "Dockerfile",
        "FROM debian:bookworm-slim\nLABEL maintainer=\"not an address\" extra=x\nCMD [\"true\"]\n",
    );
    project.write(
        ".hadolint.yaml",
        "label-schema:\n  maintainer: email\n  version: semver\nstrict-labels: true\nstagecraft:\n  shellcheck: false\n",
    );
    let output = project.run(&[
        "lint",
        "-f",
        "json",
        "--failure-threshold",
        "error",
        "Dockerfile",
    ]);
    let mut found = rules(&json(&output));
    found.sort();
    // maintainer is no e-mail (DL3058), version is missing (DL3049),
    // extra is not in the strict schema (DL3050).
    assert_eq!(found, ["DL3049", "DL3050", "DL3058"], "{}", stderr(&output));

    project.write(".hadolint.yaml", "label-schema:\n  maintainer: phone\n");
    let output = project.run(&["lint", "Dockerfile"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("unknown label type `phone`"),
        "{}",
        stderr(&output)
    );
}

/// DL3057 and DL1001 are off unless `override:` (or `--info` & co.) gives
/// them a severity, as in hadolint; `ignored:` still wins.
#[test]
fn rules_off_by_default_are_enabled_by_an_override() {
    let project = Project::new();
    project.write(
        "Dockerfile",
        "FROM debian:bookworm-slim\n# hadolint ignore=DL3059\nRUN true\nCMD [\"/app\"]\n",
    );
    let args = ["lint", "--no-shellcheck", "-f", "json", "Dockerfile"];
    let found = |output: &Output| -> Vec<(u64, String, String)> {
        json(output)
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["line"].as_u64().unwrap(),
                    f["rule"].as_str().unwrap().to_owned(),
                    f["severity"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let quiet = project.run(&args);
    assert_eq!(found(&quiet), [], "{}", stderr(&quiet));
    project.write(
        ".hadolint.yaml",
        "override:\n  error: [DL3057]\n  style: [dl1001]\n",
    );
    let loud = project.run(&args);
    assert_eq!(
        found(&loud),
        [
            (1, "DL3057".to_owned(), "error".to_owned()),
            (2, "DL1001".to_owned(), "style".to_owned())
        ]
    );
    assert_eq!(loud.status.code(), Some(1));
    // The command line's flags enable them too; `ignored:` drops them.
    project.write(".hadolint.yaml", "ignored: [DL1001]\n");
    let mut flags = args.to_vec();
    flags.extend(["--info", "DL3057", "--warning", "DL1001"]);
    assert_eq!(
        found(&project.run(&flags)),
        [(1, "DL3057".to_owned(), "info".to_owned())]
    );
    // The catalogue says they are off.
    let rules = stdout(&project.run(&["lint", "--rules"]));
    let line = rules.lines().find(|l| l.starts_with("DL3057")).unwrap();
    assert!(line.contains("off:info/info"), "{line}");
    assert!(rules.lines().any(|l| l.starts_with("DL3066 ")));
}
