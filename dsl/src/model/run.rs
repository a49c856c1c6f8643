//! `RUN`: the one instruction that can leave bytes behind in a layer.
//!
//! A [`Run`] cannot be built from an arbitrary string without a check: it comes
//! from the [`run!`](crate::run!) macro (checked at compile time), from a
//! package recipe ([`crate::packages`], correct by construction), or from
//! [`Run::checked`] at run time. Deserializing one runs the same check.

use serde::{Deserialize, Serialize};
use stagecraft_rules::catalogue::Severity;
use stagecraft_rules::dockerfile::check::run_texts;
use stagecraft_rules::dockerfile::mount::keeps_writes_out_of_the_layer;
use stagecraft_rules::dockerfile::parse as parse_text;
use stagecraft_rules::text::{check_run_start, check_run_text, without_comment_lines, TextError};
use stagecraft_rules::{check_run, RunContext};
use thiserror::Error;

use super::heredoc::{HeredocError, HeredocScript};
use super::mount::{Mount, MountError, Network, Security};

/// Why a `RUN` command is refused: its text cannot be placed in a
/// Dockerfile, its shell syntax cannot be analysed, or it breaks
/// best-practice rules (each [`Finding`](stagecraft_rules::Finding) says why
/// it costs and how to fix it). The same checks `run!` makes at compile time.
pub use stagecraft_rules::accept::Rejection as Violations;

/// Why a [`RunSpec`] cannot make a `RUN`: a mount, a heredoc, an exec form,
/// or the command itself.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RunError {
    /// A mount that cannot be written as it is.
    #[error(transparent)]
    Mount(#[from] MountError),
    /// A heredoc that cannot be written as it is.
    #[error(transparent)]
    Heredoc(#[from] HeredocError),
    /// An exec form without a program, or with an argument no JSON form carries.
    #[error("an exec-form RUN {0}")]
    Exec(&'static str),
    /// The command is refused by the checks of [`Run::checked`].
    #[error(transparent)]
    Refused(#[from] Violations),
}

/// A `RUN` instruction: what it executes ([`Script`]) and its BuildKit
/// options (`--mount`, `--network`, `--security`).
///
/// Made by [`run!`](crate::run!), [`Run::checked`], a recipe, or a
/// [`RunSpec`] for the options:
///
/// ```
/// use stagecraft::model::{Mount, Network, RunSpec, Sharing};
///
/// let run = RunSpec::new()
///     .mount(Mount::cache("/root/.cache/pip").sharing(Sharing::Locked))
///     .network(Network::Default)
///     .shell("pip install numpy==2.1.0")
///     .unwrap();
/// assert_eq!(run.mounts().len(), 1);
/// // Without the cache mount, the pip cache would stay in the layer:
/// assert!(RunSpec::new().shell("pip install numpy==2.1.0").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RunParts", into = "RunParts")]
pub struct Run {
    script: Script,
    mounts: Vec<Mount>,
    network: Option<Network>,
    security: Option<Security>,
}

/// The fields of a [`Run`] as they are stored: the script's variant
/// (`shell`, `steps`, `exec`, `heredoc`) beside the options.
#[derive(Serialize, Deserialize)]
struct RunParts {
    #[serde(flatten)]
    script: Script,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    mounts: Vec<Mount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    network: Option<Network>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    security: Option<Security>,
}

/// The options of a `RUN` before its command: mounts, network, security.
///
/// Like [`CopySpec`](crate::CopySpec), a value built by its methods; the
/// command comes last ([`shell`](Self::shell), [`exec`](Self::exec),
/// [`heredoc`](Self::heredoc)), so the checks see the mounts (a cache mount
/// keeps a cache out of the layer).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSpec {
    mounts: Vec<Mount>,
    network: Option<Network>,
    security: Option<Security>,
}

impl RunSpec {
    /// No options yet.
    pub fn new() -> RunSpec {
        RunSpec::default()
    }

    /// Adds a `--mount`.
    pub fn mount(mut self, mount: impl Into<Mount>) -> RunSpec {
        self.mounts.push(mount.into());
        self
    }

    /// `--network=...`.
    pub fn network(mut self, network: Network) -> RunSpec {
        self.network = Some(network);
        self
    }

    /// `--security=...`.
    pub fn security(mut self, security: Security) -> RunSpec {
        self.security = Some(security);
        self
    }

    /// A shell-form `RUN` with these options.
    pub fn shell(self, text: impl Into<String>) -> Result<Run, RunError> {
        self.finish(Script::Shell(text.into()))
    }

    /// An exec-form `RUN ["program", "arg", ...]`: it needs no shell, so it
    /// may run in a shell-less stage ([`StageBuilder::run_exec`](crate::StageBuilder::run_exec)).
    ///
    /// ```
    /// use stagecraft::model::RunSpec;
    /// let run = RunSpec::new().exec(["/busybox", "mkdir", "-p", "/data"]).unwrap();
    /// assert!(!run.run().needs_shell());
    /// assert!(RunSpec::new().exec(Vec::<String>::new()).is_err());
    /// ```
    pub fn exec<I, S>(self, args: I) -> Result<ExecRun, RunError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let args: Vec<String> = args.into_iter().map(Into::into).collect();
        self.finish(Script::Exec(args)).map(ExecRun)
    }

    /// A heredoc `RUN`.
    ///
    /// ```
    /// use stagecraft::model::{Heredoc, HeredocScript, RunSpec};
    /// let script = HeredocScript::script(Heredoc::new("EOF", "set -e\nmake\n"));
    /// assert!(RunSpec::new().heredoc(script).is_ok());
    /// ```
    pub fn heredoc(self, script: HeredocScript) -> Result<Run, RunError> {
        self.finish(Script::Heredoc(script))
    }

    /// Recipe steps with these options (for the recipes' cached forms).
    pub(crate) fn steps(self, steps: Vec<Step>) -> Result<Run, RunError> {
        self.finish(Script::Steps(steps))
    }

    /// A `RUN` of a whole Dockerfile read from text, whose rules (and shell
    /// syntax, under a POSIX `SHELL`) the file's one verdict has judged
    /// with its stage
    /// ([`model_support::judge`](stagecraft_rules::dockerfile::model_support::judge)):
    /// its mounts and the form of its script are checked again here, not
    /// the rules of a stage that ships.
    pub(crate) fn judged_by_file(self, script: Script) -> Result<Run, RunError> {
        let run = Run {
            script,
            mounts: self.mounts,
            network: self.network,
            security: self.security,
        };
        for mount in &run.mounts {
            mount.check()?;
        }
        run.script.parsed()?;
        Ok(run)
    }

    /// A `RUN` of a Dockerfile that `dockerfile!`/`include_dockerfile!`
    /// judged at compile time, mounts and script included: nothing is
    /// checked again.
    pub(crate) fn checked_by_macro(self, script: Script) -> Run {
        Run {
            script,
            mounts: self.mounts,
            network: self.network,
            security: self.security,
        }
    }

    fn finish(self, script: Script) -> Result<Run, RunError> {
        let run = Run {
            script,
            mounts: self.mounts,
            network: self.network,
            security: self.security,
        };
        run.check()?;
        Ok(run)
    }
}

/// An exec-form [`Run`]: the one `RUN` a shell-less stage may hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecRun(Run);

impl ExecRun {
    /// The `RUN`.
    pub fn run(&self) -> &Run {
        &self.0
    }
}

impl From<ExecRun> for Run {
    fn from(exec: ExecRun) -> Run {
        exec.0
    }
}

/// What a [`Run`] executes: free-form shell text, or the steps of a recipe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Script {
    /// Shell text, rendered as written: line continuations included, and
    /// comment lines inside them (a line starting with `#` after a line
    /// ending in `\`), which Docker removes before the shell runs the rest.
    ///
    /// ```
    /// use stagecraft::Run;
    ///
    /// let run = Run::checked(
    ///     "apt-get update \\\n    # the tools we need\n    && apt-get install -y --no-install-recommends curl \\\n    && rm -rf /var/lib/apt/lists/*",
    /// )
    /// .unwrap();
    /// let mut df = stagecraft::Dockerfile::builder();
    /// df.anonymous_stage("debian:bookworm-slim").run(run);
    /// assert!(df.build().unwrap().render().contains("update \\\n    # the tools we need\n    && apt-get"));
    /// ```
    Shell(String),
    /// Commands joined with `&&`, each rendered on its own line.
    Steps(Vec<Step>),
    /// The exec form, `["program", "arg"]`: run without a shell.
    Exec(Vec<String>),
    /// A heredoc `RUN`: its command line and heredoc bodies.
    Heredoc(HeredocScript),
}

/// One command of a multi-step `RUN`: its words, then a list of items
/// (packages) that the renderer puts one per line when there are several.
///
/// Words and items are shell words as they appear in the script: a recipe
/// quotes what needs quoting before it builds a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The command and its options, e.g. `["apt-get", "install", "-y"]`.
    pub words: Vec<String>,
    /// Trailing operands, e.g. package names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
}

impl Step {
    /// A step with words only.
    ///
    /// ```
    /// let step = stagecraft::model::Step::new(["apt-get", "update"]);
    /// assert_eq!(step.to_string(), "apt-get update");
    /// ```
    pub fn new<I, S>(words: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Step {
            words: words.into_iter().map(Into::into).collect(),
            items: Vec::new(),
        }
    }

    /// The same step with trailing items.
    pub fn with_items<I, S>(mut self, items: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.items = items.into_iter().map(Into::into).collect();
        self
    }
}

impl std::fmt::Display for Step {
    /// The step as one line of shell.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let words = self.words.iter().chain(&self.items);
        for (index, word) in words.enumerate() {
            if index > 0 {
                f.write_str(" ")?;
            }
            f.write_str(word)?;
        }
        Ok(())
    }
}

impl Script {
    /// The script as the shell runs it (steps joined with ` && `; exec
    /// arguments quoted for the shell; shell text without the comment lines
    /// Docker removes from its continuations; a heredoc `RUN` as written).
    ///
    /// ```
    /// use stagecraft::model::{Script, Step};
    /// let script = Script::Steps(vec![Step::new(["make"]), Step::new(["make", "install"])]);
    /// assert_eq!(script.to_shell(), "make && make install");
    /// let commented = Script::Shell("make \\\n  # then\n && make install".into());
    /// assert_eq!(commented.to_shell(), "make \\\n && make install");
    /// ```
    pub fn to_shell(&self) -> String {
        match self {
            Script::Shell(text) => without_comment_lines(text).into_owned(),
            Script::Steps(steps) => steps
                .iter()
                .map(Step::to_string)
                .collect::<Vec<_>>()
                .join(" && "),
            Script::Exec(args) => args
                .iter()
                .map(|arg| shell_quote(arg))
                .collect::<Vec<_>>()
                .join(" "),
            Script::Heredoc(script) => script.to_string(),
        }
    }

    /// The script as the Dockerfile parser reads it, for the rules.
    fn parsed(&self) -> Result<parse_text::Run, RunError> {
        let (command, heredocs) = match self {
            Script::Shell(text) => {
                check_run_start(text).map_err(Violations::Text)?;
                check_run_text(text).map_err(Violations::Text)?;
                // The rules read what runs: Docker removes the comment lines.
                let runs = without_comment_lines(text).into_owned();
                (parse_text::Command::Shell(runs), Vec::new())
            }
            Script::Steps(steps) => {
                check_steps(steps).map_err(Violations::Text)?;
                let text = self.to_shell();
                check_run_text(&text).map_err(Violations::Text)?;
                (parse_text::Command::Shell(text), Vec::new())
            }
            Script::Exec(args) => {
                if args.first().is_none_or(String::is_empty) {
                    return Err(RunError::Exec(
                        "needs a program: write `[\"program\", \"arg\", ...]`",
                    ));
                }
                if args.iter().any(|arg| arg.contains('\0')) {
                    return Err(RunError::Exec("cannot carry a NUL byte: remove it"));
                }
                (parse_text::Command::Exec(args.clone()), Vec::new())
            }
            Script::Heredoc(script) => {
                let run = script.check()?;
                (run.command, run.heredocs)
            }
        };
        Ok(parse_text::Run {
            command,
            mounts: Vec::new(),
            network: None,
            heredocs,
        })
    }
}

/// A word the shell reads back as `word` (single quotes when needed).
fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%^".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// Steps are rendered on lines of their own, so none of their words may be
/// empty or carry a newline, continuation or not.
fn check_steps(steps: &[Step]) -> Result<(), TextError> {
    if steps.is_empty() || steps.iter().any(|step| step.words.is_empty()) {
        return Err(TextError::Empty);
    }
    for word in steps.iter().flat_map(|s| s.words.iter().chain(&s.items)) {
        if word.is_empty() {
            return Err(TextError::Empty);
        }
        check_run_text(word)?;
        if word.contains('\n') {
            return Err(TextError::BareNewline { line: 1 });
        }
    }
    Ok(())
}

impl Run {
    /// Checks shell text at run time, with the same checks as the `run!`
    /// macro: the text can be placed after `RUN `, its shell syntax can be
    /// analysed, and it breaks no rule that is an error in a stage that ships
    /// (apt lists left behind, pip caches, a missing `-y`, ...).
    ///
    /// ```
    /// use stagecraft::{Run, Violations};
    ///
    /// let run = Run::checked("make -j2 && make install").unwrap();
    /// assert_eq!(run.script().to_shell(), "make -j2 && make install");
    ///
    /// let error = Run::checked("make\nUSER root").unwrap_err();
    /// assert!(error.to_string().contains("not a line continuation"));
    ///
    /// let Err(Violations::Rules(findings)) = Run::checked("pip install numpy") else {
    ///     panic!("a pip cache left in the layer is refused");
    /// };
    /// assert_eq!(findings[0].rule.id, "SCR009");
    /// assert!(findings[0].message.contains("--no-cache-dir"));
    /// ```
    pub fn checked(text: impl Into<String>) -> Result<Run, Violations> {
        match RunSpec::new().shell(text) {
            Ok(run) => Ok(run),
            Err(RunError::Refused(violations)) => Err(violations),
            Err(other) => unreachable!("a RUN without options is only refused: {other}"),
        }
    }

    /// A `RUN` made of recipe steps; the steps are checked like any other script.
    pub(crate) fn from_steps(steps: Vec<Step>) -> Result<Run, Violations> {
        match RunSpec::new().steps(steps) {
            Ok(run) => Ok(run),
            Err(RunError::Refused(violations)) => Err(violations),
            Err(other) => unreachable!("a RUN without options is only refused: {other}"),
        }
    }

    /// What this `RUN` executes.
    pub fn script(&self) -> &Script {
        &self.script
    }

    /// Its `--mount`s, in order.
    pub fn mounts(&self) -> &[Mount] {
        &self.mounts
    }

    /// Its `--network`, if set.
    pub fn network(&self) -> Option<Network> {
        self.network
    }

    /// Its `--security`, if set.
    pub fn security(&self) -> Option<Security> {
        self.security
    }

    /// Whether it runs under the stage's shell: every form but the exec form.
    pub fn needs_shell(&self) -> bool {
        !matches!(self.script, Script::Exec(_))
    }

    /// The `--mount`, `--network` and `--security` flags, as rendered.
    pub fn flags(&self) -> Vec<String> {
        let mut flags: Vec<String> = self.mounts.iter().map(Mount::to_string).collect();
        flags.extend(self.network.map(|n| format!("--network={}", n.as_str())));
        flags.extend(self.security.map(|s| format!("--security={}", s.as_str())));
        flags
    }

    /// The checks of [`RunSpec`]: mounts, the script's form, then the rules
    /// for a stage that ships, on the texts `stagecraft lint` analyses for
    /// this `RUN` (a cache mount keeps its caches out of the layer).
    pub(super) fn check(&self) -> Result<(), RunError> {
        let parsed = self.check_form()?;
        let ctx = RunContext {
            cache_mounts: self
                .mounts
                .iter()
                .filter(|mount| keeps_writes_out_of_the_layer(mount.kind()))
                .filter_map(|mount| mount.target().map(str::to_string))
                .collect(),
            ..RunContext::shipped()
        };
        let mut errors = Vec::new();
        for text in run_texts(&parsed) {
            let findings = check_run(&text, &ctx).map_err(Violations::Shell)?;
            errors.extend(
                findings
                    .into_iter()
                    .filter(|finding| finding.severity == Severity::Error),
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Violations::Rules(errors).into())
        }
    }

    /// The checks that need no stage: the mounts and the script's form.
    fn check_form(&self) -> Result<parse_text::Run, RunError> {
        for mount in &self.mounts {
            mount.check()?;
        }
        self.script.parsed()
    }
}

/// A [`Run`] read as part of a [`Dockerfile`](super::Dockerfile)'s
/// instructions (`Instruction::Run`'s serde): only the checks that need no
/// stage ([`Run::check_form`]); the rules need the stage the `RUN` is in
/// (one only copied from is held to warnings, its `ENV` and `SHELL` count),
/// so the Dockerfile judges them once it is read (`model/json.rs`). A `Run`
/// read alone is held to a stage that ships, as [`Run::checked`] holds it.
pub(super) fn deserialize_in_stage<'de, D>(deserializer: D) -> Result<Run, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let parts = RunParts::deserialize(deserializer)?;
    let run = Run {
        script: parts.script,
        mounts: parts.mounts,
        network: parts.network,
        security: parts.security,
    };
    run.check_form().map_err(serde::de::Error::custom)?;
    Ok(run)
}

impl TryFrom<RunParts> for Run {
    type Error = RunError;

    fn try_from(parts: RunParts) -> Result<Self, Self::Error> {
        let run = Run {
            script: parts.script,
            mounts: parts.mounts,
            network: parts.network,
            security: parts.security,
        };
        run.check()?;
        Ok(run)
    }
}

impl From<Run> for RunParts {
    fn from(run: Run) -> RunParts {
        RunParts {
            script: run.script,
            mounts: run.mounts,
            network: run.network,
            security: run.security,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deserializing_checks_the_text() {
        let ok: Run = serde_json::from_str(r#"{"shell":"make"}"#).unwrap();
        assert_eq!(ok.script(), &Script::Shell("make".into()));
        let error = serde_json::from_str::<Run>(r#"{"shell":"make\nUSER root"}"#).unwrap_err();
        assert!(
            error.to_string().contains("not a line continuation"),
            "{error}"
        );
        let error = serde_json::from_str::<Run>(r#"{"steps":[]}"#).unwrap_err();
        assert!(error.to_string().contains("empty"), "{error}");
        let error = serde_json::from_str::<Run>(r#"{"shell":"apk add curl"}"#).unwrap_err();
        assert!(error.to_string().contains("SCR011"), "{error}");
    }

    #[test]
    fn steps_reject_continuations_inside_words() {
        let steps = vec![Step::new(["echo", "a \\\nb"])];
        assert_eq!(
            Run::from_steps(steps),
            Err(Violations::Text(TextError::BareNewline { line: 1 }))
        );
    }
}
