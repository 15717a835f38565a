//! axum integration: where handlers find their [`Clerk`](crate::Clerk), extractors for
//! [`Auth`](crate::Auth) and [`Session`](crate::Session), the [`ClerkLayer`], and the error types of protected routes.
//!
//! # Where the `Clerk` comes from
//!
//! * **The router state (the default).** Put a `Clerk` in your state and derive `FromRef`
//!   (or use `Clerk` itself as the state). A state that provides none is a compile error.
//! * **[`ClerkLayer`]**, for routers whose state is `()`: `.layer(ClerkLayer::new(clerk))`.
//!
//! When both are present, **the state's `Clerk` wins**: it is the more specific one (it
//! belongs to the routes that hold it, where a layer may wrap a whole app). A layer of
//! another instance is then still a gate: with
//! [`require_auth`](ClerkLayer::require_auth) it refuses what its own instance refuses, and
//! the handler's extractors verify again with the state's instance (a layer's result is
//! reused only by the instance that produced it). A `Router<()>` route reached without the
//! layer answers 500 and logs an error naming the fix; it never panics.
//!
//! ```
//! use axum::{extract::FromRef, routing::get, Router};
//! use clerk_runtime::{Clerk, Session};
//!
//! #[derive(Clone, FromRef)]
//! struct AppState { clerk: Clerk, greeting: &'static str }
//!
//! async fn me(session: Session) -> String { session.user_id().to_owned() }
//!
//! fn app(clerk: Clerk) -> Router {
//!     Router::new().route("/me", get(me)).with_state(AppState { clerk, greeting: "hi" })
//! }
//! ```

pub(crate) mod error;
mod extract;
mod handshake;
mod layer;
mod machine;
#[doc(hidden)]
pub mod private;

pub use error::{AuthError, HttpError};
pub use extract::ClerkFromState;
pub use layer::{ClerkFuture, ClerkLayer, ClerkService};
