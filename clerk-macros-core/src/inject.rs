//! Handler parameters: which ones the macros provide (`Auth`, `Session`, `Option<Session>`,
//! `User`, `Option<User>`, `MachineAuth`, `Option<MachineAuth>`), and the split of a
//! handler's parameters into injected ones (bound at the top of the body) and the extractors
//! that stay in the signature.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::punctuated::Punctuated;
use syn::{FnArg, Ident, Token, Type};

use crate::attr::{Args, Mode};
use crate::names::{recognize, Injected};
use crate::validate::{self, Errors};

/// A handler's parameters, split.
pub(crate) struct Params {
    /// `let pat: Ty = …;` for each injected parameter, the `User` last (it moves the guard).
    pub bindings: Vec<TokenStream>,
    /// Whether a `User` is injected (the guard loads it).
    pub load_user: bool,
    /// The parameters that stay extractors, in order.
    pub kept: Punctuated<FnArg, Token![,]>,
}

/// Splits `inputs`, pushing every misuse to `errors`. A rejected parameter still gets a
/// binding of the user's type (`rejected_parameter()`), so that the body type-checks and the
/// macro's error is the only one. `None` for methods, which cannot be expanded.
pub(crate) fn split(
    mode: Mode,
    args: &Args,
    name: &Ident,
    inputs: &Punctuated<FnArg, Token![,]>,
    private: &TokenStream,
    errors: &mut Errors,
) -> Option<Params> {
    let mut is_method = false;
    let mut bindings = Vec::new();
    let mut user_binding = None;
    let mut kept = Punctuated::<FnArg, Token![,]>::new();
    let mut seen: Vec<(Injected, &Type)> = Vec::new();
    for arg in inputs {
        let pt = match arg {
            FnArg::Receiver(recv) => {
                is_method = true;
                errors.check(validate::check_free_function(mode, name, recv));
                continue;
            }
            FnArg::Typed(pt) => pt,
        };
        let pat = &pt.pat;
        let ty = &pt.ty;
        let Some(kind) = recognize(ty, args.krate.as_ref()) else {
            kept.push(arg.clone());
            continue;
        };
        let rejected = quote! { let #pat: #ty = #private::rejected_parameter(); };
        if let Err(e) = validate::check_mode_provides(kind, ty, mode) {
            errors.push(e);
            bindings.push(rejected);
            continue;
        }
        if let Err(e) = validate::check_accepts_provides(kind, ty, &args.accepts) {
            // After an `accepts` that did not parse, its error is enough.
            if !args.accepts_invalid {
                errors.push(e);
            }
            bindings.push(rejected);
            continue;
        }
        if let Err(e) = validate::check_injected_once(kind, ty, &seen) {
            errors.push(e);
            bindings.push(rejected);
            continue;
        }
        seen.push((kind, ty));
        let accessor = format_ident!("{}", kind.accessor());
        let binding = quote! { let #pat: #ty = __clerk_guard.#accessor(); };
        if kind.is_user() {
            user_binding = Some(binding);
        } else {
            bindings.push(binding);
        }
    }
    if is_method {
        return None;
    }
    let load_user = user_binding.is_some();
    bindings.extend(user_binding);
    Some(Params {
        bindings,
        load_user,
        kept,
    })
}
