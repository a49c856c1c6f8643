//! The catalogue as BuildKit's bake file (`docker-bake.json`), for sites
//! that run `docker buildx bake` on their own builders.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::{Catalogue, CatalogueError, ImageSource};

/// Renders `catalogue` as the JSON form of a bake file: a `default` group
/// with every target in build order, and one target per image with its
/// `context`, `dockerfile` (or `dockerfile-inline` for a model or text not
/// read from a file), `tags`, `args` and `target`; a catalogue parent is
/// given as a named context, `"site/base:1": "target:site-base"`, so bake
/// builds it first and uses the result. Paths are written relative to
/// `bake_dir`, the directory the file will be in, when they are under it.
///
/// ```
/// use std::path::Path;
/// use stagecraft::catalogue::{to_bake_json, Catalogue, CatalogueImage};
///
/// let mut catalogue = Catalogue::new();
/// catalogue.add(CatalogueImage::from_text("base", "FROM debian:bookworm-slim\n").tag("site/base:1"))?;
/// catalogue.add(CatalogueImage::from_text("app", "FROM site/base:1\n").tag("site/app:1"))?;
/// let bake: serde_json::Value = serde_json::from_str(&to_bake_json(&catalogue, Path::new("."))?)?;
/// assert_eq!(bake["group"]["default"]["targets"], serde_json::json!(["base", "app"]));
/// assert_eq!(bake["target"]["app"]["contexts"]["site/base:1"], "target:base");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// The errors of [`Catalogue::graph`].
pub fn to_bake_json(catalogue: &Catalogue, bake_dir: &Path) -> Result<String, CatalogueError> {
    let graph = catalogue.graph()?;
    let names = target_names(catalogue);
    let mut targets = Map::new();
    for &index in graph.order() {
        let image = &catalogue.images()[index];
        let mut target = Map::new();
        let context = image.context().map(Path::to_path_buf);
        target.insert(
            "context".into(),
            json!(context
                .as_deref()
                .map(|dir| relative(dir, bake_dir))
                .unwrap_or_else(|| ".".into())),
        );
        match image.source() {
            ImageSource::Text {
                path: Some(path), ..
            } => {
                let dockerfile = match &context {
                    Some(dir) => path
                        .strip_prefix(dir)
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|_| absolute(path).display().to_string()),
                    None => relative(path, bake_dir),
                };
                target.insert("dockerfile".into(), json!(dockerfile));
            }
            source => {
                target.insert("dockerfile-inline".into(), json!(source.text()));
            }
        }
        target.insert("tags".into(), json!(image.tags()));
        if !image.build_args().is_empty() {
            target.insert("args".into(), json!(image.build_args()));
        }
        if let Some(stage) = image.target_stage() {
            target.insert("target".into(), json!(stage));
        }
        let parents = graph.parents(index);
        if !parents.is_empty() {
            let mut contexts = BTreeMap::new();
            for &parent in parents {
                for tag in catalogue.images()[parent].tags() {
                    contexts.insert(tag.clone(), format!("target:{}", names[parent]));
                }
            }
            target.insert("contexts".into(), json!(contexts));
        }
        targets.insert(names[index].clone(), Value::Object(target));
    }
    let order: Vec<&String> = graph.order().iter().map(|&i| &names[i]).collect();
    let bake = json!({
        "group": { "default": { "targets": order } },
        "target": targets,
    });
    Ok(serde_json::to_string_pretty(&bake).expect("JSON values always serialize") + "\n")
}

/// Bake target names (`[A-Za-z0-9_-]`), unique: the catalogue names with
/// other characters as `-`, and `-2`, `-3`... on a collision.
fn target_names(catalogue: &Catalogue) -> Vec<String> {
    let mut taken = std::collections::BTreeSet::new();
    catalogue
        .images()
        .iter()
        .map(|image| {
            let base: String = image
                .name()
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            let mut name = base.clone();
            let mut n = 2;
            while !taken.insert(name.clone()) {
                name = format!("{base}-{n}");
                n += 1;
            }
            name
        })
        .collect()
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `path` relative to `base` when it is under it, else absolute.
fn relative(path: &Path, base: &Path) -> String {
    let (path, base) = (absolute(path), absolute(base));
    match path.strip_prefix(&base) {
        Ok(rest) if rest.as_os_str().is_empty() => ".".into(),
        Ok(rest) => rest.display().to_string(),
        Err(_) => path.display().to_string(),
    }
}
