//! Attribute macros of the [`clerk`](https://docs.rs/clerk) crate. Use them through
//! `clerk`: `#[clerk::protect]`, `#[clerk::with_session]`, `#[clerk::require_session]`.

use proc_macro::TokenStream;

/// Requires a signed-in session, and optionally authorization (Clerk's `auth.protect()`).
///
/// The handler may take [`Auth`](../clerk/struct.Auth.html), `Session` or
/// `Option<Session>` in any position among its other extractors. Before any other
/// extractor runs, a hidden first extractor authenticates the request (and runs the
/// checks), so a request without a token is answered 401 before its body is parsed.
///
/// * signed out: `401 {"error":"Unauthenticated"}` with Clerk's `x-clerk-auth-*` headers;
/// * signed in but not allowed: `403 {"error":"Forbidden"}`;
/// * `on_error = f`: `f(&clerk::AuthError) -> impl IntoResponse` (or an `async fn`)
///   answers instead; [`AuthError::is_authorization`] tells 403 cases from 401 ones;
/// * `redirect_to_sign_in`: a signed-out browser navigation (`GET` with
///   `Accept: text/html`) is redirected (307) to the sign-in URL with a `redirect_url`
///   back; API calls still get 401.
///
/// Checks, combined with AND at the top level: `role = "org:admin"`,
/// `permission = "org:invoices:create"`, `feature = "…"`, `plan = "…"`,
/// `reverification = "strict"`, `any(…)`, `all(…)`.
///
/// **Machine tokens.** `accepts = [session, api_key, m2m, oauth]` (any non-empty subset;
/// `accepts = any` for all four; default `[session]`) lists the token types the route
/// takes. Machine tokens are read from the `Authorization` header only and verified as
/// `Clerk::verify_machine_token` does; a token of a type the route does not list is
/// `401` with `x-clerk-auth-reason: token-type-mismatch` (a session token on a machine-only
/// route, an API key on a session-only route). Injection follows what the route can
/// provide: `clerk::MachineAuth` on a machine-only route, `Option<MachineAuth>` and
/// `Option<Session>` when sessions and machine types are mixed, `Session` and `User` on
/// session-only routes, `Auth` everywhere; anything else is a compile error, as are an
/// unknown token type and authorization checks on a route that accepts machine tokens
/// (machine tokens never pass `has()`: check `machine.scopes()` instead).
///
/// ```
/// #[clerk::protect(accepts = [api_key, m2m])]
/// async fn ingest(machine: clerk::MachineAuth) -> String {
///     format!("{} {} may write: {}", machine.token_type(), machine.subject(), machine.has_scope("write"))
/// }
///
/// #[clerk::protect(accepts = [session, api_key])]
/// async fn reports(auth: clerk::Auth, session: Option<clerk::Session>) -> String {
///     format!("{:?} via {}", auth.user_id(), if session.is_some() { "session" } else { "API key" })
/// }
/// # let _ = axum::routing::get::<_, _, ()>(ingest);
/// # let _ = axum::routing::get::<_, _, ()>(reports);
/// ```
///
/// ```
/// use axum::{routing::post, Json, Router};
/// use serde_json::{json, Value};
///
/// #[clerk::protect(any(role = "org:admin", permission = "org:invoices:create"))]
/// async fn create_invoice(session: clerk::Session, Json(body): Json<Value>) -> Json<Value> {
///     // Runs only for admins or holders of the permission; the body is parsed after the
///     // check, so a signed-out request with a bad body still gets 401.
///     Json(json!({ "created_by": session.user_id(), "invoice": body }))
/// }
///
/// # fn app(clerk: clerk::Clerk) -> Router {
/// Router::new()
///     .route("/invoices", post(create_invoice))
///     .layer(clerk::ClerkLayer::new(clerk))
/// # }
/// ```
///
/// Expansion, in prose: the function keeps its name and visibility; its injected
/// parameters are removed and bound at the top of the body from a first parameter of type
/// `clerk::__private::Strict<__clerk_policy_NAME>` (or `StrictUser<…>` when a `User` is
/// injected: it is fetched after authorization; `StrictMachine<…>` or `StrictMixed<…>` when
/// `accepts` lists machine token types), and a hidden `__clerk_policy_NAME` type carries
/// the checks and the `on_error` handler. The body runs as an `async` block of the declared
/// return type `R` (so `return` and `?` are unchanged), and the function returns
/// `clerk::__private::WithResponseHeaders<R>`: `R`'s response plus the cookies of a
/// server-side refresh, when the route (not a `ClerkLayer`) authenticated the request.
/// `User` and `Option<User>` may also be injected (the Backend API user of the session).
///
/// [`AuthError::is_authorization`]: ../clerk/enum.AuthError.html#method.is_authorization
#[proc_macro_attribute]
pub fn protect(args: TokenStream, item: TokenStream) -> TokenStream {
    clerk_macros_core::protect(args.into(), item.into()).into()
}

/// Runs the handler with or without a session (Clerk's legacy `withSession`). Session
/// tokens only: for machine tokens use `#[clerk::protect(accepts = […])]`.
///
/// The handler may take `Auth` (signed in or out) and `Option<Session>`; a bare `Session`
/// is a compile error (use [`require_session`](attr.require_session.html)). When the request is not signed in, a
/// `tracing` debug event is emitted and the handler runs signed out.
///
/// `on_error = f` with `f(&clerk::AuthError) -> Option<impl IntoResponse>` (or an
/// `async fn`): `Some(response)` halts with that response, `None` continues without a
/// session — the legacy "truthy result halts" rule as a type.
///
/// ```
/// #[clerk::with_session]
/// async fn home(session: Option<clerk::Session>) -> String {
///     match session {
///         Some(s) => format!("hello {}", s.user_id()),
///         None => "hello stranger".into(),
///     }
/// }
/// # let _ = axum::routing::get::<_, _, ()>(home);
/// ```
///
/// Expansion, in prose: as [`protect`](attr.protect.html), with a first parameter of type
/// `clerk::__private::Lax<__clerk_policy_NAME>` that never rejects unless `on_error` says so.
/// `Option<User>` may also be injected (`None` when signed out).
#[proc_macro_attribute]
pub fn with_session(args: TokenStream, item: TokenStream) -> TokenStream {
    clerk_macros_core::with_session(args.into(), item.into()).into()
}

/// Requires a signed-in session (Clerk's legacy `requireSession`). Session tokens only:
/// for machine tokens use `#[clerk::protect(accepts = […])]`.
///
/// The handler may take `Session`, `Option<Session>` (always `Some`) and `Auth`. Signed
/// out: `401 {"error":"Unauthenticated"}`, or the response of `on_error = f` with
/// `f(&clerk::AuthError) -> impl IntoResponse` (or an `async fn`). An `on_error` that
/// returns `Option` is a compile error: a handler that needs a `Session` cannot run
/// without one.
///
/// ```
/// #[clerk::require_session(on_error = unauthorized)]
/// async fn dashboard(session: clerk::Session) -> String {
///     session.user_id().to_owned()
/// }
///
/// fn unauthorized(err: &clerk::AuthError) -> clerk::HttpError {
///     clerk::HttpError::new(401, "Unauthorized")
///         .with_data(serde_json::json!({ "error": "Unauthorized", "reason": err.reason() }))
/// }
/// # let _ = axum::routing::get::<_, _, ()>(dashboard);
/// ```
///
/// Expansion, in prose: as [`protect`](attr.protect.html) without authorization checks.
#[proc_macro_attribute]
pub fn require_session(args: TokenStream, item: TokenStream) -> TokenStream {
    clerk_macros_core::require_session(args.into(), item.into()).into()
}
