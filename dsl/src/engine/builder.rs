//! Which builder a build goes to (BuildKit or the classic builder), what
//! the daemon's BuildKit can build, and the checks made before anything is
//! sent: constructs only BuildKit builds, secrets the Dockerfile requires.

use std::fmt;
use std::path::PathBuf;

use stagecraft_rules::dockerfile::{Dockerfile as Parsed, InstructionKind};

use super::error::EngineError;

/// The builder a build is sent to.
///
/// ```
/// use stagecraft::engine::{BuildOptions, Builder};
///
/// let options = BuildOptions::new().builder(Builder::BuildKit);
/// assert_eq!(options.builder_choice(), Builder::BuildKit);
/// assert_eq!(BuildOptions::new().builder_choice(), Builder::Auto);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum Builder {
    /// BuildKit when the daemon has it (API 1.39 or later on Linux), else
    /// the classic builder, saying once why.
    #[default]
    Auto,
    /// BuildKit (the daemon's embedded one, through a session); refused
    /// before sending when the daemon has none.
    BuildKit,
    /// Docker's classic (deprecated) builder: no `RUN --mount`, heredocs,
    /// `COPY --link` or `--chmod`, one stage after the other.
    Classic,
}

impl fmt::Display for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Builder::Auto => "auto",
            Builder::BuildKit => "BuildKit",
            Builder::Classic => "the classic builder",
        })
    }
}

/// Where a secret's value comes from, on the host that runs the build.
///
/// The value is read by the BuildKit session when a `RUN
/// --mount=type=secret,id=<id>` asks for it; it is never put in the build
/// context, the image, or a build argument.
///
/// ```
/// use stagecraft::engine::{BuildOptions, SecretSource};
///
/// let options = BuildOptions::new()
///     .secret("npmrc", SecretSource::File("/home/me/.npmrc".into()))
///     .secret("token", SecretSource::Env("API_TOKEN".into()));
/// assert_eq!(options.secret_ids(), ["npmrc", "token"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretSource {
    /// The contents of this host file.
    File(PathBuf),
    /// The value of this environment variable of the calling process.
    Env(String),
}

impl SecretSource {
    pub(crate) fn to_bollard(&self) -> bollard::grpc::build::SecretSource {
        match self {
            SecretSource::File(path) => bollard::grpc::build::SecretSource::File(path.clone()),
            SecretSource::Env(name) => bollard::grpc::build::SecretSource::Env(name.clone()),
        }
    }
}

/// What the daemon's BuildKit can build, from its version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BuildKitSupport {
    /// The daemon has BuildKit at all (API 1.39+, Linux).
    pub available: bool,
    /// Its built-in Dockerfile frontend reads heredocs and `COPY --link`
    /// (Docker 23 and later; Docker 20.10 embeds BuildKit 0.8, which does not).
    pub modern_frontend: bool,
}

impl BuildKitSupport {
    /// From `GET /version`: the API version, the engine version and the OS.
    pub fn from_version(api: &str, engine: &str, os: &str) -> BuildKitSupport {
        let api = parse_version(api);
        let engine_major = parse_version(engine).0;
        let available = os.eq_ignore_ascii_case("linux") && api >= (1, 39);
        BuildKitSupport {
            available,
            modern_frontend: available && engine_major >= 23,
        }
    }
}

fn parse_version(text: &str) -> (u32, u32) {
    let mut parts = text.split(['.', '-', '+']).map(|p| p.parse().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// A construct of a Dockerfile that the classic builder cannot build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Construct {
    pub line: usize,
    pub what: String,
    /// Also beyond BuildKit 0.8's frontend (Docker 20.10).
    pub needs_modern_frontend: bool,
}

/// Every construct of `parsed` that needs BuildKit, in line order.
pub(crate) fn buildkit_constructs(parsed: &Parsed) -> Vec<Construct> {
    let mut found = Vec::new();
    let instructions = parsed
        .global_args
        .iter()
        .chain(parsed.stages.iter().flat_map(|s| s.instructions.iter()));
    for instruction in instructions {
        let line = instruction.line;
        let mut push = |what: String, modern: bool| {
            found.push(Construct {
                line,
                what,
                needs_modern_frontend: modern,
            })
        };
        match &instruction.kind {
            InstructionKind::Run(run) => {
                for mount in &run.mounts {
                    push(format!("`RUN --mount=type={}`", mount.kind), false);
                }
                if run.network.is_some() {
                    push("`RUN --network`".to_string(), false);
                }
                if !run.heredocs.is_empty() {
                    push("a heredoc in `RUN`".to_string(), true);
                }
            }
            InstructionKind::Copy(copy) | InstructionKind::Add(copy) => {
                let keyword = instruction.keyword;
                if copy.link {
                    push(format!("`{keyword} --link`"), true);
                }
                if copy.chmod.is_some() {
                    push(format!("`{keyword} --chmod`"), false);
                }
                if !copy.heredocs.is_empty() {
                    push(format!("a heredoc in `{keyword}`"), true);
                }
                if instruction.flag("checksum").is_some() {
                    push("`ADD --checksum`".to_string(), true);
                }
            }
            _ => {}
        }
    }
    found
}

/// The secret ids the Dockerfile's `RUN --mount=type=secret` ask for, with
/// whether each is `required=true`, in line order.
pub(crate) fn secret_mounts(parsed: &Parsed) -> Vec<(usize, String, bool)> {
    let mut found = Vec::new();
    for stage in &parsed.stages {
        for instruction in &stage.instructions {
            let InstructionKind::Run(run) = &instruction.kind else {
                continue;
            };
            for mount in run.mounts.iter().filter(|m| m.kind == "secret") {
                let option = |key: &str| {
                    mount
                        .options
                        .iter()
                        .find(|(k, _)| k == key)
                        .map(|(_, v)| v.clone().unwrap_or_default())
                };
                // BuildKit: the id defaults to the target's file name.
                let id = option("id").or_else(|| {
                    mount
                        .target
                        .as_deref()
                        .and_then(|t| t.rsplit('/').next())
                        .map(str::to_string)
                });
                let required = option("required").is_some_and(|v| v.is_empty() || v == "true");
                if let Some(id) = id {
                    found.push((instruction.line, id, required));
                }
            }
        }
    }
    found
}

/// The error for a construct the chosen builder cannot build.
pub(crate) fn unsupported(construct: &Construct, builder: &str, fix: &str) -> EngineError {
    EngineError::NeedsBuildKit {
        line: construct.line,
        construct: construct.what.clone(),
        builder: builder.to_string(),
        fix: fix.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn support_follows_the_daemon_version() {
        let old = BuildKitSupport::from_version("1.41", "20.10.24+dfsg1", "linux");
        assert!(old.available && !old.modern_frontend);
        let modern = BuildKitSupport::from_version("1.45", "26.1.5+dfsg1", "linux");
        assert!(modern.available && modern.modern_frontend);
        assert!(!BuildKitSupport::from_version("1.38", "18.06.1", "linux").available);
        assert!(!BuildKitSupport::from_version("1.41", "20.10.7", "windows").available);
    }

    #[test]
    fn constructs_that_need_buildkit_are_found() {
        let parsed = stagecraft_rules::dockerfile::Dockerfile::parse(
            "FROM debian:bookworm-slim AS build\n\
             RUN --mount=type=cache,target=/var/cache/apt apt-get update\n\
             COPY --chmod=755 run.sh /run.sh\n\
             COPY --link --from=build /x /x\n\
             RUN <<EOF\necho hi\nEOF\n\
             RUN echo plain\n",
        )
        .unwrap();
        let constructs = buildkit_constructs(&parsed);
        let found: Vec<(usize, &str, bool)> = constructs
            .iter()
            .map(|c| (c.line, c.what.as_str(), c.needs_modern_frontend))
            .collect();
        assert_eq!(
            found,
            [
                (2, "`RUN --mount=type=cache`", false),
                (3, "`COPY --chmod`", false),
                (4, "`COPY --link`", true),
                (5, "a heredoc in `RUN`", true),
            ]
        );
    }

    #[test]
    fn secret_mounts_are_listed() {
        let parsed = stagecraft_rules::dockerfile::Dockerfile::parse(
            "FROM debian:bookworm-slim\n\
             RUN --mount=type=secret,id=token,required=true cat /run/secrets/token\n\
             RUN --mount=type=secret,target=/root/.npmrc true\n",
        )
        .unwrap();
        assert_eq!(
            secret_mounts(&parsed),
            [
                (2, "token".to_string(), true),
                (3, ".npmrc".to_string(), false)
            ]
        );
    }
}
