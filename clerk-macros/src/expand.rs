//! Code generation: the rewritten handler and its hidden policy type.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{format_ident, quote};
use syn::{FnArg, ItemFn, Path};

use crate::attr::{Accepts, Args, Check, Errors, Mode};
use crate::inject::{classify, Injected};

const ATTRIBUTE_NAMES: [&str; 3] = ["protect", "with_session", "require_session"];

/// Expands the handler, pushing every misuse to `errors`.
///
/// The returned code is a working handler even when there are errors (`None` only for
/// methods, which cannot be expanded), so that a mistake is reported once, by the macro,
/// and not again as "the trait `Handler` is not implemented" where the handler is routed.
pub(crate) fn expand(
    mode: Mode,
    args: &Args,
    mut func: ItemFn,
    errors: &mut Errors,
) -> Option<TokenStream> {
    let name = func.sig.ident.clone();
    if func.sig.asyncness.is_none() {
        errors.push(syn::Error::new(
            func.sig.fn_token.span,
            format!(
                "`#[clerk::{}]` handlers must be `async fn`: write `async fn {name}`",
                mode.name()
            ),
        ));
        func.sig.asyncness = Some(Default::default());
    }

    // Another clerk attribute would expand the generated handler again: report it and drop it.
    let mut attrs = Vec::with_capacity(func.attrs.len());
    for attr in std::mem::take(&mut func.attrs) {
        match clerk_attribute(&attr, args.krate.as_ref()) {
            Some(other) => {
                errors.push(syn::Error::new_spanned(&attr, two_attributes(mode, &other)))
            }
            None => attrs.push(attr),
        }
    }
    func.attrs = attrs;

    let krate: Path = args
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::clerk));
    let private = quote!(#krate::__private);

    // Split parameters into injected ones (bound in the body) and ordinary extractors.
    let mut is_method = false;
    let mut bindings = Vec::new();
    let mut user_binding = None;
    let mut kept = syn::punctuated::Punctuated::<FnArg, syn::Token![,]>::new();
    let mut seen: Vec<(Injected, &syn::Type)> = Vec::new();
    let inputs = std::mem::take(&mut func.sig.inputs);
    for arg in &inputs {
        match arg {
            FnArg::Receiver(recv) => {
                is_method = true;
                errors.push(syn::Error::new_spanned(
                    recv,
                    format!(
                        "`#[clerk::{}]` handlers must be free functions, without `self`: move `{name}` out of the `impl` block and pass shared data with `State`",
                        mode.name()
                    ),
                ));
            }
            FnArg::Typed(pt) => {
                let pat = &pt.pat;
                let ty = &pt.ty;
                match classify(ty, mode, args.krate.as_ref()) {
                    Ok(Some(kind)) => {
                        if let Err(e) = allowed_by_accepts(kind, ty, &args.accepts) {
                            // After an `accepts` that did not parse, its error is enough.
                            if !args.accepts_invalid {
                                errors.push(e);
                            }
                            bindings
                                .push(quote! { let #pat: #ty = #private::rejected_parameter(); });
                            continue;
                        }
                        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == kind) {
                            let mut err = syn::Error::new_spanned(
                                ty,
                                format!(
                                    "`{}` is injected twice: take it once, and clone it if you need two",
                                    kind.describe()
                                ),
                            );
                            err.combine(syn::Error::new_spanned(first, "first taken here"));
                            errors.push(err);
                            bindings
                                .push(quote! { let #pat: #ty = #private::rejected_parameter(); });
                            continue;
                        }
                        seen.push((kind, ty));
                        let accessor = format_ident!("{}", kind.accessor());
                        let binding = quote! { let #pat: #ty = __clerk_guard.#accessor(); };
                        if kind.is_user() {
                            // Moves the guard: bound after every other injected value.
                            user_binding = Some(binding);
                        } else {
                            bindings.push(binding);
                        }
                    }
                    Ok(None) => kept.push(arg.clone()),
                    Err(e) => {
                        errors.push(e);
                        // Keep the body type-checking: the binding exists, with the user's type.
                        bindings.push(quote! { let #pat: #ty = #private::rejected_parameter(); });
                    }
                }
            }
        }
    }
    if is_method {
        return None;
    }

    let load_user = user_binding.is_some();
    bindings.extend(user_binding);
    let policy = format_ident!("__clerk_policy_{}", name);
    let vis = &func.vis;
    let accepts = &args.accepts;
    let guard_ty = match (mode.is_strict(), load_user) {
        _ if accepts.has_machine() && !accepts.session => quote!(#private::StrictMachine<#policy>),
        _ if accepts.has_machine() => quote!(#private::StrictMixed<#policy>),
        (true, false) => quote!(#private::Strict<#policy>),
        (true, true) => quote!(#private::StrictUser<#policy>),
        (false, _) => quote!(#private::Lax<#policy>),
    };

    let mut new_inputs = syn::punctuated::Punctuated::<FnArg, syn::Token![,]>::new();
    new_inputs.push(syn::parse_quote!(__clerk_guard: #guard_ty));
    new_inputs.extend(kept);
    func.sig.inputs = new_inputs;

    let body = func.block.clone();
    *func.block = syn::parse_quote!({
        #(#bindings)*
        #body
    });

    let policy_impl = policy_impl(mode, args, &private, &krate, &policy, load_user);
    let doc = format!(
        "Policy of `#[clerk::{}]` on [`{}`]; generated.",
        mode.name(),
        name
    );

    Some(quote! {
        #func

        #[doc = #doc]
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #policy;

        #policy_impl
    })
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

/// `tokens` spanning from `first` to `last`: the last token at `last`, the others at `first`.
fn respan_range(tokens: TokenStream, first: Span, last: Span) -> TokenStream {
    let mut tokens: Vec<TokenTree> = respan(tokens, first).into_iter().collect();
    if let Some(tt) = tokens.last_mut() {
        tt.set_span(last);
    }
    tokens.into_iter().collect()
}

/// `tokens` with every span set to `span`, so that errors in them point at the user's token.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|tt| match tt {
            TokenTree::Group(g) => {
                let mut group = Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                TokenTree::Group(group)
            }
            mut other => {
                other.set_span(span);
                other
            }
        })
        .collect()
}

fn policy_impl(
    mode: Mode,
    args: &Args,
    private: &TokenStream,
    krate: &Path,
    policy: &syn::Ident,
    load_user: bool,
) -> TokenStream {
    let response = quote!(#private::axum::response::Response);
    let on_error = args.on_error.as_ref().map(|path| {
        // Everything that checks the user's function is spanned at its path (the path keeps
        // its own spans), so that a wrong signature or return type is reported there, not at
        // the attribute.
        let span = path.segments.last().map_or_else(Span::call_site, |s| s.ident.span());
        let first = match (&path.leading_colon, path.segments.first()) {
            (Some(colon), _) => colon.spans[0],
            (None, Some(segment)) => segment.ident.span(),
            (None, None) => span,
        };
        let at = |tokens: TokenStream| respan(tokens, span);
        let p = at(private.clone());
        // `call_on_error(on_error_handler(path), err)`: the argument starts at the path's
        // first token and ends at its last, so that rustc underlines the whole path.
        let call = {
            let mut handler = Group::new(proc_macro2::Delimiter::Parenthesis, quote!(#path));
            handler.set_span(span);
            let mut args = respan_range(quote!(#p::on_error_handler), first, span);
            args.extend(quote!(#handler));
            args.extend(at(quote!(, err)));
            let mut group = Group::new(proc_macro2::Delimiter::Parenthesis, args);
            group.set_span(span);
            let head = respan_range(quote!(#p::call_on_error), first, span);
            quote!(#head #group)
        };
        let (output, decide, fallback) = if mode.is_strict() {
            (
                quote!(#response),
                at(quote!(#p::strict_response(value))),
                quote!(#private::axum::response::IntoResponse::into_response(::core::clone::Clone::clone(err))),
            )
        } else {
            (
                quote!(::core::option::Option<#response>),
                at(quote!(#p::lax_decision(#p::lax_option(value)))),
                quote!(::core::option::Option::None),
            )
        };
        quote! {
            fn on_error(err: &#krate::AuthError) -> impl ::core::future::Future<Output = #output> + ::core::marker::Send {
                #[allow(unused_imports)]
                use #private::{ResolveFuture as _, ResolveValue as _};
                let fallback = #fallback;
                let out = #private::Resolve::new(#call);
                let resolved = (&out).resolve();
                async move {
                    match resolved {
                        ::core::option::Option::Some(fut) => {
                            let value = fut.await;
                            #decide
                        }
                        ::core::option::Option::None => fallback,
                    }
                }
            }
        }
    });

    if mode.is_strict() {
        let redirect = args.redirect_to_sign_in;
        let authorize = if args.checks.is_empty() {
            quote!()
        } else {
            let expr = all_of(&args.checks, krate, private);
            quote! {
                fn authorize(session: &#krate::Session) -> bool {
                    #expr
                }
            }
        };
        // Only routes that accept machine tokens say what they accept: the default is
        // sessions, and the expansion of every other handler stays as it was.
        let accepts = if args.accepts.has_machine() {
            let mut variants = args
                .accepts
                .variants()
                .into_iter()
                .map(|v| format_ident!("{}", v));
            let first = variants.next();
            quote! {
                const ACCEPTS: #krate::AcceptsToken =
                    #krate::AcceptsToken::only(#krate::TokenType::#first)
                        #(.with(#krate::TokenType::#variants))*;
            }
        } else {
            quote!()
        };
        quote! {
            impl #private::StrictPolicy for #policy {
                const LOAD_USER: bool = #load_user;
                const REDIRECT_TO_SIGN_IN: bool = #redirect;
                #accepts
                #authorize
                #on_error
            }
        }
    } else {
        quote! {
            impl #private::LaxPolicy for #policy {
                const LOAD_USER: bool = #load_user;
                #on_error
            }
        }
    }
}

fn all_of(checks: &[Check], krate: &Path, private: &TokenStream) -> TokenStream {
    let parts = checks.iter().map(|c| check_expr(c, krate, private));
    quote!((true #(&& #parts)*))
}

fn check_expr(check: &Check, krate: &Path, private: &TokenStream) -> TokenStream {
    let has = |ctor: &str, value: TokenStream| {
        let ctor = format_ident!("{}", ctor);
        quote!(#private::has(session, &#krate::Has::#ctor(#value)))
    };
    match check {
        Check::Role(lit) => has("role", quote!(#lit)),
        Check::Permission(lit) => has("permission", quote!(#lit)),
        Check::Feature(lit) => has("feature", quote!(#lit)),
        Check::Plan(lit) => has("plan", quote!(#lit)),
        Check::Reverification(variant) => {
            has("reverification", quote!(#krate::Reverification::#variant))
        }
        Check::All(items) => all_of(items, krate, private),
        Check::Any(items) => {
            let parts = items.iter().map(|c| check_expr(c, krate, private));
            quote!((false #(|| #parts)*))
        }
    }
}

/// Whether the route's `accepts` can provide `kind`: a `Session` needs session tokens only
/// (else `Option<Session>`), a `MachineAuth` machine tokens only (else
/// `Option<MachineAuth>`), a `User` a session-only route.
fn allowed_by_accepts(kind: Injected, ty: &syn::Type, accepts: &Accepts) -> syn::Result<()> {
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
