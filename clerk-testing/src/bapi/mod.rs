#![allow(clippy::result_large_err)] // handlers return axum responses as their error type
//! The local Backend API: an in-memory store served with the spec's shapes, status codes,
//! error bodies and pagination.

pub(crate) mod actor_tokens;
pub(crate) mod clients;
pub(crate) mod handshake_payload;
pub(crate) mod identifications;
pub(crate) mod identifiers;
pub(crate) mod invitations;
pub(crate) mod jwt_templates;
pub(crate) mod legacy;
pub(crate) mod machine;
pub(crate) mod organizations;
pub(crate) mod rfc3339;
pub(crate) mod session_cookies;
pub(crate) mod session_refresh;
pub(crate) mod sessions;
pub(crate) mod tokens;
pub(crate) mod users;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Request, State as AxumState};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Map, Value};

use super::{Fault, State};

/// The in-memory data of the local Backend API (JSON objects as the API serves them).
#[derive(Debug, Default)]
pub(crate) struct Store {
    pub users: BTreeMap<String, Value>,
    /// Invitations by id (`inv_…`); a pending one past `expires_at` is served as `expired`.
    pub invitations: BTreeMap<String, Value>,
    /// Allow-list identifiers by id (`alid_…`).
    pub allowlist_identifiers: BTreeMap<String, Value>,
    /// Block-list identifiers by id (`blid_…`).
    pub blocklist_identifiers: BTreeMap<String, Value>,
    /// Organizations by id (`org_…`), without the optional counts.
    pub organizations: BTreeMap<String, Value>,
    /// Organization memberships by id (`orgmem_…`), stored with `organization_id` and
    /// `user_id` instead of the embedded organization and public user data.
    pub organization_memberships: BTreeMap<String, Value>,
    /// Passwords by user id (never part of a served object).
    pub passwords: BTreeMap<String, String>,
    /// TOTP secrets and unused backup codes by user id (never part of a served object).
    pub user_mfa: BTreeMap<String, users::Mfa>,
    /// Sessions by id.
    pub sessions: BTreeMap<String, Value>,
    /// Clients by id (their `sessions` are filled in when served).
    pub clients: BTreeMap<String, Value>,
    /// JWT templates by id.
    pub jwt_templates: BTreeMap<String, Value>,
    /// Custom signing keys of JWT templates, by template id (never part of a served object).
    pub jwt_template_keys: BTreeMap<String, String>,
    /// Sign-in tokens by id (without `token`/`url`, which are only returned on creation).
    pub sign_in_tokens: BTreeMap<String, Value>,
    /// Actor tokens by id (`act_…`; without `token`/`url`, only returned on creation).
    pub actor_tokens: BTreeMap<String, Value>,
    /// One-time-code verifications of email addresses and phone numbers by id (`ver_…`),
    /// from `prepare_verification`.
    pub verifications: BTreeMap<String, identifications::PendingVerification>,
    /// The instance's Frontend API URL: the `iss` of the tokens the API mints.
    pub issuer: String,
    /// API keys, M2M and OAuth tokens, and the machine secret key.
    pub machine: machine::MachineStore,
    /// The instance's publishable key: its prefix says development or production, its
    /// hash names the cookies (`__session_<suffix>`).
    pub publishable_key: String,
    /// Handshake payloads under their nonces, and refresh tokens.
    pub handshake: handshake_payload::HandshakeStore,
}

/// A recorded Backend API request.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path and query.
    pub uri: String,
    /// Request headers.
    pub headers: http::HeaderMap,
    /// The request body (a JSON document for POST, PATCH and PUT calls; empty for most
    /// others), e.g. to tell which machine token a `POST /api_keys/verify` was about.
    pub body: axum::body::Bytes,
}

pub(super) fn routes() -> Router<Arc<State>> {
    Router::new()
        .merge(users::routes())
        .merge(invitations::routes())
        .merge(identifiers::routes())
        .merge(organizations::routes())
        .merge(identifications::routes())
        .merge(sessions::routes())
        .merge(session_refresh::routes())
        .merge(handshake_payload::routes())
        .merge(clients::routes())
        .merge(jwt_templates::routes())
        .merge(tokens::routes())
        .merge(actor_tokens::routes())
        .merge(legacy::routes())
        .merge(machine::routes())
}

/// Authentication, recording and fault injection for every Backend API route.
pub(super) async fn middleware(
    AxumState(state): AxumState<Arc<State>>,
    request: Request,
    next: Next,
) -> Response {
    if request.uri().path() == "/v1/jwks" {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    // The SDK's requests are small; a body that cannot be read is recorded empty and
    // served as received (empty), as a broken upload would be.
    let body = axum::body::to_bytes(body, MAX_RECORDED_BODY)
        .await
        .unwrap_or_default();
    state.api_requests.lock().unwrap().push(RecordedRequest {
        method: parts.method.to_string(),
        uri: parts.uri.to_string(),
        headers: parts.headers.clone(),
        body: body.clone(),
    });
    let request = Request::from_parts(parts, Body::from(body));
    let expected = format!("Bearer {}", state.secret_key);
    let authorization = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    let machine_key = request.uri().path() == machine::M2M_VERIFY_PATH
        && machine::is_machine_secret_key(&state, authorization);
    if authorization != Some(expected.as_str()) && !machine_key {
        return error(401, "authentication_invalid", "Unauthorized request", None);
    }
    let limited = state
        .rate_limit
        .lock()
        .unwrap()
        .as_mut()
        .and_then(|l| l.admit());
    if let Some(retry_after_secs) = limited {
        return rate_limited(retry_after_secs);
    }
    let fault = state.api_faults.lock().unwrap().pop_front();
    match fault {
        None | Some(Fault::EmptyKeys) => next.run(request).await,
        Some(Fault::Status(code)) => error(
            code,
            "internal_clerk_error",
            "Oops, something went wrong",
            None,
        ),
        Some(Fault::InvalidSecretKey) => {
            error(401, "authentication_invalid", "Unauthorized request", None)
        }
        Some(Fault::RateLimited { retry_after_secs }) => rate_limited(retry_after_secs),
        Some(Fault::Delay(d)) => {
            tokio::time::sleep(d).await;
            next.run(request).await
        }
        Some(Fault::Json { status, body }) => json_answer(status, body),
        Some(Fault::Garbage) => (
            StatusCode::OK,
            [("content-type", "application/json")],
            "{\"id\": \"user_",
        )
            .into_response(),
        Some(Fault::Oversized) => (
            StatusCode::BAD_GATEWAY,
            "<html><body>502 Bad Gateway</body></html>",
        )
            .into_response(),
        Some(Fault::CloseMidBody) => {
            let chunks: Vec<Result<&'static str, std::io::Error>> = vec![
                Ok("{\"object\":\"user\","),
                Err(std::io::Error::other("connection dropped by the mock")),
            ];
            Response::builder()
                .header("content-type", "application/json")
                .body(Body::from_stream(futures_util::stream::iter(chunks)))
                .unwrap_or_default()
        }
    }
}

/// The largest request body the mock records and serves (2 MiB, axum's default limit).
const MAX_RECORDED_BODY: usize = 2 * 1024 * 1024;

/// Clerk's 429: `rate_limit_exceeded` with `Retry-After`.
fn rate_limited(retry_after_secs: u64) -> Response {
    let mut response = error(429, "rate_limit_exceeded", "Too many requests", None);
    response
        .headers_mut()
        .insert("retry-after", http::HeaderValue::from(retry_after_secs));
    response
}

/// A Clerk error response (`ClerkErrors`).
pub(crate) fn error(status: u16, code: &str, message: &str, param: Option<&str>) -> Response {
    let meta = match param {
        Some(p) => json!({ "param_name": p }),
        None => json!({}),
    };
    let body = json!({
        "errors": [{"code": code, "message": message, "long_message": message, "meta": meta}],
        "meta": {},
        "clerk_trace_id": format!("trace_{}", super::random_id(16)),
    });
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        axum::Json(body),
    )
        .into_response()
}

pub(crate) fn not_found() -> Response {
    error(404, "resource_not_found", "not found", None)
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

pub(crate) fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", super::random_id(27))
}

/// Deep merge of `patch` into `target`; a `null` in `patch` deletes the key.
pub(crate) fn deep_merge(target: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (k, v) in patch {
        match v {
            Value::Null => {
                target.remove(k);
            }
            Value::Object(p) => match target.get_mut(k) {
                Some(Value::Object(t)) => deep_merge(t, p),
                _ => {
                    let mut fresh = Map::new();
                    deep_merge(&mut fresh, p);
                    target.insert(k.clone(), Value::Object(fresh));
                }
            },
            other => {
                target.insert(k.clone(), other.clone());
            }
        }
    }
}

/// Query pairs of a request, repeated keys kept.
pub(crate) fn query_pairs(uri: &axum::http::Uri) -> Vec<(String, String)> {
    form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// `limit` (1–500, default 10) and `offset` (default 0), or a 422 naming the parameter.
pub(crate) fn paging(pairs: &[(String, String)]) -> Result<(usize, usize), Response> {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let limit = match get("limit") {
        None => 10,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=500).contains(&n) => n,
            _ => {
                return Err(error(
                    422,
                    "form_param_value_invalid",
                    "limit must be between 1 and 500",
                    Some("limit"),
                ))
            }
        },
    };
    let offset = match get("offset") {
        None => 0,
        Some(v) => v.parse::<usize>().map_err(|_| {
            error(
                422,
                "form_param_value_invalid",
                "offset must be a non-negative integer",
                Some("offset"),
            )
        })?,
    };
    Ok((limit, offset))
}

/// A list in the shape the endpoint uses: a bare array, or `{data, total_count}` when
/// `paginated=true` (or when the endpoint always pages).
pub(crate) fn list_response(items: Vec<Value>, total: usize, paged: bool) -> Response {
    if paged {
        axum::Json(json!({ "data": items, "total_count": total })).into_response()
    } else {
        axum::Json(Value::Array(items)).into_response()
    }
}

/// Sorts by `order_by` (`field`, `+field`, `-field`; default `-created_at`).
pub(crate) fn sort(
    items: &mut [Value],
    order_by: Option<&str>,
    allowed: &[&str],
) -> Result<(), Response> {
    let order = order_by.unwrap_or("-created_at");
    let (desc, field) = match order.as_bytes().first() {
        Some(b'-') => (true, &order[1..]),
        Some(b'+') => (false, &order[1..]),
        _ => (false, order),
    };
    if !allowed.contains(&field) {
        return Err(error(
            422,
            "form_param_value_invalid",
            "order_by is not supported",
            Some("order_by"),
        ));
    }
    let key = |v: &Value| -> (i64, String) {
        match v.get(field) {
            Some(Value::Number(n)) => (n.as_i64().unwrap_or_default(), String::new()),
            Some(Value::String(s)) => (0, s.to_lowercase()),
            _ => (0, String::new()),
        }
    };
    items.sort_by(|a, b| {
        let ordering = key(a)
            .cmp(&key(b))
            .then_with(|| a["id"].as_str().cmp(&b["id"].as_str()));
        if desc {
            ordering.reverse()
        } else {
            ordering
        }
    });
    Ok(())
}

/// Parses a JSON body, or a 400 like the API's.
pub(crate) fn json_body(bytes: &[u8]) -> Result<Map<String, Value>, Response> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(error(
            400,
            "malformed_request",
            "The request body is not a JSON object",
            None,
        )),
    }
}

/// An answer with this status (500 if it is not one) and JSON body.
pub(crate) fn json_answer(status: u16, body: serde_json::Value) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        axum::Json(body),
    )
        .into_response()
}
