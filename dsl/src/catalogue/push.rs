//! Tagging and pushing a built image to a registry, with the credentials
//! of Docker's `config.json`.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use bollard::auth::DockerCredentials;
use bollard::query_parameters::{
    CreateImageOptionsBuilder, PushImageOptionsBuilder, TagImageOptionsBuilder,
};
use futures_util::StreamExt;

use crate::engine::Engine;
use crate::ImageRef;

/// The reference `tag` gets in `registry`: `127.0.0.1:5000/site/base:1`
/// for `site/base:1` (a registry already in the tag is replaced).
///
/// ```
/// use stagecraft::catalogue::registry_reference;
///
/// assert_eq!(registry_reference("127.0.0.1:5000", "site/base:1"), "127.0.0.1:5000/site/base:1");
/// assert_eq!(registry_reference("reg.example:443/", "old.example/base"), "reg.example:443/base:latest");
/// ```
pub fn registry_reference(registry: &str, tag: &str) -> String {
    let registry = registry.trim_end_matches('/');
    match ImageRef::parse(tag) {
        Ok(parsed) => format!(
            "{registry}/{}:{}",
            parsed.path(),
            parsed.tag().unwrap_or("latest")
        ),
        Err(_) => format!("{registry}/{tag}"),
    }
}

/// Why the credentials of a registry could not be read from Docker's
/// `config.json`.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// The file exists but cannot be read.
    #[error("cannot read Docker's config {}: {source}", path.display())]
    Read {
        /// The `config.json` read.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not the JSON Docker writes.
    #[error("Docker's config {} is not valid JSON: {source}; fix or remove it", path.display())]
    Parse {
        /// The `config.json` read.
        path: PathBuf,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// An `auths` entry whose `auth` is not base64 of `user:password`.
    #[error(
        "the `auth` of {registry} in {} is not base64 of `user:password`; run \
         `docker login {registry}` again",
        path.display()
    )]
    BadAuth {
        /// The `config.json` read.
        path: PathBuf,
        /// The registry's key in `auths`.
        registry: String,
    },
    /// The credentials are kept by a credential helper, which this library
    /// does not run.
    #[error(
        "{} keeps the credentials of {registry} in the credential helper \
         `docker-credential-{helper}`, which stagecraft does not run; log in with a config \
         that has no `credsStore`/`credHelpers` (e.g. `DOCKER_CONFIG=$(mktemp -d) docker \
         login {registry}`) so `auths` holds them, and point DOCKER_CONFIG there",
        path.display()
    )]
    HelperUnsupported {
        /// The `config.json` read.
        path: PathBuf,
        /// The registry asked for.
        registry: String,
        /// The helper's name (`desktop`, `pass`, `ecr-login`...).
        helper: String,
    },
}

/// Docker's client configuration (`$DOCKER_CONFIG/config.json`, else
/// `~/.docker/config.json`), for the credentials of a registry.
///
/// Only `auths` entries with a base64 `auth` (what `docker login` writes
/// without a credential store) or an `identitytoken` are used; a registry
/// whose credentials are in a `credsStore` or `credHelpers` helper is
/// [`CredentialsError::HelperUnsupported`].
///
/// ```
/// use stagecraft::catalogue::DockerConfig;
///
/// let config = DockerConfig::from_json(
///     "config.json",
///     r#"{"auths": {"https://reg.example:5001": {"auth": "dXNlcjpzM2NyZXQ="}},
///         "credHelpers": {"ecr.example": "ecr-login"}}"#,
/// )?;
/// let credentials = config.credentials("reg.example:5001")?.expect("an auths entry");
/// assert_eq!(credentials.username.as_deref(), Some("user"));
/// assert_eq!(credentials.password.as_deref(), Some("s3cret"));
/// assert!(config.credentials("other.example")?.is_none());
/// let error = config.credentials("ecr.example").unwrap_err().to_string();
/// assert!(error.contains("docker-credential-ecr-login"), "{error}");
/// # Ok::<(), stagecraft::catalogue::CredentialsError>(())
/// ```
#[derive(Debug, Clone)]
pub struct DockerConfig {
    path: PathBuf,
    json: serde_json::Value,
}

impl DockerConfig {
    /// The config of this environment: `$DOCKER_CONFIG/config.json`, else
    /// `$HOME/.docker/config.json`; `None` when there is no such file.
    ///
    /// # Errors
    ///
    /// As [`DockerConfig::from_file`].
    pub fn load() -> Result<Option<DockerConfig>, CredentialsError> {
        let dir = match std::env::var_os("DOCKER_CONFIG") {
            Some(dir) => PathBuf::from(dir),
            None => match std::env::var_os("HOME") {
                Some(home) => Path::new(&home).join(".docker"),
                None => return Ok(None),
            },
        };
        let path = dir.join("config.json");
        if !path.exists() {
            return Ok(None);
        }
        DockerConfig::from_file(&path).map(Some)
    }

    /// Reads a `config.json`.
    ///
    /// # Errors
    ///
    /// [`CredentialsError::Read`] or [`CredentialsError::Parse`].
    pub fn from_file(path: &Path) -> Result<DockerConfig, CredentialsError> {
        let text = std::fs::read_to_string(path).map_err(|source| CredentialsError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        DockerConfig::from_json(path, &text)
    }

    /// Parses the text of a `config.json`; `path` names it in errors.
    ///
    /// # Errors
    ///
    /// [`CredentialsError::Parse`].
    pub fn from_json(
        path: impl Into<PathBuf>,
        text: &str,
    ) -> Result<DockerConfig, CredentialsError> {
        let path = path.into();
        let json = serde_json::from_str(text).map_err(|source| CredentialsError::Parse {
            path: path.clone(),
            source,
        })?;
        Ok(DockerConfig { path, json })
    }

    /// The credentials for `registry` (`host[:port]`), `None` when the
    /// config has none for it (the push is then anonymous).
    ///
    /// # Errors
    ///
    /// [`CredentialsError::BadAuth`] for an `auth` that is not base64 of
    /// `user:password`, [`CredentialsError::HelperUnsupported`] when a
    /// credential helper holds them.
    pub fn credentials(
        &self,
        registry: &str,
    ) -> Result<Option<DockerCredentials>, CredentialsError> {
        let wanted = registry_host(registry);
        let entry = self
            .json
            .get("auths")
            .and_then(|auths| auths.as_object())
            .and_then(|auths| auths.iter().find(|(key, _)| registry_host(key) == wanted));
        if let Some((key, entry)) = entry {
            if let Some(auth) = entry
                .get("auth")
                .and_then(|a| a.as_str())
                .filter(|a| !a.is_empty())
            {
                let bad = || CredentialsError::BadAuth {
                    path: self.path.clone(),
                    registry: key.clone(),
                };
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(auth.trim())
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .ok_or_else(bad)?;
                let (username, password) = decoded.split_once(':').ok_or_else(bad)?;
                return Ok(Some(DockerCredentials {
                    username: Some(username.to_string()),
                    password: Some(password.to_string()),
                    serveraddress: Some(wanted.to_string()),
                    ..DockerCredentials::default()
                }));
            }
            if let Some(token) = entry.get("identitytoken").and_then(|t| t.as_str()) {
                return Ok(Some(DockerCredentials {
                    identitytoken: Some(token.to_string()),
                    serveraddress: Some(wanted.to_string()),
                    ..DockerCredentials::default()
                }));
            }
        }
        let helper = self
            .json
            .get("credHelpers")
            .and_then(|helpers| helpers.as_object())
            .and_then(|helpers| {
                helpers
                    .iter()
                    .find(|(key, _)| registry_host(key) == wanted)
                    .map(|(_, helper)| helper)
            })
            .or_else(|| self.json.get("credsStore"))
            .and_then(|helper| helper.as_str())
            .filter(|helper| !helper.is_empty());
        match helper {
            Some(helper) => Err(CredentialsError::HelperUnsupported {
                path: self.path.clone(),
                registry: wanted.to_string(),
                helper: helper.to_string(),
            }),
            None => Ok(None),
        }
    }
}

/// `reg.example:5001` for `https://reg.example:5001/v1/`, as `auths` keys
/// are written either way.
fn registry_host(key: &str) -> &str {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    key.split('/').next().unwrap_or(key)
}

/// Tags `image` (an id or tag) as `reference` and pushes it with
/// `credentials` (none: anonymous); returns the manifest digest the
/// registry reported (`sha256:...`).
pub(crate) async fn push(
    engine: &Engine,
    image: &str,
    reference: &str,
    credentials: Option<&DockerCredentials>,
) -> Result<String, String> {
    let (repository, tag) = reference
        .rsplit_once(':')
        .filter(|(_, tag)| !tag.contains('/'))
        .unwrap_or((reference, "latest"));
    engine
        .docker()
        .tag_image(
            image,
            Some(
                TagImageOptionsBuilder::new()
                    .repo(repository)
                    .tag(tag)
                    .build(),
            ),
        )
        .await
        .map_err(|error| format!("tagging {reference}: {error}"))?;
    // Docker 20.10 refuses a push without an X-Registry-Auth header, even
    // to a registry that asks for none: send empty credentials.
    let mut stream = engine.docker().push_image(
        repository,
        Some(PushImageOptionsBuilder::new().tag(tag).build()),
        Some(credentials.cloned().unwrap_or_default()),
    );
    let mut digest = None;
    while let Some(item) = stream.next().await {
        // Docker 20.10 ends the stream with an error for a refused login.
        let info =
            item.map_err(|error| refused(reference, &error.to_string(), credentials.is_some()))?;
        if let Some(detail) = info.error_detail {
            let message = detail.message.unwrap_or_default();
            return Err(refused(reference, &message, credentials.is_some()));
        }
        if let Some(found) = info.status.as_deref().and_then(digest_in) {
            digest = Some(found);
        }
    }
    digest.ok_or_else(|| format!("pushing {reference}: the daemon reported no digest"))
}

/// Pulls `pushed` (a row's `registry/repo:tag@sha256:...`) on `engine` by
/// its digest, with `credentials` (none: anonymous), and tags it `tag`;
/// returns the pulled image's id and what was pulled (`registry/repo@sha256:...`).
pub(crate) async fn pull_as(
    engine: &Engine,
    pushed: &str,
    tag: &str,
    credentials: Option<&DockerCredentials>,
) -> Result<(String, String), String> {
    let (reference, digest) = pushed
        .split_once('@')
        .ok_or_else(|| format!("{pushed}: no digest to pull by"))?;
    let repository = reference
        .rsplit_once(':')
        .filter(|(_, tag)| !tag.contains('/'))
        .map_or(reference, |(repository, _)| repository);
    let by_digest = format!("{repository}@{digest}");
    let mut stream = engine.docker().create_image(
        Some(
            CreateImageOptionsBuilder::new()
                .from_image(&by_digest)
                .build(),
        ),
        None,
        Some(credentials.cloned().unwrap_or_default()),
    );
    while let Some(item) = stream.next().await {
        item.map_err(|error| format!("pulling {by_digest}: {error}"))?;
    }
    let (repo, name) = tag
        .rsplit_once(':')
        .filter(|(_, name)| !name.contains('/'))
        .unwrap_or((tag, "latest"));
    engine
        .docker()
        .tag_image(
            &by_digest,
            Some(TagImageOptionsBuilder::new().repo(repo).tag(name).build()),
        )
        .await
        .map_err(|error| format!("tagging {by_digest} as {tag}: {error}"))?;
    let found = engine
        .docker()
        .inspect_image(tag)
        .await
        .map_err(|error| format!("inspecting {tag} after the pull: {error}"))?;
    let id = found
        .id
        .ok_or_else(|| format!("{tag}: the daemon gave no id after the pull"))?;
    Ok((id, by_digest))
}

/// The message of a failed push, with what to do when the registry
/// refused the credentials (or asked for some).
fn refused(reference: &str, message: &str, sent_credentials: bool) -> String {
    let lower = message.to_ascii_lowercase();
    let auth = [
        "unauthorized",
        "authentication required",
        "no basic auth credentials",
    ]
    .iter()
    .any(|word| lower.contains(word));
    let registry = reference.split('/').next().unwrap_or(reference);
    match (auth, sent_credentials) {
        (true, true) => format!(
            "pushing {reference}: the registry refused the credentials for {registry} \
             ({message}); check the user and password of its `auths` entry in Docker's \
             config.json (`docker login {registry}`)"
        ),
        (true, false) => format!(
            "pushing {reference}: the registry {registry} wants credentials ({message}) and \
             Docker's config.json has none for it; run `docker login {registry}`"
        ),
        _ => format!("pushing {reference}: {message}"),
    }
}

/// The `sha256:<64 hex>` of a push status line (`1: digest: sha256:... size: 528`).
fn digest_in(status: &str) -> Option<String> {
    let start = status.find("digest: sha256:")? + "digest: ".len();
    let digest: String = status[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == ':')
        .collect();
    (digest.len() == 71).then_some(digest)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_digest_is_read_from_the_status_line() {
        let digest = format!("sha256:{}", "ab".repeat(32));
        assert_eq!(
            super::digest_in(&format!("1: digest: {digest} size: 528")),
            Some(digest)
        );
        assert_eq!(super::digest_in("Pushed"), None);
    }

    #[test]
    fn credentials_come_from_auths_and_helpers_are_named() {
        use super::{CredentialsError, DockerConfig};
        let config = DockerConfig::from_json(
            "/x/config.json",
            r#"{"auths": {"127.0.0.1:5001": {"auth": "c3RhZ2VjcmFmdDpzdGFnZWNyYWZ0LXRlc3Q="},
                          "bad.example": {"auth": "bm8tY29sb24="},
                          "helped.example": {}},
                "credsStore": "desktop"}"#,
        )
        .unwrap();
        let found = config.credentials("127.0.0.1:5001").unwrap().unwrap();
        assert_eq!(found.username.as_deref(), Some("stagecraft"));
        assert_eq!(found.password.as_deref(), Some("stagecraft-test"));
        assert_eq!(found.serveraddress.as_deref(), Some("127.0.0.1:5001"));
        let bad = config.credentials("bad.example").unwrap_err();
        assert!(matches!(bad, CredentialsError::BadAuth { .. }), "{bad}");
        assert_eq!(
            bad.to_string(),
            "the `auth` of bad.example in /x/config.json is not base64 of `user:password`; \
             run `docker login bad.example` again"
        );
        let helped = config.credentials("helped.example").unwrap_err();
        assert!(
            helped.to_string().starts_with(
                "/x/config.json keeps the credentials of helped.example in the credential \
                 helper `docker-credential-desktop`, which stagecraft does not run"
            ),
            "{helped}"
        );
        let plain = DockerConfig::from_json("c", r#"{"auths": {}}"#).unwrap();
        assert!(plain.credentials("127.0.0.1:5000").unwrap().is_none());
        assert!(matches!(
            DockerConfig::from_json("c", "{").unwrap_err(),
            CredentialsError::Parse { .. }
        ));
    }

    #[test]
    fn a_refused_push_says_what_to_check() {
        let refused = super::refused(
            "127.0.0.1:5001/a:1",
            "unauthorized: authentication required",
            true,
        );
        assert!(
            refused.contains("refused the credentials for 127.0.0.1:5001"),
            "{refused}"
        );
        let asked = super::refused("127.0.0.1:5001/a:1", "no basic auth credentials", false);
        assert!(
            asked.contains("run `docker login 127.0.0.1:5001`"),
            "{asked}"
        );
    }
}
