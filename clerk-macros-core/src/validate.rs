//! Stage 2, validation: every misuse of the macros is detected here, one `check_*` function
//! per rule, each returning the spanned error that the expansion reports. The arguments are
//! checked by [`args`]; the handler's rules are checked from [`crate::expand`] and
//! [`crate::inject`] as they walk the function.
//!
//! The rules of `accepts` are in `accepts.rs`, the handler's in `handler.rs`.
//!
//! Errors are collected ([`Errors`]), never raised one at a time: one expansion reports
//! every mistake at once, and never panics.

use proc_macro2::TokenStream;
use syn::{Ident, LitStr, Path};

use crate::attr::{
    example_for, expected_argument, Accepts, Arg, ArgName, Args, AttrArgs, Check, Form, Mode,
    NOT_AN_ARGUMENT,
};

mod accepts;
mod handler;

pub(crate) use accepts::check_accepts;
pub(crate) use handler::{
    check_accepts_provides, check_async, check_free_function, check_injected_once,
    check_item_is_fn, check_mode_provides, check_single_attribute,
};

/// Collects errors so that one expansion reports all of them.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, err: syn::Error) {
        match &mut self.0 {
            Some(e) => e.combine(err),
            None => self.0 = Some(err),
        }
    }

    /// Pushes the error of `result`, if any.
    pub(crate) fn check(&mut self, result: syn::Result<()>) {
        if let Err(err) = result {
            self.push(err);
        }
    }

    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// The validated arguments, and the errors of the ones that are not valid.
pub(crate) struct Parsed {
    /// The valid arguments (defaults for the others).
    pub args: Args,
    /// Errors to report.
    pub errors: Errors,
    /// Whether generating code from `args` could add errors of its own: the arguments did not
    /// parse at all, or `crate = …` was given but is unusable (so `::clerk` may not resolve).
    pub poisoned: bool,
}

/// Parses ([`crate::attr`]) and validates the arguments of `mode`. Never fails: invalid
/// arguments become errors in [`Parsed::errors`], and the valid ones are still returned, so
/// that the handler can be expanded and one mistake is reported once, without follow-up
/// errors.
pub(crate) fn args(mode: Mode, tokens: TokenStream) -> Parsed {
    let mut errors = Errors::default();
    let mut args = Args::default();
    let attr_args = match syn::parse2::<AttrArgs>(tokens) {
        Ok(attr_args) => attr_args,
        Err(err) => {
            errors.push(for_mode(err, mode));
            return Parsed {
                args,
                errors,
                poisoned: true,
            };
        }
    };
    let mut poisoned = false;
    let mut seen: Vec<Ident> = Vec::new();
    let mut first_check: Option<Ident> = None;
    let mut redirect_flag: Option<Ident> = None;
    for arg in attr_args.args {
        let name = arg.name.ident();
        if let Err(e) = check_known(mode, &name) {
            errors.push(e);
            continue;
        }
        if !arg.name.is_check() {
            if let Err(e) = check_once(&name, &seen) {
                errors.push(e);
                continue;
            }
            seen.push(name.clone());
        }
        match arg.name {
            ArgName::OnError(_) => match check_on_error(arg) {
                Ok(path) => args.on_error = Some(path),
                Err(e) => errors.push(e),
            },
            ArgName::Crate(_) => {
                match check_crate(arg) {
                    Ok(path) => args.krate = Some(path),
                    Err(e) => errors.push(e),
                }
                poisoned |= args.krate.is_none();
            }
            ArgName::Accepts(_) => match check_accepts(&arg) {
                Ok(accepts) => args.accepts = accepts,
                Err(e) => {
                    errors.push(e);
                    args.accepts_invalid = true;
                }
            },
            ArgName::RedirectToSignIn(_) => match check_redirect_to_sign_in(arg) {
                Ok(flag) => {
                    args.redirect_to_sign_in = true;
                    redirect_flag = Some(flag);
                }
                Err(e) => errors.push(e),
            },
            _ => {
                first_check.get_or_insert(name);
                match check_condition(arg) {
                    Ok(check) => args.checks.push(check),
                    Err(e) => errors.push(e),
                }
            }
        }
    }
    errors.check(check_no_checks_for_machines(
        &args.accepts,
        first_check.as_ref(),
    ));
    errors.check(check_no_redirect_for_machines(
        &args.accepts,
        redirect_flag.as_ref(),
    ));
    Parsed {
        args,
        errors,
        poisoned,
    }
}

/// A parse error with the macro's own message for a token that cannot start an argument.
fn for_mode(err: syn::Error, mode: Mode) -> syn::Error {
    if err.to_string() == NOT_AN_ARGUMENT {
        syn::Error::new(err.span(), expected_argument(mode))
    } else {
        err
    }
}

// ---------------------------------------------------------------------------------------
// Arguments

/// The argument is one `mode` takes.
pub(crate) fn check_known(mode: Mode, name: &Ident) -> syn::Result<()> {
    let key = name.to_string();
    if mode.known_args().contains(&key.as_str()) {
        return Ok(());
    }
    Err(unknown_argument(mode, name))
}

fn unknown_argument(mode: Mode, name: &Ident) -> syn::Error {
    let key = name.to_string();
    if mode != Mode::Protect && key == "redirect_to_sign_in" {
        let why = match mode {
            Mode::Lax => "`#[clerk::with_session]` runs the handler signed out instead; ",
            _ => "",
        };
        return syn::Error::new(
            name.span(),
            format!(
                "`redirect_to_sign_in` is only for `#[clerk::protect]`: {why}use `#[clerk::protect(redirect_to_sign_in)]`, which requires a session as `#[clerk::require_session]` does"
            ),
        );
    }
    if mode != Mode::Protect && key == "accepts" {
        return syn::Error::new(
            name.span(),
            format!(
                "`accepts` is only for `#[clerk::protect]`: `#[clerk::{}]` accepts session tokens only; for machine tokens use `#[clerk::protect(accepts = [api_key, m2m, oauth])]`",
                mode.name()
            ),
        );
    }
    let authorization = [
        "role",
        "permission",
        "feature",
        "plan",
        "reverification",
        "any",
        "all",
    ];
    if mode != Mode::Protect && authorization.contains(&key.as_str()) {
        return syn::Error::new(
            name.span(),
            format!(
                "`{key}` is an authorization check, only for `#[clerk::protect]`: `#[clerk::{}]` only authenticates; use `#[clerk::protect({})]`",
                mode.name(),
                example_for(&key).trim_matches('`'),
            ),
        );
    }
    let known = mode.known_args();
    let suggestion = known
        .iter()
        .map(|k| (levenshtein(k, &key), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .or_else(|| {
            // `on_failure`, `on_unauthorized`, `error_handler`…: the error handler.
            let handler_like =
                key.starts_with("on_") || key.contains("error") || key.contains("fail");
            handler_like.then_some((0, "on_error"))
        });
    let list = known
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let message = match suggestion {
        Some((_, k)) => {
            format!("unknown argument `{key}`; did you mean `{k}`? (expected one of {list})")
        }
        None => format!(
            "unknown argument `{key}` for `#[clerk::{}]` (expected one of {list})",
            mode.name()
        ),
    };
    syn::Error::new(name.span(), message)
}

/// An argument that is not a check is given once.
pub(crate) fn check_once(name: &Ident, seen: &[Ident]) -> syn::Result<()> {
    let Some(first) = seen.iter().find(|s| *s == name) else {
        return Ok(());
    };
    let key = name.to_string();
    let mut err = syn::Error::new(
        name.span(),
        format!("duplicate `{key}` argument: give `{key}` once"),
    );
    err.combine(syn::Error::new(
        first.span(),
        format!("`{key}` first given here"),
    ));
    Err(err)
}

/// `on_error = path`: the path of a function.
pub(crate) fn check_on_error(arg: Arg) -> syn::Result<Path> {
    const NEEDS_VALUE: &str =
        "`on_error` needs a value: the path of a function, e.g. `on_error = unauthorized`";
    match arg.form {
        Form::Value(_, Some(syn::Expr::Path(p))) if p.qself.is_none() && p.attrs.is_empty() => {
            Ok(p.path)
        }
        Form::Value(eq, None) => Err(syn::Error::new(eq.span, NEEDS_VALUE)),
        Form::Value(_, Some(other)) => Err(syn::Error::new_spanned(
            other,
            "`on_error` must be the path of a function, e.g. `on_error = unauthorized` (not a string, closure or call): declare `fn unauthorized(err: &clerk::AuthError) -> impl IntoResponse` and name it here",
        )),
        Form::Flag | Form::List(_) => Err(syn::Error::new(arg.name.ident().span(), NEEDS_VALUE)),
    }
}

/// `crate = "path"`: a string literal holding a path.
pub(crate) fn check_crate(arg: Arg) -> syn::Result<Path> {
    const NEEDS_VALUE: &str = "`crate` needs a value: the path of the `clerk` crate as a string, e.g. `crate = \"my_clerk\"`";
    match arg.form {
        Form::Value(
            _,
            Some(syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            })),
        ) => s.parse_with(Path::parse_mod_style).map_err(|_| {
            syn::Error::new(
                s.span(),
                format!(
                    "`crate` must name a path, e.g. `crate = \"my_clerk\"`; `{}` is not a path",
                    s.value()
                ),
            )
        }),
        Form::Value(_, Some(other)) => {
            let written = quote::ToTokens::to_token_stream(&other)
                .to_string()
                .replace(' ', "");
            let example = match &other {
                syn::Expr::Path(_) => written,
                _ => "my_clerk".to_owned(),
            };
            Err(syn::Error::new_spanned(
                other,
                format!("`crate` takes a string literal: write `crate = \"{example}\"`"),
            ))
        }
        Form::Value(eq, None) => Err(syn::Error::new(eq.span, NEEDS_VALUE)),
        Form::Flag | Form::List(_) => Err(syn::Error::new(arg.name.ident().span(), NEEDS_VALUE)),
    }
}

/// `redirect_to_sign_in` is a flag; returns its name (where later errors point).
pub(crate) fn check_redirect_to_sign_in(arg: Arg) -> syn::Result<Ident> {
    match arg.form {
        Form::Flag => Ok(arg.name.ident()),
        Form::Value(eq, value) => {
            let mut tokens = quote::ToTokens::to_token_stream(&eq);
            quote::ToTokens::to_tokens(&value, &mut tokens);
            Err(syn::Error::new_spanned(
                tokens,
                "`redirect_to_sign_in` is a flag and takes no value: write `redirect_to_sign_in` alone (and leave it out to answer 401 instead of redirecting)",
            ))
        }
        Form::List(_) => Err(syn::Error::new(
            arg.name.ident().span(),
            "`redirect_to_sign_in` is a flag and takes no arguments: write `redirect_to_sign_in` alone",
        )),
    }
}

/// Authorization checks are for sessions: a route that accepts machine tokens has none.
pub(crate) fn check_no_checks_for_machines(
    accepts: &Accepts,
    first_check: Option<&Ident>,
) -> syn::Result<()> {
    match first_check {
        Some(check) if accepts.has_machine() => Err(syn::Error::new(
            check.span(),
            format!(
                "`{check}` is an authorization check of sessions, and machine tokens never pass it (Clerk's `has()` is false for machine tokens): this route accepts {}; take `clerk::MachineAuth` and check `machine.scopes()` in the handler, or protect the session and machine routes separately",
                accepts.machine_list()
            ),
        )),
        _ => Ok(()),
    }
}

/// `redirect_to_sign_in` needs a route that accepts sessions.
pub(crate) fn check_no_redirect_for_machines(
    accepts: &Accepts,
    redirect_flag: Option<&Ident>,
) -> syn::Result<()> {
    match redirect_flag {
        Some(flag) if accepts.has_machine() && !accepts.session => Err(syn::Error::new(
            flag.span(),
            "`redirect_to_sign_in` sends browsers to sign in for a session, but this route accepts machine tokens only: remove it, or add `session` to `accepts`",
        )),
        _ => Ok(()),
    }
}

pub(crate) fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

// ---------------------------------------------------------------------------------------
// Authorization checks

/// The string literal of `what = "…"`.
fn check_string_value(arg: &Arg, what: &str, example: &str) -> syn::Result<LitStr> {
    match &arg.form {
        Form::Value(
            _,
            Some(syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            })),
        ) => Ok(s.clone()),
        Form::Value(_, Some(other)) => Err(syn::Error::new_spanned(
            other,
            format!("`{what}` takes a string literal, e.g. `{what} = \"{example}\"`"),
        )),
        _ => Err(syn::Error::new(
            arg.name.ident().span(),
            format!("`{what}` needs a value, e.g. `{what} = \"{example}\"`"),
        )),
    }
}

fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// One authorization check (`role`, `permission`, `feature`, `plan`, `reverification`,
/// `any`, `all`).
pub(crate) fn check_condition(arg: Arg) -> syn::Result<Check> {
    match arg.name {
        ArgName::Role(_) => check_role(&arg).map(Check::Role),
        ArgName::Permission(_) => check_permission(&arg).map(Check::Permission),
        ArgName::Feature(_) => {
            check_scoped_key(&arg, "feature", "premium_support").map(Check::Feature)
        }
        ArgName::Plan(_) => check_scoped_key(&arg, "plan", "pro").map(Check::Plan),
        ArgName::Reverification(_) => check_reverification(&arg).map(Check::Reverification),
        ArgName::Any(_) => check_combinator(arg, "any").map(Check::Any),
        ArgName::All(_) => check_combinator(arg, "all").map(Check::All),
        _ => Err(syn::Error::new(arg.name.ident().span(), "unknown check")),
    }
}

/// `role = "org:<key>"`.
pub(crate) fn check_role(arg: &Arg) -> syn::Result<LitStr> {
    let lit = check_string_value(arg, "role", "org:admin")?;
    let value = lit.value();
    match value.strip_prefix("org:") {
        Some(key) if is_key(key) => Ok(lit),
        _ => {
            let fix = if is_key(&value) {
                format!("write `role = \"org:{value}\"`")
            } else {
                "e.g. `role = \"org:admin\"`".to_owned()
            };
            Err(syn::Error::new(
                lit.span(),
                format!(
                    "malformed role `{value}`: roles are `org:<key>` (a key of letters, digits, `_` and `-`); {fix}"
                ),
            ))
        }
    }
}

/// `permission = "org:<feature>:<permission>"`.
pub(crate) fn check_permission(arg: &Arg) -> syn::Result<LitStr> {
    let lit = check_string_value(arg, "permission", "org:invoices:create")?;
    let value = lit.value();
    let parts: Vec<&str> = value.split(':').collect();
    if parts.len() == 3 && parts[0] == "org" && is_key(parts[1]) && is_key(parts[2]) {
        return Ok(lit);
    }
    let fix = if parts.len() == 2 && parts[0] != "org" && is_key(parts[0]) && is_key(parts[1]) {
        format!("write `permission = \"org:{value}\"`")
    } else {
        "e.g. `permission = \"org:invoices:create\"`".to_owned()
    };
    Err(syn::Error::new(
        lit.span(),
        format!(
            "malformed permission `{value}`: permissions are `org:<feature>:<permission>` (keys of letters, digits, `_` and `-`); {fix}"
        ),
    ))
}

/// `feature = "…"` or `plan = "…"`: `<key>`, `user:<key>` or `org:<key>`.
pub(crate) fn check_scoped_key(arg: &Arg, name: &str, example: &str) -> syn::Result<LitStr> {
    let lit = check_string_value(arg, name, example)?;
    let value = lit.value();
    let parts: Vec<&str> = value.split(':').collect();
    let valid = match parts.as_slice() {
        [key] => is_key(key),
        [scope, key] => {
            matches!(*scope, "org" | "o" | "organization" | "user" | "u") && is_key(key)
        }
        _ => false,
    };
    if valid {
        return Ok(lit);
    }
    let what = if value.is_empty() {
        format!("empty {name}")
    } else {
        format!("malformed {name} `{value}`")
    };
    Err(syn::Error::new(
        lit.span(),
        format!(
            "{what}: expected `<key>`, `user:<key>` or `org:<key>` (keys of letters, digits, `_` and `-`), e.g. `{name} = \"{example}\"`"
        ),
    ))
}

/// `reverification = "…"`: a preset; returns the runtime's variant.
pub(crate) fn check_reverification(arg: &Arg) -> syn::Result<Ident> {
    let lit = check_string_value(arg, "reverification", "strict")?;
    let variant = match lit.value().as_str() {
        "strict_mfa" => "StrictMfa",
        "strict" => "Strict",
        "moderate" => "Moderate",
        "lax" => "Lax",
        other => {
            let presets = ["strict_mfa", "strict", "moderate", "lax"];
            let hint = presets
                .iter()
                .map(|p| (levenshtein(p, other), *p))
                .filter(|(d, _)| *d <= 2)
                .min_by_key(|(d, _)| *d)
                .map(|(_, p)| format!(" (did you mean `{p}`?)"))
                .unwrap_or_default();
            return Err(syn::Error::new(
                lit.span(),
                format!(
                    "unknown reverification preset `{other}`{hint}: expected `strict_mfa`, `strict`, `moderate` or `lax`, e.g. `reverification = \"strict\"`"
                ),
            ));
        }
    };
    Ok(Ident::new(variant, lit.span()))
}

/// `any(…)` / `all(…)`: a non-empty list of checks (and only checks).
pub(crate) fn check_combinator(arg: Arg, name: &str) -> syn::Result<Vec<Check>> {
    let ident = arg.name.ident();
    let Form::List(items) = arg.form else {
        return Err(syn::Error::new(
            ident.span(),
            format!("`{name}` takes a list of checks, e.g. `{name}(role = \"org:admin\", permission = \"org:invoices:create\")`"),
        ));
    };
    if items.is_empty() {
        return Err(syn::Error::new(
            ident.span(),
            format!("`{name}()` needs at least one check, e.g. `{name}(role = \"org:admin\")`"),
        ));
    }
    let mut checks = Vec::new();
    let mut errors = Errors::default();
    for inner in items {
        if let Err(e) = check_is_condition(&inner.name, name) {
            errors.push(e);
            continue;
        }
        match check_condition(inner) {
            Ok(c) => checks.push(c),
            Err(e) => errors.push(e),
        }
    }
    errors.finish()?;
    Ok(checks)
}

/// Inside `any(…)`/`all(…)`, only checks.
pub(crate) fn check_is_condition(inner: &ArgName, parent: &str) -> syn::Result<()> {
    if inner.is_check() {
        return Ok(());
    }
    let ident = inner.ident();
    let inner_name = ident.to_string();
    let message = if matches!(
        inner_name.as_str(),
        "on_error" | "crate" | "redirect_to_sign_in"
    ) {
        format!(
            "`{inner_name}` is not a check: move it out of `{parent}(…)`, to the top level, e.g. `#[clerk::protect({parent}(…), {})]`",
            example_for(&inner_name).trim_matches('`')
        )
    } else {
        format!("`{inner_name}` is not a check; inside `{parent}(…)` use `role`, `permission`, `feature`, `plan`, `reverification`, `any` or `all`")
    };
    Err(syn::Error::new(ident.span(), message))
}
