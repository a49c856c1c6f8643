//! Docker image references (`ubuntu:24.04`, `gcr.io/distroless/cc-debian12`,
//! `registry.example.com:443/team/app@sha256:…`), parsed and validated.
//!
//! The grammar is Docker's own (`github.com/distribution/reference`,
//! `reference.go` and `normalize.go`):
//!
//! ```text
//! reference        := name [ ":" tag ] [ "@" digest ]
//! name             := [ domain "/" ] remote-name
//! domain           := host [ ":" port ]
//! host             := domain-name | IPv4 | "[" IPv6 "]"
//! domain-name      := domain-component [ "." domain-component ]*
//! domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
//! port             := [0-9]+
//! remote-name      := path-component [ "/" path-component ]*
//! path-component   := alpha-numeric [ separator alpha-numeric ]*
//! alpha-numeric    := [a-z0-9]+
//! separator        := [_.] | "__" | [-]+
//! tag              := [\w][\w.-]{0,127}
//! digest           := ( "sha256" | "sha384" | "sha512" ) ":" lowercase hex
//! ```
//!
//! The first `/`-separated component is the registry domain only when it
//! contains a `.` or a `:`, is exactly `localhost`, or contains an uppercase
//! letter; otherwise it is part of the repository path (`nvidia/opencl` has no
//! domain). The domain and path together are at most 255 characters.
//!
//! A reference is rendered exactly as written: `ubuntu` stays `ubuntu` and is
//! never expanded to `docker.io/library/ubuntu`.
//!
//! `scratch` is not an image: Docker reserves the name for the empty base
//! image, so parsing it fails with [`ImageRefError::Scratch`].
//!
//! ```
//! use stagecraft_rules::image_ref::ImageRef;
//!
//! let image = ImageRef::parse("gcr.io/distroless/cc-debian12:nonroot")?;
//! assert_eq!(image.domain(), Some("gcr.io"));
//! assert_eq!(image.path(), "distroless/cc-debian12");
//! assert_eq!(image.tag(), Some("nonroot"));
//! assert_eq!(image.to_string(), "gcr.io/distroless/cc-debian12:nonroot");
//!
//! assert!(ImageRef::parse("ubuntu:16.04\nRUN rm -rf /").is_err());
//! # Ok::<(), stagecraft_rules::image_ref::ImageRefError>(())
//! ```

use std::fmt;
use std::net::Ipv6Addr;
use std::str::FromStr;

/// Docker's limit on the length of the name (domain and path together).
const NAME_TOTAL_LENGTH_MAX: usize = 255;

/// Docker's limit on the length of a tag.
const TAG_LENGTH_MAX: usize = 128;

/// A validated Docker image reference: `[domain/]path[:tag][@digest]`.
///
/// Build one with [`ImageRef::parse`] (or `str::parse`, `TryFrom`); every
/// value of this type is a reference Docker accepts, so rendering it into a
/// `FROM` line can never inject anything. It serializes as its string form.
///
/// ```
/// use stagecraft_rules::image_ref::ImageRef;
///
/// let image: ImageRef = "localhost:5000/team/app:1.2".parse()?;
/// assert_eq!(image.domain(), Some("localhost:5000"));
/// assert_eq!(image.path(), "team/app");
/// assert_eq!(image.tag(), Some("1.2"));
/// assert_eq!(image.digest(), None);
/// # Ok::<(), stagecraft_rules::image_ref::ImageRefError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ImageRef {
    domain: Option<String>,
    path: String,
    tag: Option<String>,
    digest: Option<String>,
}

/// Why a string is not a valid image reference.
///
/// Every message names the part that is wrong, quotes the offending value and
/// the whole reference (with control characters escaped, so a message is
/// always one line), and says what a valid value looks like.
///
/// ```
/// use stagecraft_rules::image_ref::{ImageRef, ImageRefError};
///
/// let err = ImageRef::parse("ubuntu:v1 2").unwrap_err();
/// assert!(matches!(err, ImageRefError::InvalidTag { .. }));
/// assert!(err.to_string().starts_with(
///     r#"invalid tag "v1 2" in image reference "ubuntu:v1 2": it contains a space;"#
/// ));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImageRefError {
    /// The reference is the empty string.
    #[error("image reference is empty: write an image name such as \"ubuntu:24.04\"")]
    Empty,

    /// The reference names Docker's reserved `scratch` image (`scratch`,
    /// `scratch:latest`, `docker.io/library/scratch`, …), which is not an image
    /// that can be pulled.
    #[error(
        "{reference:?} is not an image reference: \"scratch\" is Docker's reserved name for \
         the empty base image; use `stagecraft::scratch()` (the `Base::Scratch` base) instead of an image \
         reference"
    )]
    Scratch {
        /// The whole reference as given.
        reference: String,
    },

    /// There is no repository name before the `:` tag or `@` digest
    /// (`:latest`, `@sha256:…`).
    #[error(
        "image reference {reference:?} has no image name: write the repository name (such as \
         \"ubuntu\" or \"registry.example.com/team/app\") before the ':' tag or '@' digest"
    )]
    MissingName {
        /// The whole reference as given.
        reference: String,
    },

    /// The registry domain (the part before the first `/`) is malformed.
    #[error(
        "invalid registry domain {domain:?} in image reference {reference:?}: {reason}; a \
         registry is a host name of letters, digits, '-' and '.' (such as \
         \"registry.example.com\"), an IPv4 address or a bracketed IPv6 address (such as \
         \"[::1]\"), optionally followed by ':' and a numeric port"
    )]
    InvalidDomain {
        /// The whole reference as given.
        reference: String,
        /// The registry domain, including any port.
        domain: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A `/`-separated component of the repository path is malformed.
    #[error(
        "invalid repository path component {component:?} in image reference {reference:?}: \
         {reason}; each '/'-separated part of the repository path is lowercase letters and \
         digits, joined by a single '.', one or two '_', or any number of '-'"
    )]
    InvalidPathComponent {
        /// The whole reference as given.
        reference: String,
        /// The offending component (empty for a doubled, leading or trailing `/`).
        component: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A component of the repository path contains uppercase letters; Docker
    /// repository names are lowercase.
    #[error(
        "invalid repository path component {component:?} in image reference {reference:?}: \
         repository names must be lowercase; write {:?} instead",
        .component.to_ascii_lowercase()
    )]
    UppercaseInPath {
        /// The whole reference as given.
        reference: String,
        /// The offending component.
        component: String,
    },

    /// The tag (after `:`) is malformed.
    #[error(
        "invalid tag {tag:?} in image reference {reference:?}: {reason}; a tag is at most 128 \
         characters of letters, digits, '_', '.' and '-', and cannot start with '.' or '-'"
    )]
    InvalidTag {
        /// The whole reference as given.
        reference: String,
        /// The offending tag (without the `:`).
        tag: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The digest (after `@`) is malformed or uses an unsupported algorithm.
    #[error(
        "invalid digest {digest:?} in image reference {reference:?}: {reason}; a digest is \
         \"sha256:\" followed by 64 lowercase hexadecimal characters (\"sha384:\" with 96 and \
         \"sha512:\" with 128 are accepted too)"
    )]
    InvalidDigest {
        /// The whole reference as given.
        reference: String,
        /// The offending digest (without the `@`).
        digest: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The name (registry domain and repository path together) is longer
    /// than Docker's limit of 255 characters.
    #[error(
        "the image name in reference {reference:?} is {len} characters long: the registry \
         domain and repository path together may be at most 255 characters; use a shorter \
         repository name"
    )]
    NameTooLong {
        /// The whole reference as given.
        reference: String,
        /// The length of the name, in bytes (all of them ASCII).
        len: usize,
    },
}

impl ImageRef {
    /// Parses and validates an image reference, keeping it exactly as written.
    ///
    /// ```
    /// use stagecraft_rules::image_ref::{ImageRef, ImageRefError};
    ///
    /// let image = ImageRef::parse("python:3.7.4-slim-buster")?;
    /// assert_eq!(image.path(), "python");
    /// assert_eq!(image.tag(), Some("3.7.4-slim-buster"));
    ///
    /// assert!(matches!(
    ///     ImageRef::parse("Ubuntu"),
    ///     Err(ImageRefError::UppercaseInPath { .. })
    /// ));
    /// assert!(matches!(ImageRef::parse("scratch"), Err(ImageRefError::Scratch { .. })));
    /// # Ok::<(), ImageRefError>(())
    /// ```
    pub fn parse(s: &str) -> Result<ImageRef, ImageRefError> {
        if s.is_empty() {
            return Err(ImageRefError::Empty);
        }
        let reference = || s.to_owned();

        // Split into parts. The delimiters '@', ':' and '/' only count before
        // the first whitespace or control character: everything from there on
        // belongs to the part it starts in, so `ubuntu:16.04\nRUN rm -rf /` is
        // reported as a bad tag rather than as a strange registry domain.
        let (name_and_tag, digest) = match clean_prefix(s).find('@') {
            Some(at) => (&s[..at], Some(&s[at + 1..])),
            None => (s, None),
        };
        let clean = clean_prefix(name_and_tag);
        let (name, tag) = match clean.rfind(':') {
            Some(colon) if !clean[colon..].contains('/') => {
                (&name_and_tag[..colon], Some(&name_and_tag[colon + 1..]))
            }
            _ => (name_and_tag, None),
        };
        if name.is_empty() {
            return Err(ImageRefError::MissingName {
                reference: reference(),
            });
        }
        let (domain, path) = match clean_prefix(name).find('/') {
            Some(slash) if looks_like_domain(&name[..slash]) => {
                (Some(&name[..slash]), &name[slash + 1..])
            }
            _ => (None, name),
        };

        if is_scratch(domain, path) {
            return Err(ImageRefError::Scratch {
                reference: reference(),
            });
        }

        // Validate each part, left to right.
        if let Some(domain) = domain {
            check_domain(domain).map_err(|reason| ImageRefError::InvalidDomain {
                reference: reference(),
                domain: domain.to_owned(),
                reason,
            })?;
        }
        for component in split_path(path) {
            check_path_component(component).map_err(|problem| match problem {
                PathProblem::Uppercase => ImageRefError::UppercaseInPath {
                    reference: reference(),
                    component: component.to_owned(),
                },
                PathProblem::Invalid(reason) => ImageRefError::InvalidPathComponent {
                    reference: reference(),
                    component: component.to_owned(),
                    reason,
                },
            })?;
        }
        let name_len = domain.map_or(0, |d| d.len() + 1) + path.len();
        if name_len > NAME_TOTAL_LENGTH_MAX {
            return Err(ImageRefError::NameTooLong {
                reference: reference(),
                len: name_len,
            });
        }
        if let Some(tag) = tag {
            check_tag(tag).map_err(|reason| ImageRefError::InvalidTag {
                reference: reference(),
                tag: tag.to_owned(),
                reason,
            })?;
        }
        if let Some(digest) = digest {
            check_digest(digest).map_err(|reason| ImageRefError::InvalidDigest {
                reference: reference(),
                digest: digest.to_owned(),
                reason,
            })?;
        }

        Ok(ImageRef {
            domain: domain.map(str::to_owned),
            path: path.to_owned(),
            tag: tag.map(str::to_owned),
            digest: digest.map(str::to_owned),
        })
    }

    /// The registry domain, including any port, if the reference names one.
    ///
    /// ```
    /// use stagecraft_rules::image_ref::ImageRef;
    ///
    /// assert_eq!(ImageRef::parse("localhost:5000/app")?.domain(), Some("localhost:5000"));
    /// assert_eq!(ImageRef::parse("nvidia/opencl")?.domain(), None);
    /// # Ok::<(), stagecraft_rules::image_ref::ImageRefError>(())
    /// ```
    pub fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }

    /// The repository path, without domain, tag or digest.
    ///
    /// ```
    /// use stagecraft_rules::image_ref::ImageRef;
    ///
    /// assert_eq!(ImageRef::parse("gcr.io/distroless/cc-debian12")?.path(), "distroless/cc-debian12");
    /// assert_eq!(ImageRef::parse("ubuntu:24.04")?.path(), "ubuntu");
    /// # Ok::<(), stagecraft_rules::image_ref::ImageRefError>(())
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The tag (without the `:`), if any.
    ///
    /// ```
    /// use stagecraft_rules::image_ref::ImageRef;
    ///
    /// assert_eq!(ImageRef::parse("debian:bookworm-slim")?.tag(), Some("bookworm-slim"));
    /// assert_eq!(ImageRef::parse("debian")?.tag(), None);
    /// # Ok::<(), stagecraft_rules::image_ref::ImageRefError>(())
    /// ```
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest (without the `@`, e.g. `sha256:…`), if any.
    ///
    /// ```
    /// use stagecraft_rules::image_ref::ImageRef;
    ///
    /// let digest = format!("sha256:{}", "ab".repeat(32));
    /// let image = ImageRef::parse(&format!("ubuntu@{digest}"))?;
    /// assert_eq!(image.digest(), Some(digest.as_str()));
    /// # Ok::<(), stagecraft_rules::image_ref::ImageRefError>(())
    /// ```
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    /// The name without tag or digest: `[domain/]path`.
    ///
    /// ```
    /// use stagecraft_rules::image_ref::ImageRef;
    ///
    /// assert_eq!(ImageRef::parse("ubuntu:24.04")?.name(), "ubuntu");
    /// assert_eq!(
    ///     ImageRef::parse("gcr.io/distroless/cc-debian12:nonroot")?.name(),
    ///     "gcr.io/distroless/cc-debian12"
    /// );
    /// # Ok::<(), stagecraft_rules::image_ref::ImageRefError>(())
    /// ```
    pub fn name(&self) -> String {
        match &self.domain {
            Some(domain) => format!("{domain}/{}", self.path),
            None => self.path.clone(),
        }
    }

    /// Replaces the tag (keeping any digest), validating the new one.
    ///
    /// ```
    /// use stagecraft_rules::image_ref::ImageRef;
    ///
    /// let image = ImageRef::parse("ubuntu")?.with_tag("24.04")?;
    /// assert_eq!(image.to_string(), "ubuntu:24.04");
    /// assert!(image.with_tag("-bad").is_err());
    /// # Ok::<(), stagecraft_rules::image_ref::ImageRefError>(())
    /// ```
    pub fn with_tag(self, tag: &str) -> Result<ImageRef, ImageRefError> {
        let candidate = ImageRef {
            tag: Some(tag.to_owned()),
            ..self
        };
        match check_tag(tag) {
            Ok(()) => Ok(candidate),
            Err(reason) => Err(ImageRefError::InvalidTag {
                reference: candidate.to_string(),
                tag: tag.to_owned(),
                reason,
            }),
        }
    }

    /// Replaces the digest (keeping any tag), validating the new one.
    ///
    /// ```
    /// use stagecraft_rules::image_ref::ImageRef;
    ///
    /// let digest = format!("sha256:{}", "0".repeat(64));
    /// let image = ImageRef::parse("ubuntu:24.04")?.with_digest(&digest)?;
    /// assert_eq!(image.to_string(), format!("ubuntu:24.04@{digest}"));
    /// assert!(image.with_digest("md5:abc").is_err());
    /// # Ok::<(), stagecraft_rules::image_ref::ImageRefError>(())
    /// ```
    pub fn with_digest(self, digest: &str) -> Result<ImageRef, ImageRefError> {
        let candidate = ImageRef {
            digest: Some(digest.to_owned()),
            ..self
        };
        match check_digest(digest) {
            Ok(()) => Ok(candidate),
            Err(reason) => Err(ImageRefError::InvalidDigest {
                reference: candidate.to_string(),
                digest: digest.to_owned(),
                reason,
            }),
        }
    }
}

/// Renders the reference as written: `[domain/]path[:tag][@digest]`, with no
/// normalisation to `docker.io/library/…`.
///
/// ```
/// use stagecraft_rules::image_ref::ImageRef;
///
/// assert_eq!(ImageRef::parse("ubuntu:16.04")?.to_string(), "ubuntu:16.04");
/// # Ok::<(), stagecraft_rules::image_ref::ImageRefError>(())
/// ```
impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(domain) = &self.domain {
            write!(f, "{domain}/")?;
        }
        f.write_str(&self.path)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// Same as [`ImageRef::parse`].
///
/// ```
/// use stagecraft_rules::image_ref::ImageRef;
///
/// let image: ImageRef = "debian:bookworm-slim".parse()?;
/// assert_eq!(image.tag(), Some("bookworm-slim"));
/// # Ok::<(), stagecraft_rules::image_ref::ImageRefError>(())
/// ```
impl FromStr for ImageRef {
    type Err = ImageRefError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ImageRef::parse(s)
    }
}

/// Same as [`ImageRef::parse`]; used to deserialize an `ImageRef` from a string.
///
/// ```
/// use stagecraft_rules::image_ref::ImageRef;
///
/// assert!(ImageRef::try_from(String::from("ubuntu")).is_ok());
/// ```
impl TryFrom<String> for ImageRef {
    type Error = ImageRefError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        ImageRef::parse(&s)
    }
}

/// Same as [`ImageRef::parse`].
///
/// ```
/// use stagecraft_rules::image_ref::ImageRef;
///
/// assert!(ImageRef::try_from("ubuntu:").is_err());
/// ```
impl TryFrom<&str> for ImageRef {
    type Error = ImageRefError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        ImageRef::parse(s)
    }
}

/// The reference as written (its `Display` form); used to serialize it.
///
/// ```
/// use stagecraft_rules::image_ref::ImageRef;
///
/// let s: String = ImageRef::parse("ubuntu:16.04")?.into();
/// assert_eq!(s, "ubuntu:16.04");
/// # Ok::<(), stagecraft_rules::image_ref::ImageRefError>(())
/// ```
impl From<ImageRef> for String {
    fn from(image: ImageRef) -> String {
        image.to_string()
    }
}

/// Whitespace and control characters are never valid in a reference; the
/// splitting delimiters are not recognised after the first of them.
fn is_forbidden_anywhere(c: char) -> bool {
    c.is_whitespace() || c.is_control()
}

/// The part of `s` before its first whitespace or control character.
fn clean_prefix(s: &str) -> &str {
    match s.find(is_forbidden_anywhere) {
        Some(end) => &s[..end],
        None => s,
    }
}

/// Docker's rule (`splitDockerDomain`) for whether the first `/`-separated
/// component is a registry domain rather than part of the path. A leading
/// `[` (never valid in a path) also counts, so that a malformed bracketed IPv6
/// address is reported as a bad domain.
fn looks_like_domain(component: &str) -> bool {
    component.contains(['.', ':'])
        || component == "localhost"
        || component.starts_with('[')
        || component.chars().any(char::is_uppercase)
}

/// `scratch` in any of the spellings Docker treats as its reserved name.
fn is_scratch(domain: Option<&str>, path: &str) -> bool {
    let on_docker_hub = domain.is_none_or(|d| {
        d.eq_ignore_ascii_case("docker.io") || d.eq_ignore_ascii_case("index.docker.io")
    });
    on_docker_hub
        && (path.eq_ignore_ascii_case("scratch") || path.eq_ignore_ascii_case("library/scratch"))
}

/// Splits the path on the `/` found before its first whitespace or control
/// character (the rest stays in the last component, to be reported whole).
fn split_path(path: &str) -> Vec<&str> {
    let clean_len = clean_prefix(path).len();
    let mut components = Vec::new();
    let mut start = 0;
    for (i, byte) in path.bytes().enumerate().take(clean_len) {
        if byte == b'/' {
            components.push(&path[start..i]);
            start = i + 1;
        }
    }
    components.push(&path[start..]);
    components
}

/// Names a character for an error message: "a space", "a newline", "'%'".
fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".to_owned(),
        '\n' => "a newline".to_owned(),
        '\r' => "a carriage return".to_owned(),
        '\t' => "a tab".to_owned(),
        '\0' => "a NUL character".to_owned(),
        c if c.is_whitespace() => format!("the whitespace character U+{:04X}", u32::from(c)),
        c if c.is_control() => format!("the control character U+{:04X}", u32::from(c)),
        c => format!("{c:?}"),
    }
}

fn contains(c: char) -> String {
    format!("it contains {}", describe_char(c))
}

/// Validates `host [":" port]`.
fn check_domain(domain: &str) -> Result<(), String> {
    let port = if let Some(bracketed) = domain.strip_prefix('[') {
        let Some((address, after)) = bracketed.split_once(']') else {
            return Err("the IPv6 address has no closing ']'".to_owned());
        };
        check_ipv6(address)?;
        if after.is_empty() {
            None
        } else if let Some(port) = after.strip_prefix(':') {
            Some(port)
        } else {
            return Err(format!(
                "{after:?} follows the IPv6 address, where only ':' and a port may"
            ));
        }
    } else {
        let (host, port) = match domain.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (domain, None),
        };
        check_host_name(host)?;
        port
    };
    match port {
        None => Ok(()),
        Some("") => Err("the port after ':' is empty".to_owned()),
        Some(port) if port.bytes().all(|b| b.is_ascii_digit()) => Ok(()),
        Some(port) => Err(format!("the port {port:?} is not a number")),
    }
}

/// Validates a domain name (which also covers IPv4 addresses).
fn check_host_name(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("the host name is empty".to_owned());
    }
    if let Some(c) = host
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
    {
        return Err(contains(c));
    }
    for label in host.split('.') {
        if label.is_empty() {
            return Err(
                "it has an empty label (look for a leading, trailing or doubled '.')".to_owned(),
            );
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!(
                "the label {label:?} starts or ends with '-', which only letters and digits may"
            ));
        }
    }
    Ok(())
}

/// Validates the address between `[` and `]`.
fn check_ipv6(address: &str) -> Result<(), String> {
    if let Some(c) = address
        .chars()
        .find(|&c| !(c.is_ascii_hexdigit() || c == ':'))
    {
        return Err(format!("the IPv6 address contains {}", describe_char(c)));
    }
    match address.parse::<Ipv6Addr>() {
        Ok(_) => Ok(()),
        Err(_) => Err(format!("{address:?} is not a valid IPv6 address")),
    }
}

/// What is wrong with a path component.
enum PathProblem {
    /// Otherwise valid characters, but some are uppercase.
    Uppercase,
    /// Anything else, with the reason.
    Invalid(String),
}

fn is_path_separator(c: char) -> bool {
    matches!(c, '.' | '_' | '-')
}

/// Validates `alpha-numeric [separator alpha-numeric]*`.
fn check_path_component(component: &str) -> Result<(), PathProblem> {
    if component.is_empty() {
        return Err(PathProblem::Invalid(
            "it is empty (look for a leading, trailing or doubled '/')".to_owned(),
        ));
    }
    if let Some(c) = component.chars().find(|&c| {
        !(c.is_ascii_lowercase()
            || c.is_ascii_uppercase()
            || c.is_ascii_digit()
            || is_path_separator(c))
    }) {
        return Err(PathProblem::Invalid(contains(c)));
    }
    if component.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(PathProblem::Uppercase);
    }
    // Only ASCII is left, so byte indexing below is on character boundaries.
    let first = char::from(component.as_bytes()[0]);
    let last = char::from(component.as_bytes()[component.len() - 1]);
    if is_path_separator(first) {
        return Err(PathProblem::Invalid(format!(
            "it starts with {first:?}, but must start with a lowercase letter or digit"
        )));
    }
    if is_path_separator(last) {
        return Err(PathProblem::Invalid(format!(
            "it ends with {last:?}, but must end with a lowercase letter or digit"
        )));
    }
    for separator in component
        .split(|c: char| c.is_ascii_alphanumeric())
        .filter(|s| !s.is_empty())
    {
        let valid = matches!(separator, "." | "_" | "__") || separator.bytes().all(|b| b == b'-');
        if !valid {
            return Err(PathProblem::Invalid(format!(
                "it contains the separator {separator:?}, which is not allowed"
            )));
        }
    }
    Ok(())
}

/// Validates `[\w][\w.-]{0,127}`.
fn check_tag(tag: &str) -> Result<(), String> {
    if tag.is_empty() {
        return Err(
            "it is empty (remove the trailing ':' or write a tag such as \"latest\")".to_owned(),
        );
    }
    if let Some(c) = tag
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(contains(c));
    }
    if let Some(first @ ('.' | '-')) = tag.chars().next() {
        return Err(format!("it starts with {first:?}"));
    }
    if tag.len() > TAG_LENGTH_MAX {
        return Err(format!("it is {} characters long", tag.len()));
    }
    Ok(())
}

/// Validates `algorithm ":" hex` for the supported algorithms.
fn check_digest(digest: &str) -> Result<(), String> {
    if digest.is_empty() {
        return Err("it is empty (remove the trailing '@' or write a digest)".to_owned());
    }
    if let Some(c) = digest.chars().find(|&c| is_forbidden_anywhere(c)) {
        return Err(contains(c));
    }
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return Err("it has no algorithm prefix such as \"sha256:\"".to_owned());
    };
    let expected_len = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        "" => return Err("the algorithm before ':' is missing".to_owned()),
        other => return Err(format!("the algorithm {other:?} is not supported")),
    };
    if let Some(c) = hex.chars().find(|c| !matches!(c, '0'..='9' | 'a'..='f')) {
        return Err(if c.is_ascii_hexdigit() {
            format!("it contains the uppercase hex digit {c:?}; write hex digits in lowercase")
        } else {
            format!("{}, which is not a hexadecimal digit", contains(c))
        });
    }
    if hex.len() != expected_len {
        return Err(format!(
            "a {algorithm} digest has {expected_len} hex characters after \"{algorithm}:\", but \
             this one has {}",
            hex.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha256() -> String {
        format!("sha256:{}", "0123456789abcdef".repeat(4))
    }

    /// Parses `s`, asserting it succeeds with the given parts and renders back unchanged.
    fn ok(s: &str, domain: Option<&str>, path: &str, tag: Option<&str>, digest: Option<&str>) {
        let image = ImageRef::parse(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}"));
        assert_eq!(image.domain(), domain, "domain of {s:?}");
        assert_eq!(image.path(), path, "path of {s:?}");
        assert_eq!(image.tag(), tag, "tag of {s:?}");
        assert_eq!(image.digest(), digest, "digest of {s:?}");
        assert_eq!(image.to_string(), s);
    }

    fn err(s: &str) -> ImageRefError {
        let e = ImageRef::parse(s).expect_err(s);
        let message = e.to_string();
        assert!(
            !message.contains('\n'),
            "message for {s:?} is not one line: {message}"
        );
        if !matches!(e, ImageRefError::Empty) {
            assert!(
                message.contains(&format!("{s:?}")),
                "message for {s:?} should quote the whole reference: {message}"
            );
        }
        e
    }

    fn tag_err(s: &str, expected_tag: &str) -> String {
        match err(s) {
            ImageRefError::InvalidTag {
                reference,
                tag,
                reason,
            } => {
                assert_eq!(reference, s);
                assert_eq!(tag, expected_tag);
                reason
            }
            other => panic!("{s:?}: expected InvalidTag, got {other:?}"),
        }
    }

    fn component_err(s: &str, expected_component: &str) -> String {
        match err(s) {
            ImageRefError::InvalidPathComponent {
                reference,
                component,
                reason,
            } => {
                assert_eq!(reference, s);
                assert_eq!(component, expected_component);
                reason
            }
            other => panic!("{s:?}: expected InvalidPathComponent, got {other:?}"),
        }
    }

    fn domain_err(s: &str, expected_domain: &str) -> String {
        match err(s) {
            ImageRefError::InvalidDomain {
                reference,
                domain,
                reason,
            } => {
                assert_eq!(reference, s);
                assert_eq!(domain, expected_domain);
                reason
            }
            other => panic!("{s:?}: expected InvalidDomain, got {other:?}"),
        }
    }

    fn digest_err(s: &str, expected_digest: &str) -> String {
        match err(s) {
            ImageRefError::InvalidDigest {
                reference,
                digest,
                reason,
            } => {
                assert_eq!(reference, s);
                assert_eq!(digest, expected_digest);
                reason
            }
            other => panic!("{s:?}: expected InvalidDigest, got {other:?}"),
        }
    }

    #[test]
    fn parses_valid_references() {
        ok("ubuntu", None, "ubuntu", None, None);
        ok("ubuntu:16.04", None, "ubuntu", Some("16.04"), None);
        ok(
            "debian:bookworm-slim",
            None,
            "debian",
            Some("bookworm-slim"),
            None,
        );
        ok(
            "nvidia/opencl:devel-ubuntu18.04",
            None,
            "nvidia/opencl",
            Some("devel-ubuntu18.04"),
            None,
        );
        ok(
            "gcr.io/distroless/cc-debian12",
            Some("gcr.io"),
            "distroless/cc-debian12",
            None,
            None,
        );
        ok(
            "localhost:5000/a/b:1",
            Some("localhost:5000"),
            "a/b",
            Some("1"),
            None,
        );
        let d = sha256();
        ok(
            &format!("registry.example.com:443/team/app@{d}"),
            Some("registry.example.com:443"),
            "team/app",
            None,
            Some(&d),
        );
        ok(
            "python:3.7.4-slim-buster",
            None,
            "python",
            Some("3.7.4-slim-buster"),
            None,
        );
        ok("[::1]:5000/img", Some("[::1]:5000"), "img", None, None);
        ok("a__b", None, "a__b", None, None);
        ok("a--b", None, "a--b", None, None);
    }

    #[test]
    fn parses_edge_cases_like_docker() {
        let d = sha256();
        ok(
            &format!("ubuntu:24.04@{d}"),
            None,
            "ubuntu",
            Some("24.04"),
            Some(&d),
        );
        ok("localhost/app", Some("localhost"), "app", None, None);
        // No '/': "localhost:5000" is the image "localhost" with tag "5000".
        ok("localhost:5000", None, "localhost", Some("5000"), None);
        // An uppercase first component is a domain (and valid as one).
        ok("Registry/app", Some("Registry"), "app", None, None);
        ok(
            "10.0.0.1:5000/app",
            Some("10.0.0.1:5000"),
            "app",
            None,
            None,
        );
        ok(
            "[2001:db8::1]/app",
            Some("[2001:db8::1]"),
            "app",
            None,
            None,
        );
        ok("a_b__c-d---e/f.g", None, "a_b__c-d---e/f.g", None, None);
        ok("ubuntu:_private", None, "ubuntu", Some("_private"), None);
        ok("ubuntu:LATEST", None, "ubuntu", Some("LATEST"), None);
        let long_tag = "t".repeat(128);
        ok(
            &format!("ubuntu:{long_tag}"),
            None,
            "ubuntu",
            Some(&long_tag),
            None,
        );
        let long_name = format!("{}/{}", "a".repeat(127), "b".repeat(127));
        assert_eq!(long_name.len(), 255);
        ok(&long_name, None, &long_name, None, None);
        let sha512 = format!("sha512:{}", "f".repeat(128));
        ok(
            &format!("ubuntu@{sha512}"),
            None,
            "ubuntu",
            None,
            Some(&sha512),
        );
        let sha384 = format!("sha384:{}", "e".repeat(96));
        ok(
            &format!("ubuntu@{sha384}"),
            None,
            "ubuntu",
            None,
            Some(&sha384),
        );
    }

    #[test]
    fn name_is_domain_and_path() {
        assert_eq!(ImageRef::parse("ubuntu:16.04").unwrap().name(), "ubuntu");
        assert_eq!(
            ImageRef::parse("gcr.io/distroless/cc-debian12:nonroot")
                .unwrap()
                .name(),
            "gcr.io/distroless/cc-debian12"
        );
    }

    #[test]
    fn uppercase_repository_is_rejected() {
        let e = err("Ubuntu");
        assert_eq!(
            e,
            ImageRefError::UppercaseInPath {
                reference: "Ubuntu".into(),
                component: "Ubuntu".into(),
            }
        );
        assert!(e.to_string().contains("write \"ubuntu\" instead"), "{e}");
        assert!(matches!(
            err("gcr.io/Team/app"),
            ImageRefError::UppercaseInPath { component, .. } if component == "Team"
        ));
    }

    #[test]
    fn bad_tags_are_rejected() {
        assert!(tag_err("ubuntu:", "").contains("empty"));
        assert!(tag_err("ubuntu:-x", "-x").contains("starts with '-'"));
        assert!(tag_err("ubuntu:.x", ".x").contains("starts with '.'"));
        assert!(tag_err(&format!("ubuntu:{}", "t".repeat(129)), &"t".repeat(129)).contains("129"));
        assert!(tag_err("ubuntu:a+b", "a+b").contains("'+'"));
        let e = err("ubuntu:v1 2");
        assert_eq!(
            e.to_string(),
            "invalid tag \"v1 2\" in image reference \"ubuntu:v1 2\": it contains a space; a tag \
             is at most 128 characters of letters, digits, '_', '.' and '-', and cannot start \
             with '.' or '-'"
        );
    }

    #[test]
    fn injected_dockerfile_line_is_a_bad_tag() {
        let s = "ubuntu:16.04\nRUN rm -rf /";
        let reason = tag_err(s, "16.04\nRUN rm -rf /");
        assert!(reason.contains("a newline"), "{reason}");
        let message = err(s).to_string();
        assert!(message.contains(r#""16.04\nRUN rm -rf /""#), "{message}");
    }

    #[test]
    fn missing_name_is_rejected() {
        assert_eq!(
            err(":tag"),
            ImageRefError::MissingName {
                reference: ":tag".into()
            }
        );
        assert!(matches!(
            err(&format!("@{}", sha256())),
            ImageRefError::MissingName { .. }
        ));
        assert_eq!(err(""), ImageRefError::Empty);
    }

    #[test]
    fn bad_path_components_are_rejected() {
        assert!(component_err("a//b", "").contains("empty"));
        assert!(component_err("/a", "").contains("empty"));
        assert!(component_err("a/", "").contains("empty"));
        assert!(component_err("gcr.io/", "").contains("empty"));
        assert!(component_err("-a", "-a").contains("starts with '-'"));
        assert!(component_err("a-", "a-").contains("ends with '-'"));
        assert!(component_err("a_ _b", "a_ _b").contains("a space"));
        assert!(component_err("a._b", "a._b").contains("\"._\""));
        assert!(component_err("a___b", "a___b").contains("\"___\""));
        assert!(component_err("a..b", "a..b").contains("\"..\""));
        assert!(component_err("ubu\0ntu", "ubu\0ntu").contains("NUL"));
        assert!(component_err(" ubuntu", " ubuntu").contains("a space"));
        assert!(component_err("ubuntu ", "ubuntu ").contains("a space"));
        assert!(component_err("ubuntü", "ubuntü").contains("'ü'"));
        assert!(component_err("nvidia/open cl/x:1", "open cl/x:1").contains("a space"));
    }

    #[test]
    fn bad_domains_are_rejected() {
        assert!(domain_err("gcr..io/x", "gcr..io").contains("empty label"));
        assert!(domain_err("-gcr.io/x", "-gcr.io").contains("\"-gcr\""));
        assert!(domain_err("gcr_io.com/x", "gcr_io.com").contains("'_'"));
        assert!(domain_err("localhost:abc/x", "localhost:abc").contains("\"abc\""));
        assert!(domain_err("localhost:/x", "localhost:").contains("port"));
        assert!(domain_err("a:1:2/x", "a:1:2").contains("\"1:2\""));
        assert!(domain_err("[::1/x", "[::1").contains("']'"));
        assert!(domain_err("[zz]/x", "[zz]").contains("'z'"));
        assert!(domain_err("[1:2:3]/x", "[1:2:3]").contains("not a valid IPv6"));
        assert!(domain_err("[::1]x/y", "[::1]x").contains("\"x\""));
        assert!(domain_err(":5000/x", ":5000").contains("host name is empty"));
    }

    #[test]
    fn bad_digests_are_rejected() {
        assert!(digest_err("ubuntu@sha256:abc", "sha256:abc").contains("this one has 3"));
        let md5 = format!("md5:{}", "0".repeat(32));
        assert!(digest_err(&format!("ubuntu@{md5}"), &md5).contains("\"md5\" is not supported"));
        assert!(digest_err("ubuntu@", "").contains("empty"));
        assert!(digest_err("ubuntu@abc", "abc").contains("no algorithm"));
        assert!(digest_err("ubuntu@:abc", ":abc").contains("missing"));
        let upper = format!("sha256:{}", "A".repeat(64));
        assert!(digest_err(&format!("ubuntu@{upper}"), &upper).contains("lowercase"));
        let two = format!("{}@x", sha256());
        assert!(digest_err(&format!("ubuntu@{two}"), &two).contains("'@'"));
        let nl = format!("{}\n", sha256());
        assert!(digest_err(&format!("ubuntu@{nl}"), &nl).contains("a newline"));
    }

    #[test]
    fn scratch_is_not_an_image() {
        for s in [
            "scratch",
            "SCRATCH",
            "scratch:latest",
            "library/scratch",
            "docker.io/library/scratch",
            "index.docker.io/library/scratch:1",
        ] {
            assert_eq!(
                err(s),
                ImageRefError::Scratch {
                    reference: s.into()
                },
                "{s}"
            );
        }
        assert!(err("scratch").to_string().contains("stagecraft::scratch()"));
        // Other registries may host an image called scratch.
        assert!(ImageRef::parse("example.com/scratch").is_ok());
        assert!(ImageRef::parse("team/scratch").is_ok());
    }

    #[test]
    fn name_longer_than_255_is_rejected() {
        let name = format!("{}/{}", "a".repeat(128), "b".repeat(127));
        assert_eq!(name.len(), 256);
        assert_eq!(
            err(&name),
            ImageRefError::NameTooLong {
                reference: name.clone(),
                len: 256
            }
        );
        let with_domain = format!("registry.example.com/{}", "c".repeat(236));
        assert!(matches!(
            err(&format!("{with_domain}:1")),
            ImageRefError::NameTooLong { len: 257, .. }
        ));
    }

    #[test]
    fn with_tag_and_digest() {
        let d = sha256();
        let image = ImageRef::parse("gcr.io/distroless/cc-debian12")
            .unwrap()
            .with_tag("nonroot")
            .unwrap()
            .with_digest(&d)
            .unwrap();
        assert_eq!(
            image.to_string(),
            format!("gcr.io/distroless/cc-debian12:nonroot@{d}")
        );
        let image = image.with_tag("latest").unwrap();
        assert_eq!(image.tag(), Some("latest"));
        assert_eq!(image.digest(), Some(d.as_str()));
        assert_eq!(ImageRef::parse(&image.to_string()).unwrap(), image);

        let e = ImageRef::parse("ubuntu")
            .unwrap()
            .with_tag("1\nRUN x")
            .unwrap_err();
        assert!(matches!(
            &e,
            ImageRefError::InvalidTag { reference, tag, .. }
                if reference == "ubuntu:1\nRUN x" && tag == "1\nRUN x"
        ));
        let e = ImageRef::parse("ubuntu")
            .unwrap()
            .with_digest("sha256:abc")
            .unwrap_err();
        assert!(matches!(e, ImageRefError::InvalidDigest { .. }));
    }

    #[test]
    fn conversions_agree_with_parse() {
        let s = "nvidia/opencl:devel-ubuntu18.04";
        let parsed = ImageRef::parse(s).unwrap();
        assert_eq!(s.parse::<ImageRef>().unwrap(), parsed);
        assert_eq!(ImageRef::try_from(s).unwrap(), parsed);
        assert_eq!(ImageRef::try_from(s.to_owned()).unwrap(), parsed);
        assert_eq!(String::from(parsed), s);
        assert!(ImageRef::try_from("a//b").is_err());
    }

    #[test]
    fn serde_uses_the_string_form() {
        let image = ImageRef::parse("ubuntu:16.04").unwrap();
        let json = serde_json::to_string(&image).unwrap();
        assert_eq!(json, "\"ubuntu:16.04\"");
        assert_eq!(serde_json::from_str::<ImageRef>(&json).unwrap(), image);

        let images: Vec<ImageRef> =
            serde_json::from_str(r#"["ubuntu", "gcr.io/distroless/cc-debian12"]"#).unwrap();
        assert_eq!(images[1].domain(), Some("gcr.io"));
    }

    #[test]
    fn deserializing_an_invalid_reference_fails_with_the_message() {
        let e = serde_json::from_str::<ImageRef>(r#""ubuntu:-x""#).unwrap_err();
        let expected = ImageRef::parse("ubuntu:-x").unwrap_err().to_string();
        assert!(e.to_string().contains(&expected), "{e}");
        assert!(e.to_string().contains(r#"invalid tag "-x""#), "{e}");

        let e = serde_json::from_str::<ImageRef>(r#""scratch""#).unwrap_err();
        assert!(e.to_string().contains("stagecraft::scratch()"), "{e}");
        assert!(serde_json::from_str::<ImageRef>("42").is_err());
    }

    /// Parsing never panics; a success renders back to exactly the input and
    /// parses to the same value; a failure has a one-line message.
    fn check_consistent(s: &str) {
        match ImageRef::parse(s) {
            Ok(image) => {
                let rendered = image.to_string();
                assert_eq!(rendered, s, "rendering of {s:?}");
                assert_eq!(ImageRef::parse(&rendered), Ok(image.clone()), "{s:?}");
                assert_eq!(
                    ImageRef::parse(&image.name()).map(|i| i.name()),
                    Ok(image.name())
                );
            }
            Err(e) => {
                let message = e.to_string();
                assert!(!message.is_empty());
                assert!(!message.contains('\n'), "{s:?}: {message}");
            }
        }
    }

    #[test]
    fn every_byte_in_every_position_is_handled() {
        let d = sha256();
        for byte in 0..=255u8 {
            let c = char::from(byte);
            for s in [
                format!("{c}"),
                format!("{c}{c}"),
                format!("ubuntu{c}"),
                format!("{c}ubuntu"),
                format!("ub{c}untu"),
                format!("ubuntu:1{c}"),
                format!("ubuntu:{c}1"),
                format!("a{c}b"),
                format!("a{c}{c}b"),
                format!("{c}/{c}"),
                format!("gcr.io/{c}x"),
                format!("gcr{c}io/x"),
                format!("localhost:5{c}/x"),
                format!("[::1{c}]/x"),
                format!("ubuntu@{c}"),
                format!("ubuntu@sha256{c}{}", &d[7..]),
                format!("ubuntu@{d}{c}"),
            ] {
                check_consistent(&s);
                if !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':' | '/' | '@')) {
                    assert!(ImageRef::parse(&s).is_err(), "{s:?} should be rejected");
                }
            }
        }
    }

    #[test]
    fn long_and_unicode_inputs_are_handled() {
        for s in [
            "a".repeat(10_000),
            "a/".repeat(2_000),
            "/".repeat(1_000),
            ":".repeat(1_000),
            "@".repeat(1_000),
            "[".repeat(1_000),
            format!("ubuntu:{}", "1".repeat(10_000)),
            format!("ubuntu@sha256:{}", "0".repeat(10_000)),
            "ünïcödé".to_owned(),
            "镜像:标签".to_owned(),
            "ubuntu:🐳".to_owned(),
            "🐳/ubuntu".to_owned(),
            "ubuntu\u{200b}".to_owned(),
            "ubuntu\u{2028}RUN x".to_owned(),
            "ubuntu:1\u{85}RUN x".to_owned(),
            "e\u{301}/x".to_owned(),
            "ÉCOLE/x".to_owned(),
            "ubuntu\r\n".to_owned(),
            "ubuntu:1 @sha256:x".to_owned(),
            "\u{feff}ubuntu".to_owned(),
        ] {
            check_consistent(&s);
        }
    }

    #[test]
    fn generated_inputs_are_handled() {
        // A tiny deterministic generator over the characters that matter.
        let alphabet: Vec<char> = "ab0Z.-_:/@[] \n\0é".chars().collect();
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 12) as usize;
            let s: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            check_consistent(&s);
        }
    }
}
