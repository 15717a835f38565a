//! `authenticateRequest` of `@clerk/backend` 3.25 for an instance with a publishable key:
//! the header path, and the cookie path in the package's order (handshake resolution,
//! satellite and primary syncing, the development browser, the cookie ladder with
//! handshakes for eligible requests, server-side refresh); docs/handshake-spec.md §2-§4.

use std::borrow::Cow;

use http::Method;
use reqwest::Url;

use super::context::{names, query_get, query_has, RequestContext};
use super::handshake::{self, maybe_handshake, Unresolved};
use super::refresh;
use super::state::{AuthErrorReason as R, RequestState, SignedOut};
use super::Precheck;
use crate::clerk::Clerk;
use crate::machine::TokenType;
use crate::publishable_key::accounts_base_url;
use crate::token::extract::TokenCarrier;
use crate::token::{TokenVerificationError, TokenVerificationErrorReason as TReason};

fn signed_out(
    reason: R,
    message: impl Into<Cow<'static, str>>,
    carrier: Option<TokenCarrier>,
) -> RequestState {
    RequestState::SignedOut(SignedOut::new(reason, message, carrier))
}

/// What the package throws, as a signed-out outcome (spec §2 "THROW").
pub(crate) fn thrown(message: impl Into<Cow<'static, str>>) -> RequestState {
    signed_out(R::AuthenticateRequestError, message, None)
}

/// The whole decision for one request.
pub(crate) async fn authenticate(clerk: &Clerk, ctx: &RequestContext) -> RequestState {
    // `assertSignInUrl…` with the request's `Origin` (spec §2).
    if ctx.is_satellite {
        if let (Some(sign_in), Some(origin)) = (&clerk.inner.frontend.sign_in_url, &ctx.origin) {
            match Url::parse(sign_in) {
                Err(_) => return thrown("The signInUrl needs to have a absolute url format."),
                Ok(u) if &u.origin().ascii_serialization() == origin => {
                    return thrown("The signInUrl needs to be on a different origin than your satellite application.")
                }
                Ok(_) => {}
            }
        }
    }
    if let Some(token) = ctx.token_in_header.clone() {
        return header_path(clerk, ctx, &token).await;
    }
    cookie_path(clerk, ctx).await
}

async fn header_path(clerk: &Clerk, ctx: &RequestContext, token: &str) -> RequestState {
    if TokenType::from_prefix(token).is_some() {
        return signed_out(
            R::TokenTypeMismatch,
            "The token is a machine token (API key, M2M or OAuth token) of a type this route does not accept.",
            Some(TokenCarrier::Header),
        );
    }
    match clerk.verify_session_token(token, None).await {
        Ok(shared) => clerk.signed_in(shared, TokenCarrier::Header, Default::default()),
        Err(Precheck::TypeMismatch) => signed_out(
            R::TokenTypeMismatch,
            "The token is not a session token.",
            Some(TokenCarrier::Header),
        ),
        Err(Precheck::IatBeforeClientUat) => unreachable_iat(),
        Err(Precheck::Token(err)) => {
            session_token_error(clerk, ctx, err, TokenCarrier::Header).await
        }
    }
}

/// Without a `__client_uat` there is no such check; kept total rather than panicking.
fn unreachable_iat() -> RequestState {
    signed_out(R::UnexpectedError, "", None)
}

async fn cookie_path(clerk: &Clerk, ctx: &RequestContext) -> RequestState {
    // 0. A returning handshake, for any kind of request.
    if ctx.handshake_nonce.is_some() || ctx.handshake_token.is_some() {
        match handshake::resolve(clerk, ctx).await {
            Ok(state) => return state,
            Err(Unresolved::Throw(message)) => return thrown(message),
            Err(Unresolved::FallBack) => {}
        }
    }
    let development = !ctx.production;
    let has_session = ctx.session_token_in_cookie.is_some();
    let has_active_client = ctx.client_uat != 0.0;
    let md_eligible = ctx.is_satellite && ctx.is_document_get();
    let synced = query_get(&ctx.url, names::SYNCED);
    let needs_sync = synced.as_deref() == Some("false");
    let sync_done = synced.as_deref() == Some("true");
    let has_cookies = has_session || has_active_client;
    let skip_satellite = !has_cookies && !needs_sync;

    // 1-2. Satellite syncing.
    if md_eligible && !sync_done {
        if skip_satellite {
            return signed_out(R::SessionTokenAndUatMissing, "", None);
        }
        if !has_cookies || needs_sync {
            if ctx.production {
                return maybe_handshake(ctx, R::SatelliteNeedsSyncing, "", None, None);
            }
            let sign_in = clerk
                .inner
                .frontend
                .sign_in_url
                .as_deref()
                .unwrap_or_default();
            let Ok(mut location) = Url::parse(sign_in) else {
                return thrown("Invalid URL");
            };
            let mut pairs: Vec<(String, String)> = location
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            pairs.push((names::REDIRECT_URL.to_owned(), ctx.url.to_string()));
            location = super::context::with_pairs(&location, &pairs);
            return maybe_handshake(ctx, R::SatelliteNeedsSyncing, "", None, Some(location));
        }
    }
    // 3. A development primary answers a satellite's sync request.
    if development && !ctx.is_satellite {
        if let Some(back) = query_get(&ctx.url, names::REDIRECT_URL).filter(|v| !v.is_empty()) {
            let Ok(back) = Url::parse(&back) else {
                return thrown("Invalid URL");
            };
            let mut pairs: Vec<(String, String)> = back
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            if let Some(dvb) = &ctx.dev_browser_token {
                pairs.push((names::DEV_BROWSER.to_owned(), dvb.clone()));
            }
            // `searchParams.set`: the first one replaced, the others dropped, else appended.
            let mut seen = false;
            pairs.retain_mut(|(k, v)| {
                if k != names::SYNCED {
                    return true;
                }
                if seen {
                    return false;
                }
                seen = true;
                *v = "true".to_owned();
                true
            });
            if !seen {
                pairs.push((names::SYNCED.to_owned(), "true".to_owned()));
            }
            let location = super::context::with_pairs(&back, &pairs);
            return maybe_handshake(ctx, R::PrimaryRespondsToSyncing, "", None, Some(location));
        }
    }
    // 4-5. The development browser.
    if development && query_has(&ctx.url, names::DEV_BROWSER) {
        return maybe_handshake(ctx, R::DevBrowserSync, "", None, None);
    }
    if development && ctx.dev_browser_token.is_none() {
        return maybe_handshake(ctx, R::DevBrowserMissing, "", None, None);
    }
    // 6-8. The cookie ladder.
    let token = match (&ctx.session_token_in_cookie, has_active_client) {
        (None, false) => {
            return signed_out(
                R::SessionTokenAndUatMissing,
                no_credentials_message(ctx),
                None,
            )
        }
        (Some(_), false) => {
            return maybe_handshake(
                ctx,
                R::SessionTokenButNoClientUat,
                "A __session cookie was sent without __client_uat.",
                None,
                None,
            )
        }
        (None, true) => {
            return maybe_handshake(
                ctx,
                R::ClientUatButNoSessionToken,
                "__client_uat was sent without a __session cookie.",
                None,
                None,
            )
        }
        (Some(token), true) => token.clone(),
    };
    // 9-12. Decode, category, `iat` against `__client_uat`, verification.
    let carrier = Some(TokenCarrier::Cookie);
    let shared = match clerk
        .verify_session_token(&token, Some(ctx.client_uat))
        .await
    {
        Ok(shared) => shared,
        Err(Precheck::TypeMismatch) => {
            return signed_out(
                R::TokenTypeMismatch,
                "The token is not a session token.",
                carrier,
            )
        }
        Err(Precheck::IatBeforeClientUat) => {
            return maybe_handshake(
                ctx,
                R::SessionTokenIatBeforeClientUat,
                "The session cookie was issued before the last sign-in or sign-out.",
                carrier,
                None,
            )
        }
        Err(Precheck::Token(err)) => {
            return session_token_error(clerk, ctx, err, TokenCarrier::Cookie).await
        }
    };
    // 14. A navigation from another origin (a satellite) on the primary.
    if !ctx.is_satellite
        && ctx.is_document_get()
        && ctx.redirect_count == 0.0
        && cross_origin_referrer(ctx)
        && !known_clerk_referrer(ctx)
    {
        return maybe_handshake(
            ctx,
            R::PrimaryDomainCrossOriginSync,
            "Cross-origin request from satellite domain requires handshake",
            None,
            None,
        );
    }
    // 15. Organization sync, for a session with a user (a pending one has none).
    let claims = shared.claims();
    let has_user = !claims.subject().is_empty()
        && claims.get("sts").and_then(serde_json::Value::as_str) != Some("pending");
    if has_user {
        if let Some(state) = organization_sync_handshake(ctx, claims.as_map()) {
            return state;
        }
    }
    clerk.signed_in(shared, TokenCarrier::Cookie, Default::default())
}

/// `handleMaybeOrganizationSyncHandshake` (spec §6.6): a handshake when the URL asks for
/// another organization than the session's, under a loop guard of its own (from three
/// handshakes on, organization activation is skipped). Anything but a handshake (a request
/// that is not a navigation, the common loop guard) leaves the request signed in.
fn organization_sync_handshake(
    ctx: &RequestContext,
    claims: &serde_json::Map<String, serde_json::Value>,
) -> Option<RequestState> {
    let target = ctx.org_sync_target.as_ref()?;
    if !target.must_activate(claims) {
        return None;
    }
    if ctx.redirect_count >= 3.0 {
        tracing::warn!("clerk: organization activation handshake loop detected (an invalid organization id or slug?); skipping organization activation");
        return None;
    }
    match maybe_handshake(ctx, R::ActiveOrganizationMismatch, "", None, None) {
        state @ RequestState::Handshake(_) => Some(state),
        _ => None,
    }
}

/// `handleSessionTokenError` (spec §4.2): refresh an expired token on a `GET` with a
/// refresh cookie; expiry and not-yet-valid errors go through a handshake when eligible.
async fn session_token_error(
    clerk: &Clerk,
    ctx: &RequestContext,
    err: TokenVerificationError,
    carrier: TokenCarrier,
) -> RequestState {
    if err.code().is_key_failure() {
        tracing::warn!(
            reason = err.reason(),
            "clerk: cannot verify session tokens: {}",
            err.message()
        );
    }
    let refresh_failure = if err.code() == TReason::TokenExpired
        && ctx.refresh_token_in_cookie.is_some()
        && ctx.method == Method::GET
    {
        match refresh::refresh(clerk, ctx).await {
            Ok(done) => {
                return RequestState::SignedIn {
                    session: done.session,
                    token_carrier: carrier,
                    treat_pending_as_signed_out: clerk.inner.treat_pending_as_signed_out,
                    headers: done.headers,
                }
            }
            Err(refresh::RefreshFailed::Reason(reason)) => {
                Some(R::SessionTokenExpiredRefreshFailed(reason))
            }
            Err(refresh::RefreshFailed::Thrown(message)) => return thrown(message),
        }
    } else if ctx.method != Method::GET {
        Some(R::SessionTokenExpiredNonGet)
    } else {
        Some(R::SessionTokenExpiredNoRefreshCookie)
    };
    let reason = match err.code() {
        TReason::TokenExpired => refresh_failure.unwrap_or(R::SessionTokenExpiredNoRefreshCookie),
        TReason::TokenNotActiveYet => R::SessionTokenNbf,
        TReason::TokenIatInTheFuture => R::SessionTokenIatInTheFuture,
        other => return signed_out(R::Token(other), err.into_message(), Some(carrier)),
    };
    maybe_handshake(ctx, reason, err.into_message(), Some(carrier), None)
}

/// `isCrossOriginReferrer`.
fn cross_origin_referrer(ctx: &RequestContext) -> bool {
    let Some(referrer) = &ctx.referrer else {
        return false;
    };
    Url::parse(referrer).is_ok_and(|r| r.origin() != ctx.url.origin())
}

/// `isKnownClerkReferrer`: the Frontend API host, a development Account Portal (not on
/// production), or the Accounts Portal of the Frontend API.
fn known_clerk_referrer(ctx: &RequestContext) -> bool {
    let Some(referrer) = ctx.referrer.as_deref().and_then(|r| Url::parse(r).ok()) else {
        return false;
    };
    let host = referrer.host_str().unwrap_or_default();
    let fapi_host = if ctx.frontend_api.starts_with("http") {
        match Url::parse(&ctx.frontend_api) {
            Ok(u) => u.host_str().unwrap_or_default().to_owned(),
            Err(_) => return false,
        }
    } else {
        ctx.frontend_api.clone()
    };
    if host == fapi_host {
        return true;
    }
    if !ctx.production {
        let legacy = [".lcl.dev", ".lclstage.dev", ".lclclerk.com"]
            .iter()
            .any(|s| host.starts_with("accounts.") && host.ends_with(s));
        let current = [
            ".accounts.dev",
            ".accountsstage.dev",
            ".accounts.lclclerk.com",
        ]
        .iter()
        .any(|s| host.ends_with(s) && !host.ends_with(&format!(".clerk{s}")));
        if legacy || current {
            return true;
        }
    }
    Url::parse(&accounts_base_url(&ctx.frontend_api)).is_ok_and(|u| u.origin() == referrer.origin())
}

/// This SDK's message for `session-token-and-uat-missing` (Clerk's is empty, and
/// `state.headers()` leaves it out): why a header that was sent carried no token.
fn no_credentials_message(ctx: &RequestContext) -> &'static str {
    if ctx
        .headers
        .get(http::header::AUTHORIZATION)
        .is_some_and(|v| !v.is_empty())
    {
        "The Authorization header's scheme is not `Bearer` (it is case-sensitive): no session token was read."
    } else {
        "No session token in the Authorization header or the __session cookie."
    }
}
