//! The trace stage: the build stage's commands run under `strace -f`.

use super::*;

/// `dockerfile` with the throwaway trace stage added after its stages:
/// `FROM <build_stage> AS <build_stage>-trace` (another free alias if that
/// one is taken), `strace` installed with an apt recipe, and one `RUN` that
/// runs each [`Harvest::traced`] command under `strace -f`; returns the new
/// Dockerfile and the trace stage's alias. Pure: see [`trace`] for the rest.
///
/// ```
/// use stagecraft::harvest::{trace_stage, Harvest};
/// use stagecraft::packages::Apt;
/// use stagecraft::Dockerfile;
///
/// let mut df = Dockerfile::builder();
/// df.stage("build", "debian:bookworm-slim").install(Apt::install(["cowsay"]));
/// let harvest = Harvest::new().traced(["/usr/games/cowsay", "moo"]);
/// let (dockerfile, alias) = trace_stage(&df.build()?, "build", &harvest)?;
/// assert_eq!(alias, "build-trace");
/// let text = dockerfile.render();
/// assert!(text.contains("FROM build AS build-trace\n"));
/// assert!(text.contains("strace -f -qq -y -e trace=%file,chdir,fchdir,clone,clone3,fork,vfork \
///                        -o /stagecraft-trace/0.log -- '/usr/games/cowsay' 'moo' > /stagecraft-trace/0.out"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`TraceError::NothingTraced`], [`TraceError::NoSuchStage`],
/// [`TraceError::NoShell`], [`TraceError::InvalidCommand`].
pub fn trace_stage(
    dockerfile: &Dockerfile,
    build_stage: &str,
    harvest: &Harvest,
) -> Result<(Dockerfile, String), TraceError> {
    let commands = commands(harvest);
    if commands.is_empty() {
        return Err(TraceError::NothingTraced);
    }
    let stages = dockerfile.stages();
    let Some(index) = stages.iter().position(|stage| {
        stage
            .alias
            .as_deref()
            .is_some_and(|alias| alias.eq_ignore_ascii_case(build_stage))
    }) else {
        return Err(TraceError::NoSuchStage {
            stage: build_stage.to_string(),
        });
    };
    if !dockerfile.stage_has_shell(index) {
        return Err(TraceError::NoShell {
            stage: build_stage.to_string(),
        });
    }
    let build_alias = stages[index].alias.clone().unwrap_or_default();
    let taken = |alias: &str| dockerfile.stage(alias).is_some();
    let mut alias = format!("{build_alias}-trace");
    let mut n = 2;
    while taken(&alias) {
        alias = format!("{build_alias}-trace-{n}");
        n += 1;
    }

    let mut script = format!("mkdir -p {TRACE_DIR} && pwd > {TRACE_DIR}/cwd");
    for (n, command) in commands.iter().enumerate() {
        if command.is_empty() {
            return Err(TraceError::InvalidCommand {
                command: String::new(),
                reason: "the command is empty: name the program to run".to_string(),
            });
        }
        if let Some(word) = command
            .iter()
            .find(|word| word.chars().any(char::is_control))
        {
            return Err(TraceError::InvalidCommand {
                command: shell_words(command),
                reason: format!("{word:?} holds a control character"),
            });
        }
        script.push_str(&format!(
            " && strace -f -qq -y -e trace={STRACE_CALLS} -o {TRACE_DIR}/{n}.log -- {} > {TRACE_DIR}/{n}.out",
            shell_words(command)
        ));
    }
    let shown = commands
        .iter()
        .map(|c| shell_words(c))
        .collect::<Vec<_>>()
        .join("; ");
    let traced_run = Run::checked(script).map_err(|violations| TraceError::InvalidCommand {
        command: shown.clone(),
        reason: violations.to_string(),
    })?;
    let install =
        Run::from_recipe(Apt::install(["strace"])).map_err(|error| TraceError::InvalidCommand {
            command: "apt-get install strace".to_string(),
            reason: error.to_string(),
        })?;

    let mut instructions = Vec::new();
    let user = crate::harvest::stage_user(stages, index);
    let switch = user
        .as_deref()
        .is_some_and(|user| !crate::harvest::is_root(user));
    if switch {
        instructions.push(Instruction::User("root".to_string()));
    }
    instructions.push(Instruction::Run(install));
    if let (true, Some(user)) = (switch, user) {
        instructions.push(Instruction::User(user));
    }
    instructions.push(Instruction::Run(traced_run));
    let mut all = stages.to_vec();
    all.push(Stage {
        alias: Some(alias.clone()),
        base: Base::Stage(build_alias),
        platform: stages[index].platform.clone(),
        instructions,
    });
    let traced = Dockerfile::from_parts(dockerfile.args().to_vec(), all).map_err(|errors| {
        TraceError::InvalidCommand {
            command: shown,
            reason: errors.to_string(),
        }
    })?;
    Ok((traced, alias))
}
