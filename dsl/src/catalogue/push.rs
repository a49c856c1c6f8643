//! Tagging and pushing a built image to a registry.

use bollard::auth::DockerCredentials;
use bollard::query_parameters::{PushImageOptionsBuilder, TagImageOptionsBuilder};
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

/// Tags `image` (an id or tag) as `reference` and pushes it; returns the
/// manifest digest the registry reported (`sha256:...`).
pub(crate) async fn push(engine: &Engine, image: &str, reference: &str) -> Result<String, String> {
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
        Some(DockerCredentials::default()),
    );
    let mut digest = None;
    while let Some(item) = stream.next().await {
        let info = item.map_err(|error| format!("pushing {reference}: {error}"))?;
        if let Some(detail) = info.error_detail {
            return Err(format!(
                "pushing {reference}: {}",
                detail.message.unwrap_or_default()
            ));
        }
        if let Some(found) = info.status.as_deref().and_then(digest_in) {
            digest = Some(found);
        }
    }
    digest.ok_or_else(|| format!("pushing {reference}: the daemon reported no digest"))
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
}
