//! The structural check of a Dockerfile, over a borrowed view that both the
//! parsed text and the `stagecraft` crate's typed model provide.
//!
//! Structure is what no single value decides: stage names (their grammar,
//! `scratch`, repeats, a clash with an image name), what a `FROM` or a
//! `COPY --from` refers to, a relative destination before any `WORKDIR`,
//! and what needs a shell in a stage that has none. The model's validation
//! (`stagecraft`'s `model/validate.rs`) and [`model_problems`] once walked
//! this twice, each with its own copy of the alias grammar; both now build a
//! [`StructureView`] and map the [`StructureProblem`]s of
//! [`check_structure`] to their own error types and messages. They keep the
//! value checks (names, paths, characters) that need their own types.
//!
//! The checks are one list, [`CHECKS`], each with why it exists, in the
//! shape of serde_derive's `internals/check.rs`.
//!
//! ```
//! use stagecraft_rules::dockerfile::structure::{
//!     check_structure, BaseView, ImageView, Item, ItemView, ProblemKind, StageView,
//!     StructureView,
//! };
//!
//! // FROM debian AS build / COPY --from=build /a /a
//! let debian = ImageView::new(true, ["debian", "library/debian"], "debian");
//! let view = StructureView {
//!     global_args: Vec::new(),
//!     stages: vec![StageView {
//!         alias: Some("build"),
//!         base: BaseView::StageOr("debian", debian),
//!         items: vec![ItemView { position: 0, item: Item::CopyFrom("build") }],
//!     }],
//! };
//! let problems = check_structure(&view);
//! assert_eq!(problems.len(), 1);
//! assert_eq!(problems[0].position, Some(0));
//! assert!(matches!(problems[0].kind, ProblemKind::CopyFromOwnStage { .. }));
//! ```
//!
//! [`model_problems`]: super::model_support::model_problems

use std::collections::HashMap;

use crate::dockerfile::stage_graph::StageGraph;

/// The structure of a Dockerfile: its stages, in `FROM` order.
#[derive(Debug, Clone, Default)]
pub struct StructureView<'a> {
    /// The names of the `ARG`s declared before the first `FROM`.
    pub global_args: Vec<&'a str>,
    /// The stages.
    pub stages: Vec<StageView<'a>>,
}

/// One stage: its name, its base and what in it depends on other stages.
#[derive(Debug, Clone)]
pub struct StageView<'a> {
    /// The `AS` name, as written.
    pub alias: Option<&'a str>,
    /// What the `FROM` says.
    pub base: BaseView<'a>,
    /// The instructions that matter to the structure, in order.
    pub items: Vec<ItemView<'a>>,
}

/// What a stage is built from.
#[derive(Debug, Clone)]
pub enum BaseView<'a> {
    /// An earlier stage by name: a name of no earlier stage is an error (the
    /// model's `Base::Stage`).
    Stage(&'a str),
    /// A name as Dockerfile text reads it: an earlier stage of that name, or
    /// else the image (`FROM debian`).
    StageOr(&'a str, ImageView),
    /// An image (or `scratch`).
    Image(ImageView),
    /// A global `ARG` by name (`FROM $BASE`, `FROM ${BASE:-debian}`): an
    /// image with a shell, chosen when the file is built; a name of no
    /// global `ARG` is an error.
    Arg(&'a str),
    /// An image reference with global `ARG`s inside
    /// (`python:${VERSION}-slim`): the `ARG`s it names, each of which must
    /// be declared, and the image as its text reads (never a stage).
    Template(Vec<&'a str>, ImageView),
}

/// An image a stage is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageView {
    /// Whether it has a shell (`scratch` and distroless images do not).
    pub shell: bool,
    /// The image's `[domain/]path` and `path` (empty when the reference
    /// does not parse, or for `scratch`): a stage alias may not take one
    /// that the image is written as (`FROM debian`, not `FROM debian:12`).
    pub names: Vec<String>,
    /// How a message names it.
    pub shown: String,
}

impl ImageView {
    /// An image with a shell or not, the names an alias may not take, and
    /// how messages show it.
    pub fn new<'n>(shell: bool, names: impl IntoIterator<Item = &'n str>, shown: &str) -> Self {
        ImageView {
            shell,
            names: names.into_iter().map(str::to_owned).collect(),
            shown: shown.to_owned(),
        }
    }

    /// `FROM scratch`: no shell, no name.
    pub fn scratch() -> Self {
        ImageView::new(false, [], "scratch")
    }
}

/// One instruction that matters to the structure, with its position (the
/// index of the instruction in its stage, as the caller counts them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemView<'a> {
    /// Where the instruction is in its stage.
    pub position: usize,
    /// What it does.
    pub item: Item<'a>,
}

/// What an instruction does that the structure checks look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item<'a> {
    /// `COPY --from=name`.
    CopyFrom(&'a str),
    /// A `COPY`/`ADD` destination.
    Destination(&'a str),
    /// A `WORKDIR`.
    Workdir,
    /// Something that runs `/bin/sh`.
    NeedsShell(ShellUse),
}

/// What needs a shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShellUse {
    /// `RUN`.
    Run,
    /// `SHELL`.
    Shell,
    /// A shell-form `CMD`.
    Cmd,
    /// A shell-form `ENTRYPOINT`.
    Entrypoint,
    /// A shell-form `HEALTHCHECK CMD`.
    Healthcheck,
}

/// One structural problem: its stage, the position of its instruction
/// (`None` for the `FROM`), and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructureProblem {
    /// The stage's index.
    pub stage: usize,
    /// The instruction's position, as given in [`ItemView::position`].
    pub position: Option<usize>,
    /// What is wrong.
    pub kind: ProblemKind,
}

/// What is wrong with the structure.
///
/// Deliberately exhaustive: every caller maps each kind to its own error, so
/// a new check is a compile error there until it is mapped, not a panic or a
/// silent fallback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// An alias outside Docker's grammar.
    InvalidAlias {
        /// The alias.
        alias: String,
    },
    /// The alias `scratch`.
    ReservedAlias {
        /// The alias.
        alias: String,
    },
    /// An alias an earlier stage has.
    DuplicateAlias {
        /// The alias.
        alias: String,
        /// The index of the first stage with it.
        first: usize,
    },
    /// An alias that is also an image's name in the file.
    AliasIsImageName {
        /// The alias.
        alias: String,
        /// The image, as [`ImageView::shown`].
        image: String,
    },
    /// `FROM name` of no earlier stage, where a stage is required.
    UnknownFromStage {
        /// The name.
        name: String,
    },
    /// `FROM $NAME` where `NAME` is no `ARG` declared before the first `FROM`.
    UndeclaredBaseArg {
        /// The argument's name.
        name: String,
    },
    /// `COPY --from` its own stage.
    CopyFromOwnStage {
        /// The value of `--from`.
        from: String,
    },
    /// `COPY --from` a later stage.
    CopyFromLaterStage {
        /// The value of `--from`.
        from: String,
        /// The later stage's index.
        stage: usize,
    },
    /// `COPY --from` a stage index.
    CopyFromIndex {
        /// The value of `--from`.
        from: String,
        /// The index.
        index: usize,
    },
    /// `COPY --from` an image reference or a value with a variable.
    CopyFromImage {
        /// The value of `--from`.
        from: String,
    },
    /// `COPY --from` a bare name of no stage.
    CopyFromUnknown {
        /// The value of `--from`.
        from: String,
    },
    /// A relative destination before any `WORKDIR`.
    RelativeDestination {
        /// The destination.
        destination: String,
    },
    /// A shell use in a stage without a shell.
    NeedsShell {
        /// What needs it.
        what: ShellUse,
    },
}

/// One structural check: its name, why it exists, and the check.
pub struct Check {
    /// A short name.
    pub name: &'static str,
    /// Why Docker or the model needs it.
    pub why: &'static str,
    run: fn(&Context<'_, '_>, &mut Vec<StructureProblem>),
}

/// Every structural check, in the order their problems are reported.
pub const CHECKS: &[Check] = &[
    Check {
        name: "stage names",
        why: "a name starts with a letter and holds letters, digits, '_', '.' and '-'; \
              `scratch` is the empty image; names compare case-insensitively, so a repeat \
              or an image's name makes `FROM`/`COPY --from` mean two things",
        run: check_aliases,
    },
    Check {
        name: "FROM a stage",
        why: "a base that must be a stage names an earlier one; a later one is not built yet; \
              a base given by an ARG names one declared before the first FROM (only those \
              are in scope of a FROM)",
        run: check_from,
    },
    Check {
        name: "instructions against their stage",
        why: "COPY --from names an earlier stage (not its own, not a later one); a relative \
              destination depends on the base image's working directory unless a WORKDIR \
              came first; a stage without a shell cannot RUN or start a shell form",
        run: check_items,
    },
];

/// Every structural problem of `view`, stage by stage, `FROM` before
/// instructions, in the order of [`CHECKS`]. Linear in the view's size: the
/// stages are looked up in one [`StageGraph`].
pub fn check_structure(view: &StructureView<'_>) -> Vec<StructureProblem> {
    let context = Context::of(view);
    let mut problems = Vec::new();
    for check in CHECKS {
        (check.run)(&context, &mut problems);
    }
    // Stage by stage, the FROM first; stable, so each check keeps its order.
    problems.sort_by_key(|problem| (problem.stage, problem.position.map_or(0, |p| p + 1)));
    problems
}

/// What the checks share: the view, its graph, the shells and the images.
struct Context<'v, 'a> {
    view: &'v StructureView<'a>,
    graph: StageGraph,
    /// Whether each stage has a shell.
    shell: Vec<bool>,
    /// Whether each stage or a stage it is built from sets a `WORKDIR`.
    workdir: Vec<bool>,
    /// The lowercase names of the images used, to how they are shown.
    images: HashMap<String, &'v str>,
}

impl<'v, 'a> Context<'v, 'a> {
    fn of(view: &'v StructureView<'a>) -> Self {
        let graph = StageGraph::new(view.stages.iter().map(|stage| {
            let from = match &stage.base {
                BaseView::Stage(name) | BaseView::StageOr(name, _) => Some(*name),
                BaseView::Image(_) | BaseView::Arg(_) | BaseView::Template(..) => None,
            };
            (stage.alias, from)
        }));
        let mut shell: Vec<bool> = Vec::with_capacity(view.stages.len());
        let mut images = HashMap::new();
        for (index, stage) in view.stages.iter().enumerate() {
            let image = match (&stage.base, graph.parent(index)) {
                (BaseView::Stage(_) | BaseView::StageOr(..), Some(parent)) => {
                    shell.push(shell[parent]);
                    continue;
                }
                // Reported by `check_from`; assume the common case.
                (BaseView::Stage(_), None) => {
                    shell.push(true);
                    continue;
                }
                (BaseView::Arg(_), _) => {
                    shell.push(true);
                    continue;
                }
                (
                    BaseView::StageOr(_, image)
                    | BaseView::Image(image)
                    | BaseView::Template(_, image),
                    _,
                ) => image,
            };
            shell.push(image.shell);
            // Only a name the image is written as (`FROM python`) would be
            // read as the stage once a stage takes it; `FROM python:3.13 AS
            // python` (a pattern of renovate-style version files) is plain.
            for name in image
                .names
                .iter()
                .filter(|name| name.eq_ignore_ascii_case(&image.shown))
            {
                images
                    .entry(name.to_ascii_lowercase())
                    .or_insert(image.shown.as_str());
            }
        }
        let workdir = graph.inherited(|index| {
            let stage = &view.stages[index];
            (graph.parent(index).is_none() && from_scratch(&stage.base))
                || stage.items.iter().any(|item| item.item == Item::Workdir)
        });
        Context {
            view,
            graph,
            shell,
            workdir,
            images,
        }
    }
}

fn check_aliases(context: &Context<'_, '_>, problems: &mut Vec<StructureProblem>) {
    for (index, stage) in context.view.stages.iter().enumerate() {
        let Some(alias) = stage.alias else {
            continue;
        };
        let owned = alias.to_owned();
        let kind = if !valid_alias(alias) {
            ProblemKind::InvalidAlias { alias: owned }
        } else if alias.eq_ignore_ascii_case("scratch") {
            ProblemKind::ReservedAlias { alias: owned }
        } else if let Some(first) = context.graph.first_before(index, alias) {
            ProblemKind::DuplicateAlias {
                alias: owned,
                first,
            }
        } else if let Some(image) = context.images.get(&alias.to_ascii_lowercase()) {
            ProblemKind::AliasIsImageName {
                alias: owned,
                image: (*image).to_owned(),
            }
        } else {
            continue;
        };
        problems.push(StructureProblem {
            stage: index,
            position: None,
            kind,
        });
    }
}

/// Docker's stage name grammar: a letter, then letters, digits, `_`, `.`, `-`.
///
/// ```
/// use stagecraft_rules::dockerfile::structure::valid_alias;
///
/// assert!(valid_alias("build-1.x_y"));
/// assert!(!valid_alias("1x") && !valid_alias("a b") && !valid_alias(""));
/// ```
pub fn valid_alias(alias: &str) -> bool {
    alias
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && alias
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn check_from(context: &Context<'_, '_>, problems: &mut Vec<StructureProblem>) {
    for (index, stage) in context.view.stages.iter().enumerate() {
        if let BaseView::Template(names, _) = &stage.base {
            for name in names {
                if !context.view.global_args.contains(name) {
                    problems.push(StructureProblem {
                        stage: index,
                        position: None,
                        kind: ProblemKind::UndeclaredBaseArg {
                            name: (*name).to_owned(),
                        },
                    });
                }
            }
            continue;
        }
        let kind = match stage.base {
            BaseView::Stage(name) if context.graph.parent(index).is_none() => {
                ProblemKind::UnknownFromStage {
                    name: name.to_owned(),
                }
            }
            BaseView::Arg(name) if !context.view.global_args.contains(&name) => {
                ProblemKind::UndeclaredBaseArg {
                    name: name.to_owned(),
                }
            }
            _ => continue,
        };
        problems.push(StructureProblem {
            stage: index,
            position: None,
            kind,
        });
    }
}

fn check_items(context: &Context<'_, '_>, problems: &mut Vec<StructureProblem>) {
    let graph = &context.graph;
    for (index, stage) in context.view.stages.iter().enumerate() {
        let mut workdir = match graph.parent(index) {
            Some(parent) => context.workdir[parent],
            None => from_scratch(&stage.base),
        };
        for item in &stage.items {
            let kind = match item.item {
                Item::Workdir => {
                    workdir = true;
                    continue;
                }
                Item::NeedsShell(what) if !context.shell[index] => ProblemKind::NeedsShell { what },
                Item::NeedsShell(_) => continue,
                Item::Destination(destination) => {
                    let relative = !destination.is_empty()
                        && !destination.starts_with('/')
                        && !destination.starts_with('$');
                    if !relative || workdir {
                        continue;
                    }
                    ProblemKind::RelativeDestination {
                        destination: destination.to_owned(),
                    }
                }
                Item::CopyFrom(from) => match copy_from(graph, index, from) {
                    Some(kind) => kind,
                    None => continue,
                },
            };
            problems.push(StructureProblem {
                stage: index,
                position: Some(item.position),
                kind,
            });
        }
    }
}

/// What is wrong with `COPY --from=from` in stage `index`: nothing for an
/// earlier stage's name.
fn copy_from(graph: &StageGraph, index: usize, from: &str) -> Option<ProblemKind> {
    if graph.first_before(index, from).is_some() {
        return None;
    }
    let from_owned = from.to_owned();
    Some(if graph.is_named(index, from) {
        ProblemKind::CopyFromOwnStage { from: from_owned }
    } else if let Some(stage) = graph.first_after(index, from) {
        ProblemKind::CopyFromLaterStage {
            from: from_owned,
            stage,
        }
    } else if let Ok(number) = from.parse::<usize>() {
        ProblemKind::CopyFromIndex {
            from: from_owned,
            index: number,
        }
    } else if from.contains([':', '@', '/', '$']) {
        ProblemKind::CopyFromImage { from: from_owned }
    } else {
        ProblemKind::CopyFromUnknown { from: from_owned }
    })
}

/// Whether a stage is built `FROM scratch` (not a stage of that name): its
/// configuration is empty, so its working directory is `/` and a relative
/// destination depends on no base image.
fn from_scratch(base: &BaseView<'_>) -> bool {
    match base {
        BaseView::Image(image) => *image == ImageView::scratch(),
        BaseView::StageOr(name, _) => name.eq_ignore_ascii_case("scratch"),
        BaseView::Stage(_) | BaseView::Arg(_) | BaseView::Template(..) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relative_destination_from_scratch_is_under_the_root() {
        // dotnet-docker's samples: `FROM scratch` + `COPY --from=build /out .`.
        let stage = |base, alias| StageView {
            alias,
            base,
            items: vec![ItemView {
                position: 0,
                item: Item::Destination("."),
            }],
        };
        let view = StructureView {
            global_args: Vec::new(),
            stages: vec![
                stage(BaseView::Image(ImageView::scratch()), Some("model")),
                stage(
                    BaseView::StageOr("scratch", ImageView::new(false, [], "")),
                    Some("text"),
                ),
                // A stage FROM one of them inherits its `/`.
                stage(BaseView::Stage("model"), None),
                stage(BaseView::Image(image("debian")), None),
            ],
        };
        let found: Vec<_> = check_structure(&view)
            .into_iter()
            .map(|p| (p.stage, p.kind))
            .collect();
        assert_eq!(
            found,
            [(
                3,
                ProblemKind::RelativeDestination {
                    destination: ".".into()
                }
            )]
        );
    }

    fn image(name: &str) -> ImageView {
        ImageView::new(true, [name], name)
    }

    #[test]
    fn every_check_reports_in_stage_order() {
        let view = StructureView {
            global_args: vec!["BASE"],
            stages: vec![
                StageView {
                    alias: Some("debian"),
                    base: BaseView::Image(image("debian")),
                    items: vec![ItemView {
                        position: 0,
                        item: Item::Destination("rel"),
                    }],
                },
                StageView {
                    alias: Some("1x"),
                    base: BaseView::Stage("nope"),
                    items: vec![
                        ItemView {
                            position: 0,
                            item: Item::CopyFrom("later"),
                        },
                        ItemView {
                            position: 1,
                            item: Item::CopyFrom("0"),
                        },
                    ],
                },
                StageView {
                    alias: Some("later"),
                    base: BaseView::Image(ImageView::scratch()),
                    items: vec![ItemView {
                        position: 3,
                        item: Item::NeedsShell(ShellUse::Run),
                    }],
                },
                StageView {
                    alias: None,
                    base: BaseView::Arg("BASE"),
                    items: vec![ItemView {
                        position: 0,
                        item: Item::NeedsShell(ShellUse::Run),
                    }],
                },
                StageView {
                    alias: None,
                    base: BaseView::Arg("OTHER"),
                    items: Vec::new(),
                },
            ],
        };
        let found: Vec<_> = check_structure(&view)
            .into_iter()
            .map(|p| (p.stage, p.position, p.kind))
            .collect();
        assert_eq!(
            found,
            [
                (
                    0,
                    None,
                    ProblemKind::AliasIsImageName {
                        alias: "debian".into(),
                        image: "debian".into()
                    }
                ),
                (
                    0,
                    Some(0),
                    ProblemKind::RelativeDestination {
                        destination: "rel".into()
                    }
                ),
                (1, None, ProblemKind::InvalidAlias { alias: "1x".into() }),
                (
                    1,
                    None,
                    ProblemKind::UnknownFromStage {
                        name: "nope".into()
                    }
                ),
                (
                    1,
                    Some(0),
                    ProblemKind::CopyFromLaterStage {
                        from: "later".into(),
                        stage: 2
                    }
                ),
                (
                    1,
                    Some(1),
                    ProblemKind::CopyFromIndex {
                        from: "0".into(),
                        index: 0
                    }
                ),
                (
                    2,
                    Some(3),
                    ProblemKind::NeedsShell {
                        what: ShellUse::Run
                    }
                ),
                (
                    4,
                    None,
                    ProblemKind::UndeclaredBaseArg {
                        name: "OTHER".into()
                    }
                ),
            ]
        );
    }
}
