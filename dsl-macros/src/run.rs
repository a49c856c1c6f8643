//! `run!("...")` and `run!(mount = "...", network = "...", "...")`: parse the
//! options and the command literal, check them with `stagecraft_rules` (the
//! mounts with the grammar of `dockerfile::mount`, the command with
//! `accept::accept_run_with`, which `Run::checked` and `RunSpec` call too,
//! given the mounts), expand to a `Run` or to one compile error per problem.

use proc_macro2::TokenStream;
use quote::quote;
use stagecraft_rules::accept::Rejection;
use stagecraft_rules::dockerfile::mount::{MountOptions, Network, RunOptions, Security};
use stagecraft_rules::Finding;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr};

const USAGE: &str = "run! takes the RUN's options, then one string literal with the shell \
                     command: `run!(\"make install\")`, or \
                     `run!(mount = \"type=cache,target=/root/.cache/pip\", network = \"none\", \
                     \"pip install numpy\")` (`mount` any number of times, `network` and \
                     `security` once each)";

/// One `name = "value"` before the command.
struct RunOption {
    name: Ident,
    value: LitStr,
}

/// The input of `run!`: options, then one string literal (an optional
/// trailing comma is fine).
struct RunInput {
    options: Vec<RunOption>,
    command: LitStr,
}

impl Parse for RunInput {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut options = Vec::new();
        while input.peek(Ident) && input.peek2(syn::Token![=]) {
            let name: Ident = input.parse()?;
            input.parse::<syn::Token![=]>()?;
            let value = input.parse::<LitStr>().map_err(|error| {
                syn::Error::new(
                    error.span(),
                    format!("`{name} =` takes a string literal, e.g. `{name} = \"...\"`"),
                )
            })?;
            input
                .parse::<syn::Token![,]>()
                .map_err(|error| syn::Error::new(error.span(), USAGE))?;
            options.push(RunOption { name, value });
        }
        let command = input
            .parse::<LitStr>()
            .map_err(|error| syn::Error::new(error.span(), USAGE))?;
        if input.peek(syn::Token![,]) {
            input.parse::<syn::Token![,]>()?;
        }
        if !input.is_empty() {
            return Err(input.error(USAGE));
        }
        Ok(RunInput { options, command })
    }
}

/// The options, read by the grammar, and their literals for the expansion.
struct Read {
    options: RunOptions,
    mounts: Vec<LitStr>,
    network: Option<LitStr>,
    security: Option<LitStr>,
}

/// Reads every option; every problem, each spanned on its option.
fn read_options(options: &[RunOption]) -> Result<Read, syn::Error> {
    let mut read = Read {
        options: RunOptions::default(),
        mounts: Vec::new(),
        network: None,
        security: None,
    };
    let mut errors: Vec<syn::Error> = Vec::new();
    for RunOption { name, value } in options {
        let text = value.value();
        let once = |slot: &Option<LitStr>| {
            slot.as_ref().map(|_| {
                syn::Error::new(
                    name.span(),
                    format!("run! takes `{name}` once: remove one of them"),
                )
            })
        };
        let result = match name.to_string().as_str() {
            "mount" => MountOptions::parse(&text).map(|mount| {
                read.options.mounts.push(mount);
                read.mounts.push(value.clone());
            }),
            "network" => {
                if let Some(error) = once(&read.network) {
                    errors.push(error);
                    continue;
                }
                Network::parse(&text).map(|network| {
                    read.options.network = Some(network);
                    read.network = Some(value.clone());
                })
            }
            "security" => {
                if let Some(error) = once(&read.security) {
                    errors.push(error);
                    continue;
                }
                Security::parse(&text).map(|security| {
                    read.options.security = Some(security);
                    read.security = Some(value.clone());
                })
            }
            _ => {
                errors.push(syn::Error::new(
                    name.span(),
                    format!("run! has no option `{name}`: {USAGE}"),
                ));
                continue;
            }
        };
        if let Err(error) = result {
            errors.push(syn::Error::new(value.span(), error.to_string()));
        }
    }
    let mut errors = errors.into_iter();
    match errors.next() {
        None => Ok(read),
        Some(mut first) => {
            for error in errors {
                first.combine(error);
            }
            Err(first)
        }
    }
}

/// Several `compile_error!`s are statements, not one expression: wrapped
/// in a block whose value has the type `run!` promises. A closure's call,
/// not `unreachable!()` itself: a value of type `!` as an argument
/// (`.run(run!(..))`) would add an "unreachable call" warning to the
/// user's errors.
fn refused(errors: syn::Error) -> TokenStream {
    let errors = errors.to_compile_error();
    quote! {{
        #errors
        (|| -> ::stagecraft::Run { ::core::unreachable!() })()
    }}
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let RunInput { options, command } = match syn::parse2(input) {
        Ok(parsed) => parsed,
        Err(error) => return error.to_compile_error(),
    };
    let read = match read_options(&options) {
        Ok(read) => read,
        Err(errors) => return refused(errors),
    };
    let text = command.value();
    let warnings = match stagecraft_rules::accept::accept_run_with(&text, &read.options) {
        Ok(warnings) => warnings,
        Err(rejection) => return refused(rejection_errors(&command, rejection)),
    };
    let warnings = crate::warning::warnings(
        command.span(),
        warnings.iter().map(|finding| {
            let note = format!("{}: {}", label(finding), finding.message);
            (finding.rule.id, note)
        }),
    );
    if options.is_empty() {
        return quote! {{
            #warnings
            ::stagecraft::__private::run_from_macro(#command)
        }};
    }
    let optional = |literal: &Option<LitStr>| match literal {
        Some(literal) => quote! { ::core::option::Option::Some(#literal) },
        None => quote! { ::core::option::Option::None },
    };
    let Read {
        mounts,
        network,
        security,
        ..
    } = read;
    let (network, security) = (optional(&network), optional(&security));
    quote! {{
        #warnings
        ::stagecraft::__private::run_with_options_from_macro(
            &[#(#mounts),*],
            #network,
            #security,
            #command,
        )
    }}
}

/// `SCR003 (DL3009)`, or the id alone when no hadolint rule matches or the
/// id is the hadolint code (`DL3008`).
fn label(finding: &Finding) -> String {
    match finding.rule.hadolint {
        Some(code) if code != finding.rule.id => format!("{} ({code})", finding.rule.id),
        // A hadolint parity rule (`DL3008`) is its code: shown once.
        _ => finding.rule.id.to_string(),
    }
}

/// One compile error per problem, each pointing at the literal.
fn rejection_errors(command: &LitStr, rejection: Rejection) -> syn::Error {
    let messages = match rejection {
        Rejection::Rules(findings) => findings
            .iter()
            .map(|finding| format!("{}: {}", label(finding), finding.message))
            .collect(),
        other => vec![other.to_string()],
    };
    let mut errors = messages
        .into_iter()
        .map(|message| syn::Error::new(command.span(), message));
    let mut first = errors.next().expect("a rejection has at least one problem");
    for error in errors {
        first.combine(error);
    }
    first
}
