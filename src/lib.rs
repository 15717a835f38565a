//! # clerk
//!
//! Clerk authentication for Rust web handlers.
//!
//! * [`verify_token`] and [`Clerk::verify_token`] decide exactly as `@clerk/backend`'s
//!   `verifyToken`: same checks, same order, same reason codes (see the differences table
//!   in the `clerk-runtime` crate's front page and in README).
//! * [`Clerk::authenticate_request`] reads the session token from `Authorization: Bearer`
//!   or the `__session` cookie and returns a [`RequestState`].
//! * [`Session`] and [`Auth`] expose the user, the organization, and [`Has`] checks.
//! * `#[clerk::protect(accepts = [session, api_key, m2m, oauth])]` and [`MachineAuth`]:
//!   machine tokens, verified through the Backend API.
//! * [`ClerkLayer`] authenticates a whole router once per request
//!   ([`ClerkLayer::authenticate`], [`ClerkLayer::require_auth`]).
//! * [`webhooks`] verifies Clerk's Svix-signed webhooks; [`cache`] holds the user caches,
//!   a Redis one shared by a fleet with feature `redis`.
//! * `testing::MockClerk` (feature `testing`) is a local Clerk stand-in for tests; the
//!   `testing` module's front page shows the whole test workflow.
//!
//! ```no_run
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let clerk = clerk::Clerk::from_env()?;
//!     let claims = clerk.verify_token("eyJ…").await?;
//!     println!("signed in as {}", claims.subject());
//!     Ok(())
//! }
//! ```
//!
//! README shows the `Cargo.toml` lines and the whole tour.
// A warning in any doctest (these and README's) fails it: users copy them literally.
#![doc(test(attr(deny(warnings))))]

pub use clerk_macros::{protect, require_session, with_session};
pub use clerk_runtime::*;

// A local Clerk stand-in for tests (the `clerk-testing` crate), inlined so that its front
// page (the whole test workflow) and items render under `clerk::testing`.
#[cfg(feature = "testing")]
#[doc(inline)]
pub use clerk_testing as testing;

/// README's Rust snippets, compiled (and run unless `no_run`) as doctests, so that each one
/// compiles as shown. Its Redis snippet needs the feature `redis`:
/// `cargo test -p clerk --doc --features redis` (the suite's `--all-features` includes it).
#[cfg(all(doctest, feature = "redis"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// What generated code names; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use clerk_runtime::__private::*;
}

/// Checks README's table of `x-clerk-auth-reason` codes, row by row, against the local
/// stand-in: every code a request gets, by carrier and case.
///
/// ```
/// use axum::http::{Method, Request};
/// use clerk::testing::{Fault, MockClerk};
///
/// async fn reason(clerk: &clerk::Clerk, method: Method, header: Option<String>, cookie: Option<String>) -> String {
///     let mut request = Request::builder().method(method).uri("/");
///     if let Some(value) = header {
///         request = request.header("authorization", value);
///     }
///     if let Some(value) = cookie {
///         request = request.header("cookie", value);
///     }
///     // The development browser every browser of a development instance has (without it:
///     // `dev-browser-missing`, the table's last row).
///     request = request.header("cookie", "__clerk_db_jwt=dvb");
///     let (parts, ()) = request.body(()).unwrap().into_parts();
///     let state = clerk.authenticate_request(&parts).await;
///     state.reason().map_or("signed-in".to_owned(), |r| r.as_str().to_owned())
/// }
///
/// #[tokio::main]
/// async fn main() {
///     let mock = MockClerk::start().await;
///     let clerk = mock.clerk();
///     let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
///     let valid = mock.token().sign();
///     let expired = mock.token().expired().sign();
///     let bearer = |t: &str| Some(format!("Bearer {t}"));
///     let session = |t: &str, uat: Option<u64>| {
///         Some(match uat {
///             Some(uat) => format!("__session={t}; __client_uat={uat}"),
///             None => format!("__session={t}"),
///         })
///     };
///     let (_, api_key) = mock.create_api_key("user_1", &[], None);
///     let strict = mock.clerk_builder().authorized_parties(["https://app.example.com"]).build().unwrap();
///     let get = Method::GET;
///     let mut rows = vec![
///         ("no token", reason(&clerk, get.clone(), None, None).await),
///         ("header: valid", reason(&clerk, get.clone(), bearer(&valid), None).await),
///         ("header: `Basic …` (not a token)", reason(&clerk, get.clone(), Some(format!("Basic {valid}")), None).await),
///         ("header: malformed", reason(&clerk, get.clone(), bearer("not-a-jwt"), None).await),
///         ("header: expired, GET", reason(&clerk, get.clone(), bearer(&expired), None).await),
///         ("header: expired, POST", reason(&clerk, Method::POST, bearer(&expired), None).await),
///         ("header: not yet valid (nbf)", reason(&clerk, get.clone(), bearer(&mock.token().not_before_in_secs(600).sign()), None).await),
///         ("header: iat in the future", reason(&clerk, get.clone(), bearer(&mock.token().issued_in_secs(600).sign()), None).await),
///         ("header: bad signature", reason(&clerk, get.clone(), bearer(&mock.token().sign_tampered()), None).await),
///         ("header: unknown kid", reason(&clerk, get.clone(), bearer(&mock.token().header("kid", "ins_unknown").sign()), None).await),
///         ("header: wrong azp", reason(&strict, get.clone(), bearer(&mock.token().azp("https://evil.example").sign()), None).await),
///         ("header: API key", reason(&clerk, get.clone(), bearer(&api_key), None).await),
///         ("header: M2M JWT", reason(&clerk, get.clone(), bearer(&mock.m2m_jwt("mch_1", &[]).sign()), None).await),
///         ("header: invalid, valid cookie", reason(&clerk, get.clone(), bearer("not-a-jwt"), session(&valid, Some(now))).await),
///         ("cookie: valid, __client_uat", reason(&clerk, get.clone(), None, session(&valid, Some(now))).await),
///         ("cookie: without __client_uat", reason(&clerk, get.clone(), None, session(&valid, None)).await),
///         ("cookie: __client_uat=0", reason(&clerk, get.clone(), None, session(&valid, Some(0))).await),
///         ("cookie: __client_uat alone", reason(&clerk, get.clone(), None, Some(format!("__client_uat={now}"))).await),
///         ("cookie: iat before __client_uat", reason(&clerk, get.clone(), None, session(&valid, Some(now + 600))).await),
///         ("cookie: expired, GET", reason(&clerk, get.clone(), None, session(&expired, Some(now - 600))).await),
///         ("cookie: expired, POST", reason(&clerk, Method::POST, None, session(&expired, Some(now - 600))).await),
///         ("cookie: bad signature", reason(&clerk, get.clone(), None, session(&mock.token().sign_tampered(), Some(now))).await),
///     ];
///     mock.fail_jwks_next(100, Fault::Status(500));
///     let cold = mock.clerk();
///     rows.push(("header: JWKS unreachable", reason(&cold, get.clone(), bearer(&valid), None).await));
///     let wrong_key = mock.clerk_builder().secret_key("sk_test_wrong").build().unwrap();
///     rows.push(("header: wrong secret key", reason(&wrong_key, get.clone(), bearer(&valid), None).await));
///     let expected = [
///         "session-token-and-uat-missing",
///         "signed-in",
///         "session-token-and-uat-missing",
///         "token-invalid",
///         "session-token-expired-refresh-non-eligible-no-refresh-cookie",
///         "session-token-expired-refresh-non-eligible-non-get",
///         "session-token-nbf",
///         "session-token-iat-in-the-future",
///         "token-invalid-signature",
///         "jwk-kid-mismatch",
///         "token-invalid-authorized-parties",
///         "token-type-mismatch",
///         "token-type-mismatch",
///         "token-invalid",
///         "signed-in",
///         "session-token-but-no-client-uat",
///         "session-token-but-no-client-uat",
///         "client-uat-but-no-session-token",
///         "session-token-iat-before-client-uat",
///         "session-token-expired-refresh-non-eligible-no-refresh-cookie",
///         "session-token-expired-refresh-non-eligible-non-get",
///         "token-invalid-signature",
///         "jwk-remote-failed-to-load",
///         "secret-key-invalid",
///     ];
///     let got: Vec<&str> = rows.iter().map(|(_, reason)| reason.as_str()).collect();
///     for (case, reason) in &rows {
///         println!("| {case} | `{reason}` |");
///     }
///     assert_eq!(got, expected);
///
///     // Without a development browser, on a development instance, whatever the cookies.
///     let request = Request::builder().uri("/").header("cookie", format!("__session={valid}; __client_uat={now}"));
///     let (parts, ()) = request.body(()).unwrap().into_parts();
///     let state = clerk.authenticate_request(&parts).await;
///     assert_eq!(state.reason().map(|r| r.as_str()), Some("dev-browser-missing"));
/// }
/// ```
#[cfg(doctest)]
pub struct ReasonCodeTable;
