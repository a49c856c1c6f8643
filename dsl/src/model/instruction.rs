//! The instructions a stage is made of, as plain data.

use serde::{Deserialize, Serialize};

use super::heredoc::Heredoc;
use super::run::Run;
use crate::image_ref::ImageRef;

/// One Dockerfile instruction inside a stage.
///
/// Plain data: read it, match on it, store it as JSON. A [`Dockerfile`](super::Dockerfile)
/// holding it has been validated, so every string here is safe to render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Instruction {
    /// `RUN`: only in stages that have a shell.
    ///
    /// Read with the checks that need no stage; a [`Dockerfile`](super::Dockerfile)
    /// read back judges its rules with the stage (`model/json.rs`).
    Run(#[serde(deserialize_with = "super::run::deserialize_in_stage")] Run),
    /// `COPY`, from the build context or from an earlier stage.
    Copy(Copy),
    /// `ADD`: like `COPY`, but also fetches URLs and unpacks local tar archives.
    Add(Add),
    /// `ENV key=value ...`: one or more variables in one instruction.
    Env(Vec<KeyValue>),
    /// `ARG name[=default]` inside a stage.
    Arg(Arg),
    /// `WORKDIR path`.
    Workdir(String),
    /// `USER user[:group]`.
    User(String),
    /// `LABEL key="value" ...`: one or more labels in one instruction.
    Label(Vec<KeyValue>),
    /// `EXPOSE port[/protocol]`.
    Expose(Port),
    /// `EXPOSE $VARIABLE[/protocol]`: a port given by a build argument or
    /// variable, as in `EXPOSE ${PORT}`.
    ExposeVariable(PortVariable),
    /// `VOLUME ["/path", ...]`: mount points for anonymous volumes.
    Volume(Vec<String>),
    /// `ONBUILD instruction`: run in the builds that use this image as a base.
    /// Never another `ONBUILD` (Docker refuses the chain).
    Onbuild(Box<Instruction>),
    /// `ENTRYPOINT`.
    Entrypoint(Command),
    /// `CMD`.
    Cmd(Command),
    /// `HEALTHCHECK`.
    Healthcheck(Healthcheck),
    /// `SHELL ["executable", "parameters"]`: only in stages that have a shell.
    Shell(Vec<String>),
    /// `STOPSIGNAL signal`.
    StopSignal(String),
    /// A `# comment` line (several lines when the text has newlines). A
    /// text that ends in a newline is followed by a blank line: a
    /// suppression comment so written (`"hadolint ignore=DL3008\n"`) is for
    /// no instruction, as a blank line after a pragma ends it in the text
    /// (and in hadolint). [`Dockerfile::parse`](crate::Dockerfile::parse)
    /// keeps that blank line so, and only where a suppression is pending.
    ///
    /// ```
    /// use stagecraft::model::Instruction;
    /// use stagecraft::packages::Apt;
    /// use stagecraft::Dockerfile;
    ///
    /// let mut df = Dockerfile::builder();
    /// df.anonymous_stage("debian:bookworm-slim")
    ///     .comment("hadolint ignore=DL3008\n")
    ///     .install(Apt::install(["curl"]));
    /// let df = df.build().unwrap();
    /// assert!(df.render().contains("# hadolint ignore=DL3008\n\nRUN apt-get update"));
    /// // The pragma silences nothing: the model's lint says what the text's says.
    /// assert!(df.lint(None).iter().any(|f| f.rule.id == "DL3008"));
    /// ```
    Comment(String),
}

impl Instruction {
    /// The Dockerfile keyword of this instruction (`"RUN"`, `"COPY"`, ...; `"#"` for a comment).
    ///
    /// ```
    /// use stagecraft::model::Instruction;
    /// assert_eq!(Instruction::Workdir("/opt".into()).keyword(), "WORKDIR");
    /// ```
    pub fn keyword(&self) -> &'static str {
        match self {
            Instruction::Run(_) => "RUN",
            Instruction::Copy(_) => "COPY",
            Instruction::Add(_) => "ADD",
            Instruction::Env(_) => "ENV",
            Instruction::Arg(_) => "ARG",
            Instruction::Workdir(_) => "WORKDIR",
            Instruction::User(_) => "USER",
            Instruction::Label(_) => "LABEL",
            Instruction::Expose(_) | Instruction::ExposeVariable(_) => "EXPOSE",
            Instruction::Volume(_) => "VOLUME",
            Instruction::Onbuild(_) => "ONBUILD",
            Instruction::Entrypoint(_) => "ENTRYPOINT",
            Instruction::Cmd(_) => "CMD",
            Instruction::Healthcheck(_) => "HEALTHCHECK",
            Instruction::Shell(_) => "SHELL",
            Instruction::StopSignal(_) => "STOPSIGNAL",
            Instruction::Comment(_) => "#",
        }
    }
}

/// A `key=value` pair of `ENV` or `LABEL`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyValue {
    /// The variable or label name.
    pub key: String,
    /// Its value; `$VAR` and `${VAR}` are expanded by Docker as usual.
    pub value: String,
}

impl KeyValue {
    /// A pair.
    ///
    /// ```
    /// let kv = stagecraft::model::KeyValue::new("LANG", "C.UTF-8");
    /// assert_eq!(kv.key, "LANG");
    /// ```
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        KeyValue {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// A build argument: `ARG name[=default]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Arg {
    /// The argument's name.
    pub name: String,
    /// Its default value, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

/// Where `COPY --from` copies from.
///
/// In JSON a stage is its alias as a string (`"from": "build"`), an image
/// `{"image": "ghcr.io/astral-sh/uv:0.5"}` and a named build context
/// `{"context": "docs"}`.
///
/// ```
/// use stagecraft::model::CopyFrom;
/// let from: CopyFrom = serde_json::from_str(r#"{"image":"ghcr.io/astral-sh/uv:0.5"}"#).unwrap();
/// assert_eq!(from.to_string(), "ghcr.io/astral-sh/uv:0.5");
/// assert_eq!(serde_json::to_string(&CopyFrom::Stage("build".into())).unwrap(), r#""build""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CopyFrom {
    /// An earlier stage of this Dockerfile, by alias.
    Stage(String),
    /// An image, pulled for the copy: `COPY --from=ghcr.io/astral-sh/uv:0.5 /uv /bin/`.
    Image {
        /// The image.
        image: ImageRef,
    },
    /// A named build context (`docker buildx build --build-context name=...`).
    Context {
        /// The context's name.
        context: String,
    },
}

impl CopyFrom {
    /// The stage alias, when it is a stage.
    ///
    /// ```
    /// use stagecraft::model::CopyFrom;
    /// assert_eq!(CopyFrom::Stage("build".into()).stage(), Some("build"));
    /// assert_eq!(CopyFrom::Context { context: "docs".into() }.stage(), None);
    /// ```
    pub fn stage(&self) -> Option<&str> {
        match self {
            CopyFrom::Stage(alias) => Some(alias),
            _ => None,
        }
    }
}

impl From<&str> for CopyFrom {
    /// A stage alias, as `COPY --from` held before images and contexts.
    fn from(alias: &str) -> Self {
        CopyFrom::Stage(alias.to_string())
    }
}

impl From<String> for CopyFrom {
    /// A stage alias.
    fn from(alias: String) -> Self {
        CopyFrom::Stage(alias)
    }
}

impl From<ImageRef> for CopyFrom {
    /// An image, e.g. `COPY --from=ghcr.io/astral-sh/uv:0.5` or a mount's `from=`.
    fn from(image: ImageRef) -> Self {
        CopyFrom::Image { image }
    }
}

impl std::fmt::Display for CopyFrom {
    /// The value as written after `--from=`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CopyFrom::Stage(alias) => f.write_str(alias),
            CopyFrom::Image { image } => write!(f, "{image}"),
            CopyFrom::Context { context } => f.write_str(context),
        }
    }
}

/// `COPY [--from=..] [--chown=..] [--chmod=..] [--link] [--parents] [--exclude=..] src... dest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Copy {
    /// What to copy from: an earlier stage, an image or a named context;
    /// `None` copies from the build context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<CopyFrom>,
    /// Sources: paths in the build context, or in the `from` stage.
    pub sources: Vec<String>,
    /// Destination in this stage. A trailing `/` means "into this directory".
    pub destination: String,
    /// `--chown=user[:group]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chown: Option<String>,
    /// `--chmod=mode` (octal, e.g. `0755`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chmod: Option<String>,
    /// `--link`: copy into an independent layer (BuildKit).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub link: bool,
    /// `--parents`: keep the sources' parent directories under the destination.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub parents: bool,
    /// `--exclude=pattern`, once per pattern: sources not to copy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    /// Heredoc sources (`COPY <<app.conf /etc/`), rendered before the paths
    /// of `sources`: each writes a file named by its delimiter, holding its
    /// body, `$VAR` expanded unless it is literal (BuildKit, Docker 23+). Not
    /// with `from`; its paths hold no blank (the heredoc form is the shell
    /// form, which Docker splits at blanks).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub heredocs: Vec<Heredoc>,
}

impl Copy {
    /// `COPY source destination` from the build context.
    ///
    /// ```
    /// let copy = stagecraft::model::Copy::new("app.conf", "/etc/app/");
    /// assert_eq!(copy.sources, ["app.conf"]);
    /// ```
    pub fn new(source: impl Into<String>, destination: impl Into<String>) -> Self {
        Copy {
            from: None,
            sources: vec![source.into()],
            destination: destination.into(),
            chown: None,
            chmod: None,
            link: false,
            parents: false,
            exclude: Vec::new(),
            heredocs: Vec::new(),
        }
    }

    /// `COPY <<name destination`: a file written from the Dockerfile, named
    /// by the heredoc's delimiter (BuildKit, Docker 23+).
    ///
    /// ```
    /// use stagecraft::model::{Copy, Heredoc};
    /// let copy = Copy::heredoc(Heredoc::new("app.conf", "port=80"), "/etc/app/");
    /// assert!(copy.sources.is_empty());
    /// assert_eq!(copy.heredocs[0].body, "port=80\n");
    /// ```
    pub fn heredoc(heredoc: Heredoc, destination: impl Into<String>) -> Self {
        Copy {
            sources: Vec::new(),
            heredocs: vec![heredoc],
            ..Copy::new("", destination)
        }
    }
}

/// `ADD [--chown=..] [--chmod=..] [--link] [--exclude=..] [--checksum=..]
/// [--keep-git-dir] src... dest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Add {
    /// Sources: build-context paths (tar archives are unpacked) or URLs.
    pub sources: Vec<String>,
    /// Destination in this stage.
    pub destination: String,
    /// `--chown=user[:group]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chown: Option<String>,
    /// `--chmod=mode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chmod: Option<String>,
    /// `--link`: add into an independent layer (BuildKit).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub link: bool,
    /// `--exclude=pattern`, once per pattern.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    /// `--checksum=sha256:...`: the digest a URL's (or a git commit's) content must have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// `--keep-git-dir`: keep the `.git` directory of a git URL source.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_git_dir: bool,
    /// Heredoc sources (`ADD <<app.conf /etc/`), rendered before the paths
    /// of `sources`, as [`Copy::heredocs`] (BuildKit, Docker 23+). Not with
    /// `checksum` nor `keep_git_dir`, which are of URLs; its paths hold no
    /// blank.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub heredocs: Vec<Heredoc>,
}

impl Add {
    /// `ADD source destination`, e.g. a URL.
    ///
    /// ```
    /// let add = stagecraft::model::Add::new("https://example.com/a.tar.gz", "/opt/");
    /// assert!(!add.keep_git_dir && add.checksum.is_none());
    /// ```
    pub fn new(source: impl Into<String>, destination: impl Into<String>) -> Self {
        Add {
            sources: vec![source.into()],
            destination: destination.into(),
            chown: None,
            chmod: None,
            link: false,
            exclude: Vec::new(),
            checksum: None,
            keep_git_dir: false,
            heredocs: Vec::new(),
        }
    }

    /// `ADD <<name destination`: a file written from the Dockerfile, named
    /// by the heredoc's delimiter, as [`Copy::heredoc`] (BuildKit, Docker 23+).
    ///
    /// ```
    /// use stagecraft::model::{Add, Heredoc};
    /// let add = Add::heredoc(Heredoc::new("app.conf", "port=80"), "/etc/app/");
    /// assert!(add.sources.is_empty());
    /// assert_eq!(add.heredocs[0].body, "port=80\n");
    /// ```
    pub fn heredoc(heredoc: Heredoc, destination: impl Into<String>) -> Self {
        Add {
            sources: Vec::new(),
            heredocs: vec![heredoc],
            ..Add::new("", destination)
        }
    }
}

/// The command of `ENTRYPOINT`, `CMD` or `HEALTHCHECK CMD`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// The exec (JSON) form, `["fortune", "-s"]`: runs without a shell and gets signals.
    Exec(Vec<String>),
    /// The shell form, `fortune | cowsay`: runs under `/bin/sh -c`, so only where a shell exists.
    Shell(String),
}

/// A port for `EXPOSE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Port {
    /// The port number, 1 to 65535.
    pub number: u16,
    /// TCP or UDP.
    #[serde(default)]
    pub protocol: Protocol,
}

impl Port {
    /// The port as `EXPOSE` writes it (`8080`, `53/udp`): the one spelling
    /// of the renderer and of the lint's view.
    pub(crate) fn spelled(&self) -> String {
        match self.protocol {
            Protocol::Tcp => self.number.to_string(),
            Protocol::Udp => format!("{}/udp", self.number),
        }
    }
}

/// A port for `EXPOSE` given by a variable: `EXPOSE ${PORT}/udp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortVariable {
    /// The variable's name (a build argument or `ENV` variable), without `$`.
    pub name: String,
    /// TCP or UDP; `None` writes no protocol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Protocol>,
}

/// The protocol of an exposed port.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// TCP, the default.
    #[default]
    Tcp,
    /// UDP.
    Udp,
}

/// `HEALTHCHECK`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Healthcheck {
    /// `HEALTHCHECK NONE`: disable a check inherited from the base image.
    None,
    /// `HEALTHCHECK [options] CMD command`.
    Check {
        /// The command; exit 0 means healthy.
        command: Command,
        /// `--interval`, in seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        interval_secs: Option<u64>,
        /// `--timeout`, in seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_secs: Option<u64>,
        /// `--start-period`, in seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        start_period_secs: Option<u64>,
        /// `--start-interval`, in seconds: how often to check during the start period.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        start_interval_secs: Option<u64>,
        /// `--retries`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retries: Option<u32>,
    },
}

impl Healthcheck {
    /// The options of a `HEALTHCHECK CMD` that are set, as `(name, value)`
    /// in the order they are written (`[("interval", "30s"), ("retries",
    /// "3")]`); none for `HEALTHCHECK NONE`. The one list of the renderer
    /// and of the lint's view.
    pub(crate) fn options(&self) -> Vec<(&'static str, String)> {
        let Healthcheck::Check {
            interval_secs,
            timeout_secs,
            start_period_secs,
            start_interval_secs,
            retries,
            ..
        } = self
        else {
            return Vec::new();
        };
        [
            ("interval", interval_secs.map(|s| format!("{s}s"))),
            ("timeout", timeout_secs.map(|s| format!("{s}s"))),
            ("start-period", start_period_secs.map(|s| format!("{s}s"))),
            (
                "start-interval",
                start_interval_secs.map(|s| format!("{s}s")),
            ),
            ("retries", retries.map(|r| r.to_string())),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|value| (name, value)))
        .collect()
    }
}
