//! Procedural macros of [stagecraft](https://docs.rs/stagecraft).
//!
//! Do not depend on this crate directly: use the macros through `stagecraft`,
//! which re-exports them (`stagecraft::run!`) next to the types they produce.
//!
//! Each macro follows the same steps, one file each: parse the input into a
//! small AST, validate it with `stagecraft-rules` (the same code the library
//! runs at run time), and expand to the typed model, or to a `compile_error!`
//! pointing at the offending literal.

use proc_macro::TokenStream;

mod dockerfile;
mod run;
mod warning;

/// A `RUN` command checked at compile time; see `stagecraft::run!`.
#[proc_macro]
pub fn run(input: TokenStream) -> TokenStream {
    run::expand(input.into()).into()
}

/// A whole Dockerfile checked at compile time; see `stagecraft::dockerfile!`.
#[proc_macro]
pub fn dockerfile(input: TokenStream) -> TokenStream {
    dockerfile::expand_text(input.into()).into()
}

/// A Dockerfile read from a file and checked at compile time; see
/// `stagecraft::include_dockerfile!`.
#[proc_macro]
pub fn include_dockerfile(input: TokenStream) -> TokenStream {
    dockerfile::expand_file(input.into()).into()
}
