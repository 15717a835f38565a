//! Stage 3, code generation: the rewritten handler and its hidden policy type. The rules
//! are [`crate::validate`]'s; this module calls them as it walks the handler.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{format_ident, quote};
use syn::{FnArg, ItemFn, Path};

use crate::attr::{Args, Check, Mode};
use crate::inject;
use crate::validate::{self, Errors};

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
    if let Err(e) = validate::check_async(mode, &func.sig) {
        errors.push(e);
        // Expanded as if it were async, so that the only error is this one.
        func.sig.asyncness = Some(Default::default());
    }

    // Another clerk attribute would expand the generated handler again: report it and drop it.
    let mut attrs = Vec::with_capacity(func.attrs.len());
    for attr in std::mem::take(&mut func.attrs) {
        match validate::check_single_attribute(mode, &attr, args.krate.as_ref()) {
            Err(e) => errors.push(e),
            Ok(()) => attrs.push(attr),
        }
    }
    func.attrs = attrs;

    let krate: Path = args
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::clerk));
    let private = quote!(#krate::__private);

    // Split parameters into injected ones (bound in the body) and ordinary extractors.
    let inputs = std::mem::take(&mut func.sig.inputs);
    let inject::Params {
        bindings,
        load_user,
        kept,
    } = inject::split(mode, args, &name, &inputs, &private, errors)?;

    let policy = format_ident!("__clerk_policy_{}", name);
    let vis = &func.vis;
    let accepts = &args.accepts;
    let guard = match (mode.is_strict(), load_user) {
        _ if accepts.has_machine() && !accepts.session => quote!(StrictMachine),
        _ if accepts.has_machine() => quote!(StrictMixed),
        (true, false) => quote!(Strict),
        (true, true) => quote!(StrictUser),
        (false, _) => quote!(Lax),
    };
    // The router state is the guard's second parameter, bounded right in the handler's
    // signature: a state without a `Clerk` is then reported where the handler is routed
    // with `ClerkFromState`'s message (the fix), rather than as axum's "`Handler<…>` is not
    // implemented". An `impl` parameter, so that `handler::<T>` still names the user's own
    // generics.
    let state = debug_handler_state(&func.attrs, &kept)
        .unwrap_or_else(|| quote!(impl #private::ClerkFromState));
    let guard_ty = quote!(#private::#guard<#policy, #state>);

    let mut new_inputs = syn::punctuated::Punctuated::<FnArg, syn::Token![,]>::new();
    new_inputs.push(syn::parse_quote!(__clerk_guard: #guard_ty));
    new_inputs.extend(kept);
    func.sig.inputs = new_inputs;

    // The bindings go first among the body's own statements, inside its own braces: a
    // nested `{ let …; { body } }` is flagged by rustc's `unused_braces` in the user's crate
    // (and its suggested fix breaks the code).
    let (inner_attrs, outer_attrs): (Vec<_>, Vec<_>) = func
        .attrs
        .iter()
        .partition(|a| matches!(a.style, syn::AttrStyle::Inner(_)));
    // The handler's response carries the headers its guard hands over (the cookies of a
    // server-side refresh): the body runs as an `async` block whose value (and every
    // `return`, and `?`) keeps the declared type, and the handler returns it wrapped.
    let output = match &func.sig.output {
        syn::ReturnType::Default => quote!(()),
        syn::ReturnType::Type(_, ty) => quote!(#ty),
    };
    let output_span = match &func.sig.output {
        syn::ReturnType::Default => func.sig.ident.span(),
        syn::ReturnType::Type(_, ty) => syn::spanned::Spanned::span(&**ty),
    };
    func.sig.output =
        syn::parse_quote_spanned!(output_span=> -> #private::WithResponseHeaders<#output>);
    // Spanned at the return type: a type that is not a response is reported there.
    let wrap = respan(quote!(#private::WithResponseHeaders::new), output_span);
    let response = syn::Ident::new("__clerk_response", output_span);
    let sig = &func.sig;
    let stmts = &func.block.stmts;
    // `clippy::impl_trait_in_params` (restriction) would flag the guard's `impl` parameter.
    let mut handler = quote!(#(#outer_attrs)* #[allow(clippy::impl_trait_in_params)] #vis #sig);
    func.block.brace_token.surround(&mut handler, |body| {
        let mut block = TokenStream::new();
        func.block.brace_token.surround(&mut block, |inner| {
            inner.extend(quote!(#(#bindings)* #(#stmts)*));
        });
        body.extend(quote! {
            #(#inner_attrs)*
            let __clerk_headers = __clerk_guard.response_headers();
            // A body that only awaits another future would be `redundant_async_block`.
            #[allow(clippy::redundant_async_block)]
            let __clerk_response = async move #block.await;
            #wrap(#response, __clerk_headers)
        });
    });

    let policy_impl = policy_impl(mode, args, &private, &krate, &policy, load_user);
    let doc = format!(
        "Policy of `#[clerk::{}]` on [`{}`]; generated.",
        mode.name(),
        name
    );

    Some(quote! {
        #handler

        #[doc = #doc]
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #[non_exhaustive]
        #vis struct #policy;

        #policy_impl
    })
}

/// Under `#[axum::debug_handler]` (below the clerk attribute), the router state as that macro
/// infers it: its `state = T`, else the type of the one `State<T>` parameter, else `()`. Its
/// checks name the handler's parameter types, where an `impl` type is not allowed.
fn debug_handler_state(
    attrs: &[syn::Attribute],
    kept: &syn::punctuated::Punctuated<FnArg, syn::Token![,]>,
) -> Option<TokenStream> {
    let attr = attrs.iter().find(|a| {
        a.path()
            .segments
            .last()
            .is_some_and(|s| s.ident == "debug_handler")
    })?;
    if let syn::Meta::List(list) = &attr.meta {
        let mut tokens = list.tokens.clone().into_iter().peekable();
        while let Some(tt) = tokens.next() {
            if matches!(&tt, TokenTree::Ident(i) if i == "state")
                && matches!(tokens.peek(), Some(TokenTree::Punct(p)) if p.as_char() == '=')
            {
                let _ = tokens.next();
                let ty: TokenStream = tokens
                    .take_while(|t| !matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
                    .collect();
                return Some(ty);
            }
        }
    }
    let states: Vec<&syn::Type> = kept
        .iter()
        .filter_map(|arg| match arg {
            FnArg::Typed(pt) => Some(&*pt.ty),
            FnArg::Receiver(_) => None,
        })
        .filter_map(|ty| match ty {
            syn::Type::Path(tp) => tp.path.segments.last(),
            _ => None,
        })
        .filter(|seg| seg.ident == "State")
        .filter_map(|seg| match &seg.arguments {
            syn::PathArguments::AngleBracketed(args) => match args.args.first() {
                Some(syn::GenericArgument::Type(ty)) => Some(ty),
                _ => None,
            },
            _ => None,
        })
        .collect();
    match states.as_slice() {
        [one] => Some(quote!(#one)),
        _ => Some(quote!(())),
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
