//! hadolint's configuration, read as hadolint reads it: a `.hadolint.yaml`,
//! the `HADOLINT_*` environment variables and the command line, merged with
//! the command line winning over the file and the file over the environment
//! (lists add up), as `hadolint`'s `Main.hs` merges them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::finding::{parse_severity, Threshold};
use crate::format::Format;

/// One source's settings (the file, the environment or the command line):
/// `None` and empty lists where that source says nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Partial {
    pub no_fail: Option<bool>,
    pub no_color: Option<bool>,
    pub verbose: Option<bool>,
    pub format: Option<Format>,
    /// `override` lists, by severity name (`error`, `warning`, `info`, `style`).
    pub overrides: Vec<(stagecraft::lint::Severity, String)>,
    pub ignored: Vec<String>,
    pub trusted_registries: Vec<String>,
    pub label_schema: BTreeMap<String, String>,
    pub strict_labels: Option<bool>,
    pub disable_ignore_pragma: Option<bool>,
    pub failure_threshold: Option<Threshold>,
    pub stage_aware: Option<bool>,
    pub target: Option<String>,
    pub shellcheck: Option<bool>,
}

impl Partial {
    /// `self` with `later` applied over it: `later`'s values win, lists add up.
    pub fn then(mut self, later: Partial) -> Partial {
        fn pick<T>(earlier: &mut Option<T>, later: Option<T>) {
            if later.is_some() {
                *earlier = later;
            }
        }
        pick(&mut self.no_fail, later.no_fail);
        pick(&mut self.no_color, later.no_color);
        pick(&mut self.verbose, later.verbose);
        pick(&mut self.format, later.format);
        self.overrides.extend(later.overrides);
        self.ignored.extend(later.ignored);
        self.trusted_registries.extend(later.trusted_registries);
        self.label_schema.extend(later.label_schema);
        pick(&mut self.strict_labels, later.strict_labels);
        pick(&mut self.disable_ignore_pragma, later.disable_ignore_pragma);
        pick(&mut self.failure_threshold, later.failure_threshold);
        pick(&mut self.stage_aware, later.stage_aware);
        pick(&mut self.target, later.target);
        pick(&mut self.shellcheck, later.shellcheck);
        self
    }
}

/// Why the configuration file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("{}: cannot read the configuration file: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not YAML, or a key is unknown or of the wrong type.
    #[error(
        "{}: {message}\n  the keys are those of hadolint's .hadolint.yaml (ignored, override, \
         failure-threshold, no-fail, no-color, format, trustedRegistries, label-schema, \
         strict-labels, disable-ignore-pragma, verbose) and `stagecraft:` (stage-aware, target, \
         shellcheck)",
        .path.display()
    )]
    Invalid { path: PathBuf, message: String },
}

/// The file's keys, as hadolint spells them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FileConfig {
    no_fail: Option<bool>,
    no_color: Option<bool>,
    verbose: Option<bool>,
    format: Option<String>,
    formats: Option<Vec<String>>,
    #[serde(rename = "override")]
    overrides: Option<Overrides>,
    ignored: Option<Vec<String>>,
    #[serde(rename = "trustedRegistries")]
    trusted_registries: Option<Vec<String>>,
    label_schema: Option<BTreeMap<String, String>>,
    strict_labels: Option<bool>,
    disable_ignore_pragma: Option<bool>,
    failure_threshold: Option<String>,
    stagecraft: Option<OwnKeys>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Overrides {
    error: Option<Vec<String>>,
    warning: Option<Vec<String>>,
    info: Option<Vec<String>>,
    style: Option<Vec<String>>,
}

/// `stagecraft:`, our own keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct OwnKeys {
    stage_aware: Option<bool>,
    target: Option<String>,
    shellcheck: Option<bool>,
}

/// Reads a configuration file's text (`path` is only for the messages).
///
/// ```text
/// ignored: [DL3008, SC2086]
/// override:
///   error: [DL3009]
/// failure-threshold: warning
/// stagecraft:
///   target: build
/// ```
pub fn parse_file(path: &Path, text: &str) -> Result<Partial, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid {
        path: path.to_owned(),
        message,
    };
    // An empty file (or one of comments only) is an empty configuration.
    if text
        .lines()
        .all(|line| line.trim().is_empty() || line.trim_start().starts_with('#'))
    {
        return Ok(Partial::default());
    }
    let file: FileConfig =
        serde_yaml_ng::from_str(text).map_err(|error| invalid(error.to_string()))?;
    let mut partial = Partial {
        no_fail: file.no_fail,
        no_color: file.no_color,
        verbose: file.verbose,
        ignored: file.ignored.unwrap_or_default(),
        trusted_registries: file.trusted_registries.unwrap_or_default(),
        label_schema: file.label_schema.unwrap_or_default(),
        strict_labels: file.strict_labels,
        disable_ignore_pragma: file.disable_ignore_pragma,
        ..Partial::default()
    };
    let formats = file
        .formats
        .unwrap_or_default()
        .into_iter()
        .chain(file.format);
    for name in formats {
        partial.format = Some(Format::parse(&name).ok_or_else(|| {
            invalid(format!(
                "format: unknown format `{name}` ({})",
                Format::NAMES
            ))
        })?);
    }
    if let Some(text) = file.failure_threshold {
        partial.failure_threshold = Some(Threshold::parse(&text).ok_or_else(|| {
            invalid(format!(
                "failure-threshold: `{text}` is no severity (error, warning, info, style, none)"
            ))
        })?);
    }
    if let Some(overrides) = file.overrides {
        use stagecraft::lint::Severity;
        for (severity, codes) in [
            (Severity::Error, overrides.error),
            (Severity::Warning, overrides.warning),
            (Severity::Info, overrides.info),
            (Severity::Style, overrides.style),
        ] {
            for code in codes.unwrap_or_default() {
                partial.overrides.push((severity, code));
            }
        }
    }
    if let Some(own) = file.stagecraft {
        partial.stage_aware = own.stage_aware;
        partial.target = own.target;
        partial.shellcheck = own.shellcheck;
    }
    Ok(partial)
}

/// The configuration file hadolint would use: `explicit` (`--config`), else
/// the first of `.hadolint.yaml`/`.hadolint.yml` in `cwd` and its parents,
/// `$XDG_CONFIG_HOME/hadolint.yaml` (or `~/.config/`), `~/.hadolint/`
/// (`hadolint.yaml`, `config.yaml`), `~/.hadolint.yaml`; each also as `.yml`.
pub fn find_file(
    explicit: Option<&Path>,
    cwd: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_owned());
    }
    let hidden = [".hadolint.yaml", ".hadolint.yml"];
    let visible = ["hadolint.yaml", "hadolint.yml"];
    let mut candidates: Vec<PathBuf> = Vec::new();
    for dir in cwd.ancestors() {
        candidates.extend(hidden.iter().map(|name| dir.join(name)));
    }
    let home = env("HOME")
        .filter(|home| !home.is_empty())
        .map(PathBuf::from);
    let xdg = env("XDG_CONFIG_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|home| home.join(".config")));
    if let Some(xdg) = xdg {
        candidates.extend(visible.iter().map(|name| xdg.join(name)));
    }
    if let Some(home) = home {
        let app = home.join(".hadolint");
        let more = ["config.yaml", "config.yml"];
        candidates.extend(visible.iter().chain(&more).map(|name| app.join(name)));
        candidates.extend(hidden.iter().map(|name| home.join(name)));
    }
    candidates.into_iter().find(|path| path.is_file())
}

/// Reads the file at `path`.
pub fn read_file(path: &Path) -> Result<Partial, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_file(path, &text)
}

/// The `HADOLINT_*` variables (and `NO_COLOR`), as hadolint's
/// `Config/Environment.hs` reads them. A value that cannot be read is
/// reported in `warnings` and left out.
pub fn from_env(env: &dyn Fn(&str) -> Option<String>, warnings: &mut Vec<String>) -> Partial {
    let truthy = |name: &str| {
        env(name).map(|value| {
            matches!(
                value.trim().to_ascii_lowercase().as_str(),
                "1" | "y" | "on" | "true" | "yes"
            )
        })
    };
    let list = |name: &str| -> Vec<String> {
        env(name)
            .map(|value| {
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|code| !code.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut partial = Partial {
        no_fail: truthy("HADOLINT_NOFAIL"),
        no_color: (env("NO_COLOR").is_some() || env("HADOLINT_NOCOLOR").is_some())
            .then_some(true)
            .or(truthy("HADOLINT_NOCOLOR")),
        verbose: truthy("HADOLINT_VERBOSE"),
        ignored: list("HADOLINT_IGNORE"),
        trusted_registries: list("HADOLINT_TRUSTED_REGISTRIES"),
        strict_labels: truthy("HADOLINT_STRICT_LABELS"),
        disable_ignore_pragma: truthy("HADOLINT_DISABLE_IGNORE_PRAGMA"),
        ..Partial::default()
    };
    for (name, severity) in [
        ("HADOLINT_OVERRIDE_ERROR", "error"),
        ("HADOLINT_OVERRIDE_WARNING", "warning"),
        ("HADOLINT_OVERRIDE_INFO", "info"),
        ("HADOLINT_OVERRIDE_STYLE", "style"),
    ] {
        let severity = parse_severity(severity).expect("a severity name");
        partial
            .overrides
            .extend(list(name).into_iter().map(|code| (severity, code)));
    }
    for pair in list("HADOLINT_REQUIRE_LABELS") {
        match pair.split_once(':') {
            Some((label, kind)) => {
                partial
                    .label_schema
                    .insert(label.to_owned(), kind.to_owned());
            }
            None => warnings.push(format!(
                "HADOLINT_REQUIRE_LABELS: `{pair}` is not `label:type`; left out"
            )),
        }
    }
    // hadolint takes the first format it can read from a comma list.
    if let Some(value) = env("HADOLINT_FORMAT") {
        match value.split(',').find_map(|name| Format::parse(name.trim())) {
            Some(format) => partial.format = Some(format),
            None => warnings.push(format!(
                "HADOLINT_FORMAT: unknown format `{value}` ({}); left out",
                Format::NAMES
            )),
        }
    }
    if let Some(value) = env("HADOLINT_FAILURE_THRESHOLD") {
        match Threshold::parse(&value) {
            Some(threshold) => partial.failure_threshold = Some(threshold),
            None => warnings.push(format!(
                "HADOLINT_FAILURE_THRESHOLD: `{value}` is no severity \
                 (error, warning, info, style, none); left out"
            )),
        }
    }
    partial
}

#[cfg(test)]
mod tests {
    use super::*;
    use stagecraft::lint::Severity;

    #[test]
    fn reads_hadolints_keys_and_ours() {
        let text = "\
ignored:
  - DL3008
  - SC2086
override:
  error: [DL3015]
  style:
    - DL3059
failure-threshold: warning
no-fail: false
trustedRegistries: [docker.io, my-company.com]
label-schema:
  maintainer: text
strict-labels: true
disable-ignore-pragma: true
format: sarif
no-color: true
stagecraft:
  stage-aware: false
  target: build
";
        let partial = parse_file(Path::new(".hadolint.yaml"), text).unwrap();
        assert_eq!(partial.ignored, ["DL3008", "SC2086"]);
        assert_eq!(
            partial.overrides,
            [
                (Severity::Error, "DL3015".to_owned()),
                (Severity::Style, "DL3059".to_owned())
            ]
        );
        assert_eq!(
            partial.failure_threshold,
            Some(Threshold::AtLeast(Severity::Warning))
        );
        assert_eq!(partial.no_fail, Some(false));
        assert_eq!(partial.trusted_registries, ["docker.io", "my-company.com"]);
        assert_eq!(partial.label_schema["maintainer"], "text");
        assert_eq!(partial.strict_labels, Some(true));
        assert_eq!(partial.disable_ignore_pragma, Some(true));
        assert_eq!(partial.format, Some(Format::Sarif));
        assert_eq!(partial.no_color, Some(true));
        assert_eq!(partial.stage_aware, Some(false));
        assert_eq!(partial.target.as_deref(), Some("build"));
    }

    #[test]
    fn errors_name_the_key_and_the_line() {
        let path = Path::new("x/.hadolint.yaml");
        let error = parse_file(path, "ignored: [DL3008]\nignore: [DL3009]\n").unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with("x/.hadolint.yaml: "), "{text}");
        assert!(text.contains("unknown field `ignore`"), "{text}");
        assert!(text.contains("line 2"), "{text}");

        let error = parse_file(path, "ignored: [DL3008]\nno-fail: maybe\n").unwrap_err();
        let text = error.to_string();
        assert!(text.contains("no-fail"), "{text}");
        assert!(text.contains("line 2"), "{text}");

        let error = parse_file(path, "failure-threshold: fatal\n").unwrap_err();
        assert!(error.to_string().contains("failure-threshold: `fatal`"));
        let error = parse_file(path, "override:\n  fatal: [DL3008]\n").unwrap_err();
        assert!(error.to_string().contains("unknown field `fatal`"));
        assert_eq!(parse_file(path, "# nothing\n").unwrap(), Partial::default());
    }

    #[test]
    fn environment_as_hadolint_reads_it() {
        let vars = [
            ("HADOLINT_IGNORE", "DL3008, SC2086"),
            ("HADOLINT_NOFAIL", "yes"),
            ("HADOLINT_OVERRIDE_INFO", "DL3009"),
            ("HADOLINT_FAILURE_THRESHOLD", "style"),
            ("HADOLINT_FORMAT", "nope,json"),
            ("HADOLINT_REQUIRE_LABELS", "maintainer:text,broken"),
            ("NO_COLOR", ""),
        ];
        let env = |name: &str| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        };
        let mut warnings = Vec::new();
        let partial = from_env(&env, &mut warnings);
        assert_eq!(partial.ignored, ["DL3008", "SC2086"]);
        assert_eq!(partial.no_fail, Some(true));
        assert_eq!(partial.overrides, [(Severity::Info, "DL3009".to_owned())]);
        assert_eq!(
            partial.failure_threshold,
            Some(Threshold::AtLeast(Severity::Style))
        );
        assert_eq!(partial.format, Some(Format::Json));
        assert_eq!(partial.label_schema.len(), 1);
        assert_eq!(partial.no_color, Some(true));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
    }

    #[test]
    fn later_sources_win_and_lists_add_up() {
        let env = Partial {
            no_fail: Some(true),
            ignored: vec!["DL3008".to_owned()],
            ..Partial::default()
        };
        let file = Partial {
            no_fail: Some(false),
            ignored: vec!["DL3009".to_owned()],
            ..Partial::default()
        };
        let merged = env.then(file).then(Partial::default());
        assert_eq!(merged.no_fail, Some(false));
        assert_eq!(merged.ignored, ["DL3008", "DL3009"]);
    }

    #[test]
    fn finds_the_file_where_hadolint_looks() {
        let root = tempfile::tempdir().unwrap();
        let project = root.path().join("project/sub");
        std::fs::create_dir_all(&project).unwrap();
        let home = root.path().join("home");
        std::fs::create_dir_all(home.join(".config")).unwrap();
        let home_text = home.to_string_lossy().into_owned();
        let env = move |name: &str| (name == "HOME").then(|| home_text.clone());
        assert_eq!(find_file(None, &project, &env), None);
        let in_home = home.join(".config/hadolint.yaml");
        std::fs::write(&in_home, "ignored: []\n").unwrap();
        assert_eq!(find_file(None, &project, &env), Some(in_home));
        let above = root.path().join("project/.hadolint.yml");
        std::fs::write(&above, "ignored: []\n").unwrap();
        assert_eq!(find_file(None, &project, &env), Some(above));
        let explicit = Path::new("/elsewhere.yaml");
        assert_eq!(
            find_file(Some(explicit), &project, &env),
            Some(explicit.to_owned())
        );
    }
}
