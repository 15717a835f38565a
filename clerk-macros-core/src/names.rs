//! The clerk names in the user's code: which clerk type a parameter's type is, and whether
//! a path names the clerk crate (`clerk::…`, `::clerk::…`, a renamed crate).

use syn::{GenericArgument, Ident, Path, PathArguments, Type};

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
    pub(crate) fn accessor(self) -> &'static str {
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

/// The last segment's name when `path` is `Name`, `clerk::Name`, `clerk_runtime::Name`,
/// `::clerk::Name` or `<crate>::Name`, without generic arguments.
fn clerk_type_name<'p>(path: &'p Path, krate: Option<&Path>) -> Option<&'p Ident> {
    let last = path.segments.last()?;
    if !matches!(last.arguments, PathArguments::None) {
        return None;
    }
    names_clerk(path, krate, &["clerk", "clerk_runtime"]).then_some(&last.ident)
}

/// Whether the segments before the last name the clerk crate: none, one of `crates`, or
/// the renamed crate of `crate = "…"`.
pub(crate) fn names_clerk(path: &Path, krate: Option<&Path>, crates: &[&str]) -> bool {
    let prefix: Vec<String> = path
        .segments
        .iter()
        .rev()
        .skip(1)
        .map(|s| s.ident.to_string())
        .collect();
    match prefix.as_slice() {
        [] => true,
        [one] if crates.contains(&one.as_str()) => true,
        _ => krate.is_some_and(|k| {
            let k: Vec<String> = k
                .segments
                .iter()
                .rev()
                .map(|s| s.ident.to_string())
                .collect();
            k == prefix
        }),
    }
}

/// Which clerk type a parameter's type is, if any (whether the macro can provide it is
/// `validate::check_mode_provides`'s question).
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
