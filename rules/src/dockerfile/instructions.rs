//! hadolint's rules about instructions and their repetition in a stage
//! (DL1001, DL3002, DL3007, DL3010-DL3012, DL3021, DL3026, DL3029, DL3057,
//! DL3063-DL3067, DL4001, DL4003, DL4004), checked in one pass over each stage by [`check`], which
//! [`check_dockerfile`](super::check_dockerfile) calls once per file.
//!
//! Every rule here keeps a constant amount of state per stage (a flag, a
//! count, the archives copied so far), so the pass is linear in the file.
//!
//! Stage awareness: `USER` (DL3002) is judged for the image that is built,
//! not per stage. The user the image runs as is the last `USER` of the
//! target stage or, when it sets none, of the stage it is built `FROM`, and
//! so on up; a `USER root` in a build-only stage (which never runs as a
//! container) or one that a later `USER app` of a descendant stage replaces
//! is not reported, while a root user inherited from a base stage is.
//! `HEALTHCHECK` (DL3057, off unless enabled) likewise: the image has one
//! when its target stage or a stage it is built `FROM` declares one
//! (`HEALTHCHECK NONE` included); reported once, at the target's `FROM`.

use std::collections::HashSet;

use crate::catalogue::{Rule, Severity, DL1001, DL3057, DL3066};
use crate::dockerfile::check::{Base, DockerfileFinding, Options, StageInfo};
use crate::dockerfile::parse::{Command, Copy, Dockerfile, Instruction, InstructionKind, Run};
use crate::image_ref::ImageRef;

/// The image runs as root.
pub static DL3002: Rule = Rule {
    id: "DL3002",
    summary: "the last USER of the image should not be root",
    why: "A container runs as the image's last USER: as root, a process that is broken into \
          (or a mistake in a volume mount) can do anything in the container and, through a \
          kernel or runtime bug, on the host.",
    fix: "Create a user and switch to it at the end: `RUN useradd --system app` and `USER app` \
          (switch to `USER root` only for the RUNs that need it).",
    hadolint: Some("DL3002"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// `FROM image:latest`.
pub static DL3007: Rule = Rule {
    id: "DL3007",
    summary: "do not use the `latest` tag: pin a version",
    why: "`latest` is whatever the registry holds on the day of the build: two builds of the \
          same Dockerfile get different bases, and a rebuild for a one-line change can pull a \
          new major release. (An image without any tag is `latest` too: SCR029.)",
    fix: "Name the version: `FROM ubuntu:24.04`, or pin the digest as well \
          (`ubuntu:24.04@sha256:...`); `latest@sha256:...` is pinned and not reported.",
    hadolint: Some("DL3007"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// A local archive copied, then extracted in a RUN.
pub static DL3010: Rule = Rule {
    id: "DL3010",
    summary: "use ADD to extract a local archive into the image",
    why: "COPY of an archive followed by `tar -x` in a RUN stores the archive in the COPY's \
          layer and its contents again in the RUN's: the image carries both. ADD unpacks a \
          local tar archive in one step, one layer.",
    fix: "Write `ADD app.tar.gz /opt/` instead of `COPY app.tar.gz /tmp/` and `RUN tar -xzf \
          /tmp/app.tar.gz -C /opt`, or extract in a build stage and COPY --from the result.",
    hadolint: Some("DL3010"),
    shipped: Severity::Info,
    build_only: Severity::Info,
};

/// `EXPOSE` of a port beyond 65535.
pub static DL3011: Rule = Rule {
    id: "DL3011",
    summary: "EXPOSE ports range from 0 to 65535",
    why: "A TCP or UDP port is 16 bits: Docker refuses the image's config with `invalid \
          containerPort` for a larger number, so the build fails.",
    fix: "Expose the port the program listens on, between 0 and 65535 (`EXPOSE 8080`).",
    hadolint: Some("DL3011"),
    shipped: Severity::Error,
    build_only: Severity::Error,
};

/// Two HEALTHCHECKs in a stage.
pub static DL3012: Rule = Rule {
    id: "DL3012",
    summary: "one HEALTHCHECK per stage",
    why: "Only the last HEALTHCHECK of a stage takes effect: an earlier one is dead text that a \
          reader takes for the check the container runs.",
    fix: "Keep a single HEALTHCHECK (the one you mean), usually near the end of the stage.",
    hadolint: Some("DL3012"),
    shipped: Severity::Error,
    build_only: Severity::Error,
};

/// `COPY a b /dst` without a trailing `/`.
pub static DL3021: Rule = Rule {
    id: "DL3021",
    summary: "COPY or ADD with several sources needs a destination ending in `/`",
    why: "With more than one source the destination must be a directory, and Docker only \
          accepts it written as one: `COPY a b /dst` fails the build with `When using COPY \
          with more than one source file, the destination must be a directory and end with \
          a /`.",
    fix: "End the destination with a slash: `COPY a b /dst/`.",
    hadolint: Some("DL3021"),
    shipped: Severity::Error,
    build_only: Severity::Error,
};

/// An image from a registry that is not trusted.
pub static DL3026: Rule = Rule {
    id: "DL3026",
    summary: "use images only from the trusted registries",
    why: "The project allows images only from the registries listed in its configuration \
          (`trustedRegistries`): an image from anywhere else has not been vetted, may vanish, \
          or may not be what its name says.",
    fix: "Use an image of a trusted registry (mirror it there first), or add the registry to \
          `trustedRegistries` if it is meant to be trusted. Off when no registry is listed.",
    hadolint: Some("DL3026"),
    shipped: Severity::Error,
    build_only: Severity::Error,
};

/// `FROM --platform=linux/amd64`.
pub static DL3029: Rule = Rule {
    id: "DL3029",
    summary: "do not fix the platform with `FROM --platform`",
    why: "A fixed `--platform=linux/amd64` builds that platform's image on every machine: on an \
          arm64 host it runs emulated and slow, and a multi-platform build gets the same \
          binary for every platform.",
    fix: "Drop the flag, or use the build's variables: `FROM --platform=$BUILDPLATFORM` for a \
          cross-compiling build stage, `$TARGETPLATFORM` for the target.",
    hadolint: Some("DL3029"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// Both `curl` and `wget` in a stage.
pub static DL4001: Rule = Rule {
    id: "DL4001",
    summary: "use either wget or curl, not both",
    why: "Installing and using two download tools where one does puts both (and their \
          libraries) in the image, and two sets of options (retries, TLS, redirects) to keep \
          right.",
    fix: "Pick one (`curl -fsSL` or `wget -qO-`) for every download of the stage, and install \
          only that one.",
    hadolint: Some("DL4001"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// Two CMDs in a stage.
pub static DL4003: Rule = Rule {
    id: "DL4003",
    summary: "one CMD per stage",
    why: "Only the last CMD of a stage takes effect: an earlier one is dead text that a reader \
          takes for what the container runs.",
    fix: "Keep the one CMD you mean; to run several programs, use an entrypoint script or a \
          process supervisor.",
    hadolint: Some("DL4003"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// Two ENTRYPOINTs in a stage.
pub static DL4004: Rule = Rule {
    id: "DL4004",
    summary: "one ENTRYPOINT per stage",
    why: "Only the last ENTRYPOINT of a stage takes effect (and it resets the CMD inherited \
          before it): an earlier one is dead text that a reader takes for what the container \
          runs.",
    fix: "Keep the one ENTRYPOINT you mean; to run several steps, write an entrypoint script \
          that ends with `exec \"$@\"`.",
    hadolint: Some("DL4004"),
    shipped: Severity::Error,
    build_only: Severity::Error,
};

/// A stage named `scratch` or `context`.
pub static DL3063: Rule = Rule {
    id: "DL3063",
    summary: "do not name a stage `scratch` or `context`",
    why: "`scratch` is the empty image and `context` the build context in BuildKit's names: a \
          stage called so is shadowed or shadows them, and `FROM scratch` or `--from=context` \
          no longer means what a reader takes it for.",
    fix: "Give the stage a name of its own: `FROM golang:1.23 AS build`.",
    hadolint: Some("DL3063"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// A secret-looking name in `ARG` or `ENV`.
pub static DL3064: Rule = Rule {
    id: "DL3064",
    summary: "do not pass secrets through ARG or ENV",
    why: "An ARG's value is kept in the image's history (`docker history`) and an ENV's in its \
          configuration: a token or password passed that way is readable by anyone who can \
          pull the image.",
    fix: "Mount the secret for the RUN that needs it: `RUN --mount=type=secret,id=token \
          TOKEN=$(cat /run/secrets/token) ...`, built with `--secret id=token,src=...`.",
    hadolint: Some("DL3064"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// `FROM --platform=$TARGETPLATFORM`.
pub static DL3065: Rule = Rule {
    id: "DL3065",
    summary: "`FROM --platform=$TARGETPLATFORM` is the default: drop it",
    why: "A stage is built for the target platform unless told otherwise: the flag says nothing \
          and hides the stages whose `--platform` matters (`$BUILDPLATFORM`).",
    fix: "Remove `--platform=$TARGETPLATFORM` from the FROM line.",
    hadolint: Some("DL3065"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// `COPY --from=stage / /`.
pub static DL3067: Rule = Rule {
    id: "DL3067",
    summary: "do not copy a whole filesystem from another stage",
    why: "`COPY --from=build / /` copies every file of the other stage, its package manager, \
          caches and build tools included, over the image: it undoes the point of a \
          multi-stage build.",
    fix: "Copy only what the image needs: `COPY --from=build /app/bin/server /usr/local/bin/`.",
    hadolint: Some("DL3067"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// Names hadolint's DL3064 takes for secrets, whole (upper case).
const SENSITIVE_NAMES: &[&str] = &[
    "ACCESS_TOKEN",
    "APPLICATION_KEY",
    "APP_SECRET",
    "AUTH_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "BITTREX_API_KEY",
    "BITTREX_API_SECRET",
    "CF_PASSWORD",
    "CF_USERNAME",
    "CIRCLE_TOKEN",
    "CI_DEPLOY_PASSWORD",
    "CI_DEPLOY_USER",
    "DOCKERHUB_PASSWORD",
    "DOCKER_EMAIL",
    "DOCKER_PASSWORD",
    "DOCKER_USERNAME",
    "FACEBOOK_ACCESS_TOKEN",
    "FACEBOOK_APP_ID",
    "FACEBOOK_APP_SECRET",
    "FIREBASE_API_TOKEN",
    "FIREBASE_TOKEN",
    "FOSSA_API_KEY",
    "GH_ENTERPRISE_TOKEN",
    "GH_TOKEN",
    "GITHUB_ENTERPRISE_TOKEN",
    "GITHUB_TOKEN",
    "HEROKU_API_KEY",
    "HEROKU_API_USER",
    "NPM_AUTH_TOKEN",
    "NPM_TOKEN",
    "OKTA_AUTHN_GROUPID",
    "OKTA_CLIENT_ORGURL",
    "OKTA_CLIENT_TOKEN",
    "OKTA_OAUTH2_CLIENTID",
    "OKTA_OAUTH2_CLIENTSECRET",
    "OPENAI_API_KEY",
    "OS_PASSWORD",
    "OS_USERNAME",
    "POSTGRES_PASSWORD",
    "SLACK_TOKEN",
    "STRIPE_API_KEY",
    "STRIPE_DEVICE_NAME",
    "TRAVIS_OS_NAME",
    "TRAVIS_SECURE_ENV_VARS",
    "TRAVIS_SUDO",
    "VAULT_CLIENT_KEY",
    "VAULT_TOKEN",
];

/// Parts of a name that DL3064 takes for a secret (lower case).
const SENSITIVE_PARTS: &[&str] = &[
    "api_key",
    "client_key",
    "password",
    "private",
    "secret",
    "token",
    "username",
];

/// Whether DL3064 takes the variable `name` for a secret.
fn is_sensitive_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SENSITIVE_NAMES
        .iter()
        .any(|known| known.eq_ignore_ascii_case(name))
        || SENSITIVE_PARTS.iter().any(|part| lower.contains(part))
}

/// The variables of an `ARG` or `ENV` (also inside `ONBUILD`) that DL3064
/// takes for secrets, with the keyword.
fn sensitive_variables(kind: &InstructionKind) -> Option<(&'static str, Vec<&str>)> {
    let (keyword, names): (&'static str, Vec<&str>) = match kind {
        InstructionKind::Arg(args) => ("ARG", args.iter().map(|(n, _)| n.as_str()).collect()),
        InstructionKind::Env(pairs) => ("ENV", pairs.iter().map(|(n, _)| n.as_str()).collect()),
        InstructionKind::Onbuild(inner) => return sensitive_variables(&inner.kind),
        _ => return None,
    };
    let names: Vec<&str> = names.into_iter().filter(|n| is_sensitive_name(n)).collect();
    (!names.is_empty()).then_some((keyword, names))
}

/// DL3064's message for `keyword` setting `names`.
fn sensitive_message(keyword: &str, names: &[&str]) -> String {
    format!(
        "`{keyword} {}` looks like a secret: its value stays readable in the image's history \
         or configuration; mount it for the RUN that needs it (`RUN --mount=type=secret`)",
        names.join(" ")
    )
}

/// Endings of the files DL3010 takes for archives.
const ARCHIVES: &[&str] = &[
    ".tar", ".z", ".bz2", ".gz", ".lz", ".lzma", ".tz", ".tb2", ".tbz", ".tbz2", ".tgz", ".tlz",
    ".tpz", ".txz", ".xz", ".zst", ".tzst", ".zip",
];

/// The suppression codes attached to the instruction (or `FROM`) on `line`
/// of stage `stage`.
pub(crate) fn ignores_at(df: &Dockerfile, stage: usize, line: usize) -> &[String] {
    let Some(stage) = df.stages.get(stage) else {
        return &[];
    };
    if line == stage.line {
        return &stage.ignores;
    }
    stage
        .instructions
        .iter()
        .find(|instruction| instruction.line == line)
        .map_or(&[], |instruction| &instruction.ignores)
}

/// The findings of this module's rules, in stage order.
pub(crate) fn check(
    df: &Dockerfile,
    infos: &[StageInfo],
    options: &Options,
) -> Vec<DockerfileFinding> {
    let mut out = Vec::new();
    // The ARG names declared so far, in the file (DL3066 accepts a USER
    // that uses one, as hadolint does).
    let mut arg_names: HashSet<&str> = HashSet::new();
    for arg in &df.global_args {
        if let InstructionKind::Arg(args) = &arg.kind {
            arg_names.extend(args.iter().map(|(name, _)| name.as_str()));
        }
    }
    for (index, stage) in df.stages.iter().enumerate() {
        let Some(info) = infos.get(index) else {
            break;
        };
        let mut report = |rule: &'static Rule, line: usize, message: String| {
            out.push(DockerfileFinding {
                rule,
                severity: rule.severity(info.kind),
                line,
                stage: index,
                message,
            })
        };
        if index == 0 {
            for arg in &df.global_args {
                if let Some((keyword, names)) = sensitive_variables(&arg.kind) {
                    report(&DL3064, arg.line, sensitive_message(keyword, &names));
                }
            }
        }
        if let Some(alias) = &stage.from.alias {
            if alias == "scratch" || alias == "context" {
                report(
                    &DL3063,
                    stage.line,
                    format!(
                        "the stage is named `{alias}`, a name BuildKit reserves (the empty \
                         image, the build context); give it a name of its own"
                    ),
                );
            }
        }
        let mut stage_state = StageState::default();
        if let Base::Image(image) = &info.base {
            check_image(image, "FROM", stage.line, df, index, options, &mut report);
        }
        if let Some(platform) = &stage.from.platform {
            if platform == "$TARGETPLATFORM" || platform == "${TARGETPLATFORM}" {
                report(
                    &DL3065,
                    stage.line,
                    format!(
                        "`FROM --platform={platform}` is what a stage is built for anyway; \
                         drop the flag"
                    ),
                );
            }
            if !platform.contains("BUILDPLATFORM") && !platform.contains("TARGETPLATFORM") {
                report(
                    &DL3029,
                    stage.line,
                    format!(
                        "`FROM --platform={platform}` builds that platform's image on every \
                         machine (emulated elsewhere); drop the flag, or write \
                         `--platform=$BUILDPLATFORM` for a cross-compiling stage"
                    ),
                );
            }
        }
        for instruction in &stage.instructions {
            match &instruction.kind {
                InstructionKind::Arg(args) => {
                    arg_names.extend(args.iter().map(|(name, _)| name.as_str()));
                }
                InstructionKind::User(user) if !numeric_or_arg_user(user, &arg_names) => report(
                    &DL3066,
                    instruction.line,
                    format!(
                        "`USER {user}` names the user, not its id: the host and orchestrators \
                         cannot resolve it (Kubernetes' runAsNonRoot refuses it); write the \
                         numeric id (`USER 10001`, created with `useradd --uid 10001`)"
                    ),
                ),
                _ => {}
            }
            stage_state.visit(instruction, df, index, options, &mut report);
        }
        stage_state.finish(&mut report);
    }
    check_last_user(df, infos, options, &mut out);
    if options.reports(&DL3057) {
        check_healthcheck(df, infos, options, &mut out);
    }
    if options.reports(&DL1001) {
        check_ignore_pragmas(df, infos, &mut out);
    }
    out
}

/// DL3066's test, as hadolint's: the user part (before `:`) is digits, or
/// names a declared `ARG` (`$NAME` or `${NAME}`).
fn numeric_or_arg_user(user: &str, arg_names: &HashSet<&str>) -> bool {
    let uid = user.split(':').next().unwrap_or(user);
    uid.bytes().all(|b| b.is_ascii_digit())
        || arg_names
            .iter()
            .any(|name| uid.contains(&format!("${{{name}}}")) || uid.contains(&format!("${name}")))
}

/// The index of the target stage (`--target`, by default the last).
fn target_index(df: &Dockerfile, options: &Options) -> usize {
    options
        .target
        .as_deref()
        .and_then(|target| df.stage_index(target))
        .unwrap_or(df.stages.len().saturating_sub(1))
}

/// DL3057: the image (the target and the stages it is built `FROM`) has no
/// `HEALTHCHECK`; reported at the target's `FROM`.
fn check_healthcheck(
    df: &Dockerfile,
    infos: &[StageInfo],
    options: &Options,
    out: &mut Vec<DockerfileFinding>,
) {
    let target = target_index(df, options);
    let mut index = target;
    loop {
        let Some(stage) = df.stages.get(index) else {
            return;
        };
        let declares = stage
            .instructions
            .iter()
            .any(|i| matches!(i.kind, InstructionKind::Healthcheck(_)));
        if declares {
            return;
        }
        match infos.get(index).map(|info| &info.base) {
            Some(Base::Stage(parent)) => index = *parent,
            _ => break,
        }
    }
    let (Some(stage), Some(info)) = (df.stages.get(target), infos.get(target)) else {
        return;
    };
    out.push(DockerfileFinding {
        rule: &DL3057,
        severity: DL3057.severity(info.kind),
        line: stage.line,
        stage: target,
        message: "the image has no HEALTHCHECK (neither this stage nor a stage it is built \
                  FROM declares one): Docker knows only whether the process is alive; add \
                  `HEALTHCHECK CMD [...]`, or `HEALTHCHECK NONE` to say none is wanted"
            .to_owned(),
    });
}

/// DL1001: every inline ignore pragma, at its own line.
fn check_ignore_pragmas(df: &Dockerfile, infos: &[StageInfo], out: &mut Vec<DockerfileFinding>) {
    for &line in &df.ignore_pragma_lines {
        // The stage the comment is in (the first one for a comment above it).
        let stage = df
            .stages
            .iter()
            .rposition(|stage| stage.line < line)
            .unwrap_or(0);
        let Some(info) = infos.get(stage) else {
            continue;
        };
        out.push(DockerfileFinding {
            rule: &DL1001,
            severity: DL1001.severity(info.kind),
            line,
            stage,
            message: "an inline ignore pragma: the exception is hidden in the Dockerfile; fix \
                      the instruction, or list the code under `ignored:` in .hadolint.yaml"
                .to_owned(),
        });
    }
}

/// What the per-stage rules remember while walking a stage.
#[derive(Default)]
struct StageState {
    healthcheck: bool,
    cmd: bool,
    entrypoint: bool,
    curl: bool,
    wget: bool,
    /// The archives copied by COPY: (line, base name, extracted yet).
    archives: Vec<(usize, String, bool)>,
}

impl StageState {
    fn visit(
        &mut self,
        instruction: &Instruction,
        df: &Dockerfile,
        stage: usize,
        options: &Options,
        report: &mut dyn FnMut(&'static Rule, usize, String),
    ) {
        let line = instruction.line;
        if let Some((keyword, names)) = sensitive_variables(&instruction.kind) {
            report(&DL3064, line, sensitive_message(keyword, &names));
        }
        match &instruction.kind {
            InstructionKind::Healthcheck(_) => {
                if self.healthcheck {
                    report(
                        &DL3012,
                        line,
                        "a second HEALTHCHECK in this stage: only the last one takes effect; \
                         keep the one you mean"
                            .to_owned(),
                    );
                }
                self.healthcheck = true;
            }
            InstructionKind::Cmd(_) => {
                if self.cmd {
                    report(
                        &DL4003,
                        line,
                        "a second CMD in this stage: only the last one takes effect; keep the \
                         one you mean"
                            .to_owned(),
                    );
                }
                self.cmd = true;
            }
            InstructionKind::Entrypoint(_) => {
                if self.entrypoint {
                    report(
                        &DL4004,
                        line,
                        "a second ENTRYPOINT in this stage: only the last one takes effect; \
                         keep the one you mean"
                            .to_owned(),
                    );
                }
                self.entrypoint = true;
            }
            InstructionKind::Expose(ports) => {
                for port in ports.iter().filter(|port| !valid_port(port)) {
                    report(
                        &DL3011,
                        line,
                        format!(
                            "`EXPOSE {port}`: ports are 16 bits (0 to 65535), and Docker \
                             refuses a larger one; expose the port the program listens on"
                        ),
                    );
                }
            }
            InstructionKind::Copy(copy) | InstructionKind::Add(copy) => {
                self.visit_copy(instruction.keyword, copy, line, df, stage, options, report);
            }
            InstructionKind::Run(run) => self.visit_run(run, line, df, stage, options, report),
            _ => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn visit_copy(
        &mut self,
        keyword: &str,
        copy: &Copy,
        line: usize,
        df: &Dockerfile,
        stage: usize,
        options: &Options,
        report: &mut dyn FnMut(&'static Rule, usize, String),
    ) {
        let dest = copy.dest.trim_matches(['"', '\'']);
        if copy.sources.len() > 1 && !dest.ends_with('/') {
            report(
                &DL3021,
                line,
                format!(
                    "`{keyword}` of {} sources to `{dest}`: with several sources the destination \
                     must be a directory written with a trailing slash, or the build fails; \
                     write `{dest}/`",
                    copy.sources.len()
                ),
            );
        }
        if let Some(from) = &copy.from {
            let root = |path: &str| path.trim_matches(['"', '\'']) == "/";
            if keyword == "COPY" && root(&copy.dest) && copy.sources.iter().any(|s| root(s)) {
                report(
                    &DL3067,
                    line,
                    format!(
                        "`COPY --from={from} / /` copies the whole filesystem of `{from}`, its \
                         build tools and caches included; copy only the files the image needs"
                    ),
                );
            }
            if !is_stage_reference(df, stage, from) {
                check_image(from, "COPY --from", line, df, stage, options, report);
            }
            return;
        }
        if keyword != "COPY" {
            return;
        }
        if is_archive(dest) {
            self.archives
                .push((line, base_name(dest).to_owned(), false));
        } else {
            for source in &copy.sources {
                let source = source.trim_matches(['"', '\'']);
                if is_archive(source) {
                    self.archives
                        .push((line, base_name(source).to_owned(), false));
                }
            }
        }
    }

    fn visit_run(
        &mut self,
        run: &Run,
        line: usize,
        df: &Dockerfile,
        stage: usize,
        options: &Options,
        report: &mut dyn FnMut(&'static Rule, usize, String),
    ) {
        for mount in &run.mounts {
            let from = mount
                .options
                .iter()
                .find(|(key, _)| key == "from")
                .and_then(|(_, value)| value.as_deref());
            if let Some(from) = from {
                if !is_stage_reference(df, stage, from) {
                    check_image(from, "RUN --mount from", line, df, stage, options, report);
                }
            }
        }
        let mut texts = vec![match &run.command {
            Command::Shell(text) => text.clone(),
            Command::Exec(words) => words.join(" "),
        }];
        texts.extend(run.heredocs.iter().map(|heredoc| heredoc.content.clone()));
        let (mut curl, mut wget) = (false, false);
        for text in &texts {
            let Ok(script) = crate::shell::parse(text) else {
                continue;
            };
            for command in &script.commands {
                match command.program() {
                    Some("curl") => curl = true,
                    Some("wget") => wget = true,
                    Some(program) if extracts(program, command) => {
                        let words = command.command_words();
                        for (_, name, extracted) in &mut self.archives {
                            *extracted |= words[1..]
                                .iter()
                                .any(|w| !w.text().starts_with('-') && base_name(w.text()) == name);
                        }
                    }
                    _ => {}
                }
            }
        }
        self.curl |= curl;
        self.wget |= wget;
        if (curl || wget) && self.curl && self.wget {
            report(
                &DL4001,
                line,
                "this stage uses both curl and wget: two download tools (and their libraries) \
                 where one does; use one of them for every download"
                    .to_owned(),
            );
        }
    }

    /// DL3010 for the archives copied and then extracted.
    fn finish(self, report: &mut dyn FnMut(&'static Rule, usize, String)) {
        for (line, name, extracted) in self.archives {
            if extracted {
                report(
                    &DL3010,
                    line,
                    format!(
                        "`{name}` is copied and then extracted in a RUN: the image carries the \
                         archive and its contents; `ADD {name} <dir>/` unpacks it in one layer"
                    ),
                );
            }
        }
    }
}

/// Whether a command unpacks an archive: `tar -x`/`--extract`/`--get`, or
/// `unzip`, `gunzip` and the like.
fn extracts(program: &str, command: &crate::shell::SimpleCommand) -> bool {
    if program == "tar" {
        return command.command_words()[1..].iter().any(|w| {
            let t = w.text();
            t == "--extract"
                || t == "--get"
                || (t.starts_with('-') && !t.starts_with("--") && t.contains('x'))
                || (!t.starts_with('-') && t.starts_with('x') && t.len() <= 5)
        });
    }
    matches!(
        program,
        "unzip"
            | "gunzip"
            | "bunzip2"
            | "unlzma"
            | "unxz"
            | "zgz"
            | "uncompress"
            | "zcat"
            | "gzcat"
    )
}

fn is_archive(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    ARCHIVES.iter().any(|ext| lower.ends_with(ext))
}

fn base_name(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}

/// Whether `EXPOSE` operand `port` (`80`, `80/tcp`, `8000-8010/udp`) is in
/// range; one with a variable is not judged.
fn valid_port(port: &str) -> bool {
    if port.contains('$') {
        return true;
    }
    let numbers = port.split('/').next().unwrap_or("");
    numbers
        .split('-')
        .all(|n| n.parse::<u64>().map_or(true, |n| n <= 65535))
}

/// Whether `--from` names a stage (an earlier stage's name or an index)
/// rather than an image.
fn is_stage_reference(df: &Dockerfile, stage: usize, from: &str) -> bool {
    from.parse::<usize>().is_ok()
        || df.stages[..stage].iter().any(|s| {
            s.from
                .alias
                .as_deref()
                .is_some_and(|alias| alias.eq_ignore_ascii_case(from))
        })
}

/// DL3007 and DL3026 for an image named by `FROM`, `COPY --from` or a
/// mount's `from`.
fn check_image(
    image: &str,
    place: &str,
    line: usize,
    df: &Dockerfile,
    stage: usize,
    options: &Options,
    report: &mut dyn FnMut(&'static Rule, usize, String),
) {
    if image.contains('$') || image.eq_ignore_ascii_case("scratch") {
        return;
    }
    let Ok(parsed) = ImageRef::parse(image) else {
        return;
    };
    if parsed.tag() == Some("latest") && parsed.digest().is_none() {
        report(
            &DL3007,
            line,
            format!(
                "`{place} {image}` uses `latest`: whatever the registry holds on the day of the \
                 build; name the version (`{}:<version>`)",
                parsed.name()
            ),
        );
    }
    if options.trusted_registries.is_empty() || is_stage_reference(df, stage, image) {
        return;
    }
    let trusted = |registry: &str| {
        options
            .trusted_registries
            .iter()
            .any(|allowed| registry_matches(allowed, registry))
    };
    let allowed = match parsed.domain() {
        Some(domain) => trusted(domain),
        None => trusted("docker.io") || trusted("hub.docker.com"),
    };
    if !allowed {
        report(
            &DL3026,
            line,
            format!(
                "`{place} {image}` is from `{}`, which is not among the trusted registries ({}); \
                 use an image of a trusted registry",
                parsed.domain().unwrap_or("docker.io"),
                options.trusted_registries.join(", ")
            ),
        );
    }
}

/// hadolint's registry patterns: `*` matches all, `*.example.com` a
/// suffix, `registry.example.*` a prefix, anything else the exact name.
fn registry_matches(allowed: &str, registry: &str) -> bool {
    if allowed == "*" {
        true
    } else if let Some(suffix) = allowed.strip_prefix('*') {
        registry.ends_with(suffix)
    } else if let Some(prefix) = allowed.strip_suffix('*') {
        registry.starts_with(prefix)
    } else {
        registry == allowed
    }
}

/// DL3002: the user the built image runs as, if it is root, reported at the
/// `USER` that sets it.
fn check_last_user(
    df: &Dockerfile,
    infos: &[StageInfo],
    options: &Options,
    out: &mut Vec<DockerfileFinding>,
) {
    let mut index = target_index(df, options);
    loop {
        let Some(stage) = df.stages.get(index) else {
            return;
        };
        let user = stage.instructions.iter().rev().find_map(|i| match &i.kind {
            InstructionKind::User(user) => Some((i.line, user)),
            _ => None,
        });
        if let Some((line, user)) = user {
            let user = user.trim_matches(['"', '\'']);
            let name = user.split(':').next().unwrap_or(user);
            if name == "root" || name == "0" {
                let Some(info) = infos.get(index) else {
                    return;
                };
                out.push(DockerfileFinding {
                    rule: &DL3002,
                    severity: DL3002.severity(info.kind),
                    line,
                    stage: index,
                    message: format!(
                        "`USER {user}` is the last USER of the image: the container runs as root; \
                         create a user (`RUN useradd --system app`) and end with `USER app`"
                    ),
                });
            }
            return;
        }
        match infos.get(index).map(|info| &info.base) {
            Some(Base::Stage(parent)) => index = *parent,
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports() {
        assert!(valid_port("80") && valid_port("8000-8010/udp") && valid_port("$PORT"));
        assert!(!valid_port("70000") && !valid_port("80-65536/tcp"));
    }

    fn found(text: &str, options: &Options) -> Vec<(usize, &'static str)> {
        let df = Dockerfile::parse(text).unwrap();
        let infos = crate::dockerfile::stages(&df, options);
        check(&df, &infos, options)
            .iter()
            .map(|f| (f.line, f.rule.id))
            .collect()
    }

    #[test]
    fn last_user_is_the_targets() {
        let text = "FROM a AS base\nUSER 0\nFROM base AS app\nFROM base\nUSER 10001\n";
        // The last stage sets 10001; the target `app` inherits root (0).
        assert!(found(text, &Options::default()).is_empty());
        let app = Options {
            target: Some("app".to_owned()),
            ..Options::default()
        };
        assert_eq!(found(text, &app), [(2, "DL3002")]);
        assert_eq!(
            found("FROM a\nUSER 0:0\n", &Options::default()),
            [(2, "DL3002")]
        );
    }

    #[test]
    fn user_ids_and_the_rules_off_by_default() {
        let text = "ARG UID\nFROM a:1\n# hadolint ignore=DL3066\nUSER app\nUSER $UID:app\n\
                    FROM a:1 AS second\nHEALTHCHECK NONE\nFROM a:1 AS last\nUSER ${UID}x\nUSER 1:2\n";
        // DL3066 (the pragma is applied by `check_dockerfile`, not here).
        assert_eq!(found(text, &Options::default()), [(4, "DL3066")]);
        let on = Options {
            enabled: vec!["dl1001".to_owned(), "DL3057".to_owned()],
            ..Options::default()
        };
        assert_eq!(
            found(text, &on),
            [(4, "DL3066"), (8, "DL3057"), (3, "DL1001")]
        );
        let second = Options {
            target: Some("second".to_owned()),
            ..on
        };
        assert_eq!(found(text, &second), [(4, "DL3066"), (3, "DL1001")]);
    }

    #[test]
    fn trusted_registries_cover_from_copy_and_mounts() {
        let text = "FROM quay.io/a:1 AS a\nFROM a\nCOPY --from=ghcr.io/b:1 /b /b\n\
                    RUN --mount=from=docker.io/c:1,target=/c true\nCOPY --from=a /a /a\n";
        assert!(found(text, &Options::default()).is_empty());
        let trusted = Options {
            trusted_registries: vec!["docker.io".to_owned()],
            ..Options::default()
        };
        assert_eq!(found(text, &trusted), [(1, "DL3026"), (3, "DL3026")]);
    }

    #[test]
    fn reserved_names_secrets_target_platform_and_root_copies() {
        let text = "ARG GH_TOKEN\nFROM --platform=$TARGETPLATFORM a:1 AS scratch\n\
                    ENV LANG=C Db_Password=x\nARG MY_API_KEY\nFROM a:1\n\
                    COPY --from=scratch \"/\" /\nCOPY / /\nCOPY --from=scratch /x /\n";
        assert_eq!(
            found(text, &Options::default()),
            [
                (1, "DL3064"),
                (2, "DL3063"),
                (2, "DL3065"),
                (3, "DL3064"),
                (4, "DL3064"),
                (6, "DL3067"),
            ]
        );
        assert!(is_sensitive_name("vault_token") && !is_sensitive_name("BUILD_DATE"));
    }

    #[test]
    fn registries() {
        assert!(registry_matches("*", "quay.io"));
        assert!(registry_matches("*.example.com", "r.example.com"));
        assert!(registry_matches("docker.*", "docker.io"));
        assert!(!registry_matches("docker.io", "quay.io"));
    }
}
