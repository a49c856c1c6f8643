//! `run!("...")`: parse one string literal, check it with
//! `stagecraft_rules::accept::accept_run` (the function `Run::checked`
//! calls), expand to a `Run` or to one compile error per problem.

use proc_macro2::TokenStream;
use quote::quote;
use stagecraft_rules::accept::Rejection;
use stagecraft_rules::Finding;
use syn::parse::{Parse, ParseStream};
use syn::LitStr;

/// The input of `run!`: one string literal (an optional trailing comma is fine).
struct RunInput {
    command: LitStr,
}

impl Parse for RunInput {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let command = input.parse::<LitStr>().map_err(|error| {
            syn::Error::new(
                error.span(),
                "run! takes one string literal with the shell command, e.g. run!(\"make install\")",
            )
        })?;
        if input.peek(syn::Token![,]) {
            input.parse::<syn::Token![,]>()?;
        }
        if !input.is_empty() {
            return Err(input.error("run! takes exactly one string literal"));
        }
        Ok(RunInput { command })
    }
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let RunInput { command } = match syn::parse2(input) {
        Ok(parsed) => parsed,
        Err(error) => return error.to_compile_error(),
    };
    let text = command.value();
    let warnings = match stagecraft_rules::accept::accept_run(&text) {
        Ok(warnings) => warnings,
        Err(rejection) => {
            // Several `compile_error!`s are statements, not one expression:
            // wrap them in a block whose value has the type `run!` promises.
            // A closure's call, not `unreachable!()` itself: a value of type
            // `!` as an argument (`.run(run!(..))`) would add an "unreachable
            // call" warning to the user's errors.
            let errors = rejection_errors(&command, rejection).to_compile_error();
            return quote! {{
                #errors
                (|| -> ::stagecraft::Run { ::core::unreachable!() })()
            }};
        }
    };
    let warnings = crate::warning::warnings(
        command.span(),
        warnings.iter().map(|finding| {
            let note = format!("{}: {}", label(finding), finding.message);
            (finding.rule.id, note)
        }),
    );
    quote! {{
        #warnings
        ::stagecraft::__private::run_from_macro(#command)
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
