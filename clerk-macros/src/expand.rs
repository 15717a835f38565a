//! Code generation: the rewritten handler and its hidden policy type.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{FnArg, ItemFn, Path};

use crate::attr::{Args, Check, Errors, Mode};
use crate::inject::{classify, Injected};

const ATTRIBUTE_NAMES: [&str; 3] = ["protect", "with_session", "require_session"];

pub(crate) fn expand(mode: Mode, args: Args, mut func: ItemFn) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();

    if func.sig.asyncness.is_none() {
        errors.push(syn::Error::new(
            func.sig.fn_token.span(),
            format!("`#[clerk::{}]` handlers must be `async fn`", mode.name()),
        ));
    }
    for attr in &func.attrs {
        let is_clerk = attr
            .path()
            .segments
            .last()
            .is_some_and(|s| ATTRIBUTE_NAMES.contains(&s.ident.to_string().as_str()));
        if is_clerk {
            errors.push(syn::Error::new_spanned(
                attr,
                format!(
                    "a handler takes one clerk attribute: `#[clerk::{}]` is already applied; combine the checks in one `#[clerk::protect(…)]`",
                    mode.name()
                ),
            ));
        }
    }

    let krate: Path = args
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::clerk));
    let private = quote!(#krate::__private);

    // Split parameters into injected ones (bound in the body) and ordinary extractors.
    let mut bindings = Vec::new();
    let mut kept = syn::punctuated::Punctuated::<FnArg, syn::Token![,]>::new();
    let mut seen: Vec<(Injected, Span)> = Vec::new();
    for arg in std::mem::take(&mut func.sig.inputs) {
        match &arg {
            FnArg::Receiver(recv) => {
                errors.push(syn::Error::new(
                    recv.span(),
                    format!(
                        "`#[clerk::{}]` handlers must be free functions: axum handlers take no `self`",
                        mode.name()
                    ),
                ));
            }
            FnArg::Typed(pt) => match classify(&pt.ty, mode, args.krate.as_ref()) {
                Ok(Some(kind)) => {
                    if let Some((_, first)) = seen.iter().find(|(k, _)| *k == kind) {
                        let mut err = syn::Error::new(
                            pt.ty.span(),
                            format!("`{}` is injected twice; take it once and clone it", kind.describe()),
                        );
                        err.combine(syn::Error::new(*first, "first taken here"));
                        errors.push(err);
                        continue;
                    }
                    seen.push((kind, pt.ty.span()));
                    let pat = &pt.pat;
                    let ty = &pt.ty;
                    let accessor = format_ident!("{}", kind.accessor());
                    bindings.push(quote! { let #pat: #ty = __clerk_guard.#accessor(); });
                }
                Ok(None) => kept.push(arg),
                Err(e) => errors.push(e),
            },
        }
    }
    errors.finish()?;

    let policy = format_ident!("__clerk_policy_{}", func.sig.ident);
    let vis = &func.vis;
    let guard_ty = if mode.is_strict() {
        quote!(#private::Strict<#policy>)
    } else {
        quote!(#private::Lax<#policy>)
    };

    let mut inputs = syn::punctuated::Punctuated::<FnArg, syn::Token![,]>::new();
    inputs.push(syn::parse_quote!(__clerk_guard: #guard_ty));
    inputs.extend(kept);
    func.sig.inputs = inputs;

    let body = &func.block;
    func.block = Box::new(syn::parse_quote!({
        #(#bindings)*
        #body
    }));

    let policy_impl = policy_impl(mode, &args, &private, &krate, &policy);
    let doc = format!(
        "Policy of `#[clerk::{}]` on [`{}`]; generated.",
        mode.name(),
        func.sig.ident
    );

    Ok(quote! {
        #func

        #[doc = #doc]
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #policy;

        #policy_impl
    })
}

fn policy_impl(mode: Mode, args: &Args, private: &TokenStream, krate: &Path, policy: &syn::Ident) -> TokenStream {
    let response = quote!(#private::axum::response::Response);
    let on_error = args.on_error.as_ref().map(|path| {
        let span = path.span();
        let call = quote_spanned!(span=> #path(#private::on_error_arg(err)));
        let (output, decide, fallback) = if mode.is_strict() {
            (
                quote!(#response),
                quote_spanned!(span=> #private::strict_response(value)),
                quote!(#private::axum::response::IntoResponse::into_response(::core::clone::Clone::clone(err))),
            )
        } else {
            (
                quote!(::core::option::Option<#response>),
                quote_spanned!(span=> #private::lax_decision(value)),
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
        quote! {
            impl #private::StrictPolicy for #policy {
                const REDIRECT_TO_SIGN_IN: bool = #redirect;
                #authorize
                #on_error
            }
        }
    } else {
        quote! {
            impl #private::LaxPolicy for #policy {
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
        Check::Reverification(variant) => has("reverification", quote!(#krate::Reverification::#variant)),
        Check::All(items) => all_of(items, krate, private),
        Check::Any(items) => {
            let parts = items.iter().map(|c| check_expr(c, krate, private));
            quote!((false #(|| #parts)*))
        }
    }
}
