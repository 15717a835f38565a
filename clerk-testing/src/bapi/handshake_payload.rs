//! The handshake's server-side state and `GET /v1/clients/handshake_payload`: the
//! Frontend API stores each handshake's `Set-Cookie` directives under a nonce, the app's
//! SDK exchanges the nonce for them here, once. Also the refresh tokens the handshake
//! hands out (`__refresh_<suffix>`), which `POST /v1/sessions/{id}/refresh` checks.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State as AxumState;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::{error, not_found, now_ms, query_pairs};
use crate::State;

/// How long a nonce can be exchanged: the browser follows the redirect at once.
pub(crate) const NONCE_TTL_MS: i64 = 60_000;

/// Handshake payloads waiting for their exchange, and the refresh tokens handed out.
#[derive(Debug, Default)]
pub(crate) struct HandshakeStore {
    /// Directives by nonce, with the instant (ms) the nonce expires.
    payloads: BTreeMap<String, (i64, Vec<String>)>,
    /// The session of each refresh token.
    refresh_tokens: BTreeMap<String, String>,
    /// Answers that `POST /v1/sessions/{id}/refresh` gives for a session instead of
    /// refreshing it (`MockClerk::answer_session_refresh`).
    pub refresh_answers: BTreeMap<String, RawAnswer>,
}

/// An HTTP answer given verbatim: status, `Content-Type` (none: no header), body.
#[derive(Debug, Clone)]
pub(crate) struct RawAnswer {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: String,
}

impl IntoResponse for RawAnswer {
    fn into_response(self) -> Response {
        let status = axum::http::StatusCode::from_u16(self.status)
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, self.body).into_response();
        response.headers_mut().remove("content-type");
        if let Some(value) = self.content_type.and_then(|c| c.parse().ok()) {
            response.headers_mut().insert("content-type", value);
        }
        response
    }
}

impl HandshakeStore {
    /// Stores the directives under a new random nonce, valid for [`NONCE_TTL_MS`].
    pub fn insert_payload(&mut self, directives: Vec<String>, now_ms: i64) -> String {
        self.payloads.retain(|_, (expires, _)| *expires > now_ms);
        let nonce = crate::random_id(32);
        self.payloads
            .insert(nonce.clone(), (now_ms + NONCE_TTL_MS, directives));
        nonce
    }

    /// The directives of a nonce, which is used up; `None` if unknown, used or expired.
    pub fn take_payload(&mut self, nonce: &str, now_ms: i64) -> Option<Vec<String>> {
        let (expires, directives) = self.payloads.remove(nonce)?;
        (expires > now_ms).then_some(directives)
    }

    /// The session's refresh token, created on first use (one per session, as long as
    /// the session lives).
    pub fn refresh_token_for(&mut self, session_id: &str) -> String {
        if let Some((token, _)) = self.refresh_tokens.iter().find(|(_, s)| *s == session_id) {
            return token.clone();
        }
        let token = crate::random_id(48);
        self.refresh_tokens
            .insert(token.clone(), session_id.to_owned());
        token
    }

    /// The session a refresh token was handed out for.
    pub fn session_of_refresh_token(&self, token: &str) -> Option<&str> {
        self.refresh_tokens.get(token).map(String::as_str)
    }
}

pub(super) fn routes() -> Router<Arc<State>> {
    Router::new().route("/v1/clients/handshake_payload", get(handshake_payload))
}

/// `GET /clients/handshake_payload?nonce=…`: `{"directives":[…]}` (no `object` field, as
/// Clerk answers and `@clerk/backend` expects), a 404 for an unknown, used or expired nonce.
/// The spec lists the path without documenting it; the shape is the one the official SDKs
/// read.
async fn handshake_payload(AxumState(state): AxumState<Arc<State>>, uri: Uri) -> Response {
    let pairs = query_pairs(&uri);
    let Some((_, nonce)) = pairs.iter().find(|(k, v)| k == "nonce" && !v.is_empty()) else {
        return error(
            422,
            "form_param_missing",
            "nonce must be included.",
            Some("nonce"),
        );
    };
    let taken = state
        .store
        .lock()
        .unwrap()
        .handshake
        .take_payload(nonce, now_ms());
    match taken {
        Some(directives) => Json(json!({ "directives": directives })).into_response(),
        None => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_single_use_and_expire() {
        let mut store = HandshakeStore::default();
        let nonce = store.insert_payload(vec!["a=1".into()], 1_000);
        assert_eq!(store.take_payload(&nonce, 1_001), Some(vec!["a=1".into()]));
        assert_eq!(store.take_payload(&nonce, 1_002), None);

        let late = store.insert_payload(vec!["b=2".into()], 1_000);
        assert_eq!(store.take_payload(&late, 1_000 + NONCE_TTL_MS), None);
        assert_eq!(store.take_payload("unknown", 1_000), None);
    }

    #[test]
    fn one_refresh_token_per_session() {
        let mut store = HandshakeStore::default();
        let first = store.refresh_token_for("sess_1");
        assert_eq!(store.refresh_token_for("sess_1"), first);
        let other = store.refresh_token_for("sess_2");
        assert_ne!(other, first);
        assert_eq!(store.session_of_refresh_token(&first), Some("sess_1"));
        assert_eq!(store.session_of_refresh_token("nope"), None);
    }
}
