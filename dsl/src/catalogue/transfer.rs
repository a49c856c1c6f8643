//! Moving an image from one daemon to another by save and load, through
//! the Engine API (`GET /images/{name}/get`, `POST /images/load`).

use futures_util::StreamExt;

use bollard::query_parameters::ImportImageOptionsBuilder;

use crate::engine::Engine;

/// Why an image could not be moved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransferError {
    /// The source daemon did not save it (stopped answering, or has no such image).
    #[error("saving {image} on {host}: {cause}")]
    Save {
        /// The image.
        image: String,
        /// The source daemon.
        host: String,
        /// The client's error.
        cause: String,
    },
    /// The destination daemon did not load it.
    #[error("loading {image} on {host}: {cause}")]
    Load {
        /// The image.
        image: String,
        /// The destination daemon.
        host: String,
        /// The client's or the daemon's error.
        cause: String,
    },
}

/// Copies `image` (a tag, kept by the load) from `from` to `to`, held in
/// memory on the way; returns the archive's size in bytes. The image's id
/// is the same on both daemons afterwards, so a catalogue child built on
/// `to` has the same fingerprint as on `from`.
///
/// ```no_run
/// # async fn demo(a: stagecraft::engine::Engine, b: stagecraft::engine::Engine) -> Result<(), stagecraft::catalogue::TransferError> {
/// let bytes = stagecraft::catalogue::transfer_image(&a, &b, "site/base:1").await?;
/// println!("moved {bytes} bytes");
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// [`TransferError::Save`] or [`TransferError::Load`], naming the daemon.
pub async fn transfer_image(from: &Engine, to: &Engine, image: &str) -> Result<u64, TransferError> {
    let mut archive = Vec::new();
    let mut export = from.docker().export_image(image);
    while let Some(chunk) = export.next().await {
        let bytes = chunk.map_err(|error| TransferError::Save {
            image: image.to_string(),
            host: from.host().to_string(),
            cause: error.to_string(),
        })?;
        archive.extend_from_slice(&bytes);
    }
    let size = archive.len() as u64;
    let mut load = to.docker().import_image(
        ImportImageOptionsBuilder::new().quiet(true).build(),
        bollard::body_full(archive.into()),
        None,
    );
    while let Some(item) = load.next().await {
        let cause = match item {
            Ok(info) => info.error_detail.and_then(|detail| detail.message),
            Err(error) => Some(error.to_string()),
        };
        if let Some(cause) = cause {
            return Err(TransferError::Load {
                image: image.to_string(),
                host: to.host().to_string(),
                cause,
            });
        }
    }
    Ok(size)
}
