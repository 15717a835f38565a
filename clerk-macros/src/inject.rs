//! Which handler parameters the macros provide: `Auth`, `Session`, `Option<Session>`,
//! `User`, `Option<User>`, `MachineAuth`, `Option<MachineAuth>`.

use syn::{GenericArgument, Path, PathArguments, Type};

use crate::attr::Mode;

/// What an injected parameter receives.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Injected {
    Auth,
    Session,
    OptionSession,
    User,
    OptionUser,
    MachineAuth,
    OptionMachineAuth,
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
        }
    }

    /// Whether the parameter needs the Backend API user (bound last: it moves the guard).
    pub(crate) fn is_user(self) -> bool {
        matches!(self, Injected::User | Injected::OptionUser)
    }

    pub(crate) fn accessor(self) -> &'static str {
        match self {
            Injected::Auth => "auth",
            Injected::Session => "session",
            Injected::OptionSession => "session_opt",
            Injected::User => "into_user",
            Injected::OptionUser => "into_user_opt",
            Injected::MachineAuth => "machine",
            Injected::OptionMachineAuth => "machine_opt",
        }
    }
}

/// The last segment's name when `path` is `Name`, `clerk::Name`, `::clerk::Name` or
/// `<crate>::Name`, without generic arguments.
fn clerk_type_name<'p>(path: &'p Path, krate: Option<&Path>) -> Option<&'p syn::Ident> {
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

/// Classifies a parameter type; `Err` for clerk types used in a way the mode forbids.
pub(crate) fn classify(
    ty: &Type,
    mode: Mode,
    krate: Option<&Path>,
) -> syn::Result<Option<Injected>> {
    let Type::Path(tp) = ty else { return Ok(None) };
    if tp.qself.is_some() {
        return Ok(None);
    }
    let path = &tp.path;
    let last = match path.segments.last() {
        Some(l) => l,
        None => return Ok(None),
    };
    // Option<Session>
    if last.ident == "Option" && path.segments.len() == 1 {
        if let PathArguments::AngleBracketed(args) = &last.arguments {
            if let Some(GenericArgument::Type(Type::Path(inner))) = args.args.first() {
                if args.args.len() == 1 && inner.qself.is_none() {
                    match clerk_type_name(&inner.path, krate).map(|i| i.to_string()).as_deref() {
                        Some("Session") => return Ok(Some(Injected::OptionSession)),
                        Some("User") => return Ok(Some(Injected::OptionUser)),
                        Some("MachineAuth") if mode != Mode::Protect => {
                            return Err(session_only(ty, mode))
                        }
                        Some("MachineAuth") => return Ok(Some(Injected::OptionMachineAuth)),
                        Some("Auth") => {
                            return Err(syn::Error::new_spanned(
                                ty,
                                "`Auth` is always present (signed in or signed out): take `Auth`, not `Option<Auth>`, and ask it `auth.is_signed_in()` or `auth.session()`",
                            ))
                        }
                        _ => {}
                    }
                }
            }
        }
        return Ok(None);
    }
    match clerk_type_name(path, krate).map(|i| i.to_string()).as_deref() {
        Some("Auth") => Ok(Some(Injected::Auth)),
        Some("Session") if mode == Mode::Lax => Err(syn::Error::new_spanned(
            ty,
            "`#[clerk::with_session]` runs the handler even when signed out, so it cannot provide a `Session`: take `Option<Session>` (or `Auth`), or use `#[clerk::require_session]` to require one",
        )),
        Some("Session") => Ok(Some(Injected::Session)),
        Some("User") if mode == Mode::Lax => Err(syn::Error::new_spanned(
            ty,
            "`#[clerk::with_session]` runs the handler even when signed out, so it cannot provide a `User`: take `Option<User>`, or use `#[clerk::require_session]` to require one",
        )),
        Some("User") => Ok(Some(Injected::User)),
        Some("MachineAuth") if mode != Mode::Protect => Err(session_only(ty, mode)),
        Some("MachineAuth") => Ok(Some(Injected::MachineAuth)),
        _ => Ok(None),
    }
}

/// `MachineAuth` in a handler of a macro that accepts session tokens only.
fn session_only(ty: &Type, mode: Mode) -> syn::Error {
    syn::Error::new_spanned(
        ty,
        format!(
            "`#[clerk::{}]` accepts session tokens only, so it cannot provide a `MachineAuth`: use `#[clerk::protect(accepts = [api_key, m2m, oauth])]` (the machine token types the route takes)",
            mode.name()
        ),
    )
}
