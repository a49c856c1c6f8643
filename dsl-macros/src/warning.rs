//! Compiler warnings from a proc macro on stable Rust.
//!
//! A proc macro can raise errors (`compile_error!`) but not warnings; the
//! use of a `#[deprecated]` constant is the one warning it can provoke, with
//! its own text, at the span it chooses. `#[allow(deprecated)]` on the
//! enclosing item silences it and `#[deny(deprecated)]` turns it into an
//! error (which is how the trybuild cases check warnings).

use proc_macro2::{Span, TokenStream};
use quote::quote;

/// Statements that raise one warning per note, at `span`. `kind` names the
/// constants (`stagecraft_warning_<kind>_<index>`), so the warning reads
/// `use of deprecated constant stagecraft_warning_SC007_0: <note>`.
pub(crate) fn warnings<'a>(
    span: Span,
    notes: impl IntoIterator<Item = (&'a str, String)>,
) -> TokenStream {
    let statements = notes.into_iter().enumerate().map(|(index, (kind, note))| {
        let name = syn::Ident::new(&format!("stagecraft_warning_{kind}_{index}"), span);
        quote! {
            #[deprecated(note = #note)]
            #[allow(non_upper_case_globals)]
            const #name: () = ();
            let () = #name;
        }
    });
    quote! { #(#statements)* }
}
