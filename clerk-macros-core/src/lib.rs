//! Parsing, validation and code generation of the `clerk` attribute macros
//! (`#[clerk::protect]`, `#[clerk::with_session]`, `#[clerk::require_session]`), as a plain
//! library on `proc_macro2` tokens, so that it can be unit-tested and fuzzed. The
//! `clerk-macros` proc-macro crate is a thin wrapper around [`protect`], [`with_session`] and
//! [`require_session`]; the macros' behaviour is documented there.
//!
//! One expansion runs three stages:
//!
//! 1. `attr`: the attribute's tokens parsed into typed arguments (`impl syn::parse::Parse`,
//!    one `syn::custom_keyword!` per argument);
//! 2. `validate`: one `check_*` function per rule, each misuse a spanned `syn::Error`, all of
//!    them combined so that one expansion reports every mistake;
//! 3. `expand` (with `inject` for the handler's parameters): the rewritten handler and its
//!    hidden policy type.
//!
//! Never panics: every misuse becomes a `compile_error!` in the output.

mod attr;
mod expand;
mod inject;
mod names;
mod validate;

/// The body of the `macro_attr` fuzz target and of its regression test. Not a public API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
#[path = "fuzzing.rs"]
pub mod __fuzz;

#[cfg(test)]
mod tests;

use proc_macro2::TokenStream;

pub use attr::Mode;

/// `#[clerk::protect(…)]`: `attr` is the attribute's arguments, `item` the handler. Returns
/// the expansion, with a `compile_error!` for each misuse.
pub fn protect(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand(Mode::Protect, attr, item)
}

/// `#[clerk::with_session(…)]`: `attr` is the attribute's arguments, `item` the handler.
/// Returns the expansion, with a `compile_error!` for each misuse.
pub fn with_session(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand(Mode::Lax, attr, item)
}

/// `#[clerk::require_session(…)]`: `attr` is the attribute's arguments, `item` the handler.
/// Returns the expansion, with a `compile_error!` for each misuse.
pub fn require_session(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand(Mode::Strict, attr, item)
}

/// Expands one attribute of `mode`. Never panics: every misuse becomes a spanned
/// `compile_error!`, next to a working expansion of the handler whenever one can be produced
/// (else next to the item as written), so that the user sees the macro's error and no
/// follow-up errors.
pub fn expand(mode: Mode, attr: TokenStream, item: TokenStream) -> TokenStream {
    let validate::Parsed {
        args,
        mut errors,
        poisoned,
    } = validate::args(mode, attr);
    let parsed = validate::check_item_is_fn(mode, syn::parse2::<syn::ItemFn>(item.clone()));
    let generated = match parsed {
        Ok(func) => expand::expand(mode, &args, func, &mut errors),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    match (errors.finish(), generated) {
        (Ok(()), Some(tokens)) => tokens,
        (Err(err), Some(mut tokens)) if !poisoned => {
            tokens.extend(err.to_compile_error());
            tokens
        }
        (result, _) => {
            // Keep the item as written so that one mistake does not cascade into
            // "cannot find function" errors at every use.
            let mut out = item;
            if let Err(err) = result {
                out.extend(err.to_compile_error());
            }
            out
        }
    }
}
