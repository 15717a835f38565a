//! The rules of `accepts = …`, the token types of a route.

use syn::Ident;

use super::{levenshtein, Errors};
use crate::attr::{Accepts, Arg, Form, TOKEN_TYPES};

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
