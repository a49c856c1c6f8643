//! The stages of one Dockerfile as a graph: their names, and which stage
//! each is built `FROM`.
//!
//! Every cross-stage question (which stage a `FROM name` or a
//! `COPY --from=name` means, whether a name is taken, what a stage inherits
//! from the stages it is built on) goes through one [`StageGraph`], built
//! once per Dockerfile. Names are looked up in a hash map of their lowercase
//! forms (Docker compares stage names case-insensitively), so a lookup costs
//! the same with 64,000 stages as with two, and checking a whole Dockerfile
//! stays linear in its length. Before it, each rule searched the stage list
//! on its own, and a long `FROM` chain took minutes.
//!
//! ```
//! use stagecraft_rules::dockerfile::stage_graph::StageGraph;
//!
//! // FROM debian AS base / FROM base AS build / FROM Base AS app
//! let graph = StageGraph::new([
//!     (Some("base"), Some("debian")),
//!     (Some("build"), Some("base")),
//!     (Some("app"), Some("Base")),
//! ]);
//! assert_eq!(graph.parent(2), Some(0));
//! assert_eq!(graph.ancestors(1).collect::<Vec<_>>(), [1, 0]);
//! assert_eq!(graph.first_named("BUILD"), Some(1));
//! // `COPY --from=app` in stage 1 names a later stage.
//! assert_eq!(graph.last_before(1, "app"), None);
//! assert_eq!(graph.first_after(1, "app"), Some(2));
//! ```

use std::collections::HashMap;

use crate::dockerfile::parse::Dockerfile;

/// The stages of one Dockerfile: their names and `FROM` parents.
///
/// Built with [`StageGraph::new`] from each stage's alias and the name its
/// `FROM` gives; see the [module documentation](self).
#[derive(Debug, Clone, Default)]
pub struct StageGraph {
    /// Lowercase alias to the indices of the stages with that alias, ascending.
    by_name: HashMap<String, Vec<usize>>,
    /// Each stage's own alias, lowercase.
    own: Vec<Option<String>>,
    /// The earlier stage each stage is built `FROM`, if any.
    parents: Vec<Option<usize>>,
}

impl StageGraph {
    /// The graph of stages given in `FROM` order as `(alias, from)`: the
    /// stage's `AS` name, and the name after `FROM` when it may name an
    /// earlier stage (`None` for a base that cannot, such as a typed image).
    ///
    /// A stage's parent is the first earlier stage whose alias is `from`, as
    /// Docker resolves it; a name of no earlier stage is an image.
    ///
    /// ```
    /// use stagecraft_rules::dockerfile::stage_graph::StageGraph;
    ///
    /// // `FROM app` before any stage called `app` is the image `app`.
    /// let graph = StageGraph::new([(Some("x"), Some("app")), (Some("app"), Some("x"))]);
    /// assert_eq!(graph.parent(0), None);
    /// assert_eq!(graph.parent(1), Some(0));
    /// ```
    pub fn new<'a, I>(stages: I) -> StageGraph
    where
        I: IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>,
    {
        #[cfg(test)]
        builds::count();
        let mut graph = StageGraph::default();
        for (index, (alias, from)) in stages.into_iter().enumerate() {
            let parent = from.and_then(|from| graph.first_before(index, from));
            graph.parents.push(parent);
            let alias = alias.map(str::to_ascii_lowercase);
            if let Some(alias) = &alias {
                graph.by_name.entry(alias.clone()).or_default().push(index);
            }
            graph.own.push(alias);
        }
        graph
    }

    /// The graph of a parsed Dockerfile: each `FROM` image may name an
    /// earlier stage.
    ///
    /// ```
    /// use stagecraft_rules::dockerfile::{stage_graph::StageGraph, Dockerfile};
    ///
    /// let df = Dockerfile::parse("FROM debian AS base\nFROM base\n").unwrap();
    /// assert_eq!(StageGraph::of(&df).parent(1), Some(0));
    /// ```
    pub fn of(df: &Dockerfile) -> StageGraph {
        StageGraph::new(
            df.stages
                .iter()
                .map(|stage| (stage.from.alias.as_deref(), Some(stage.from.image.as_str()))),
        )
    }

    /// How many stages there are.
    pub fn len(&self) -> usize {
        self.parents.len()
    }

    /// Whether there are no stages.
    pub fn is_empty(&self) -> bool {
        self.parents.is_empty()
    }

    /// The indices of the stages called `name` (any case), ascending.
    fn indices(&self, name: &str) -> &[usize] {
        let found = match self.by_name.get(name) {
            Some(found) => Some(found),
            None if name.bytes().any(|b| b.is_ascii_uppercase()) => {
                self.by_name.get(&name.to_ascii_lowercase())
            }
            None => None,
        };
        found.map_or(&[], Vec::as_slice)
    }

    /// The first stage called `name` (any case), as `docker build --target`
    /// finds it.
    pub fn first_named(&self, name: &str) -> Option<usize> {
        self.indices(name).first().copied()
    }

    /// The first stage before `index` called `name`.
    pub fn first_before(&self, index: usize, name: &str) -> Option<usize> {
        self.indices(name).first().copied().filter(|&j| j < index)
    }

    /// The last stage before `index` called `name` (the nearest one).
    pub fn last_before(&self, index: usize, name: &str) -> Option<usize> {
        let indices = self.indices(name);
        let before = indices.partition_point(|&j| j < index);
        before.checked_sub(1).map(|last| indices[last])
    }

    /// The first stage after `index` called `name`.
    pub fn first_after(&self, index: usize, name: &str) -> Option<usize> {
        let indices = self.indices(name);
        let after = indices.partition_point(|&j| j <= index);
        indices.get(after).copied()
    }

    /// Whether stage `index` itself is called `name` (any case).
    pub fn is_named(&self, index: usize, name: &str) -> bool {
        self.own
            .get(index)
            .and_then(Option::as_deref)
            .is_some_and(|own| own.eq_ignore_ascii_case(name))
    }

    /// The earlier stage that stage `index` is built `FROM`, if any.
    pub fn parent(&self, index: usize) -> Option<usize> {
        self.parents.get(index).copied().flatten()
    }

    /// Stage `index`, then the stage it is built `FROM`, and so on up to a
    /// stage built from an image: the stages whose layers it holds.
    pub fn ancestors(&self, index: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors((index < self.len()).then_some(index), |&j| self.parent(j))
    }

    /// For each stage, in order, `own(stage)` or'ed with the value of its
    /// parent: whether the stage or a stage it is built from has a property
    /// (a `WORKDIR`, no shell, ...). One pass: parents come first.
    ///
    /// ```
    /// use stagecraft_rules::dockerfile::stage_graph::StageGraph;
    ///
    /// let graph = StageGraph::new([(Some("a"), None), (Some("b"), Some("a")), (None, None)]);
    /// assert_eq!(graph.inherited(|index| index == 0), [true, true, false]);
    /// ```
    pub fn inherited(&self, mut own: impl FnMut(usize) -> bool) -> Vec<bool> {
        let mut values: Vec<bool> = Vec::with_capacity(self.len());
        for index in 0..self.len() {
            let from_parent = self.parent(index).is_some_and(|parent| values[parent]);
            values.push(from_parent || own(index));
        }
        values
    }
}

/// How many graphs were built on this thread: tests use it to show that a
/// check builds one graph per Dockerfile, whatever its size.
#[cfg(test)]
pub(crate) mod builds {
    use std::cell::Cell;

    thread_local! {
        static BUILDS: Cell<usize> = const { Cell::new(0) };
    }

    pub(super) fn count() {
        BUILDS.with(|builds| builds.set(builds.get() + 1));
    }

    /// The graphs `f` builds.
    pub(crate) fn during(f: impl FnOnce()) -> usize {
        let before = BUILDS.with(Cell::get);
        f();
        BUILDS.with(Cell::get) - before
    }
}

#[cfg(test)]
mod tests {
    use super::builds::during;
    use super::*;

    #[test]
    fn lookups_follow_docker_order() {
        // FROM a AS x / FROM x AS y / FROM b AS X (a duplicate) / FROM y
        let graph = StageGraph::new([
            (Some("x"), Some("a")),
            (Some("y"), Some("x")),
            (Some("X"), Some("b")),
            (None, Some("Y")),
        ]);
        assert_eq!(graph.first_named("x"), Some(0));
        assert_eq!(graph.first_before(3, "x"), Some(0));
        assert_eq!(graph.last_before(3, "x"), Some(2));
        assert_eq!(graph.last_before(0, "x"), None);
        assert_eq!(graph.first_after(0, "X"), Some(2));
        assert_eq!(graph.first_after(2, "x"), None);
        assert!(graph.is_named(2, "x") && !graph.is_named(3, "x"));
        assert_eq!(graph.ancestors(3).collect::<Vec<_>>(), [3, 1, 0]);
        assert_eq!(graph.ancestors(9).count(), 0);
        assert_eq!(graph.first_named("nope"), None);
    }

    #[test]
    fn a_long_chain_is_walked_without_recursion() {
        let names: Vec<String> = (0..100_000).map(|i| format!("s{i}")).collect();
        let graph = StageGraph::new(
            names
                .iter()
                .enumerate()
                .map(|(i, name)| (Some(name.as_str()), i.checked_sub(1).map(|p| &*names[p]))),
        );
        assert_eq!(graph.ancestors(99_999).count(), 100_000);
        assert!(graph.inherited(|index| index == 0).iter().all(|&v| v));
    }

    /// A 64k-stage `FROM` chain and 32k `COPY --from` lines: the checker
    /// builds the graph once, `model_problems` three times (the one verdict:
    /// the checker's, the stages' facts and the structure check), whatever
    /// the size, and looks every name up in it (took 50 s and
    /// 22 s when every rule searched the stage list).
    #[test]
    fn whole_file_checks_build_one_graph() {
        use crate::dockerfile::model_support::model_problems;
        use crate::dockerfile::{check_dockerfile, Options};
        use std::fmt::Write as _;

        let mut chain = String::from("FROM debian:bookworm-slim AS s0\n");
        for i in 1..64_000 {
            let _ = writeln!(chain, "FROM s{} AS s{i}\nENV V{i}={i}", i - 1);
        }
        let mut copies = String::from("FROM debian:bookworm-slim AS build\nFROM scratch\n");
        for i in 0..32_000 {
            let _ = writeln!(copies, "COPY --from=build /a{i} /a{i}");
        }
        for text in [&chain, &copies] {
            let started = std::time::Instant::now();
            let df = Dockerfile::parse(text).unwrap();
            let mut findings = Vec::new();
            assert_eq!(
                during(|| findings = check_dockerfile(&df, &Options::default())),
                1
            );
            assert!(findings.is_empty(), "{:?}", &findings[..1]);
            let mut problems = Vec::new();
            assert_eq!(during(|| problems = model_problems(text, &df)), 3);
            assert!(problems.is_empty(), "{:?}", &problems[..1]);
            eprintln!("{} lines: {:?}", text.lines().count(), started.elapsed());
        }
    }
}
