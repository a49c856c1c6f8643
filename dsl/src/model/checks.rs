//! Value checks of the instructions and flags of the modern language
//! (`COPY --from` an image or context, `--exclude`, `ADD --checksum`,
//! `VOLUME`, `ONBUILD`, `EXPOSE $VAR`): what rendering relies on, beside the
//! older checks of `validate.rs`.

use stagecraft_rules::names;

use super::validate::{check_nonempty, forbidden};
use super::{CopyFrom, Instruction};
use crate::error::ErrorKind;

/// The problems of the modern parts of one instruction.
pub(super) fn check_instruction(instruction: &Instruction) -> Vec<ErrorKind> {
    let mut kinds = Vec::new();
    match instruction {
        Instruction::Copy(copy) => {
            if let Some(CopyFrom::Context { context }) = &copy.from {
                if !context_name(context) {
                    kinds.push(ErrorKind::InvalidName {
                        what: "build context name",
                        value: context.clone(),
                        rule: "a context name starts with a letter and holds only letters, \
                               digits, '_', '.' and '-' (e.g. \"docs\")",
                    });
                }
            }
            check_patterns(&copy.exclude, &mut kinds);
        }
        Instruction::Add(add) => {
            check_patterns(&add.exclude, &mut kinds);
            if let Some(checksum) = &add.checksum {
                if !checksum_ok(checksum) {
                    kinds.push(ErrorKind::InvalidName {
                        what: "ADD --checksum",
                        value: checksum.clone(),
                        rule: "a checksum is `sha256:` and 64 hex digits (a git source: the \
                               commit's 40 hex digits)",
                    });
                }
            }
            if add.keep_git_dir
                && add.heredocs.is_empty()
                && !add.sources.iter().all(|s| is_git_source(s))
            {
                kinds.push(ErrorKind::NotAllowed {
                    what: "ADD --keep-git-dir of a source that is no git URL",
                    fix: "use it with git sources only (`https://github.com/o/r.git#v1`, \
                          `git@github.com:o/r.git`)",
                });
            }
        }
        Instruction::Volume(paths) => {
            if paths.is_empty() {
                kinds.push(ErrorKind::Empty {
                    what: "VOLUME",
                    fix: "name at least one mount point, e.g. \"/data\"",
                });
            }
            for path in paths {
                kinds.extend(check_nonempty(
                    "VOLUME path",
                    path,
                    "give a directory, e.g. \"/data\"",
                ));
                kinds.extend(forbidden("VOLUME path", path));
            }
        }
        Instruction::ExposeVariable(port) if !names::variable_name(&port.name) => {
            kinds.push(ErrorKind::InvalidName {
                what: "EXPOSE variable",
                value: port.name.clone(),
                rule: "a variable name starts with a letter or '_' and holds only \
                       letters, digits and '_' (e.g. \"PORT\")",
            });
        }
        Instruction::Onbuild(inner)
            if matches!(
                inner.as_ref(),
                Instruction::Onbuild(_) | Instruction::Comment(_)
            ) =>
        {
            kinds.push(ErrorKind::NotAllowed {
                what: "ONBUILD of ONBUILD or of a comment",
                fix: "give ONBUILD one instruction other than ONBUILD (Docker refuses chains)",
            });
        }
        _ => {}
    }
    kinds
}

fn check_patterns(patterns: &[String], kinds: &mut Vec<ErrorKind>) {
    for pattern in patterns {
        kinds.extend(check_nonempty(
            "--exclude pattern",
            pattern,
            "give a path pattern, e.g. \"*.md\"",
        ));
        kinds.extend(forbidden("--exclude pattern", pattern));
        if pattern.chars().any(char::is_whitespace) {
            kinds.push(ErrorKind::ForbiddenCharacter {
                what: "--exclude pattern",
                value: pattern.clone(),
                character: "a space",
            });
        }
    }
}

/// A named build context, as BuildKit's `--build-context name=...` takes.
pub(crate) fn context_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// `sha256:<64 hex>` (or a 40-hex git commit): the rules' grammar, which
/// judges text's `ADD --checksum` too.
fn checksum_ok(checksum: &str) -> bool {
    names::checksum(checksum)
}

/// A source BuildKit's `ADD` reads as a git repository (the rules' grammar).
pub(crate) fn is_git_source(source: &str) -> bool {
    names::git_source(source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_sources_and_checksums() {
        assert!(is_git_source(
            "https://github.com/moby/buildkit.git#v0.10.1"
        ));
        assert!(is_git_source("git@github.com:moby/buildkit.git"));
        assert!(!is_git_source("https://example.com/a.tar.gz"));
        assert!(checksum_ok(&format!("sha256:{}", "a".repeat(64))));
        assert!(!checksum_ok("sha256:abc"));
        assert!(context_name("docs") && !context_name("0") && !context_name("a b"));
    }
}
