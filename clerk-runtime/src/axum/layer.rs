//! [`ClerkLayer`]: makes a [`Clerk`] available to every handler of a router.

use std::task::{Context, Poll};

use axum::http::Request;

use crate::Clerk;

/// A `tower` layer that hands a [`Clerk`] to the handlers (and extractors) below it.
///
/// For routers whose state does not carry a `Clerk`:
///
/// ```
/// use axum::{routing::get, Router};
/// use clerk_runtime::{Auth, ClerkLayer, Clerk};
///
/// async fn home(auth: Auth) -> String { format!("{:?}", auth.user_id()) }
///
/// fn app(clerk: Clerk) -> Router {
///     Router::new().route("/", get(home)).layer(ClerkLayer::new(clerk))
/// }
/// ```
#[derive(Clone, Debug)]
pub struct ClerkLayer {
    clerk: Clerk,
}

impl ClerkLayer {
    /// A layer handing out this instance.
    pub fn new(clerk: Clerk) -> Self {
        Self { clerk }
    }
}

impl<S> tower_layer::Layer<S> for ClerkLayer {
    type Service = ClerkService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ClerkService {
            inner,
            clerk: self.clerk.clone(),
        }
    }
}

/// The service of [`ClerkLayer`].
#[derive(Clone, Debug)]
pub struct ClerkService<S> {
    inner: S,
    clerk: Clerk,
}

impl<S, B> tower_service::Service<Request<B>> for ClerkService<S>
where
    S: tower_service::Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        request.extensions_mut().insert(self.clerk.clone());
        self.inner.call(request)
    }
}
