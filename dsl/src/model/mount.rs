//! `RUN --mount=...`, `--network` and `--security`: BuildKit's options of a
//! `RUN`, as typed values.
//!
//! Each mount type has its own struct with the options BuildKit reads for
//! it, and builder methods in the style of [`CopySpec`](crate::CopySpec):
//!
//! ```
//! use stagecraft::model::{Mount, SecretId, Sharing};
//!
//! let pip = Mount::cache("/root/.cache/pip").sharing(Sharing::Locked);
//! assert_eq!(
//!     Mount::from(pip).to_string(),
//!     "--mount=type=cache,target=/root/.cache/pip,sharing=locked"
//! );
//! let npmrc = Mount::secret(SecretId::new("npmrc").unwrap()).target("/root/.npmrc");
//! assert_eq!(
//!     Mount::from(npmrc).to_string(),
//!     "--mount=type=secret,id=npmrc,target=/root/.npmrc"
//! );
//! ```
//!
//! A secret is only ever a [`SecretId`] of a secret mount: the type has no
//! conversion to a string, so it cannot become an `ENV` or `ARG` value.

use std::fmt;

use serde::{Deserialize, Serialize};

use stagecraft_rules::dockerfile::mount::{
    check_secret_id, check_value, BindOptions, CacheOptions, MountOptions, SecretOptions,
    SshOptions, TmpfsOptions,
};

use super::CopyFrom;

/// Why a mount, or a value in it, cannot be written in a `RUN --mount`
/// (the grammar's error: `stagecraft_rules::dockerfile::mount`, where text's
/// mounts are judged at compile time too).
pub use stagecraft_rules::dockerfile::mount::MountError;
/// `RUN --network=...`.
pub use stagecraft_rules::dockerfile::mount::Network;
/// `RUN --security=...`.
pub use stagecraft_rules::dockerfile::mount::Security;
/// How concurrent builds share a cache mount (`sharing=`).
pub use stagecraft_rules::dockerfile::mount::Sharing;

/// The name of a build secret, as given to `docker build --secret id=...`.
///
/// A valid id is letters, digits, `.`, `_` and `-`, starting with a letter
/// or digit. It has no conversion into a `String`, so a secret cannot be
/// passed where an `ENV` or `ARG` value is expected:
///
/// ```compile_fail,E0277
/// use stagecraft::{model::SecretId, Dockerfile};
/// let mut df = Dockerfile::builder();
/// df.anonymous_stage("debian:bookworm-slim")
///     .env("TOKEN", SecretId::new("token").unwrap());
/// ```
///
/// ```
/// use stagecraft::model::SecretId;
/// assert_eq!(SecretId::new("npm.rc_1").unwrap().as_str(), "npm.rc_1");
/// assert!(SecretId::new("-x").is_err());
/// assert!(SecretId::new("a b").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
// No `From<SecretId> for String`: that would give `Into<String>`, the door
// into ENV and ARG values. Serde writes the newtype as its string.
#[serde(try_from = "String")]
pub struct SecretId(String);

impl SecretId {
    /// Checks `id` and makes a `SecretId` of it.
    pub fn new(id: impl Into<String>) -> Result<SecretId, MountError> {
        let id = id.into();
        check_secret_id(&id)?;
        Ok(SecretId(id))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SecretId {
    type Error = MountError;
    fn try_from(id: String) -> Result<Self, MountError> {
        SecretId::new(id)
    }
}

/// One `RUN --mount`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Mount {
    /// `type=cache`: a directory kept between builds, never in the layer.
    Cache(CacheMount),
    /// `type=bind`: files of the build context or of a stage, read-only by default.
    Bind(BindMount),
    /// `type=tmpfs`: an empty in-memory directory.
    Tmpfs(TmpfsMount),
    /// `type=secret`: a build secret as a file (or an environment variable).
    Secret(SecretMount),
    /// `type=ssh`: the build's SSH agent socket.
    Ssh(SshMount),
}

/// `type=cache`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CacheMount {
    /// Where the cache is mounted (empty: no `target=`, the stage's working
    /// directory, as BuildKit mounts it).
    pub target: String,
    /// `id=`: caches with the same id are the same cache (default: the target).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `sharing=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sharing: Option<Sharing>,
    /// `from=`: a stage or image whose files seed the cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<CopyFrom>,
    /// `source=`: the path in `from` to seed it from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// `mode=`: the directory's mode (rendered in octal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
    /// `uid=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// `gid=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,
    /// `ro`: read-only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
}

/// `type=bind`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BindMount {
    /// Where the files are mounted.
    pub target: String,
    /// `source=`: the path in the context or in `from` (default: its root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// `from=`: a stage or image to take the files from (default: the build context).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<CopyFrom>,
    /// `rw`: writes are allowed (and discarded after the `RUN`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub read_write: bool,
}

/// `type=tmpfs`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TmpfsMount {
    /// Where the tmpfs is mounted.
    pub target: String,
    /// `size=`, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// `type=secret`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretMount {
    /// `id=`: the secret's name.
    pub id: SecretId,
    /// `target=`: the file (default: `/run/secrets/<id>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// `env=`: also (or only) expose it as this environment variable of the `RUN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    /// `required`: fail the build when the secret is not given.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    /// `mode=` (octal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
    /// `uid=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// `gid=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,
}

/// `type=ssh`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SshMount {
    /// `id=`: the SSH agent's id (default: `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<SecretId>,
    /// `target=`: the socket (default: `/run/buildkit/ssh_agent.N`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// `required`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    /// `mode=` (octal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
    /// `uid=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// `gid=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,
}

impl Mount {
    /// `type=cache,target=...`.
    pub fn cache(target: impl Into<String>) -> CacheMount {
        CacheMount {
            target: target.into(),
            ..CacheMount::default()
        }
    }

    /// `type=bind,target=...` (the build context's root, read-only).
    pub fn bind(target: impl Into<String>) -> BindMount {
        BindMount {
            target: target.into(),
            ..BindMount::default()
        }
    }

    /// `type=tmpfs,target=...`.
    pub fn tmpfs(target: impl Into<String>) -> TmpfsMount {
        TmpfsMount {
            target: target.into(),
            size: None,
        }
    }

    /// `type=secret,id=...`.
    pub fn secret(id: SecretId) -> SecretMount {
        SecretMount {
            id,
            target: None,
            env: None,
            required: false,
            mode: None,
            uid: None,
            gid: None,
        }
    }

    /// `type=ssh` (the default agent).
    pub fn ssh() -> SshMount {
        SshMount::default()
    }

    /// The mount's target, when it has one: a cache, bind or tmpfs mount
    /// whose target is empty is written without one, and BuildKit mounts it
    /// at the stage's working directory (refusing it when that is `/`).
    pub fn target(&self) -> Option<&str> {
        fn given(target: &str) -> Option<&str> {
            (!target.is_empty()).then_some(target)
        }
        match self {
            Mount::Cache(m) => given(&m.target),
            Mount::Bind(m) => given(&m.target),
            Mount::Tmpfs(m) => given(&m.target),
            Mount::Secret(m) => m.target.as_deref(),
            Mount::Ssh(m) => m.target.as_deref(),
        }
    }

    /// Where a cache or bind mount takes its files from (`from=`), when it says.
    pub fn files_from(&self) -> Option<&CopyFrom> {
        match self {
            Mount::Cache(m) => m.from.as_ref(),
            Mount::Bind(m) => m.from.as_ref(),
            Mount::Tmpfs(_) | Mount::Secret(_) | Mount::Ssh(_) => None,
        }
    }

    /// The `type=` name.
    pub fn kind(&self) -> &'static str {
        match self {
            Mount::Cache(_) => "cache",
            Mount::Bind(_) => "bind",
            Mount::Tmpfs(_) => "tmpfs",
            Mount::Secret(_) => "secret",
            Mount::Ssh(_) => "ssh",
        }
    }

    /// The `key[=value]` options after `type=`, in canonical order.
    pub(super) fn options(&self) -> Vec<(&'static str, Option<String>)> {
        let mut options = Vec::new();
        let mut push = |key, value: Option<String>| options.push((key, value));
        let octal = |mode: Option<u32>| mode.map(|m| format!("{m:04o}"));
        let number = |n: Option<u32>| n.map(|n| n.to_string());
        match self {
            Mount::Cache(m) => {
                push("id", m.id.clone());
                push("target", self.target().map(str::to_owned));
                push("sharing", m.sharing.map(|s| s.as_str().to_string()));
                push("from", m.from.as_ref().map(ToString::to_string));
                push("source", m.source.clone());
                push("mode", octal(m.mode));
                push("uid", number(m.uid));
                push("gid", number(m.gid));
                if m.read_only {
                    options.push(("ro", None));
                }
            }
            Mount::Bind(m) => {
                push("target", self.target().map(str::to_owned));
                push("source", m.source.clone());
                push("from", m.from.as_ref().map(ToString::to_string));
                if m.read_write {
                    options.push(("rw", None));
                }
            }
            Mount::Tmpfs(m) => {
                push("target", self.target().map(str::to_owned));
                push("size", m.size.map(|s| s.to_string()));
            }
            Mount::Secret(m) => {
                push("id", Some(m.id.0.clone()));
                push("target", m.target.clone());
                push("env", m.env.clone());
                push("mode", octal(m.mode));
                push("uid", number(m.uid));
                push("gid", number(m.gid));
                if m.required {
                    options.push(("required", None));
                }
            }
            Mount::Ssh(m) => {
                push("id", m.id.as_ref().map(|id| id.0.clone()));
                push("target", m.target.clone());
                push("mode", octal(m.mode));
                push("uid", number(m.uid));
                push("gid", number(m.gid));
                if m.required {
                    options.push(("required", None));
                }
            }
        }
        options.retain(|(key, value)| value.is_some() || matches!(*key, "ro" | "rw" | "required"));
        options
    }

    /// Checks that every value can be written in `--mount=` unchanged
    /// (the grammar's [`check_value`](stagecraft_rules::dockerfile::mount::check_value)).
    pub fn check(&self) -> Result<(), MountError> {
        for (option, value) in self.options() {
            if let Some(value) = value {
                check_value(option, &value)?;
            }
        }
        Ok(())
    }

    /// Reads one `--mount` value from its `key[=value]` fields, as the
    /// Dockerfile parser split them (`type` among them, default `bind`),
    /// with the grammar of
    /// [`MountOptions::from_fields`](stagecraft_rules::dockerfile::mount::MountOptions::from_fields).
    ///
    /// ```
    /// use stagecraft::model::{Mount, MountError};
    ///
    /// let fields = [("type", Some("tmpfs")), ("target", Some("/tmp")), ("size", Some("1024"))];
    /// let mount = Mount::from_fields(fields.iter().map(|(k, v)| (*k, *v))).unwrap();
    /// assert_eq!(mount.to_string(), "--mount=type=tmpfs,target=/tmp,size=1024");
    ///
    /// let fields = [("type", Some("cache")), ("target", Some("/c")), ("size", Some("1"))];
    /// let error = Mount::from_fields(fields.iter().map(|(k, v)| (*k, *v))).unwrap_err();
    /// assert!(matches!(error, MountError::UnknownOption { .. }));
    /// ```
    pub fn from_fields<'a>(
        fields: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
    ) -> Result<Mount, MountError> {
        MountOptions::from_fields(fields).map(Mount::from)
    }

    /// Reads one `--mount` value, what follows `--mount=`, split into its
    /// fields as the Dockerfile parser splits it.
    ///
    /// ```
    /// use stagecraft::model::Mount;
    ///
    /// let mount = Mount::parse("type=cache,target=/root/.cache/pip,sharing=locked").unwrap();
    /// assert_eq!(mount.to_string(), "--mount=type=cache,target=/root/.cache/pip,sharing=locked");
    /// assert!(Mount::parse("type=cache,target=/c,sharing=bogus").is_err());
    /// ```
    pub fn parse(value: &str) -> Result<Mount, MountError> {
        MountOptions::parse(value).map(Mount::from)
    }
}

impl From<MountOptions> for Mount {
    /// The typed mount of what the grammar read (its values were checked
    /// there); a `from=` is read as text writes it (see [`CopyFrom`]).
    fn from(options: MountOptions) -> Mount {
        match options {
            MountOptions::Cache(CacheOptions {
                target,
                id,
                sharing,
                from,
                source,
                mode,
                uid,
                gid,
                read_only,
            }) => Mount::Cache(CacheMount {
                target,
                id,
                sharing,
                from: from.as_deref().map(mount_from),
                source,
                mode,
                uid,
                gid,
                read_only,
            }),
            MountOptions::Bind(BindOptions {
                target,
                source,
                from,
                read_write,
            }) => Mount::Bind(BindMount {
                target,
                source,
                from: from.as_deref().map(mount_from),
                read_write,
            }),
            MountOptions::Tmpfs(TmpfsOptions { target, size }) => {
                Mount::Tmpfs(TmpfsMount { target, size })
            }
            MountOptions::Secret(SecretOptions {
                id,
                target,
                env,
                required,
                mode,
                uid,
                gid,
            }) => Mount::Secret(SecretMount {
                // Checked by the grammar.
                id: SecretId(id),
                target,
                env,
                required,
                mode,
                uid,
                gid,
            }),
            MountOptions::Ssh(SshOptions {
                id,
                target,
                required,
                mode,
                uid,
                gid,
            }) => Mount::Ssh(SshMount {
                id: id.map(SecretId),
                target,
                required,
                mode,
                uid,
                gid,
            }),
        }
    }
}

impl fmt::Display for Mount {
    /// The flag as written in a `RUN`: `--mount=type=...,key=value,...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "--mount=type={}", self.kind())?;
        for (key, value) in self.options() {
            match value {
                Some(value) => write!(f, ",{key}={value}")?,
                None => write!(f, ",{key}")?,
            }
        }
        Ok(())
    }
}

macro_rules! into_mount {
    ($($variant:ident($type:ty)),*) => {$(
        impl From<$type> for Mount {
            fn from(mount: $type) -> Mount {
                Mount::$variant(mount)
            }
        }
    )*};
}
into_mount!(
    Cache(CacheMount),
    Bind(BindMount),
    Tmpfs(TmpfsMount),
    Secret(SecretMount),
    Ssh(SshMount)
);

/// `mode`, `uid` and `gid` of the mounts that take them.
macro_rules! owner_options {
    ($($type:ty),*) => {$(
        impl $type {
            /// `mode=`: the mode of the mounted file or directory, e.g. `0o600`.
            pub fn mode(mut self, mode: u32) -> Self {
                self.mode = Some(mode);
                self
            }

            /// `uid=`: its owner.
            pub fn uid(mut self, uid: u32) -> Self {
                self.uid = Some(uid);
                self
            }

            /// `gid=`: its group.
            pub fn gid(mut self, gid: u32) -> Self {
                self.gid = Some(gid);
                self
            }
        }
    )*};
}
owner_options!(CacheMount, SecretMount, SshMount);

impl CacheMount {
    /// `id=`: share the cache between mounts of different targets.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// `sharing=`.
    pub fn sharing(mut self, sharing: Sharing) -> Self {
        self.sharing = Some(sharing);
        self
    }

    /// `from=`: seed the cache from this stage (an alias, or a
    /// [`StageRef`](crate::StageRef)) or image (an [`ImageRef`](crate::ImageRef)).
    pub fn from(mut self, stage_or_image: impl Into<CopyFrom>) -> Self {
        self.from = Some(stage_or_image.into());
        self
    }

    /// `source=`: the path in `from` to seed it from.
    pub fn source(mut self, path: impl Into<String>) -> Self {
        self.source = Some(path.into());
        self
    }

    /// `ro`: mount it read-only.
    pub fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }
}

impl BindMount {
    /// `source=`: the path to mount (default: the root).
    pub fn source(mut self, path: impl Into<String>) -> Self {
        self.source = Some(path.into());
        self
    }

    /// `from=`: take the files from this stage (an alias, or a
    /// [`StageRef`](crate::StageRef)) or image (an [`ImageRef`](crate::ImageRef)).
    ///
    /// ```
    /// use stagecraft::model::{CopyFrom, Mount};
    /// use stagecraft::ImageRef;
    ///
    /// let uv = ImageRef::parse("ghcr.io/astral-sh/uv:0.5").unwrap();
    /// let mount = Mount::bind("/uv").from(uv);
    /// assert!(matches!(mount.from, Some(CopyFrom::Image { .. })));
    /// assert_eq!(Mount::from(mount).to_string(), "--mount=type=bind,target=/uv,from=ghcr.io/astral-sh/uv:0.5");
    /// assert_eq!(Mount::bind("/b").from("build").from, Some(CopyFrom::Stage("build".into())));
    /// ```
    pub fn from(mut self, stage_or_image: impl Into<CopyFrom>) -> Self {
        self.from = Some(stage_or_image.into());
        self
    }

    /// `rw`: allow writes (they are dropped after the `RUN`).
    pub fn read_write(mut self) -> Self {
        self.read_write = true;
        self
    }
}

impl TmpfsMount {
    /// `size=`, in bytes.
    pub fn size(mut self, bytes: u64) -> Self {
        self.size = Some(bytes);
        self
    }
}

impl SecretMount {
    /// `target=`: where the secret file appears.
    pub fn target(mut self, path: impl Into<String>) -> Self {
        self.target = Some(path.into());
        self
    }

    /// `env=`: expose the secret as this variable, for this `RUN` only.
    pub fn env(mut self, name: impl Into<String>) -> Self {
        self.env = Some(name.into());
        self
    }

    /// `required`: fail the build when the secret is not given.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
}

impl SshMount {
    /// `id=`: which agent of `docker build --ssh`.
    pub fn id(mut self, id: SecretId) -> Self {
        self.id = Some(id);
        self
    }

    /// `target=`: where the socket appears.
    pub fn target(mut self, path: impl Into<String>) -> Self {
        self.target = Some(path.into());
        self
    }

    /// `required`: fail the build when no agent is given.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
}

/// A mount's `from=` as text writes it: a reference with a registry, a
/// path, a tag or a digest is an image; a bare name a stage (the text's
/// reader turns a bare name of no earlier stage into an image, as BuildKit
/// pulls it).
pub(crate) fn mount_from(text: &str) -> CopyFrom {
    match crate::image_ref::ImageRef::parse(text) {
        Ok(image) if text.contains([':', '/', '@']) => CopyFrom::Image { image },
        _ => CopyFrom::Stage(text.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Mount, MountError> {
        Mount::from_fields(text.split(',').map(|field| match field.split_once('=') {
            Some((key, value)) => (key, Some(value)),
            None => (field, None),
        }))
    }

    #[test]
    fn every_option_renders_and_reads_back() {
        let id = |s: &str| SecretId::new(s).unwrap();
        let mounts: Vec<Mount> = vec![
            Mount::cache("/var/cache/apt")
                .id("apt")
                .sharing(Sharing::Locked)
                .from("base")
                .source("/cache")
                .mode(0o755)
                .uid(1000)
                .gid(1000)
                .read_only()
                .into(),
            Mount::cache("/c").sharing(Sharing::Private).into(),
            Mount::cache("/c").sharing(Sharing::Shared).into(),
            Mount::bind("/src")
                .source("app")
                .from("build")
                .read_write()
                .into(),
            Mount::tmpfs("/tmp").size(64 << 20).into(),
            Mount::secret(id("npmrc"))
                .target("/root/.npmrc")
                .env("NPM_TOKEN")
                .required()
                .mode(0o400)
                .uid(1)
                .gid(2)
                .into(),
            Mount::ssh()
                .id(id("github"))
                .target("/ssh")
                .required()
                .mode(0o600)
                .uid(3)
                .gid(4)
                .into(),
            Mount::ssh().into(),
        ];
        let expected = [
            "--mount=type=cache,id=apt,target=/var/cache/apt,sharing=locked,from=base,\
             source=/cache,mode=0755,uid=1000,gid=1000,ro",
            "--mount=type=cache,target=/c,sharing=private",
            "--mount=type=cache,target=/c,sharing=shared",
            "--mount=type=bind,target=/src,source=app,from=build,rw",
            "--mount=type=tmpfs,target=/tmp,size=67108864",
            "--mount=type=secret,id=npmrc,target=/root/.npmrc,env=NPM_TOKEN,mode=0400,\
             uid=1,gid=2,required",
            "--mount=type=ssh,id=github,target=/ssh,mode=0600,uid=3,gid=4,required",
            "--mount=type=ssh",
        ];
        for (mount, expected) in mounts.iter().zip(expected) {
            let text = mount.to_string();
            assert_eq!(text, expected);
            let back = parse(text.strip_prefix("--mount=").unwrap()).unwrap();
            assert_eq!(&back, mount, "{text}");
        }
    }

    #[test]
    fn bad_mounts_say_what_to_fix() {
        let error = parse("type=volume,target=/x").unwrap_err();
        assert!(error.to_string().contains("unknown mount type `volume`"));
        let error = parse("type=tmpfs,target=/x,sharing=locked").unwrap_err();
        assert!(error.to_string().contains("no option `sharing`"), "{error}");
        let error = parse("type=cache,target=/x,sharing=sometimes").unwrap_err();
        assert!(error.to_string().contains("shared, locked or private"));
        let error = parse("type=cache,target=/x,mode=999").unwrap_err();
        assert!(error.to_string().contains("octal"));
        let error = parse("type=secret,id=a b").unwrap_err();
        assert!(matches!(error, MountError::InvalidSecretId { .. }));
        // Without a target: the working directory, as BuildKit mounts it.
        let cache = parse("type=cache").expect("a cache mount without a target");
        assert_eq!(
            (cache.target(), cache.to_string()),
            (None, "--mount=type=cache".to_owned())
        );
        assert_eq!(parse("type=secret"), Err(MountError::MissingSecretId));
        // The id of a secret without one is its target's file name, as BuildKit does.
        let Mount::Secret(secret) = parse("type=secret,target=/run/secrets/tok").unwrap() else {
            panic!("a secret mount");
        };
        assert_eq!(secret.id.as_str(), "tok");
        // The default type is bind; `dst` is an alias of `target`.
        assert_eq!(parse("dst=/src").unwrap(), Mount::bind("/src").into());
    }

    #[test]
    fn unsafe_values_are_refused() {
        let mount = Mount::from(Mount::cache("/a,b"));
        assert!(matches!(
            mount.check(),
            Err(MountError::UnsafeValue {
                option: "target",
                ..
            })
        ));
        assert!(Mount::from(Mount::cache("/a b")).check().is_err());
        assert!(Mount::from(Mount::cache("/$")).check().is_err());
        assert!(Mount::from(Mount::cache("/${HOME:-x}")).check().is_err());
        // A build variable is BuildKit's to expand; no target, the workdir.
        assert!(Mount::from(Mount::cache("/cache/$TARGETARCH"))
            .check()
            .is_ok());
        assert!(Mount::from(Mount::cache("")).check().is_ok());
        assert!(Mount::from(Mount::cache("/ok/path-1.2")).check().is_ok());
    }
}
