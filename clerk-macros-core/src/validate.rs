//! Stage 2, validation: every misuse of the macros is detected here, one `check_*` function
//! per rule, each returning the spanned error that the expansion reports. The arguments are
//! checked by [`args`]; the handler's rules are checked from [`crate::expand`] and
//! [`crate::inject`] as they walk the function.
//!
//! Errors are collected ([`Errors`]), never raised one at a time: one expansion reports
//! every mistake at once, and never panics.

use proc_macro2::TokenStream;
use syn::{Ident, LitStr, Path};

use crate::attr::{
    example_for, expected_argument, Accepts, Arg, ArgName, Args, AttrArgs, Check, Form, Mode,
    NOT_AN_ARGUMENT, TOKEN_TYPES,
};
use crate::inject::Injected;

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

// ---------------------------------------------------------------------------------------
// Token types

/// `accepts = [session, api_key, m2m, oauth]`, `accepts = api_key` or `accepts = any`.
pub(crate) fn check_accepts(arg: &Arg) -> syn::Result<Accepts> {
    let value = match &arg.form {
        Form::Value(_, Some(value)) => value,
        Form::Value(eq, None) => {
            return Err(syn::Error::new(
                eq.span,
                "`accepts` needs a value: the token types of the route, e.g. `accepts = [session, api_key]` (types: `session`, `api_key`, `m2m`, `oauth`; or `accepts = any`)",
            ))
        }
        Form::Flag | Form::List(_) => {
            return Err(syn::Error::new(
                arg.name.ident().span(),
                "`accepts` takes a list of token types, e.g. `accepts = [session, api_key]` (types: `session`, `api_key`, `m2m`, `oauth`; or `accepts = any`)",
            ))
        }
    };
    match value {
        syn::Expr::Array(array) => {
            if array.elems.is_empty() {
                return Err(syn::Error::new_spanned(
                    array,
                    "`accepts = []` accepts no token at all: list at least one of `session`, `api_key`, `m2m`, `oauth`, e.g. `accepts = [api_key]`",
                ));
            }
            let mut accepts = Accepts::NONE;
            let mut errors = Errors::default();
            let mut seen: Vec<Ident> = Vec::new();
            for elem in &array.elems {
                let ident = match check_token_type(elem, true) {
                    Ok(ident) => ident,
                    Err(e) => {
                        errors.push(e);
                        continue;
                    }
                };
                if let Err(e) = check_listed_once(&ident, &seen) {
                    errors.push(e);
                    continue;
                }
                if let Some(flag) = accepts.flag(&ident.to_string()) {
                    *flag = true;
                }
                seen.push(ident);
            }
            errors.finish()?;
            Ok(accepts)
        }
        syn::Expr::Path(_) => {
            let ident = check_token_type(value, false)?;
            if ident == "any" {
                return Ok(Accepts::ALL);
            }
            let mut accepts = Accepts::NONE;
            if let Some(flag) = accepts.flag(&ident.to_string()) {
                *flag = true;
            }
            Ok(accepts)
        }
        other => Err(syn::Error::new_spanned(
            other,
            "`accepts` takes token type names, not strings or expressions: write e.g. `accepts = [session, api_key]` (types: `session`, `api_key`, `m2m`, `oauth`; or `accepts = any`)",
        )),
    }
}

/// A token type is listed once in `accepts = […]`.
fn check_listed_once(ident: &Ident, seen: &[Ident]) -> syn::Result<()> {
    let Some(first) = seen.iter().find(|s| *s == ident) else {
        return Ok(());
    };
    let key = ident.to_string();
    let mut err = syn::Error::new(
        ident.span(),
        format!("`{key}` is listed twice in `accepts`: list it once"),
    );
    err.combine(syn::Error::new(
        first.span(),
        format!("`{key}` first listed here"),
    ));
    Err(err)
}

/// One token type name of `accepts` (`any` too, when not in a list).
pub(crate) fn check_token_type(expr: &syn::Expr, in_list: bool) -> syn::Result<Ident> {
    const VALID: &str = "`session`, `api_key`, `m2m` or `oauth`";
    let ident = match expr {
        syn::Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => {
            p.path.get_ident().cloned()
        }
        _ => None,
    };
    let Some(ident) = ident else {
        let hint = match expr {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => format!(" (write `{}` without quotes)", s.value()),
            _ => String::new(),
        };
        return Err(syn::Error::new_spanned(
            expr,
            format!("expected a token type: {VALID}{hint}"),
        ));
    };
    let key = ident.to_string();
    if TOKEN_TYPES.iter().any(|(name, _)| *name == key) || (!in_list && key == "any") {
        return Ok(ident);
    }
    if key == "any" {
        return Err(syn::Error::new(
            ident.span(),
            "`any` stands for every token type and stands alone: write `accepts = any` (not inside a list)",
        ));
    }
    // Clerk's own names and other near misses.
    let alias = match key.as_str() {
        "session_token" | "sessions" | "session_tokens" => Some("session"),
        "api_keys" | "apikey" | "api" | "key" => Some("api_key"),
        "m2m_token" | "m2m_tokens" | "machine" | "machine_token" | "mt" => Some("m2m"),
        "oauth_token" | "oauth_tokens" | "oauth_access_token" | "oat" => Some("oauth"),
        _ => TOKEN_TYPES
            .iter()
            .map(|(name, _)| (levenshtein(name, &key), *name))
            .filter(|(d, _)| *d <= 2)
            .min_by_key(|(d, _)| *d)
            .map(|(_, name)| name),
    };
    let hint = alias
        .map(|a| format!(" (did you mean `{a}`?)"))
        .unwrap_or_default();
    Err(syn::Error::new(
        ident.span(),
        format!(
            "unknown token type `{key}`{hint}: `accepts` takes {VALID}, or `accepts = any` for all of them"
        ),
    ))
}

// ---------------------------------------------------------------------------------------
// The handler

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
    let prefix: Vec<String> = path
        .segments
        .iter()
        .rev()
        .skip(1)
        .map(|s| s.ident.to_string())
        .collect();
    let ok = match prefix.as_slice() {
        [] => true,
        [one] if one == "clerk" => true,
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
    ok.then_some(last)
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
