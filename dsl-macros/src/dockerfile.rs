//! `dockerfile!("...")` and `include_dockerfile!("path")`: a whole
//! Dockerfile, checked at compile time, expanded to the typed model.
//!
//! The three steps, each its own section:
//!
//! 1. **parse** the macro input: one string literal (the text, or the path);
//! 2. **validate**: parse the Dockerfile with
//!    `stagecraft_rules::dockerfile::parse`, check it with the stage-aware
//!    `check_dockerfile` and with `model_support::model_problems` (what the
//!    typed model cannot hold), and collect *every* problem; findings of
//!    severity warning become compiler warnings (see `warning.rs`);
//! 3. **expand**: to `::stagecraft::__private::dockerfile_from_text(TEXT)`,
//!    which runs `Dockerfile::parse` (the same functions, so it does not
//!    fail), or to one `compile_error!` per problem, pointing at the literal.
//!
//! `include_dockerfile!` resolves its path against `CARGO_MANIFEST_DIR`;
//! when the file is not there, against the nearest directory holding a
//! `Cargo.toml` above the source file that invokes the macro (trybuild, for
//! one, compiles test files from a generated package whose
//! `CARGO_MANIFEST_DIR` is under `target/`). The expansion holds
//! `const _: &[u8] = include_bytes!("<absolute path>");` so that cargo
//! rebuilds the crate when the file changes.

use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::quote;
use stagecraft_rules::dockerfile::model_support::{model_problems, ModelProblemKind};
use stagecraft_rules::dockerfile::{check_dockerfile, parse, Options};
use stagecraft_rules::Severity;
use syn::parse::ParseStream;
use syn::LitStr;

// ---------------------------------------------------------------------------
// 1. Parse the macro input.
// ---------------------------------------------------------------------------

/// One string literal, an optional trailing comma.
struct Input {
    literal: LitStr,
}

/// Which macro is parsing, for its messages.
#[derive(Clone, Copy)]
enum Which {
    Text,
    File,
}

impl Which {
    fn usage(self) -> &'static str {
        match self {
            Which::Text => {
                "dockerfile! takes one string literal holding the whole Dockerfile, \
                 e.g. dockerfile!(r#\"FROM debian:bookworm-slim ...\"#)"
            }
            Which::File => {
                "include_dockerfile! takes one string literal with the path of the \
                 Dockerfile, relative to the package root, e.g. \
                 include_dockerfile!(\"docker/app.Dockerfile\")"
            }
        }
    }
}

fn parse_input(input: TokenStream, which: Which) -> syn::Result<Input> {
    let parser = move |stream: ParseStream| -> syn::Result<Input> {
        let literal = stream
            .parse::<LitStr>()
            .map_err(|error| syn::Error::new(error.span(), which.usage()))?;
        if stream.peek(syn::Token![,]) {
            stream.parse::<syn::Token![,]>()?;
        }
        if !stream.is_empty() {
            return Err(stream.error(which.usage()));
        }
        Ok(Input { literal })
    };
    syn::parse::Parser::parse2(parser, input)
}

// ---------------------------------------------------------------------------
// 2. Validate: every problem, collected before any is reported.
// ---------------------------------------------------------------------------

/// Every problem of `text`, each message starting with `{prefix}{line}: `
/// (`line ` for `dockerfile!`, `path:` for `include_dockerfile!`).
fn problems(text: &str, prefix: &str) -> Vec<String> {
    let df = match parse(text) {
        Ok(df) => df,
        Err(error) => return vec![format!("{prefix}{}: {}", error.line, error.kind)],
    };
    let findings: Vec<_> = check_dockerfile(&df, &Options::default())
        .into_iter()
        .filter(|finding| finding.severity == Severity::Error)
        .collect();
    let mut messages: Vec<(usize, String)> = findings
        .iter()
        .map(|finding| {
            (
                finding.line,
                format!(
                    "{prefix}{}: {}: {}",
                    finding.line,
                    label(finding.rule),
                    finding.message
                ),
            )
        })
        .collect();
    let reported = |line: usize, id: &str| {
        findings
            .iter()
            .any(|seen| seen.line == line && seen.rule.id == id)
    };
    for problem in model_problems(text, &df) {
        let line = problem.line;
        // Said already by the rule's error on that line.
        if problem.covered_by.is_some_and(|id| reported(line, id)) {
            continue;
        }
        let message = match &problem.kind {
            // A RUN the model refuses: its rule findings, minus those the
            // stage-aware check has already reported as errors on that line.
            ModelProblemKind::RunRefused(stagecraft_rules::accept::Rejection::Rules(refused)) => {
                let new: Vec<String> = refused
                    .iter()
                    .filter(|finding| !reported(line, finding.rule.id))
                    .map(|finding| format!("{}: {}", label(finding.rule), finding.message))
                    .collect();
                if new.is_empty() {
                    continue;
                }
                format!(
                    "{prefix}{line}: the model holds every RUN to the rules of a stage that \
                     ships (`Run::checked`), whatever its stage, so this RUN cannot be held: {}",
                    new.join("; ")
                )
            }
            // Said already by SCR028, the checker's word for the same thing.
            ModelProblemKind::RunRefused(stagecraft_rules::accept::Rejection::Shell(_))
                if reported(line, "SCR028") =>
            {
                continue;
            }
            kind => format!("{prefix}{line}: {kind}"),
        };
        messages.push((line, message));
    }
    messages.sort_by_key(|(line, _)| *line);
    messages.into_iter().map(|(_, message)| message).collect()
}

/// The warnings of `text` (rules of severity warning, stage-aware), as
/// (rule id, message) pairs; empty when the text does not parse (the errors
/// say why).
fn warnings(text: &str, prefix: &str) -> Vec<(&'static str, String)> {
    let Ok(df) = parse(text) else {
        return Vec::new();
    };
    check_dockerfile(&df, &Options::default())
        .into_iter()
        .filter(|finding| finding.severity == Severity::Warning)
        .map(|finding| {
            let message = format!(
                "{prefix}{}: {}: {}",
                finding.line,
                label(finding.rule),
                finding.message
            );
            (finding.rule.id, message)
        })
        .collect()
}

/// `SCR003 (DL3009)`, or the id alone when no hadolint rule matches or the
/// id is the hadolint code (`DL3008`).
fn label(rule: &stagecraft_rules::Rule) -> String {
    match rule.hadolint {
        Some(code) if code != rule.id => format!("{} ({code})", rule.id),
        // A hadolint parity rule (`DL3008`) is its code: shown once.
        _ => rule.id.to_owned(),
    }
}

/// Where `include_dockerfile!("path")` finds its file; see the module docs.
fn resolve(path: &str) -> Result<PathBuf, String> {
    let written = Path::new(path);
    if written.is_absolute() {
        return Ok(written.to_path_buf());
    }
    if let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") {
        let candidate = Path::new(&dir).join(written);
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    if let Some(file) = proc_macro::Span::call_site().local_file() {
        let file = std::fs::canonicalize(&file).unwrap_or(file);
        let root = file
            .ancestors()
            .skip(1)
            .find(|dir| dir.join("Cargo.toml").is_file());
        if let Some(candidate) = root.map(|dir| dir.join(written)) {
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(format!(
        "include_dockerfile!: there is no file `{path}` in the package root: the path is \
         relative to `CARGO_MANIFEST_DIR` (or, when the file is not there, to the nearest \
         directory with a Cargo.toml above the source file that invokes the macro)"
    ))
}

// ---------------------------------------------------------------------------
// 3. Expand.
// ---------------------------------------------------------------------------

/// `dockerfile!("...")`.
pub(crate) fn expand_text(input: TokenStream) -> TokenStream {
    let Input { literal } = match parse_input(input, Which::Text) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let text = literal.value();
    let warnings = crate::warning::warnings(literal.span(), warnings(&text, "line "));
    expand(&literal, &text, &problems(&text, "line "), warnings)
}

/// `include_dockerfile!("path")`.
pub(crate) fn expand_file(input: TokenStream) -> TokenStream {
    let Input { literal } = match parse_input(input, Which::File) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let path = literal.value();
    let file = match resolve(&path) {
        Ok(file) => file,
        Err(message) => return errors(&literal, &[message], TokenStream::new()),
    };
    let text = match std::fs::read(&file) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => {
                let bytes = error.as_bytes();
                let line = 1 + bytes[..error.utf8_error().valid_up_to()]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count();
                let message = format!("{path}:{line}: the file is not UTF-8 text (a binary file?)");
                return errors(&literal, &[message], track(&file));
            }
        },
        Err(error) => {
            let message = format!(
                "include_dockerfile!: cannot read `{}`: {error}",
                file.display()
            );
            return errors(&literal, &[message], TokenStream::new());
        }
    };
    let prefix = format!("{path}:");
    let problems = problems(&text, &prefix);
    let warnings = crate::warning::warnings(literal.span(), warnings(&text, &prefix));
    let text_literal = LitStr::new(&text, literal.span());
    let mut extra = track(&file);
    extra.extend(warnings);
    expand(&text_literal, &text, &problems, extra)
}

/// `const _: &[u8] = include_bytes!("<absolute path>");`: cargo's dep-info
/// then names the file, and a change to it rebuilds the crate.
fn track(file: &Path) -> TokenStream {
    let absolute = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    let path = absolute.to_string_lossy().into_owned();
    quote! { const _: &[u8] = ::core::include_bytes!(#path); }
}

fn expand(literal: &LitStr, text: &str, problems: &[String], extra: TokenStream) -> TokenStream {
    if !problems.is_empty() {
        return errors(literal, problems, extra);
    }
    let text = LitStr::new(text, literal.span());
    quote! {{
        #extra
        ::stagecraft::__private::dockerfile_from_text(#text)
    }}
}

/// One `compile_error!` per message, each pointing at the literal; several
/// are statements, not one expression, so they are wrapped in a block whose
/// value has the type the macros promise.
fn errors(literal: &LitStr, messages: &[String], extra: TokenStream) -> TokenStream {
    let errors = messages
        .iter()
        .map(|message| syn::Error::new(literal.span(), message).to_compile_error());
    quote! {{
        #extra
        #(#errors)*
        (|| -> ::stagecraft::Dockerfile { ::core::unreachable!() })()
    }}
}
