//! The grammar of a `RUN`'s BuildKit options: `--mount=...` (its `type=`, the
//! options each type takes, their values), `--network` and `--security`.
//!
//! One grammar for every reader: [`model_support::judge`](super::model_support::judge)
//! refuses a bad mount of Dockerfile text (for `Dockerfile::parse`,
//! `dockerfile!` and `include_dockerfile!` alike), the `run!` macro checks the
//! mounts it is given, and the `stagecraft` model builds its typed `Mount`
//! from a [`MountOptions`] read here. A `--mount` value is split into fields
//! as the Dockerfile parser splits it ([`MountOptions::parse`]), or read from
//! the parser's fields ([`MountOptions::from_fields`]).
//!
//! ```
//! use stagecraft_rules::dockerfile::mount::{MountError, MountOptions, Sharing};
//!
//! let MountOptions::Cache(cache) =
//!     MountOptions::parse("type=cache,target=/root/.cache/pip,sharing=locked").unwrap()
//! else {
//!     panic!("a cache mount")
//! };
//! assert_eq!((cache.target.as_str(), cache.sharing), ("/root/.cache/pip", Some(Sharing::Locked)));
//!
//! let error = MountOptions::parse("type=cache,target=/c,sharing=bogus").unwrap_err();
//! assert_eq!(
//!     error.to_string(),
//!     "the `sharing` of a `cache` mount cannot be `bogus`: use shared, locked or private"
//! );
//! assert!(matches!(MountOptions::parse("type=volume,target=/v"), Err(MountError::UnknownType { .. })));
//! ```

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::dockerfile::parse::{self, Flag};

/// Why a mount, or a value in it, cannot be written in a `RUN --mount`; or
/// why a `--network`/`--security` value is no mode BuildKit knows.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MountError {
    /// `type=` names no mount type BuildKit knows.
    #[error(
        "unknown mount type `{kind}`: use one of bind, cache, tmpfs, secret, ssh \
         (e.g. `--mount=type=cache,target=/root/.cache`)"
    )]
    UnknownType {
        /// The type as written.
        kind: String,
    },
    /// An option this mount type does not take.
    #[error("a `{kind}` mount has no option `{option}`: remove it (its options are: {known})")]
    UnknownOption {
        /// The mount type.
        kind: &'static str,
        /// The option as written.
        option: String,
        /// The options the type takes.
        known: &'static str,
    },
    /// An option given a value it cannot take.
    #[error("the `{option}` of a `{kind}` mount cannot be `{value}`: {fix}")]
    BadValue {
        /// The mount type.
        kind: &'static str,
        /// The option.
        option: &'static str,
        /// The value as written.
        value: String,
        /// What it should look like.
        fix: &'static str,
    },
    /// A secret mount without an id or target.
    #[error("a secret mount needs an `id` (or a `target` to take it from): add `id=name`")]
    MissingSecretId,
    /// A secret id that is not a plain name.
    #[error(
        "`{id}` is not a valid secret id: use letters, digits, `.`, `_` and `-`, \
         starting with a letter or digit (e.g. `npmrc`), the id given to \
         `docker build --secret id=...`"
    )]
    InvalidSecretId {
        /// The id as written.
        id: String,
    },
    /// A value with a character the `--mount` syntax cannot carry unchanged.
    #[error(
        "the `{option}` value `{value}` has a character a `--mount` option cannot carry \
         unchanged (whitespace, `,`, `\"`, `'`, `\\`, `=`, a `$` that starts no `$NAME` or \
         `${{NAME}}` reference, or a control character): choose a plain path or name"
    )]
    UnsafeValue {
        /// The option.
        option: &'static str,
        /// The value.
        value: String,
    },
    /// `--network` with a value BuildKit does not know.
    #[error("`--network={value}` is not a network mode: use default, none or host")]
    UnknownNetwork {
        /// The value as written.
        value: String,
    },
    /// `--security` with a value BuildKit does not know.
    #[error("`--security={value}` is not a security mode: use sandbox or insecure")]
    UnknownSecurity {
        /// The value as written.
        value: String,
    },
}

/// How concurrent builds share a cache mount (`sharing=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sharing {
    /// Every build uses the cache at once (BuildKit's default).
    Shared,
    /// One build at a time; the others wait (what apt's lock files need).
    Locked,
    /// A build that finds the cache in use gets a fresh one.
    Private,
}

impl Sharing {
    /// The option's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Sharing::Shared => "shared",
            Sharing::Locked => "locked",
            Sharing::Private => "private",
        }
    }
}

/// `RUN --network=...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    /// The build's default network.
    Default,
    /// No network at all: the command cannot fetch anything.
    None,
    /// The host's network (needs the `network.host` entitlement).
    Host,
}

impl Network {
    /// The flag's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Network::Default => "default",
            Network::None => "none",
            Network::Host => "host",
        }
    }

    /// Reads a `--network` value.
    ///
    /// ```
    /// use stagecraft_rules::dockerfile::mount::Network;
    /// assert_eq!(Network::parse("none"), Ok(Network::None));
    /// assert!(Network::parse("bridge").unwrap_err().to_string().contains("default, none or host"));
    /// ```
    pub fn parse(value: &str) -> Result<Network, MountError> {
        match value {
            "default" => Ok(Network::Default),
            "none" => Ok(Network::None),
            "host" => Ok(Network::Host),
            _ => Err(MountError::UnknownNetwork {
                value: value.to_string(),
            }),
        }
    }
}

/// `RUN --security=...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// The default sandbox.
    Sandbox,
    /// A privileged container (needs the `security.insecure` entitlement).
    Insecure,
}

impl Security {
    /// The flag's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Security::Sandbox => "sandbox",
            Security::Insecure => "insecure",
        }
    }

    /// Reads a `--security` value.
    ///
    /// ```
    /// use stagecraft_rules::dockerfile::mount::Security;
    /// assert_eq!(Security::parse("insecure"), Ok(Security::Insecure));
    /// assert!(Security::parse("privileged").is_err());
    /// ```
    pub fn parse(value: &str) -> Result<Security, MountError> {
        match value {
            "sandbox" => Ok(Security::Sandbox),
            "insecure" => Ok(Security::Insecure),
            _ => Err(MountError::UnknownSecurity {
                value: value.to_string(),
            }),
        }
    }
}

/// Checks a secret (or SSH agent) id: letters, digits, `.`, `_` and `-`,
/// starting with a letter or digit.
///
/// ```
/// use stagecraft_rules::dockerfile::mount::check_secret_id;
/// assert!(check_secret_id("npm.rc_1").is_ok());
/// assert!(check_secret_id("-x").is_err() && check_secret_id("a b").is_err());
/// ```
pub fn check_secret_id(id: &str) -> Result<(), MountError> {
    let mut chars = id.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if valid {
        Ok(())
    } else {
        Err(MountError::InvalidSecretId { id: id.to_string() })
    }
}

/// Checks that `value`, the value of mount option `option`, can be written
/// in `--mount=` unchanged: not empty, no whitespace, control character,
/// `,`, `"`, `'`, `\` or `=`, and a `$` only as a build variable reference,
/// `$NAME` or `${NAME}`, which BuildKit expands in a mount's options
/// (`id=go-build-${TARGETPLATFORM}`: a cache per platform) and the model
/// keeps as written.
///
/// ```
/// use stagecraft_rules::dockerfile::mount::check_value;
/// assert!(check_value("target", "/ok/path-1.2").is_ok());
/// assert!(check_value("id", "lint-cache-${TARGETNAME}-$TARGETARCH").is_ok());
/// assert!(check_value("target", "/a,b").is_err() && check_value("target", "/a$").is_err());
/// assert!(check_value("target", "${HOME:-/root}").is_err() && check_value("id", "$1").is_err());
/// ```
pub fn check_value(option: &'static str, value: &str) -> Result<(), MountError> {
    let unsafe_char =
        |c: char| c.is_whitespace() || c.is_control() || matches!(c, ',' | '"' | '\'' | '\\' | '=');
    if value.is_empty() || value.chars().any(unsafe_char) || !references_only(value) {
        return Err(MountError::UnsafeValue {
            option,
            value: value.to_string(),
        });
    }
    Ok(())
}

/// Whether every `$` in `value` starts a `$NAME` or `${NAME}` reference.
fn references_only(value: &str) -> bool {
    let mut rest = value;
    while let Some(at) = rest.find('$') {
        let after = &rest[at + 1..];
        let (name, tail) = match after.strip_prefix('{') {
            Some(braced) => match braced.find('}') {
                Some(end) => (&braced[..end], &braced[end + 1..]),
                None => return false,
            },
            None => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        if !crate::names::variable_name(name) {
            return false;
        }
        rest = tail;
    }
    true
}

/// One `--mount`, as its type's options: what the grammar read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountOptions {
    /// `type=cache`.
    Cache(CacheOptions),
    /// `type=bind` (the default type).
    Bind(BindOptions),
    /// `type=tmpfs`.
    Tmpfs(TmpfsOptions),
    /// `type=secret`.
    Secret(SecretOptions),
    /// `type=ssh`.
    Ssh(SshOptions),
}

/// The options of `type=cache`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CacheOptions {
    /// `target=` (`dst=`, `destination=`).
    pub target: String,
    /// `id=`.
    pub id: Option<String>,
    /// `sharing=`.
    pub sharing: Option<Sharing>,
    /// `from=`: a stage or image, as written.
    pub from: Option<String>,
    /// `source=` (`src=`).
    pub source: Option<String>,
    /// `mode=` (read in octal).
    pub mode: Option<u32>,
    /// `uid=`.
    pub uid: Option<u32>,
    /// `gid=`.
    pub gid: Option<u32>,
    /// `ro` (`readonly`; `rw` undoes it).
    pub read_only: bool,
}

/// The options of `type=bind`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BindOptions {
    /// `target=`.
    pub target: String,
    /// `source=`.
    pub source: Option<String>,
    /// `from=`: a stage or image, as written.
    pub from: Option<String>,
    /// `rw` (`readwrite`; `ro` undoes it).
    pub read_write: bool,
}

/// The options of `type=tmpfs`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TmpfsOptions {
    /// `target=`.
    pub target: String,
    /// `size=`, in bytes.
    pub size: Option<u64>,
}

/// The options of `type=secret`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecretOptions {
    /// `id=`, a valid id ([`check_secret_id`]); without one, the file name
    /// of the target, as BuildKit takes it.
    pub id: String,
    /// `target=`.
    pub target: Option<String>,
    /// `env=`.
    pub env: Option<String>,
    /// `required`.
    pub required: bool,
    /// `mode=` (octal).
    pub mode: Option<u32>,
    /// `uid=`.
    pub uid: Option<u32>,
    /// `gid=`.
    pub gid: Option<u32>,
}

/// The options of `type=ssh`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SshOptions {
    /// `id=`, a valid id ([`check_secret_id`]).
    pub id: Option<String>,
    /// `target=`.
    pub target: Option<String>,
    /// `required`.
    pub required: bool,
    /// `mode=` (octal).
    pub mode: Option<u32>,
    /// `uid=`.
    pub uid: Option<u32>,
    /// `gid=`.
    pub gid: Option<u32>,
}

impl MountOptions {
    /// Reads one `--mount` value (what follows `--mount=`), split into its
    /// fields as the Dockerfile parser splits it.
    pub fn parse(value: &str) -> Result<MountOptions, MountError> {
        let mount = parse::parse_mount(value);
        MountOptions::from_fields(
            mount
                .options
                .iter()
                .map(|(key, value)| (key.as_str(), value.as_deref())),
        )
    }

    /// Reads one `--mount` value from its `key[=value]` fields, as the
    /// Dockerfile parser split them (`type` among them, default `bind`).
    ///
    /// ```
    /// use stagecraft_rules::dockerfile::mount::{MountError, MountOptions};
    ///
    /// let fields = [("type", Some("tmpfs")), ("target", Some("/tmp")), ("size", Some("1024"))];
    /// assert!(matches!(MountOptions::from_fields(fields), Ok(MountOptions::Tmpfs(_))));
    ///
    /// let fields = [("type", Some("cache")), ("target", Some("/c")), ("size", Some("1"))];
    /// let error = MountOptions::from_fields(fields).unwrap_err();
    /// assert!(matches!(error, MountError::UnknownOption { .. }));
    /// ```
    pub fn from_fields<'a>(
        fields: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
    ) -> Result<MountOptions, MountError> {
        let fields: Vec<(&str, Option<&str>)> = fields.into_iter().collect();
        let kind = match fields.iter().rev().find(|(key, _)| *key == "type") {
            None => "bind".to_string(),
            Some((_, value)) => value.unwrap_or("").to_ascii_lowercase(),
        };
        let mut mount = match kind.as_str() {
            "cache" => MountOptions::Cache(CacheOptions::default()),
            "bind" => MountOptions::Bind(BindOptions::default()),
            "tmpfs" => MountOptions::Tmpfs(TmpfsOptions::default()),
            "secret" => MountOptions::Secret(SecretOptions::default()),
            "ssh" => MountOptions::Ssh(SshOptions::default()),
            _ => return Err(MountError::UnknownType { kind }),
        };
        for (key, value) in fields {
            if key != "type" {
                mount.set(key, value)?;
            }
        }
        if let MountOptions::Secret(secret) = &mut mount {
            if secret.id.is_empty() {
                // BuildKit takes the id from the target's file name.
                let name = secret
                    .target
                    .as_deref()
                    .and_then(|t| t.rsplit('/').next())
                    .filter(|name| !name.is_empty())
                    .ok_or(MountError::MissingSecretId)?;
                check_secret_id(name)?;
                secret.id = name.to_string();
            }
        }
        mount.check_values()?;
        Ok(mount)
    }

    /// The `type=` name.
    pub fn kind(&self) -> &'static str {
        match self {
            MountOptions::Cache(_) => "cache",
            MountOptions::Bind(_) => "bind",
            MountOptions::Tmpfs(_) => "tmpfs",
            MountOptions::Secret(_) => "secret",
            MountOptions::Ssh(_) => "ssh",
        }
    }

    /// The target, when the mount has one.
    /// `None` for a cache, bind or tmpfs mount written without one, which
    /// BuildKit mounts at the stage's working directory (refusing it when
    /// that is `/`).
    pub fn target(&self) -> Option<&str> {
        fn given(target: &str) -> Option<&str> {
            (!target.is_empty()).then_some(target)
        }
        match self {
            MountOptions::Cache(m) => given(&m.target),
            MountOptions::Bind(m) => given(&m.target),
            MountOptions::Tmpfs(m) => given(&m.target),
            MountOptions::Secret(m) => m.target.as_deref(),
            MountOptions::Ssh(m) => m.target.as_deref(),
        }
    }

    /// Where a cache or bind mount takes its files from (`from=`), as written.
    pub fn files_from(&self) -> Option<&str> {
        match self {
            MountOptions::Cache(m) => m.from.as_deref(),
            MountOptions::Bind(m) => m.from.as_deref(),
            MountOptions::Tmpfs(_) | MountOptions::Secret(_) | MountOptions::Ssh(_) => None,
        }
    }

    /// The target of a mount whose writes never reach the layer (a cache
    /// or a tmpfs), which the rules count as a place a cache may be left in
    /// (see [`keeps_writes_out_of_the_layer`]).
    pub fn layer_free_target(&self) -> Option<&str> {
        keeps_writes_out_of_the_layer(self.kind())
            .then(|| self.target())
            .flatten()
    }

    /// Every text value: each must be writable in `--mount=` unchanged
    /// ([`check_value`]). A cache, bind or tmpfs mount may have no target.
    fn check_values(&self) -> Result<(), MountError> {
        let texts: Vec<(&'static str, Option<&str>)> = match self {
            MountOptions::Cache(m) => vec![
                ("id", m.id.as_deref()),
                ("target", self.target()),
                ("from", m.from.as_deref()),
                ("source", m.source.as_deref()),
            ],
            MountOptions::Bind(m) => vec![
                ("target", self.target()),
                ("source", m.source.as_deref()),
                ("from", m.from.as_deref()),
            ],
            MountOptions::Tmpfs(_) => vec![("target", self.target())],
            MountOptions::Secret(m) => vec![
                ("id", Some(&m.id)),
                ("target", m.target.as_deref()),
                ("env", m.env.as_deref()),
            ],
            MountOptions::Ssh(m) => vec![("id", m.id.as_deref()), ("target", m.target.as_deref())],
        };
        for (option, value) in texts {
            if let Some(value) = value {
                check_value(option, value)?;
            }
        }
        Ok(())
    }

    /// Sets one option read from text.
    fn set(&mut self, key: &str, value: Option<&str>) -> Result<(), MountError> {
        let kind = self.kind();
        let text = || value.unwrap_or("").to_string();
        let flag = |option: &'static str| match value.map(str::to_ascii_lowercase).as_deref() {
            None | Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(_) => Err(MountError::BadValue {
                kind,
                option,
                value: text(),
                fix: "write the option alone, or `=true`/`=false`",
            }),
        };
        let number = |option: &'static str, radix: u32| {
            u32::from_str_radix(value.unwrap_or(""), radix).map_err(|_| MountError::BadValue {
                kind,
                option,
                value: text(),
                fix: if radix == 8 {
                    "write an octal mode, e.g. `0755`"
                } else {
                    "write a number, e.g. `1000`"
                },
            })
        };
        let secret_id = || {
            let id = text();
            check_secret_id(&id).map(|()| id)
        };
        let is_target = matches!(key, "target" | "dst" | "destination");
        let is_source = matches!(key, "source" | "src");
        let unknown = |known| MountError::UnknownOption {
            kind,
            option: key.to_string(),
            known,
        };
        match self {
            MountOptions::Cache(m) => match key {
                _ if is_target => m.target = text(),
                _ if is_source => m.source = Some(text()),
                "id" => m.id = Some(text()),
                "sharing" => {
                    m.sharing = Some(match value {
                        Some("shared") => Sharing::Shared,
                        Some("locked") => Sharing::Locked,
                        Some("private") => Sharing::Private,
                        _ => {
                            return Err(MountError::BadValue {
                                kind,
                                option: "sharing",
                                value: text(),
                                fix: "use shared, locked or private",
                            })
                        }
                    })
                }
                "from" => m.from = Some(text()),
                "mode" => m.mode = Some(number("mode", 8)?),
                "uid" => m.uid = Some(number("uid", 10)?),
                "gid" => m.gid = Some(number("gid", 10)?),
                "ro" | "readonly" => m.read_only = flag("ro")?,
                "rw" | "readwrite" => m.read_only = !flag("rw")?,
                _ => {
                    return Err(unknown(
                        "id, target, sharing, from, source, mode, uid, gid, ro",
                    ))
                }
            },
            MountOptions::Bind(m) => match key {
                _ if is_target => m.target = text(),
                _ if is_source => m.source = Some(text()),
                "from" => m.from = Some(text()),
                "rw" | "readwrite" => m.read_write = flag("rw")?,
                "ro" | "readonly" => m.read_write = !flag("ro")?,
                _ => return Err(unknown("target, source, from, rw")),
            },
            MountOptions::Tmpfs(m) => match key {
                _ if is_target => m.target = text(),
                "size" => {
                    m.size =
                        Some(
                            value
                                .unwrap_or("")
                                .parse()
                                .map_err(|_| MountError::BadValue {
                                    kind,
                                    option: "size",
                                    value: text(),
                                    fix: "write the size in bytes, e.g. `size=67108864`",
                                })?,
                        )
                }
                _ => return Err(unknown("target, size")),
            },
            MountOptions::Secret(m) => match key {
                _ if is_target => m.target = Some(text()),
                "id" => m.id = secret_id()?,
                "env" => m.env = Some(text()),
                "required" => m.required = flag("required")?,
                "mode" => m.mode = Some(number("mode", 8)?),
                "uid" => m.uid = Some(number("uid", 10)?),
                "gid" => m.gid = Some(number("gid", 10)?),
                _ => return Err(unknown("id, target, env, required, mode, uid, gid")),
            },
            MountOptions::Ssh(m) => match key {
                _ if is_target => m.target = Some(text()),
                "id" => m.id = Some(secret_id()?),
                "required" => m.required = flag("required")?,
                "mode" => m.mode = Some(number("mode", 8)?),
                "uid" => m.uid = Some(number("uid", 10)?),
                "gid" => m.gid = Some(number("gid", 10)?),
                _ => return Err(unknown("id, target, required, mode, uid, gid")),
            },
        }
        Ok(())
    }
}

/// Whether writes under a mount of this `type=` stay out of the `RUN`'s
/// layer (a cache, a tmpfs), so that a package cache left there costs the
/// image nothing: the one answer the rules of a parsed Dockerfile, `run!`
/// and the model's `RunSpec` give.
///
/// ```
/// use stagecraft_rules::dockerfile::mount::keeps_writes_out_of_the_layer;
/// assert!(keeps_writes_out_of_the_layer("cache") && keeps_writes_out_of_the_layer("tmpfs"));
/// assert!(!keeps_writes_out_of_the_layer("bind"));
/// ```
pub fn keeps_writes_out_of_the_layer(kind: &str) -> bool {
    matches!(kind, "cache" | "tmpfs")
}

/// A `RUN`'s BuildKit options, as the grammar read them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunOptions {
    /// The `--mount`s, in order.
    pub mounts: Vec<MountOptions>,
    /// `--network` (the last one given).
    pub network: Option<Network>,
    /// `--security` (the last one given).
    pub security: Option<Security>,
}

impl RunOptions {
    /// Reads the `--mount`, `--network` and `--security` flags of a parsed
    /// `RUN` (`mounts` are the parser's, one per `--mount` flag, in order);
    /// other flags are left to the caller. Every problem, in flag order.
    ///
    /// ```
    /// use stagecraft_rules::dockerfile::mount::{MountError, Network, RunOptions};
    /// use stagecraft_rules::dockerfile::{Dockerfile, InstructionKind};
    ///
    /// let df = Dockerfile::parse(
    ///     "FROM a\nRUN --mount=type=cache,target=/c --network=none make\n\
    ///      RUN --mount=type=tmpfs --security=root make\n",
    /// )
    /// .unwrap();
    /// let read = |index: usize| {
    ///     let instruction = &df.stages[0].instructions[index];
    ///     let InstructionKind::Run(run) = &instruction.kind else { panic!() };
    ///     RunOptions::read(&instruction.flags, &run.mounts)
    /// };
    /// let options = read(0).unwrap();
    /// assert_eq!((options.mounts.len(), options.network), (1, Some(Network::None)));
    /// let errors = read(1).unwrap_err();
    /// assert!(matches!(errors[..], [MountError::UnknownSecurity { .. }]));
    /// ```
    pub fn read(flags: &[Flag], mounts: &[parse::Mount]) -> Result<RunOptions, Vec<MountError>> {
        let mut options = RunOptions::default();
        let mut errors = Vec::new();
        let mut mounts = mounts.iter();
        for flag in flags {
            let value = flag.value.as_deref().unwrap_or("");
            let read = match flag.name.as_str() {
                "mount" => {
                    let fields = mounts.next().map(|mount| {
                        mount
                            .options
                            .iter()
                            .map(|(key, value)| (key.as_str(), value.as_deref()))
                            .collect::<Vec<_>>()
                    });
                    MountOptions::from_fields(fields.unwrap_or_default())
                        .map(|mount| options.mounts.push(mount))
                }
                "network" => Network::parse(value).map(|network| options.network = Some(network)),
                "security" => {
                    Security::parse(value).map(|security| options.security = Some(security))
                }
                _ => Ok(()),
            };
            if let Err(error) = read {
                errors.push(error);
            }
        }
        if errors.is_empty() {
            Ok(options)
        } else {
            Err(errors)
        }
    }

    /// The targets of the mounts whose writes stay out of the layer, the
    /// cache mounts the rules judge a `RUN` with
    /// ([`RunContext::cache_mounts`](crate::run_check::RunContext::cache_mounts)).
    pub fn layer_free_targets(&self) -> Vec<String> {
        self.mounts
            .iter()
            .filter_map(MountOptions::layer_free_target)
            .map(str::to_string)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_option_is_read() {
        let MountOptions::Cache(cache) = MountOptions::parse(
            "type=cache,id=apt,target=/var/cache/apt,sharing=locked,from=base,source=/cache,\
             mode=0755,uid=1000,gid=1000,ro",
        )
        .unwrap() else {
            panic!("a cache mount")
        };
        assert_eq!(
            cache,
            CacheOptions {
                target: "/var/cache/apt".into(),
                id: Some("apt".into()),
                sharing: Some(Sharing::Locked),
                from: Some("base".into()),
                source: Some("/cache".into()),
                mode: Some(0o755),
                uid: Some(1000),
                gid: Some(1000),
                read_only: true,
            }
        );
        // The type is read in any case, as the parser (and BuildKit) read it.
        assert!(matches!(
            MountOptions::parse("type=Tmpfs,target=/t,size=64"),
            Ok(MountOptions::Tmpfs(TmpfsOptions { size: Some(64), .. }))
        ));
    }

    #[test]
    fn bad_mounts_say_what_to_fix() {
        let error = |text: &str| MountOptions::parse(text).unwrap_err();
        assert!(error("type=volume,target=/x")
            .to_string()
            .contains("unknown mount type `volume`"));
        assert!(error("type,target=/x")
            .to_string()
            .contains("unknown mount type ``"));
        assert!(error("type=tmpfs,target=/x,sharing=locked")
            .to_string()
            .contains("no option `sharing`"));
        assert!(error("type=cache,target=/x,sharing=sometimes")
            .to_string()
            .contains("shared, locked or private"));
        assert!(error("type=cache,target=/x,mode=999")
            .to_string()
            .contains("octal"));
        assert!(matches!(
            error("type=secret,id=a$b"),
            MountError::InvalidSecretId { .. }
        ));
        assert!(matches!(
            error("type=secret,target=/run/secrets/-x"),
            MountError::InvalidSecretId { .. }
        ));
        // No target: BuildKit mounts at the working directory.
        assert_eq!(MountOptions::parse("type=cache").unwrap().target(), None);
        assert_eq!(MountOptions::parse("type=bind").unwrap().target(), None);
        assert_eq!(error("type=secret"), MountError::MissingSecretId);
        assert!(matches!(
            error("type=cache,target=${HOME:-/root}/.cache"),
            MountError::UnsafeValue {
                option: "target",
                ..
            }
        ));
        // A build variable is BuildKit's to expand: a cache per platform.
        let MountOptions::Cache(cache) =
            MountOptions::parse("type=cache,id=go-${TARGETPLATFORM},target=/root/.cache").unwrap()
        else {
            panic!("a cache mount");
        };
        assert_eq!(cache.id.as_deref(), Some("go-${TARGETPLATFORM}"));
        // The id of a secret without one is its target's file name, as BuildKit does.
        let MountOptions::Secret(secret) =
            MountOptions::parse("type=secret,target=/run/secrets/tok").unwrap()
        else {
            panic!("a secret mount");
        };
        assert_eq!(secret.id, "tok");
        // The default type is bind; `dst` is an alias of `target`.
        assert_eq!(
            MountOptions::parse("dst=/src").unwrap(),
            MountOptions::Bind(BindOptions {
                target: "/src".into(),
                ..BindOptions::default()
            })
        );
    }

    #[test]
    fn layer_free_targets_are_caches_and_tmpfs() {
        let options = RunOptions {
            mounts: [
                "type=cache,target=/c",
                "type=bind,target=/b",
                "type=tmpfs,target=/t",
            ]
            .iter()
            .map(|text| MountOptions::parse(text).unwrap())
            .collect(),
            ..RunOptions::default()
        };
        assert_eq!(options.layer_free_targets(), ["/c", "/t"]);
    }
}
