//! Parsing of the macros' arguments into [`Args`].

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt as _;
use syn::parse::{ParseStream, Parser as _};
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
                "accepts",
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
    /// The token types the route accepts (`protect(accepts = …)`; sessions by default).
    pub accepts: Accepts,
    /// `accepts = …` was given but did not parse: its error is reported, and injections
    /// that depend on it are not reported again.
    pub accepts_invalid: bool,
}

/// The token types a route accepts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Accepts {
    pub session: bool,
    pub api_key: bool,
    pub m2m: bool,
    pub oauth: bool,
}

/// The names `accepts` takes, with the runtime's `TokenType` variants.
pub(crate) const TOKEN_TYPES: [(&str, &str); 4] = [
    ("session", "SessionToken"),
    ("api_key", "ApiKey"),
    ("m2m", "M2mToken"),
    ("oauth", "OAuthToken"),
];

impl Accepts {
    const SESSION: Self = Self {
        session: true,
        api_key: false,
        m2m: false,
        oauth: false,
    };
    const NONE: Self = Self {
        session: false,
        api_key: false,
        m2m: false,
        oauth: false,
    };

    fn flag(&mut self, name: &str) -> Option<&mut bool> {
        match name {
            "session" => Some(&mut self.session),
            "api_key" => Some(&mut self.api_key),
            "m2m" => Some(&mut self.m2m),
            "oauth" => Some(&mut self.oauth),
            _ => None,
        }
    }

    fn get(&self, name: &str) -> bool {
        match name {
            "session" => self.session,
            "api_key" => self.api_key,
            "m2m" => self.m2m,
            "oauth" => self.oauth,
            _ => false,
        }
    }

    /// Whether any machine token type is accepted.
    pub(crate) fn has_machine(&self) -> bool {
        self.api_key || self.m2m || self.oauth
    }

    /// The accepted names, in order: `[session, api_key]`.
    pub(crate) fn listed(&self) -> Vec<&'static str> {
        TOKEN_TYPES
            .iter()
            .filter(|(name, _)| self.get(name))
            .map(|(name, _)| *name)
            .collect()
    }

    /// The `TokenType` variants of the accepted names.
    pub(crate) fn variants(&self) -> Vec<&'static str> {
        TOKEN_TYPES
            .iter()
            .filter(|(name, _)| self.get(name))
            .map(|(_, variant)| *variant)
            .collect()
    }

    /// `api_key, m2m` (the machine types, for messages).
    pub(crate) fn machine_list(&self) -> String {
        self.listed()
            .into_iter()
            .filter(|n| *n != "session")
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One raw item: `name`, `name = value`, or `name(items…)`.
enum Item {
    Flag(Ident),
    Value(Ident, Token![=], Option<syn::Expr>),
    List(Ident, Vec<Item>),
}

impl Item {
    fn name(&self) -> &Ident {
        match self {
            Item::Flag(n) | Item::Value(n, _, _) | Item::List(n, _) => n,
        }
    }
}

impl Item {
    fn parse(input: ParseStream<'_>, mode: Mode) -> syn::Result<Self> {
        if !input.peek(Ident::peek_any) {
            return Err(input.error(expected_argument(mode)));
        }
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
            let items = parse_items(&content, mode)?;
            Ok(Item::List(name, items))
        } else if input.is_empty() || input.peek(Token![,]) {
            Ok(Item::Flag(name))
        } else {
            Err(input.error(format!(
                "expected `=`, `(` or `,` after `{name}`, e.g. {}",
                example_for(&name.to_string())
            )))
        }
    }
}

/// `item, item, …` with an optional trailing comma.
fn parse_items(input: ParseStream<'_>, mode: Mode) -> syn::Result<Vec<Item>> {
    let mut items = Vec::new();
    while !input.is_empty() {
        items.push(Item::parse(input, mode)?);
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(items)
}

/// The message for a token that cannot start an argument.
fn expected_argument(mode: Mode) -> String {
    let list = mode
        .known_args()
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let example = match mode {
        Mode::Protect => "`role = \"org:admin\"` or `on_error = unauthorized`",
        Mode::Lax | Mode::Strict => "`on_error = unauthorized`",
    };
    format!(
        "expected an argument of `#[clerk::{}]` such as {example} (arguments: {list})",
        mode.name()
    )
}

/// How an argument is written.
fn example_for(name: &str) -> &'static str {
    match name {
        "on_error" => "`on_error = unauthorized`",
        "crate" => "`crate = \"my_clerk\"`",
        "redirect_to_sign_in" => "`redirect_to_sign_in`",
        "role" => "`role = \"org:admin\"`",
        "permission" => "`permission = \"org:invoices:create\"`",
        "feature" => "`feature = \"premium_support\"`",
        "plan" => "`plan = \"pro\"`",
        "reverification" => "`reverification = \"strict\"`",
        "any" => "`any(role = \"org:admin\", permission = \"org:invoices:create\")`",
        "accepts" => "`accepts = [session, api_key]`",
        "all" => "`all(role = \"org:admin\", plan = \"pro\")`",
        _ => "`on_error = unauthorized`",
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

/// The parsed arguments, and the errors of the ones that did not parse.
pub(crate) struct Parsed {
    /// The arguments that parsed (defaults for the others).
    pub args: Args,
    /// Errors to report.
    pub errors: Errors,
    /// Whether generating code from `args` could add errors of its own: the arguments did not
    /// parse at all, or `crate = …` was given but is unusable (so `::clerk` may not resolve).
    pub poisoned: bool,
}

/// Parses the arguments. Never fails: malformed arguments become errors in
/// [`Parsed::errors`], and the well-formed ones are still returned, so that the handler can
/// be expanded and one mistake is reported once, without follow-up errors.
pub(crate) fn parse(mode: Mode, tokens: TokenStream) -> Parsed {
    let mut errors = Errors::default();
    let mut args = Args {
        on_error: None,
        krate: None,
        redirect_to_sign_in: false,
        checks: Vec::new(),
        accepts: Accepts::SESSION,
        accepts_invalid: false,
    };
    let items = match (|input: ParseStream<'_>| parse_items(input, mode)).parse2(tokens) {
        Ok(items) => items,
        Err(err) => {
            errors.push(err);
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
                let mut err = syn::Error::new(
                    name.span(),
                    format!("duplicate `{key}` argument: give `{key}` once"),
                );
                err.combine(syn::Error::new(
                    first.span(),
                    format!("`{key}` first given here"),
                ));
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
                    "`on_error` must be the path of a function, e.g. `on_error = unauthorized` (not a string, closure or call): declare `fn unauthorized(err: &clerk::AuthError) -> impl IntoResponse` and name it here",
                )),
                other => errors.push(syn::Error::new(
                    other.name().span(),
                    "`on_error` needs a value: the path of a function, e.g. `on_error = unauthorized`",
                )),
            },
            "crate" => {
                match item {
                    Item::Value(_, _, Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }))) => {
                        match s.parse_with(Path::parse_mod_style) {
                            Ok(path) => args.krate = Some(path),
                            Err(_) => errors.push(syn::Error::new(
                                s.span(),
                                format!(
                                    "`crate` must name a path, e.g. `crate = \"my_clerk\"`; `{}` is not a path",
                                    s.value()
                                ),
                            )),
                        }
                    }
                    Item::Value(_, _, Some(other)) => {
                        let written = quote::ToTokens::to_token_stream(&other).to_string().replace(' ', "");
                        let example = match &other {
                            syn::Expr::Path(_) => written,
                            _ => "my_clerk".to_owned(),
                        };
                        errors.push(syn::Error::new_spanned(
                            other,
                            format!("`crate` takes a string literal: write `crate = \"{example}\"`"),
                        ))
                    }
                    Item::Value(_, eq, None) => errors.push(syn::Error::new(
                        eq.span,
                        "`crate` needs a value: the path of the `clerk` crate as a string, e.g. `crate = \"my_clerk\"`",
                    )),
                    other => errors.push(syn::Error::new(
                        other.name().span(),
                        "`crate` needs a value: the path of the `clerk` crate as a string, e.g. `crate = \"my_clerk\"`",
                    )),
                }
                poisoned |= args.krate.is_none();
            }
            "accepts" => match parse_accepts(&item) {
                Ok(accepts) => args.accepts = accepts,
                Err(e) => {
                    errors.push(e);
                    args.accepts_invalid = true;
                }
            },
            "redirect_to_sign_in" => match item {
                Item::Flag(name) => {
                    args.redirect_to_sign_in = true;
                    redirect_flag = Some(name);
                }
                Item::Value(_, eq, value) => {
                    let mut tokens = quote::ToTokens::to_token_stream(&eq);
                    quote::ToTokens::to_tokens(&value, &mut tokens);
                    errors.push(syn::Error::new_spanned(
                        tokens,
                        "`redirect_to_sign_in` is a flag and takes no value: write `redirect_to_sign_in` alone (and leave it out to answer 401 instead of redirecting)",
                    ))
                }
                Item::List(name, _) => errors.push(syn::Error::new(
                    name.span(),
                    "`redirect_to_sign_in` is a flag and takes no arguments: write `redirect_to_sign_in` alone",
                )),
            },
            _ => {
                first_check.get_or_insert(name);
                match parse_check(item) {
                    Ok(check) => args.checks.push(check),
                    Err(e) => errors.push(e),
                }
            }
        }
    }
    if args.accepts.has_machine() {
        if let Some(check) = first_check {
            errors.push(syn::Error::new(
                check.span(),
                format!(
                    "`{check}` is an authorization check of sessions, and machine tokens never pass it (Clerk's `has()` is false for machine tokens): this route accepts {}; take `clerk::MachineAuth` and check `machine.scopes()` in the handler, or protect the session and machine routes separately",
                    args.accepts.machine_list()
                ),
            ));
        }
        if let (Some(flag), false) = (redirect_flag, args.accepts.session) {
            errors.push(syn::Error::new(
                flag.span(),
                "`redirect_to_sign_in` sends browsers to sign in for a session, but this route accepts machine tokens only: remove it, or add `session` to `accepts`",
            ));
        }
    }
    Parsed {
        args,
        errors,
        poisoned,
    }
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
        Item::Value(
            _,
            _,
            Some(syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            })),
        ) => Ok(s.clone()),
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
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn parse_check(item: Item) -> syn::Result<Check> {
    let name = item.name().to_string();
    match name.as_str() {
        "role" => {
            let lit = string_value(&item, "role", "org:admin")?;
            let value = lit.value();
            match value.strip_prefix("org:") {
                Some(key) if is_key(key) => Ok(Check::Role(lit)),
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
                        "malformed permission `{value}`: permissions are `org:<feature>:<permission>` (keys of letters, digits, `_` and `-`); {}",
                        if parts.len() == 2 && parts[0] != "org" && is_key(parts[0]) && is_key(parts[1]) {
                            format!("write `permission = \"org:{value}\"`")
                        } else {
                            "e.g. `permission = \"org:invoices:create\"`".to_owned()
                        }
                    ),
                ))
            }
        }
        "feature" | "plan" => {
            let example = if name == "feature" {
                "premium_support"
            } else {
                "pro"
            };
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
                let what = if value.is_empty() {
                    format!("empty {name}")
                } else {
                    format!("malformed {name} `{value}`")
                };
                return Err(syn::Error::new(
                    lit.span(),
                    format!(
                        "{what}: expected `<key>`, `user:<key>` or `org:<key>` (keys of letters, digits, `_` and `-`), e.g. `{name} = \"{example}\"`"
                    ),
                ));
            }
            Ok(if name == "feature" {
                Check::Feature(lit)
            } else {
                Check::Plan(lit)
            })
        }
        "reverification" => {
            let lit = string_value(&item, "reverification", "strict")?;
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
                    format!(
                        "`{name}()` needs at least one check, e.g. `{name}(role = \"org:admin\")`"
                    ),
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
                    let message = if matches!(
                        inner_name.as_str(),
                        "on_error" | "crate" | "redirect_to_sign_in"
                    ) {
                        format!(
                            "`{inner_name}` is not a check: move it out of `{name}(…)`, to the top level, e.g. `#[clerk::protect({name}(…), {})]`",
                            example_for(&inner_name).trim_matches('`')
                        )
                    } else {
                        format!("`{inner_name}` is not a check; inside `{name}(…)` use `role`, `permission`, `feature`, `plan`, `reverification`, `any` or `all`")
                    };
                    errors.push(syn::Error::new(inner.name().span(), message));
                    continue;
                }
                match parse_check(inner) {
                    Ok(c) => checks.push(c),
                    Err(e) => errors.push(e),
                }
            }
            errors.finish()?;
            Ok(if name == "any" {
                Check::Any(checks)
            } else {
                Check::All(checks)
            })
        }
        _ => Err(syn::Error::new(Span::call_site(), "unknown check")),
    }
}

/// `accepts = [session, api_key, m2m, oauth]`, `accepts = api_key` or `accepts = any`.
fn parse_accepts(item: &Item) -> syn::Result<Accepts> {
    let value = match item {
        Item::Value(_, _, Some(value)) => value,
        Item::Value(_, eq, None) => {
            return Err(syn::Error::new(
                eq.span,
                "`accepts` needs a value: the token types of the route, e.g. `accepts = [session, api_key]` (types: `session`, `api_key`, `m2m`, `oauth`; or `accepts = any`)",
            ))
        }
        other => {
            return Err(syn::Error::new(
                other.name().span(),
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
                match token_type_ident(elem, true) {
                    Ok(ident) => {
                        let key = ident.to_string();
                        if let Some(first) = seen.iter().find(|s| **s == ident) {
                            let mut err = syn::Error::new(
                                ident.span(),
                                format!("`{key}` is listed twice in `accepts`: list it once"),
                            );
                            err.combine(syn::Error::new(first.span(), format!("`{key}` first listed here")));
                            errors.push(err);
                            continue;
                        }
                        if let Some(flag) = accepts.flag(&key) {
                            *flag = true;
                        }
                        seen.push(ident);
                    }
                    Err(e) => errors.push(e),
                }
            }
            errors.finish()?;
            Ok(accepts)
        }
        syn::Expr::Path(_) => {
            let ident = token_type_ident(value, false)?;
            if ident == "any" {
                return Ok(Accepts {
                    session: true,
                    api_key: true,
                    m2m: true,
                    oauth: true,
                });
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

/// One token type name of `accepts` (`any` too, when not in a list).
fn token_type_ident(expr: &syn::Expr, in_list: bool) -> syn::Result<Ident> {
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
