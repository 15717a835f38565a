//! Property tests of the time checks of `verifyToken` (spec `clerk-auth-semantics.md` §2.4,
//! with the out-of-range deviation of §10) against a reference model written from the spec
//! text alone.
//!
//! Every case signs a real token (one RSA key for the whole file) whose `exp`, `nbf` and
//! `iat` are generated close to one another and close to the interesting places: around the
//! current time, 0, negative values, and the ±8.64e12 s edge of a JavaScript `Date`; as
//! integers, fractions (including decimal texts within a float's precision of an integer),
//! exponent forms, overflowing numbers, and values of other JSON types. The clock skew comes
//! from the three places the SDK takes it (`ClerkBuilder::clock_skew`, the
//! `CLERK_CLOCK_SKEW_IN_MS` variable, the 5 s default) and from `VerifyTokenOptions`; the
//! current time is put on the boundaries the model computes (exactly on, ±1 ns, ±1 ms, …).
//!
//! Each token is verified at several times in a row, by an instance with the verified-token
//! cache, one without, and the free `verify_token` (process-wide cache): every decision and
//! reason code must be the model's, so a cache hit must decide as a full verification does
//! while time moves.

mod generators;
mod model;
mod properties;
mod sdk;

#[path = "../common/mod.rs"]
mod common;
use common::prop::runtime_and_mock;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clerk::testing::{MockClerk, TokenBuilder};
use clerk::{verify_token, Clerk, VerifyTokenOptions};
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};

// What the properties are made of: the generators, the model and the SDK side.
use generators::*;
use model::*;
use sdk::*;
