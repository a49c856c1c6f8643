//! Harvest: declare what a runtime stage needs from a build stage, and get
//! it collected automatically: a binary with the closure of its shared
//! libraries and the dynamic loader, the files of a package, data paths.
//!
//! This is the workshop's hardest manual step (`ldd`, then one `COPY --from`
//! per library) done by stagecraft. The *self-contained* strategy here needs
//! no engine at render time: [`DockerfileBuilder::harvest`] adds a stage
//! `FROM build AS <alias>` whose one `RUN` collects everything into
//! `/harvest` (see the generated script's documentation in `script.rs`), and
//! [`StageBuilder::copy_harvest`] brings it into the runtime stage with a
//! single `COPY --from=<alias> /harvest/ /`. The build stage itself is not
//! changed, so its cache stays valid.
//!
//! ```
//! use stagecraft::harvest::Harvest;
//! use stagecraft::packages::Apt;
//! use stagecraft::{scratch, Dockerfile};
//!
//! let mut df = Dockerfile::builder();
//! let build = df
//!     .stage("build", "debian:bookworm-slim")
//!     .install(Apt::install(["fortune-mod", "fortunes-min"]))
//!     .done();
//! let collected = df.harvest(
//!     "harvest",
//!     &build,
//!     Harvest::new()
//!         .binary("/usr/games/fortune")
//!         .package_files("fortunes-min"),
//! );
//! df.anonymous_stage(scratch())
//!     .copy_harvest(&collected)
//!     .entrypoint(["/usr/games/fortune"]);
//! let text = df.build().unwrap().render();
//! assert!(text.contains("FROM build AS harvest\nRUN set -eu;"));
//! assert!(text.contains("closure '/usr/games/fortune';"));
//! assert!(text.ends_with("FROM scratch\nCOPY --from=harvest /harvest/ /\nENTRYPOINT [\"/usr/games/fortune\"]\n"));
//! ```

#[cfg(any(feature = "engine", test))]
mod dpkg;
mod path;
#[cfg(feature = "engine")]
mod resolve;
mod script;
#[cfg(feature = "engine")]
mod trace;

#[cfg(feature = "engine")]
pub use self::resolve::{
    resolve, EntryKind, Fetched, ManifestEntry, MissingLibrary, Reason, Resolution, ResolveError,
    StageFs, EXPORT_LABEL,
};
use self::script::Call;
#[cfg(feature = "engine")]
pub use self::trace::{
    trace, trace_stage, TraceError, TraceLog, Traced, STRACE_CALLS, TRACE_DIR, TRACE_LABEL,
};
pub use crate::error::HarvestError;
use crate::error::{ErrorKind, Part};
use crate::model::{Base, Heredoc, HeredocScript, Instruction, Run, RunError, RunSpec, Stage};
use crate::stage::{DockerfileBuilder, Named, ShellKind, StageBuilder, StageRef, WithShell};

/// Where the collected files are gathered in the harvest stage.
pub const HARVEST_ROOT: &str = "/harvest";

/// What a runtime stage needs from a build stage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Harvest {
    declared: Vec<Declared>,
    except: Vec<String>,
    form: StepForm,
}

/// How the self-contained strategy writes its step's script in the `RUN`
/// ([`Harvest::step_form`]).
///
/// ```
/// use stagecraft::harvest::{Harvest, StepForm};
/// use stagecraft::Dockerfile;
///
/// let mut df = Dockerfile::builder();
/// let build = df.stage("build", "debian:bookworm-slim").done();
/// let harvest = Harvest::new().binary("/usr/bin/env").step_form(StepForm::Heredoc);
/// df.harvest("harvest", &build, harvest);
/// let text = df.build().unwrap().render();
/// assert!(text.contains("FROM build AS harvest\nRUN <<'HARVEST'\n# stagecraft harvest"));
/// assert!(text.contains("\nset -eu\n"));
/// assert!(text.contains("\nclosure '/usr/bin/env'\n"));
/// assert!(text.ends_with("\nHARVEST\n"));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum StepForm {
    /// One shell command line, its statements joined by ` \` continuations:
    /// every builder reads it (the classic builder and the BuildKit 0.8 of
    /// Docker 20.10 included). The default.
    #[default]
    Continuations,
    /// A heredoc (`RUN <<'HARVEST'`): the script as `harvest.sh` has it,
    /// one statement a line, a comment before each part. It needs a
    /// Dockerfile frontend with heredocs (BuildKit of Docker 23 or later);
    /// the engine refuses it before sending it to an older builder
    /// (`EngineError::NeedsBuildKit`, feature `engine`).
    Heredoc,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Declared {
    Binary(String),
    Library(String),
    Package(PackageFiles),
    Path(String),
    File { source: String, destination: String },
    Traced(Vec<String>),
}

impl Harvest {
    /// Nothing declared yet.
    pub fn new() -> Harvest {
        Harvest::default()
    }

    /// An executable and the closure of its shared libraries (`DT_NEEDED`,
    /// `RPATH`/`RUNPATH`, the system search path), the dynamic loader, and
    /// every symbolic link on the way, kept as links.
    pub fn binary(mut self, path: impl Into<String>) -> Harvest {
        self.declared.push(Declared::Binary(path.into()));
        self
    }

    /// A library the program opens itself (`dlopen`), with its own closure.
    pub fn library(mut self, path: impl Into<String>) -> Harvest {
        self.declared.push(Declared::Library(path.into()));
        self
    }

    /// The files a Debian package installed (`dpkg -L`), without
    /// `/usr/share/{doc,man,info,lintian}`; the same as
    /// `.package(PackageFiles::new(name))`.
    pub fn package_files(self, name: impl Into<String>) -> Harvest {
        self.package(PackageFiles::new(name))
    }

    /// Like [`package_files`](Self::package_files), documentation included.
    pub fn package_files_with_docs(self, name: impl Into<String>) -> Harvest {
        self.package(PackageFiles::new(name).docs(true))
    }

    /// Like [`package_files`](Self::package_files), and the files of every
    /// package it depends on (`Pre-Depends` and `Depends`, recursively, as
    /// dpkg's database in the build stage records them), except the
    /// packages of [`except_packages`](Self::except_packages), where the
    /// walk stops. The same as
    /// `.package(PackageFiles::new(name).dependencies(true))`; see
    /// [`PackageFiles::dependencies`] for the rules.
    ///
    /// ```
    /// use stagecraft::distroless::Flavor;
    /// use stagecraft::harvest::Harvest;
    ///
    /// // fortune-mod, librecode0 and fortunes-min (`fortunes-min | fortunes`:
    /// // the installed one); libc6 comes with the distroless base.
    /// let harvest = Harvest::new()
    ///     .package_files_with_dependencies("fortune-mod")
    ///     .except_packages(Flavor::Base.packages());
    /// # let _ = harvest;
    /// ```
    pub fn package_files_with_dependencies(self, name: impl Into<String>) -> Harvest {
        self.package(PackageFiles::new(name).dependencies(true))
    }

    /// The files of a Debian package, as [`PackageFiles`] describes them.
    ///
    /// ```
    /// use stagecraft::harvest::{Harvest, PackageFiles};
    /// use stagecraft::packages::Apt;
    /// use stagecraft::{scratch, Dockerfile};
    ///
    /// let mut df = Dockerfile::builder();
    /// let build = df
    ///     .stage("build", "debian:bookworm-slim")
    ///     .install(Apt::install(["fortune-mod", "fortunes-min"]))
    ///     .done();
    /// let collected = df.harvest(
    ///     "harvest",
    ///     &build,
    ///     Harvest::new().package(PackageFiles::new("fortune-mod").dependencies(true)),
    /// );
    /// df.anonymous_stage(scratch())
    ///     .copy_harvest(&collected)
    ///     .entrypoint(["/usr/games/fortune"]);
    /// let text = df.build().unwrap().render();
    /// assert!(text.contains("depends fortune-mod nodocs;"), "{text}");
    /// ```
    pub fn package(mut self, files: PackageFiles) -> Harvest {
        self.declared.push(Declared::Package(files));
        self
    }

    /// A file or a whole directory, at the same path (data, configuration,
    /// CA certificates, OpenCL ICD files).
    pub fn path(mut self, path: impl Into<String>) -> Harvest {
        self.declared.push(Declared::Path(path.into()));
        self
    }

    /// One file, put at another path (links followed).
    pub fn file(mut self, source: impl Into<String>, destination: impl Into<String>) -> Harvest {
        self.declared.push(Declared::File {
            source: source.into(),
            destination: destination.into(),
        });
        self
    }

    /// Leaves out libraries that these Debian packages own, because the
    /// runtime base already has them, e.g.
    /// `.except_packages(Flavor::Cc.packages())` on a distroless `cc` base.
    pub fn except_packages<I, S>(mut self, packages: I) -> Harvest
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.except.extend(packages.into_iter().map(Into::into));
        self
    }

    /// A command (exec form, e.g. `["/bin/sh", "-c", "fortune | cowsay"]`)
    /// whose run in the build stage is traced with `strace -f`: every file
    /// it opened, executed or found (with the interpreters of the scripts it
    /// executed and the closures of the ELF programs) is harvested. Only the
    /// traced strategy (`harvest::trace`, feature `engine`) runs it; the
    /// self-contained and resolved strategies refuse it
    /// ([`HarvestError::NeedsTrace`]).
    pub fn traced<I, S>(mut self, command: I) -> Harvest
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.declared.push(Declared::Traced(
            command.into_iter().map(Into::into).collect(),
        ));
        self
    }

    /// How the self-contained step writes its script (default
    /// [`StepForm::Continuations`]); the files it collects are the same.
    pub fn step_form(mut self, form: StepForm) -> Harvest {
        self.form = form;
        self
    }

    /// Checks the package names of [`except_packages`](Self::except_packages).
    fn except(&self) -> Result<Vec<String>, HarvestError> {
        for name in &self.except {
            check_installed_package(name)?;
        }
        Ok(self.except.clone())
    }

    /// Checks the declarations and turns them into calls of the script.
    fn calls(&self) -> Result<Vec<Call>, HarvestError> {
        if self.declared.is_empty() {
            return Err(HarvestError::Nothing);
        }
        self.declared
            .iter()
            .map(|declared| {
                Ok(match declared {
                    Declared::Binary(path) => Call::Closure(check_path("binary", path)?),
                    Declared::Library(path) => Call::Closure(check_path("library", path)?),
                    Declared::Path(path) => Call::Keep(check_path("path", path)?),
                    Declared::File {
                        source,
                        destination,
                    } => Call::Place {
                        source: check_path("file source", source)?,
                        destination: check_path("file destination", destination)?,
                    },
                    Declared::Package(files) => {
                        check_installed_package(&files.name)?;
                        Call::Package {
                            name: files.name.clone(),
                            docs: files.docs,
                            dependencies: files.dependencies,
                        }
                    }
                    Declared::Traced(command) => {
                        return Err(HarvestError::NeedsTrace {
                            command: command.join(" "),
                        })
                    }
                })
            })
            .collect()
    }
}

/// Which files of an installed Debian package a harvest takes, for
/// [`Harvest::package`]: what the package installed (`dpkg -L`),
/// documentation left out unless asked for, its dependencies only when
/// asked for.
///
/// ```
/// use stagecraft::harvest::{Harvest, PackageFiles};
///
/// let harvest = Harvest::new()
///     .binary("/usr/bin/ruby")
///     .package(PackageFiles::new("lolcat").dependencies(true).docs(false))
///     .except_packages(["libc6", "libgcc-s1"]);
/// # let _ = harvest;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageFiles {
    name: String,
    docs: bool,
    dependencies: bool,
}

impl PackageFiles {
    /// The files `name` installed, without documentation or dependencies.
    pub fn new(name: impl Into<String>) -> PackageFiles {
        PackageFiles {
            name: name.into(),
            docs: false,
            dependencies: false,
        }
    }

    /// Whether `/usr/share/{doc,man,info,lintian}` are taken too
    /// (default: no), for the package and for its dependencies.
    pub fn docs(mut self, docs: bool) -> PackageFiles {
        self.docs = docs;
        self
    }

    /// Whether the files of the packages it depends on are taken too
    /// (default: no), each with why in the manifest
    /// (`package librecode0 (dependency of fortune-mod)`).
    ///
    /// Read from dpkg's database in the build stage, by both strategies:
    /// `Pre-Depends` and `Depends`, recursively and each package once
    /// (cycles included); in `a | b` the first installed alternative; a
    /// virtual package through the first installed package (by name) that
    /// `Provides` it; version constraints ignored (dpkg checked them),
    /// architecture qualifiers (`perl:any`) dropped. `Recommends` and the
    /// implicit dependency on `Essential` packages are not followed.
    /// Packages named in [`Harvest::except_packages`] end the walk: the
    /// runtime base has them, and their own dependencies. A dependency that
    /// no installed package satisfies is an error naming it
    /// (`ResolveError::DependencyNotInstalled` with an engine, feature
    /// `engine`; the self-contained step fails with the same words).
    pub fn dependencies(mut self, dependencies: bool) -> PackageFiles {
        self.dependencies = dependencies;
        self
    }

    /// The package's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// A Debian package name, without version or release (it names what is installed).
fn check_installed_package(name: &str) -> Result<(), HarvestError> {
    let invalid = |reason: String| HarvestError::InvalidPackage {
        name: name.to_string(),
        reason,
    };
    crate::packages::check_debian_package(name).map_err(invalid)?;
    if name.contains(['=', '/', ':']) {
        return Err(invalid(
            "name the installed package alone, without a version, architecture or release"
                .to_string(),
        ));
    }
    Ok(())
}

fn check_path(what: &'static str, path: &str) -> Result<String, HarvestError> {
    let reason = if !path.starts_with('/') {
        "write an absolute path inside the build stage, e.g. \"/usr/games/fortune\""
    } else if path.contains('\'') || path.chars().any(char::is_control) {
        "a path with a quote or a control character cannot be harvested"
    } else if path.split('/').any(|part| part == "..") {
        "write the path without '..'"
    } else if let (true, Some(refused)) = (
        what != "file destination",
        path::refusal(&path::clean(path)),
    ) {
        refused
    } else {
        return Ok(path.to_string());
    };
    Err(HarvestError::InvalidPath {
        what,
        path: path.to_string(),
        reason,
    })
}

/// The `USER` in effect at the end of stage `index` of `stages`, following
/// `FROM <stage>` parents; `None` when no stage on the way sets one (the
/// base image's user then, root for Debian's).
pub(crate) fn stage_user(stages: &[Stage], index: usize) -> Option<String> {
    let mut at = Some(index);
    let mut hops = 0;
    while let (Some(index), true) = (at, hops <= stages.len()) {
        hops += 1;
        let stage = stages.get(index)?;
        if let Some(user) = stage.instructions.iter().rev().find_map(|i| match i {
            Instruction::User(user) => Some(user.clone()),
            _ => None,
        }) {
            return Some(user);
        }
        at = match &stage.base {
            Base::Stage(alias) => stages[..index].iter().rposition(|s| {
                s.alias
                    .as_deref()
                    .is_some_and(|own| own.eq_ignore_ascii_case(alias))
            }),
            _ => None,
        };
    }
    None
}

/// Whether `user` (a `USER` value) is root.
pub(crate) fn is_root(user: &str) -> bool {
    matches!(user, "root" | "0" | "root:root" | "0:0")
}

/// A declared harvest stage, for [`StageBuilder::copy_harvest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HarvestRef {
    stage: StageRef<WithShell>,
}

impl HarvestRef {
    /// The harvest stage, e.g. to build it alone with `--target`.
    pub fn stage(&self) -> &StageRef<WithShell> {
        &self.stage
    }
}

impl DockerfileBuilder {
    /// Declares a stage `FROM <from> AS <alias>` that collects what `harvest`
    /// declares into [`HARVEST_ROOT`]. `from` must have a shell (it runs the
    /// collection script), which its type guarantees.
    pub fn harvest(
        &mut self,
        alias: impl Into<String>,
        from: &StageRef<WithShell>,
        harvest: Harvest,
    ) -> HarvestRef {
        let calls = harvest
            .calls()
            .and_then(|calls| Ok((calls, harvest.except()?)));
        // A throwaway stage: its step reads and copies files the build
        // stage's user may not (`/root`, a package's private directory).
        let as_root = stage_user(self.stages(), from.index()).is_some_and(|user| !is_root(&user));
        let mut stage: StageBuilder<'_, WithShell, Named> = self.stage(alias, from);
        if as_root {
            stage = stage.user("root");
        }
        let run_index = usize::from(as_root);
        let stage = match calls {
            Ok((calls, except)) => match step(harvest.form, &calls, &except) {
                Ok(run) => stage.instruction(Instruction::Run(run)),
                Err(kind) => stage.record(Part::Instruction(run_index, "RUN"), kind),
            },
            Err(error) => stage.record(
                Part::Instruction(run_index, "RUN"),
                ErrorKind::Harvest(error),
            ),
        };
        HarvestRef {
            stage: stage.done(),
        }
    }
}

/// The self-contained step's `RUN` in `form`.
fn step(form: StepForm, calls: &[Call], except: &[String]) -> Result<Run, ErrorKind> {
    match form {
        StepForm::Continuations => {
            Run::checked(script::script(HARVEST_ROOT, calls, except)).map_err(ErrorKind::Run)
        }
        StepForm::Heredoc => {
            let body = script::heredoc_body(HARVEST_ROOT, calls, except);
            let heredoc = Heredoc::new(script::HEREDOC_DELIMITER, body).literal();
            RunSpec::new()
                .heredoc(HeredocScript::script(heredoc))
                .map_err(|error| match error {
                    RunError::Refused(violations) => ErrorKind::Run(violations),
                    other => ErrorKind::Harvest(HarvestError::Step {
                        reason: other.to_string(),
                    }),
                })
        }
    }
}

impl<S: ShellKind, N> StageBuilder<'_, S, N> {
    /// `COPY --from=<harvest> /harvest/ /`: everything the harvest collected,
    /// at the paths it had in the build stage.
    pub fn copy_harvest(self, harvest: &HarvestRef) -> Self {
        self.copy_from(&harvest.stage, format!("{HARVEST_ROOT}/"), "/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dockerfile;

    #[test]
    fn bad_declarations_are_named() {
        let error = Harvest::new()
            .binary("usr/games/fortune")
            .calls()
            .unwrap_err();
        assert!(error.to_string().contains("absolute path"), "{error}");
        let error = Harvest::new().path("/a/../etc").calls().unwrap_err();
        assert!(error.to_string().contains("without '..'"), "{error}");
        let error = Harvest::new()
            .package_files("x'; rm -rf /")
            .calls()
            .unwrap_err();
        assert!(
            error.to_string().contains("invalid harvest package"),
            "{error}"
        );
        assert_eq!(Harvest::new().calls(), Err(HarvestError::Nothing));
    }

    /// The root, what the engine mounts and the harvest directory are
    /// refused as declared, before anything is built.
    #[test]
    fn paths_no_strategy_harvests_are_refused() {
        for path in ["/", "//", "/proc/self", "/dev", "/sys/", "/harvest/etc"] {
            let error = Harvest::new().path(path).calls().unwrap_err();
            assert!(
                matches!(error, HarvestError::InvalidPath { what: "path", .. }),
                "{path}: {error}"
            );
        }
        let error = Harvest::new().path("/").calls().unwrap_err();
        assert!(
            error.to_string().contains("the whole filesystem"),
            "{error}"
        );
        let error = Harvest::new()
            .file("/proc/cpuinfo", "/x")
            .calls()
            .unwrap_err();
        assert!(error.to_string().contains("provides /proc"), "{error}");
        assert!(Harvest::new().file("/a", "/").calls().is_ok());
        // The step refuses what resolves there through links (script.rs).
        let calls = Harvest::new().path("/etc/ssl").calls().unwrap();
        let text = script::script(HARVEST_ROOT, &calls, &[]);
        assert!(
            text.contains("path '/etc/ssl';") && text.contains("path() {"),
            "{text}"
        );
    }

    /// The harvest stage runs as root when the build stage (or a stage it
    /// is built `FROM`) switched to another user; otherwise it is unchanged.
    #[test]
    fn the_harvest_step_runs_as_root() {
        let render = |user: Option<&str>| {
            let mut df = Dockerfile::builder();
            let mut build = df.stage("build", "debian:bookworm-slim");
            if let Some(user) = user {
                build = build.user(user);
            }
            let build = build.done();
            let child = df.stage("child", &build).done();
            let collected = df.harvest("harvest", &child, Harvest::new().binary("/bin/ls"));
            df.anonymous_stage(crate::scratch())
                .copy_harvest(&collected);
            df.build().unwrap().render()
        };
        assert!(render(Some("1000")).contains("FROM child AS harvest\nUSER root\nRUN set -eu;"));
        assert!(render(None).contains("FROM child AS harvest\nRUN set -eu;"));
        assert!(render(Some("root")).contains("FROM child AS harvest\nRUN set -eu;"));
    }

    /// Both forms of the step, every kind of call (all sections of
    /// `harvest.sh`), as Dockerfiles: the goldens in `harvest/golden/`
    /// (`UPDATE_EXPECT=1` rewrites them). The heredoc's body is the
    /// one-line form's statements, one a line: `sh -n` reads it, and the
    /// model reads its rendering back.
    #[test]
    fn both_step_forms_have_their_golden() {
        let render = |form: StepForm| {
            let mut df = Dockerfile::builder();
            let build = df.stage("build", "debian:bookworm-slim").done();
            let harvest = Harvest::new()
                .binary("/usr/games/fortune")
                .path("/etc/ssl/certs")
                .package(PackageFiles::new("fortune-mod").dependencies(true))
                .package_files("fortunes-min")
                .file("/usr/share/zoneinfo/UTC", "/etc/localtime")
                .except_packages(["libc6"])
                .step_form(form);
            let collected = df.harvest("harvest", &build, harvest);
            df.anonymous_stage(crate::scratch())
                .copy_harvest(&collected)
                .entrypoint(["/usr/games/fortune"]);
            df.build().unwrap()
        };
        let classic = render(StepForm::Continuations);
        let heredoc = render(StepForm::Heredoc);
        expect_test::expect_file!["golden/continuations.Dockerfile"].assert_eq(&classic.render());
        expect_test::expect_file!["golden/heredoc.Dockerfile"].assert_eq(&heredoc.render());
        assert_eq!(
            Dockerfile::parse(&heredoc.render()).unwrap().render(),
            heredoc.render()
        );
        let Some(Instruction::Run(run)) = heredoc.stages()[1].instructions.last() else {
            panic!("the harvest stage ends with its RUN");
        };
        let crate::model::Script::Heredoc(script) = run.script() else {
            panic!("a heredoc RUN: {run:?}");
        };
        let body = &script.heredocs[0].body;
        let output = std::process::Command::new("sh")
            .args(["-n", "-c", body])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        // The same statements: the one-line form's, joined, minus the
        // comments and the line ends.
        let statements = |text: &str| -> String {
            text.lines()
                .filter(|line| !line.trim_start().starts_with('#'))
                .map(|line| line.trim().trim_end_matches(" \\").trim_end_matches(';'))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let Some(Instruction::Run(one_line)) = classic.stages()[1].instructions.last() else {
            panic!("the harvest stage ends with its RUN");
        };
        let crate::model::Script::Shell(text) = one_line.script() else {
            panic!("a shell RUN: {one_line:?}");
        };
        assert_eq!(
            statements(body).replace(';', ""),
            statements(&text.replace(" \\\n", "\n")).replace(';', "")
        );
    }

    #[test]
    fn the_script_is_valid_run_text() {
        let calls = Harvest::new()
            .binary("/usr/games/fortune")
            .library("/usr/lib/x86_64-linux-gnu/libOpenCL.so.1")
            .package_files_with_docs("fortunes-min")
            .package(PackageFiles::new("fortune-mod").dependencies(true))
            .path("/etc/OpenCL/vendors/")
            .file("/usr/share/zoneinfo/UTC", "/etc/localtime")
            .calls()
            .unwrap();
        let text = script::script(HARVEST_ROOT, &calls, &["libc6".to_string()]);
        assert_eq!(stagecraft_rules::text::check_run_text(&text), Ok(()));
        assert!(!text.contains(" | "), "no pipes: {text}");
        assert!(text.contains("package fortunes-min docs;"));
        assert!(text.contains("depends fortune-mod nodocs;"));
        assert!(text.contains("depends() {"));
        assert!(text.contains("(dependency of $3)"));
        // Without dependencies the step is as before (its cache too).
        let plain = Harvest::new()
            .binary("/usr/games/fortune")
            .package_files("fortunes-min")
            .calls()
            .unwrap();
        let plain = script::script(HARVEST_ROOT, &plain, &[]);
        assert!(!plain.contains("depends") && !plain.contains("stagecraft-status"));
        assert!(plain.contains("R=\"package $1\"; keep"));
        assert!(text.contains("EXCEPT='libc6';"));
        assert!(text.contains("cp -L '/usr/share/zoneinfo/UTC' '/harvest/etc/localtime';"));
    }
}

#[cfg(test)]
mod rule_tests {
    use super::*;
    use stagecraft_rules::{check_run, RunContext};

    /// The generated step passes every rule, not even a warning.
    #[test]
    fn the_script_passes_every_rule() {
        let calls = Harvest::new()
            .binary("/usr/games/fortune")
            .package_files("fortunes-min")
            .package_files_with_dependencies("fortune-mod")
            .path("/etc/ssl/certs/")
            .file("/a", "/b")
            .calls()
            .unwrap();
        let text = script::script(HARVEST_ROOT, &calls, &["libc6".to_string()]);
        let findings = check_run(&text, &RunContext::build_only()).unwrap();
        assert!(findings.is_empty(), "{findings:#?}");
    }
}
