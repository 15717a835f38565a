//! Session tokens: where a request carries them ([`extract`]) and how they are verified
//! ([`verify_token`]), rule for rule as `@clerk/backend`'s `verifyToken`.

pub(crate) mod b64;
pub(crate) mod cache;
mod error;
pub mod extract;
pub(crate) mod js_value;
pub mod jwks;
pub(crate) mod jwt;
pub(crate) mod keys;
pub(crate) mod rules;
pub(crate) mod verify;

pub use cache::TokenCacheConfig;
pub use error::{TokenVerificationError, TokenVerificationErrorReason};
pub use jwt::MAX_TOKEN_LEN;
pub(crate) use rules::Rules;
pub(crate) use verify::verify;
pub use verify::{verify_token, VerifyTokenOptions, DEFAULT_CLOCK_SKEW};
