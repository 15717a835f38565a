//! The mock's HTTP server.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::{Fault, State};

pub(super) async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<State>,
    shutdown: tokio::sync::oneshot::Receiver<()>,
) {
    let app = Router::new()
        .route("/v1/jwks", get(jwks))
        .merge(super::bapi::routes())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            super::bapi::middleware,
        ))
        // Browsers call the Frontend API: no secret key, not recorded as Backend API calls.
        .merge(super::fapi::routes())
        .with_state(state);
    let _ = axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = shutdown.await;
        })
        .await;
}

fn error_body(status: u16, code: &str, message: &str) -> Response {
    let body = serde_json::json!({
        "errors": [{"code": code, "message": message, "long_message": message, "meta": {}}],
        "clerk_trace_id": format!("trace_{}", super::random_id(16)),
    });
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        axum::Json(body),
    )
        .into_response()
}

async fn jwks(AxumState(state): AxumState<Arc<State>>, headers: HeaderMap) -> Response {
    state.jwks_requests.lock().unwrap().push(headers.clone());
    let expected = format!("Bearer {}", state.secret_key);
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return error_body(401, "clerk_key_invalid", "Secret key is invalid");
    }
    let fault = state.faults.lock().unwrap().pop_front();
    match fault {
        None => {}
        Some(Fault::RateLimited { retry_after_secs }) => {
            let mut response = error_body(429, "rate_limit_exceeded", "Too many requests");
            if let Ok(v) = retry_after_secs.to_string().parse() {
                response.headers_mut().insert("retry-after", v);
            }
            return response;
        }
        Some(Fault::Status(code)) => {
            return error_body(code, "internal_clerk_error", "injected failure")
        }
        Some(Fault::InvalidSecretKey) => {
            return error_body(401, "clerk_key_invalid", "Secret key is invalid")
        }
        Some(Fault::Delay(d)) => tokio::time::sleep(d).await,
        Some(Fault::Garbage) => {
            return (StatusCode::OK, "<html>not a key set</html>").into_response()
        }
        Some(Fault::Oversized) => {
            let mut body = String::from("{\"keys\":[],\"padding\":\"");
            body.push_str(&"x".repeat(1024 * 1024));
            body.push_str("\"}");
            return (StatusCode::OK, [("content-type", "application/json")], body).into_response();
        }
        Some(Fault::EmptyKeys) => {
            return axum::Json(serde_json::json!({"keys": []})).into_response()
        }
        Some(Fault::Json { status, body }) => return crate::bapi::json_answer(status, body),
        Some(Fault::CloseMidBody) => {
            let chunks: Vec<Result<&'static str, std::io::Error>> = vec![
                Ok("{\"keys\":[{\"kty\":\"RSA\","),
                Err(std::io::Error::other("connection dropped by the mock")),
            ];
            return Response::builder()
                .header("content-type", "application/json")
                .body(Body::from_stream(futures_util::stream::iter(chunks)))
                .unwrap_or_default();
        }
    }
    let keys: Vec<_> = state.keys.lock().unwrap().iter().map(|k| k.jwk()).collect();
    axum::Json(serde_json::json!({ "keys": keys })).into_response()
}
