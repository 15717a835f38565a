//! The attribute macros end to end: axum on 127.0.0.1:0, a real HTTP client, MockClerk.

mod authorization;
mod harness;
mod matrix;
mod over_http;
mod redirect;
mod sign_in_url;

#[path = "../common/mod.rs"]
mod common;
use common::http::{assert_json, client, fetch, fetch_as};
use common::mock::start_mock;
use common::serve;

use axum::extract::{FromRef, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use clerk::testing::{MockClerk, TokenBuilder};
use clerk::{Auth, AuthError, Clerk, ClerkLayer, HttpError, Session};
use serde::Deserialize;
use serde_json::{json, Value};

// The matrix harness: the vocabulary the test modules share.
use harness::*;
