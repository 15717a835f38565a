//! Parsing of the macros' arguments into [`Args`].

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt as _;
use syn::parse::{Parse, ParseStream, Parser as _};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Path, Token};

/// Which macro is expanding.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Mode {
    /// `with_session`: the handler always runs.
    Lax,
    /// `require_session`.
    Strict,
    /// `protect`: strict plus authorization.
    Protect,
}

impl Mode {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Mode::Lax => "with_session",
            Mode::Strict => "require_session",
            Mode::Protect => "protect",
        }
    }

    pub(crate) fn is_strict(self) -> bool {
        !matches!(self, Mode::Lax)
    }

    fn known_args(self) -> &'static [&'static str] {
        match self {
            Mode::Lax | Mode::Strict => &["on_error", "crate"],
            Mode::Protect => &[
                "on_error",
                "crate",
                "redirect_to_sign_in",
                "role",
                "permission",
                "feature",
                "plan",
                "reverification",
                "any",
                "all",
            ],
        }
    }
}

/// One authorization condition of `protect`.
pub(crate) enum Check {
    Role(LitStr),
    Permission(LitStr),
    Feature(LitStr),
    Plan(LitStr),
    Reverification(Ident),
    Any(Vec<Check>),
    All(Vec<Check>),
}

/// The parsed arguments.
pub(crate) struct Args {
    pub on_error: Option<Path>,
    pub krate: Option<Path>,
    pub redirect_to_sign_in: bool,
    /// Conditions that must all hold (`protect` only).
    pub checks: Vec<Check>,
}

/// One raw item: `name`, `name = value`, or `name(items…)`.
enum Item {
    Flag(Ident),
    Value(Ident, Token![=], Option<syn::Expr>),
    List(Ident, Punctuated<Item, Token![,]>),
}

impl Item {
    fn name(&self) -> &Ident {
        match self {
            Item::Flag(n) | Item::Value(n, _, _) | Item::List(n, _) => n,
        }
    }
}

impl Parse for Item {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        // `Ident::parse_any` accepts keywords such as `crate`.
        let name = Ident::parse_any(input)?;
        if input.peek(Token![=]) {
            let eq: Token![=] = input.parse()?;
            let value = if input.is_empty() || input.peek(Token![,]) {
                None
            } else {
                Some(input.parse()?)
            };
            Ok(Item::Value(name, eq, value))
        } else if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            Ok(Item::List(name, content.parse_terminated(Item::parse, Token![,])?))
        } else {
            Ok(Item::Flag(name))
        }
    }
}

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
    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

pub(crate) fn parse(mode: Mode, tokens: TokenStream) -> syn::Result<Args> {
    let items = Punctuated::<Item, Token![,]>::parse_terminated.parse2(tokens)?;
    let mut errors = Errors::default();
    let mut args = Args {
        on_error: None,
        krate: None,
        redirect_to_sign_in: false,
        checks: Vec::new(),
    };
    let mut seen: Vec<Ident> = Vec::new();
    for item in items {
        let name = item.name().clone();
        let key = name.to_string();
        if !mode.known_args().contains(&key.as_str()) {
            errors.push(unknown_argument(mode, &name));
            continue;
        }
        let repeatable = matches!(
            key.as_str(),
            "role" | "permission" | "feature" | "plan" | "reverification" | "any" | "all"
        );
        if !repeatable {
            if let Some(first) = seen.iter().find(|s| **s == name) {
                let mut err = syn::Error::new(name.span(), format!("duplicate `{key}` argument"));
                err.combine(syn::Error::new(first.span(), format!("`{key}` first given here")));
                errors.push(err);
                continue;
            }
            seen.push(name.clone());
        }
        match key.as_str() {
            "on_error" => match item {
                Item::Value(_, _, Some(syn::Expr::Path(p))) if p.qself.is_none() && p.attrs.is_empty() => {
                    args.on_error = Some(p.path)
                }
                Item::Value(_, eq, None) => errors.push(syn::Error::new(
                    eq.span,
                    "`on_error` needs a value: the path of a function, e.g. `on_error = unauthorized`",
                )),
                Item::Value(_, _, Some(other)) => errors.push(syn::Error::new_spanned(
                    other,
                    "`on_error` must be the path of a function, e.g. `on_error = unauthorized` (not a string, closure or call)",
                )),
                other => errors.push(syn::Error::new(
                    other.name().span(),
                    "`on_error` needs a value: the path of a function, e.g. `on_error = unauthorized`",
                )),
            },
            "crate" => match item {
                Item::Value(_, _, Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }))) => {
                    match s.parse::<Path>() {
                        Ok(path) => args.krate = Some(path),
                        Err(_) => errors.push(syn::Error::new(
                            s.span(),
                            "`crate` must name a path, e.g. `crate = \"my_clerk\"`",
                        )),
                    }
                }
                other => errors.push(syn::Error::new(
                    other.name().span(),
                    "`crate` takes a string with the path of the `clerk` crate, e.g. `crate = \"my_clerk\"`",
                )),
            },
            "redirect_to_sign_in" => match item {
                Item::Flag(_) => args.redirect_to_sign_in = true,
                other => errors.push(syn::Error::new(
                    other.name().span(),
                    "`redirect_to_sign_in` takes no value: `#[clerk::protect(redirect_to_sign_in)]`",
                )),
            },
            _ => match parse_check(item) {
                Ok(check) => args.checks.push(check),
                Err(e) => errors.push(e),
            },
        }
    }
    errors.finish()?;
    Ok(args)
}

fn unknown_argument(mode: Mode, name: &Ident) -> syn::Error {
    let key = name.to_string();
    let authorization = ["role", "permission", "feature", "plan", "reverification", "any", "all", "redirect_to_sign_in"];
    if mode != Mode::Protect && authorization.contains(&key.as_str()) {
        return syn::Error::new(
            name.span(),
            format!(
                "`{key}` is an authorization check, only for `#[clerk::protect]`; `#[clerk::{}]` only authenticates",
                mode.name()
            ),
        );
    }
    let known = mode.known_args();
    let suggestion = known
        .iter()
        .map(|k| (levenshtein(k, &key), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min_by_key(|(d, _)| *d);
    let list = known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
    let message = match suggestion {
        Some((_, k)) => format!("unknown argument `{key}`; did you mean `{k}`? (expected one of {list})"),
        None => format!("unknown argument `{key}` for `#[clerk::{}]` (expected one of {list})", mode.name()),
    };
    syn::Error::new(name.span(), message)
}

fn levenshtein(a: &str, b: &str) -> usize {
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

fn string_value(item: &Item, what: &str, example: &str) -> syn::Result<LitStr> {
    match item {
        Item::Value(_, _, Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }))) => Ok(s.clone()),
        Item::Value(_, _, Some(other)) => Err(syn::Error::new_spanned(
            other,
            format!("`{what}` takes a string literal, e.g. `{what} = \"{example}\"`"),
        )),
        other => Err(syn::Error::new(
            other.name().span(),
            format!("`{what}` needs a value, e.g. `{what} = \"{example}\"`"),
        )),
    }
}

fn is_key(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn parse_check(item: Item) -> syn::Result<Check> {
    let name = item.name().to_string();
    match name.as_str() {
        "role" => {
            let lit = string_value(&item, "role", "org:admin")?;
            let value = lit.value();
            match value.strip_prefix("org:") {
                Some(key) if is_key(key) => Ok(Check::Role(lit)),
                _ => Err(syn::Error::new(
                    lit.span(),
                    format!("malformed role `{value}`: roles are `org:<key>`, e.g. `role = \"org:admin\"`"),
                )),
            }
        }
        "permission" => {
            let lit = string_value(&item, "permission", "org:invoices:create")?;
            let value = lit.value();
            let parts: Vec<&str> = value.split(':').collect();
            if parts.len() == 3 && parts[0] == "org" && is_key(parts[1]) && is_key(parts[2]) {
                Ok(Check::Permission(lit))
            } else {
                Err(syn::Error::new(
                    lit.span(),
                    format!(
                        "malformed permission `{value}`: permissions are `org:<feature>:<permission>`, e.g. `permission = \"org:invoices:create\"`"
                    ),
                ))
            }
        }
        "feature" | "plan" => {
            let example = if name == "feature" { "premium_support" } else { "pro" };
            let lit = string_value(&item, &name, example)?;
            let value = lit.value();
            let parts: Vec<&str> = value.split(':').collect();
            let valid = match parts.as_slice() {
                [key] => is_key(key),
                [scope, key] => {
                    matches!(*scope, "org" | "o" | "organization" | "user" | "u") && is_key(key)
                }
                _ => false,
            };
            if !valid {
                return Err(syn::Error::new(
                    lit.span(),
                    format!(
                        "malformed {name} `{value}`: expected `<key>`, `user:<key>` or `org:<key>`, e.g. `{name} = \"{example}\"`"
                    ),
                ));
            }
            Ok(if name == "feature" { Check::Feature(lit) } else { Check::Plan(lit) })
        }
        "reverification" => {
            let lit = string_value(&item, "reverification", "strict")?;
            let variant = match lit.value().as_str() {
                "strict_mfa" => "StrictMfa",
                "strict" => "Strict",
                "moderate" => "Moderate",
                "lax" => "Lax",
                other => {
                    return Err(syn::Error::new(
                        lit.span(),
                        format!("unknown reverification preset `{other}`: expected `strict_mfa`, `strict`, `moderate` or `lax`"),
                    ))
                }
            };
            Ok(Check::Reverification(Ident::new(variant, lit.span())))
        }
        "any" | "all" => {
            let (ident, items) = match item {
                Item::List(ident, items) => (ident, items),
                other => {
                    return Err(syn::Error::new(
                        other.name().span(),
                        format!("`{name}` takes a list of checks, e.g. `{name}(role = \"org:admin\", permission = \"org:invoices:create\")`"),
                    ))
                }
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
                let inner_name = inner.name().to_string();
                if !matches!(
                    inner_name.as_str(),
                    "role" | "permission" | "feature" | "plan" | "reverification" | "any" | "all"
                ) {
                    errors.push(syn::Error::new(
                        inner.name().span(),
                        format!("`{inner_name}` is not a check; inside `{name}(…)` use `role`, `permission`, `feature`, `plan`, `reverification`, `any` or `all`"),
                    ));
                    continue;
                }
                match parse_check(inner) {
                    Ok(c) => checks.push(c),
                    Err(e) => errors.push(e),
                }
            }
            errors.finish()?;
            Ok(if name == "any" { Check::Any(checks) } else { Check::All(checks) })
        }
        _ => Err(syn::Error::new(Span::call_site(), "unknown check")),
    }
}
