//! The rules of the handler: its item, its attributes and its parameters.

use syn::{Ident, Path};

use crate::attr::{Accepts, Mode};
use crate::names::{names_clerk, Injected};

/// The item is a function (`parsed` is the result of parsing it as one).
pub(crate) fn check_item_is_fn<T>(mode: Mode, parsed: syn::Result<T>) -> syn::Result<T> {
    parsed.map_err(|e| {
        syn::Error::new(
            e.span(),
            format!(
                "`#[clerk::{}]` applies to an `async fn` handler, e.g. `#[clerk::{0}] async fn me(session: clerk::Session) -> String`",
                mode.name()
            ),
        )
    })
}

/// The handler is an `async fn`.
pub(crate) fn check_async(mode: Mode, sig: &syn::Signature) -> syn::Result<()> {
    if sig.asyncness.is_some() {
        return Ok(());
    }
    Err(syn::Error::new(
        sig.fn_token.span,
        format!(
            "`#[clerk::{}]` handlers must be `async fn`: write `async fn {}`",
            mode.name(),
            sig.ident
        ),
    ))
}

const ATTRIBUTE_NAMES: [&str; 3] = ["protect", "with_session", "require_session"];

/// `attr` is not a second clerk attribute (which would expand the generated handler again).
pub(crate) fn check_single_attribute(
    mode: Mode,
    attr: &syn::Attribute,
    krate: Option<&Path>,
) -> syn::Result<()> {
    match clerk_attribute(attr, krate) {
        Some(other) => Err(syn::Error::new_spanned(attr, two_attributes(mode, &other))),
        None => Ok(()),
    }
}

/// The name of a clerk attribute (`#[clerk::protect]`, `#[protect]`, `#[::clerk::protect]`,
/// `#[<crate>::protect]`), if `attr` is one.
fn clerk_attribute(attr: &syn::Attribute, krate: Option<&Path>) -> Option<String> {
    let path = attr.path();
    let last = path.segments.last()?.ident.to_string();
    if !ATTRIBUTE_NAMES.contains(&last.as_str()) {
        return None;
    }
    names_clerk(path, krate, &["clerk"]).then_some(last)
}

/// The message for a second clerk attribute on one handler.
fn two_attributes(mode: Mode, other: &str) -> String {
    let this = mode.name();
    if other == this {
        return match mode {
            Mode::Protect => "`#[clerk::protect]` is applied twice: put all the checks in one `#[clerk::protect(…)]` (checks are combined with AND; use `any(…)` for OR)".to_owned(),
            _ => format!("`#[clerk::{this}]` is applied twice: remove this one"),
        };
    }
    match (mode, other) {
        (Mode::Lax, _) | (_, "with_session") => format!(
            "a handler takes one clerk attribute: remove `#[clerk::{other}]` or `#[clerk::{this}]` (`with_session` runs the handler signed out; `require_session` and `protect` require a session)"
        ),
        _ => format!(
            "a handler takes one clerk attribute: remove `#[clerk::{other}]`; `#[clerk::protect]` requires a session as `#[clerk::require_session]` does, and adds the checks"
        ),
    }
}

/// The handler is a free function: a `self` parameter is an error.
pub(crate) fn check_free_function(
    mode: Mode,
    name: &Ident,
    recv: &syn::Receiver,
) -> syn::Result<()> {
    Err(syn::Error::new_spanned(
        recv,
        format!(
            "`#[clerk::{}]` handlers must be free functions, without `self`: move `{name}` out of the `impl` block and pass shared data with `State`",
            mode.name()
        ),
    ))
}

/// The macro can provide `kind`: `with_session` has no `Session` or `User`, only `protect`
/// takes machine tokens, and `Option<Auth>` is never right.
pub(crate) fn check_mode_provides(kind: Injected, ty: &syn::Type, mode: Mode) -> syn::Result<()> {
    let message = match kind {
        Injected::OptionAuth => "`Auth` is always present (signed in or signed out): take `Auth`, not `Option<Auth>`, and ask it `auth.is_signed_in()` or `auth.session()`".to_owned(),
        Injected::Session if mode == Mode::Lax => "`#[clerk::with_session]` runs the handler even when signed out, so it cannot provide a `Session`: take `Option<Session>` (or `Auth`), or use `#[clerk::require_session]` to require one".to_owned(),
        Injected::User if mode == Mode::Lax => "`#[clerk::with_session]` runs the handler even when signed out, so it cannot provide a `User`: take `Option<User>`, or use `#[clerk::require_session]` to require one".to_owned(),
        Injected::MachineAuth | Injected::OptionMachineAuth if mode != Mode::Protect => format!(
            "`#[clerk::{}]` accepts session tokens only, so it cannot provide a `MachineAuth`: use `#[clerk::protect(accepts = [api_key, m2m, oauth])]` (the machine token types the route takes)",
            mode.name()
        ),
        _ => return Ok(()),
    };
    Err(syn::Error::new_spanned(ty, message))
}

/// The route's `accepts` can provide `kind`: a `Session` needs session tokens only (else
/// `Option<Session>`), a `MachineAuth` machine tokens only (else `Option<MachineAuth>`), a
/// `User` a session-only route.
pub(crate) fn check_accepts_provides(
    kind: Injected,
    ty: &syn::Type,
    accepts: &Accepts,
) -> syn::Result<()> {
    let machine = accepts.has_machine();
    let session = accepts.session;
    let list = accepts
        .listed()
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let message = match kind {
        Injected::Auth => return Ok(()),
        Injected::MachineAuth | Injected::OptionMachineAuth if !machine => format!(
            "`{}` needs a route that accepts machine tokens: add them to `#[clerk::protect]`, e.g. `#[clerk::protect(accepts = [api_key, m2m, oauth])]` (the types you expect; add `session` to keep sessions)",
            kind.describe()
        ),
        Injected::MachineAuth if session => format!(
            "this route accepts session tokens and machine tokens ({list}), so a request may carry no `MachineAuth`: take `Option<MachineAuth>` (or `Auth`)"
        ),
        Injected::Session if !session => format!(
            "this route accepts machine tokens only ({list}), so it has no `Session`: take `clerk::MachineAuth` (or `Auth`), or add `session` to `accepts` and take `Option<Session>`"
        ),
        Injected::OptionSession if !session => format!(
            "this route accepts machine tokens only ({list}), so this `Option<Session>` would always be `None`: remove it and take `clerk::MachineAuth` (or `Auth`), or add `session` to `accepts`"
        ),
        Injected::Session if machine => format!(
            "this route accepts session tokens and machine tokens ({list}), so a request may carry no `Session`: take `Option<Session>` (or `Auth`)"
        ),
        Injected::User | Injected::OptionUser if machine => format!(
            "`{}` is the Backend API user of a session, loaded for routes that accept session tokens only, and this one accepts {list}: remove it, or load the user yourself (`clerk.load_user(id)`) from `auth.user_id()`",
            kind.describe()
        ),
        _ => return Ok(()),
    };
    Err(syn::Error::new_spanned(ty, message))
}

/// Each injected value is taken once.
pub(crate) fn check_injected_once(
    kind: Injected,
    ty: &syn::Type,
    seen: &[(Injected, &syn::Type)],
) -> syn::Result<()> {
    let Some((_, first)) = seen.iter().find(|(k, _)| *k == kind) else {
        return Ok(());
    };
    let mut err = syn::Error::new_spanned(
        ty,
        format!(
            "`{}` is injected twice: take it once, and clone it if you need two",
            kind.describe()
        ),
    );
    err.combine(syn::Error::new_spanned(first, "first taken here"));
    Err(err)
}
