//! Stage 1, parsing: the attribute's tokens into typed [`AttrArgs`] (which keyword each
//! argument is, and whether it is written as a flag, `name = value` or `name(…)`), and the
//! types of the validated arguments ([`Args`]) that [`crate::validate`] builds from them.
//!
//! Parsing is deliberately lenient about values: `role = 1` parses, so that validation can
//! say "`role` takes a string literal" at the value instead of syn's generic message.

use syn::ext::IdentExt as _;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Path, Token};

/// Which macro is expanding.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// `with_session`: the handler always runs.
    Lax,
    /// `require_session`.
    Strict,
    /// `protect`: strict plus authorization.
    Protect,
}

impl Mode {
    /// The attribute's name: `protect`, `with_session` or `require_session`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Lax => "with_session",
            Mode::Strict => "require_session",
            Mode::Protect => "protect",
        }
    }

    /// Whether a signed-out request is rejected (`require_session`, `protect`).
    pub fn is_strict(self) -> bool {
        !matches!(self, Mode::Lax)
    }

    /// The argument names the macro takes, in the order error messages list them.
    pub(crate) fn known_args(self) -> &'static [&'static str] {
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

/// The argument keywords (`crate` is Rust's own `Token![crate]`).
pub(crate) mod kw {
    syn::custom_keyword!(on_error);
    syn::custom_keyword!(redirect_to_sign_in);
    syn::custom_keyword!(accepts);
    syn::custom_keyword!(role);
    syn::custom_keyword!(permission);
    syn::custom_keyword!(feature);
    syn::custom_keyword!(plan);
    syn::custom_keyword!(reverification);
    syn::custom_keyword!(any);
    syn::custom_keyword!(all);
}

/// The name of one argument: a known keyword, or any other identifier (reported by
/// validation with a suggestion, rather than rejected by the parser).
pub(crate) enum ArgName {
    OnError(kw::on_error),
    Crate(Token![crate]),
    RedirectToSignIn(kw::redirect_to_sign_in),
    Accepts(kw::accepts),
    Role(kw::role),
    Permission(kw::permission),
    Feature(kw::feature),
    Plan(kw::plan),
    Reverification(kw::reverification),
    Any(kw::any),
    All(kw::all),
    Unknown(Ident),
}

impl ArgName {
    /// The name as an identifier, with the span of the written token.
    pub(crate) fn ident(&self) -> Ident {
        let (name, span) = match self {
            ArgName::OnError(k) => ("on_error", k.span),
            ArgName::Crate(k) => ("crate", k.span),
            ArgName::RedirectToSignIn(k) => ("redirect_to_sign_in", k.span),
            ArgName::Accepts(k) => ("accepts", k.span),
            ArgName::Role(k) => ("role", k.span),
            ArgName::Permission(k) => ("permission", k.span),
            ArgName::Feature(k) => ("feature", k.span),
            ArgName::Plan(k) => ("plan", k.span),
            ArgName::Reverification(k) => ("reverification", k.span),
            ArgName::Any(k) => ("any", k.span),
            ArgName::All(k) => ("all", k.span),
            ArgName::Unknown(ident) => return ident.clone(),
        };
        Ident::new(name, span)
    }

    /// Whether this is an authorization check (`role`, `permission`, `feature`, `plan`,
    /// `reverification`, `any`, `all`): the arguments that may be repeated.
    pub(crate) fn is_check(&self) -> bool {
        matches!(
            self,
            ArgName::Role(_)
                | ArgName::Permission(_)
                | ArgName::Feature(_)
                | ArgName::Plan(_)
                | ArgName::Reverification(_)
                | ArgName::Any(_)
                | ArgName::All(_)
        )
    }
}

impl Parse for ArgName {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        Ok(if input.peek(kw::on_error) {
            ArgName::OnError(input.parse()?)
        } else if input.peek(Token![crate]) {
            ArgName::Crate(input.parse()?)
        } else if input.peek(kw::redirect_to_sign_in) {
            ArgName::RedirectToSignIn(input.parse()?)
        } else if input.peek(kw::accepts) {
            ArgName::Accepts(input.parse()?)
        } else if input.peek(kw::role) {
            ArgName::Role(input.parse()?)
        } else if input.peek(kw::permission) {
            ArgName::Permission(input.parse()?)
        } else if input.peek(kw::feature) {
            ArgName::Feature(input.parse()?)
        } else if input.peek(kw::plan) {
            ArgName::Plan(input.parse()?)
        } else if input.peek(kw::reverification) {
            ArgName::Reverification(input.parse()?)
        } else if input.peek(kw::any) {
            ArgName::Any(input.parse()?)
        } else if input.peek(kw::all) {
            ArgName::All(input.parse()?)
        } else if input.peek(Ident::peek_any) {
            // `Ident::parse_any` also accepts keywords such as `fn`.
            ArgName::Unknown(Ident::parse_any(input)?)
        } else {
            return Err(input.error(NOT_AN_ARGUMENT));
        })
    }
}

/// How an argument is written after its name.
pub(crate) enum Form {
    /// `name`
    Flag,
    /// `name = value`; `None` for `name =` followed by a comma or nothing.
    Value(Token![=], Option<syn::Expr>),
    /// `name(arg, …)`
    List(Vec<Arg>),
}

/// One argument: `name`, `name = value`, or `name(arg, …)`.
pub(crate) struct Arg {
    pub name: ArgName,
    pub form: Form,
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let name: ArgName = input.parse()?;
        let form = if input.peek(Token![=]) {
            let eq: Token![=] = input.parse()?;
            let value = if input.is_empty() || input.peek(Token![,]) {
                None
            } else {
                Some(input.parse()?)
            };
            Form::Value(eq, value)
        } else if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            Form::List(content.parse::<AttrArgs>()?.args)
        } else if input.is_empty() || input.peek(Token![,]) {
            Form::Flag
        } else {
            let name = name.ident();
            return Err(input.error(format!(
                "expected `=`, `(` or `,` after `{name}`, e.g. {}",
                example_for(&name.to_string())
            )));
        };
        Ok(Arg { name, form })
    }
}

/// The whole argument list: `arg, arg, …` with an optional trailing comma.
pub(crate) struct AttrArgs {
    pub args: Vec<Arg>,
}

impl Parse for AttrArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Vec::new();
        while !input.is_empty() {
            args.push(input.parse()?);
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(AttrArgs { args })
    }
}

/// The message of a token that cannot start an argument, before [`crate::validate`] replaces
/// it with the macro's own list ([`expected_argument`]): a `Parse` impl cannot know which
/// macro is expanding.
pub(crate) const NOT_AN_ARGUMENT: &str = "expected an argument";

/// The message for a token that cannot start an argument of `mode`.
pub(crate) fn expected_argument(mode: Mode) -> String {
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
pub(crate) fn example_for(name: &str) -> &'static str {
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

/// One authorization condition of `protect`, validated.
pub enum Check {
    /// `role = "org:<key>"`
    Role(LitStr),
    /// `permission = "org:<feature>:<permission>"`
    Permission(LitStr),
    /// `feature = "<key>"` (optionally scoped `user:`/`org:`)
    Feature(LitStr),
    /// `plan = "<key>"` (optionally scoped `user:`/`org:`)
    Plan(LitStr),
    /// `reverification = "…"`, as the runtime's `Reverification` variant.
    Reverification(Ident),
    /// `any(…)`: one of the checks holds.
    Any(Vec<Check>),
    /// `all(…)`: every check holds.
    All(Vec<Check>),
}

/// The validated arguments (defaults for the ones not given or not valid).
pub struct Args {
    /// `on_error = path`.
    pub on_error: Option<Path>,
    /// `crate = "path"`.
    pub krate: Option<Path>,
    /// `redirect_to_sign_in` (`protect` only).
    pub redirect_to_sign_in: bool,
    /// Conditions that must all hold (`protect` only).
    pub checks: Vec<Check>,
    /// The token types the route accepts (`protect(accepts = …)`; sessions by default).
    pub accepts: Accepts,
    /// `accepts = …` was given but did not parse: its error is reported, and injections
    /// that depend on it are not reported again.
    pub accepts_invalid: bool,
}

impl Default for Args {
    fn default() -> Self {
        Args {
            on_error: None,
            krate: None,
            redirect_to_sign_in: false,
            checks: Vec::new(),
            accepts: Accepts::SESSION,
            accepts_invalid: false,
        }
    }
}

/// The token types a route accepts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Accepts {
    /// Session tokens.
    pub session: bool,
    /// API keys.
    pub api_key: bool,
    /// M2M tokens.
    pub m2m: bool,
    /// OAuth access tokens.
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
    pub(crate) const SESSION: Self = Self {
        session: true,
        api_key: false,
        m2m: false,
        oauth: false,
    };
    pub(crate) const NONE: Self = Self {
        session: false,
        api_key: false,
        m2m: false,
        oauth: false,
    };
    pub(crate) const ALL: Self = Self {
        session: true,
        api_key: true,
        m2m: true,
        oauth: true,
    };

    pub(crate) fn flag(&mut self, name: &str) -> Option<&mut bool> {
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
    pub fn has_machine(&self) -> bool {
        self.api_key || self.m2m || self.oauth
    }

    /// The accepted names, in order: `[session, api_key]`.
    pub fn listed(&self) -> Vec<&'static str> {
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
