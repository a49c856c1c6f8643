//! `run!("...")`: parse one string literal, check it, expand to a `Run`.

use proc_macro2::TokenStream;
use quote::quote;
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
    if let Err(error) = stagecraft_rules::text::check_run_text(&text) {
        return syn::Error::new(command.span(), error).to_compile_error();
    }
    quote! {
        ::stagecraft::__private::run_from_macro(#command)
    }
}
