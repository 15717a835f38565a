//! Handler parameters: which ones the macros provide (`Auth`, `Session`, `Option<Session>`,
//! `User`, `Option<User>`, `MachineAuth`, `Option<MachineAuth>`), and the split of a
//! handler's parameters into injected ones (bound at the top of the body) and the extractors
//! that stay in the signature.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::punctuated::Punctuated;
use syn::{FnArg, GenericArgument, Ident, Path, PathArguments, Token, Type};

use crate::attr::{Args, Mode};
use crate::validate::{self, Errors};

/// A clerk type in a parameter's type.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Injected {
    Auth,
    Session,
    OptionSession,
    User,
    OptionUser,
    MachineAuth,
    OptionMachineAuth,
    /// Never provided (`Auth` is always present): recognized to be reported.
    OptionAuth,
}

impl Injected {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Injected::Auth => "Auth",
            Injected::Session => "Session",
            Injected::OptionSession => "Option<Session>",
            Injected::User => "User",
            Injected::OptionUser => "Option<User>",
            Injected::MachineAuth => "MachineAuth",
            Injected::OptionMachineAuth => "Option<MachineAuth>",
            Injected::OptionAuth => "Option<Auth>",
        }
    }

    /// Whether the parameter needs the Backend API user (bound last: it moves the guard).
    pub(crate) fn is_user(self) -> bool {
        matches!(self, Injected::User | Injected::OptionUser)
    }

    /// The guard's method that produces the value.
    fn accessor(self) -> &'static str {
        match self {
            Injected::Auth => "auth",
            Injected::Session => "session",
            Injected::OptionSession => "session_opt",
            Injected::User => "into_user",
            Injected::OptionUser => "into_user_opt",
            Injected::MachineAuth => "machine",
            Injected::OptionMachineAuth => "machine_opt",
            // Rejected by validation before a binding is generated.
            Injected::OptionAuth => "auth",
        }
    }
}

/// The last segment's name when `path` is `Name`, `clerk::Name`, `::clerk::Name` or
/// `<crate>::Name`, without generic arguments.
fn clerk_type_name<'p>(path: &'p Path, krate: Option<&Path>) -> Option<&'p Ident> {
    let last = path.segments.last()?;
    if !matches!(last.arguments, PathArguments::None) {
        return None;
    }
    let prefix: Vec<String> = path
        .segments
        .iter()
        .rev()
        .skip(1)
        .map(|s| s.ident.to_string())
        .collect();
    let ok = match prefix.as_slice() {
        [] => true,
        [one] if one == "clerk" || one == "clerk_runtime" => true,
        _ => krate.is_some_and(|k| {
            let k: Vec<String> = k
                .segments
                .iter()
                .rev()
                .map(|s| s.ident.to_string())
                .collect();
            k == prefix
        }),
    };
    ok.then_some(&last.ident)
}

/// Which clerk type a parameter's type is, if any (whether the macro can provide it is
/// [`validate::check_mode_provides`]'s question).
pub(crate) fn recognize(ty: &Type, krate: Option<&Path>) -> Option<Injected> {
    let Type::Path(tp) = ty else { return None };
    if tp.qself.is_some() {
        return None;
    }
    let path = &tp.path;
    let last = path.segments.last()?;
    if last.ident == "Option" && path.segments.len() == 1 {
        let PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        let Some(GenericArgument::Type(Type::Path(inner))) = args.args.first() else {
            return None;
        };
        if args.args.len() != 1 || inner.qself.is_some() {
            return None;
        }
        return match clerk_type_name(&inner.path, krate)?.to_string().as_str() {
            "Session" => Some(Injected::OptionSession),
            "User" => Some(Injected::OptionUser),
            "MachineAuth" => Some(Injected::OptionMachineAuth),
            "Auth" => Some(Injected::OptionAuth),
            _ => None,
        };
    }
    match clerk_type_name(path, krate)?.to_string().as_str() {
        "Auth" => Some(Injected::Auth),
        "Session" => Some(Injected::Session),
        "User" => Some(Injected::User),
        "MachineAuth" => Some(Injected::MachineAuth),
        _ => None,
    }
}

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
