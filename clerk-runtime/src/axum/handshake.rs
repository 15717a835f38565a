//! Answering what `authenticate_request` decided for a server-rendered app, as
//! `clerkMiddleware()` of `@clerk/nextjs` does (docs/handshake-spec.md §10): a state with a
//! `Location` (a handshake, a sync redirect, a development resolved handshake) is a `307`
//! with every header of the state; otherwise the handler runs and the state's cookies
//! (a server-side refresh, a production resolved handshake) are added to its response.

use axum::http::header::LOCATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::request::RequestState;

/// The `307` to answer instead of running the handler, when the state has a `Location`.
pub(crate) fn redirect_response(state: &RequestState) -> Option<Response> {
    let headers = state.headers();
    headers.get(LOCATION)?;
    let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
    append_all(response.headers_mut(), headers);
    Some(response)
}

/// Adds the state's headers to the handler's response: `Set-Cookie`s, the CORS pair,
/// `Cache-Control`.
pub(crate) fn add_state_headers(response: &mut Response, state: &RequestState) {
    if let Some(headers) = response_headers(state) {
        append_all(response.headers_mut(), headers);
    }
}

/// The headers of the state that belong on the handler's response (`None` when there are
/// none, as for nearly every request): `Set-Cookie`s, the CORS pair, `Cache-Control`. The
/// `x-clerk-auth-*` headers are left to the handlers and the `401`s that carry them today,
/// so that an API backend's responses are unchanged.
pub(crate) fn response_headers(state: &RequestState) -> Option<HeaderMap> {
    let extra = match state {
        RequestState::SignedIn { headers, .. } => headers,
        RequestState::SignedOut(out) => &out.headers,
        // Answered with a redirect before any handler runs.
        RequestState::Handshake(_) => return None,
    };
    if extra.is_empty() {
        return None;
    }
    let mut headers = extra.clone();
    for name in [
        "x-clerk-auth-status",
        "x-clerk-auth-reason",
        "x-clerk-auth-message",
    ] {
        headers.remove(name);
    }
    Some(headers)
}

pub(crate) fn append_all(target: &mut HeaderMap, headers: HeaderMap) {
    let mut last = None;
    for (name, value) in headers {
        // `HeaderMap`'s iterator names only the first value of each header.
        if let Some(name) = name {
            last = Some(name);
        }
        if let Some(name) = &last {
            if name == LOCATION || name == axum::http::header::CACHE_CONTROL {
                target.insert(name.clone(), value);
            } else {
                target.append(name.clone(), value);
            }
        }
    }
}
