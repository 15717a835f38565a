//! Property tests of `has()` (spec `clerk-auth-semantics.md` §4.1, §4.2, §4.4) against a
//! reference model written from the spec text alone.
//!
//! Each case signs one token whose claims are generated in both claim versions at once
//! (`v` decides which are read): v1 `org_id`/`org_role`/`org_permissions`, v2 `o`
//! (`id`, `rol`, `per`, `fpm` bitmasks of any size), `fea` and `pla` with every scope, entries
//! without a colon, `fva` and `sts`. The token is authenticated through the public request
//! API, and a batch of generated queries (role, permission, feature, plan, reverification,
//! alone or AND-ed, org- or user-scoped) must answer exactly as the model says, on the
//! `Session` and on the `Auth` object (where a pending session is signed out).

mod generators;
mod model;
mod properties;
mod sdk;

#[path = "../common/mod.rs"]
mod common;
use common::http::bearer_parts;
use common::prop::runtime_and_mock;

use std::cell::RefCell;
use std::time::{Duration, UNIX_EPOCH};

use clerk::testing::{MockClerk, MockKey, TokenBuilder};
use clerk::{Clerk, Has, RequestState, Reverification, ReverificationLevel};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{json, Map, Value};

const T0: i64 = 1_700_000_000;

// What the properties are made of: the generators, the model and the SDK side.
use generators::*;
use model::*;
use sdk::*;
