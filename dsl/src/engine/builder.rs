//! Which builder a build goes to (BuildKit or the classic builder), what
//! the daemon's BuildKit can build, and the checks made before anything is
//! sent: constructs the builder or the daemon cannot build (one table,
//! [`REQUIREMENTS`]), secrets the Dockerfile requires.

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
}

impl BuildKitSupport {
    /// From `GET /version`: the API version and the OS. What its
    /// Dockerfile frontend reads, by the engine's version, is
    /// [`REQUIREMENTS`]'s.
    pub fn from_version(api: &str, os: &str) -> BuildKitSupport {
        let available = os.eq_ignore_ascii_case("linux") && parse_version(api) >= (1, 39);
        BuildKitSupport { available }
    }
}

fn parse_version(text: &str) -> (u32, u32) {
    let mut parts = text.split(['.', '-', '+']).map(|p| p.parse().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// A construct of a Dockerfile that some builder or daemon cannot build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Feature {
    /// `RUN --mount=type=...`.
    Mount,
    /// `RUN --network=...`.
    RunNetwork,
    /// `RUN --security=...`.
    RunSecurity,
    /// A heredoc in `RUN`, `COPY` or `ADD`.
    Heredoc,
    /// `COPY --link` / `ADD --link`.
    Link,
    /// `COPY --chmod` / `ADD --chmod`.
    Chmod,
    /// `ADD --checksum`.
    AddChecksum,
    /// `ADD --keep-git-dir`.
    KeepGitDir,
    /// `COPY --parents`.
    CopyParents,
    /// `COPY --exclude`.
    CopyExclude,
    /// `size=` of a `RUN --mount=type=tmpfs`.
    TmpfsSize,
    /// `env=` of a `RUN --mount=type=secret`.
    SecretEnv,
    /// A build variable in a `--mount` option (`id=go-${TARGETPLATFORM}`),
    /// which BuildKit 0.8 takes literally and a newer frontend expands.
    MountVariable,
    /// `HEALTHCHECK --start-interval`.
    StartInterval,
}

/// What a [`Feature`] needs of the builder and the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Requirement {
    /// The classic builder cannot build it.
    pub buildkit: bool,
    /// The oldest Docker (major, minor) whose daemon builds it; `(0, 0)`
    /// for any. For BuildKit this is the daemon's built-in Dockerfile
    /// frontend, which a `# syntax=` directive replaces.
    pub docker: (u32, u32),
    /// Only the `docker/dockerfile:1-labs` frontend reads it (never a
    /// daemon's built-in one), so it needs `# syntax=docker/dockerfile:1-labs`.
    pub labs: bool,
    /// How to build it without, when the daemon cannot.
    pub without: &'static str,
}

/// The one table of what each construct needs, as measured against Docker
/// 20.10.24 (BuildKit 0.8) and 26.1.5 on both builders: see the engine
/// section of docs/ARCHITECTURE.md.
pub(crate) const REQUIREMENTS: &[(Feature, Requirement)] = {
    const fn needs(docker: (u32, u32), without: &'static str) -> Requirement {
        Requirement {
            buildkit: true,
            docker,
            labs: false,
            without,
        }
    }
    const fn labs(without: &'static str) -> Requirement {
        Requirement {
            buildkit: true,
            docker: (0, 0),
            labs: true,
            without,
        }
    }
    &[
        (Feature::Mount, needs((0, 0), "drop the `--mount`")),
        (
            Feature::Chmod,
            needs((0, 0), "drop `--chmod` and `chmod` in a `RUN`"),
        ),
        (Feature::RunNetwork, needs((23, 0), "drop `--network`")),
        (
            Feature::Heredoc,
            needs((23, 0), "write a `RUN` per command instead of a heredoc"),
        ),
        (Feature::Link, needs((23, 0), "drop `--link`")),
        (
            Feature::AddChecksum,
            needs((23, 0), "drop `--checksum` and check the file in a `RUN`"),
        ),
        (Feature::KeepGitDir, needs((23, 0), "drop `--keep-git-dir`")),
        (
            Feature::TmpfsSize,
            needs((23, 0), "drop `size=` from the tmpfs mount"),
        ),
        (
            Feature::MountVariable,
            needs(
                (23, 0),
                "write the mount's value without the variable (this frontend would take \
                 `$NAME` literally, e.g. as a cache id of its own)",
            ),
        ),
        (
            Feature::StartInterval,
            Requirement {
                buildkit: false,
                docker: (25, 0),
                labs: false,
                without: "drop `--start-interval`",
            },
        ),
        (
            Feature::SecretEnv,
            needs(
                (27, 3),
                "drop `env=` and read the secret from its file under /run/secrets",
            ),
        ),
        (
            Feature::CopyParents,
            labs("drop `--parents` and copy each directory on its own"),
        ),
        (
            Feature::CopyExclude,
            labs("drop `--exclude` and list it in .dockerignore"),
        ),
        (Feature::RunSecurity, labs("drop `--security`")),
    ]
};

impl Feature {
    /// Its row of [`REQUIREMENTS`].
    pub fn requirement(self) -> Requirement {
        REQUIREMENTS
            .iter()
            .find(|(feature, _)| *feature == self)
            .map(|(_, requirement)| *requirement)
            .expect("every feature has a row in REQUIREMENTS")
    }
}

/// A construct found in a Dockerfile that some builder cannot build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Construct {
    pub line: usize,
    /// The stage: its alias, or `#index` for an anonymous one.
    pub stage: String,
    pub what: String,
    pub feature: Feature,
}

/// Every construct of `parsed` that needs BuildKit or a newer daemon, in
/// line order.
pub(crate) fn buildkit_constructs(parsed: &Parsed) -> Vec<Construct> {
    let mut found = Vec::new();
    for (index, stage) in parsed.stages.iter().enumerate() {
        let stage_name = stage
            .from
            .alias
            .clone()
            .unwrap_or_else(|| format!("#{index}"));
        for instruction in &stage.instructions {
            let line = instruction.line;
            let keyword = instruction.keyword;
            let flag = |name: &str| instruction.flag(name).is_some();
            let mut push = |what: String, feature: Feature| {
                found.push(Construct {
                    line,
                    stage: stage_name.clone(),
                    what,
                    feature,
                })
            };
            match &instruction.kind {
                InstructionKind::Run(run) => {
                    for mount in &run.mounts {
                        push(format!("`RUN --mount=type={}`", mount.kind), Feature::Mount);
                        let has = |key: &str| mount.options.iter().any(|(k, _)| k == key);
                        if mount.kind == "tmpfs" && has("size") {
                            push("`size=` of a tmpfs mount".to_string(), Feature::TmpfsSize);
                        }
                        if mount.kind == "secret" && has("env") {
                            push("`env=` of a secret mount".to_string(), Feature::SecretEnv);
                        }
                        for (key, value) in &mount.options {
                            if value.as_deref().is_some_and(|value| value.contains('$')) {
                                push(
                                    format!("a build variable in a mount's `{key}=`"),
                                    Feature::MountVariable,
                                );
                            }
                        }
                    }
                    if run.network.is_some() {
                        push("`RUN --network`".to_string(), Feature::RunNetwork);
                    }
                    if flag("security") {
                        push("`RUN --security`".to_string(), Feature::RunSecurity);
                    }
                    if !run.heredocs.is_empty() {
                        push("a heredoc in `RUN`".to_string(), Feature::Heredoc);
                    }
                }
                InstructionKind::Copy(copy) | InstructionKind::Add(copy) => {
                    if copy.link {
                        push(format!("`{keyword} --link`"), Feature::Link);
                    }
                    if copy.chmod.is_some() {
                        push(format!("`{keyword} --chmod`"), Feature::Chmod);
                    }
                    if !copy.heredocs.is_empty() {
                        push(format!("a heredoc in `{keyword}`"), Feature::Heredoc);
                    }
                    for (name, feature) in [
                        ("checksum", Feature::AddChecksum),
                        ("keep-git-dir", Feature::KeepGitDir),
                        ("parents", Feature::CopyParents),
                        ("exclude", Feature::CopyExclude),
                    ] {
                        if flag(name) {
                            push(format!("`{keyword} --{name}`"), feature);
                        }
                    }
                }
                // The trigger's flags are read in the build FROM this image,
                // but its heredocs by this build's parser (BuildKit keeps the
                // bodies in the trigger), which an older frontend cannot read.
                InstructionKind::Onbuild(inner) => {
                    let heredoc = match &inner.kind {
                        InstructionKind::Run(run) => !run.heredocs.is_empty(),
                        InstructionKind::Copy(copy) | InstructionKind::Add(copy) => {
                            !copy.heredocs.is_empty()
                        }
                        _ => false,
                    };
                    if heredoc {
                        push(
                            format!("a heredoc in `ONBUILD {}`", inner.keyword),
                            Feature::Heredoc,
                        );
                    }
                }
                _ if keyword == "HEALTHCHECK" && flag("start-interval") => {
                    push(
                        "`HEALTHCHECK --start-interval`".to_string(),
                        Feature::StartInterval,
                    );
                }
                _ => {}
            }
        }
    }
    found
}

/// The first construct of `constructs` that `builder` cannot build on a
/// daemon of Docker `docker` (`None`: not known, then nothing is refused
/// for its version), as the error to return before anything is sent.
/// `syntax` is the Dockerfile's `# syntax=` directive: with one, BuildKit
/// builds with that frontend, not the daemon's own, so only `--security`
/// and the other labs flags are judged by it. `why_classic` says why the
/// classic builder was chosen, for its refusals.
pub(crate) fn refusal(
    constructs: &[Construct],
    builder: Builder,
    docker: Option<&str>,
    syntax: Option<&str>,
    why_classic: &str,
) -> Option<EngineError> {
    let version = docker.map(parse_version);
    let shown = docker.unwrap_or("unknown");
    for construct in constructs {
        let needs = construct.feature.requirement();
        if builder == Builder::Classic && needs.buildkit {
            return Some(unsupported(
                construct,
                "the classic builder",
                &format!(
                    "{why_classic}; build it with BuildKit (`BuildOptions::builder(Builder::Auto)` \
                     or `Builder::BuildKit`, on a daemon that has it), or {}",
                    needs.without
                ),
            ));
        }
        if builder == Builder::BuildKit && needs.labs {
            let labs = syntax.is_some_and(|s| s.contains("labs"));
            if !labs {
                return Some(unsupported(
                    construct,
                    &format!("the built-in Dockerfile frontend of Docker {shown}"),
                    &format!(
                        "only the labs frontend reads it: start the Dockerfile with \
                         `# syntax=docker/dockerfile:1-labs` (its image is pulled), or {}",
                        needs.without
                    ),
                ));
            }
        }
        let own_frontend = builder == Builder::Classic || syntax.is_none() || !needs.buildkit;
        if let Some(version) = version {
            if own_frontend && version < needs.docker {
                let oldest = match needs.docker {
                    (major, 0) => major.to_string(),
                    (major, minor) => format!("{major}.{minor}"),
                };
                let builder = match builder {
                    Builder::Classic => format!("the classic builder of Docker {shown}"),
                    _ => {
                        format!("the BuildKit of Docker {shown} (its built-in Dockerfile frontend)")
                    }
                };
                return Some(unsupported(
                    construct,
                    &builder,
                    &format!(
                        "use a daemon of Docker {oldest} or later, or {}",
                        needs.without
                    ),
                ));
            }
        }
    }
    None
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
fn unsupported(construct: &Construct, builder: &str, fix: &str) -> EngineError {
    EngineError::NeedsBuildKit {
        line: construct.line,
        stage: construct.stage.clone(),
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
        let old = BuildKitSupport::from_version("1.41", "linux");
        assert!(old.available);
        let modern = BuildKitSupport::from_version("1.45", "linux");
        assert!(modern.available);
        assert!(!BuildKitSupport::from_version("1.38", "linux").available);
        assert!(!BuildKitSupport::from_version("1.41", "windows").available);
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
        let found: Vec<(usize, &str, &str, Feature)> = constructs
            .iter()
            .map(|c| (c.line, c.stage.as_str(), c.what.as_str(), c.feature))
            .collect();
        assert_eq!(
            found,
            [
                (2, "build", "`RUN --mount=type=cache`", Feature::Mount),
                (3, "build", "`COPY --chmod`", Feature::Chmod),
                (4, "build", "`COPY --link`", Feature::Link),
                (5, "build", "a heredoc in `RUN`", Feature::Heredoc),
            ]
        );
    }

    #[test]
    fn a_heredoc_copy_of_the_model_needs_buildkit() {
        use crate::model::Heredoc;
        use crate::CopySpec;
        let mut df = crate::Dockerfile::builder();
        df.stage("app", "debian:bookworm-slim")
            .copy_spec(CopySpec::heredoc(Heredoc::new("app.conf", "port=80"), "/etc/app/").link());
        let text = df.build().unwrap().render();
        let found: Vec<(usize, String, Feature)> = constructs_of(&text)
            .into_iter()
            .map(|c| (c.line, c.what, c.feature))
            .collect();
        assert_eq!(
            found,
            [
                (2, "`COPY --link`".to_string(), Feature::Link),
                (2, "a heredoc in `COPY`".to_string(), Feature::Heredoc),
            ],
            "{text}"
        );
    }

    fn constructs_of(text: &str) -> Vec<Construct> {
        buildkit_constructs(&stagecraft_rules::dockerfile::Dockerfile::parse(text).unwrap())
    }

    /// An `ONBUILD` heredoc is read by this build's parser: found; the
    /// trigger's flags are the child build's, not this one's.
    #[test]
    fn an_onbuild_heredoc_needs_buildkit_and_its_flags_do_not() {
        let found = constructs_of(
            "FROM debian:bookworm-slim\nONBUILD COPY <<a.txt /srv/\nhi\na.txt\n\
             ONBUILD RUN --network=none true\n",
        );
        let found: Vec<_> = found
            .iter()
            .map(|c| (c.line, c.what.as_str(), c.feature))
            .collect();
        assert_eq!(
            found,
            [(2, "a heredoc in `ONBUILD COPY`", Feature::Heredoc)]
        );
    }

    /// The constructs measured on Docker 20.10.24 and 26.1.5, each alone.
    const MEASURED: &[(&str, Feature)] = &[
        ("RUN --network=none true", Feature::RunNetwork),
        (
            "RUN --mount=type=tmpfs,target=/t,size=1m true",
            Feature::TmpfsSize,
        ),
        (
            "RUN --mount=type=secret,id=s,env=S true",
            Feature::SecretEnv,
        ),
        (
            "RUN --mount=type=cache,id=c-$TARGETARCH,target=/c true",
            Feature::MountVariable,
        ),
        ("COPY --link f /f", Feature::Link),
        ("ADD --checksum=sha256:00 f /f", Feature::AddChecksum),
        ("ADD --keep-git-dir=true f /f", Feature::KeepGitDir),
        ("COPY --parents a/g /x/", Feature::CopyParents),
        ("COPY --exclude=*.txt a /x/", Feature::CopyExclude),
        (
            "HEALTHCHECK --start-interval=1s CMD true",
            Feature::StartInterval,
        ),
        ("RUN --security=insecure true", Feature::RunSecurity),
    ];

    #[test]
    fn each_measured_construct_is_found_once_with_its_feature() {
        for (line, feature) in MEASURED {
            let found = constructs_of(&format!("FROM debian:bookworm-slim\n{line}\n"));
            let last = found
                .last()
                .unwrap_or_else(|| panic!("{line}: nothing found"));
            assert_eq!(
                (last.line, &last.stage, last.feature),
                (2, &"#0".to_string(), *feature),
                "{line}"
            );
            assert_eq!(REQUIREMENTS.iter().filter(|(f, _)| f == feature).count(), 1);
        }
    }

    /// Which daemon builds what, on BuildKit, as measured.
    #[test]
    fn refusals_follow_the_measured_daemons() {
        let refused = |line: &str, docker: &str, syntax: Option<&str>| {
            let found = constructs_of(&format!("FROM debian:bookworm-slim\n{line}\n"));
            refusal(&found, Builder::BuildKit, Some(docker), syntax, "").map(|e| e.to_string())
        };
        for (line, feature) in MEASURED {
            let on_old = refused(line, "20.10.24+dfsg1", None);
            assert!(on_old.is_some(), "20.10 builds {line}");
            let on_modern = refused(line, "26.1.5+dfsg1", None);
            let modern_builds = !matches!(
                feature,
                Feature::SecretEnv
                    | Feature::CopyParents
                    | Feature::CopyExclude
                    | Feature::RunSecurity
            );
            assert_eq!(
                on_modern.is_none(),
                modern_builds,
                "26.1.5: {line}: {on_modern:?}"
            );
            // The version cannot be known: nothing is refused for it.
            let found = constructs_of(&format!("FROM debian:bookworm-slim\n{line}\n"));
            let unknown = refusal(&found, Builder::BuildKit, None, None, "");
            assert_eq!(unknown.is_none(), !feature.requirement().labs, "{line}");
        }
        assert_eq!(
            refused(
                "RUN --mount=type=tmpfs,target=/t,size=1m true",
                "20.10.24+dfsg1",
                None
            )
            .unwrap(),
            "line 2: `size=` of a tmpfs mount cannot be built by the BuildKit of Docker \
             20.10.24+dfsg1 (its built-in Dockerfile frontend) (stage #0): use a daemon of \
             Docker 23 or later, or drop `size=` from the tmpfs mount"
        );
        // A `# syntax=` frontend replaces the daemon's own.
        assert_eq!(
            refused("COPY --link f /f", "20.10.24", Some("docker/dockerfile:1")),
            None
        );
        assert_eq!(
            refused(
                "COPY --parents a/g /x/",
                "26.1.5",
                Some("docker/dockerfile:1-labs")
            ),
            None
        );
        // `--start-interval` is the daemon's, whatever the frontend.
        assert!(refused(
            "HEALTHCHECK --start-interval=1s CMD true",
            "24.0.7",
            Some("docker/dockerfile:1")
        )
        .is_some());
    }

    #[test]
    fn the_classic_builder_refuses_what_needs_buildkit() {
        let found = constructs_of("FROM debian:bookworm-slim AS app\nCOPY --chmod=755 f /f\n");
        let text = refusal(&found, Builder::Classic, None, None, "asked for")
            .unwrap()
            .to_string();
        assert!(
            text.starts_with("line 2: `COPY --chmod` cannot be built by the classic builder (stage app): asked for; build it with BuildKit"),
            "{text}"
        );
        let healthcheck =
            constructs_of("FROM debian:bookworm-slim\nHEALTHCHECK --start-interval=1s CMD true\n");
        assert!(refusal(&healthcheck, Builder::Classic, Some("26.1.5"), None, "").is_none());
        assert!(refusal(&healthcheck, Builder::Classic, Some("20.10.24"), None, "").is_some());
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
