//! [`ClerkLayer`]: makes a [`Clerk`] available to every handler of a router and, like
//! `clerkMiddleware()` / `requireAuth()`, can authenticate every request once.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::http::Request;
use axum::response::{IntoResponse, Response};
use futures_util::future::Either;

use super::extract::session_or_error;
use crate::clerk::Clerk;
use crate::machine::AcceptsToken;
use crate::request::{AnyTokenRequestState, Authenticated, RequestState};

/// A `tower` layer that hands a [`Clerk`] to the handlers (and extractors) below it, and
/// optionally authenticates every request up front.
///
/// Three modes, the router-wide counterparts of Clerk's Express middleware:
///
/// | layer | like | what it does |
/// |---|---|---|
/// | [`ClerkLayer::new`] | — | hands out the `Clerk`; extractors and macros authenticate when they run |
/// | [`.authenticate()`](Self::authenticate) | `clerkMiddleware()` | authenticates every request once; every `Auth`/`Session` extractor and every `#[clerk::…]` macro below reuses that result (the token is verified once per request, however many extractors ask) |
/// | [`.require_auth()`](Self::require_auth) | `requireAuth()` | the same, and a signed-out request never reaches the router: `401` with Clerk's `x-clerk-auth-*` headers (a pending session counts as signed out, per the configuration) |
///
/// [`.redirect_to_sign_in()`](Self::redirect_to_sign_in) makes `require_auth` answer a
/// browser navigation with a `307` to the sign-in page instead, as `requireAuth()` does.
///
/// **A handler whose router state holds a `Clerk` uses that one**, not the layer's: the
/// state is the more specific of the two (it belongs to those routes, where a layer may
/// wrap a whole app). The layer's authentication result is then not reused (it is reused
/// only by the instance that produced it), and a `require_auth` layer still refuses, before
/// routing, what its own instance refuses. For example, `/admin/me` below verifies with
/// `admin` and `/me` with `main`:
///
/// ```
/// use axum::{extract::FromRef, routing::get, Router};
/// use clerk_runtime::{Clerk, ClerkLayer, Session};
///
/// #[derive(Clone, FromRef)]
/// struct AdminState { clerk: Clerk }
///
/// async fn me(session: Session) -> String { session.user_id().to_owned() }
///
/// fn app(main: Clerk, admin: Clerk) -> Router {
///     let admin_routes = Router::new()
///         .route("/me", get(me))
///         .with_state(AdminState { clerk: admin });
///     Router::new()
///         .route("/me", get(me))
///         .nest("/admin", admin_routes)
///         .layer(ClerkLayer::new(main))
/// }
/// ```
///
/// ```
/// use axum::{routing::get, Router};
/// use clerk_runtime::{Auth, Clerk, ClerkLayer, Session};
///
/// async fn home(auth: Auth) -> String { format!("{:?}", auth.user_id()) }
/// async fn me(session: Session) -> String { session.user_id().to_owned() }
///
/// fn app(clerk: Clerk) -> Router {
///     let api = Router::new()
///         .route("/me", get(me))
///         .layer(ClerkLayer::new(clerk.clone()).require_auth());
///     Router::new()
///         .route("/", get(home))
///         .layer(ClerkLayer::new(clerk).authenticate())
///         .nest("/api", api)
/// }
/// ```
#[derive(Clone, Debug)]
pub struct ClerkLayer {
    clerk: Clerk,
    mode: Mode,
    redirect: bool,
    accepts: AcceptsToken,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Only hand out the instance.
    Provide,
    /// Authenticate every request once.
    Authenticate,
    /// Authenticate and refuse signed-out requests.
    Require,
}

impl ClerkLayer {
    /// A layer handing out this instance; requests are authenticated by the extractors
    /// and macros that need it.
    pub fn new(clerk: Clerk) -> Self {
        Self {
            clerk,
            mode: Mode::Provide,
            redirect: false,
            accepts: AcceptsToken::SESSION,
        }
    }

    /// Authenticates every request once, before the router, and keeps the result for
    /// every extractor and macro below (`clerkMiddleware()`).
    ///
    /// ```
    /// # use clerk_runtime::{Clerk, ClerkLayer};
    /// # fn layer(clerk: Clerk) -> ClerkLayer {
    /// ClerkLayer::new(clerk).authenticate()
    /// # }
    /// ```
    pub fn authenticate(mut self) -> Self {
        if self.mode == Mode::Provide {
            self.mode = Mode::Authenticate;
        }
        self
    }

    /// Authenticates every request once and answers signed-out ones with `401` (and
    /// Clerk's `x-clerk-auth-status`/`-reason`/`-message` headers) before they reach any
    /// handler (`requireAuth()`).
    ///
    /// ```
    /// # use clerk_runtime::{Clerk, ClerkLayer};
    /// # fn layer(clerk: Clerk) -> ClerkLayer {
    /// ClerkLayer::new(clerk).require_auth()
    /// # }
    /// ```
    pub fn require_auth(mut self) -> Self {
        self.mode = Mode::Require;
        self
    }

    /// With [`require_auth`](Self::require_auth): a signed-out browser navigation (a `GET`
    /// for a document) gets a `307` to the sign-in URL (`CLERK_SIGN_IN_URL`, else the
    /// Accounts Portal of the publishable key) with a `redirect_url` back; other requests
    /// still get `401`.
    ///
    /// ```
    /// # use clerk_runtime::{Clerk, ClerkLayer};
    /// # fn layer(clerk: Clerk) -> ClerkLayer {
    /// ClerkLayer::new(clerk).require_auth().redirect_to_sign_in()
    /// # }
    /// ```
    pub fn redirect_to_sign_in(mut self) -> Self {
        self.redirect = true;
        self
    }
}

impl ClerkLayer {
    /// The token types [`require_auth`](Self::require_auth) lets through (default: session
    /// tokens only), as `requireAuth({ acceptsToken })`: with machine types, a verified API
    /// key, M2M or OAuth token in the `Authorization` header passes too, and a token of a
    /// type not listed is refused with `token-type-mismatch`. Handlers read it with the
    /// [`MachineAuth`](crate::MachineAuth) extractor (its verification is cached).
    ///
    /// ```
    /// # use clerk_runtime::{AcceptsToken, Clerk, ClerkLayer, TokenType};
    /// # fn layer(clerk: Clerk) -> ClerkLayer {
    /// ClerkLayer::new(clerk)
    ///     .require_auth()
    ///     .accepts(AcceptsToken::SESSION.with(TokenType::ApiKey))
    /// # }
    /// ```
    pub fn accepts(mut self, accepts: AcceptsToken) -> Self {
        self.accepts = accepts;
        self
    }
}

impl<S> tower_layer::Layer<S> for ClerkLayer {
    type Service = ClerkService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ClerkService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service of [`ClerkLayer`].
#[derive(Clone, Debug)]
pub struct ClerkService<S> {
    inner: S,
    layer: ClerkLayer,
}

/// The future of [`ClerkService`]: the inner service's own future when the layer only
/// hands out the instance (no extra allocation), a boxed one when it authenticates.
pub type ClerkFuture<F, E> = Either<F, Pin<Box<dyn Future<Output = Result<Response, E>> + Send>>>;

impl<S, B> tower_service::Service<Request<B>> for ClerkService<S>
where
    S: tower_service::Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ClerkFuture<S::Future, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let clerk = self.layer.clerk.clone();
        request.extensions_mut().insert(clerk.clone());
        if self.layer.mode == Mode::Provide {
            return Either::Left(self.inner.call(request));
        }
        // The service that was polled ready is the one to call; leave a clone in its place.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let require = self.layer.mode == Mode::Require;
        let redirect = self.layer.redirect;
        let accepts = self.layer.accepts;
        Either::Right(Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            // `keep`: the outcome is the session path's, which extractors below may reuse.
            // The session path is the whole ladder, with the request URL: a navigation may
            // be answered with a handshake before any handler runs.
            let (state, keep) = match clerk.authenticate_request_accepting(&parts, accepts).await {
                AnyTokenRequestState::Session(state) => (state, true),
                // A verified machine token: let it through; the session path has nothing to
                // remember for it.
                AnyTokenRequestState::Machine(_) => {
                    return inner.call(Request::from_parts(parts, body)).await
                }
                AnyTokenRequestState::SignedOut(out) => (RequestState::SignedOut(out), false),
            };
            if let Some(redirect) = super::handshake::redirect_response(&state) {
                return Ok(redirect);
            }
            if require {
                if let Err(err) = session_or_error(state.clone()) {
                    if redirect && super::private::is_browser_navigation(&parts) {
                        if let Some(to_sign_in) =
                            super::private::sign_in_redirect(&clerk, &parts, &err)
                        {
                            return Ok(to_sign_in);
                        }
                    }
                    return Ok(err.into_response());
                }
            }
            let answer_state = state.clone();
            if keep {
                parts.extensions.insert(Authenticated { clerk, state });
            }
            let mut response = inner.call(Request::from_parts(parts, body)).await?;
            super::handshake::add_state_headers(&mut response, &answer_state);
            Ok(response)
        }))
    }
}
