//! `GET /v1/client/handshake` (`docs/handshake-spec.md` §13): who the browser is, a fresh
//! session token, the cookie directives, and the redirect back to the app.

use std::sync::Arc;

use axum::extract::State as AxumState;
use axum::http::header::{CACHE_CONTROL, COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::bapi::clients::client_id_of;
use crate::bapi::handshake_payload::NONCE_TTL_MS;
use crate::bapi::session_cookies::{
    cookie_suffix, expire_cookie, mint_session_token, CookieOptions,
};
use crate::bapi::{now_ms, query_pairs, Store};
use crate::token::{verified_claims, TokenBuilder};
use crate::{MockKey, State};

/// The nonce cookie of the production form (also read by the SDK as a query parameter).
const NONCE: &str = "__clerk_handshake_nonce";
/// The handshake token of the legacy form (`format` absent).
const TOKEN: &str = "__clerk_handshake";

/// The query of a handshake request, as `@clerk/backend` builds it. `__clerk_api_version`,
/// `__clerk_hs_reason` and `__session` are accepted and not needed: the browser's
/// `__client` cookie says who it is.
struct HandshakeRequest {
    redirect_url: url::Url,
    suffixed_cookies: bool,
    /// `format=nonce`; `false` for the legacy token form.
    nonce: bool,
    dev_browser: Option<String>,
    /// `organization_id`: an organization id or slug to activate, `""` for the personal
    /// account.
    organization: Option<String>,
}

impl HandshakeRequest {
    /// The request, or what makes it invalid.
    fn parse(uri: &Uri) -> Result<Self, &'static str> {
        let pairs = query_pairs(uri);
        let one = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let redirect = one("redirect_url")
            .filter(|v| !v.is_empty())
            .ok_or("missing redirect_url")?;
        let redirect_url = url::Url::parse(&redirect).map_err(|_| "invalid url")?;
        if !matches!(redirect_url.scheme(), "http" | "https") {
            return Err("invalid url scheme");
        }
        if redirect_url.host_str().is_none_or(str::is_empty) {
            return Err("invalid url");
        }
        let nonce = match one("format").as_deref() {
            None => false,
            Some("nonce") => true,
            Some(_) => return Err("invalid format"),
        };
        Ok(Self {
            redirect_url,
            suffixed_cookies: one("suffixed_cookies").as_deref() == Some("true"),
            nonce,
            dev_browser: one("__clerk_db_jwt").filter(|v| !v.is_empty()),
            organization: one("organization_id"),
        })
    }
}

/// The Frontend API's refusal of a handshake request, as Clerk words it.
fn invalid(detail: &str) -> Response {
    let body = json!({
        "errors": [{
            "message": "invalid handshake",
            "long_message": format!("The handshake request is invalid: {detail}"),
            "code": "invalid_handshake",
            "meta": {},
        }],
        "clerk_trace_id": format!("trace_{}", crate::random_id(16)),
    });
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// The first value of a cookie in the request's `Cookie` headers.
fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// The active session of the browser's client, if its `__client` cookie is one the
/// instance signed and names a client.
fn active_session(store: &Store, keys: &[Arc<MockKey>], headers: &HeaderMap) -> Option<String> {
    let client_id = client_id_of(keys, cookie(headers, "__client")?)?;
    let client = store.clients.get(&client_id)?;
    let session_id = client["last_active_session_id"].as_str()?;
    let session = store.sessions.get(session_id)?;
    (session["status"].as_str() == Some("active")).then(|| session_id.to_owned())
}

/// `organization_id`: activates the organization (by id or slug) when the user is a
/// member, the personal account for `""`; anything else leaves the session as it is.
fn activate_organization(store: &mut Store, session_id: &str, wanted: &str) {
    let Some(user_id) = store
        .sessions
        .get(session_id)
        .and_then(|s| s["user_id"].as_str())
    else {
        return;
    };
    let active = if wanted.is_empty() {
        Value::Null
    } else {
        let org = store
            .organizations
            .values()
            .find(|o| o["id"].as_str() == Some(wanted) || o["slug"].as_str() == Some(wanted));
        let Some(org_id) = org.and_then(|o| o["id"].as_str()) else {
            return;
        };
        let member = store.organization_memberships.values().any(|m| {
            m["organization_id"].as_str() == Some(org_id) && m["user_id"].as_str() == Some(user_id)
        });
        if !member {
            return;
        }
        Value::String(org_id.to_owned())
    };
    if let Some(session) = store.sessions.get_mut(session_id) {
        session["last_active_organization_id"] = active;
    }
}

/// The development browser to hand back: the request's own when the instance issued it,
/// else a new one (a JWT of the instance with a `dvb_…` id; opaque to SDKs).
fn dev_browser(keys: &[Arc<MockKey>], key: &MockKey, requested: Option<&str>) -> String {
    if let Some(token) = requested {
        let ours = verified_claims(keys, token)
            .and_then(|claims| claims.get("dev")?.as_str().map(|d| d.starts_with("dvb_")));
        if ours == Some(true) {
            return token.to_owned();
        }
    }
    let header = json!({ "alg": "RS256", "kid": key.kid(), "typ": "JWT" });
    let claims = json!({ "dev": crate::bapi::new_id("dvb") });
    TokenBuilder::sign_raw(
        key,
        header.to_string().as_bytes(),
        claims.to_string().as_bytes(),
        "RS256",
    )
}

/// `GET /v1/client/handshake`: a `307` back to `redirect_url` with the handshake's
/// directives, signed in with a fresh session token when the browser's client has an
/// active session, signed out otherwise.
///
/// Delivery: `format=nonce` stores the directives under a single-use nonce the app's SDK
/// exchanges at `GET /v1/clients/handshake_payload`; without `format` (the legacy form)
/// they travel in a `__clerk_handshake` JWT signed by the instance key. A development
/// instance puts the nonce or token in the redirect's query; a production one sets it as
/// a cookie (and adds a directive deleting that cookie, which the SDK never deletes).
pub(super) async fn handshake(
    AxumState(state): AxumState<Arc<State>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let request = match HandshakeRequest::parse(&uri) {
        Ok(r) => r,
        Err(detail) => return invalid(detail),
    };
    let keys = state.keys.lock().unwrap().clone();
    let key = keys.last().cloned().expect("the mock always has a key");
    let mut store = state.store.lock().unwrap();
    let production = store.publishable_key.starts_with("pk_live_");
    let options = CookieOptions {
        suffix: cookie_suffix(&store.publishable_key),
        suffixed: request.suffixed_cookies,
        secure: request.redirect_url.scheme() == "https",
    };
    let session_id = active_session(&store, &keys, &headers);
    if let (Some(session_id), Some(wanted)) = (&session_id, &request.organization) {
        activate_organization(&mut store, session_id, wanted);
    }
    let azp = request.redirect_url.origin().ascii_serialization();
    let minted = session_id
        .as_deref()
        .and_then(|id| mint_session_token(&store, key.clone(), id, &azp).map(|token| (id, token)));
    let mut directives = match &minted {
        Some((_, (jwt, signed_in_at))) => options.session(Some((jwt, *signed_in_at))),
        None => options.session(None),
    };
    if !production {
        let dev_browser = dev_browser(&keys, &key, request.dev_browser.as_deref());
        directives.extend(options.dev_browser(&dev_browser));
    }
    let refresh_token = minted.map(|(id, _)| store.handshake.refresh_token_for(id));
    directives.push(options.refresh(refresh_token.as_deref()));

    let carrier = if request.nonce { NONCE } else { TOKEN };
    if production {
        directives.push(expire_cookie(carrier));
    }
    let value = if request.nonce {
        store.handshake.insert_payload(directives, now_ms())
    } else {
        let header = json!({ "alg": "RS256", "kid": key.kid(), "typ": "JWT" });
        let payload = json!({ "handshake": directives });
        TokenBuilder::sign_raw(
            &key,
            header.to_string().as_bytes(),
            payload.to_string().as_bytes(),
            "RS256",
        )
    };
    drop(store);

    let mut location = request.redirect_url;
    let mut set_cookie = None;
    if production {
        let secure = if options.secure { "; Secure" } else { "" };
        set_cookie = Some(format!(
            "{carrier}={value}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
            NONCE_TTL_MS / 1000
        ));
    } else {
        location.query_pairs_mut().append_pair(carrier, &value);
    }
    redirect(location.as_str(), set_cookie.as_deref())
}

/// A `307` to `location`, not cached, with an optional cookie.
fn redirect(location: &str, set_cookie: Option<&str>) -> Response {
    let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
    let headers = response.headers_mut();
    let values = [
        (LOCATION, Some(location)),
        (CACHE_CONTROL, Some("no-store")),
        (SET_COOKIE, set_cookie),
    ];
    for (name, value) in values {
        let Some(value) = value else { continue };
        match HeaderValue::from_str(value) {
            Ok(v) => {
                headers.insert(name, v);
            }
            // A parsed URL and the stand-in's own tokens are always legal header values.
            Err(_) => return invalid("invalid url"),
        }
    }
    response
}
