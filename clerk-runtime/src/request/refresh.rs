//! Server-side refresh of an expired session cookie (`@clerk/backend`'s `refreshToken`,
//! docs/handshake-spec.md §8): `POST /v1/sessions/{sid}/refresh` with `format: cookie`
//! through the Backend API transport, and the new cookies for the response.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

use http::header::SET_COOKIE;
use http::{HeaderMap, HeaderValue};
use serde::Serialize;
use serde_json::Value;

use super::context::RequestContext;
use super::refresh_answer::{read, ReadAnswer};
use crate::api::ApiRequest;
use crate::clerk::Clerk;
use crate::session::Session;
use crate::token::{self, jwt};

/// The refreshed session and the `Set-Cookie`s of the Backend API's answer.
pub(crate) struct Refreshed {
    pub session: Session,
    pub headers: HeaderMap,
}

#[derive(Serialize)]
struct RefreshBody<'a> {
    format: &'static str,
    expired_token: &'a str,
    refresh_token: &'a str,
    request_origin: String,
    request_headers: BTreeMap<String, [String; 1]>,
}

/// Why a refresh gave no session.
#[derive(Debug)]
pub(crate) enum RefreshFailed {
    /// The whole reason (`session-token-expired-refresh-<failure>`).
    Reason(&'static str),
    /// `@clerk/backend` throws out of `authenticateRequest` here (an answer no Backend API
    /// gives, which its own code trips over): the message.
    Thrown(&'static str),
}

/// Refreshes the session.
pub(crate) async fn refresh(
    clerk: &Clerk,
    ctx: &RequestContext,
) -> Result<Refreshed, RefreshFailed> {
    let failure = |code: &str| RefreshFailed::Reason(reason_for(code));
    let expired = ctx.session_token().unwrap_or_default();
    let refresh_token = ctx.refresh_token_in_cookie.as_deref().unwrap_or_default();
    let Ok(decoded) = jwt::decode(expired) else {
        return Err(failure("expired-session-token-decode-failed"));
    };
    let sid = match decoded.payload.get("sid") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => return Err(failure("expired-session-token-missing-sid-claim")),
    };
    // Every request header, lower-case names sorted, repeated ones joined with ", ".
    let mut request_headers: BTreeMap<String, [String; 1]> = BTreeMap::new();
    for name in ctx.headers.keys() {
        if let Some(value) =
            super::context::header(&ctx.headers, name.as_str()).or_else(|| Some(String::new()))
        {
            request_headers.insert(name.as_str().to_owned(), [value]);
        }
    }
    let body = RefreshBody {
        format: "cookie",
        expired_token: expired,
        refresh_token,
        request_origin: ctx.url.origin().ascii_serialization(),
        request_headers,
    };
    let mut request = ApiRequest::post(&["sessions", &sid, "refresh"]);
    if ctx.uses_suffixed_cookies {
        request = request.query("suffixed_cookies", "true");
    }
    let request = request
        .json(&body)
        .map_err(|_| failure("unexpected-sdk-error"))?;
    // Beyond the pace, as if the Backend API could not be reached (`fetch-error`).
    let answer = if clerk.inner.handshake_pacer.admit().await {
        clerk.inner.api.exchange(request).await.ok()
    } else {
        None
    };
    let cookies = match read(answer.as_ref()) {
        ReadAnswer::Cookies(cookies) if !cookies.is_empty() => cookies,
        ReadAnswer::Cookies(_) => return Err(failure("unexpected-sdk-error")),
        ReadAnswer::Failed(reason) => return Err(failure(&reason)),
        ReadAnswer::Thrown(message) => return Err(RefreshFailed::Thrown(message)),
    };
    let mut headers = HeaderMap::new();
    let mut session_token = String::new();
    for text in &cookies {
        // `Headers.append` trims the value and throws on one that cannot be a header.
        let value = HeaderValue::from_str(text.trim_matches([' ', '\t'])).map_err(|_| {
            RefreshFailed::Thrown(
                "Headers.append: a Set-Cookie directive of the refresh is an invalid header value.",
            )
        })?;
        headers.append(SET_COOKIE, value);
        let pair = text.split(';').next().unwrap_or_default();
        let mut fields = pair.split('=');
        if fields.next().unwrap_or_default().starts_with("__session") {
            session_token = fields.next().unwrap_or_default().to_owned();
        }
    }
    let rules = clerk.rules();
    match token::verify::verify_any_category(&session_token, &clerk.inner.keys, &rules).await {
        Ok(shared) => Ok(Refreshed {
            session: Session::from_shared(shared, Some(clerk.inner.api.clone())),
            headers,
        }),
        Err(_) => Err(failure("invalid-session-token")),
    }
}

/// `session-token-expired-refresh-<failure>` as a `'static` text. The failure may be a
/// Backend API error code, known only at run time: each distinct one is kept once, and
/// beyond a bound (a misbehaving API) the rest are reported as `unexpected-bapi-error`.
fn reason_for(failure: &str) -> &'static str {
    const KNOWN: [(&str, &str); 7] = [
        (
            "non-eligible-no-refresh-cookie",
            "session-token-expired-refresh-non-eligible-no-refresh-cookie",
        ),
        (
            "expired-session-token-decode-failed",
            "session-token-expired-refresh-expired-session-token-decode-failed",
        ),
        (
            "expired-session-token-missing-sid-claim",
            "session-token-expired-refresh-expired-session-token-missing-sid-claim",
        ),
        ("fetch-error", "session-token-expired-refresh-fetch-error"),
        (
            "unexpected-sdk-error",
            "session-token-expired-refresh-unexpected-sdk-error",
        ),
        (
            "unexpected-bapi-error",
            "session-token-expired-refresh-unexpected-bapi-error",
        ),
        (
            "invalid-session-token",
            "session-token-expired-refresh-invalid-session-token",
        ),
    ];
    if let Some((_, reason)) = KNOWN.iter().find(|(k, _)| *k == failure) {
        return reason;
    }
    const MAX_CODES: usize = 64;
    const MAX_CODE_LEN: usize = 128;
    static CODES: OnceLock<Mutex<Vec<&'static str>>> = OnceLock::new();
    let full = format!("session-token-expired-refresh-{failure}");
    let mut codes = CODES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(found) = codes.iter().find(|c| **c == full) {
        return found;
    }
    if codes.len() >= MAX_CODES || failure.len() > MAX_CODE_LEN {
        return "session-token-expired-refresh-unexpected-bapi-error";
    }
    let leaked: &'static str = Box::leak(full.into_boxed_str());
    codes.push(leaked);
    leaked
}
