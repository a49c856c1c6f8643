//! What instructions put into a stage, across instructions: variables an
//! `ENV` uses (DL3044), where a `COPY` lands (DL3045) and which files it
//! brings (credentials, SCR031).
//!
//! Stage awareness: a stage built `FROM` another inherits its `ENV`s and its
//! `WORKDIR`, so `WORKDIR /app` in a base stage satisfies DL3045 in the
//! stages built from it, and a variable an ancestor's `ENV` defined is known
//! to DL3044 (hadolint counts any earlier `ENV`/`ARG` of the file, even of
//! an unrelated stage, whose values a stage does not see).
//!
//! ```
//! use stagecraft_rules::dockerfile::{lint, Options};
//!
//! let findings = lint(
//!     "FROM node:20\nENV APP=/app BIN=$APP/bin\nCOPY .npmrc package.json ./\n",
//!     &Options::default(),
//! )
//! .unwrap();
//! let found: Vec<_> = findings.iter().map(|f| (f.line, f.rule.id)).collect();
//! assert_eq!(found, [(2, "DL3044"), (3, "DL3045"), (3, "SCR031")]);
//! ```

use std::collections::{HashMap, HashSet};

use crate::catalogue::{Rule, DL3044, DL3045, SCR031};
use crate::dockerfile::check::{Base, DockerfileFinding, StageInfo};
use crate::dockerfile::parse::{Copy, Dockerfile, InstructionKind};

/// What a stage hands to the stages built `FROM` it.
#[derive(Debug, Clone, Default)]
struct Scope {
    /// Names an `ENV` (or, in the stage itself, an `ARG`) defined.
    names: HashSet<String>,
    /// Whether a `WORKDIR` was set.
    workdir: bool,
}

/// Credential files by base name, with what they hold.
const CREDENTIAL_FILES: &[(&str, &str)] = &[
    (".npmrc", "npm registry tokens"),
    (".yarnrc.yml", "yarn registry tokens"),
    (".netrc", "login passwords"),
    ("_netrc", "login passwords"),
    (".pypirc", "PyPI upload tokens"),
    (".git-credentials", "git passwords and tokens"),
    (".pgpass", "PostgreSQL passwords"),
    (".htpasswd", "password hashes"),
    ("id_rsa", "an SSH private key"),
    ("id_dsa", "an SSH private key"),
    ("id_ecdsa", "an SSH private key"),
    ("id_ed25519", "an SSH private key"),
];

/// Credential files and folders by the end of their path.
const CREDENTIAL_PATHS: &[(&str, &str)] = &[
    (".docker/config.json", "registry logins"),
    (".aws/credentials", "AWS access keys"),
    (".ssh", "SSH keys"),
    (".aws", "AWS access keys"),
    (".kube/config", "Kubernetes credentials"),
    (".config/gcloud", "Google Cloud credentials"),
];

/// What credential `path` is, if it is one.
fn credential(path: &str) -> Option<&'static str> {
    let path = path.trim_matches(['"', '\'']).trim_end_matches('/');
    let base = path.rsplit('/').next().unwrap_or(path);
    CREDENTIAL_FILES
        .iter()
        .find(|(name, _)| base == *name)
        .or_else(|| {
            CREDENTIAL_PATHS
                .iter()
                .find(|(end, _)| path == *end || path.ends_with(&format!("/{end}")))
        })
        .map(|(_, what)| *what)
}

/// The variable names `text` uses: `$name`, `${name}`, `${name:-...}`.
fn referenced_names(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        let after = &rest[at + 1..];
        let braced = after.starts_with('{');
        let word = if braced { &after[1..] } else { after };
        let end = word
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(word.len());
        let name = &word[..end];
        let closed = !braced || word[end..].starts_with(['}', ':']);
        if !name.is_empty() && closed {
            names.push(name);
        }
        rest = after;
    }
    names
}

/// Whether `text` uses `$name` or `${name}` (also `${name:-...}`).
#[cfg(test)]
fn uses_variable(text: &str, name: &str) -> bool {
    referenced_names(text).contains(&name)
}

/// Whether a `COPY` destination is absolute (or a variable, or a Windows path).
fn absolute_destination(dest: &str) -> bool {
    let dest = dest.trim_matches(['"', '\'']);
    let mut chars = dest.chars();
    dest.starts_with('/')
        || dest.starts_with('$')
        || (chars.next().is_some_and(|c| c.is_ascii_alphabetic()) && chars.next() == Some(':'))
}

/// The first credential among a `COPY`'s sources and destination.
fn copied_credential(copy: &Copy) -> Option<(&str, &'static str)> {
    copy.sources
        .iter()
        .chain(std::iter::once(&copy.dest))
        .filter(|path| !path.starts_with("<<"))
        .find_map(|path| credential(path).map(|what| (path.as_str(), what)))
}

/// Checks every stage's `ENV`s and `COPY`s. Findings come in stage order.
pub(crate) fn check_contents(df: &Dockerfile, infos: &[StageInfo]) -> Vec<DockerfileFinding> {
    let mut findings = Vec::new();
    let mut scopes: Vec<Scope> = Vec::with_capacity(df.stages.len());
    // How many stages are still to be built FROM each stage: the last one
    // takes the scope over instead of copying it, so a long FROM chain
    // stays linear.
    let mut children = vec![0usize; df.stages.len()];
    for info in infos {
        if let Base::Stage(j) = info.base {
            children[j] += 1;
        }
    }
    for (index, stage) in df.stages.iter().enumerate() {
        let Some(info) = infos.get(index) else {
            break;
        };
        let mut scope = match info.base {
            Base::Stage(j) => {
                children[j] -= 1;
                if children[j] == 0 {
                    std::mem::take(&mut scopes[j])
                } else {
                    scopes[j].clone()
                }
            }
            _ => Scope::default(),
        };
        for instruction in &stage.instructions {
            let mut report = |rule: &'static Rule, message: String| {
                let ignored = instruction
                    .ignores
                    .iter()
                    .chain(&df.global_ignores)
                    .any(|code| rule.is_named(code));
                if !ignored {
                    findings.push(DockerfileFinding {
                        rule,
                        severity: rule.severity(info.kind),
                        line: instruction.line,
                        stage: index,
                        message,
                    });
                }
            };
            match &instruction.kind {
                InstructionKind::Env(pairs) => {
                    // Which pairs use each name: one pass over the values.
                    let mut users: HashMap<&str, Vec<usize>> = HashMap::new();
                    for (j, (_, value)) in pairs.iter().enumerate() {
                        for name in referenced_names(value) {
                            users.entry(name).or_default().push(j);
                        }
                    }
                    let own = pairs.iter().enumerate().find_map(|(i, (name, _))| {
                        if scope.names.contains(name) {
                            return None;
                        }
                        let user = users.get(name.as_str())?.iter().find(|&&j| j != i)?;
                        Some((name, &pairs[*user].0))
                    });
                    if let Some((name, user)) = own {
                        report(
                            &DL3044,
                            format!(
                                "`{user}` uses `${name}`, which this same ENV defines: Docker \
                                 substitutes the value from before the instruction (empty \
                                 here); move `{user}` to an ENV of its own after this one"
                            ),
                        );
                    }
                    scope
                        .names
                        .extend(pairs.iter().map(|(name, _)| name.clone()));
                }
                InstructionKind::Arg(args) => {
                    scope
                        .names
                        .extend(args.iter().map(|(name, _)| name.clone()));
                }
                InstructionKind::Workdir(_) => scope.workdir = true,
                InstructionKind::Copy(copy) | InstructionKind::Add(copy) => {
                    let keyword = instruction.keyword;
                    if keyword == "COPY" && !scope.workdir && !absolute_destination(&copy.dest) {
                        report(
                            &DL3045,
                            format!(
                                "`COPY ... {}` copies to a relative destination, but no WORKDIR \
                                 is set: it lands wherever the base image's WORKDIR is; set \
                                 `WORKDIR /app` first or write an absolute destination",
                                copy.dest
                            ),
                        );
                    }
                    if let Some((path, what)) = copied_credential(copy) {
                        report(
                            &SCR031,
                            format!(
                                "`{keyword} {path}` puts {what} into a layer, where anyone who \
                                 can pull the image reads them (a later `rm` only hides the \
                                 file); mount it as a secret for the RUN that needs it: `RUN \
                                 --mount=type=secret,id=creds,target=/root/{} ...`, built with \
                                 `--secret id=creds,src=...`",
                                path.trim_matches(['"', '\''])
                                    .rsplit('/')
                                    .next()
                                    .unwrap_or(path)
                            ),
                        );
                    }
                }
                // A trigger's COPY lands in the layers of every image built
                // FROM this one: a credential there leaks as well.
                InstructionKind::Onbuild(inner) => {
                    if let InstructionKind::Copy(copy) | InstructionKind::Add(copy) = &inner.kind {
                        if let Some((path, what)) = copied_credential(copy) {
                            report(
                                &SCR031,
                                format!(
                                    "`ONBUILD {} {path}` puts {what} into a layer of every image \
                                     built FROM this one; mount it as a secret for the RUN \
                                     that needs it (`RUN --mount=type=secret,...`)",
                                    inner.keyword
                                ),
                            );
                        }
                    }
                }
                _ => {}
            }
        }
        // ARGs do not reach the stages built FROM this one; ENVs do.
        scopes.push(scope);
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_in_text() {
        assert!(uses_variable("$A/bin", "A") && uses_variable("${A}x", "A"));
        assert!(uses_variable("${A:-x}", "A") && uses_variable("x:$A", "A"));
        assert!(!uses_variable("$AB", "A") && !uses_variable("A", "A"));
    }

    #[test]
    fn credentials() {
        assert!(credential(".npmrc").is_some() && credential("/root/.ssh/").is_some());
        assert!(credential("config/.docker/config.json").is_some());
        assert!(credential("\"id_ed25519\"").is_some());
        assert!(credential("package.json").is_none() && credential("id_rsa.pub").is_none());
        assert!(credential(".sshrc").is_none());
    }

    #[test]
    fn onbuild_copy_of_a_credential() {
        let df = Dockerfile::parse("FROM a:1\nONBUILD COPY .netrc /root/\n").unwrap();
        let infos = crate::dockerfile::stages(&df, &Default::default());
        let found: Vec<_> = check_contents(&df, &infos)
            .iter()
            .map(|f| (f.line, f.rule.id))
            .collect();
        assert_eq!(found, [(2, "SCR031")]);
    }
}
