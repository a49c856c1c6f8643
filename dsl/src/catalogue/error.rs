//! The catalogue's typed errors.

use std::path::PathBuf;

/// What can be wrong with a catalogue, before or while it is built.
///
/// ```
/// use stagecraft::catalogue::CatalogueError;
///
/// let error = CatalogueError::Cycle { images: vec!["a".into(), "b".into(), "a".into()] };
/// assert_eq!(
///     error.to_string(),
///     "the catalogue's images build FROM each other in a cycle: a -> b -> a; \
///      one of them must start from an image outside the cycle"
/// );
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogueError {
    /// Two images have the same name or share a tag.
    #[error("images {first:?} and {second:?} have the same {what}; names and tags must be unique in a catalogue")]
    Duplicate {
        /// `name "x"` or `tag "y"`.
        what: String,
        /// The image added first.
        first: String,
        /// The image added second.
        second: String,
    },
    /// An image has no tag, so no other image could name it and nothing could run it.
    #[error("image {image:?} has no tag: give it one (`CatalogueImage::tag`, or `tags` in its manifest)")]
    NoTag {
        /// The image.
        image: String,
    },
    /// A server test that cannot be run as declared.
    #[error("image {image:?}: its server test (`serve`) {reason}")]
    BadServe {
        /// The image.
        image: String,
        /// What is wrong, and the fix.
        reason: String,
    },
    /// A tag is not a valid image reference with a tag.
    #[error("image {image:?} has an unusable tag {tag:?}: {reason}")]
    BadTag {
        /// The image.
        image: String,
        /// The tag.
        tag: String,
        /// What is wrong.
        reason: String,
    },
    /// A file or directory could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A `catalogue.toml` manifest is invalid.
    #[error("manifest {}: {message}", path.display())]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// What is wrong (with the TOML parser's line and column).
        message: String,
    },
    /// An image's Dockerfile text does not parse.
    #[error("image {image:?}: the Dockerfile does not parse: line {line}: {message}")]
    Dockerfile {
        /// The image.
        image: String,
        /// The line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// An image names a repository of the catalogue with a tag the catalogue does not have.
    #[error(
        "image {image:?} is built from {reference:?}, a repository of this catalogue, but no image \
         has that tag (it has: {}); fix the reference or add the image", available.join(", ")
    )]
    MissingParent {
        /// The image.
        image: String,
        /// The reference in its `FROM` or `COPY --from`.
        reference: String,
        /// The catalogue's tags of that repository.
        available: Vec<String>,
    },
    /// The images' `FROM`s form a cycle.
    #[error(
        "the catalogue's images build FROM each other in a cycle: {}; one of them must start \
         from an image outside the cycle", images.join(" -> ")
    )]
    Cycle {
        /// The images of the cycle, the first repeated at the end.
        images: Vec<String>,
    },
    /// A name asked for ([`Catalogue::only`](super::Catalogue::only)) is
    /// no image's name or tag.
    #[error(
        "no image of the catalogue is named or tagged {name:?}{}; give an image's name (the \
         report's first column, e.g. tools/jq/1.6) or one of its tags",
        if similar.is_empty() { String::new() } else { format!(" (did you mean {}?)", similar.join(", ")) }
    )]
    UnknownImage {
        /// The name asked for.
        name: String,
        /// Names of the catalogue that contain it (at most five).
        similar: Vec<String>,
    },
    /// An endpoint address is unusable.
    #[error("daemon endpoint {address:?}: {reason}")]
    Endpoint {
        /// The address.
        address: String,
        /// What is wrong.
        reason: String,
    },
    /// No daemon of the pool answered, so nothing could be built.
    #[error("no daemon of the pool answers: {}", causes.join("; "))]
    NoDaemon {
        /// Each endpoint with its error.
        causes: Vec<String>,
    },
    /// `engine::blocking::Engine::build_catalogue` (feature `engine`) could
    /// not start its runtime.
    #[error("cannot start the catalogue's runtime: {0}")]
    Runtime(#[source] std::io::Error),
}
