//! Property tests of where a request's session token comes from (spec
//! `clerk-auth-semantics.md` §1.1–§1.4), against a reference model written from the spec
//! text: `Authorization` parsed as `value.split(' ', 2)` (§1.2, on the header's bytes read
//! as Latin-1, as Node.js reads them), the header token winning over cookies (§1.3), the
//! cookie ladder (§1.4 rows 5–8, 10, 11, 14), one cookie family for both `__session` and
//! `__client_uat`, suffixed or plain, chosen as `@clerk/backend`'s `usesSuffixedCookies()`
//! chooses it when a publishable key is configured (§1.1), `__client_uat` read with
//! `parseInt` (§1.1).
//!
//! Cookie headers are parsed as RFC 6265 §4.2.1 and the `cookie` package Clerk uses do:
//! `;`-separated `name=value` pairs, the name and value trimmed of spaces and tabs (HTTP's
//! OWS, nothing else), double quotes kept (`cookie` 1.x), pairs without `=` ignored, the
//! first pair of a name winning, several `Cookie` headers read in order (as if joined with
//! `; `, RFC 9113 §8.2.3). Values are generated without `%`.
//!
//! Generated requests mix real signed tokens (each of a different user, so the user that
//! signs in tells which token was chosen) with garbage, random casing of `Bearer`, extra
//! spaces and tabs, extra fields, duplicated, quoted and suffixed cookies, `=` inside values,
//! and bytes outside ASCII passed through `HeaderValue::from_bytes`. Properties: nothing
//! panics; the token and cookies the public extraction functions return, and the outcome of
//! `Clerk::authenticate_request`, are the model's.

mod generators;
mod model;
mod properties;
mod render;

#[path = "../common/mod.rs"]
mod common;
use common::prop::runtime_and_mock;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

use clerk::testing::MockClerk;
use clerk::token::extract::{cookie, header_token};
use clerk::{Clerk, PublishableKey, RequestState, TokenCarrier};
use http::{HeaderMap, HeaderValue, Method};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

const T0: i64 = 1_700_000_000;

// What the properties are made of: generators, rendering to bytes, and the model.
use generators::*;
use model::*;
use render::*;
