//! The handshake of `@clerk/backend` 3.25 (`HandshakeService`): the decision to send a
//! navigation through the Frontend API with its loop guard (docs/handshake-spec.md §4.3),
//! the redirect URL (§4.4), and the resolution of a returning handshake (§5).

use std::borrow::Cow;

use http::header::{CACHE_CONTROL, LOCATION, SET_COOKIE};
use http::{HeaderMap, HeaderName, HeaderValue};
use reqwest::Url;
use serde_json::Value;

use super::context::{js_number_string, names, without_params, RequestContext};
use super::state::{AuthErrorReason, Handshake, RequestState, SignedOut};
use crate::api::ApiRequest;
use crate::clerk::Clerk;
use crate::session::Session;
use crate::token::extract::TokenCarrier;
use crate::token::{self, TokenVerificationErrorReason as TReason};
use crate::wire::CLERK_API_VERSION;

/// The loop guard's limit: a counter of exactly this many handshakes signs out.
const REDIRECT_LOOP_LIMIT: f64 = 3.0;
/// The clock skew of the development retry of a handshake token (one day, in ms).
const DEVELOPMENT_HANDSHAKE_SKEW_MS: u64 = 86_400_000;

/// `handleMaybeHandshakeStatus` (spec §4.3): a handshake for an eligible request under the
/// loop guard, else signed out with the same reason and message. `location` replaces the
/// Frontend API redirect (the sync redirects of §6).
pub(crate) fn maybe_handshake(
    ctx: &RequestContext,
    reason: AuthErrorReason,
    message: impl Into<Cow<'static, str>>,
    carrier: Option<TokenCarrier>,
    location: Option<Url>,
) -> RequestState {
    let message = message.into();
    let signed_out = |message| RequestState::SignedOut(SignedOut::new(reason, message, carrier));
    if !ctx.eligible_for_handshake() {
        return signed_out(message);
    }
    let location = location.unwrap_or_else(|| handshake_url(ctx, reason));
    if ctx.redirect_count == REDIRECT_LOOP_LIMIT {
        if reason == AuthErrorReason::SatelliteNeedsSyncing {
            tracing::warn!("clerk: satellite-domain authentication resulted in an infinite redirect loop; check the satellite and primary domain settings");
        } else {
            tracing::warn!("clerk: refreshing the session token resulted in an infinite redirect loop; check that the publishable and secret keys are of the same instance");
        }
        return signed_out(message);
    }
    let mut headers = HeaderMap::new();
    let Ok(location) = HeaderValue::from_str(location.as_str()) else {
        return signed_out(message);
    };
    headers.insert(LOCATION, location);
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let counter = format!(
        "{}={}; SameSite=Lax; HttpOnly; Max-Age=2",
        names::REDIRECT_COUNT,
        js_number_string(ctx.redirect_count + 1.0)
    );
    if let Ok(cookie) = HeaderValue::from_str(&counter) {
        headers.append(SET_COOKIE, cookie);
    }
    RequestState::Handshake(Handshake {
        reason,
        message,
        token_carrier: carrier,
        headers,
    })
}

/// `buildRedirectToHandshake` (spec §4.4): `<Frontend API or proxy>/v1/client/handshake`
/// with the request URL to come back to and what the Frontend API needs.
pub(crate) fn handshake_url(ctx: &RequestContext, reason: AuthErrorReason) -> Url {
    let back = without_params(&ctx.url, &[names::DEV_BROWSER, names::LEGACY_DEV_SESSION]);
    let base = if ctx.frontend_api.starts_with("http") {
        ctx.frontend_api.clone()
    } else {
        format!("https://{}", ctx.frontend_api)
    };
    let base = format!("{}/", base.trim_end_matches('/'));
    let mut url = Url::parse(&base)
        .and_then(|b| b.join("v1/client/handshake"))
        .unwrap_or_else(|_| {
            Url::parse("https://invalid.invalid/v1/client/handshake").expect("valid")
        });
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("redirect_url", back.as_str())
            .append_pair("__clerk_api_version", CLERK_API_VERSION)
            .append_pair(
                "suffixed_cookies",
                if ctx.uses_suffixed_cookies {
                    "true"
                } else {
                    "false"
                },
            )
            .append_pair("__clerk_hs_reason", reason.as_str())
            .append_pair("format", "nonce");
        if let Some(token) = ctx.session_token() {
            q.append_pair("__session", token);
        }
        if !ctx.production {
            if let Some(dvb) = &ctx.dev_browser_token {
                q.append_pair(names::DEV_BROWSER, dvb);
            }
        }
        // On every handshake whose URL an organization sync pattern matches (§6.6).
        if let Some(target) = &ctx.org_sync_target {
            q.append_pair("organization_id", &target.query_value());
        }
    }
    url
}

/// How resolving a returning handshake ended when it gave no state.
pub(crate) enum Unresolved {
    /// The package logs and goes on with the request's own cookies (spec §5.4).
    FallBack,
    /// The package throws (an invalid `__clerk_handshake` on a development instance, §5.5).
    Throw(String),
}

/// `resolveHandshake` (spec §5): the directives (from the nonce, through the Backend API,
/// or from the handshake JWT), the state they set, and its headers.
pub(crate) async fn resolve(
    clerk: &Clerk,
    ctx: &RequestContext,
) -> Result<RequestState, Unresolved> {
    let directives = match (&ctx.handshake_nonce, &ctx.handshake_token) {
        (Some(nonce), _) => handshake_payload(clerk, nonce).await,
        (None, Some(token)) => {
            match token::verify::verify_handshake_token(token, &clerk.inner.keys).await {
                Ok(payload) => match payload.get("handshake") {
                    Some(Value::Array(items)) => items.clone(),
                    _ => Vec::new(),
                },
                Err(err) if !ctx.production => {
                    let text = if err.code() == TReason::TokenInvalidSignature {
                        "Clerk: Handshake token verification failed due to an invalid signature. If you have switched Clerk keys locally, clear your cookies and try again.".to_owned()
                    } else {
                        format!(
                        "Clerk: Handshake token verification failed: {} (reason={}, token-carrier=undefined).",
                        err.message(),
                        err.reason()
                    )
                    };
                    return Err(Unresolved::Throw(text));
                }
                Err(err) => {
                    tracing::warn!(reason = err.reason(), "clerk: unable to resolve handshake");
                    return Err(Unresolved::FallBack);
                }
            }
        }
        (None, None) => return Err(Unresolved::FallBack),
    };

    let mut headers = HeaderMap::new();
    headers.insert(
        HeaderName::from_static("access-control-allow-origin"),
        HeaderValue::from_static("null"),
    );
    headers.insert(
        HeaderName::from_static("access-control-allow-credentials"),
        HeaderValue::from_static("true"),
    );
    let mut session_token: Option<String> = Some(String::new());
    for directive in &directives {
        // `headers.append` of a value that is not a legal header throws: fall back.
        let Some(text) = directive.as_str() else {
            return Err(Unresolved::FallBack);
        };
        // `Headers.append` trims the value and throws on one that cannot be a header.
        let value = HeaderValue::from_str(text.trim_matches([' ', '\t']))
            .map_err(|_| Unresolved::FallBack)?;
        headers.append(SET_COOKIE, value);
        let pair = text.split(';').next().unwrap_or_default();
        let mut fields = pair.split('=');
        if fields.next().unwrap_or_default().starts_with("__session") {
            // `split('=')[1]`: the value stops at the next `=`; absent is `undefined`.
            session_token = fields.next().map(str::to_owned);
        }
    }
    if !ctx.production {
        let clean = without_params(
            &ctx.url,
            &[
                names::HANDSHAKE,
                names::HELP,
                names::DEV_BROWSER,
                names::HANDSHAKE_NONCE,
            ],
        );
        let location = HeaderValue::from_str(clean.as_str()).map_err(|_| Unresolved::FallBack)?;
        headers.append(LOCATION, location);
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let Some(session_token) = session_token else {
        return Err(Unresolved::FallBack);
    };
    if session_token.is_empty() {
        let mut out = SignedOut::new(AuthErrorReason::SessionTokenMissing, "", None);
        out.headers = headers;
        return Ok(RequestState::SignedOut(out));
    }
    let rules = clerk.rules();
    let verified = match token::verify::verify_any_category(
        &session_token,
        &clerk.inner.keys,
        &rules,
    )
    .await
    {
        Ok(shared) => shared,
        Err(err)
            if !ctx.production
                && matches!(
                    err.code(),
                    TReason::TokenExpired
                        | TReason::TokenNotActiveYet
                        | TReason::TokenIatInTheFuture
                ) =>
        {
            tracing::warn!("clerk: clock skew detected; retrying the handshake's session token with a day of skew");
            let mut lenient = clerk.rules();
            lenient.clock_skew = std::time::Duration::from_millis(DEVELOPMENT_HANDSHAKE_SKEW_MS);
            token::verify::verify_any_category(&session_token, &clerk.inner.keys, &lenient)
                .await
                .map_err(|_| Unresolved::FallBack)?
        }
        Err(err) => {
            tracing::warn!(reason = err.reason(), "clerk: unable to resolve handshake");
            return Err(Unresolved::FallBack);
        }
    };
    Ok(RequestState::SignedIn {
        session: Session::from_shared(verified, Some(clerk.inner.api.clone())),
        token_carrier: TokenCarrier::Cookie,
        treat_pending_as_signed_out: clerk.inner.treat_pending_as_signed_out,
        headers,
    })
}

/// `GET /v1/clients/handshake_payload?nonce=` through the Backend API transport: the
/// directives, or none when anything fails (spec §5.1, §8.3).
async fn handshake_payload(clerk: &Clerk, nonce: &str) -> Vec<Value> {
    if !clerk.inner.handshake_pacer.admit().await {
        tracing::warn!("clerk: handshake payload not fetched: nonce exchanges and refreshes are beyond their pace (handshake_call_pacing)");
        return Vec::new();
    }
    let request = ApiRequest::get(&["clients", "handshake_payload"]).query("nonce", nonce);
    let answer = match clerk.inner.api.exchange(request).await {
        Ok(answer) => answer,
        Err(err) => {
            tracing::warn!("clerk: error getting the handshake payload: {err}");
            return Vec::new();
        }
    };
    if !(200..300).contains(&answer.status)
        || answer.content_type.as_deref() != Some("application/json")
    {
        tracing::warn!(
            status = answer.status,
            "clerk: error getting the handshake payload"
        );
        return Vec::new();
    }
    let body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    // A known `object` (e.g. `cookies`) turns the answer into another resource and loses
    // `directives`.
    if matches!(body.get("object").and_then(Value::as_str), Some("cookies")) {
        return Vec::new();
    }
    match body.get("directives") {
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    }
}
