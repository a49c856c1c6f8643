//! Rules across `RUN`s of a stage, checked by the Dockerfile-level checker
//! with [`crate::run_check::installs`] and [`crate::run_check::cleanup_only`].

use crate::catalogue::{Rule, Severity};

/// A cleanup in a later `RUN` than the install.
pub static SCR008: Rule = Rule {
    id: "SCR008",
    summary: "clean up in the same RUN as the install, not in a later one",
    why: "Each RUN is a layer and layers only add: files an earlier RUN wrote (package lists, \
          caches) stay in that layer's bytes; deleting them in a later RUN hides them in the \
          final filesystem but the image still carries them, plus the whiteout.",
    fix: "Move the cleanup into the RUN that installs, at its end (`... && rm -rf \
          /var/lib/apt/lists/*`), or use a cache mount.",
    hadolint: None,
    shipped: Severity::Error,
    build_only: Severity::Warning,
};
