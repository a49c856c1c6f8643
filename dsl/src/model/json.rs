//! Reading a [`Dockerfile`] back from JSON (or any serde format): the rules
//! of each `RUN` judged with its stage, as the text and the builder judge
//! them.
//!
//! A `RUN` inside a Dockerfile is read with the checks that need no stage
//! (`run::deserialize_in_stage`); this module then holds it to what its
//! stage allows. A `RUN` that passes the rules for a stage that ships, with
//! no context ([`Run::checked`](super::Run::checked)'s test, all a builder's
//! `RUN`s pass), is accepted as before. One that does not is refused only
//! when the stage-aware lint ([`Dockerfile::lint`], through the view) also
//! finds an error on its line: a stage only copied from is held to
//! warnings, and the stage's `ENV` (`PIP_NO_CACHE_DIR=1`) and `SHELL`
//! (`-o pipefail`) count, exactly as when the model was read from text.

use stagecraft_rules::catalogue::Severity;

use super::{view, Dockerfile, Instruction, RunError};
use crate::error::{ErrorKind, Errors, Location, ModelError, Part};

impl Dockerfile {
    /// The `RUN`s the rules refuse in their stage, as [`Errors`] located at
    /// each (see the [module documentation](self)).
    pub(super) fn judge_runs_in_their_stages(&self) -> Result<(), Errors> {
        let mut alone = Vec::new();
        for (stage_index, stage) in self.stages().iter().enumerate() {
            // The view has one instruction per model instruction but comments.
            let instructions = stage
                .instructions
                .iter()
                .enumerate()
                .filter(|(_, item)| !matches!(item, Instruction::Comment(_)));
            for (position, (index, item)) in instructions.enumerate() {
                if let Instruction::Run(run) = item {
                    if let Err(RunError::Refused(violations)) = run.check() {
                        alone.push((stage_index, position, index, violations));
                    }
                }
            }
        }
        if alone.is_empty() {
            return Ok(());
        }
        let tree = view::tree(self);
        let findings = self.lint(None);
        let errors: Vec<ModelError> = alone
            .into_iter()
            .filter(|(stage, position, _, _)| {
                let line = tree.stages[*stage].instructions[*position].line;
                findings
                    .iter()
                    .any(|finding| finding.line == line && finding.severity == Severity::Error)
            })
            .map(|(stage, _, index, violations)| ModelError {
                location: Location {
                    stage: Some(stage),
                    alias: self.stages()[stage].alias.clone(),
                    part: Part::Instruction(index, "RUN"),
                },
                kind: ErrorKind::Run(violations),
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Errors::new(errors))
        }
    }
}
