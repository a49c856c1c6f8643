//! Rules about a whole Dockerfile rather than one `RUN`'s shell text:
//! instructions, stages and references between stages. Checked by
//! [`crate::dockerfile::check::check_dockerfile`].

use crate::catalogue::{Rule, Severity};

/// `ADD` of a local file or directory that is not an archive.
pub static SCR019: Rule = Rule {
    id: "SCR019",
    summary: "use COPY instead of ADD for local files and folders",
    why: "ADD also fetches URLs and unpacks local tar archives: for a plain file or folder it \
          does what COPY does, but a reader (and a later edit that renames a file to `.tar.gz`) \
          cannot tell which behaviour is meant; COPY says exactly what happens.",
    fix: "Replace ADD with COPY (flags such as --chown, --chmod and --link stay the same); keep \
          ADD only to unpack a local .tar* archive or to fetch a URL with --checksum.",
    hadolint: Some("DL3020"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// Shell-form `CMD`/`ENTRYPOINT` in a stage that has a shell.
pub static SCR020: Rule = Rule {
    id: "SCR020",
    summary: "use the exec (JSON) form for CMD and ENTRYPOINT",
    why: "The shell form runs the program as a child of `/bin/sh -c`: the shell is PID 1, does \
          not forward SIGTERM, so `docker stop` waits 10 s and kills the program without a \
          clean shutdown; an ENTRYPOINT in shell form also ignores the CMD and the `docker run` \
          arguments.",
    fix: "Write `ENTRYPOINT [\"/usr/bin/app\", \"--flag\"]` / `CMD [\"arg\"]`; if the shell is \
          needed, end it with `exec`: `CMD [\"sh\", \"-c\", \"exec app --port $PORT\"]`.",
    hadolint: Some("DL3025"),
    shipped: Severity::Warning,
    build_only: Severity::Info,
};

/// Shell-form `CMD`/`ENTRYPOINT`/`HEALTHCHECK CMD` in a shell-less stage.
pub static SCR021: Rule = Rule {
    id: "SCR021",
    summary: "a shell-less (scratch/distroless) stage needs the exec form for CMD, ENTRYPOINT and HEALTHCHECK",
    why: "The shell form runs `/bin/sh -c \"...\"`, and a `scratch` or distroless image has no \
          /bin/sh: the container fails to start with `exec: \"/bin/sh\": stat /bin/sh: no such \
          file or directory` (a HEALTHCHECK fails every time).",
    fix: "Write the JSON form with the full path: `ENTRYPOINT [\"/usr/games/fortune\"]`, \
          `HEALTHCHECK CMD [\"/app\", \"--health\"]`.",
    hadolint: Some("DL3025"),
    shipped: Severity::Error,
    build_only: Severity::Warning,
};

/// `RUN` in a shell-less stage.
pub static SCR022: Rule = Rule {
    id: "SCR022",
    summary: "no RUN in a shell-less (scratch/distroless) stage",
    why: "A shell-form RUN executes `/bin/sh -c`, and an exec-form RUN needs its program in the \
          image; a `scratch` or distroless stage has neither a shell nor tools, so the build \
          fails with `/bin/sh: no such file or directory`.",
    fix: "Do the work in a build stage (`FROM debian:bookworm-slim AS build`) and `COPY \
          --from=build` only its result into the shell-less stage.",
    hadolint: None,
    shipped: Severity::Error,
    build_only: Severity::Error,
};

/// `COPY --from` a stage that does not exist or comes later.
pub static SCR023: Rule = Rule {
    id: "SCR023",
    summary: "COPY --from must name an earlier stage (or an image with a tag)",
    why: "`--from` names a stage defined before this one, a stage index, or an image: a name \
          that matches no earlier stage is pulled as an image from the registry (a typo \
          becomes `pull access denied`, or worse, somebody's image), and a later stage cannot \
          be used because it is not built yet.",
    fix: "Name an earlier stage (`FROM ... AS build` above, then `COPY --from=build`), move the \
          stage up, or write an image with its tag (`--from=busybox:1.36`). A named build \
          context the build is given (`docker buildx build --build-context NAME=...`) is no \
          stage: tell the lint about it with `stagecraft lint --build-context NAME`.",
    hadolint: Some("DL3022"),
    shipped: Severity::Error,
    build_only: Severity::Error,
};

/// `COPY --from` the stage it is in.
pub static SCR024: Rule = Rule {
    id: "SCR024",
    summary: "COPY --from cannot name its own stage",
    why: "A stage cannot copy from itself: it is not finished when the COPY runs, so Docker \
          reports a circular dependency and the build fails.",
    fix: "Copy within the stage with `RUN cp`, or copy from the earlier stage that produced the \
          files.",
    hadolint: Some("DL3023"),
    shipped: Severity::Error,
    build_only: Severity::Error,
};

/// Two stages with the same name.
pub static SCR025: Rule = Rule {
    id: "SCR025",
    summary: "stage names (FROM ... AS name) must be unique",
    why: "`COPY --from=name`, `FROM name` and `--target name` must say which stage they mean; \
          Docker refuses a Dockerfile whose stage names repeat (names compare case-insensitively).",
    fix: "Rename one of the stages.",
    hadolint: Some("DL3024"),
    shipped: Severity::Error,
    build_only: Severity::Error,
};

/// `WORKDIR` with a relative path.
pub static SCR026: Rule = Rule {
    id: "SCR026",
    summary: "use an absolute path in WORKDIR",
    why: "A relative WORKDIR is relative to the previous one, which the base image sets: when \
          the base image changes its WORKDIR, every later instruction silently runs somewhere \
          else.",
    fix: "Write the absolute path: `WORKDIR /usr/src/app` (or start it with a variable: \
          `WORKDIR $HOME/app`).",
    hadolint: Some("DL3000"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// `MAINTAINER`.
pub static SCR027: Rule = Rule {
    id: "SCR027",
    summary: "MAINTAINER is deprecated: use a LABEL",
    why: "MAINTAINER has been deprecated since Docker 1.13; tools read the OCI label \
          `org.opencontainers.image.authors` instead.",
    fix: "Replace it with `LABEL org.opencontainers.image.authors=\"name <mail>\"`.",
    hadolint: Some("DL4000"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// A `RUN` whose shell text cannot be parsed.
pub static SCR028: Rule = Rule {
    id: "SCR028",
    summary: "the RUN command must be valid shell",
    why: "The stage's shell reads the RUN's text: an unterminated quote, an unclosed heredoc or \
          `&&` with nothing after it is a syntax error, and the build fails at this step \
          (stagecraft cannot check the rules of a command it cannot read either).",
    fix: "Close the quote, heredoc or bracket the message points at, or finish the command.",
    hadolint: None,
    shipped: Severity::Error,
    build_only: Severity::Error,
};

/// `FROM` an image without a tag or digest.
pub static SCR029: Rule = Rule {
    id: "SCR029",
    summary: "FROM an image needs a tag or a digest",
    why: "`FROM ubuntu` means `ubuntu:latest`, which is whatever the registry holds on the day \
          of the build: two builds of the same Dockerfile get different bases, a rebuild for a \
          one-line change can pull a new major release, and the build cache of another \
          machine does not match. An explicit `:latest` has the same problem (hadolint's \
          DL3007, not checked here).",
    fix: "Name the version: `FROM ubuntu:24.04`, `FROM python:3.12-slim-bookworm`, or pin the \
          digest as well (`FROM ubuntu:24.04@sha256:...`). Not needed for `scratch`, an \
          earlier stage (`FROM build`) or a reference built from variables (`FROM $BASE`).",
    hadolint: Some("DL3006"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// Consecutive `RUN` instructions that could be one.
pub static SCR030: Rule = Rule {
    id: "SCR030",
    summary: "merge consecutive single-command RUN instructions",
    why: "Each RUN is a layer: a file written by one RUN and deleted by the next stays in the \
          first layer (the image carries it plus a whiteout), every layer costs a little \
          size and pull time, and a change to the first RUN rebuilds the second anyway. Like \
          hadolint, only RUNs with the same flags (`--mount`, `--network`, ...) and a single \
          command each count: chains (`a && b`) look deliberate.",
    fix: "Join them in one RUN with `&&` (`RUN apt-get update && apt-get install -y ...`), \
          with `\\` continuations for readability. In a build stage separate RUNs can be \
          deliberate (one cache step per slow command); keep them then, which is why this \
          rule is only info.",
    hadolint: Some("DL3059"),
    shipped: Severity::Info,
    build_only: Severity::Info,
};

/// An `ENV` that refers to a variable it defines itself.
pub static DL3044: Rule = Rule {
    id: "DL3044",
    summary: "an ENV cannot use a variable that the same ENV defines",
    why: "Docker substitutes every `$NAME` of an ENV with the values from before the \
          instruction: in `ENV A=/opt B=$A/bin`, `B` becomes `/bin`, not `/opt/bin`, and the \
          image is built with a wrong path without any error.",
    fix: "Split it: `ENV A=/opt` then `ENV B=$A/bin`.",
    hadolint: Some("DL3044"),
    shipped: Severity::Error,
    build_only: Severity::Error,
};

/// `COPY` to a relative destination before any `WORKDIR`.
pub static DL3045: Rule = Rule {
    id: "DL3045",
    summary: "COPY to a relative destination needs a WORKDIR first",
    why: "A relative destination is relative to the WORKDIR, which the base image decides when \
          the Dockerfile sets none: when the base image changes its WORKDIR, the files land \
          somewhere else and the later instructions do not find them.",
    fix: "Set `WORKDIR /app` before the COPY (in this stage or one it is built FROM), or write \
          an absolute destination: `COPY app.py /app/`.",
    hadolint: Some("DL3045"),
    shipped: Severity::Warning,
    build_only: Severity::Warning,
};

/// A credential file copied into a layer.
pub static SCR031: Rule = Rule {
    id: "SCR031",
    summary: "do not COPY credential files (`.npmrc`, `.netrc`, `id_rsa`, ...) into a layer",
    why: "A file copied into a layer stays in the image for good: deleting it in a later RUN \
          only hides it, and anyone who can pull the image (or read the build cache of a build \
          stage) extracts the token or key with `docker save`. Registry tokens in `.npmrc` or \
          `.pypirc`, `.netrc` passwords, SSH keys and `.docker/config.json` auths leak so.",
    fix: "Mount the secret for the one RUN that needs it, so it never enters a layer: \
          `RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci`, built with \
          `docker build --secret id=npmrc,src=$HOME/.npmrc`; for SSH, `RUN --mount=type=ssh` \
          with `docker build --ssh default`.",
    hadolint: None,
    shipped: Severity::Error,
    build_only: Severity::Warning,
};

/// A `[...]` command that is not a JSON array of strings.
pub static SCR033: Rule = Rule {
    id: "SCR033",
    summary: "an exec-form command must be a JSON array of strings",
    why: "Docker reads `CMD [...]` as the exec form only when it is valid JSON made of strings; \
          anything else (single quotes, a nested array, a number, a trailing comma) silently \
          becomes the shell form: `/bin/sh -c \"['app', '--flag']\"` runs the `[` command, \
          which fails, and the container does not start (a RUN fails the build).",
    fix: "Write double-quoted strings only: `CMD [\"app\", \"--flag\"]`; give each argument its \
          own string instead of nesting arrays.",
    hadolint: None,
    shipped: Severity::Error,
    build_only: Severity::Error,
};

/// An instruction flag BuildKit does not know.
pub static SCR034: Rule = Rule {
    id: "SCR034",
    summary: "instruction flags must be ones BuildKit knows",
    why: "BuildKit refuses an unknown flag before building anything (`unknown flag: --chmode`), \
          so a misspelt `--chown`, `--from` or `--mount` breaks the whole build; hadolint \
          accepts it.",
    fix: "Fix the spelling; the flags are COPY `--from --chown --chmod --link --parents \
          --exclude`, ADD `--chown --chmod --link --checksum --keep-git-dir --exclude --unpack`, RUN \
          `--mount --network --security`, FROM `--platform`, HEALTHCHECK `--interval --timeout \
          --start-period --start-interval --retries`; the other instructions take none (ARG and \
          STOPSIGNAL ignore theirs).",
    hadolint: None,
    shipped: Severity::Error,
    build_only: Severity::Error,
};

/// An inline `# hadolint ignore=` (or `# stagecraft ignore=`) pragma. Off
/// unless enabled ([`crate::catalogue::OFF_BY_DEFAULT`]).
pub static DL1001: Rule = Rule {
    id: "DL1001",
    summary: "do not use inline ignore pragmas (off unless enabled)",
    why: "A `# hadolint ignore=` comment silences a rule for one instruction where nobody \
          reviewing the configuration sees it; a team that wants every exception in one place \
          (`.hadolint.yaml`'s `ignored:`) turns this rule on to find them.",
    fix: "Fix the instruction, or move the code to `ignored:` in .hadolint.yaml (or a \
          `# hadolint global ignore=` at the top) and delete the pragma.",
    hadolint: Some("DL1001"),
    shipped: Severity::Info,
    build_only: Severity::Info,
};

/// The image has no `HEALTHCHECK` (its target stage and the stages it is
/// built `FROM`). Off unless enabled ([`crate::catalogue::OFF_BY_DEFAULT`]).
pub static DL3057: Rule = Rule {
    id: "DL3057",
    summary: "the image has no HEALTHCHECK (off unless enabled)",
    why: "Without a HEALTHCHECK, Docker (and Swarm) only know whether the main process is alive, \
          not whether it serves: a hung server stays `running` and gets traffic. Many images run \
          under an orchestrator with its own probes, which is why the rule is off unless a \
          configuration turns it on.",
    fix: "Add `HEALTHCHECK CMD [\"/app\", \"--check\"]` (or a probe such as `curl -f \
          http://localhost:8080/health`) to the shipped stage or a stage it is built FROM; \
          write `HEALTHCHECK NONE` to say that none is wanted.",
    hadolint: Some("DL3057"),
    shipped: Severity::Info,
    build_only: Severity::Info,
};

/// `USER name` instead of a numeric id.
pub static DL3066: Rule = Rule {
    id: "DL3066",
    summary: "USER should name a numeric user id",
    why: "A user name is resolved through the image's /etc/passwd when the container starts; \
          the host and orchestrators cannot resolve it: Kubernetes' `runAsNonRoot` refuses to \
          start a container whose USER is a name it cannot prove is not root, and file \
          ownership on volumes is by number.",
    fix: "Write the id: `RUN useradd --system --uid 10001 app` and `USER 10001` (or \
          `USER 10001:10001`); an `ARG` holding the id (`USER ${APP_UID}`) is accepted.",
    hadolint: Some("DL3066"),
    shipped: Severity::Info,
    build_only: Severity::Info,
};
