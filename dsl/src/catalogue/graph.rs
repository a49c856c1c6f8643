//! The build graph: which catalogue image is built `FROM` (or copies from)
//! which, in an order where parents come first.

use std::collections::{BTreeMap, BTreeSet};

use stagecraft_rules::dockerfile::{self, InstructionKind};

use super::{normalized, repository, Catalogue, CatalogueError, CatalogueImage};

/// The images of a [`Catalogue`] in build order, with their parents.
///
/// A parent is another catalogue image named (by one of its tags) in a
/// `FROM` or `COPY --from` of a stage the build reaches; `${ARG}`s in those
/// references are replaced with the image's build arguments or the
/// Dockerfile's global `ARG` defaults first. References to images outside
/// the catalogue (`debian:bookworm-slim`) are external bases.
///
/// ```
/// use stagecraft::catalogue::{Catalogue, CatalogueError, CatalogueImage};
///
/// let mut catalogue = Catalogue::new();
/// catalogue.add(CatalogueImage::from_text("a", "FROM site/b:1\n").tag("site/a:1"))?;
/// catalogue.add(CatalogueImage::from_text("b", "FROM site/a:1\n").tag("site/b:1"))?;
/// let error = catalogue.graph().unwrap_err();
/// assert!(matches!(&error, CatalogueError::Cycle { images } if images == &["a", "b", "a"]));
/// # Ok::<(), CatalogueError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildGraph {
    order: Vec<usize>,
    parents: Vec<Vec<usize>>,
    bases: Vec<Option<String>>,
}

impl BuildGraph {
    pub(crate) fn new(catalogue: &Catalogue) -> Result<BuildGraph, CatalogueError> {
        let mut by_tag = BTreeMap::new();
        let mut by_repository: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (index, image) in catalogue.images().iter().enumerate() {
            for tag in image.tags() {
                by_tag.insert(normalized(tag), index);
                if let Some(repo) = repository(tag) {
                    by_repository.entry(repo).or_default().push(tag.clone());
                }
            }
        }
        let mut parents = Vec::new();
        let mut bases = Vec::new();
        for image in catalogue.images() {
            let refs = references(image)?;
            let mut mine = BTreeSet::new();
            for reference in &refs.all {
                if let Some(&index) = by_tag.get(&normalized(reference)) {
                    mine.insert(index);
                } else if let Some(available) =
                    repository(reference).and_then(|repo| by_repository.get(&repo))
                {
                    return Err(CatalogueError::MissingParent {
                        image: image.name().to_string(),
                        reference: reference.clone(),
                        available: available.clone(),
                    });
                }
            }
            parents.push(mine.into_iter().collect::<Vec<_>>());
            bases.push(refs.base);
        }
        let order = topological(catalogue, &parents)?;
        Ok(BuildGraph {
            order,
            parents,
            bases,
        })
    }

    /// The indices of the catalogue's images, parents before children
    /// (otherwise in the order they were added).
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// The names in build order.
    pub fn order_names<'a>(&self, catalogue: &'a Catalogue) -> Vec<&'a str> {
        self.order
            .iter()
            .map(|&index| catalogue.images()[index].name())
            .collect()
    }

    /// The catalogue images image `index` is built from or copies from.
    pub fn parents(&self, index: usize) -> &[usize] {
        &self.parents[index]
    }

    /// The reference the built stage starts from (through earlier stages),
    /// e.g. `debian:bookworm-slim`; `None` for `scratch`.
    pub fn base(&self, index: usize) -> Option<&str> {
        self.bases[index].as_deref()
    }

    /// The catalogue images image `index` is built from, directly or not
    /// (not `index` itself).
    pub fn ancestors(&self, index: usize) -> BTreeSet<usize> {
        let mut found = BTreeSet::new();
        let mut todo = vec![index];
        while let Some(current) = todo.pop() {
            for &parent in &self.parents[current] {
                if found.insert(parent) {
                    todo.push(parent);
                }
            }
        }
        found
    }

    /// The names image `index`'s build is given from the catalogue, for
    /// the lint's `Options::contexts`: every tag of each of its parents,
    /// and for a `:latest` tag the bare repository too (`base` for
    /// `base:latest`, as Docker reads `COPY --from=base`). A `COPY --from`
    /// of such a name copies from that catalogue image (the engine's build
    /// finds it on the daemon, built before; the bake file passes it as a
    /// named context), so it is no unknown stage; any other bare name still
    /// is one.
    ///
    /// ```
    /// use stagecraft::catalogue::{Catalogue, CatalogueError, CatalogueImage};
    ///
    /// let mut catalogue = Catalogue::new();
    /// catalogue.add(CatalogueImage::from_text("base", "FROM debian:bookworm-slim\n").tag("base:latest"))?;
    /// catalogue.add(
    ///     CatalogueImage::from_text("app", "FROM scratch\nCOPY --from=base /etc/os-release /\n")
    ///         .tag("site/app:1"),
    /// )?;
    /// let graph = catalogue.graph()?;
    /// assert_eq!(graph.parents(1), [0]);
    /// assert_eq!(graph.contexts(&catalogue, 1), ["base:latest", "base"]);
    /// assert!(graph.contexts(&catalogue, 0).is_empty());
    /// # Ok::<(), CatalogueError>(())
    /// ```
    pub fn contexts(&self, catalogue: &Catalogue, index: usize) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for &parent in &self.parents[index] {
            for tag in catalogue.images()[parent].tags() {
                let bare = crate::ImageRef::parse(tag)
                    .ok()
                    .filter(|parsed| parsed.digest().is_none())
                    .filter(|parsed| parsed.tag().is_none_or(|tag| tag == "latest"))
                    .map(|parsed| parsed.name());
                for name in std::iter::once(tag.clone()).chain(bare) {
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
            }
        }
        names
    }

    /// Everything built from image `index`, directly or not (not `index` itself).
    pub fn descendants(&self, index: usize) -> BTreeSet<usize> {
        let mut found = BTreeSet::new();
        let mut todo = vec![index];
        while let Some(current) = todo.pop() {
            for (child, parents) in self.parents.iter().enumerate() {
                if parents.contains(&current) && found.insert(child) {
                    todo.push(child);
                }
            }
        }
        found
    }
}

/// What one image's Dockerfile refers to.
struct References {
    /// Every image reference of a `FROM` or `COPY --from` the build reaches.
    all: Vec<String>,
    /// The reference the built stage starts from.
    base: Option<String>,
}

fn references(image: &CatalogueImage) -> Result<References, CatalogueError> {
    let text = image.source().text();
    let parsed =
        dockerfile::Dockerfile::parse(&text).map_err(|error| CatalogueError::Dockerfile {
            image: image.name().to_string(),
            line: error.line,
            message: error.kind.to_string(),
        })?;
    let mut args: BTreeMap<String, String> = BTreeMap::new();
    for instruction in &parsed.global_args {
        if let InstructionKind::Arg(pairs) = &instruction.kind {
            for (name, default) in pairs {
                if let Some(value) = default {
                    args.insert(name.clone(), value.clone());
                }
            }
        }
    }
    for (name, value) in image.build_args() {
        args.insert(name.clone(), value.clone());
    }
    let last = image
        .target_stage()
        .and_then(|target| parsed.stage_index(target))
        .unwrap_or(parsed.stages.len().saturating_sub(1));
    let mut all = Vec::new();
    let mut starts: Vec<Option<String>> = Vec::new();
    for (index, stage) in parsed.stages.iter().enumerate().take(last + 1) {
        let from = substitute(&stage.from.image, &args);
        let earlier = parsed.stages[..index].iter().position(|s| {
            s.from
                .alias
                .as_deref()
                .is_some_and(|alias| alias.eq_ignore_ascii_case(&from))
        });
        match earlier {
            Some(stage) => starts.push(starts[stage].clone()),
            None if from.eq_ignore_ascii_case("scratch") => starts.push(None),
            None => {
                starts.push(Some(from.clone()));
                all.push(from);
            }
        }
        for instruction in &stage.instructions {
            let copy_from = match &instruction.kind {
                InstructionKind::Copy(copy) => copy.from.as_deref(),
                _ => None,
            };
            let Some(source) = copy_from.map(|source| substitute(source, &args)) else {
                continue;
            };
            let is_stage = source.parse::<usize>().is_ok()
                || parsed.stages[..index].iter().any(|s| {
                    s.from
                        .alias
                        .as_deref()
                        .is_some_and(|alias| alias.eq_ignore_ascii_case(&source))
                });
            if !is_stage {
                all.push(source);
            }
        }
    }
    Ok(References {
        all,
        base: starts.get(last).cloned().flatten(),
    })
}

/// `$NAME`, `${NAME}` and `${NAME:-default}` replaced with `args` (an
/// unknown name with nothing, as Docker does).
fn substitute(text: &str, args: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        if let Some(braced) = after.strip_prefix('{') {
            let Some(end) = braced.find('}') else {
                out.push_str(&rest[dollar..]);
                return out;
            };
            let inner = &braced[..end];
            let (name, default) = match inner.split_once(":-") {
                Some((name, default)) => (name, Some(default)),
                None => (inner, None),
            };
            match (args.get(name), default) {
                (Some(value), _) if !value.is_empty() => out.push_str(value),
                (_, Some(default)) => out.push_str(default),
                (Some(value), None) => out.push_str(value),
                (None, None) => {}
            }
            rest = &braced[end + 1..];
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if end == 0 {
                out.push('$');
            } else if let Some(value) = args.get(&after[..end]) {
                out.push_str(value);
            }
            rest = &after[end..];
        }
    }
    out.push_str(rest);
    out
}

/// Kahn's algorithm, stable on the catalogue's order; a cycle is named.
fn topological(
    catalogue: &Catalogue,
    parents: &[Vec<usize>],
) -> Result<Vec<usize>, CatalogueError> {
    let count = parents.len();
    let mut done = vec![false; count];
    let mut order = Vec::with_capacity(count);
    while order.len() < count {
        let next = (0..count).find(|&i| !done[i] && parents[i].iter().all(|&p| done[p]));
        match next {
            Some(index) => {
                done[index] = true;
                order.push(index);
            }
            None => {
                let names = cycle(parents, &done)
                    .into_iter()
                    .map(|i| catalogue.images()[i].name().to_string())
                    .collect();
                return Err(CatalogueError::Cycle { images: names });
            }
        }
    }
    Ok(order)
}

/// A cycle among the images not done: follow undone parents until one repeats.
fn cycle(parents: &[Vec<usize>], done: &[bool]) -> Vec<usize> {
    let Some(mut current) = (0..parents.len()).find(|&i| !done[i]) else {
        return Vec::new();
    };
    let mut path: Vec<usize> = Vec::new();
    loop {
        if let Some(start) = path.iter().position(|&i| i == current) {
            // The path is child -> parent; a cycle reads parent -> child,
            // from the image declared first.
            let mut cycle: Vec<usize> = path[start..].to_vec();
            cycle.reverse();
            let first = (0..cycle.len()).min_by_key(|&i| cycle[i]).unwrap_or(0);
            cycle.rotate_left(first);
            cycle.push(cycle[0]);
            return cycle;
        }
        path.push(current);
        current = match parents[current].iter().find(|&&p| !done[p]) {
            Some(&parent) => parent,
            None => return path,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue(images: &[(&str, &str, &str)]) -> Catalogue {
        let mut catalogue = Catalogue::new();
        for (name, tag, text) in images {
            catalogue
                .add(CatalogueImage::from_text(*name, *text).tag(*tag))
                .unwrap();
        }
        catalogue
    }

    #[test]
    fn parents_come_first_whatever_the_declaration_order() {
        let catalogue = catalogue(&[
            (
                "app",
                "site/app:1",
                "FROM site/tool:1\nCOPY --from=site/data /d /d\n",
            ),
            ("tool", "site/tool:1", "FROM site/base:1 AS b\nFROM b\n"),
            ("data", "site/data:latest", "FROM scratch\nCOPY x /x\n"),
            (
                "base",
                "site/base:1",
                "ARG V=bookworm\nFROM debian:${V}-slim\n",
            ),
        ]);
        let graph = catalogue.graph().unwrap();
        assert_eq!(
            graph.order_names(&catalogue),
            ["data", "base", "tool", "app"]
        );
        assert_eq!(graph.parents(0), [1, 2]);
        assert_eq!(graph.base(3), Some("debian:bookworm-slim"));
        assert_eq!(graph.base(1), Some("site/base:1"));
        assert_eq!(graph.base(2), None);
        assert_eq!(graph.descendants(3), BTreeSet::from([0, 1]));
    }

    #[test]
    fn build_args_choose_the_parent_and_stages_after_the_target_do_not_count() {
        let mut catalogue = catalogue(&[
            ("one", "site/base:1", "FROM debian:bookworm-slim\n"),
            ("two", "site/base:2", "FROM debian:bookworm-slim\n"),
        ]);
        catalogue
            .add(
                CatalogueImage::from_text(
                    "app",
                    "ARG BASE=1\nFROM site/base:${BASE} AS run\nFROM site/other:9\n",
                )
                .tag("site/app:1")
                .build_arg("BASE", "2")
                .target("run"),
            )
            .unwrap();
        let graph = catalogue.graph().unwrap();
        assert_eq!(graph.parents(2), [1]);
    }

    #[test]
    fn a_missing_tag_of_a_catalogue_repository_is_named() {
        let catalogue = catalogue(&[
            ("base", "site/base:1", "FROM debian:bookworm-slim\n"),
            ("app", "site/app:1", "FROM site/base:2\n"),
        ]);
        let error = catalogue.graph().unwrap_err();
        assert_eq!(
            error.to_string(),
            "image \"app\" is built from \"site/base:2\", a repository of this catalogue, \
             but no image has that tag (it has: site/base:1); fix the reference or add the image"
        );
    }

    #[test]
    fn a_three_image_cycle_is_named_parent_first() {
        let catalogue = catalogue(&[
            ("a", "site/a:1", "FROM site/c:1\n"),
            ("b", "site/b:1", "FROM site/a:1\n"),
            ("c", "site/c:1", "FROM site/b:1\n"),
            ("d", "site/d:1", "FROM debian:bookworm-slim\n"),
        ]);
        match catalogue.graph().unwrap_err() {
            CatalogueError::Cycle { images } => assert_eq!(images, ["a", "b", "c", "a"]),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn unparsable_text_names_the_image_and_line() {
        let catalogue = catalogue(&[("bad", "site/bad:1", "RUN echo before from\n")]);
        let error = catalogue.graph().unwrap_err();
        assert!(
            matches!(&error, CatalogueError::Dockerfile { image, line: 1, .. } if image == "bad"),
            "{error}"
        );
    }

    #[test]
    fn substitution_follows_docker() {
        let args = BTreeMap::from([("A".to_string(), "x".to_string())]);
        assert_eq!(substitute("$A-${A}-${B:-d}-${B}-$", &args), "x-x-d--$");
    }
}
