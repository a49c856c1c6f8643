//! `RUN`: the one instruction that can leave bytes behind in a layer.
//!
//! A [`Run`] cannot be built from an arbitrary string without a check: it comes
//! from the [`run!`](crate::run!) macro (checked at compile time), from a
//! package recipe ([`crate::packages`], correct by construction), or from
//! [`Run::checked`] at run time. Deserializing one runs the same check.

use serde::{Deserialize, Serialize};
use stagecraft_rules::accept::accept_run;
use stagecraft_rules::text::{check_run_text, TextError};

/// Why a `RUN` command is refused: its text cannot be placed in a
/// Dockerfile, its shell syntax cannot be analysed, or it breaks
/// best-practice rules (each [`Finding`](stagecraft_rules::Finding) says why
/// it costs and how to fix it). The same checks `run!` makes at compile time.
pub use stagecraft_rules::accept::Rejection as Violations;

/// A `RUN` instruction in shell form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Script", into = "Script")]
pub struct Run {
    script: Script,
}

/// What a [`Run`] executes: free-form shell text, or the steps of a recipe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Script {
    /// Shell text, rendered as written (line continuations included).
    Shell(String),
    /// Commands joined with `&&`, each rendered on its own line.
    Steps(Vec<Step>),
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
    /// The script as one line of shell (steps joined with ` && `).
    ///
    /// ```
    /// use stagecraft::model::{Script, Step};
    /// let script = Script::Steps(vec![Step::new(["make"]), Step::new(["make", "install"])]);
    /// assert_eq!(script.to_shell(), "make && make install");
    /// ```
    pub fn to_shell(&self) -> String {
        match self {
            Script::Shell(text) => text.clone(),
            Script::Steps(steps) => steps
                .iter()
                .map(Step::to_string)
                .collect::<Vec<_>>()
                .join(" && "),
        }
    }

    /// The checks of [`Run::checked`]: text, shell syntax and rules.
    fn check(&self) -> Result<(), Violations> {
        if let Script::Steps(steps) = self {
            check_steps(steps)?;
        }
        accept_run(&self.to_shell())?;
        Ok(())
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
        Run::try_from(Script::Shell(text.into()))
    }

    /// A `RUN` made of recipe steps; the steps are checked like any other script.
    pub(crate) fn from_steps(steps: Vec<Step>) -> Result<Run, Violations> {
        Run::try_from(Script::Steps(steps))
    }

    /// What this `RUN` executes.
    pub fn script(&self) -> &Script {
        &self.script
    }
}

impl TryFrom<Script> for Run {
    type Error = Violations;

    fn try_from(script: Script) -> Result<Self, Self::Error> {
        script.check()?;
        Ok(Run { script })
    }
}

impl From<Run> for Script {
    fn from(run: Run) -> Script {
        run.script
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
