//! Checking a whole parsed Dockerfile: every `RUN` against the per-`RUN`
//! rules, with what the stage knows, plus the rules about instructions and
//! stages.
//!
//! # Stage awareness
//!
//! This is where stagecraft reads a Dockerfile the way `docker build` does,
//! and hadolint does not:
//!
//! * **Which stages ship.** The image is the *target* stage
//!   ([`Options::target`], like `docker build --target`; by default the last
//!   stage) and every stage it is built `FROM`, transitively: their layers are
//!   the image's layers. Those stages are [`StageKind::Shipped`]. Every other
//!   stage is [`StageKind::BuildOnly`]: a stage that is only copied from
//!   (`COPY --from=build`) hands over the files named and nothing else, and a
//!   stage neither shipped nor copied from is not even built by BuildKit.
//!   Rules about bytes left in a layer (apt lists, pip/npm caches, ...) are
//!   errors in a shipped stage and warnings in a build-only one: there they
//!   cost build cache, not image size. Rules about correctness (a prompt
//!   that hangs the build, `COPY --from` a stage that does not exist) keep
//!   their severity everywhere. Each rule's severities are in the
//!   [catalogue](crate::catalogue).
//! * **Which stages have a shell.** A stage is *shell-less* when its base is
//!   `scratch`, an image whose name contains `distroless` (except the
//!   `:debug` variants, which carry busybox), or a shell-less stage. There
//!   every `RUN` is an error ([`SCR022`]) and so is the shell form of `CMD`,
//!   `ENTRYPOINT` and `HEALTHCHECK CMD` ([`SCR021`]): they need `/bin/sh`.
//!   In a stage with a shell, a shell-form `CMD`/`ENTRYPOINT` is a warning
//!   about signals ([`SCR020`]).
//! * **What a stage inherits.** A `RUN` is checked with the `ENV`s and
//!   `ARG`s in scope (those of the stage and of the stages it is built
//!   `FROM`, so `ENV PIP_NO_CACHE_DIR=1` in a base stage counts), the
//!   stage's `SHELL` (`-o pipefail` there satisfies [`SCR017`]; a non-POSIX
//!   `SHELL` such as PowerShell turns the shell analysis off), and its own
//!   `--mount=type=cache` and `type=tmpfs` targets (nothing written there
//!   enters the layer).
//! * **Cleanup across `RUN`s.** A cleanup (`rm -rf /var/lib/apt/lists/*`,
//!   `conda clean`, ...) in a later `RUN` than the install that left the
//!   cache, in the same stage or a stage built `FROM` it, frees nothing: the
//!   bytes are in the earlier layer ([`SCR008`]).
//! * **Reproducible bases.** `FROM` an image without a tag or digest
//!   ([`SCR029`]) is whatever `latest` is on the day of the build; `scratch`,
//!   an earlier stage and a reference with a variable are not reported.
//! * **Consecutive `RUN`s.** A `RUN` right after another (comments between
//!   them do not count) in the same stage is [`SCR030`], an info: as in
//!   hadolint's DL3059, only when both have the same flags (`--mount`,
//!   `--network`, ...) and a single command each, since chains (`a && b`)
//!   and different mounts look deliberate.
//! * **References between stages.** `COPY --from=name` must name an earlier
//!   stage, a stage index lower than its own, or an image (a reference with
//!   a `:tag`, `@digest` or registry path), or a named build context the build
//!   is given ([`Options::contexts`]); a later stage, an unknown bare name
//!   ([`SCR023`]) or its own stage ([`SCR024`]) is an error. `FROM name` of a
//!   later or unknown name is an image, as Docker reads it. Names compare
//!   case-insensitively and must be unique ([`SCR025`]).
//!
//! An `ONBUILD RUN` runs in the builds `FROM` this image; its command is
//! checked like a `RUN` of this stage (its shell, its `ENV`s).
//!
//! Findings on an instruction preceded by `# stagecraft ignore=SCR003` or
//! `# hadolint ignore=DL3009` (or named by a `global ignore`) are dropped.
//!
//! ```
//! use stagecraft_rules::dockerfile::{check_dockerfile, Dockerfile, Options};
//! use stagecraft_rules::{Severity, StageKind};
//!
//! let df = Dockerfile::parse(
//!     "FROM debian:bookworm-slim AS build\n\
//!      RUN apt-get update && apt-get install -y --no-install-recommends gcc=4:12.2.0-3\n\
//!      FROM scratch\n\
//!      COPY --from=build /usr/bin/gcc /gcc\n\
//!      CMD /gcc\n",
//! )
//! .unwrap();
//! let findings = check_dockerfile(&df, &Options::default());
//! let found: Vec<_> = findings.iter().map(|f| (f.line, f.rule.id, f.severity)).collect();
//! assert_eq!(
//!     found,
//!     [(2, "SCR003", Severity::Warning), (5, "SCR021", Severity::Error)]
//! );
//! // Built for the `build` target, the build stage ships: the same finding is an error.
//! let options = Options { target: Some("build".to_owned()), ..Options::default() };
//! assert_eq!(check_dockerfile(&df, &options)[0].severity, Severity::Error);
//! ```
//!
//! [`SCR008`]: crate::catalogue::SCR008
//! [`SCR017`]: crate::catalogue::SCR017
//! [`SCR021`]: crate::catalogue::SCR021
//! [`SCR022`]: crate::catalogue::SCR022
//! [`SCR020`]: crate::catalogue::SCR020
//! [`SCR023`]: crate::catalogue::SCR023
//! [`SCR024`]: crate::catalogue::SCR024
//! [`SCR025`]: crate::catalogue::SCR025
//! [`SCR029`]: crate::catalogue::SCR029
//! [`SCR030`]: crate::catalogue::SCR030

use crate::catalogue::{
    Rule, Severity, StageKind, SCR002, SCR003, SCR008, SCR009, SCR010, SCR011, SCR012, SCR013,
    SCR014, SCR015, SCR016, SCR019, SCR020, SCR021, SCR022, SCR023, SCR024, SCR025, SCR026, SCR027,
    SCR028, SCR029, SCR030,
};
use std::collections::{BTreeMap, HashMap};

use crate::dockerfile::buildkit::check_buildkit;
use crate::dockerfile::contents::check_contents;
use crate::dockerfile::labels::{check_labels, LabelType};
use crate::dockerfile::parse::{Command, Copy, Dockerfile, Flag, InstructionKind, Run};
use crate::dockerfile::stage_graph::StageGraph;
use crate::image_ref::ImageRef;
use crate::run_check::{run_facts, Manager, RunContext, RunFacts};
use crate::shell::program_name;

/// How to check a Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Options {
    /// The stage that is built (`docker build --target`); `None` for the last
    /// stage. A name that matches no stage is treated like `None`: check it
    /// first with [`Dockerfile::stage_index`].
    pub target: Option<String>,
    /// The labels an image must carry, with the type of each value
    /// (hadolint's `label-schema`): DL3049 reports a missing one, DL3051 an
    /// empty one, DL3052-DL3058 a value not of its type. Empty by default.
    pub label_schema: BTreeMap<String, LabelType>,
    /// Only the labels of [`Options::label_schema`] are allowed (hadolint's
    /// `strict-labels`, DL3050). `false` by default.
    pub strict_labels: bool,
    /// The registries images may come from (hadolint's `trustedRegistries`,
    /// DL3026): `docker.io`, `*.example.com`, `registry.example.*` or `*`.
    /// Empty (the default) turns the rule off.
    pub trusted_registries: Vec<String>,
    /// The rules that are off by default ([`OFF_BY_DEFAULT`]: DL1001,
    /// DL3057) to check, by id or hadolint code (any case); hadolint turns
    /// them on when `override:` gives them a severity. Empty by default.
    /// Naming a rule that is on anyway changes nothing.
    ///
    /// ```
    /// use stagecraft_rules::dockerfile::{lint, Options};
    ///
    /// let text = "FROM debian:bookworm-slim\nCMD [\"/app\"]\n";
    /// assert!(lint(text, &Options::default()).unwrap().is_empty());
    /// let options = Options { enabled: vec!["DL3057".to_owned()], ..Options::default() };
    /// let findings = lint(text, &options).unwrap();
    /// assert_eq!((findings[0].line, findings[0].rule.id), (1, "DL3057"));
    /// ```
    ///
    /// [`OFF_BY_DEFAULT`]: crate::catalogue::OFF_BY_DEFAULT
    pub enabled: Vec<String>,
    /// The named build contexts the build is given (`docker buildx build
    /// --build-context NAME=...`): `COPY --from=NAME` of one of them copies
    /// from that context, so a bare name that is no stage is only an
    /// unknown name ([`SCR023`]) when it is not here. Names compare
    /// case-insensitively, like stage names; an earlier stage of the same
    /// name is still the stage. Empty by default.
    ///
    /// ```
    /// use stagecraft_rules::dockerfile::{lint, Options};
    ///
    /// let text = "FROM scratch\nCOPY --from=docs /index.html /www/\nCMD [\"/app\"]\n";
    /// assert_eq!(lint(text, &Options::default()).unwrap()[0].rule.id, "SCR023");
    /// let options = Options { contexts: vec!["docs".to_owned()], ..Options::default() };
    /// assert!(lint(text, &options).unwrap().is_empty());
    /// ```
    ///
    /// [`SCR023`]: crate::catalogue::SCR023
    pub contexts: Vec<String>,
}

impl Options {
    /// Whether findings of `rule` are reported: every rule that is on by
    /// default, and those of [`Options::enabled`].
    pub fn reports(&self, rule: &Rule) -> bool {
        !rule.off_by_default() || self.enabled.iter().any(|code| rule.is_named(code))
    }
}

/// One rule violation in a Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerfileFinding {
    /// The rule violated.
    pub rule: &'static Rule,
    /// Its severity in this stage.
    pub severity: Severity,
    /// The 1-based line of the instruction (of the `FROM` for rules about a stage).
    pub line: usize,
    /// The index of the stage in [`Dockerfile::stages`].
    pub stage: usize,
    /// What is wrong, why it costs, and the fix.
    pub message: String,
}

/// What a stage is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// `FROM scratch`.
    Scratch,
    /// An image from a registry.
    Image(String),
    /// An earlier stage, by index.
    Stage(usize),
}

/// What the checker knows about a stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageInfo {
    /// What it is built from.
    pub base: Base,
    /// Whether its layers ship.
    pub kind: StageKind,
    /// Whether it has no shell (scratch, distroless, or built from such a stage).
    pub shell_less: bool,
    /// The later stages that `COPY --from` it.
    pub copied_by: Vec<usize>,
}

/// Whether `code` (an `SC` id or a `DL` code, any case) names `rule`.
///
/// ```
/// use stagecraft_rules::catalogue::rule;
/// use stagecraft_rules::dockerfile::rule_matches;
///
/// let sc003 = rule("SCR003").unwrap();
/// assert!(rule_matches(sc003, "sc003") && rule_matches(sc003, "DL3009"));
/// assert!(!rule_matches(sc003, "DL3015"));
/// ```
pub fn rule_matches(rule: &Rule, code: &str) -> bool {
    rule.is_named(code)
}

/// Whether an image name is a shell-less base: `scratch`, or a distroless
/// image other than a `:debug` variant.
///
/// ```
/// use stagecraft_rules::dockerfile::is_shell_less_image;
///
/// assert!(is_shell_less_image("scratch"));
/// assert!(is_shell_less_image("gcr.io/distroless/cc-debian12:nonroot"));
/// assert!(!is_shell_less_image("gcr.io/distroless/base:debug-nonroot"));
/// assert!(!is_shell_less_image("debian:bookworm-slim"));
/// ```
pub fn is_shell_less_image(image: &str) -> bool {
    let lower = image.to_ascii_lowercase();
    if lower == "scratch" {
        return true;
    }
    let (name, tag) = split_tag(&lower);
    name.contains("distroless") && !tag.is_some_and(|tag| tag.starts_with("debug"))
}

/// Whether an image is a Windows one (`mcr.microsoft.com/windows/servercore`,
/// `...:10.0-nanoserver-ltsc2022`, `python:3.13-windowsservercore`), whose
/// `RUN`s Docker runs with `cmd /S /C`, not `/bin/sh -c`.
///
/// ```
/// use stagecraft_rules::dockerfile::is_windows_image;
///
/// assert!(is_windows_image("mcr.microsoft.com/dotnet/aspnet:10.0-windowsservercore-ltsc2022"));
/// assert!(is_windows_image("mcr.microsoft.com/windows/nanoserver:ltsc2022"));
/// assert!(!is_windows_image("mcr.microsoft.com/dotnet/aspnet:10.0-noble"));
/// ```
pub fn is_windows_image(image: &str) -> bool {
    let lower = image.to_ascii_lowercase();
    lower.starts_with("mcr.microsoft.com/windows/")
        || ["windowsservercore", "nanoserver"]
            .iter()
            .any(|word| lower.contains(word))
}

/// The `SHELL` a stage has before any `SHELL` instruction when it starts
/// from `image`: Docker's default on Windows, `cmd /S /C`, for a Windows
/// image (so the POSIX analysis is off, as under a PowerShell `SHELL`),
/// else none (`/bin/sh -c`).
pub(crate) fn default_shell(image: &str) -> Vec<String> {
    if is_windows_image(image) {
        ["cmd", "/S", "/C"].map(str::to_owned).to_vec()
    } else {
        Vec::new()
    }
}

/// `name[:tag][@digest]` into the name and the tag.
fn split_tag(image: &str) -> (&str, Option<&str>) {
    let image = image.split('@').next().unwrap_or(image);
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[last_slash..].rfind(':') {
        Some(colon) => (
            &image[..last_slash + colon],
            Some(&image[last_slash + colon + 1..]),
        ),
        None => (image, None),
    }
}

/// Resolves the stages: bases, which ship, which have a shell, who copies
/// from whom.
///
/// ```
/// use stagecraft_rules::dockerfile::{stages, Base, Dockerfile, Options};
/// use stagecraft_rules::StageKind;
///
/// let df = Dockerfile::parse(
///     "FROM debian AS base\nFROM base AS build\nFROM base AS app\nCOPY --from=build /a /a\n",
/// )
/// .unwrap();
/// let info = stages(&df, &Options::default());
/// assert_eq!(info[2].base, Base::Stage(0));
/// let kinds: Vec<_> = info.iter().map(|s| s.kind).collect();
/// assert_eq!(kinds, [StageKind::Shipped, StageKind::BuildOnly, StageKind::Shipped]);
/// assert_eq!(info[1].copied_by, [2]);
/// ```
pub fn stages(df: &Dockerfile, options: &Options) -> Vec<StageInfo> {
    stages_in(df, &StageGraph::of(df), options)
}

/// [`stages`] with the Dockerfile's graph, built once by the caller.
pub(crate) fn stages_in(df: &Dockerfile, graph: &StageGraph, options: &Options) -> Vec<StageInfo> {
    let mut infos: Vec<StageInfo> = Vec::with_capacity(df.stages.len());
    for (index, stage) in df.stages.iter().enumerate() {
        let image = &stage.from.image;
        let base = match graph.parent(index) {
            Some(j) => Base::Stage(j),
            None if image.eq_ignore_ascii_case("scratch") => Base::Scratch,
            None => Base::Image(image.clone()),
        };
        let shell_less = match &base {
            Base::Scratch => true,
            Base::Image(image) => is_shell_less_image(image),
            Base::Stage(j) => infos[*j].shell_less,
        };
        infos.push(StageInfo {
            base,
            kind: StageKind::BuildOnly,
            shell_less,
            copied_by: Vec::new(),
        });
    }
    let target = options
        .target
        .as_deref()
        .and_then(|name| graph.first_named(name))
        .unwrap_or(df.stages.len().saturating_sub(1));
    for index in graph.ancestors(target) {
        infos[index].kind = StageKind::Shipped;
    }
    for (index, stage) in df.stages.iter().enumerate() {
        for instruction in &stage.instructions {
            if let InstructionKind::Copy(copy) = &instruction.kind {
                if let Some(CopyFrom::Stage(j)) = copy
                    .from
                    .as_deref()
                    .map(|from| resolve_copy_from(graph, index, from))
                {
                    // Stages are visited in order: a repeat is the last one.
                    if infos[j].copied_by.last() != Some(&index) {
                        infos[j].copied_by.push(index);
                    }
                }
            }
        }
    }
    infos
}

/// What `COPY --from=X` in stage `index` refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CopyFrom {
    /// An earlier stage.
    Stage(usize),
    /// Its own stage.
    Own,
    /// A later stage.
    Later(usize),
    /// A stage index that does not exist (yet).
    BadIndex,
    /// A bare name that is no stage.
    Unknown,
    /// An image reference, or a value with a variable.
    Image,
}

fn resolve_copy_from(graph: &StageGraph, index: usize, from: &str) -> CopyFrom {
    let from = from.trim_matches(|c| c == '"' || c == '\'');
    if let Ok(number) = from.parse::<usize>() {
        return match number {
            n if n < index => CopyFrom::Stage(n),
            n if n == index => CopyFrom::Own,
            n if n < graph.len() => CopyFrom::Later(n),
            _ => CopyFrom::BadIndex,
        };
    }
    if graph.is_named(index, from) {
        return CopyFrom::Own;
    }
    if let Some(j) = graph.last_before(index, from) {
        return CopyFrom::Stage(j);
    }
    if let Some(j) = graph.first_after(index, from) {
        return CopyFrom::Later(j);
    }
    if from.contains([':', '@', '/', '$']) {
        CopyFrom::Image
    } else {
        CopyFrom::Unknown
    }
}

/// The state a stage hands to the stages built `FROM` it.
#[derive(Debug, Clone, Default)]
struct Inherited {
    /// The stage's variables, one entry per name (the last value set): a
    /// name set again is updated in place through `env_index`, so a long
    /// `FROM` chain that sets the same names in every stage keeps a short
    /// list and `RunContext::env_var` stays cheap (the list was scanned per
    /// lookup and grew with every `ENV`: quadratic in the chain).
    env: Vec<(String, String)>,
    /// Where each name of `env` is.
    env_index: HashMap<String, usize>,
    shell: Vec<String>,
    /// Managers whose caches an earlier `RUN` left in a layer, with its line.
    dirty: Vec<(Manager, usize)>,
}

impl Inherited {
    /// Sets the variable `name` (as `ENV` or an `ARG` with a value does).
    fn set_env(&mut self, name: &str, value: String) {
        match self.env_index.get(name) {
            Some(&at) => self.env[at].1 = value,
            None => {
                self.env_index.insert(name.to_owned(), self.env.len());
                self.env.push((name.to_owned(), value));
            }
        }
    }
}

/// The cleanup rules whose finding means the `RUN` left `manager`'s cache.
fn cache_rules(manager: Manager) -> [&'static Rule; 2] {
    match manager {
        Manager::Apt => [&SCR002, &SCR003],
        Manager::Pip => [&SCR009; 2],
        Manager::Conda => [&SCR010; 2],
        Manager::Apk => [&SCR011; 2],
        Manager::Yum => [&SCR012; 2],
        Manager::Dnf => [&SCR013; 2],
        Manager::Zypper => [&SCR014; 2],
        Manager::Npm => [&SCR015; 2],
        Manager::Yarn => [&SCR016; 2],
    }
}

/// Whether `SHELL` arguments are a POSIX shell the analysis understands.
pub(crate) fn posix_shell(shell: &[String]) -> bool {
    shell.first().is_none_or(|program| {
        matches!(
            program_name(program),
            "sh" | "bash" | "dash" | "ash" | "zsh" | "ksh" | "mksh" | "busybox"
        )
    })
}

/// Whether `SHELL` arguments set `-o pipefail`.
fn shell_pipefail(shell: &[String]) -> bool {
    shell.windows(2).any(|pair| {
        pair[0].starts_with('-')
            && !pair[0].starts_with("--")
            && pair[0].ends_with('o')
            && pair[1] == "pipefail"
    })
}

/// Quotes `word` for a POSIX shell (for analysing an exec-form `RUN`).
fn shell_quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%^".contains(c))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// The shell texts of a `RUN` to analyse. For a heredoc `RUN`, the text
/// carries the bodies (so the shell parser can skip them), and a script
/// heredoc (`RUN <<EOF`, or `RUN bash <<EOF`) is analysed as a script too,
/// unless its `#!` line names something else than a shell. The typed
/// model checks its `RUN`s through this same choice.
pub fn run_texts(run: &Run) -> Vec<String> {
    let text = match &run.command {
        Command::Exec(args) => {
            return vec![args
                .iter()
                .map(|arg| shell_quote(arg))
                .collect::<Vec<_>>()
                .join(" ")]
        }
        Command::Shell(text) => text,
    };
    if run.heredocs.is_empty() {
        return vec![text.clone()];
    }
    let mut full = text.clone();
    full.push('\n');
    for heredoc in &run.heredocs {
        full.push_str(&heredoc.content);
        full.push_str(&heredoc.name);
        full.push('\n');
    }
    let first_word = text.split_whitespace().next().unwrap_or("");
    let script = first_word.trim_start_matches(|c: char| c.is_ascii_digit());
    let program = program_name(first_word);
    let stdin_shell = matches!(program, "sh" | "bash" | "dash" | "ash")
        && !text.split_whitespace().any(|word| word == "-c");
    let is_script = script.starts_with("<<") || stdin_shell;
    let heredoc = &run.heredocs[0];
    let shebang_ok = heredoc.content.lines().next().is_none_or(|line| {
        !line.starts_with("#!")
            || line
                .split_whitespace()
                .any(|w| matches!(program_name(w), "sh" | "bash" | "dash" | "ash"))
    });
    if script.starts_with("<<") {
        // The whole RUN is the heredoc: the body is the script.
        return if shebang_ok {
            vec![heredoc.content.clone()]
        } else {
            Vec::new()
        };
    }
    if is_script && shebang_ok {
        vec![full, heredoc.content.clone()]
    } else {
        vec![full]
    }
}

/// Checks a parsed Dockerfile; the findings come in line order.
///
/// See the [module documentation](self) for what is checked and how stages
/// change the severities.
///
/// ```
/// use stagecraft_rules::dockerfile::{check_dockerfile, Dockerfile, Options};
///
/// let df = Dockerfile::parse(
///     "FROM debian:bookworm-slim\n\
///      RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8\n\
///      RUN rm -rf /var/lib/apt/lists/*\n",
/// )
/// .unwrap();
/// let ids: Vec<_> = check_dockerfile(&df, &Options::default())
///     .iter()
///     .map(|f| (f.line, f.rule.id))
///     .collect();
/// assert_eq!(ids, [(2, "SCR003"), (3, "SCR008")]);
/// ```
pub fn check_dockerfile(df: &Dockerfile, options: &Options) -> Vec<DockerfileFinding> {
    let graph = StageGraph::of(df);
    let infos = stages_in(df, &graph, options);
    let mut findings = Vec::new();
    let mut inherited: Vec<Inherited> = Vec::with_capacity(df.stages.len());
    // How many stages are still to be built FROM each stage: the last one
    // takes over the state instead of copying it (a long FROM chain would
    // otherwise copy every ENV of the file once per stage).
    let mut children = vec![0usize; df.stages.len()];
    for info in &infos {
        if let Base::Stage(j) = info.base {
            children[j] += 1;
        }
    }
    // The last global ARG of each name wins; a map keeps the lookup of a
    // stage's `ARG NAME` constant however many globals there are.
    let global_defaults: HashMap<&str, Option<&str>> = df
        .global_args
        .iter()
        .flat_map(|instruction| match &instruction.kind {
            InstructionKind::Arg(args) => args.as_slice(),
            _ => &[],
        })
        .map(|(name, value)| (name.as_str(), value.as_deref()))
        .collect();

    for (index, stage) in df.stages.iter().enumerate() {
        let info = &infos[index];
        let mut out: Vec<DockerfileFinding> = Vec::new();
        let push = |out: &mut Vec<DockerfileFinding>,
                    rule: &'static Rule,
                    line: usize,
                    message: String| {
            out.push(DockerfileFinding {
                rule,
                severity: rule.severity(info.kind),
                line,
                stage: index,
                message,
            });
        };

        // The stage itself.
        if let Some(alias) = &stage.from.alias {
            if let Some(first) = graph.first_before(index, alias).map(|j| &df.stages[j]) {
                push(
                    &mut out,
                    &SCR025,
                    stage.line,
                    format!(
                        "the stage name `{alias}` is already used by the stage on line {}: \
                         Docker refuses repeated stage names; rename one of them",
                        first.line
                    ),
                );
            }
        }
        if let Base::Image(image) = &info.base {
            if untagged(image) {
                push(
                    &mut out,
                    &SCR029,
                    stage.line,
                    format!(
                        "`FROM {image}` has no tag, so it means `{image}:latest`: whatever the \
                         registry holds on the day of the build (not reproducible, and a rebuild \
                         can pull a new major release); write the version, e.g. \
                         `FROM {image}:<version>`, or pin a digest (`@sha256:...`)"
                    ),
                );
            }
        }
        out.retain(|f| !suppressed(f.rule, &stage.ignores, &df.global_ignores));
        findings.append(&mut out);

        // The RUN before the current instruction, if the instruction before
        // it (comments aside) was a RUN: SCR030.
        let mut previous_run: Option<PreviousRun> = None;
        let mut state = match info.base {
            Base::Stage(j) => {
                children[j] -= 1;
                if children[j] == 0 {
                    std::mem::take(&mut inherited[j])
                } else {
                    inherited[j].clone()
                }
            }
            Base::Image(ref image) => Inherited {
                shell: default_shell(image),
                ..Inherited::default()
            },
            Base::Scratch => Inherited::default(),
        };

        for instruction in &stage.instructions {
            let line = instruction.line;
            previous_run = match &instruction.kind {
                InstructionKind::Run(run) if !info.shell_less => {
                    let this = PreviousRun {
                        last_line: line,
                        flags: sorted_flags(&instruction.flags),
                        commands: command_count(run, &state.shell),
                    };
                    match previous_run {
                        Some(previous) if consolidable(&previous, &this) => {
                            push(
                                &mut out,
                                &SCR030,
                                line,
                                format!(
                                    "this RUN follows the RUN on line {}: each RUN is a layer \
                                     (a file the first writes and this one deletes stays in \
                                     the image); merge them into one, `RUN first && second`, \
                                     unless the split is deliberate (a cache step of its own \
                                     in a build stage)",
                                    previous.last_line
                                ),
                            );
                            // Like hadolint: the first RUN of the run of RUNs
                            // stays the reference; only the line moves on.
                            Some(PreviousRun {
                                last_line: line,
                                ..previous
                            })
                        }
                        _ => Some(this),
                    }
                }
                _ => None,
            };
            match &instruction.kind {
                InstructionKind::Env(pairs) => {
                    for (name, value) in pairs {
                        state.set_env(name, value.clone());
                    }
                }
                InstructionKind::Arg(args) => {
                    for (name, value) in args {
                        let value = value.clone().or_else(|| {
                            global_defaults
                                .get(name.as_str())
                                .copied()
                                .flatten()
                                .map(str::to_owned)
                        });
                        if let Some(value) = value {
                            state.set_env(name, value);
                        }
                    }
                }
                InstructionKind::Shell(shell) => state.shell = shell.clone(),
                InstructionKind::Run(run) => {
                    // An exec-form RUN needs no shell: it runs where its program is.
                    if info.shell_less && matches!(run.command, Command::Shell(_)) {
                        push(
                            &mut out,
                            &SCR022,
                            line,
                            format!(
                                "RUN in a stage built from `{}`, which has no shell and no \
                                 tools: the build fails here; do this work in a build stage \
                                 and `COPY --from` its result",
                                stage.from.image
                            ),
                        );
                    } else if posix_shell(&state.shell) {
                        check_one_run(run, line, &info.kind, &mut state, &mut |rule, message| {
                            push(&mut out, rule, line, message)
                        });
                    }
                }
                InstructionKind::Cmd(Command::Shell(text))
                | InstructionKind::Entrypoint(Command::Shell(text)) => {
                    let keyword = instruction.keyword;
                    if info.shell_less {
                        push(
                            &mut out,
                            &SCR021,
                            line,
                            format!(
                                "`{keyword} {}` is in shell form, which runs `/bin/sh -c`, and \
                                 this stage (from `{}`) has no shell: the container cannot \
                                 start; write `{keyword} {}`",
                                short(text),
                                stage.from.image,
                                exec_form_hint(text)
                            ),
                        );
                    } else {
                        push(
                            &mut out,
                            &SCR020,
                            line,
                            format!(
                                "`{keyword} {}` is in shell form: `/bin/sh` becomes PID 1 and \
                                 does not pass SIGTERM on, so `docker stop` kills the program \
                                 after 10 s; write `{keyword} {}`",
                                short(text),
                                exec_form_hint(text)
                            ),
                        );
                    }
                }
                InstructionKind::Healthcheck(Some(Command::Shell(text))) if info.shell_less => {
                    push(
                        &mut out,
                        &SCR021,
                        line,
                        format!(
                            "`HEALTHCHECK CMD {}` is in shell form, which runs `/bin/sh -c`, \
                             and this stage (from `{}`) has no shell: the check fails every \
                             time; write `HEALTHCHECK CMD {}`",
                            short(text),
                            stage.from.image,
                            exec_form_hint(text)
                        ),
                    );
                }
                InstructionKind::Add(copy) => {
                    let message = if let Some(source) = local_non_archive(copy) {
                        Some(format!(
                            "`ADD {source}` copies a local file or folder, which is what COPY \
                             does without ADD's hidden behaviours (unpacking archives, \
                             fetching URLs); write `COPY` instead of `ADD`"
                        ))
                    } else {
                        copy.heredocs.first().map(|heredoc| {
                            format!(
                                "`ADD <<{name}` writes a file from the Dockerfile's own text, \
                                 which is what `COPY <<{name}` does without ADD's hidden \
                                 behaviours; write `COPY` instead of `ADD`",
                                name = heredoc.name
                            )
                        })
                    };
                    if let Some(message) = message {
                        push(&mut out, &SCR019, line, message);
                    }
                }
                InstructionKind::Copy(copy) => {
                    if let Some(from) = &copy.from {
                        let context = options
                            .contexts
                            .iter()
                            .any(|name| name.eq_ignore_ascii_case(from.trim_matches(['"', '\''])));
                        check_copy_from(df, &graph, index, from, context, &mut |rule, message| {
                            push(&mut out, rule, line, message)
                        });
                    }
                }
                InstructionKind::Workdir(path) if !absolute_workdir(path) => {
                        push(
                            &mut out,
                            &SCR026,
                            line,
                            format!(
                                "`WORKDIR {}` is relative to the previous WORKDIR, which the \
                                 base image decides; write the absolute path (`WORKDIR /{}`)",
                                short(path),
                                short(path.trim_matches(['"', '\'']).trim_start_matches("./"))
                            ),
                        );
                }
                // The trigger runs in the builds FROM this image: checked with
                // this stage's shell and ENV, without touching what the
                // stage's own layers hold (SCR008).
                InstructionKind::Onbuild(inner) if !info.shell_less => {
                    if let InstructionKind::Run(run) = &inner.kind {
                        if posix_shell(&state.shell) {
                            let dirty = std::mem::take(&mut state.dirty);
                            check_one_run(run, line, &info.kind, &mut state, &mut |rule, m| {
                                push(&mut out, rule, line, m)
                            });
                            state.dirty = dirty;
                        }
                    }
                }
                InstructionKind::Maintainer(name) => push(
                    &mut out,
                    &SCR027,
                    line,
                    format!(
                        "MAINTAINER is deprecated; write `LABEL org.opencontainers.image.authors=\"{}\"`",
                        short(name).replace('"', "\\\"")
                    ),
                ),
                _ => {}
            }
            out.retain(|f| !suppressed(f.rule, &instruction.ignores, &df.global_ignores));
            findings.append(&mut out);
        }
        inherited.push(state);
    }
    findings.extend(check_labels(df, &infos, options));
    findings.extend(check_contents(df, &infos));
    findings.extend(check_buildkit(df, &infos));
    let mut per_instruction = super::instructions::check(df, &infos, options);
    per_instruction.retain(|f| {
        let ignores = super::instructions::ignores_at(df, f.stage, f.line);
        !suppressed(f.rule, ignores, &df.global_ignores)
    });
    findings.append(&mut per_instruction);
    if !df.stage_ignores.is_empty() {
        findings.retain(|f| !suppressed(f.rule, df.stage_ignores_at(f.line), &[]));
    }
    findings.retain(|f| options.reports(f.rule));
    findings.sort_by(|a, b| a.line.cmp(&b.line).then(a.rule.id.cmp(b.rule.id)));
    findings
}

/// Whether a `FROM` image (not `scratch`, not a stage) has neither a tag
/// nor a digest (SCR029). A reference with a variable cannot be known and is
/// not reported; one that does not parse is left to Docker's own error.
fn untagged(image: &str) -> bool {
    if image.contains('$') {
        return false;
    }
    ImageRef::parse(image).is_ok_and(|image| image.tag().is_none() && image.digest().is_none())
}

/// What SCR030 remembers of a `RUN`.
#[derive(Debug, Clone)]
struct PreviousRun {
    /// The line of the latest `RUN` of the sequence.
    last_line: usize,
    /// The flags (`--mount`, `--network`, `--security`), sorted.
    flags: Vec<(String, Option<String>)>,
    /// The number of commands in the `RUN`'s own shell, `None` when it cannot
    /// be read (not a POSIX shell, or not valid shell).
    commands: Option<usize>,
}

fn sorted_flags(flags: &[Flag]) -> Vec<(String, Option<String>)> {
    let mut flags: Vec<_> = flags
        .iter()
        .map(|flag| (flag.name.clone(), flag.value.clone()))
        .collect();
    flags.sort();
    flags
}

/// The simple commands of a `RUN`'s own shell (not of a `sh -c` string
/// inside it, which hadolint does not parse either).
fn command_count(run: &Run, shell: &[String]) -> Option<usize> {
    if !posix_shell(shell) {
        return None;
    }
    let text = run_texts(run).into_iter().next()?;
    let script = crate::shell::parse(&text).ok()?;
    Some(
        script
            .commands
            .iter()
            .filter(|command| command.scope == 0 && !command.command_words().is_empty())
            .count(),
    )
}

/// Whether two consecutive `RUN`s are worth one (SCR030), as hadolint's
/// DL3059 decides: the same flags, and one command in each. (DL3059's source
/// says "at most two", but it counts every command twice, once for the
/// redirection node ShellCheck wraps it in and once for the command itself,
/// so `RUN a && b` already counts four: in effect, one command each. The
/// corpus comparison with hadolint 2.15.1 confirms it.)
fn consolidable(previous: &PreviousRun, this: &PreviousRun) -> bool {
    previous.flags == this.flags
        && previous.commands.is_some_and(|n| n <= 1)
        && this.commands.is_some_and(|n| n <= 1)
}

/// Parses and checks Dockerfile text in one call.
///
/// ```
/// use stagecraft_rules::dockerfile::{lint, Options};
///
/// let findings = lint("FROM scratch\nRUN echo hi\n", &Options::default()).unwrap();
/// assert_eq!(findings[0].rule.id, "SCR022");
/// assert_eq!(lint("FROM a\nFOO\n", &Options::default()).unwrap_err().line, 2);
/// ```
pub fn lint(
    text: &str,
    options: &Options,
) -> Result<Vec<DockerfileFinding>, crate::dockerfile::parse::ParseError> {
    let df = Dockerfile::parse(text)?;
    Ok(check_dockerfile(&df, options))
}

fn suppressed(rule: &Rule, ignores: &[String], global: &[String]) -> bool {
    ignores
        .iter()
        .chain(global)
        .any(|code| rule_matches(rule, code))
}

fn check_one_run(
    run: &Run,
    line: usize,
    kind: &StageKind,
    state: &mut Inherited,
    report: &mut dyn FnMut(&'static Rule, String),
) {
    // The stage's ENV is lent to the context for this RUN, not copied: a
    // copy per RUN made a file with many ENVs and RUNs quadratic.
    let mut ctx = RunContext {
        stage: *kind,
        env: std::mem::take(&mut state.env),
        cache_mounts: Vec::new(),
        pipefail: shell_pipefail(&state.shell),
    };
    for mount in &run.mounts {
        if crate::dockerfile::mount::keeps_writes_out_of_the_layer(&mount.kind) {
            if let Some(target) = &mount.target {
                ctx.cache_mounts.push(target.clone());
            }
        }
    }
    for text in run_texts(run) {
        check_run_text(&text, line, &ctx, &mut state.dirty, report);
    }
    state.env = ctx.env;
}

/// Checks one shell text of a `RUN` (parsed once for the per-`RUN` rules,
/// the installs it leaves and the cleanups that free nothing), and updates
/// which managers' caches the stage's layers hold.
fn check_run_text(
    text: &str,
    line: usize,
    ctx: &RunContext,
    dirty: &mut Vec<(Manager, usize)>,
    report: &mut dyn FnMut(&'static Rule, String),
) {
    let RunFacts {
        findings,
        installs,
        cleanups,
    } = match run_facts(text, ctx) {
        Ok(facts) => facts,
        Err(error) => {
            report(&SCR028, format!("the shell cannot read this RUN: {error}"));
            return;
        }
    };
    // Cleanups of caches an earlier RUN left: they free nothing.
    let mut reported: Vec<Manager> = Vec::new();
    for cleanup in cleanups {
        let Some(&(_, install_line)) = dirty.iter().find(|(m, _)| *m == cleanup.manager) else {
            continue;
        };
        if reported.contains(&cleanup.manager) {
            continue;
        }
        reported.push(cleanup.manager);
        let snippet = crate::family::snippet(text, cleanup.span);
        report(
            &SCR008,
            format!(
                "`{snippet}` removes what `{}` left in the RUN on line {install_line}, but \
                 that RUN's layer already holds the files: deleting them here frees nothing \
                 (and adds whiteouts); move the cleanup to the end of the RUN on line \
                 {install_line}",
                cleanup.manager.name()
            ),
        );
    }
    for install in installs {
        let left = !install.cleaned_up
            && findings.iter().any(|f| {
                cache_rules(install.manager)
                    .iter()
                    .any(|r| r.id == f.rule.id)
            });
        if left {
            // Remember the latest RUN that left this manager's cache.
            dirty.retain(|(m, _)| *m != install.manager);
            dirty.push((install.manager, line));
        }
    }
    for finding in findings {
        report(finding.rule, finding.message);
    }
}

fn check_copy_from(
    df: &Dockerfile,
    graph: &StageGraph,
    index: usize,
    from: &str,
    context: bool,
    report: &mut dyn FnMut(&'static Rule, String),
) {
    match resolve_copy_from(graph, index, from) {
        CopyFrom::Stage(_) | CopyFrom::Image => {}
        // A named build context the build is given (`Options::contexts`).
        CopyFrom::Unknown if context => {}
        CopyFrom::Own => report(
            &SCR024,
            format!(
                "`COPY --from={from}` names the stage it is in: a stage cannot copy from itself \
                 (Docker reports a circular dependency); copy from the earlier stage that made \
                 the files, or use `RUN cp` within the stage"
            ),
        ),
        CopyFrom::Later(j) => report(
            &SCR023,
            format!(
                "`COPY --from={from}` names the stage on line {}, which comes later: it is not \
                 built yet at this point; move that stage above this one",
                df.stages[j].line
            ),
        ),
        CopyFrom::BadIndex => report(
            &SCR023,
            format!(
                "`COPY --from={from}` names stage number {from}, but only stages 0 to {} come \
                 before this one; use an earlier stage's index or, better, its name",
                index.saturating_sub(1)
            ),
        ),
        CopyFrom::Unknown => report(
            &SCR023,
            format!(
                "`COPY --from={from}` names no earlier stage, so Docker pulls an image called \
                 `{from}` (a typo becomes `pull access denied`, or somebody else's image); name \
                 an earlier stage (`FROM ... AS {from}`), or write the image with its tag"
            ),
        ),
    }
}

/// The first source of an `ADD` that COPY would copy the same way (a local
/// file or folder that is not a tar archive), if any.
fn local_non_archive(copy: &Copy) -> Option<&str> {
    const ARCHIVES: &[&str] = &[
        ".tar", ".z", ".bz2", ".gz", ".lz", ".lzma", ".tz", ".tb2", ".tbz", ".tbz2", ".tgz",
        ".tlz", ".tpz", ".txz", ".xz", ".zst", ".tzst",
    ];
    copy.sources.iter().map(String::as_str).find(|source| {
        let source = source.trim_matches(['"', '\'']);
        let lower = source.to_ascii_lowercase();
        let url = ["http://", "https://", "git@", "git://", "ssh://"]
            .iter()
            .any(|scheme| lower.starts_with(scheme));
        let archive = ARCHIVES.iter().any(|ext| lower.ends_with(ext));
        let variable = source.starts_with('$');
        !(url || archive || variable || source.starts_with("<<"))
    })
}

/// Whether a `WORKDIR` path is absolute (or starts with a variable, or is a
/// Windows path with a drive letter).
fn absolute_workdir(path: &str) -> bool {
    let path = path.trim_matches(['"', '\'']);
    let mut chars = path.chars();
    path.starts_with('/')
        || path.starts_with('$')
        || (chars.next().is_some_and(|c| c.is_ascii_alphabetic()) && chars.next() == Some(':'))
}

/// `text` on one line, at most 60 characters.
fn short(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 60 {
        format!("{}...", one_line.chars().take(57).collect::<String>())
    } else {
        one_line
    }
}

/// The exec form of a simple shell-form command, for a message.
fn exec_form_hint(text: &str) -> String {
    let mut words: Vec<&str> = text.split_whitespace().collect();
    // `exec` is a shell builtin: `["exec", "/app"]` cannot start. The exec
    // form already replaces the shell, so the word goes.
    if words.first() == Some(&"exec") {
        words.remove(0);
    }
    let simple = words.len() <= 8
        && words.iter().all(|w| {
            !w.contains([
                '$', '&', '|', ';', '<', '>', '`', '"', '\'', '(', ')', '*', '\\',
            ])
        });
    if simple && !words.is_empty() {
        let quoted: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
        format!("[{}]", quoted.join(", "))
    } else {
        "[\"/path/to/program\", \"arg\", ...]".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(usize, &'static str, Severity)> {
        found_with(text, &Options::default())
    }

    /// The findings, without hadolint's version-pinning rules (they fire
    /// on nearly every install; their own tests are in `instructions` and
    /// the lint corpus).
    fn found_with(text: &str, options: &Options) -> Vec<(usize, &'static str, Severity)> {
        let df = Dockerfile::parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        check_dockerfile(&df, options)
            .into_iter()
            .filter(|f| !crate::catalogue::PINNING.contains(&f.rule))
            .map(|f| (f.line, f.rule.id, f.severity))
            .collect()
    }

    use Severity::{Error, Info, Warning};

    const APT: &str =
        "RUN apt-get update && apt-get install -y --no-install-recommends x && rm -rf /var/lib/apt/lists/*";

    #[test]
    fn clean_multi_stage() {
        let text = format!(
            "FROM debian:bookworm-slim AS build\n{APT}\nFROM gcr.io/distroless/cc-debian12:nonroot\nCOPY --from=build /x /x\nENTRYPOINT [\"/x\"]\n"
        );
        assert_eq!(found(&text), []);
    }

    #[test]
    fn stage_kinds_follow_the_target_and_its_ancestors() {
        let text = "FROM debian:12 AS base\nRUN pip install a\nFROM base AS build\nRUN pip install b\nFROM base\nCOPY --from=build /a /a\n";
        assert_eq!(found(text), [(2, "SCR009", Error), (4, "SCR009", Warning)]);
        let build = Options {
            target: Some("BUILD".to_owned()),
            ..Options::default()
        };
        assert_eq!(
            found_with(text, &build),
            [(2, "SCR009", Error), (4, "SCR009", Error)]
        );
        // A stage nobody uses is build-only too.
        assert_eq!(
            found("FROM debian:12 AS unused\nRUN pip install a\nFROM debian:12\n"),
            [(2, "SCR009", Warning)]
        );
    }

    #[test]
    fn env_arg_shell_and_mounts_reach_check_run() {
        assert_eq!(
            found(
                "FROM python:3.12 AS base\nENV PIP_NO_CACHE_DIR=1\nFROM base\nRUN pip install a\n"
            ),
            []
        );
        assert_eq!(
            found("ARG PIP_NO_CACHE_DIR=1\nFROM python:3.12\nARG PIP_NO_CACHE_DIR\nRUN pip install a\n"),
            []
        );
        assert_eq!(
            found(
                "FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip pip install a\n"
            ),
            []
        );
        assert_eq!(
            found("FROM debian:12\nRUN curl -fsSL x | sh\n"),
            [(2, "SCR017", Warning)]
        );
        assert_eq!(
            found("FROM debian:12\nSHELL [\"/bin/bash\", \"-eo\", \"pipefail\", \"-c\"]\nRUN curl -fsSL x | sh\n"),
            []
        );
        // PowerShell: no POSIX analysis.
        assert_eq!(
            found("FROM windows:ltsc2022\nSHELL [\"powershell\", \"-Command\"]\nRUN cd x | y\n"),
            []
        );
    }

    #[test]
    fn cleanup_in_a_later_run() {
        let text = "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends x\nRUN echo\nRUN rm -rf /var/lib/apt/lists/*\n";
        // Three RUNs in a row; the last two are single commands: SCR030.
        assert_eq!(
            found(text),
            [
                (2, "SCR003", Error),
                (4, "SCR008", Error),
                (4, "SCR030", Info)
            ]
        );
        // In a stage built FROM the installing one too.
        let text =
            "FROM debian:12 AS base\nRUN apk add x\nFROM base\nRUN rm -rf /var/cache/apk/*\n";
        assert_eq!(found(text), [(2, "SCR011", Error), (4, "SCR008", Error)]);
        // A cleanup after a clean install frees nothing but costs nothing: no SCR008.
        let text = format!("FROM debian:12\n{APT}\nRUN rm -rf /var/lib/apt/lists/*\n");
        assert_eq!(found(&text), []);
        // apt-get update alone, cleaned later.
        let text = "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends x && rm -rf /var/lib/apt/lists/*\n";
        assert_eq!(found(text), [(2, "SCR002", Error), (3, "SCR001", Error)]);
    }

    #[test]
    fn shell_less_stages() {
        let text = "FROM scratch\nRUN echo hi\nCMD /app\nENTRYPOINT [\"/app\"]\nHEALTHCHECK CMD /app --health\n";
        assert_eq!(
            found(text),
            [
                (2, "SCR022", Error),
                (3, "SCR021", Error),
                (5, "SCR021", Error)
            ]
        );
        let text = "FROM gcr.io/distroless/static:nonroot AS rt\nFROM rt\nCMD app\n";
        assert_eq!(found(text), [(3, "SCR021", Error)]);
        assert_eq!(
            found("FROM gcr.io/distroless/base:debug\nRUN echo\nCMD app\n"),
            [(3, "SCR020", Warning)]
        );
        // A build-only shell-form CMD hardly matters.
        assert_eq!(
            found("FROM debian:12 AS a\nCMD app\nFROM debian:12\n"),
            [(2, "SCR020", Info)]
        );
    }

    #[test]
    fn copy_from_references() {
        let text = "FROM a:1 AS one\nCOPY --from=one /x /x\nCOPY --from=two /x /x\nCOPY --from=nope /x /x\nCOPY --from=busybox:1.36 /x /x\nCOPY --from=0 /x /x\nCOPY --from=7 /x /x\nFROM b:1 AS two\nCOPY --from=ONE /x /x\nCOPY --from=0 /x /x\nCOPY --from=${IMG} /x /x\n";
        assert_eq!(
            found(text),
            [
                (2, "SCR024", Error),
                (3, "SCR023", Error),
                (4, "SCR023", Error),
                (6, "SCR024", Error),
                (7, "SCR023", Error)
            ]
        );
    }

    #[test]
    fn copy_from_a_named_context_the_build_is_given() {
        let text = "FROM a:1 AS one\nCOPY --from=docs /x /x\nCOPY --from=\"Docs\" /x /x\nCOPY --from=nope /x /x\nCOPY --from=two /x /x\nFROM b:1 AS two\n";
        let options = Options {
            contexts: vec!["docs".to_owned(), "two".to_owned()],
            ..Options::default()
        };
        // An undeclared name stays unknown; a later stage stays a later
        // stage even when a context has its name.
        assert_eq!(
            found_with(text, &options),
            [(4, "SCR023", Error), (5, "SCR023", Error)]
        );
        assert_eq!(
            found(text),
            [
                (2, "SCR023", Error),
                (3, "SCR023", Error),
                (4, "SCR023", Error),
                (5, "SCR023", Error)
            ]
        );
    }

    #[test]
    fn duplicate_aliases_workdir_maintainer_add() {
        let text = "FROM a:1 AS x\nFROM b:1 AS X\nWORKDIR app\nWORKDIR /app\nWORKDIR $HOME/x\nWORKDIR \"C:\\\\x\"\nMAINTAINER me\nADD src /src\nADD https://x/y.tgz /y\nADD rootfs.tar.xz /\nADD a.zip /z\n";
        assert_eq!(
            found(text),
            [
                (2, "SCR025", Error),
                (3, "SCR026", Warning),
                (7, "SCR027", Warning),
                (8, "SCR019", Warning),
                (11, "SCR019", Warning)
            ]
        );
    }

    #[test]
    fn suppressions() {
        let text = "# hadolint global ignore=DL3000\nFROM debian:12\n# stagecraft ignore=SCR001\n# hadolint ignore=DL3009,DL3015\nRUN apt-get install -y x\nWORKDIR app\n";
        assert_eq!(found(text), []);
    }

    #[test]
    fn legacy_ids_still_suppress_for_one_release() {
        // Ids were `SC003` until they moved out of ShellCheck's namespace.
        let text = "FROM debian:12\n# stagecraft ignore=SC003,sc006\nRUN apt-get update && apt-get install -y x\n";
        assert_eq!(found(text), []);
        let text = "# hadolint global ignore=SC003\nFROM debian:12\nRUN apt-get update && apt-get install -y x\n";
        assert_eq!(found(text), [(3, "SCR006", Error)]);
    }

    #[test]
    fn heredoc_runs_are_analysed() {
        let text = "FROM debian:12\nRUN <<EOF\nset -eux\napt-get update\napt-get install -y --no-install-recommends x\nEOF\n";
        assert_eq!(found(text), [(2, "SCR003", Error)]);
        let text = "FROM debian:12\nRUN cat <<EOF > /etc/x && pip install a\nline\nEOF\n";
        assert_eq!(found(text), [(2, "SCR009", Error)]);
        let text =
            "FROM debian:12\nRUN <<EOF\n#!/usr/bin/env python3\nprint('pip install x')\nEOF\n";
        assert_eq!(found(text), []);
        let text = "FROM debian:12\nRUN bash <<EOF\npip install x\nEOF\n";
        assert_eq!(found(text), [(2, "SCR009", Error)]);
    }

    #[test]
    fn exec_form_run_and_unparsable_run() {
        assert_eq!(
            found("FROM debian:12\nRUN [\"pip\", \"install\", \"a b\"]\n"),
            [(2, "SCR009", Error)]
        );
        assert_eq!(
            found("FROM debian:12\nRUN echo 'oops\n"),
            [(2, "SCR028", Error)]
        );
    }

    #[test]
    fn the_exec_form_offered_drops_exec() {
        // `["exec", "/app"]` cannot start: `exec` is a shell builtin.
        assert_eq!(
            exec_form_hint("exec /app --port 80"),
            r#"["/app", "--port", "80"]"#
        );
        assert_eq!(exec_form_hint("/app"), r#"["/app"]"#);
    }

    #[test]
    fn sc029_untagged_base_images() {
        let text = "ARG BASE=debian:12\nFROM ubuntu AS one\nFROM one AS two\nFROM scratch\nFROM $BASE\nFROM ${REPO}/app:${TAG}\nFROM gcr.io/distroless/cc-debian12\nFROM localhost:5000/team/app\nFROM debian:12\nFROM debian@sha256:0123456789012345678901234567890123456789012345678901234567890123\nFROM python:latest\nFROM NotAnImage\n";
        assert_eq!(
            found(text),
            [
                (2, "SCR029", Warning),
                (7, "SCR029", Warning),
                (8, "SCR029", Warning),
                // `:latest` is DL3007, not SCR029.
                (11, "DL3007", Warning)
            ]
        );
        // Build-only stages too; a later stage's name is an image (Docker reads it so).
        assert_eq!(
            found("FROM build AS x\nFROM alpine:3.20 AS build\n"),
            [(1, "SCR029", Warning)]
        );
        // Both suppressions work on the FROM line.
        assert_eq!(
            found(
                "# hadolint ignore=DL3006\nFROM ubuntu\n# stagecraft ignore=SCR029\nFROM alpine\n"
            ),
            []
        );
    }

    #[test]
    fn sc030_consecutive_short_runs() {
        // Comments do not separate RUNs; any other instruction does.
        let text = "FROM debian:12\nRUN a\n# why\nRUN b\nWORKDIR /x\nRUN d\nENV X=1\nRUN e\n\nRUN f\nRUN g\n";
        assert_eq!(
            found(text),
            [
                (4, "SCR030", Info),
                (10, "SCR030", Info),
                (11, "SCR030", Info)
            ]
        );
        // More than one command in either RUN: deliberate, as hadolint reads it.
        assert_eq!(found("FROM debian:12\nRUN a && b\nRUN d\n"), []);
        assert_eq!(found("FROM debian:12\nRUN a\nRUN b || c\n"), []);
        assert_eq!(
            found("FROM debian:12\nRUN a\nRUN sh -c 'b; c'\nRUN d\n"),
            [(3, "SCR030", Info), (4, "SCR030", Info)]
        );
        // After a chain, two single commands count again.
        assert_eq!(
            found("FROM debian:12\nRUN a && b && c\nRUN d\nRUN e\n"),
            [(4, "SCR030", Info)]
        );
        // Different flags (a cache mount, the network): not merged.
        let text = "FROM debian:12\nRUN --mount=type=cache,target=/root/.cache/pip pip install a\nRUN echo\nRUN --network=none make\nRUN --network=none make install\n";
        assert_eq!(found(text), [(5, "SCR030", Info)]);
        // A new stage starts afresh; exec form counts; build-only stages are info too.
        let text =
            "FROM debian:12 AS build\nRUN [\"make\"]\nRUN make install\nFROM debian:12\nRUN a\n";
        assert_eq!(found(text), [(3, "SCR030", Info)]);
        // Shell-less stages have SCR022 instead; unreadable RUNs SCR028 only.
        assert_eq!(
            found("FROM scratch\nRUN a\nRUN b\n"),
            [(2, "SCR022", Error), (3, "SCR022", Error)]
        );
        assert_eq!(
            found("FROM debian:12\nRUN echo 'oops\nRUN b\n"),
            [(2, "SCR028", Error)]
        );
        // Suppressed like any rule, by either code.
        assert_eq!(
            found("FROM debian:12\nRUN a\n# hadolint ignore=DL3059\nRUN b\n"),
            []
        );
    }

    #[test]
    fn onbuild_run_is_checked() {
        assert_eq!(
            found("FROM debian:12\nONBUILD RUN pip install x\n"),
            [(2, "SCR009", Error)]
        );
    }
}
