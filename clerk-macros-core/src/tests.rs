//! Unit tests of the three stages on token streams built with `quote!`. The compile errors
//! as users see them (spans included) are the trybuild suite's (`tests/ui/`).

use proc_macro2::{TokenStream, TokenTree};
use quote::quote;

use crate::attr::{Arg, ArgName, AttrArgs, Check, Form, Mode};
use crate::inject;
use crate::names::{self, Injected};
use crate::validate::{self, Errors};

/// The messages of `errors`, in order.
fn messages(errors: Errors) -> Vec<String> {
    match errors.finish() {
        Ok(()) => Vec::new(),
        Err(err) => err.into_iter().map(|e| e.to_string()).collect(),
    }
}

/// The messages of the `compile_error!`s in an expansion.
fn compile_errors(tokens: TokenStream) -> Vec<String> {
    let mut out = Vec::new();
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tt) in trees.iter().enumerate() {
        match tt {
            TokenTree::Ident(ident) if ident == "compile_error" => {
                if let Some(TokenTree::Group(group)) = trees.get(i + 2) {
                    let lit: syn::LitStr = syn::parse2(group.stream()).expect("a message");
                    out.push(lit.value());
                }
            }
            TokenTree::Group(group) => out.extend(compile_errors(group.stream())),
            _ => {}
        }
    }
    out
}

/// The expansion as a string without spaces, for `contains` checks.
fn flat(tokens: &TokenStream) -> String {
    tokens.to_string().replace(' ', "")
}

// ---------------------------------------------------------------------------------------
// Stage 1: parsing

#[test]
fn parse_types_every_keyword() {
    let args: AttrArgs = syn::parse2(quote!(
        on_error = unauthorized,
        crate = "my_clerk",
        redirect_to_sign_in,
        accepts = [session],
        role = "org:admin",
        permission = "org:a:b",
        feature = "f",
        plan = "p",
        reverification = "strict",
        any(role = "org:x"),
        all(plan = "pro",),
        whatever
    ))
    .expect("parses");
    let kinds: Vec<&str> = args
        .args
        .iter()
        .map(|a| match &a.name {
            ArgName::OnError(_) => "on_error",
            ArgName::Crate(_) => "crate",
            ArgName::RedirectToSignIn(_) => "redirect_to_sign_in",
            ArgName::Accepts(_) => "accepts",
            ArgName::Role(_) => "role",
            ArgName::Permission(_) => "permission",
            ArgName::Feature(_) => "feature",
            ArgName::Plan(_) => "plan",
            ArgName::Reverification(_) => "reverification",
            ArgName::Any(_) => "any",
            ArgName::All(_) => "all",
            ArgName::Unknown(_) => "unknown",
        })
        .collect();
    assert_eq!(
        kinds,
        [
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
            "unknown"
        ]
    );
    assert!(matches!(args.args[2].form, Form::Flag));
    assert!(matches!(args.args[0].form, Form::Value(_, Some(_))));
    // The trailing comma inside `all(…)` is accepted.
    assert!(matches!(&args.args[10].form, Form::List(inner) if inner.len() == 1));
}

#[test]
fn parse_keeps_forms_that_validation_reports() {
    // `name =` without a value, keywords as names, and raw identifiers all parse: their
    // errors are validation's, with better messages than a parse error.
    let args: AttrArgs = syn::parse2(quote!(on_error =, fn, r#role = "org:a")).expect("parses");
    assert!(matches!(args.args[0].form, Form::Value(_, None)));
    assert!(matches!(&args.args[1].name, ArgName::Unknown(i) if i == "fn"));
    assert!(matches!(&args.args[2].name, ArgName::Unknown(_)));
}

#[test]
fn parse_errors_name_the_expected_forms() {
    let err = syn::parse2::<AttrArgs>(quote!(role "org:admin"))
        .err()
        .expect("an error");
    assert_eq!(
        err.to_string(),
        "expected `=`, `(` or `,` after `role`, e.g. `role = \"org:admin\"`"
    );
    let err = syn::parse2::<Arg>(quote!("role")).err().expect("an error");
    assert_eq!(err.to_string(), crate::attr::NOT_AN_ARGUMENT);
}

// ---------------------------------------------------------------------------------------
// Stage 2: validation

#[test]
fn validate_accepts_every_documented_form() {
    let parsed = validate::args(
        Mode::Protect,
        quote!(
            on_error = errors::unauthorized,
            crate = "my::clerk",
            redirect_to_sign_in,
            role = "org:admin",
            permission = "org:invoices:create",
            feature = "user:premium",
            plan = "pro",
            reverification = "strict_mfa",
            any(
                role = "org:billing",
                all(plan = "org:team", feature = "sso")
            ),
        ),
    );
    assert!(messages(parsed.errors).is_empty());
    assert!(!parsed.poisoned);
    let args = parsed.args;
    assert_eq!(
        quote::ToTokens::to_token_stream(&args.on_error.expect("on_error")).to_string(),
        "errors :: unauthorized"
    );
    assert_eq!(
        quote::ToTokens::to_token_stream(&args.krate.expect("crate")).to_string(),
        "my :: clerk"
    );
    assert!(args.redirect_to_sign_in);
    assert_eq!(args.checks.len(), 6);
    assert!(matches!(&args.checks[4], Check::Reverification(v) if v == "StrictMfa"));
    assert!(matches!(&args.checks[5], Check::Any(inner) if inner.len() == 2));
}

#[test]
fn validate_reports_every_mistake_at_once() {
    let parsed = validate::args(
        Mode::Protect,
        quote!(role = "admin", on_eror = f, permission = 3),
    );
    assert_eq!(
        messages(parsed.errors),
        [
            "malformed role `admin`: roles are `org:<key>` (a key of letters, digits, `_` and `-`); write `role = \"org:admin\"`",
            "unknown argument `on_eror`; did you mean `on_error`? (expected one of `on_error`, `crate`, `redirect_to_sign_in`, `accepts`, `role`, `permission`, `feature`, `plan`, `reverification`, `any`, `all`)",
            "`permission` takes a string literal, e.g. `permission = \"org:invoices:create\"`",
        ]
    );
}

#[test]
fn validate_duplicates_point_at_both() {
    let parsed = validate::args(Mode::Strict, quote!(on_error = a, on_error = b));
    assert_eq!(
        messages(parsed.errors),
        [
            "duplicate `on_error` argument: give `on_error` once",
            "`on_error` first given here"
        ]
    );
    assert!(
        quote::ToTokens::to_token_stream(&parsed.args.on_error.expect("the first")).to_string()
            == "a"
    );
}

#[test]
fn validate_checks_are_for_protect_only() {
    let parsed = validate::args(Mode::Strict, quote!(role = "org:admin"));
    assert_eq!(
        messages(parsed.errors),
        ["`role` is an authorization check, only for `#[clerk::protect]`: `#[clerk::require_session]` only authenticates; use `#[clerk::protect(role = \"org:admin\")]`"]
    );
    assert!(parsed.args.checks.is_empty());
}

#[test]
fn validate_not_an_argument_names_the_macro() {
    let parsed = validate::args(Mode::Lax, quote!("on_error"));
    assert!(parsed.poisoned);
    assert_eq!(
        messages(parsed.errors),
        ["expected an argument of `#[clerk::with_session]` such as `on_error = unauthorized` (arguments: `on_error`, `crate`)"]
    );
}

#[test]
fn validate_accepts_lists_and_misuses() {
    let parsed = validate::args(Mode::Protect, quote!(accepts = [session, api_key]));
    assert!(parsed.args.accepts.session && parsed.args.accepts.api_key);
    assert!(!parsed.args.accepts.m2m && !parsed.args.accepts.oauth);
    let parsed = validate::args(Mode::Protect, quote!(accepts = any));
    assert_eq!(
        parsed.args.accepts.listed(),
        ["session", "api_key", "m2m", "oauth"]
    );
    let parsed = validate::args(Mode::Protect, quote!(accepts = [machine, api_key, api_key]));
    assert!(parsed.args.accepts_invalid);
    assert_eq!(
        messages(parsed.errors),
        [
            "unknown token type `machine` (did you mean `m2m`?): `accepts` takes `session`, `api_key`, `m2m` or `oauth`, or `accepts = any` for all of them",
            "`api_key` is listed twice in `accepts`: list it once",
            "`api_key` first listed here",
        ]
    );
    let parsed = validate::args(Mode::Protect, quote!(accepts = [m2m], role = "org:admin"));
    assert_eq!(messages(parsed.errors).len(), 1);
}

#[test]
fn validate_unusable_crate_poisons_the_expansion() {
    let parsed = validate::args(Mode::Protect, quote!(crate = "not a path"));
    assert!(parsed.poisoned);
    assert_eq!(
        messages(parsed.errors),
        ["`crate` must name a path, e.g. `crate = \"my_clerk\"`; `not a path` is not a path"]
    );
}

#[test]
fn validate_combinators_take_only_checks() {
    let parsed = validate::args(
        Mode::Protect,
        quote!(any(on_error = f, role = "org:a"), all()),
    );
    assert_eq!(
        messages(parsed.errors),
        [
            "`on_error` is not a check: move it out of `any(…)`, to the top level, e.g. `#[clerk::protect(any(…), on_error = unauthorized)]`",
            "`all()` needs at least one check, e.g. `all(role = \"org:admin\")`",
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Handler parameters

#[test]
fn recognize_clerk_types_by_path() {
    let ty = |tokens: TokenStream| syn::parse2::<syn::Type>(tokens).expect("a type");
    let my: syn::Path = syn::parse_quote!(my::clerk);
    assert_eq!(
        names::recognize(&ty(quote!(Session)), None),
        Some(Injected::Session)
    );
    assert_eq!(
        names::recognize(&ty(quote!(clerk::Auth)), None),
        Some(Injected::Auth)
    );
    assert_eq!(
        names::recognize(&ty(quote!(Option<clerk::User>)), None),
        Some(Injected::OptionUser)
    );
    assert_eq!(
        names::recognize(&ty(quote!(Option<Auth>)), None),
        Some(Injected::OptionAuth)
    );
    assert_eq!(
        names::recognize(&ty(quote!(my::clerk::MachineAuth)), Some(&my)),
        Some(Injected::MachineAuth)
    );
    // Not clerk's: another crate's `Session`, a wrapper, a plain type.
    assert_eq!(names::recognize(&ty(quote!(tower::Session)), None), None);
    assert_eq!(names::recognize(&ty(quote!(Json<Session>)), None), None);
    assert_eq!(names::recognize(&ty(quote!(String)), None), None);
}

#[test]
fn split_binds_injected_parameters_and_keeps_extractors() {
    let func: syn::ItemFn = syn::parse_quote! {
        async fn h(user: User, State(db): State<Db>, session: Session) {}
    };
    let mut errors = Errors::default();
    let params = inject::split(
        Mode::Strict,
        &crate::attr::Args::default(),
        &func.sig.ident,
        &func.sig.inputs,
        &quote!(::clerk::__private),
        &mut errors,
    )
    .expect("a free function");
    assert!(messages(errors).is_empty());
    assert!(params.load_user);
    assert_eq!(params.kept.len(), 1);
    let bindings: Vec<String> = params.bindings.iter().map(flat).collect();
    // The user moves the guard: bound last.
    assert_eq!(
        bindings,
        [
            "letsession:Session=__clerk_guard.session();",
            "letuser:User=__clerk_guard.into_user();"
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Stage 3: expansion

#[test]
fn expansion_adds_the_hidden_extractor_and_policy() {
    let out = crate::protect(
        quote!(role = "org:admin"),
        quote!(
            pub async fn me(auth: Auth, Json(body): Json<Value>) -> String {
                body.to_string()
            }
        ),
    );
    let text = flat(&out);
    assert!(compile_errors(out).is_empty());
    assert!(text.contains(
        "pubasyncfnme(__clerk_guard:::clerk::__private::Strict<__clerk_policy_me,impl::clerk::__private::ClerkFromState>,Json(body):Json<Value>)->::clerk::__private::WithResponseHeaders<String>"
    ));
    // The guard's headers (a server-side refresh's cookies) go on the handler's response.
    assert!(text.contains("let__clerk_headers=__clerk_guard.response_headers();"));
    assert!(text.contains(
        "::clerk::__private::WithResponseHeaders::new(__clerk_response,__clerk_headers)"
    ));
    assert!(text.contains("letauth:Auth=__clerk_guard.auth();"));
    assert!(text.contains("#[non_exhaustive]pubstruct__clerk_policy_me;"));
    assert!(text.contains("impl::clerk::__private::StrictPolicyfor__clerk_policy_me"));
    assert!(text.contains("::clerk::__private::has(session,&::clerk::Has::role(\"org:admin\"))"));
}

#[test]
fn expansion_names_the_state_for_debug_handler() {
    let state = |attr: TokenStream, params: TokenStream| {
        let out = crate::protect(quote!(), quote!(#attr async fn h(#params) {}));
        let text = flat(&out);
        let start = text.find("__clerk_policy_h,").expect("a guard") + "__clerk_policy_h,".len();
        text[start..].split('>').next().expect("a state").to_owned()
    };
    assert_eq!(
        state(quote!(), quote!(s: Session)),
        "impl::clerk::__private::ClerkFromState"
    );
    assert_eq!(
        state(quote!(#[axum::debug_handler]), quote!(s: Session)),
        "()"
    );
    assert_eq!(
        state(
            quote!(#[debug_handler]),
            quote!(s: Session, State(app): State<AppState>)
        ),
        "AppState"
    );
    assert_eq!(
        state(
            quote!(#[axum::debug_handler(state = app::AppState)]),
            quote!(State(n): State<&'static str>)
        ),
        "app::AppState"
    );
}

#[test]
fn expansion_picks_the_guard_of_the_route() {
    let guard = |out: TokenStream| {
        let text = flat(&out);
        let start = text.find("__clerk_guard:").expect("a guard") + "__clerk_guard:".len();
        text[start..].split('<').next().expect("a type").to_owned()
    };
    let handler = quote!(
        async fn h(session: Option<Session>) {}
    );
    assert_eq!(
        guard(crate::with_session(quote!(), handler.clone())),
        "::clerk::__private::Lax"
    );
    assert_eq!(
        guard(crate::require_session(
            quote!(crate = "c"),
            quote!(
                async fn h(u: User) {}
            )
        )),
        "c::__private::StrictUser"
    );
    assert_eq!(
        guard(crate::protect(
            quote!(accepts = [api_key]),
            quote!(
                async fn h(m: MachineAuth) {}
            )
        )),
        "::clerk::__private::StrictMachine"
    );
    assert_eq!(
        guard(crate::protect(quote!(accepts = any), handler)),
        "::clerk::__private::StrictMixed"
    );
}

#[test]
fn expansion_reports_handler_misuses_next_to_a_working_handler() {
    let out = crate::with_session(
        quote!(),
        quote!(
            fn h(session: Session, again: Option<Session>, other: Option<Session>) {}
        ),
    );
    let text = flat(&out);
    assert_eq!(
        compile_errors(out),
        [
            "`#[clerk::with_session]` handlers must be `async fn`: write `async fn h`",
            "`#[clerk::with_session]` runs the handler even when signed out, so it cannot provide a `Session`: take `Option<Session>` (or `Auth`), or use `#[clerk::require_session]` to require one",
            "`Option<Session>` is injected twice: take it once, and clone it if you need two",
            "first taken here",
        ]
    );
    // Still expanded (as an `async fn`), with the rejected parameters bound.
    assert!(text.contains("asyncfnh(__clerk_guard:"));
    assert!(text.contains("letsession:Session=::clerk::__private::rejected_parameter();"));
}

#[test]
fn expansion_of_a_non_function_keeps_the_item() {
    let out = crate::protect(
        quote!(),
        quote!(
            struct NotAHandler;
        ),
    );
    let text = flat(&out);
    assert!(text.starts_with("structNotAHandler;"));
    assert_eq!(
        compile_errors(out),
        ["`#[clerk::protect]` applies to an `async fn` handler, e.g. `#[clerk::protect] async fn me(session: clerk::Session) -> String`"]
    );
}

#[test]
fn expansion_of_a_method_reports_self() {
    let out = crate::require_session(
        quote!(),
        quote!(
            async fn h(&self, s: Session) {}
        ),
    );
    assert_eq!(
        compile_errors(out),
        ["`#[clerk::require_session]` handlers must be free functions, without `self`: move `h` out of the `impl` block and pass shared data with `State`"]
    );
}

#[test]
fn expansion_binds_in_the_body_without_extra_braces() {
    // A nested `{ let …; { body } }` is `unused_braces` in the user's crate.
    let out = crate::protect(
        quote!(),
        quote!(
            async fn me(auth: Auth) -> String {
                auth.user_id().unwrap_or_default().to_owned()
            }
        ),
    );
    // The bindings open the body's own block (the `async move` one that keeps `return` and
    // `?` typed as the handler declares them).
    assert!(flat(&out).contains(
        "asyncmove{letauth:Auth=__clerk_guard.auth();auth.user_id().unwrap_or_default().to_owned()}.await;"
    ));
    let out = crate::with_session(
        quote!(),
        quote!(
            async fn none() {
                #![allow(unused)]
                let x = 1;
            }
        ),
    );
    // Inner attributes stay the first thing of the handler's body.
    assert!(flat(&out).contains(
        ")->::clerk::__private::WithResponseHeaders<()>{#![allow(unused)]let__clerk_headers"
    ));
    assert!(flat(&out).contains("asyncmove{letx=1;}.await;"));
}
