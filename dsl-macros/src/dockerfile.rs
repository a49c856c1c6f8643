//! `dockerfile!("...")` and `include_dockerfile!("path")`: a whole
//! Dockerfile, checked at compile time, expanded to the typed model.
//!
//! The three steps, each its own section:
//!
//! 1. **parse** the macro input: one string literal (the text, or the path);
//! 2. **validate**: parse the Dockerfile with
//!    `stagecraft_rules::dockerfile::Dockerfile::parse` and judge it once with
//!    `model_support::judge` (the stage-aware rules of `stagecraft lint` and
//!    what the typed model cannot hold, each said once: the very verdict of
//!    `Dockerfile::parse`), collecting *every* problem; findings of
//!    severity warning become compiler warnings (see `warning.rs`);
//! 3. **expand**: to `::stagecraft::__private::dockerfile_from_text(TEXT)`,
//!    which reads the text into the syntax tree and converts it to the model
//!    without judging it again (no rules, no model limits, no validation:
//!    this step did them), or to one `compile_error!` per problem, pointing
//!    at the literal.
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
use stagecraft_rules::dockerfile::model_support::judge;
use stagecraft_rules::dockerfile::Dockerfile;
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

/// The errors and the warnings of `text`, each message starting with
/// `{prefix}{line}: ` (`line ` for `dockerfile!`, `path:` for
/// `include_dockerfile!`): the one verdict of `model_support::judge`, the
/// same `Dockerfile::parse` gives at run time.
struct Judged {
    errors: Vec<String>,
    /// (rule id, message) pairs.
    warnings: Vec<(&'static str, String)>,
}

fn judged(text: &str, prefix: &str) -> Judged {
    let df = match Dockerfile::parse(text) {
        Ok(df) => df,
        Err(error) => {
            return Judged {
                errors: vec![format!("{prefix}{}: {}", error.line, error.kind)],
                warnings: Vec::new(),
            }
        }
    };
    let verdict = judge(text, &df);
    let errors = verdict
        .problems
        .iter()
        .map(|problem| format!("{prefix}{}: {}", problem.line, problem.kind))
        .collect();
    let warnings = verdict
        .warnings
        .iter()
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
        .collect();
    Judged { errors, warnings }
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
    let Judged { errors, warnings } = judged(&text, "line ");
    let warnings = crate::warning::warnings(literal.span(), warnings);
    expand(&literal, &text, &errors, warnings)
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
    let Judged {
        errors: problems,
        warnings,
    } = judged(&text, &prefix);
    let warnings = crate::warning::warnings(literal.span(), warnings);
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
